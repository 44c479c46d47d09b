"""Carrying findings over an edit that broke the syntax.

While a buffer does not parse (mid-typing), its modules define nothing and its
findings cannot be computed; the ones from the last text that parsed still hold
wherever the lines they point at are unchanged.  They are moved to where those lines
are now; a finding on a changed line is dropped, and so is every fix (its edits were
computed for the old text).
"""
from __future__ import annotations

import difflib
from dataclasses import replace

from ...checking.findings import Finding
from ...nix.source import SourceFile, Span


def relocate(findings: list[Finding], old: SourceFile, new: SourceFile) -> list[Finding]:
    """The findings of `old` whose lines are unchanged in `new`, pointing into `new`."""
    old_lines = old.data.split(b"\n")     # lines as `SourceFile.line_starts` counts them
    new_lines = new.data.split(b"\n")
    blocks = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_matching_blocks()
    moved: list[Finding] = []
    for finding in findings:
        span = finding.span
        if span.source is not old:
            continue
        first, last = span.start_position[0] - 1, span.end_position[0] - 1   # 0-based lines
        if span.end > span.start and span.end == old.line_starts[min(last, len(old.line_starts) - 1)]:
            last -= 1   # a span ending at a line's start does not touch that line
        block = next((b for b in blocks if b.a <= first and last < b.a + b.size), None)
        if block is None:
            continue
        shift = _line_start(new, block.b + first - block.a) - _line_start(old, first)
        moved.append(replace(finding, span=Span(new, span.start + shift, span.end + shift), fix=None))
    return moved


def _line_start(source: SourceFile, line: int) -> int:
    starts = source.line_starts
    return starts[line] if line < len(starts) else len(source.data)
