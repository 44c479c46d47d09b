"""What Nix refuses when it parses a file though its grammar allows it (tree-sitter's
grammar does too): a name computed when the set is made in `let` or `inherit`
(`let ${x} = 1;`), and a function argument named twice (`{ a, a }:`, `a@{ a }:`).
`nix-instantiate --parse` fails on each, so the file cannot be used at all.
(Attributes defined twice are the other refusal: duplicate_attributes.py.)
"""
from __future__ import annotations

from .attribute_names import static_name
from .parser import ParsedFile
from .source import Span
from .syntax_index import syntax_index


def parse_refusals(parsed: ParsedFile) -> list[tuple[Span, str]]:
    """(where, Nix's message) for each, in source order."""
    if parsed.tree is None or parsed.error is not None:
        return []
    index = syntax_index(parsed)
    source = parsed.source
    found = []
    for name in index.let_names:
        if static_name(name, source.data) is None:
            found.append((_span(source, name), "dynamic attributes not allowed in let"))
    for name in index.inherited_names:
        if static_name(name, source.data) is None:
            found.append((_span(source, name), "dynamic attributes not allowed in inherit"))
    for function in index.functions:
        found.extend(_arguments_named_twice(function, source))
    return sorted(found, key=lambda item: item[0].start)


def _arguments_named_twice(function, source) -> list[tuple[Span, str]]:
    formals = function.child_by_field_name("formals")
    whole = function.child_by_field_name("universal")
    names = [formal.child_by_field_name("name") for formal in formals.named_children if formal.type == "formal"]
    names = [name for name in names if name is not None] + ([whole] if whole is not None else [])
    seen: set[bytes] = set()
    found = []
    for name in sorted(names, key=lambda node: node.start_byte):
        text = source.data[name.start_byte:name.end_byte]
        if text in seen:
            found.append((_span(source, name), f"duplicate formal function argument '{text.decode(errors='replace')}'"))
        seen.add(text)
    return found


def _span(source, node) -> Span:
    return Span(source, node.start_byte, node.end_byte)
