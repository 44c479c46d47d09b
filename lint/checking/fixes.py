"""Applying fixes: byte-range edits, never touching a byte outside them.

Edits of one file are applied from the end backwards so earlier offsets stay
valid; an edit that overlaps one already taken waits for the next round (the
file is linted again and its finding, if still there, fixed then).
"""
from __future__ import annotations

import difflib
from collections import defaultdict

from .findings import Edit, Finding


def apply_edits(data: bytes, edits: list[Edit]) -> bytes:
    """Apply the edits that do not overlap an earlier one; the rest wait for the next round."""
    chosen: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        if chosen and edit.span.start < chosen[-1].span.end:
            continue
        if chosen and edit.span.start == chosen[-1].span.start == chosen[-1].span.end == edit.span.end:
            continue  # two insertions at one place: keep the first this round
        chosen.append(edit)
    out = data
    for edit in reversed(chosen):
        out = out[: edit.span.start] + edit.content.encode("utf-8") + out[edit.span.end:]
    return out


def fixed_files(findings: list[Finding]) -> dict[str, tuple[bytes, bytes]]:
    """For every file with fixable findings: (original bytes, fixed bytes)."""
    by_file: dict[str, list[Edit]] = defaultdict(list)
    sources = {}
    for finding in findings:
        if finding.fix is None:
            continue
        edits = finding.fix.edits
        if any(e.span.source is not edits[0].span.source for e in edits):
            continue
        # A fix's edits go together: take them only if none overlaps what is already chosen.
        path = edits[0].span.path
        sources[path] = edits[0].span.source
        if any(_overlaps(e, other) for e in edits for other in by_file[path]):
            continue
        by_file[path].extend(edits)
    result = {}
    for path, edits in by_file.items():
        original = sources[path].data
        new = apply_edits(original, edits)
        if new != original:
            result[path] = (original, new)
    return result


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.span.start == a.span.end == b.span.start == b.span.end:
        return True
    return a.span.start < b.span.end and b.span.start < a.span.end


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    name = path.lstrip("/")
    return "".join(difflib.unified_diff(old, new, f"a/{name}", f"b/{name}"))
