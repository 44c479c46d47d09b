"""gytis-ivaskevicius/flake-utils-plus: `lib.mkFlake { self; inputs; hosts; hostDefaults; … }`
builds `nixosConfigurations.NAME` for each of `hosts`, merged with `hostDefaults` as its
`mergeAny` does (lists joined, the defaults' first; any other setting the host's own):
`system` (default x86_64-linux), `modules`, `specialArgs` and `extraArgs` (module
arguments, as `inputs` is), on the channel's `lib.nixosSystem`.  A host whose `output` is
another (`darwinConfigurations`) or whose `builder` is not a `nixosSystem` is no NixOS
system.  fup's own module (the host name, the channel's package set) is opaque.  Every
other argument is an output as written (`nixosModules`, …).

Also `lib.exportModules [ ./a.nix ./b ]`, `{ a = ./a.nix; b = ./b; }`, and flake-utils'
functions, which fup's lib re-exports.
"""
from __future__ import annotations

import os

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from .flake_utils import flake_utils_namespace
from .settings import attrs_of, items_of, text_of
from .urls import named

URL = named("flake-utils-plus")
# mkFlake's arguments that are not outputs
SETTINGS = ("inputs", "hosts", "hostDefaults", "nixosProfiles", "channels", "channelsConfig", "self",
            "sharedOverlays", "supportedSystems", "outputsBuilder")


def value(builders, repository: str) -> v.Value:
    utils = flake_utils_namespace(builders.interp).select("lib")
    members = {"mkFlake": v.Primop("mkFlake", 1, lambda span, args: _mk_flake(builders, span, args)),
               "exportModules": v.Primop("exportModules", 1, _export_modules)}
    lib = Namespace("flake-utils-plus.lib", lambda name: members.get(name) or utils.members(name))
    return Namespace("flake-utils-plus", lambda name: lib if name == "lib" else None)


def _mk_flake(builders, span: Span, arguments: v.Lazy) -> v.Value:
    args = v.force(arguments)
    if not isinstance(args, v.AttrsV):
        return v.Unknown(span, "flake-utils-plus' mkFlake of arguments that cannot be known")
    outputs = {name: attr for name, attr in args.attrs.items() if name not in SETTINGS}
    defaults = attrs_of(args.attrs.get("hostDefaults"))
    built = dict(attrs_of(outputs.get("nixosConfigurations")))
    for name, host in sorted(attrs_of(args.attrs.get("hosts")).items()):
        system = _system(builders, span, args, defaults, attrs_of(host))
        if system is not None:
            built[name] = v.Attr(system, None, None)
    if built:
        outputs["nixosConfigurations"] = v.Attr(v.AttrsV(built, span), None, None)
    return v.AttrsV(outputs, span)


def _system(builders, span: Span, args: v.AttrsV, defaults: dict, own: dict) -> v.Value | None:
    """The host's system, or None where it is none of NixOS's."""
    setting = lambda name: own.get(name) or defaults.get(name)   # noqa: E731
    output = setting("output")
    builder = setting("builder")
    if output is not None and text_of(output) != "nixosConfigurations" or \
            builder is not None and not _is_nixos_system(v.force(builder.value)):
        # (nix-darwin's `darwinSystem`, say: its modules are no NixOS modules)
        builders.foreign_modules(v.ListV(items_of(defaults.get("modules")) + items_of(own.get("modules")), span))
        return None
    special = {**({"inputs": args.attrs["inputs"]} if "inputs" in args.attrs else {}),
               **attrs_of(defaults.get("extraArgs")), **attrs_of(own.get("extraArgs")),
               **attrs_of(defaults.get("specialArgs")), **attrs_of(own.get("specialArgs"))}
    modules = items_of(defaults.get("modules")) + items_of(own.get("modules")) + [
        v.Symbolic(("flake-utils-plus", "modules"), None)]
    arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                 "system": setting("system") or v.Attr(v.Str(("x86_64-linux",), span), None, None),
                 "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
    return builders.build(span, v.AttrsV(arguments, span), "flake-utils-plus")


def _is_nixos_system(builder: v.Value) -> bool:
    return isinstance(builder, v.Primop) and builder.name == "nixosSystem"


def _export_modules(span: Span, listed: v.Lazy) -> v.Value:
    """`{ NAME = module; }` of paths, each named after its file or folder without `.nix`
    (a folder is imported as its default.nix), as fup's current exportModules does."""
    exported: dict[str, v.Attr] = {}
    for item in items_of(listed):
        path = v.force(item)
        if not isinstance(path, v.PathV) or not path.resolved:
            return v.Unknown(span, "flake-utils-plus' exportModules of modules that cannot be known")
        exported[os.path.basename(path.resolved).removesuffix(".nix")] = v.Attr(path, None, None)
    return v.AttrsV(exported, span)
