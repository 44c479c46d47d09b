"""Reading a library's settings: sets and lists written in the flake, any of which may
be something the interpreter cannot know (then it reads as empty); and the files a
library reads by its conventions."""
from __future__ import annotations

from ...nix import values as v


def attrs_of(item) -> dict[str, v.Attr]:
    """The attributes of an attribute (or value) that is a set, else none."""
    if item is None:
        return {}
    value = v.force(item.value if isinstance(item, v.Attr) else item)
    return dict(value.attrs) if isinstance(value, v.AttrsV) else {}


def items_of(item) -> list[v.Lazy]:
    """The items of an attribute (or value) that is a list, else none."""
    if item is None:
        return []
    value = v.force(item.value if isinstance(item, v.Attr) else item)
    return list(value.items) if isinstance(value, v.ListV) else []


def text_of(item) -> str | None:
    """The string an attribute (or value) holds where it is known, else None."""
    if item is None:
        return None
    value = v.force(item.value if isinstance(item, v.Attr) else item)
    return value.known if isinstance(value, v.Str) else None


def folder_of(item) -> str | None:
    """The local path an attribute (or value) names: a path, a string naming one
    (`"${self}/hosts"`), or the flake's `self` (its `outPath`); else None."""
    if item is None:
        return None
    value = v.force(item.value if isinstance(item, v.Attr) else item)
    if isinstance(value, v.PathV):
        return value.resolved
    if isinstance(value, v.AttrsV) and "outPath" in value.attrs:
        value = v.force(value.attrs["outPath"].value)
    return v.local_path(value) if isinstance(value, v.Str) else None


def imported(interp, path: str, span) -> v.Value | None:
    """`import path` in the discovery interpreter (forced), or None where it cannot be read."""
    found = interp.importer(v.PathV(path, path, span), span) if interp.importer is not None else None
    return v.force(found) if found is not None else None
