"""A file's comments as paragraphs of prose, for the documentation-drift rules (ST9xx).

The comments themselves come from `stereos_lint.checking.comments` (tree-sitter `comment`
nodes, so text inside strings such as `''Storage=volatile''` is never a comment,
read with a cursor, without recursion: valid Nix can nest thousands of levels deep).

Consecutive line comments form a *paragraph*, which ends at a line without a
comment, at an empty `#` line, or at a comment that follows code on its line.  A
paragraph's text is its comments' bodies (markers removed) joined with newlines,
and `Paragraph.span(start, end)` maps a range of that text back to the source
bytes, so findings and fixes point inside the comment.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Iterator

from stereos_lint.checking.comments import Comment, comment_bytes, comments
from stereos_lint.nix.parser import ParsedFile
from stereos_lint.nix.source import Span

__all__ = ["Comment", "Paragraph", "comment_bytes", "comments", "header", "paragraphs"]

_CODEC = ("utf-8", "surrogateescape")   # exact byte <-> character round trip


@dataclass
class Paragraph:
    comments: list[Comment]
    text: str = ""
    _starts: list[int] = field(default_factory=list, repr=False)   # text offset of each comment's body

    def __post_init__(self) -> None:
        parts, offset = [], 0
        for comment in self.comments:
            self._starts.append(offset)
            parts.append(comment.body)
            offset += len(comment.body) + 1
        self.text = "\n".join(parts)

    def span(self, start: int, end: int) -> Span:
        """The source bytes of `text[start:end]` (a range within one comment)."""
        index = bisect.bisect_right(self._starts, start) - 1
        comment = self.comments[index]
        local_start = start - self._starts[index]
        local_end = min(end - self._starts[index], len(comment.body))
        body = comment.body
        byte_start = comment.body_start + len(body[:local_start].encode(*_CODEC))
        byte_end = comment.body_start + len(body[:local_end].encode(*_CODEC))
        return Span(comment.span.source, byte_start, byte_end)

    def sentences(self) -> Iterator[tuple[int, int]]:
        """(start, end) ranges of the text's sentences and clauses: split after `.`, `;`,
        `!` or `?` followed by a blank or the end (so `10.0.2.2` and `5.1` stay whole)."""
        start = 0
        for match in _CLAUSE_END.finditer(self.text):
            yield start, match.start() + 1
            start = match.end()
        if start < len(self.text):
            yield start, len(self.text)


_CLAUSE_END = re.compile(r"[.;!?](?:\s+|$)")


def paragraphs(parsed: ParsedFile) -> list[Paragraph]:
    """Consecutive own-line `#` comments grouped into paragraphs (see the module docstring);
    a block comment or a comment after code is a paragraph of its own."""
    groups: list[list[Comment]] = []
    previous: Comment | None = None
    for comment in comments(parsed):
        blank = not comment.block and not comment.body.strip(" \t#")
        joins = (previous is not None and comment.own_line and not comment.block and not previous.block
                 and previous.own_line and comment.line == previous.line + 1)
        if blank:
            previous = None
            continue
        if joins:
            groups[-1].append(comment)
        else:
            groups.append([comment])
        previous = comment
    return [Paragraph(group) for group in groups]


def header(parsed: ParsedFile) -> list[Comment]:
    """The module header: the comments before the file's first code."""
    root = parsed.root
    if root is None:
        return []
    first_code = next((child.start_byte for child in root.children if child.type != "comment"), None)
    return [c for c in comments(parsed) if first_code is None or c.span.start < first_code]
