"""`stereos-lint eval`: an option's effective value per root, where it was decided,
and why every other definition lost -- "why is my firewall still on?" without Nix.
"""
from __future__ import annotations

from typing import Any

from ..nix import values as v
from ..modules.config import Resolution, format_option, parse_option
from ..modules.definitions import Definition
from ..systems.project import Project, ReadProblem
from ..checking.rule import nix_literal


def json_value(value: Any) -> Any:
    if isinstance(value, v.UnknownValue):
        return {"unknown": value.text}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value


def place(definition: Definition | None) -> dict | None:
    if definition is None or definition.span is None:
        return None
    line, column = definition.span.start_position
    return {"file": definition.span.path, "line": line, "column": column}


def records(project: Project, option: str | tuple[str, ...], names: set[str] | None = None,
            units: list | None = None) -> list[dict]:
    """One record per system (identical systems share one), per architecture where it is
    judged on several; a module-graph root standing in for a system is one record where
    its architectures agree.  `names`: only the systems so named.  `units`: only these
    evaluations (a fragment's among them: the file judged on its own)."""
    out: list[dict] = []
    by_system: dict[int, list] = {}
    for unit in project.units if units is None else units:
        if (units is None and not unit.whole) or (names is not None and not names & {*unit.names, *_aliases(unit)}):
            continue
        by_system.setdefault(id(unit.systems[0]), []).append(unit)
    for units in by_system.values():
        system = units[0].systems[0]
        problem = _unreadable(project, system.name) if system.origin == "root" else None
        if problem:
            out.append(_identity(units[0], option, None) | {"defined": False, "error": problem})
            continue
        rendered = [_guarded_record(unit, option) for unit in units]
        if len(rendered) > 1 and all(_same(rendered[0], r) for r in rendered[1:]):
            rendered = [rendered[0] | {"system": system.arch}]
        out.extend(rendered)
    return out


def _guarded_record(unit, option: str) -> dict:
    """The record of one evaluation; a bug met while its values are evaluated (they are,
    as the option asks for them) is said in the record, not raised."""
    try:
        return _record(unit, option, unit.config.resolve(option))
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else ""
        system = unit.arch if unit.arch_specific or unit.systems[0].arch else None
        return _identity(unit, option, system) | {
            "defined": False, "error": f"internal error in stereos-lint: {type(error).__name__}"
                                       f"{': ' + message if message else ''}"}


def _aliases(unit) -> list[str]:
    return [alias for system in unit.systems for alias in system.aliases]


def _identity(unit, option: str, system: str | None) -> dict:
    """Which system a record is about: `name` (a root's file or a system's name), the
    identical systems sharing its evaluation, and `root` for a module-graph root."""
    first = unit.systems[0]
    record: dict[str, Any] = {"name": first.name}
    if first.origin == "root":
        record["root"] = first.name
    if first.origin == "fragment":
        record["fragment"] = True     # a file no system imports, judged on its own
    if len(unit.systems) > 1:
        record["systems"] = unit.names
    record["option"] = format_option(parse_option(option))
    record["system"] = system
    return record


def _unreadable(project: Project, root: str) -> str | None:
    """Why a root cannot be evaluated at all (it does not parse or cannot be read), if so."""
    parsed = project.parsed(root)
    if isinstance(parsed, ReadProblem):
        return f"cannot read the file: {parsed.message}"
    if parsed.error is not None:
        return f"the file does not parse ({parsed.error}: {parsed.error_message})"
    return None


def _same(a: dict, b: dict) -> bool:
    strip = lambda r: {k: x for k, x in r.items() if k != "system"}  # noqa: E731
    return strip(a) == strip(b)


def _record(unit, option: str, resolution: Resolution) -> dict:
    system = unit.arch if unit.arch_specific or unit.systems[0].arch else None
    record = _identity(unit, option, system)
    if not resolution.defined and not resolution.definitions:
        return record | {"defined": False}
    failed = resolution.error is not None
    record.update({
        "defined": resolution.defined,
        "value": json_value(resolution.value) if resolution.defined and not failed else None,
        "defined_at": place(resolution.winner),
        "priority": resolution.priority,
        "priority_label": resolution.winner.priority_label if resolution.winner else None,
    })
    if resolution.uncertain:
        record["uncertain"] = resolution.uncertain
    if resolution.conflict:
        record["conflict"] = True
    if failed:
        record["error"] = resolution.error
    record["definitions"] = [
        {
            **(place(d) or {"file": None, "line": None, "column": None}),
            "option": format_option(d.option),
            "priority": d.priority,
            "priority_label": d.priority_label,
            "value": json_value(v.to_python(d.value)),
            "conditional": resolution.is_conditional(d),
            "active": resolution.is_active(d),
            "lost_because": resolution.lost_because(d),
        }
        for d in resolution.definitions
    ]
    return record


def render_text(records_: list[dict]) -> str:
    lines: list[str] = []
    for record in records_:
        system = f" ({record['system']})" if record.get("system") else ""
        shared = f" (also {', '.join(record['systems'][1:])})" if record.get("systems") else ""
        lines.append(f"{record['name']}{system}{shared}:")
        if record.get("error"):
            lines.append(f"  cannot evaluate {record['option']}: {record['error']}")
            lines.append("")
            continue
        if not record.get("defined") and not record.get("definitions"):
            lines.append(f"  {record['option']} is not defined by any module")
            lines.append("")
            continue
        if record.get("defined"):
            lines.append(f"  {record['option']} = {literal(record['value'])}")
        else:
            lines.append(f"  {record['option']} has no active definition")
        used = [d for d in record.get("definitions", ()) if d["active"] and d["lost_because"] is None]
        if record.get("defined") and len(used) > 1 and isinstance(record.get("value"), (list, dict)):
            # (a list or set is every winning definition's, merged: no one of them decides it)
            lines.append(f"    merged from {len(used)} definitions (priority {record['priority']})")
        elif record.get("defined_at"):
            at = record["defined_at"]
            lines.append(f"    decided by {at['file']}:{at['line']}:{at['column']} (priority {record['priority']})")
        if record.get("uncertain"):
            lines.append(f"    but it may differ: {record['uncertain']}")
        if record.get("error"):
            lines.append(f"    NixOS refuses it: {record['error']}")
        elif record.get("conflict"):   # an option the tree does not declare: its type decides
            lines.append("    conflict: definitions at the same priority disagree (NixOS refuses them unless the "
                         "option's type merges them)")
        for d in record["definitions"]:
            where = f"{d['file']}:{d['line']}:{d['column']}"
            verdict = f"lost: {d['lost_because']}" if d["lost_because"] else "used"
            lines.append(f"    - {where}  {d['option']} = {literal(d['value'])}  priority {d['priority']}  {verdict}")
        lines.append("")
    return "\n".join(lines)


def literal(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"unknown"}:
        return f"<cannot be known: {value['unknown']}>"
    if isinstance(value, dict):
        return "{ " + " ".join(f"{k} = {literal(x)};" for k, x in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + " ".join(literal(x) for x in value) + (" ]" if value else "]")
    return nix_literal(value)
