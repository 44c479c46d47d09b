"""snowfallorg/lib: `mkFlake { inherit inputs; src = ./.; … }` (or `mkLib { … }`'s
`mkFlake`) builds a NixOS system per folder `systems/ARCH-linux/HOST` (under
`snowfall.root` if given), of the host's `default.nix`, every `default.nix` under
`modules/nixos`, `systems.modules.nixos` and `systems.hosts.HOST.modules`, with
snowfall's own modules (opaque) and its special arguments (`namespace`, `host`,
`system`, `target`, `format`, `virtual`, `inputs`, and `systems.hosts.HOST.specialArgs`).
A virtual target (`x86_64-install-iso`, `aarch64-sd-aarch64`: a nixos-generators format
named in it) builds the same on its Linux architecture, as `FORMATConfigurations.HOST`.
Darwin targets, `modules/darwin`, `modules/home` and `homes` are nix-darwin's and
home-manager's modules, not NixOS's.
"""
from __future__ import annotations

import os
import re

from ...nix import values as v
from ...nix.functions import files_recursive
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..builders import LibExtension
from .settings import attrs_of, imported, items_of

URL = re.compile(r"(?:^|[:/])snowfallorg/lib(?:$|[/?#.])")
LINUX_TARGET = re.compile(r"[a-z0-9_]+-linux")
# nixos-generators' formats a target may name, in the order snowfall-lib looks for them
# in it (snowfall-lib/system/virtual-systems.nix): the first one the target holds counts.
VIRTUAL_FORMATS = ("amazon", "azure", "cloudstack", "do", "gce", "hyperv", "install-iso-hyperv", "install-iso",
                   "iso", "kexec", "kexec-bundle", "kubevirt", "lxc-metadata", "lxc", "openstack", "proxmox", "qcow",
                   "raw", "raw-efi", "sd-aarch64-installer", "sd-aarch64", "vagrant-virtualbox", "virtualbox",
                   "vm-bootloader", "vm-nogui", "vmware", "vm")


def value(builders, repository: str) -> v.Value:
    return _snowfall(builders)


def _snowfall(builders) -> Namespace:
    def mk_flake(span: Span, settings: v.Lazy, base: dict | None = None) -> v.Value:
        given = v.force(settings)
        if not isinstance(given, v.AttrsV):
            return v.Unknown(span, "snowfall-lib's mkFlake of settings that cannot be known")
        options = {**(base or {}), **given.attrs}
        return _snowfall_systems(builders, options, span)

    def mk_lib(span: Span, settings: v.Lazy) -> v.Value:
        given = v.force(settings)
        base = dict(given.attrs) if isinstance(given, v.AttrsV) else {}
        flake = v.Primop("mkFlake", 1, lambda s, more: mk_flake(s, more, base))
        return Namespace("snowfall-lib", lambda name: flake if name == "mkFlake" else None)

    members = {"mkFlake": v.Primop("mkFlake", 1, mk_flake), "mkLib": v.Primop("mkLib", 1, mk_lib)}
    return Namespace("snowfall-lib", members.get)


def _snowfall_systems(builders, options: dict[str, v.Attr], span: Span) -> v.Value:
    """The outputs holding the systems: `nixosConfigurations` and `FORMATConfigurations`."""
    source = v.force(options["src"].value) if "src" in options else None
    snowfall = attrs_of(options.get("snowfall"))
    if "root" in snowfall:
        source = v.force(snowfall["root"].value)
    if not isinstance(source, v.PathV) or not source.resolved or not os.path.isdir(source.resolved):
        return v.Unknown(span, "snowfall-lib's mkFlake of a source folder that cannot be known")
    root = source.resolved
    settings = attrs_of(options.get("systems"))
    common = items_of(attrs_of(settings.get("modules")).get("nixos"))
    hosts = attrs_of(settings.get("hosts"))
    tree = _default_files(span, root, "modules", "nixos")
    for foreign in (("modules", "darwin"), ("modules", "home"), ("homes",)):
        builders.foreign_modules(v.ListV(_default_files(span, root, *foreign), span))
    namespace = snowfall.get("namespace")
    user_lib = _user_lib(builders.interp, root, namespace, options.get("inputs"), span)
    systems_folder = os.path.join(root, "systems")
    outputs: dict[str, dict[str, v.Attr]] = {"nixosConfigurations": {}}
    for target in sorted(os.listdir(systems_folder)) if os.path.isdir(systems_folder) else ():
        format_ = next((name for name in VIRTUAL_FORMATS if name in target), None)
        arch = target.replace(format_, "linux", 1) if format_ is not None else target
        entries = [os.path.join(systems_folder, target, host, "default.nix")
                   for host in sorted(os.listdir(os.path.join(systems_folder, target)))]
        entries = [entry for entry in entries if os.path.isfile(entry)]
        if format_ is None and "darwin" in target:
            builders.foreign_modules(v.ListV([v.PathV(entry, entry, span) for entry in entries], span))
            continue
        if not LINUX_TARGET.fullmatch(arch):
            continue
        for entry in entries:
            host = os.path.basename(os.path.dirname(entry))
            own = attrs_of(hosts.get(host))
            special = {name: v.Attr(v.Str((text,), span), None, None) for name, text in
                       (("host", host), ("system", arch), ("target", target), ("format", format_ or "linux"))}
            special["virtual"] = v.Attr(v.Const(format_ is not None, span), None, None)
            if namespace is not None:
                special["namespace"] = namespace
            if user_lib is not None:
                special["lib"] = v.Attr(user_lib, None, None)
            if "inputs" in options:
                special["inputs"] = options["inputs"]
            special.update(attrs_of(own.get("specialArgs")))
            modules = ([v.PathV(entry, entry, span)] + tree + common + items_of(own.get("modules"))
                       + [v.Symbolic(("snowfall-lib", "modules"), None)])
            if format_ is not None:
                modules.append(v.Symbolic(("nixos-generators", "formats", format_), None))
            arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                         "system": v.Attr(v.Str((arch,), span), None, None),
                         "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
            output = outputs.setdefault(f"{format_}Configurations" if format_ is not None else "nixosConfigurations", {})
            output[host] = v.Attr(builders.build(span, v.AttrsV(arguments, span), "snowfall-lib"), None, None)
    return v.AttrsV({name: v.Attr(v.AttrsV(built, span), None, None) for name, built in outputs.items()}, span)


def _user_lib(interp, root: str, namespace: v.Attr | None, inputs: v.Attr | None, span: Span) -> v.Value | None:
    """The lib snowfall gives the hosts' modules: nixpkgs' with `lib.NAMESPACE` (`internal`
    where none is set) made of every default.nix under the repository's `lib` folder --
    each called with `inputs`, `snowfall-inputs` and that same lib -- merged with
    recursiveUpdate (snowfall-lib's internal/default.nix)."""
    files = _default_files(span, root, "lib")
    name = v.force(namespace.value) if namespace is not None else v.Str(("internal",), span)
    if not files or not isinstance(name, v.Str) or name.known is None:
        return None
    def user_lib() -> v.Value:
        lib = interp.builtins.lib.updated(v.AttrsV({name.known: v.Attr(made, None, None),
                                                    "internal": v.Attr(made, None, None)}, span))
        arguments = v.AttrsV({"inputs": inputs or v.Attr(v.Unknown(span, "inputs"), None, None),
                              "snowfall-inputs": v.Attr(v.Unknown(span, "snowfall-lib's inputs"), None, None),
                              "lib": v.Attr(lib, None, None)}, span)
        update = v.force(interp.builtins.lib.select("recursiveUpdate"))
        result: v.Value = v.AttrsV({}, span)
        for path in files:
            value = imported(interp, path.resolved, span)
            if isinstance(value, v.Lambda):
                value = v.force(interp.apply(value, arguments, span))
            if value is None:
                return v.Unknown(span, f"{path.resolved} cannot be read")
            result = v.force(interp.apply(v.force(interp.apply(update, result, span)), value, span))
        return result
    made = v.Thunk(user_lib)
    return LibExtension({name.known: v.Attr(made, None, None)}, span)


def _default_files(span: Span, root: str, *folder: str) -> list[v.PathV]:
    """Every default.nix under root/folder (snowfall-lib's modules and homes), as paths."""
    where = os.path.join(root, *folder)
    return [v.PathV(p, p, span) for p in (files_recursive(where) if os.path.isdir(where) else ())
            if os.path.basename(p) == "default.nix"]
