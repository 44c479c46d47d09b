"""The names an attribute path or an `inherit` writes, where they are known when the
set is made: Nix compares them when it parses a file (a name defined twice, a
computed one where none may be), and so do the checks that do what it does."""
from __future__ import annotations

import re

_PLAIN_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*")


def static_name(part, data: bytes) -> str | None:
    """The name one part of an attribute path writes: an identifier, a string without
    interpolation, or -- as Nix has it -- one interpolated bare (`${"a"}` is `a`, while
    `"${"a"}"` is computed); None where it is computed when the set is made."""
    kind = part.type
    if kind == "identifier":
        return data[part.start_byte:part.end_byte].decode("utf-8", "surrogateescape")
    if kind == "string_expression" and all(c.type == "string_fragment" for c in part.named_children):
        return b"".join(data[c.start_byte:c.end_byte] for c in part.named_children).decode("utf-8", "surrogateescape")
    if kind == "interpolation":
        inner = part.child_by_field_name("expression")
        if inner is not None and inner.type == "string_expression":
            return static_name(inner, data)
    return None


def static_names(attrpath, source) -> tuple[tuple[str, ...], bool]:
    """The names a binding's attribute path writes, up to the first one computed when
    the set is made, and whether that is all of them.  The names before a computed one
    are a set (`a.${x} = 1;` makes `a` a set: `a = 2;` beside it is a duplicate)."""
    text = source.text(attrpath.start_byte, attrpath.end_byte)
    if _PLAIN_PATH.fullmatch(text):
        return tuple(text.split(".")), True    # names only, the common case: no need to visit the parts
    names = []
    for part in attrpath.named_children:
        if part.type == "comment":
            continue
        name = static_name(part, source.data)
        if name is None:
            return tuple(names), False
        names.append(name)
    return tuple(names), True
