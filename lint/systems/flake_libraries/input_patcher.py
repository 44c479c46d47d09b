"""jfly/flake-input-patcher: `inputs = patcher.patch unpatchedInputs { … }` (the patcher
being the input's `lib.SYSTEM`) gives the same inputs with patches applied to their
sources.  What discovery reads of an input is the same patched or not: `patch` hands
the inputs on, and a flake rebinding `inputs` that way keeps its systems known.
"""
from __future__ import annotations

from ...nix import values as v
from ...nix.nixlib import AnyName, Namespace
from .urls import named

URL = named("flake-input-patcher")


def value(builders, repository: str) -> v.Value:
    patch = v.Primop("patch", 2, lambda span, inputs, patches: v.force(inputs))
    per_system = Namespace("flake-input-patcher.lib.SYSTEM", lambda name: patch if name == "patch" else None)
    lib = AnyName("flake-input-patcher.lib", per_system)   # (`lib.${system}`: the same for every system)
    return Namespace("flake-input-patcher", lambda name: lib if name == "lib" else None)
