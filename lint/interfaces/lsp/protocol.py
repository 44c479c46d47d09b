"""Byte offsets to LSP positions and back, and findings, edits and places as LSP types.

An LSP position is a line and a character offset counted in the encoding the client
and server agreed on (UTF-16 code units unless the client offers UTF-8 or UTF-32);
the linter speaks in UTF-8 byte offsets.
"""
from __future__ import annotations

import bisect
import os
from typing import Callable
from urllib.parse import quote, unquote, urlparse

from lsprotocol import types

from ...checking.findings import Edit, Finding, Severity
from ...checking.rule import Rule
from ...nix.source import SourceFile, Span

SOURCE = "stereos-lint"
_SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error, Severity.WARNING: types.DiagnosticSeverity.Warning,
             Severity.INFO: types.DiagnosticSeverity.Information}


def _units(text: str, encoding: str) -> int:
    """The length of `text` in the agreed encoding's units."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogateescape"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position(source: SourceFile, offset: int, encoding: str) -> types.Position:
    offset = max(0, min(offset, len(source.data)))
    starts = source.line_starts
    line = bisect.bisect_right(starts, offset) - 1
    prefix = source.data[starts[line]:offset].decode("utf-8", "surrogateescape")
    return types.Position(line=line, character=_units(prefix, encoding))


def offset(source: SourceFile, where: types.Position, encoding: str) -> int:
    """The byte offset of an LSP position; past a line's end is its end (as the spec says)."""
    starts = source.line_starts
    if where.line >= len(starts):
        return len(source.data)
    start = starts[where.line]
    end = starts[where.line + 1] - 1 if where.line + 1 < len(starts) else len(source.data)
    text = source.data[start:end].rstrip(b"\r").decode("utf-8", "surrogateescape")
    count = 0
    for index, character in enumerate(text):
        if count >= where.character:
            return start + len(text[:index].encode("utf-8", "surrogateescape"))
        count += _units(character, encoding)
    return start + len(text.encode("utf-8", "surrogateescape"))


def span_range(span: Span, encoding: str) -> types.Range:
    return types.Range(start=position(span.source, span.start, encoding), end=position(span.source, span.end, encoding))


def uri(path: str) -> str:
    return "file://" + quote(os.path.abspath(path), safe="/:@-._~+")


def path_of(document_uri: str) -> str | None:
    """The file a `file:` URI names (None for another scheme: an unsaved, untitled buffer)."""
    parsed = urlparse(document_uri)
    if parsed.scheme != "file":
        return None
    return os.path.normpath(unquote(parsed.path))


def diagnostic(finding: Finding, rules: dict[str, Rule], encoding: str) -> types.Diagnostic:
    rule = rules.get(finding.code)
    documentation = rule.documentation_file if rule is not None else None
    return types.Diagnostic(
        range=span_range(finding.span, encoding),
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=uri(documentation)) if documentation else None,
        source=SOURCE,
        message=f"[{finding.name}] {finding.message}",
    )


def text_edits(edits: list[Edit], encoding: str, uri_of: Callable[[str], str] = uri) -> dict[str, list[types.TextEdit]]:
    """The edits by the URI of the file each changes."""
    out: dict[str, list[types.TextEdit]] = {}
    for edit in edits:
        out.setdefault(uri_of(edit.span.path), []).append(
            types.TextEdit(range=span_range(edit.span, encoding), new_text=edit.content))
    return out


def location(span: Span, encoding: str, uri_of: Callable[[str], str] = uri) -> types.Location:
    return types.Location(uri=uri_of(span.path), range=span_range(span, encoding))
