"""`stereos-lint systems`: every system a repository builds, where it is declared,
its modules, what the linter cannot see of it, and what discovery could not know."""
from __future__ import annotations

from ..nix.source import Span
from ..systems.project import Project, unread_modules
from ..systems.system import System


def records(project: Project) -> list[dict]:
    units = project.units   # evaluates the systems: architectures read from nixpkgs.hostPlatform, closures
    modules_of: dict[int, list] = {}
    for unit in units:
        for system in unit.systems:
            modules_of.setdefault(id(system), unit.modules)
    impure = [span for r in project.repositories if r.discovery for span in r.discovery.impure]
    return [_record(system, modules_of.get(id(system), []), impure) for system in project.systems]


def _record(system: System, modules: list, impure: list[Span]) -> dict:
    files = list(dict.fromkeys(path for m in modules for path in (m.path, m.written_in) if path is not None))
    record = {
        "name": system.name,
        "system": system.arch,
        "declared_at": _place(system.declared_at),
        "modules": files,
        "opaque": unread_modules([system], modules),
        "gaps": [*system.gaps, *system.reads(impure)],
    }
    if system.aliases:
        record["aliases"] = list(system.aliases)
    return record


def _place(span: Span | None) -> dict | None:
    if span is None:
        return None
    line, column = span.start_position
    return {"file": span.path, "line": line, "column": column}


def render_text(found: list[dict], problems: list[str], roots_stand_in: bool = True, builds_none: bool = False) -> str:
    if found:
        lines = []
    elif roots_stand_in:
        lines = ["No system found: module-graph roots (files no other file imports) are judged as systems."]
    elif builds_none:
        lines = ["The flake's outputs hold no NixOS system the linter can see, and no NixOS module: every file is "
                 "judged as a fragment, on what it defines."]
    else:
        lines = ["No system could be known (see below): every file is judged as a fragment, on what it defines."]
    for record in found:
        at = record["declared_at"]
        where = f"{at['file']}:{at['line']}:{at['column']}" if at else "?"
        lines.append(f"{record['name']}  ({record['system'] or 'architecture not known'})  declared at {where}")
        for alias in record.get("aliases", []):
            lines.append(f"  also: {alias}")
        lines.append(f"  modules: {len(record['modules'])} files" + (
            f" ({', '.join(record['modules'][:4])}{', …' if len(record['modules']) > 4 else ''})"
            if record["modules"] else ""))
        for text in record["opaque"]:
            lines.append(f"  opaque: {text}")
        for gap in record["gaps"]:
            lines.append(f"  gap: {gap}")
    lines.extend(f"discovery: {problem}" for problem in problems)
    return "\n".join(lines) + "\n"
