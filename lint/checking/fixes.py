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
    out = data
    for edit in reversed(_non_overlapping(edits)):
        out = out[: edit.span.start] + edit.content.encode("utf-8") + out[edit.span.end:]
    return out


def _non_overlapping(edits: list[Edit]) -> list[Edit]:
    """The edits in file order, without those that overlap one before them."""
    chosen: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        if chosen and edit.span.start < chosen[-1].span.end:
            continue
        if chosen and edit.span.start == chosen[-1].span.start == chosen[-1].span.end == edit.span.end:
            continue  # two insertions at one place: keep the first this round
        chosen.append(edit)
    return chosen


def fix_edits(findings: list[Finding]) -> dict[str, list[Edit]]:
    """For every file with fixable findings, the edits one round of fixing makes: every
    fix whose edits overlap no fix taken before it, in file order."""
    by_file: dict[str, list[Edit]] = defaultdict(list)
    for finding in findings:
        if finding.fix is None:
            continue
        edits = finding.fix.edits
        if any(e.span.source is not edits[0].span.source for e in edits):
            continue
        # A fix's edits go together: take them only if none overlaps what is already chosen.
        path = edits[0].span.path
        if any(_overlaps(e, other) for e in edits for other in by_file[path]):
            continue
        by_file[path].extend(edits)
    return {path: _non_overlapping(edits) for path, edits in by_file.items()}


def fixed_files(findings: list[Finding]) -> dict[str, tuple[bytes, bytes]]:
    """For every file with fixable findings: (original bytes, fixed bytes)."""
    result = {}
    for path, edits in fix_edits(findings).items():
        original = edits[0].span.source.data
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
