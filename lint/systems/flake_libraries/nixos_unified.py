"""srid/nixos-unified (once nixos-flake), flake-parts modules:

- `flakeModules.default` (or `flakeModule`) gives the flake `nixos-unified.lib` (and the
  older `nixos-flake.lib`): `mkLinuxSystem { home-manager = …; } MODULE` is a NixOS system
  of MODULE and nixos-unified's own modules (opaque), with the special argument `flake`
  (`self`, `inputs`, and flake-parts' `config`, unknown); its architecture is the system's
  `nixpkgs.hostPlatform`.
- `flakeModules.autoWire` makes such a system of each `configurations/nixos/NAME.nix` or
  `configurations/nixos/NAME/default.nix` of the flake, and `nixosModules.NAME` of each
  module of `modules/nixos`.  Darwin and home configurations are no NixOS systems.
- `lib.mkFlake { inputs; root; systems; }` is flake-parts' `mkFlake` importing every entry
  of the first of `nix/modules/flake`, `modules/flake`, `nix/modules/flake-parts` and
  `modules/flake-parts` under `root`.
"""
from __future__ import annotations

import os
import re

from ...nix import values as v
from ...nix.interpreter import select_attr
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..flake_parts import FlakeModule
from .settings import attrs_of, folder_of

URL = re.compile(r"(?:^|[:/])[\w.-]+/nixos-(?:unified|flake)(?:$|[/?#.])")   # its repository, by either name
DEFAULT_SYSTEMS = ("x86_64-linux", "x86_64-darwin", "aarch64-linux", "aarch64-darwin")
FLAKE_FOLDERS = ("nix/modules/flake", "modules/flake", "nix/modules/flake-parts", "modules/flake-parts")


def value(builders, repository: str) -> v.Value:
    default = FlakeModule(("nixos-unified", "nixos-flake"), lambda definitions, span, arguments: _library_outputs(
        builders, span, arguments))
    wired = FlakeModule(("nixos-unified autoWire",), lambda definitions, span, arguments: _wired_outputs(
        builders, repository, span, arguments))
    modules = {"default": default, "autoWire": wired}
    flake_modules = Namespace("nixos-unified.flakeModules", modules.get)
    mk_flake = v.Primop("mkFlake", 1, lambda span, settings: _mk_flake(builders, span, settings))
    lib = Namespace("nixos-unified.lib", lambda name: mk_flake if name == "mkFlake" else None)
    members = {"flakeModules": flake_modules, "flakeModule": default, "lib": lib}
    return Namespace("nixos-unified", members.get)


def _library_outputs(builders, span: Span, arguments: v.Value) -> v.AttrsV:
    library = v.AttrsV({"mkLinuxSystem": v.Attr(_mk_linux_system(builders, arguments), None, None)}, span)
    holder = v.AttrsV({"lib": v.Attr(library, None, None)}, span)
    return v.AttrsV({"nixos-unified": v.Attr(holder, None, None), "nixos-flake": v.Attr(holder, None, None)}, span)


def _mk_linux_system(builders, arguments: v.Value) -> v.Primop:
    return v.Primop("mkLinuxSystem", 2, lambda span, _settings, module: _system(builders, arguments, module, span))


def _system(builders, arguments: v.Value, module: v.Lazy, span: Span, declared_in: str | None = None) -> v.Value:
    """mkLinuxSystem's system of `module`."""
    flake = {name: v.Attr(_argument(arguments, name, span), None, None) for name in ("self", "inputs")}
    flake["config"] = v.Attr(v.Unknown(span, "flake-parts' config"), None, None)
    special = {"flake": v.Attr(v.AttrsV(flake, span), None, None)}
    listed = [v.Symbolic(("nixos-unified", "modules"), None), module]
    given = {"modules": v.Attr(v.ListV(listed, span), None, None),
             "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
    return builders.build(span, v.AttrsV(given, span), "nixos-unified's mkLinuxSystem", declared_in)


def _wired_outputs(builders, repository: str, span: Span, arguments: v.Value) -> v.AttrsV:
    # (`self` is the flake's folder, the repository: reading `self` here, while the flake's
    # outputs are being made, would make it unknown for good)
    root = repository

    def systems() -> v.AttrsV:
        found = {}
        for name, path in _nix_files(os.path.join(root, "configurations", "nixos")).items():
            entry = os.path.join(path, "default.nix") if os.path.isdir(path) else path
            found[name] = v.Attr(v.Thunk(lambda path=path, entry=entry: _system(
                builders, arguments, v.PathV(path, path, span), span, entry)), None, None)
        return v.AttrsV(found, span)

    modules = {name: v.Attr(v.PathV(path, path, span), None, None)
               for name, path in _nix_files(os.path.join(root, "modules", "nixos")).items()}
    return v.AttrsV({"nixosConfigurations": v.Attr(v.Thunk(systems), None, None),
                     "nixosModules": v.Attr(v.AttrsV(modules, span), None, None)}, span)


def _nix_files(folder: str) -> dict[str, str]:
    """autoWire's forAllNixFiles: each `NAME.nix`, and each folder NAME with a default.nix."""
    found = {}
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        path = os.path.join(folder, entry)
        if os.path.isfile(path) and entry.endswith(".nix") and len(entry) > 4:
            found[entry[:-4]] = path
        elif os.path.isfile(os.path.join(path, "default.nix")):
            found[entry] = path
    return found


def _mk_flake(builders, span: Span, settings: v.Lazy) -> v.Value:
    given = attrs_of(settings)
    root = folder_of(given.get("root"))
    if "inputs" not in given or root is None:
        return v.Unknown(span, "nixos-unified's mkFlake of inputs or a root that cannot be known")
    folder = next((os.path.join(root, f) for f in FLAKE_FOLDERS if os.path.isdir(os.path.join(root, f))), None)
    if folder is None:
        return v.Unknown(span, "nixos-unified's mkFlake without a folder of flake modules")
    imports = [v.PathV(os.path.join(folder, e), os.path.join(folder, e), span) for e in sorted(os.listdir(folder))]
    module = {"imports": v.Attr(v.ListV(imports, span), None, None)}
    module["systems"] = given.get("systems") or v.Attr(v.ListV([v.Str((s,), span) for s in DEFAULT_SYSTEMS], span),
                                                        None, None)
    interp = builders.interp
    flake_parts = select_attr(interp.builtins.lib, "mkFlake")
    arguments = v.AttrsV({"inputs": given["inputs"]}, span)
    return interp.apply(interp.apply(v.force(flake_parts), arguments, span), v.AttrsV(module, span), span)


def _argument(arguments: v.Value, name: str, span: Span) -> v.Lazy:
    found = select_attr(arguments, name)
    return found if found is not None else v.Unknown(span, name)
