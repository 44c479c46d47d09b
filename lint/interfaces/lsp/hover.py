"""The hover text of an option: `stereos-lint eval`'s records as Markdown -- the value in
each system containing the file, the definition that decided it, and for the
definition under the cursor whether it counts and, when it loses, why."""
from __future__ import annotations

import os

from ..explain_value import literal

MAX_VALUE = 600   # characters of a value shown; the rest is elided


def render(records: list[dict], hovered: list[dict], folder: str | None) -> str:
    """Markdown for `records` (explain_value.records).  `hovered`: the places
    ({file, line, column}) of the definitions under the cursor.  Systems whose text would
    be the same are shown once, naming them."""
    blocks: dict[str, list[str]] = {}
    for record in records:
        blocks.setdefault(_body(record, hovered, folder), []).append(_label(record))
    if not blocks:
        return ""
    option = records[0]["option"]
    out = [f"**`{option}`**"]
    several = len(records) > 1
    for body, labels in blocks.items():
        if several or labels[0]:
            out.append(f"*{_systems(labels, len(records))}*")
        out.append(body)
    return "\n\n".join(out)


def _body(record: dict, hovered: list[dict], folder: str | None) -> str:
    lines: list[str] = []
    if record.get("error") and not record.get("definitions"):
        return f"cannot evaluate it: {record['error']}"
    if not record.get("defined") and not record.get("definitions"):
        return "not defined by any module"
    if record.get("defined") and not record.get("error"):
        lines.append(_code(literal(record["value"])))
    elif not record.get("defined"):
        lines.append("no definition counts")
    counted = [d for d in record.get("definitions", ()) if d["active"] and not d["lost_because"]]
    if len(counted) > 1:
        lines.append(f"merged from {len(counted)} definitions")
    elif record.get("defined_at"):
        label = f", {record['priority_label']}" if record.get("priority_label") not in (None, "plain") else ""
        lines.append(f"decided by {_where(record['defined_at'], folder)} (priority {record['priority']}{label})")
    if record.get("error"):
        lines.append(f"NixOS refuses it: {record['error']}")
    elif record.get("conflict"):
        lines.append("conflict: definitions at the same priority disagree")
    if record.get("uncertain"):
        lines.append(f"it may differ: {record['uncertain']}")
    mine = [d for d in record.get("definitions", ()) if _at(d) in {_at(h) for h in hovered}]
    verdicts: dict[str, None] = {}
    for definition in mine:
        if definition["lost_because"]:
            verdicts[f"**this definition loses:** {definition['lost_because']}"] = None
        elif definition["conditional"]:
            verdicts["this definition counts only where its lib.mkIf condition holds"] = None
        elif len(counted) == 1 and _at(counted[0]) == _at(definition):
            verdicts["this definition decides it"] = None
        else:
            verdicts["this definition is part of it"] = None
    lines.extend(verdicts)
    others = len(record.get("definitions", ())) - len(mine)
    if others > 0 and len(counted) <= 1:
        lines.append(f"{others} other definition{'s' if others != 1 else ''} in this system")
    return "  \n".join(lines)


def _label(record: dict) -> str:
    if record.get("fragment"):
        return "this file alone (no system imports it)"
    names = record.get("systems") or [record["name"]]
    label = ", ".join(names) if not record.get("root") else os.path.basename(record["name"])
    return f"{label} ({record['system']})" if record.get("system") else label


def _systems(labels: list[str], total: int) -> str:
    if len(labels) == total and total > 1:
        return f"in every system ({', '.join(labels)})" if total <= 4 else f"in all {total} systems"
    return "in " + ", ".join(labels)


def _where(place: dict, folder: str | None) -> str:
    path = place["file"]
    if folder and os.path.isabs(path) and path.startswith(folder.rstrip(os.sep) + os.sep):
        path = os.path.relpath(path, folder)
    return f"`{path}:{place['line']}`"


def _at(place: dict) -> tuple:
    return (place.get("file"), place.get("line"), place.get("column"))


def _code(text: str) -> str:
    if len(text) > MAX_VALUE:
        text = text[:MAX_VALUE] + " …"
    return f"```nix\n{text}\n```"
