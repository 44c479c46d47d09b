"""nix-community/haumea: `lib.load { src = ./hosts; inputs = { … }; }` is a set made of
a folder: each `NAME.nix` is the attribute NAME, each sub-folder a set made the same way
(names starting with `_` are private to the tree and left out).  A file's value is what
it imports to; a function is called with `inputs` (and haumea's `self`, `super` and
`root`, which stay unknown here).  Only the default loader is modelled: a `loader` or a
`transformer` of its own makes the set unknown.
"""
from __future__ import annotations

import os

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from .settings import attrs_of, imported
from .urls import named

URL = named("haumea")
TREE_ARGUMENTS = ("self", "super", "root")


def value(builders, repository: str) -> v.Value:
    load = v.Primop("load", 1, lambda span, settings: _load(builders.interp, span, settings))
    lib = Namespace("haumea.lib", lambda name: load if name == "load" else None)
    return Namespace("haumea", lambda name: lib if name == "lib" else None)


def _load(interp, span: Span, settings: v.Lazy) -> v.Value:
    given = attrs_of(settings)
    source = v.force(given["src"].value) if "src" in given else None
    folder = v.local_path(source) if source is not None else None
    if folder is None or not os.path.isdir(folder):
        return v.Unknown(span, "haumea's load of a folder that cannot be known")
    transformer = given.get("transformer")
    if "loader" in given or (transformer is not None and not _empty_list(transformer)):
        return v.Unknown(span, "haumea's load with a loader or transformer of its own")
    inputs = attrs_of(given.get("inputs"))
    unknown = {name: v.Attr(v.Unknown(span, f"haumea's {name}"), None, None) for name in TREE_ARGUMENTS}
    arguments = v.AttrsV({**inputs, **unknown}, span)
    return _tree(interp, folder, arguments, span)


def _empty_list(attr: v.Attr) -> bool:
    value = v.force(attr.value)
    return isinstance(value, v.ListV) and not value.items


def _tree(interp, folder: str, arguments: v.AttrsV, span: Span) -> v.AttrsV:
    attrs: dict[str, v.Attr] = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith("_"):
            continue
        if os.path.isdir(path):
            attrs[name] = v.Attr(v.Thunk(lambda p=path: _tree(interp, p, arguments, span)), None, None)
        elif name.endswith(".nix") and len(name) > 4:
            attrs[name[:-4]] = v.Attr(v.Thunk(lambda p=path: _file(interp, p, arguments, span)), None, None)
    return v.FolderSet(attrs, span)


def _file(interp, path: str, arguments: v.AttrsV, span: Span) -> v.Value:
    value = imported(interp, path, span)
    if value is None:
        return v.Unknown(span, "a file haumea loads")
    return v.force(interp.apply(value, arguments, span)) if isinstance(value, (v.Lambda, v.Primop)) else value
