"""clan-core (clan.lol): a clan builds a NixOS system per machine -- every folder under
`machines/` of its `directory` (the flake's root by default), every name of `machines`,
of `inventory.machines` and of the machines of its `inventory.json`, but those of
another class (`machineClass = "darwin"`); settings may come through `imports` (clan's
template keeps them in `clan.nix`).  Each machine's modules are clan's own (opaque),
the files of its folder clan includes by itself (`configuration.nix`,
`hardware-configuration.nix`, `disko.nix`, where they exist) and its `machines.NAME`
module, with the clan's `specialArgs`.  Its architecture is the `system` of its
`facter.json` where there is one, else read from `nixpkgs.hostPlatform` as for any
system.

Reached as the flake-parts module `flakeModules.default` (settings under `clan`), as
`lib.clan { … }` (whose `config` holds `nixosConfigurations`) or the older
`lib.buildClan { … }` (which returns them).
"""
from __future__ import annotations

import json
import os

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..flake_parts import FlakeModule, merge_sets
from .settings import attrs_of, folder_of, items_of, text_of
from .urls import named

URL = named("clan-core")
# What clan includes from a machine's folder, where it exists
MACHINE_FILES = ("configuration.nix", "hardware-configuration.nix", "disko.nix")


def value(builders, repository: str) -> v.Value:
    def systems(settings: v.Value, span: Span) -> v.Value:
        return _machines(builders, repository, settings, span)

    # (the machines are made when asked for: their settings may read the flake's `self`,
    # whose outputs are being made when flake-parts calls the module)
    flake_module = FlakeModule(("clan",), lambda definitions, span, _arguments: v.AttrsV(
        {"nixosConfigurations": v.Attr(v.Thunk(lambda: systems(merge_sets(definitions, span), span)), None, None)},
        span))
    clan = v.Primop("clan", 1, lambda span, settings: v.AttrsV(
        {"config": v.Attr(v.AttrsV({"nixosConfigurations": v.Attr(systems(v.force(settings), span), None, None)},
                                   span), None, None)}, span))
    build_clan = v.Primop("buildClan", 1, lambda span, settings: v.AttrsV(
        {"nixosConfigurations": v.Attr(systems(v.force(settings), span), None, None)}, span))
    lib = Namespace("clan-core.lib", {"clan": clan, "buildClan": build_clan}.get)
    modules = Namespace("clan-core.flakeModules", lambda name: flake_module if name in ("default", "clan") else None)
    return Namespace("clan-core", {"lib": lib, "flakeModules": modules}.get)


def _machines(builders, repository: str, settings: v.Value, span: Span) -> v.Value:
    settings = _with_imports(builders, settings, span)
    if not isinstance(settings, v.AttrsV):
        return v.Unknown(span, "clan-core's settings cannot be known")
    options = settings.attrs
    directory = _directory(options, repository)
    folder = os.path.join(directory, "machines")
    written = attrs_of(options.get("machines"))
    inventory = {**_inventory_file(builders, os.path.join(directory, "inventory.json")),
                 **attrs_of(attrs_of(options.get("inventory")).get("machines"))}
    names = set(written) | set(inventory)
    names |= {n for n in os.listdir(folder) if os.path.isdir(os.path.join(folder, n))} if os.path.isdir(folder) else set()
    built: dict[str, v.Attr] = {}
    for name in sorted(names):
        machine_class = attrs_of(inventory.get(name)).get("machineClass")
        if machine_class is not None and text_of(machine_class) not in (None, "nixos"):
            continue
        own = [os.path.join(folder, name, file) for file in MACHINE_FILES]
        modules = [v.Symbolic(("clan-core", "modules"), None)] + [v.PathV(p, p, span) for p in own if os.path.isfile(p)]
        if name in written:
            modules.append(written[name].value)
        arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                     "specialArgs": v.Attr(v.AttrsV(attrs_of(options.get("specialArgs")), span), None, None)}
        arch = _facter_system(builders, os.path.join(folder, name, "facter.json"))
        if arch is not None:
            arguments["system"] = v.Attr(v.Str((arch,), span), None, None)
        built[name] = v.Attr(builders.build(span, v.AttrsV(arguments, span), "clan-core"), None, None)
    return v.AttrsV(built, span)


def _with_imports(builders, settings: v.Value, span: Span, depth: int = 0) -> v.Value:
    """The clan's settings with those of its `imports` merged in (clan's template keeps them
    in an imported `clan.nix`); an imported function is called with clan's arguments,
    which discovery does not know."""
    if not isinstance(settings, v.AttrsV) or "imports" not in settings.attrs or depth > 20:
        return settings
    parts: list[v.Lazy] = [v.AttrsV({n: a for n, a in settings.attrs.items() if n != "imports"}, settings.span)]
    for item in items_of(settings.attrs["imports"]):
        value = v.force(item)
        if isinstance(value, v.PathV) and value.resolved:
            value = v.force(builders.interp.importer(value, span) or v.Unknown(value.span, "a clan module"))
        if isinstance(value, v.Lambda):
            value = v.force(builders.interp.apply(value, Namespace("clan module arguments", lambda name: None), span))
        parts.append(_with_imports(builders, value, span, depth + 1))
    return merge_sets(parts, span)


def _inventory_file(builders, path: str) -> dict[str, v.Attr]:
    """The machines of the clan's inventory.json (clan's API keeps it; clan merges it into
    `inventory`), as sets of what they say."""
    if not os.path.isfile(path):
        return {}
    builders.interp.data_files.append(path)
    try:
        with open(path, encoding="utf-8") as handle:
            machines = json.load(handle).get("machines", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(machines, dict):
        return {}
    return {name: v.Attr(v.AttrsV({key: v.Attr(v.Str((value,), None), None, None) for key, value in entry.items()
                                   if isinstance(value, str)} if isinstance(entry, dict) else {}, None), None, None)
            for name, entry in machines.items()}


def _directory(options: dict[str, v.Attr], repository: str) -> str:
    """The clan's directory: `directory` (or `self`) as written, else the flake's root."""
    return next((found for name in ("directory", "self") if (found := folder_of(options.get(name)))), repository)


def _facter_system(builders, path: str) -> str | None:
    """The `system` nixos-facter recorded for the machine (its hardware report)."""
    if not os.path.isfile(path):
        return None
    builders.interp.data_files.append(path)
    try:
        with open(path, encoding="utf-8") as handle:
            system = json.load(handle).get("system")
    except (OSError, ValueError, AttributeError):
        return None
    return system if isinstance(system, str) else None
