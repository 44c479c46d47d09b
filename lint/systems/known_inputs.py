"""Flake inputs whose functions discovery follows, known by the URL the flake gives them.

Any other input is opaque but for its `lib` (see builders.Builders.input).  These two
are libraries a flake's outputs are commonly built with, so a flake using them would
otherwise have outputs -- and systems -- that cannot be known:

- vic/import-tree: `inputs.import-tree ./modules` is a module importing every file
  below whose name ends in `.nix`, leaving out any path with a component that begins
  with `_` (its default filter is `!hasInfix "/_"` on the path, which in a flake is a
  store path: only the part inside the repository counts).  Dendritic flakes are made
  of it: `flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules)`.
- numtide/flake-utils: `lib.eachSystem SYSTEMS f` and `lib.eachDefaultSystem f` call
  `f` per system and transpose its outputs (`{ packages.x86_64-linux.vm = …; }`);
  `eachSystemMap` and `eachDefaultSystemMap` give `{ SYSTEM = f SYSTEM; }`.
"""
from __future__ import annotations

import os
import re

from ..nix import values as v
from ..nix.functions import files_recursive
from ..nix.nixlib import Namespace
from ..nix.source import Span
from .flake_parts import by_system

IMPORT_TREE = re.compile(r"(?:^|[:/])(?:vic|oeiuwq\.com)/import-tree(?:$|[/?#.])")
FLAKE_UTILS = re.compile(r"(?:^|[:/])numtide/flake-utils(?:$|[/?#.])")
# flake-utils' defaultSystems (those of nix-systems/default)
DEFAULT_SYSTEMS = ("aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux")


def known_input(url: str | None, interp, repository: str) -> v.Value | None:
    """The value of the input at `url` where discovery knows it, else None."""
    if url is None:
        return None
    if IMPORT_TREE.search(url):
        return v.Primop("import-tree", 1, lambda span, roots: _import_tree(repository, span, roots))
    if FLAKE_UTILS.search(url):
        return _flake_utils(interp)
    return None


# -- import-tree ----------------------------------------------------------------------------

def _import_tree(repository: str, span: Span, roots: v.Lazy) -> v.Value:
    """`import-tree ROOTS`: `{ imports = [ every .nix file under ROOTS ]; }`."""
    files: list[v.Lazy] = []
    for root in _flattened(v.force(roots)):
        if not isinstance(root, v.PathV) or not root.resolved or not os.path.isdir(root.resolved):
            return v.Unknown(span, "import-tree of a folder that cannot be known")
        for path in files_recursive(root.resolved):
            relative = os.path.relpath(path, repository)
            if path.endswith(".nix") and not any(part.startswith("_") for part in relative.split(os.sep)):
                files.append(v.PathV(path, path, span))
    return v.AttrsV({"imports": v.Attr(v.ListV(files, span), None, None)}, span)


def _flattened(value: v.Value) -> list[v.Value]:
    """A value, or the items of a list (nested lists flattened)."""
    if not isinstance(value, v.ListV):
        return [value]
    return [item for element in value.items for item in _flattened(v.force(element))]


# -- flake-utils ----------------------------------------------------------------------------

def _flake_utils(interp) -> Namespace:
    def systems(listed: v.Lazy) -> list[str] | None:
        value = v.force(listed)
        names = [v.force(item) for item in value.items] if isinstance(value, v.ListV) else None
        if names is None or not all(isinstance(n, v.Str) and n.known is not None for n in names):
            return None
        return [n.known for n in names]

    def each_system(span: Span, listed: v.Lazy, function: v.Lazy) -> v.Value:
        known = systems(listed)
        if known is None:
            return v.Unknown(span, "flake-utils' eachSystem over systems that cannot be known")
        return by_system(known, lambda system: v.force(interp.apply(v.force(function), v.Str((system,), span), span)),
                         span)

    def each_system_map(span: Span, listed: v.Lazy, function: v.Lazy) -> v.Value:
        known = systems(listed)
        if known is None:
            return v.Unknown(span, "flake-utils' eachSystemMap over systems that cannot be known")
        return v.AttrsV({system: v.Attr(v.Thunk(lambda s=system: interp.apply(v.force(function), v.Str((s,), span),
                                                                             span)), None, None)
                         for system in known}, span)

    default = v.ListV([v.Str((system,), None) for system in DEFAULT_SYSTEMS], None)
    members = {
        "eachSystem": v.Primop("eachSystem", 2, each_system),
        "eachDefaultSystem": v.Primop("eachDefaultSystem", 1, lambda span, f: each_system(span, default, f)),
        "eachSystemMap": v.Primop("eachSystemMap", 2, each_system_map),
        "eachDefaultSystemMap": v.Primop("eachDefaultSystemMap", 1, lambda span, f: each_system_map(span, default, f)),
        "defaultSystems": default,
    }
    lib = Namespace("flake-utils.lib", members.get)
    return Namespace("flake-utils", lambda name: lib if name == "lib" else None)
