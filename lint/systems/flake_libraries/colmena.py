"""zhaofengli/colmena: `lib.makeHive HIVE` evaluates a hive (as does colmena itself
with a flake's raw `colmena` output): every attribute but `meta` and `defaults` is
a node, a NixOS system of colmena's own modules (opaque), `defaults` and the node's
module, with `meta.specialArgs` (and `meta.nodeSpecialArgs.NODE`) plus `name` and
`nodes` as special arguments, on the architecture of `meta.nixpkgs` (or
`meta.nodeNixpkgs.NODE`) where that package set says it.  Its `nodes` are those
systems.

The morph and NixOps network files colmena's hive comes from are read the same way
(network_nodes): `network` holds the settings (`network.pkgs`, the package set), every
other attribute but `defaults` and `resources` is a node.
"""
from __future__ import annotations

from ...nix import values as v
from ...nix.nixlib import Namespace
from ...nix.source import Span
from ..builders import pkgs_system
from .settings import attrs_of
from .urls import named

URL = named("colmena")
HIVE_SETTINGS = ("meta", "defaults")
NETWORK_SETTINGS = ("network", "defaults", "resources", "require")


def value(builders, repository: str) -> v.Value:
    make_hive = v.Primop("makeHive", 1, lambda span, hive: v.AttrsV(
        {"nodes": v.Attr(hive_nodes(builders, span, hive), None, None)}, span))
    lib = Namespace("colmena.lib", lambda name: make_hive if name == "makeHive" else None)
    return Namespace("colmena", lambda name: lib if name == "lib" else None)


def hive_nodes(builders, span: Span, hive: v.Lazy) -> v.Value:
    """The systems of a colmena hive, by node name (built once per hive)."""
    value = v.force(hive)
    if not isinstance(value, v.AttrsV):
        return v.Unknown(span, "a colmena hive that cannot be known")
    built = builders.hives.get(id(value))
    if built is None:
        built = builders.hives[id(value)] = (value, _build_nodes(builders, value, span))
    return built[1]


def network_nodes(builders, span: Span, network: v.AttrsV) -> v.AttrsV:
    """The systems of a morph or NixOps network file, by node name."""
    return _build_nodes(builders, network, span, NETWORK_SETTINGS, "network")


def _build_nodes(builders, hive: v.AttrsV, span: Span, settings: tuple[str, ...] = HIVE_SETTINGS,
                 tool: str = "colmena") -> v.AttrsV:
    meta = attrs_of(hive.attrs.get("meta" if tool == "colmena" else "network"))
    if tool != "colmena":   # morph's and NixOps' settings: the package set only
        meta = {"nixpkgs": meta["pkgs"]} if "pkgs" in meta else {}
    defaults = hive.attrs.get("defaults")
    common_args = attrs_of(meta.get("specialArgs"))
    node_args = attrs_of(meta.get("nodeSpecialArgs"))
    node_nixpkgs = attrs_of(meta.get("nodeNixpkgs"))
    everyone = v.Unknown(span, "colmena's nodes")
    nodes: dict[str, v.Attr] = {}
    for name, node in hive.attrs.items():
        if name in settings:
            continue
        special = {**common_args, **attrs_of(node_args.get(name)),
                   "name": v.Attr(v.Str((name,), node.key_span), None, None), "nodes": v.Attr(everyone, None, None)}
        modules = ([v.Symbolic((tool, "deploymentOptions"), None)]
                   + ([defaults.value] if defaults is not None else []) + [node.value])
        arguments = {"modules": v.Attr(v.ListV(modules, span), None, None),
                     "specialArgs": v.Attr(v.AttrsV(special, span), None, None)}
        system = pkgs_system(node_nixpkgs[name].value if name in node_nixpkgs else
                             meta["nixpkgs"].value if "nixpkgs" in meta else v.Unknown(span))
        if system is not None:
            arguments["system"] = v.Attr(v.Str((system,), span), None, None)
        built = builders.build(node.binding_span or span, v.AttrsV(arguments, span), tool)
        nodes[name] = v.Attr(built, node.key_span, node.binding_span)
    return v.AttrsV(nodes, span)
