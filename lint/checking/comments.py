"""A file's comments, read from the parsed tree (so text inside strings is never a
comment), as its syntax index found them.  Used by suppression comments and comment
rules."""
from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from ..nix.parser import ParsedFile
from ..nix.syntax_index import syntax_index
from ..nix.source import SourceFile, Span

_CODEC = ("utf-8", "surrogateescape")   # exact byte <-> character round trip


@dataclass(frozen=True)
class Comment:
    span: Span
    body: str          # the text without `#` / `/* */`
    body_start: int    # byte offset of the body in the source
    own_line: bool     # nothing but blanks before it on its line
    block: bool        # a `/* … */` comment

    @property
    def line(self) -> int:
        return self.span.line


_cache: WeakKeyDictionary[SourceFile, list[Comment]] = WeakKeyDictionary()
_text_cache: WeakKeyDictionary[SourceFile, bytes] = WeakKeyDictionary()


def comments(parsed: ParsedFile) -> list[Comment]:
    """Every comment of the file, in source order."""
    source = parsed.source
    if source in _cache:
        return _cache[source]
    found: list[Comment] = []
    if b"#" in source.data or b"/*" in source.data:
        found = [_comment(source, node.start_byte, node.end_byte) for node in syntax_index(parsed).comments]
    _cache[source] = found
    return found


def comment_bytes(parsed: ParsedFile) -> bytes:
    """The file's comments as written, joined by newlines: where a comment rule takes a
    cheap first look (a few hundred bytes, not the whole file).  What a rule finds in a
    comment's text is in them, and the newlines join no two comments into one match of
    a pattern that holds none."""
    source = parsed.source
    found = _text_cache.get(source)
    if found is None:
        data = source.data
        nodes = syntax_index(parsed).comments if b"#" in data or b"/*" in data else ()
        found = b"\n".join(data[node.start_byte:node.end_byte] for node in nodes)
        _text_cache[source] = found
    return found


def _comment(source: SourceFile, start: int, end: int) -> Comment:
    data = source.data
    line_start = data.rfind(b"\n", 0, start) + 1
    own_line = not data[line_start:start].strip()
    raw = data[start:end]
    if raw.startswith(b"/*"):
        body_start, body_end, block = start + 2, end - 2 if raw.endswith(b"*/") and len(raw) >= 4 else end, True
    else:
        body_start, body_end, block = start + 1, end, False
    body = data[body_start:body_end].rstrip(b"\r").decode(*_CODEC)
    return Comment(Span(source, start, end), body, body_start, own_line, block)
