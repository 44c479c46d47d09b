"""Finding a repository's systems statically: without Nix, without flake inputs.

From the repository root, the entry point is evaluated by the static interpreter
with `import` following local files and every flake input opaque:

- `flake.nix`: `outputs` is called with its inputs; `nixosConfigurations.NAME`
  and every other output built from a system (`packages.x86_64-linux.base =
  cfg.config.system.build.raw`) name the systems built, however they were made
  (helpers in other files, `mapAttrs`/`listToAttrs`/`genAttrs` over literal lists,
  `readDir ./hosts`, flake-parts' `mkFlake` with its `imports`, `flake` and
  `perSystem`);
- without a flake: `configuration.nix` (a system of its own), and `default.nix`
  or any linted file that calls a system builder (`eval-config.nix`,
  `<nixpkgs/nixos>`, `nixosSystem`).

A system is named by the first output path that reaches it (`nixosConfigurations`
first); other paths to the same system are its aliases.  Whatever cannot be known
is a gap of the system or a problem of the discovery, never a guess.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Callable

from ..modules.config import format_option
from ..nix import values as v
from ..nix.interpreter import Interpreter
from ..nix.nixlib import Namespace
from ..nix.parser import ParsedFile
from ..nix.source import SourceFile, Span
from ..modules.types import module_system_lib
from .builders import (Builders, SystemPart, SystemValue, describe, is_eval_config, is_nixos_entry, is_nixpkgs,
                       is_nixpkgs_lib)
from .flake_parts import FlakeParts
from .flake_libraries.colmena import hive_nodes, network_nodes
from .system import FILE, ModuleRef, System

MAX_OUTPUT_DEPTH = 8
# A file that may build a system (outside a flake): the builders, as their names are written,
# a morph or NixOps network (`network = { pkgs = …; }` beside nodes that deploy), or a
# colmena hive (`meta.nixpkgs = …;`; a package's `meta = { description … }` is none).
DEPLOYMENT_MARK = re.compile(rb"\bnetwork(?:\s*=\s*\{|\.(?:pkgs|description)\b)"
                             rb"|\bmeta(?:\s*=\s*\{[^}]*\b(?:node)?(?:nixpkgs|Nixpkgs)\s*=|\.(?:node)?(?:nixpkgs|Nixpkgs)\b)")
BUILDER_MARK = re.compile(rb"eval-config\.nix|<nixpkgs/nixos>|/nixos\"|nixosSystem|evalModules|\bpkgs\.nixos\b|"
                          + DEPLOYMENT_MARK.pattern)
# A flake that says it builds systems, whether or not its outputs can be read (`mkFlake`:
# flake-utils-plus', digga's, where they are not known, build them from `hosts`).
SYSTEMS_MARK = re.compile(rb"nixosConfigurations|eval-config\.nix|<nixpkgs/nixos>|nixosSystem|evalModules|\bmkFlake\b")
REPOSITORY_MARKS = (".stereos-lint.toml", ".git")   # and a flake.nix that is a flake (is_flake)
HOST_FILES = frozenset({"configuration.nix", "hardware-configuration.nix"})   # what nixos-generate-config writes


@dataclass
class Discovery:
    """What one repository builds."""

    root: str
    systems: list[System] = field(default_factory=list)
    files: list[str] = field(default_factory=list)      # read to discover them (flake.nix, helpers): not modules
    problems: list[str] = field(default_factory=list)   # why discovery stopped short, where it did
    # Systems are built that discovery could not know (`nixosConfigurations` made by a flake
    # input's function, a flake that does not parse): no file is then taken for a system.
    unknown_systems: bool = False
    # A flake whose outputs could be read holds no NixOS system the linter can see and
    # exports no NixOS module (packages and apps: terranix, an input's function such as
    # nixos-compose's): its files are fragments, none stands in for a system.  (A module
    # library's files do: its `nixosModules` are the roots a user imports.)
    builds_none: bool = False
    impure: list[Span] = field(default_factory=list)     # getEnv calls, as they are evaluated (also later, lazily)
    data_files: list[str] = field(default_factory=list)  # files read as data (a JSON host list): discovery depends on them
    # Modules of configurations of other module systems (nix-darwin, home-manager): no NixOS module
    foreign: list[ModuleRef] = field(default_factory=list)


def repository_root(path: str) -> str | None:
    """The nearest folder at or above `path` holding flake.nix, the configuration file or
    .git (a pyproject.toml with a [tool.stereos-lint] table counts as the configuration);
    where there is none, the nearest holding a configuration.nix (a bare /etc/nixos);
    None outside any repository."""
    return _root_of_folder(os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or "."))


def repository_root_of_file(path: str) -> str | None:
    """`repository_root` of a path known to name a file (a linted one): its folder's,
    without asking the file system which it is (a call per file, on thousands)."""
    return _root_of_folder(os.path.abspath(os.path.dirname(path) or "."))


def builds_systems(root: str) -> bool:
    """Whether a repository root has an entry point that may build systems (flake.nix or
    configuration.nix): its files are judged together."""
    return is_flake(os.path.join(root, "flake.nix")) or os.path.isfile(os.path.join(root, "configuration.nix"))


def is_flake(path: str) -> bool:
    """Whether `path` is a flake: a flake.nix with `outputs` -- not a NixOS module that
    happens to be called flake.nix (srvos' `common/flake.nix`, options about flakes)."""
    try:
        with open(path, "rb") as handle:
            return re.search(rb"\boutputs\b", handle.read()) is not None
    except OSError:
        return False


# Folders never taken for a repository for holding a configuration.nix: an editor would
# read every .nix file below them.
_TOO_WIDE = frozenset({os.path.abspath(os.sep), os.path.abspath(os.path.expanduser("~"))})


@functools.lru_cache(maxsize=4096)
def _root_of_folder(directory: str) -> str | None:
    entry_point = None
    while True:
        if any(os.path.exists(os.path.join(directory, mark)) for mark in REPOSITORY_MARKS) \
                or is_flake(os.path.join(directory, "flake.nix")):
            return directory
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and _names_stereos_lint(pyproject):
            return directory
        if entry_point is None and directory not in _TOO_WIDE \
                and os.path.isfile(os.path.join(directory, "configuration.nix")):
            entry_point = directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return entry_point
        directory = parent


def _names_stereos_lint(pyproject: str) -> bool:
    try:
        with open(pyproject, "rb") as handle:
            return b"[tool.stereos-lint" in handle.read()
    except OSError:
        return False


Parse = Callable[[str], "ParsedFile | object"]


def discover(root: str, parse: Parse, candidates: list[str] = ()) -> Discovery:
    """The systems of the repository at `root`.  `parse(path)` reads a file (the project's
    cache); `candidates` are the linted files under `root`, searched for system builders
    when there is no flake."""
    return _Discoverer(root, parse).run(candidates)


class _Discoverer:
    def __init__(self, root: str, parse: Parse):
        self.root = root
        self.parse = parse
        self.result = Discovery(root)
        self.values: dict[str, v.Value] = {}
        self.unreadable: list[str] = []   # files the outputs are made of that do not parse
        self.interp = Interpreter(None, importer=self._import)
        self.builders = Builders(self.interp, parse)
        self.flake_parts = FlakeParts(self.interp, self._import_file, self.builders)
        self.interp.builtins.lib_extensions = self.builders.lib_extensions(
            {"mkFlake": v.Primop("mkFlake", 2, self.flake_parts.mk_flake), **module_system_lib()})
        self.lib = self.interp.builtins.lib
        self.result.impure = self.interp.impure
        self.result.data_files = self.interp.data_files
        self.finished = False   # later, module values written in these files may still import others

    def run(self, candidates) -> Discovery:
        flake = os.path.join(self.root, "flake.nix")
        if is_flake(flake):
            outputs = self._known_outputs(flake, self._flake_outputs(flake))
            self._unknown_configurations(flake, outputs, candidates)
            self._name(outputs, (), "flake")
            hive = _attr(outputs, "colmena")   # colmena's own output: a hive colmena evaluates
            if isinstance(hive, v.AttrsV):
                self._name(hive_nodes(self.builders, hive.span, hive), ("colmena",), "flake")
            if not self.result.systems and self.flake_parts.opaque_modules:
                # (where some systems are known, the opaque modules are taken for helpers:
                # formatters, shells, hooks)
                for span, text in self.flake_parts.opaque_modules:
                    place = f"{span.path}:{span.start_position[0]}: " if span is not None else ""
                    self.result.problems.append(f"{place}{_shortened(text)} may build systems that cannot be "
                                                "known: a flake-parts module discovery cannot read")
                self.result.unknown_systems = True
            if not self.result.systems and self.unreadable:
                # A file the outputs are made of does not parse (a flake-parts module that
                # import-tree reads, a helper): the systems it builds cannot be known.
                self.result.unknown_systems = True
            self.result.builds_none = not self.result.systems and not self.result.unknown_systems \
                and _exports_no_nixos_module(outputs)
        else:
            self._non_flake(candidates)
        self.finished = True
        self.result.foreign = self.builders.foreign
        return self.result

    # -- entry points -----------------------------------------------------------------------

    def _flake_outputs(self, path: str) -> v.Value:
        flake = self._import_file(path)
        if not isinstance(flake, v.AttrsV) or "outputs" not in flake.attrs:
            self.result.problems.append(f"{path}: its outputs cannot be known")
            return v.Unknown(None)
        outputs_function = v.force(flake.attrs["outputs"].value)
        outputs: list[v.Value] = []

        def flake_self() -> v.Value:
            """`self`: the flake's outputs (also as `self.outputs`), whose `outPath` is its
            source -- this repository, so that `self + "/hosts/web"` and `"${self}/modules"`
            name its files."""
            value = v.force(outputs[0]) if outputs else v.Unknown(None, "self")
            if not isinstance(value, v.AttrsV):
                return value
            source = v.Attr(v.Str((self.root,), None), None, None)
            return _FlakeSelf({**value.attrs, "outPath": source, "outputs": v.Attr(value, None, None)},
                              value.span, value.explicit)

        self_value = v.Thunk(flake_self)

        urls = _input_urls(flake)
        names = _input_names(flake, outputs_function)

        def member(name: str) -> v.Lazy | None:
            if name == "self":
                return self_value
            if name in MODULE_ARGUMENTS and (names is None or name not in names):
                return None   # not an input: `inputs // { … }` handed on as specialArgs leaves it to the modules
            return self.builders.input(name, self.lib, urls.get(name), self.root)

        inputs = Namespace("inputs", member)
        outputs.append(self.interp.apply(outputs_function, inputs, outputs_function.span or Span(
            SourceFile(path, b""), 0, 0)))
        return outputs[0]

    def _non_flake(self, candidates) -> None:
        configuration = os.path.join(self.root, "configuration.nix")
        entries = [os.path.join(self.root, "default.nix")]
        entries += [c for c in candidates if os.path.abspath(c) != os.path.abspath(entries[0])]
        unknown_builders: list[str] = []   # files that name a system builder, whose value cannot be known
        for path in entries:
            parsed = self.parse(path) if os.path.isfile(path) else None
            if not isinstance(parsed, ParsedFile) or parsed.error is not None \
                    or not BUILDER_MARK.search(parsed.source.data) or path in self.values:
                continue
            value = self._import_file(path)
            function = isinstance(value, v.Lambda)
            if function:
                value = self.interp.apply(value, v.AttrsV({}, None), value.span)
            value = v.force(value)
            if isinstance(value, v.Unknown) and not function:
                unknown_builders.append(f"{path}: the systems it builds cannot be known: {_described(value)}")
            if isinstance(value, v.AttrsV) and "network" in value.attrs:   # morph, NixOps
                value = network_nodes(self.builders, value.span, value)
            elif isinstance(value, v.AttrsV) and _is_hive(value):           # colmena, without a flake
                value = hive_nodes(self.builders, value.span, value)
            elif not isinstance(value, v.AttrsV) and DEPLOYMENT_MARK.search(parsed.source.data):
                # a hive or a network whose nodes cannot be known (read from `terraform show`)
                self.result.problems.append(f"{path}: the machines it deploys cannot be known: "
                                            f"{_shortened(describe(value))}")
                self.result.unknown_systems = True
                continue
            relative = os.path.relpath(path, self.root)
            self._name(value, () if relative == "default.nix" else (relative,), "non-flake")
        if unknown_builders and not self.result.systems:
            # (`myLib.genAttrs hosts mkHost`, with a library of its own that cannot be read)
            self.result.problems.extend(unknown_builders)
            self.result.unknown_systems = True
        if os.path.isfile(configuration) and not any(
                m.kind == FILE and os.path.abspath(m.path) == os.path.abspath(configuration)
                for s in self.result.systems for m in s.modules):
            parsed = self.parse(configuration)
            source = parsed.source if isinstance(parsed, ParsedFile) else SourceFile(configuration, b"")
            self.result.systems.append(System(
                "configuration", None, Span(source, 0, 0),
                [ModuleRef(FILE, "./configuration.nix", configuration)], origin="non-flake"))

    def _known_outputs(self, flake: str, outputs: v.Lazy) -> v.Lazy:
        """Outputs of which only some are known (`eachSystem … // { nixosConfigurations = …; }`,
        the left side's cannot be known): those, and the rest a problem -- and, where
        `nixosConfigurations` is not among them, systems that cannot be known."""
        value = v.force(outputs)
        if not isinstance(value, v.PartlyKnown) or value.names is None:
            return outputs
        unknown = value.unknown if value.unknown is not None else value
        self.result.problems.append(f"{flake}: part of its outputs cannot be known: {_described(unknown)}")
        if "nixosConfigurations" not in value.names:
            parsed = self.parse(flake)
            self.result.unknown_systems = isinstance(parsed, ParsedFile) and bool(SYSTEMS_MARK.search(parsed.source.data))
        return v.AttrsV({name: v.Attr(value.select(name), None, None) for name in value.names}, value.span)

    def _unknown_configurations(self, flake: str, outputs: v.Value, candidates=()) -> None:
        """Record the systems a flake builds that cannot be known: `nixosConfigurations`, or
        one of its members, made by what the interpreter cannot follow (a flake input's
        function such as haumea's `load`); or outputs that cannot be read at all, in a flake
        whose text names `nixosConfigurations` or a system builder, or in a repository
        holding a host's files (`configuration.nix`, `hardware-configuration.nix`: a library
        of folder conventions reached through an input discovery cannot read)."""
        outputs = v.force(outputs)
        if not isinstance(outputs, v.AttrsV):
            if not any(p.startswith(f"{flake}:") for p in self.result.problems):
                self.result.problems.append(f"{flake}: its outputs cannot be known: {_described(outputs)}")
            parsed = self.parse(flake)
            if isinstance(parsed, ParsedFile) and SYSTEMS_MARK.search(parsed.source.data) or any(
                    os.path.basename(path) in HOST_FILES for path in candidates):
                self.result.unknown_systems = True
            return
        if "nixosConfigurations" not in outputs.attrs:
            return
        configurations = v.force(outputs.attrs["nixosConfigurations"].value)
        if isinstance(configurations, v.AttrsV):
            unknown = [(f"nixosConfigurations.{format_option((name,))}", value)
                       for name, attr in sorted(configurations.attrs.items())
                       if isinstance(value := v.force(attr.value), v.Unknown)]
        else:
            unknown = [("nixosConfigurations", configurations)]
        for where, value in unknown:
            place = f"{value.span.path}:{value.span.start_position[0]}: " if value.span is not None else ""
            self.result.problems.append(f"{place}{where} cannot be known: {_described(value)}")
        self.result.unknown_systems = self.result.unknown_systems or bool(unknown)

    # -- import -----------------------------------------------------------------------------

    def _import(self, value: v.Value, span: Span) -> v.Value | None:
        if is_eval_config(value):
            return self.builders.eval_config()
        if is_nixos_entry(value):
            return self.builders.nixos()
        if is_nixpkgs(value) or (isinstance(value, Namespace) and value.name.startswith("inputs.")):
            return self.builders.nixpkgs(self.lib)
        path = v.local_path(value)
        if path is None:
            return self.lib if is_nixpkgs_lib(value) else None
        if os.path.isdir(path):
            path = os.path.join(path, "default.nix")
        return self._import_file(os.path.normpath(path)) if os.path.isfile(path) else None

    def _import_file(self, path: str) -> v.Value:
        if path not in self.values:
            self.values[path] = v.Unknown(None, f"{path} imports itself")
            parsed = self.parse(path)
            if not isinstance(parsed, ParsedFile) or parsed.error is not None or parsed.root is None:
                self.result.problems.append(f"{path}: cannot be read or does not parse")
                self.unreadable.append(path)
                self.values[path] = v.Unknown(None, f"{path} does not parse")
            else:
                if not self.finished:   # (a file a system's module imports later is no helper)
                    self.result.files.append(path)
                self.values[path] = self.interp.eval_file(parsed.source, parsed.root)
        return self.values[path]

    # -- naming ----------------------------------------------------------------------------

    def _name(self, outputs: v.Value, prefix: tuple[str, ...], origin: str) -> None:
        """Walk the outputs (nixosConfigurations first, then by name as Nix orders them) and
        name each system built by the first path that reaches it."""
        found: list[tuple[tuple[str, ...], System]] = []
        _walk(outputs, prefix, found, 0, top=True)
        named: dict[int, System] = {id(system): system for system in self.result.systems}
        for path, system in found:
            shown = _path_name(path)
            if id(system) in named:
                system.aliases.append(shown)
                continue
            named[id(system)] = system
            if system.arch is not None and not system.arch.endswith("-linux"):
                # (`nixosSystem { inherit system; }` in a perSystem over darwin too)
                self.result.problems.append(f"{shown}: NixOS built for {system.arch}, which NixOS does not run "
                                            "on: not judged")
                continue
            system.name = shown
            system.origin = origin
            self.result.systems.append(system)


def _exports_no_nixos_module(outputs: v.Value) -> bool:
    """Whether a flake's outputs are known and hold no NixOS module (`nixosModules`,
    `nixosModule`, flake-parts' `modules.nixos`)."""
    outputs = v.force(outputs)
    if not isinstance(outputs, v.AttrsV):
        return False
    modules = _attr(outputs, "modules")
    return not ({"nixosModules", "nixosModule"} & set(outputs.attrs)) and not (
        isinstance(modules, v.AttrsV) and "nixos" in modules.attrs)


def _attr(value: v.Lazy, name: str) -> v.Value | None:
    value = v.force(value)
    if isinstance(value, v.AttrsV) and name in value.attrs:
        return v.force(value.attrs[name].value)
    return None


# The module arguments a flake's inputs, handed on as specialArgs, must not stand for
# unless the flake has an input of that name.
MODULE_ARGUMENTS = frozenset({"config", "lib", "pkgs", "options", "modulesPath", "specialArgs", "utils", "name",
                              "nodes"})


def _input_names(flake: v.AttrsV, outputs: v.Value) -> set[str] | None:
    """The flake's inputs, as Nix gives them to `outputs`: those it declares and those its
    `outputs` function names (Nix finds those in the registry); None where the
    declarations cannot be read."""
    declared = v.force(flake.attrs["inputs"].value) if "inputs" in flake.attrs else v.AttrsV({}, None)
    if not isinstance(declared, v.AttrsV):
        return None
    names = set(declared.attrs)
    formals = outputs.node.child_by_field_name("formals") if isinstance(outputs, v.Lambda) else None
    for formal in formals.named_children if formals is not None else ():
        name = formal.child_by_field_name("name") if formal.type == "formal" else None
        if name is not None:
            names.add(outputs.source.text(name.start_byte, name.end_byte))
    return names


def _input_urls(flake: v.AttrsV) -> dict[str, str]:
    """Each input's `url`, where the flake writes it as a known string."""
    urls: dict[str, str] = {}
    inputs = v.force(flake.attrs["inputs"].value) if "inputs" in flake.attrs else None
    for name, attr in inputs.attrs.items() if isinstance(inputs, v.AttrsV) else ():
        spec = v.force(attr.value)
        url = v.force(spec.attrs["url"].value) if isinstance(spec, v.AttrsV) and "url" in spec.attrs else spec
        if isinstance(url, v.Str) and url.known is not None:
            urls[name] = url.known
    return urls


class _FlakeSelf(v.AttrsV):
    """A flake's `self`: its outputs again (handed to its systems as `specialArgs.self`,
    kept in colmena's `meta`): the walk for systems does not enter it."""

    __slots__ = ()


def _walk(item: v.Lazy, path: tuple[str, ...], found: list, depth: int, top: bool = False) -> None:
    value = v.force(item)
    if isinstance(value, (SystemValue, SystemPart)):
        found.append((path, value.system))
        return
    if isinstance(value, v.Str):   # (an app's `program = "${system.config.system.build.vm}/bin/run"`)
        for part in value.parts:
            if isinstance(part, v.Interpolated) and isinstance(part.value, (SystemValue, SystemPart)):
                found.append((path, part.value.system))
        return
    if not isinstance(value, v.AttrsV) or isinstance(value, _FlakeSelf) or depth > MAX_OUTPUT_DEPTH:
        return
    names = sorted(value.attrs)
    if top and "nixosConfigurations" in value.attrs:
        names.remove("nixosConfigurations")
        names.insert(0, "nixosConfigurations")
    for name in names:
        _walk(value.attrs[name].value, path + (name,), found, depth + 1)


def _is_hive(value: v.AttrsV) -> bool:
    """A colmena hive: `meta` naming the package set (or a node's), beside the nodes."""
    meta = v.force(value.attrs["meta"].value) if "meta" in value.attrs else None
    return isinstance(meta, v.AttrsV) and any(name in meta.attrs for name in ("nixpkgs", "nodeNixpkgs"))


def _described(value: v.Value) -> str:
    """What cannot be known, as written, and why where the interpreter says (a library's
    call: "nixos-unified's mkFlake without a folder of flake modules")."""
    why = value.why if isinstance(value, v.Unknown) and value.span is not None and value.why else ""
    return _shortened(describe(value)) + (f" ({why})" if why else "")


def _shortened(text: str, limit: int = 100) -> str:
    """A source text on one line, cut at `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _path_name(path: tuple[str, ...]) -> str:
    """`nixosConfigurations.base` is `base`; any other output keeps its whole path."""
    if len(path) == 2 and path[0] == "nixosConfigurations":
        return path[1]
    if len(path) >= 1 and path[0].endswith(".nix"):   # a non-flake file's own systems: hive.nix:web
        rest = format_option(path[1:])
        return f"{path[0]}:{rest}" if rest else path[0]
    return format_option(path) if path else "default"
