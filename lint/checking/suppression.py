"""Inline suppression comments, applied centrally after every rule has run.

    # stereos-lint: disable=ST120        the finding's own line, or the line below
    # stereos-lint: disable=ST1,NX002    codes or prefixes, comma-separated
    # stereos-lint: disable              every code
    # stereos-lint: disable-file=ST9     the whole file

A suppression that suppresses nothing among the rules that ran is itself
reported (NX100), so stale comments do not pile up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .comments import comments
from .findings import Edit, Finding
from ..nix.parser import ParsedFile
from ..nix.source import Span

_DIRECTIVE = re.compile(r"stereos-lint:\s*(disable-file|disable)\b\s*(?:=\s*([A-Za-z0-9_,\s-]+))?")


@dataclass
class Suppression:
    span: Span
    whole_file: bool
    codes: list[str]                # empty: every code
    lines: tuple[int, ...] = ()     # the lines it covers (line suppressions)
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> str | None:
        """The selector that matches `finding`, or None."""
        if not self.whole_file and finding.span.line not in self.lines:
            return None
        if not self.codes:
            return "*"
        return next((c for c in self.codes if finding.code.startswith(c)), None)


def suppressions(parsed: ParsedFile) -> list[Suppression]:
    found = []
    if b"stereos-lint:" not in parsed.source.data:
        return found   # no directive anywhere in the file
    for comment in comments(parsed):
        match = _DIRECTIVE.search(comment.body)
        if not match:
            continue
        codes = [c.strip() for c in (match.group(2) or "").split(",") if c.strip()]
        whole_file = match.group(1) == "disable-file"
        line = comment.line
        lines = (line,) if not comment.own_line else (line, line + 1)
        found.append(Suppression(comment.span, whole_file, codes, lines))
    return found


def apply(findings: list[Finding], parsed_files: dict[str, ParsedFile],
          ran_codes: set[str]) -> tuple[list[Finding], list[Suppression]]:
    """Drop suppressed findings; return the rest and the suppressions (with what each used)."""
    by_file: dict[str, list[Suppression]] = {path: suppressions(p) for path, p in parsed_files.items()}
    kept = []
    for finding in findings:
        matched = False
        for suppression in by_file.get(finding.path, ()):
            selector = suppression.covers(finding)
            if selector is not None:
                suppression.used.add(selector)
                matched = True
        if not matched:
            kept.append(finding)
    unused = [s for s_list in by_file.values() for s in s_list if _unused_codes(s, ran_codes)]
    return kept, unused


def _unused_codes(suppression: Suppression, ran_codes: set[str]) -> list[str]:
    if not suppression.codes:
        return [] if suppression.used else ["*"]
    return [c for c in suppression.codes
            if c not in suppression.used and any(code.startswith(c) for code in ran_codes)]


def unused_message(suppression: Suppression, ran_codes: set[str]) -> str:
    codes = _unused_codes(suppression, ran_codes)
    what = "every code" if codes == ["*"] else ", ".join(codes)
    scope = "in this file" if suppression.whole_file else "on this line or the next"
    return f"this suppression of {what} suppresses nothing: no such finding {scope}"


def disable_edit(parsed: ParsedFile, code: str, line: int, whole_file: bool = False) -> Edit | None:
    """The edit that suppresses `code` on `line` (or in the whole file): the code added to
    a directive already there, else a new comment -- on its own line above (indented as
    the line), or at the end of the line where its start is inside a string.  None where
    neither can be written (the line starts and ends inside a multi-line string)."""
    source = parsed.source
    existing = next((s for s in suppressions(parsed) if s.whole_file == whole_file and s.codes
                     and (whole_file or line in s.lines)), None)
    if existing is not None:
        match = _DIRECTIVE.search(existing.span.text)
        end = existing.span.start + len(existing.span.text[: match.end(2)].rstrip().encode("utf-8"))
        return Edit(Span(source, end, end), f",{code}")
    if whole_file:
        data = source.data
        at = data.index(b"\n") + 1 if data.startswith(b"#!") and b"\n" in data else 0
        return Edit(Span(source, at, at), f"# stereos-lint: disable-file={code}\n")
    text = source.line_text(line)
    start = source.line_starts[line - 1]
    if not _in_string(parsed, start):
        indent = text[: len(text) - len(text.lstrip())]
        return Edit(Span(source, start, start), f"{indent}# stereos-lint: disable={code}\n")
    end = start + len(text.encode("utf-8"))
    if not _in_string(parsed, end):
        return Edit(Span(source, end, end), f"  # stereos-lint: disable={code}")
    return None


def _in_string(parsed: ParsedFile, offset: int) -> bool:
    """Whether text written at `offset` would land inside a string or a comment."""
    node = parsed.root.descendant_for_byte_range(offset, offset) if parsed.root is not None else None
    while node is not None:
        if node.type in ("string_expression", "indented_string_expression", "comment") \
                and node.start_byte < offset < node.end_byte:
            return True
        node = node.parent
    return False
