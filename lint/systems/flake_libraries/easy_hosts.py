"""tgirlcloud/easy-hosts, a flake-parts module (`flakeModule`; settings under
`easy-hosts`, formerly `easyHosts`): a system per entry of `hosts` -- and, with
`autoConstruct`, per folder `path/SYSTEM/NAME` (or `path/NAME` with `onlySystem`) --
whose class is NixOS's (`nixos`, `iso`, or a class `additionalClasses` maps to one of
them).  Its architecture is `system`, else `ARCH-linux` (`arch`, default x86_64).  Its
modules: `path`, else whichever of `hosts/NAME/default.nix` and `systems/NAME/default.nix`
exist; easy-hosts' own (the NixOS module list, the host name: opaque); the host's
`modules`, `shared.modules`, `perClass CLASS`'s and `perTag TAG`'s for each of its `tags`,
lists flattened; with the special arguments of them all.
"""
from __future__ import annotations

import os

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..flake_parts import FlakeModule, merge_sets
from .settings import attrs_of, items_of, text_of
from .urls import named

URL = named("easy-hosts")
NIXOS_CLASSES = ("nixos", "iso")


def value(builders, repository: str) -> v.Value:
    # (the hosts are made when asked for: their settings may read the flake's `self`, whose
    # outputs are being made when flake-parts calls the module)
    module = FlakeModule(("easy-hosts", "easyHosts"), lambda definitions, span, _arguments: v.AttrsV(
        {"nixosConfigurations": v.Attr(v.Thunk(lambda: _hosts(builders, repository, merge_sets(definitions, span),
                                                              span)), None, None)}, span))
    return Namespace("easy-hosts", lambda name: module if name in ("flakeModule", "flakeModules") else None)


def _hosts(builders, repository: str, settings: v.Value, span: Span) -> v.Value:
    if not isinstance(settings, v.AttrsV):
        return v.Unknown(span, "easy-hosts' settings cannot be known")
    options = settings.attrs
    hosts = _constructed(options)
    for name, host in attrs_of(options.get("hosts")).items():   # (the module system merges their settings)
        hosts[name] = {**hosts.get(name, {}), **attrs_of(host)}
    mapped = {name: text_of(attr) for name, attr in attrs_of(options.get("additionalClasses")).items()}
    shared = attrs_of(options.get("shared"))
    built: dict[str, v.Attr] = {}
    for name, host in sorted(hosts.items()):
        kind = text_of(host.get("class")) or "nixos"
        if mapped.get(kind, kind) not in NIXOS_CLASSES:
            continue
        system = text_of(host.get("system")) or f"{text_of(host.get('arch')) or 'x86_64'}-linux"
        per_class = _called(builders, options.get("perClass"), kind, span)
        per_tag = [_called(builders, options.get("perTag"), tag, span)
                   for tag in (text_of(item) for item in items_of(host.get("tags"))) if tag is not None]
        modules = _entry(host, name, repository, span) + [v.Symbolic(("easy-hosts", "modules"), None)]
        for source in (host, shared, per_class, *per_tag):
            modules += _flattened(items_of(source.get("modules")))
        special = {}
        for source in (*reversed(per_tag), per_class, shared, host):   # the host's own win
            special.update(attrs_of(source.get("specialArgs")))
        arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                     "system": v.Attr(v.Str((system,), span), None, None),
                     "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
        built[name] = v.Attr(builders.build(span, v.AttrsV(arguments, span), "easy-hosts"), None, None)
    return v.AttrsV(built, span)


def _constructed(options: dict[str, v.Attr]) -> dict[str, dict[str, v.Attr]]:
    """With `autoConstruct`, a host per folder `path/SYSTEM/NAME` (`path/NAME`: onlySystem)."""
    enabled = v.force(options["autoConstruct"].value) if "autoConstruct" in options else None
    path = v.force(options["path"].value) if "path" in options else None
    if v.truth(enabled) is not True or not isinstance(path, v.PathV) or not path.resolved \
            or not os.path.isdir(path.resolved):
        return {}
    only = text_of(options.get("onlySystem"))
    folders = [(only, path.resolved)] if only else [
        (system, os.path.join(path.resolved, system)) for system in sorted(os.listdir(path.resolved))
        if os.path.isdir(os.path.join(path.resolved, system))]
    hosts = {}
    for system, folder in folders:
        arch, _, rest = (system or "").partition("-")
        kind = "nixos" if rest == "linux" else rest
        for name in sorted(os.listdir(folder)):
            where = os.path.join(folder, name)
            hosts[name] = {"arch": v.Attr(v.Str((arch,), None), None, None),
                           "class": v.Attr(v.Str((kind,), None), None, None),
                           "path": v.Attr(v.PathV(where, where, None), None, None)}
    return hosts


def _entry(host: dict[str, v.Attr], name: str, repository: str, span: Span) -> list[v.Lazy]:
    if "path" in host and not isinstance(v.force(host["path"].value), v.Const):   # (`path = null`)
        return [host["path"].value]
    found = [os.path.join(repository, folder, name, "default.nix") for folder in ("hosts", "systems")]
    return [v.PathV(path, path, span) for path in found if os.path.isfile(path)]


def _called(builders, function: v.Attr | None, kind: str, span: Span) -> dict[str, v.Attr]:
    """What `perClass CLASS` (or `perTag TAG`) gives."""
    if function is None:
        return {}
    value = v.force(function.value)
    if not isinstance(value, (v.Lambda, v.Primop)):
        return {}
    return attrs_of(builders.interp.apply(value, v.Str((kind,), span), span))


def _flattened(items: list[v.Lazy]) -> list[v.Lazy]:
    """easy-hosts flattens its lists of modules (lists of lists are allowed)."""
    found = []
    for item in items:
        value = v.force(item)
        found += _flattened(list(value.items)) if isinstance(value, v.ListV) else [item]
    return found
