"""numtide/blueprint: a flake whose outputs are `inputs.blueprint { inherit inputs; }` (the
input is a function; `lib.mkBlueprint` is the same) maps folders under `prefix` (the flake's
folder unless given) to outputs:

- a NixOS system per folder `hosts/NAME` holding a `configuration.nix` (and no
  `default.nix`): that module and blueprint's own (opaque: the `perSystem` argument, and
  home-manager's module where the host has users), with the special arguments `inputs`,
  `flake` (the flake's `self`) and `hostName`; no architecture is given, so it is the
  system's `nixpkgs.hostPlatform`.  A host's `default.nix` returns `{ class; value; }`,
  called with `flake`, `inputs` and `hostName`: its `value` is the system where `class`
  is "nixos".  Darwin and system-manager hosts are no NixOS systems.
- `modules.TYPE.NAME` (and `nixosModules.NAME` for TYPE nixos) for each `modules/TYPE/NAME`
  (a `NAME.nix` file winning over a `NAME` folder): the file, or -- where its function
  takes nothing but `flake` and `inputs` -- what it returns given them.
- `lib`: `lib/default.nix` called with `flake` and `inputs`.

Nothing else of the outputs (packages, checks, devshells) is modelled.
"""
from __future__ import annotations

import os

from ...nix import values as v
from ...nix.interpreter import select_attr
from ...nix.nixlib import Namespace
from ...nix.source import Span
from .settings import attrs_of, imported, text_of
from .urls import named

URL = named("blueprint")
PUBLISHER_ARGUMENTS = frozenset({"flake", "inputs"})


class _Blueprint(v.Primop):
    """The input: a function of the settings (its `__functor`), whose `lib.mkBlueprint`
    is the same function."""

    __slots__ = ()

    def select(self, name: str) -> v.Lazy | None:
        if name == "lib":
            return Namespace("blueprint.lib", lambda member: self if member == "mkBlueprint" else None)
        return None


def value(builders, repository: str) -> v.Value:
    return _Blueprint("blueprint", 1, lambda span, settings: _outputs(builders, repository, span, settings))


def _outputs(builders, repository: str, span: Span, settings: v.Lazy) -> v.Value:
    given = attrs_of(settings)
    if "inputs" not in given:
        return v.Unknown(span, "blueprint's outputs without the flake's inputs")
    inputs = given["inputs"].value
    flake = v.Thunk(lambda: _select(inputs, "self", span))
    source = _source(given.get("prefix"), repository)
    if source is None:
        return v.Unknown(span, "blueprint's outputs of a prefix that cannot be known")
    publisher = v.AttrsV({"flake": v.Attr(flake, None, None), "inputs": v.Attr(inputs, None, None)}, span)
    modules = v.Thunk(lambda: _modules(builders.interp, os.path.join(source, "modules"), publisher, span))
    outputs = {
        "nixosConfigurations": v.Thunk(lambda: _hosts(builders, os.path.join(source, "hosts"), publisher, span)),
        "modules": modules,
        "nixosModules": v.Thunk(lambda: _select(modules, "nixos", span, v.AttrsV({}, span))),
        "lib": v.Thunk(lambda: _library(builders.interp, os.path.join(source, "lib"), publisher, span)),
    }
    return v.AttrsV({name: v.Attr(item, None, None) for name, item in outputs.items()}, span)


def _source(prefix: v.Attr | None, repository: str) -> str | None:
    """blueprint's `src`: the flake's folder, or `prefix` -- a path, or a string relative to the flake."""
    if prefix is None:
        return repository
    found = v.force(prefix.value)
    if isinstance(found, v.PathV):
        return found.resolved
    text = text_of(prefix)
    return os.path.normpath(os.path.join(repository, text)) if text is not None else None


def _hosts(builders, folder: str, publisher: v.AttrsV, span: Span) -> v.Value:
    built: dict[str, v.Attr] = {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        host = os.path.join(folder, name)
        if not os.path.isdir(host):
            continue
        arguments = v.AttrsV({**publisher.attrs, "hostName": v.Attr(v.Str((name,), span), None, None)}, span)
        escape = os.path.join(host, "default.nix")
        configuration = os.path.join(host, "configuration.nix")
        if os.path.isfile(escape):
            system = _own_system(builders.interp, escape, arguments, span)
            if system is not None:
                built[name] = v.Attr(system, None, None)
        elif os.path.isfile(configuration):
            listed = [v.Symbolic(("blueprint", "modules"), None), v.PathV(configuration, configuration, span)]
            settings = {"modules": v.Attr(v.ListV(listed, span), None, None),
                        "specialArgs": v.Attr(arguments, None, None)}
            built[name] = v.Attr(builders.build(span, v.AttrsV(settings, span), "blueprint", configuration), None, None)
    return v.AttrsV(built, span)


def _own_system(interp, path: str, arguments: v.AttrsV, span: Span) -> v.Lazy | None:
    """A host's `default.nix`: `{ class; value; }`.  Its value where the class is "nixos";
    None for another class (darwin); unknown where the class cannot be known."""
    returned = _called(interp, path, arguments, span)
    kind = text_of(attrs_of(returned).get("class"))
    if kind is None:
        return v.Unknown(span, f"the class of the host {path} returns cannot be known")
    if kind != "nixos":
        return None
    return attrs_of(returned)["value"].value if "value" in attrs_of(returned) else v.Unknown(span, f"{path}'s value")


def _modules(interp, folder: str, publisher: v.AttrsV, span: Span) -> v.AttrsV:
    types: dict[str, v.Attr] = {}
    for kind in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        where = os.path.join(folder, kind)
        if os.path.isdir(where):
            entries = {name: _module(interp, path, publisher, span) for name, path in _entries(where).items()}
            types[kind] = v.Attr(v.AttrsV({name: v.Attr(item, None, None) for name, item in entries.items()}, span),
                                 None, None)
    return v.AttrsV(types, span)


def _entries(folder: str) -> dict[str, str]:
    """blueprint's importDir: each folder, and each `NAME.nix` (which wins over a folder NAME)."""
    found = {name: os.path.join(folder, name) for name in sorted(os.listdir(folder))
             if os.path.isdir(os.path.join(folder, name))}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".nix") and len(name) > 4 and not os.path.isdir(os.path.join(folder, name)):
            found[name[:-4]] = os.path.join(folder, name)
    return found


def _module(interp, path: str, publisher: v.AttrsV, span: Span) -> v.Lazy:
    """The module blueprint exports for `path`: the path, or what its function returns
    given `flake` and `inputs` where it takes nothing else (injectPublisherArgs)."""
    entry = os.path.join(path, "default.nix") if os.path.isdir(path) else path
    function = imported(interp, entry, span)
    if isinstance(function, v.Lambda) and set(_formals(function)) <= PUBLISHER_ARGUMENTS:
        return v.Thunk(lambda: interp.apply(function, publisher, span))
    return v.PathV(path, path, span)


def _formals(function: v.Lambda) -> list[str]:
    """The names of a function's set pattern (none for `x: …`, as builtins.functionArgs)."""
    formals = function.node.child_by_field_name("formals")
    names = []
    for formal in formals.named_children if formals is not None else ():
        name = formal.child_by_field_name("name") if formal.type == "formal" else None
        if name is not None:
            names.append(function.source.text(name.start_byte, name.end_byte))
    return names


def _library(interp, folder: str, publisher: v.AttrsV, span: Span) -> v.Value:
    entry = os.path.join(folder, "default.nix")
    return _called(interp, entry, publisher, span) if os.path.isfile(entry) else v.AttrsV({}, span)


def _called(interp, path: str, arguments: v.AttrsV, span: Span) -> v.Value:
    """`import path arguments`."""
    function = imported(interp, path, span)
    if function is None:
        return v.Unknown(span, f"{path} cannot be read")
    if isinstance(function, (v.Lambda, v.Primop)):
        return v.force(interp.apply(function, arguments, span))
    return v.Unknown(span, f"{path} is no function")


def _select(item: v.Lazy, name: str, span: Span, default: v.Value | None = None) -> v.Value:
    member = select_attr(v.force(item), name)
    if member is None:
        return default if default is not None else v.Unknown(span, f"{name} cannot be known")
    return v.force(member)
