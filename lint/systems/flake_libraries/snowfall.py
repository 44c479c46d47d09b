"""snowfallorg/lib: `mkFlake { inherit inputs; src = ./.; … }` (or `mkLib { … }`'s
`mkFlake`) builds a NixOS system per folder `systems/ARCH-linux/HOST` (under
`snowfall.root` if given), of the host's `default.nix`, every `default.nix` under
`modules/nixos`, `systems.modules.nixos` and `systems.hosts.HOST.modules`, with
snowfall's own modules (opaque) and its special arguments (`namespace`, `host`,
`system`, `target`, `format`, `virtual`, `inputs`, and `systems.hosts.HOST.specialArgs`).
Other targets (darwin, virtual formats) are not NixOS systems it can name.
"""
from __future__ import annotations

import os
import re

from ...nix import values as v
from ...nix.functions import files_recursive
from ...nix.nixlib import Namespace
from ...nix.source import Span
from .settings import attrs_of, items_of

URL = re.compile(r"(?:^|[:/])snowfallorg/lib(?:$|[/?#.])")
LINUX_TARGET = re.compile(r"[a-z0-9_]+-linux")


def value(builders, repository: str) -> v.Value:
    return _snowfall(builders)


def _snowfall(builders) -> Namespace:
    def mk_flake(span: Span, settings: v.Lazy, base: dict | None = None) -> v.Value:
        given = v.force(settings)
        if not isinstance(given, v.AttrsV):
            return v.Unknown(span, "snowfall-lib's mkFlake of settings that cannot be known")
        options = {**(base or {}), **given.attrs}
        return v.AttrsV({"nixosConfigurations": v.Attr(_snowfall_systems(builders, options, span), None, None)},
                        span)

    def mk_lib(span: Span, settings: v.Lazy) -> v.Value:
        given = v.force(settings)
        base = dict(given.attrs) if isinstance(given, v.AttrsV) else {}
        flake = v.Primop("mkFlake", 1, lambda s, more: mk_flake(s, more, base))
        return Namespace("snowfall-lib", lambda name: flake if name == "mkFlake" else None)

    members = {"mkFlake": v.Primop("mkFlake", 1, mk_flake), "mkLib": v.Primop("mkLib", 1, mk_lib)}
    return Namespace("snowfall-lib", members.get)


def _snowfall_systems(builders, options: dict[str, v.Attr], span: Span) -> v.Value:
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
    module_tree = os.path.join(root, "modules", "nixos")
    tree = [v.PathV(p, p, span) for p in (files_recursive(module_tree) if os.path.isdir(module_tree) else ())
            if os.path.basename(p) == "default.nix"]
    namespace = snowfall.get("namespace")
    systems_folder = os.path.join(root, "systems")
    built: dict[str, v.Attr] = {}
    for target in sorted(os.listdir(systems_folder)) if os.path.isdir(systems_folder) else ():
        if not LINUX_TARGET.fullmatch(target):
            continue
        for host in sorted(os.listdir(os.path.join(systems_folder, target))):
            entry = os.path.join(systems_folder, target, host, "default.nix")
            if not os.path.isfile(entry):
                continue
            own = attrs_of(hosts.get(host))
            special = {name: v.Attr(v.Str((text,), span), None, None) for name, text in
                       (("host", host), ("system", target), ("target", target), ("format", "linux"))}
            special["virtual"] = v.Attr(v.Const(False, span), None, None)
            if namespace is not None:
                special["namespace"] = namespace
            if "inputs" in options:
                special["inputs"] = options["inputs"]
            special.update(attrs_of(own.get("specialArgs")))
            modules = ([v.PathV(entry, entry, span)] + tree + common + items_of(own.get("modules"))
                       + [v.Symbolic(("snowfall-lib", "modules"), None)])
            arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                         "system": v.Attr(v.Str((target,), span), None, None),
                         "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
            built[host] = v.Attr(builders.build(span, v.AttrsV(arguments, span), "snowfall-lib"), None, None)
    return v.AttrsV(built, span)
