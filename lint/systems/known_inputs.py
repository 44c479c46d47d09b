"""Flake inputs whose functions discovery follows, known by the URL the flake gives them.

Any other input is opaque but for its `lib` (see builders.Builders.input).  These are
libraries a flake's outputs are commonly built with, so a flake using them would
otherwise have outputs -- and systems -- that cannot be known:

- vic/import-tree: `inputs.import-tree ./modules` is a module importing every file
  below whose name ends in `.nix`, leaving out any path with a component that begins
  with `_` (its default filter is `!hasInfix "/_"` on the path, which in a flake is a
  store path: only the part inside the repository counts).  Dendritic flakes are made
  of it: `flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules)`.
- numtide/flake-utils: `lib.eachSystem SYSTEMS f` and `lib.eachDefaultSystem f` call
  `f` per system and transpose its outputs (`{ packages.x86_64-linux.vm = …; }`);
  `eachSystemMap` and `eachDefaultSystemMap` give `{ SYSTEM = f SYSTEM; }`.
- zhaofengli/colmena: `lib.makeHive HIVE` evaluates a hive (as does colmena itself
  with a flake's raw `colmena` output): every attribute but `meta` and `defaults` is
  a node, a NixOS system of colmena's own modules (opaque), `defaults` and the node's
  module, with `meta.specialArgs` (and `meta.nodeSpecialArgs.NODE`) plus `name` and
  `nodes` as special arguments, on the architecture of `meta.nixpkgs` (or
  `meta.nodeNixpkgs.NODE`) where that package set says it.  Its `nodes` are those
  systems.
- snowfallorg/lib: `mkFlake { inherit inputs; src = ./.; … }` (or `mkLib { … }`'s
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

from ..nix import values as v
from ..nix.functions import files_recursive
from ..nix.nixlib import Namespace
from ..nix.source import Span
from .builders import pkgs_system
from .flake_parts import by_system

IMPORT_TREE = re.compile(r"(?:^|[:/])(?:vic|oeiuwq\.com)/import-tree(?:$|[/?#.])")
FLAKE_UTILS = re.compile(r"(?:^|[:/])numtide/flake-utils(?:$|[/?#.])")
COLMENA = re.compile(r"(?:^|[:/])zhaofengli/colmena(?:$|[/?#.])")
SNOWFALL = re.compile(r"(?:^|[:/])snowfallorg/lib(?:$|[/?#.])")
LINUX_TARGET = re.compile(r"[a-z0-9_]+-linux")
HIVE_SETTINGS = ("meta", "defaults")
# flake-utils' defaultSystems (those of nix-systems/default)
DEFAULT_SYSTEMS = ("aarch64-darwin", "aarch64-linux", "x86_64-darwin", "x86_64-linux")


def known_input(url: str | None, builders, repository: str) -> v.Value | None:
    """The value of the input at `url` where discovery knows it, else None."""
    if url is None:
        return None
    if IMPORT_TREE.search(url):
        return v.Primop("import-tree", 1, lambda span, roots: _import_tree(repository, span, roots))
    if FLAKE_UTILS.search(url):
        return _flake_utils(builders.interp)
    if COLMENA.search(url):
        make_hive = v.Primop("makeHive", 1, lambda span, hive: v.AttrsV(
            {"nodes": v.Attr(hive_nodes(builders, span, hive), None, None)}, span))
        lib = Namespace("colmena.lib", lambda name: make_hive if name == "makeHive" else None)
        return Namespace("colmena", lambda name: lib if name == "lib" else None)
    if SNOWFALL.search(url):
        return _snowfall(builders)
    return None


# -- snowfall-lib ---------------------------------------------------------------------------

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
    snowfall = _attrs(options.get("snowfall"))
    if "root" in snowfall:
        source = v.force(snowfall["root"].value)
    if not isinstance(source, v.PathV) or not source.resolved or not os.path.isdir(source.resolved):
        return v.Unknown(span, "snowfall-lib's mkFlake of a source folder that cannot be known")
    root = source.resolved
    settings = _attrs(options.get("systems"))
    common = _listed(_attrs(settings.get("modules")).get("nixos"))
    hosts = _attrs(settings.get("hosts"))
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
            own = _attrs(hosts.get(host))
            special = {name: v.Attr(v.Str((text,), span), None, None) for name, text in
                       (("host", host), ("system", target), ("target", target), ("format", "linux"))}
            special["virtual"] = v.Attr(v.Const(False, span), None, None)
            if namespace is not None:
                special["namespace"] = namespace
            if "inputs" in options:
                special["inputs"] = options["inputs"]
            special.update(_attrs(own.get("specialArgs")))
            modules = ([v.PathV(entry, entry, span)] + tree + common + _listed(own.get("modules"))
                       + [v.Symbolic(("snowfall-lib", "modules"), None)])
            arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                         "system": v.Attr(v.Str((target,), span), None, None),
                         "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
            built[host] = v.Attr(builders.build(span, v.AttrsV(arguments, span), "snowfall-lib"), None, None)
    return v.AttrsV(built, span)


def _listed(item) -> list[v.Lazy]:
    """The items of an attribute (or value) that is a list, else none."""
    if item is None:
        return []
    value = v.force(item.value if isinstance(item, v.Attr) else item)
    return list(value.items) if isinstance(value, v.ListV) else []


# -- colmena --------------------------------------------------------------------------------

def hive_nodes(builders, span: Span, hive: v.Lazy) -> v.Value:
    """The systems of a colmena hive, by node name (built once per hive)."""
    value = v.force(hive)
    if not isinstance(value, v.AttrsV):
        return v.Unknown(span, "a colmena hive that cannot be known")
    built = builders.hives.get(id(value))
    if built is None:
        built = builders.hives[id(value)] = (value, _build_nodes(builders, value, span))
    return built[1]


def _build_nodes(builders, hive: v.AttrsV, span: Span) -> v.AttrsV:
    meta = _attrs(hive.attrs.get("meta"))
    defaults = hive.attrs.get("defaults")
    common_args = _attrs(meta.get("specialArgs"))
    node_args = _attrs(meta.get("nodeSpecialArgs"))
    node_nixpkgs = _attrs(meta.get("nodeNixpkgs"))
    everyone = v.Unknown(span, "colmena's nodes")
    nodes: dict[str, v.Attr] = {}
    for name, node in hive.attrs.items():
        if name in HIVE_SETTINGS:
            continue
        special = {**common_args, **_attrs(node_args.get(name)),
                   "name": v.Attr(v.Str((name,), node.key_span), None, None), "nodes": v.Attr(everyone, None, None)}
        modules = ([v.Symbolic(("colmena", "deploymentOptions"), None)]
                   + ([defaults.value] if defaults is not None else []) + [node.value])
        arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                     "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
        system = pkgs_system(node_nixpkgs[name].value if name in node_nixpkgs else
                             meta["nixpkgs"].value if "nixpkgs" in meta else v.Unknown(span))
        if system is not None:
            arguments["system"] = v.Attr(v.Str((system,), span), None, None)
        built = builders.build(node.binding_span or span, v.AttrsV(arguments, span), "colmena")
        nodes[name] = v.Attr(built, node.key_span, node.binding_span)
    return v.AttrsV(nodes, span)


def _attrs(item) -> dict[str, v.Attr]:
    """The attributes of an attribute (or value) that is a set, else none."""
    if item is None:
        return {}
    value = v.force(item.value if isinstance(item, v.Attr) else item)
    return dict(value.attrs) if isinstance(value, v.AttrsV) else {}


# -- import-tree ----------------------------------------------------------------------------

def _import_tree(repository: str, span: Span, roots: v.Lazy) -> v.Value:
    """`import-tree ROOTS`: `{ imports = [ every .nix file under ROOTS ]; }`."""
    files: list[v.Lazy] = []
    for root in _flattened(v.force(roots)):
        if not isinstance(root, v.PathV) or not root.resolved or not os.path.isdir(root.resolved):
            return v.Unknown(span, "import-tree of a folder that cannot be known")
        for path in files_recursive(root.resolved):
            relative = os.path.relpath(path, repository)
            if path.endswith(".nix") and not any(part.startswith("_") for part in relative.split(os.sep)):
                files.append(v.PathV(path, path, span))
    return v.AttrsV({"imports": v.Attr(v.ListV(files, span), None, None)}, span)


def _flattened(value: v.Value) -> list[v.Value]:
    """A value, or the items of a list (nested lists flattened)."""
    if not isinstance(value, v.ListV):
        return [value]
    return [item for element in value.items for item in _flattened(v.force(element))]


# -- flake-utils ----------------------------------------------------------------------------

def _flake_utils(interp) -> Namespace:
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
    members = {
        "eachSystem": v.Primop("eachSystem", 2, each_system),
        "eachDefaultSystem": v.Primop("eachDefaultSystem", 1, lambda span, f: each_system(span, default, f)),
        "eachSystemMap": v.Primop("eachSystemMap", 2, each_system_map),
        "eachDefaultSystemMap": v.Primop("eachDefaultSystemMap", 1, lambda span, f: each_system_map(span, default, f)),
        "defaultSystems": default,
    }
    lib = Namespace("flake-utils.lib", members.get)
    return Namespace("flake-utils", lambda name: lib if name == "lib" else None)
