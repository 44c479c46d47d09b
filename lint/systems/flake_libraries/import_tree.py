"""vic/import-tree: `inputs.import-tree ./modules` is a module importing every file
below whose name ends in `.nix`, leaving out any path with a component that begins
with `_` (its default filter is `!hasInfix "/_"` on the path, which in a flake is a
store path: only the part inside the repository counts).  Dendritic flakes are made
of it: `flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules)`.
"""
from __future__ import annotations

import os

from ...nix import values as v
from ...nix.functions import files_recursive
from ...nix.source import Span
from .urls import named

URL = named("import-tree")


def value(builders, repository: str) -> v.Value:
    return v.Primop("import-tree", 1, lambda span, roots: _import_tree(repository, span, roots))


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
