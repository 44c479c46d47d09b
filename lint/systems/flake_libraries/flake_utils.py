"""numtide/flake-utils: `lib.eachSystem SYSTEMS f` and `lib.eachDefaultSystem f` call
`f` per system and transpose its outputs (`{ packages.x86_64-linux.vm = …; }`);
`eachSystemMap` and `eachDefaultSystemMap` give `{ SYSTEM = f SYSTEM; }`; `lib.system.NAME`
is the system's name.
"""
from __future__ import annotations

import re

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..flake_parts import by_system
from .urls import named

URL = named("flake-utils")
# flake-utils' defaultSystems (those of nix-systems/default)
DEFAULT_SYSTEMS = ("aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux")
SYSTEM_NAME = re.compile(r"[a-z0-9_]+-[a-z0-9_]+")   # a Nix system double: x86_64-linux, armv7l-linux


def value(builders, repository: str) -> v.Value:
    return flake_utils_namespace(builders.interp)


def flake_utils_namespace(interp) -> Namespace:
    """flake-utils, `lib` and all (flake-utils-plus re-exports its functions)."""
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
    # `lib.system.x86_64-linux`: each system's name, as a string
    named_systems = Namespace("flake-utils.lib.system",
                              lambda name: v.Str((name,), None) if SYSTEM_NAME.fullmatch(name) else None)
    members = {
        "eachSystem": v.Primop("eachSystem", 2, each_system),
        "eachDefaultSystem": v.Primop("eachDefaultSystem", 1, lambda span, f: each_system(span, default, f)),
        "eachSystemMap": v.Primop("eachSystemMap", 2, each_system_map),
        "eachDefaultSystemMap": v.Primop("eachDefaultSystemMap", 1, lambda span, f: each_system_map(span, default, f)),
        "defaultSystems": default,
        "system": named_systems,
    }
    lib = Namespace("flake-utils.lib", members.get)
    return Namespace("flake-utils", lambda name: lib if name == "lib" else None)
