"""ehllie/ez-configs, a flake-parts module (`flakeModule`; settings under `ezConfigs`): a
NixOS system per module of `nixos.configurationsDirectory` (default `ROOT/nixos-configurations`:
each `NAME.nix`, each `NAME/default.nix`), of that module, the host name (opaque: ez-configs'
own) and, unless the host's `importDefault` is false, the `default` module of
`nixos.modulesDirectory` (default `ROOT/nixos-modules`, read the same way); with
`nixos.specialArgs` (default `globalArgs`) and `ezModules`, the modules of that folder
by name.  The architecture is read from the system's `nixpkgs.hostPlatform`.  Where the
configurations folder holds the modules folder or the file that sets `ezConfigs`, those
are no hosts (ez-configs makes outputs of them, which nothing builds).
"""
from __future__ import annotations

import os

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..flake_parts import FlakeModule, merge_sets
from .settings import attrs_of, folder_of
from .urls import named

URL = named("ez-configs")


def value(builders, repository: str) -> v.Value:
    def outputs(definitions: list[v.Lazy], span: Span, _arguments: v.Value) -> v.Value:
        writers = {value.span.path for value in map(v.force, definitions) if value.span is not None}
        return v.AttrsV({"nixosConfigurations": v.Attr(v.Thunk(lambda: _hosts(
            builders, merge_sets(definitions, span), writers, span)), None, None)}, span)

    module = FlakeModule(("ezConfigs",), outputs)
    return Namespace("ez-configs", lambda name: module if name in ("flakeModule", "flakeModules") else None)


def _hosts(builders, settings: v.Value, writers: set[str], span: Span) -> v.Value:
    if not isinstance(settings, v.AttrsV):
        return v.Unknown(span, "ez-configs' settings cannot be known")
    options = settings.attrs
    root = folder_of(options.get("root"))
    nixos = attrs_of(options.get("nixos"))
    configurations = folder_of(nixos.get("configurationsDirectory")) or (
        os.path.join(root, "nixos-configurations") if root else None)
    modules_folder = folder_of(nixos.get("modulesDirectory")) or (os.path.join(root, "nixos-modules") if root else None)
    if configurations is None:
        if "configurationsDirectory" in nixos or "root" in options:
            return v.Unknown(span, "ez-configs' nixos.configurationsDirectory cannot be known")
        return v.AttrsV({}, span)   # neither is set: ez-configs makes no host
    modules = _read_modules(modules_folder, span)
    special = dict(attrs_of(nixos.get("specialArgs") or options.get("globalArgs")))
    special["ezModules"] = v.Attr(v.AttrsV(modules, span), None, None)
    settings_of = attrs_of(nixos.get("hosts"))
    built: dict[str, v.Attr] = {}
    for name, entry in sorted(_read_modules(configurations, span).items()):
        where = _path(entry)
        if where in writers or (modules_folder and where.startswith(os.path.join(modules_folder, ""))):
            continue   # the modules folder, or the file setting ezConfigs, lying in the configurations folder
        listed = [entry.value, v.Symbolic(("ez-configs", "modules"), None)]
        import_default = attrs_of(settings_of.get(name)).get("importDefault")
        if "default" in modules and (import_default is None or v.truth(v.force(import_default.value)) is not False):
            listed.append(modules["default"].value)
        arguments = {"modules": v.Attr(v.ListV(listed, span), None, None),
                     "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
        built[name] = v.Attr(builders.build(span, v.AttrsV(arguments, span), "ez-configs"), None, None)
    return v.AttrsV(built, span)


def _read_modules(folder: str | None, span: Span) -> dict[str, v.Attr]:
    """ez-configs' readModules: `FOLDER.nix` as `default`, else each `NAME.nix` and each
    `NAME/default.nix` of the folder."""
    if folder is None:
        return {}
    if os.path.isfile(folder + ".nix"):
        return {"default": _attr(folder + ".nix", span)}
    found = {}
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        path = os.path.join(folder, entry)
        if entry.endswith(".nix") and os.path.isfile(path):
            found[entry.removesuffix(".nix")] = _attr(path, span)
        elif os.path.isfile(os.path.join(path, "default.nix")):
            found[entry] = _attr(os.path.join(path, "default.nix"), span)
    return found


def _attr(path: str, span: Span) -> v.Attr:
    return v.Attr(v.PathV(path, path, span), None, None)


def _path(attr: v.Attr) -> str | None:
    value = v.force(attr.value)
    return value.resolved if isinstance(value, v.PathV) else None
