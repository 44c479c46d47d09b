"""Reading a library's settings: sets and lists written in the flake, any of which may
be something the interpreter cannot know (then it reads as empty)."""
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
