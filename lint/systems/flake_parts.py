"""flake-parts' `mkFlake`, as far as system discovery needs it.

`flake-parts.lib.mkFlake { inherit inputs; } MODULE` evaluates flake-parts modules
(MODULE and its `imports`, local files or inline): each module's `flake` sets are
merged into the outputs, and each `perSystem` is called for every entry of
`systems`, its outputs placed under `OUTPUT.<system>` (`packages.x86_64-linux.vm`).
Module arguments: `self`, `inputs`, `lib`, `withSystem`, and `config`: what every module
sets, merged (a dendritic flake's `config.flake.modules.nixos.NAME`, or its own option
`config.configurations.nixos`); the rest are opaque.  A module in full form sets them
under `config`.  A module from an input that discovery models (a FlakeModule:
clan-core's) adds outputs made of what the flake's own modules set under its option;
other imports the discovery cannot read (`inputs.x.flakeModule`) are skipped, and
recorded -- they may build systems -- but those of development tools (TOOLING).
"""
from __future__ import annotations

import re
from typing import Callable

from ..nix import values as v
from ..nix.nixlib import Namespace
from .builders import describe
from ..nix.source import Span

MAX_MODULES = 500
# The flake-parts modules of development tools -- formatters, hooks, shells, CI, packaging --
# which build no NixOS system, by the names their inputs are given (treefmt-nix, git-hooks).
TOOLING = re.compile(r"treefmt|pre-commit|git-hooks|devshell|devenv|process-compose|hercules-ci|flake-root"
                     r"|mission-control|haskell-flake|rust-flake|nix-cargo|crane|services-flake|nixvim|agenix-shell"
                     r"|home-manager|flake-parts|nix-unit|make-shell")


class FlakeModule(v.Value):
    """A flake-parts module from an input, modelled: what the flake's modules set under
    its options (each definition, as written) makes `outputs(definitions, span,
    arguments)`, `arguments` being what flake-parts gives a module (`inputs`, `self`, …)."""

    __slots__ = ("options", "outputs")

    def __init__(self, options: tuple[str, ...], outputs: Callable[[list[v.Lazy], Span, v.Value], v.Value]):
        self.options = options   # its option's names (a library may have renamed it)
        self.outputs = outputs
        self.span = None


class FlakeParts:
    def __init__(self, interp, import_file, builders):
        self.interp = interp
        self.import_file = import_file
        self.builders = builders
        self.opaque_modules: list[tuple[Span | None, str]] = []   # (where, its text)

    def mk_flake(self, span: Span, arguments: v.Lazy, module: v.Lazy) -> v.Value:
        args = v.force(arguments)
        inputs = _select(args, "inputs") or v.Unknown(span, "inputs")
        self_value = _select(args, "self") or _select(v.force(inputs), "self") or v.Unknown(span, "self")
        flakes: list[v.Lazy] = []
        per_system: list[v.Lazy] = []
        systems: list[str] = []
        queue: list[v.Lazy] = [module]
        seen: dict[int, v.AttrsV] = {}   # (held: a freed module's id could be another's)
        modelled: dict[tuple[str, ...], FlakeModule] = {}
        settings: list[dict[str, v.Attr]] = []   # what each module sets
        all_read = False   # then `config` is the merge of what they set

        def merged_config() -> v.Value:
            if not all_read:   # asked while the modules are still being read: it would be partial
                return v.Unknown(span, "flake-parts' config, read while its modules are read")
            return merge_sets([v.AttrsV(attrs, span) for attrs in settings], span)
        module_arguments = self._arguments(inputs, self_value, v.Thunk(merged_config), span)
        while queue and len(seen) < MAX_MODULES:
            item = queue.pop(0)
            value = self._module_value(item, module_arguments, span)
            if isinstance(value, FlakeModule):
                modelled.setdefault(value.options, value)
                continue
            if not isinstance(value, v.AttrsV):
                text = describe(value)
                # (a local file that is missing is none, nor a development tool's module)
                if not isinstance(v.force(item), v.PathV) and not TOOLING.search(text):
                    self.opaque_modules.append((value.span, text))
                continue
            if id(value) in seen:
                continue
            seen[id(value)] = value
            attrs = value.attrs
            if "imports" in attrs:
                imported = v.force(attrs["imports"].value)
                if isinstance(imported, v.ListV):
                    queue.extend(imported.items)
            config = _config_of(value)   # (in full form, what it sets is under `config`)
            attrs = config.attrs if isinstance(config, v.AttrsV) else {}
            settings.append(attrs)
            if "flake" in attrs:
                flakes.append(attrs["flake"].value)
            if "perSystem" in attrs:
                per_system.append(attrs["perSystem"].value)
            if "systems" in attrs:
                listed = v.force(attrs["systems"].value)
                if isinstance(listed, v.ListV):
                    for entry in listed.items:
                        name = v.force(entry)
                        if isinstance(name, v.Str) and name.known and name.known not in systems:
                            systems.append(name.known)
        all_read = True
        for model in modelled.values():
            flakes.append(model.outputs([attrs[name].value for attrs in settings for name in model.options
                                         if name in attrs], span, module_arguments))
        outputs = merge_sets(flakes, span, ("flake",))
        if per_system and systems:
            outputs = merge_sets([outputs, self._per_system_outputs(per_system, systems, inputs, span)], span,
                                 ("flake",))
        return outputs

    def _module_value(self, item: v.Lazy, arguments: Namespace, span: Span) -> v.Value:
        value = v.force(item)
        if isinstance(value, v.PathV) and value.resolved:
            value = self.interp.importer(value, span) or v.Unknown(value.span, "flake-parts module")
        if isinstance(value, v.Lambda):
            value = self.interp.apply(value, arguments, value.span or span)
        return value

    def _arguments(self, inputs: v.Lazy, self_value: v.Lazy, config: v.Lazy, span: Span) -> Namespace:
        known = {
            "inputs": inputs,
            "self": self_value,
            "config": config,
            "lib": self.interp.builtins.lib,
            "withSystem": v.Primop("withSystem", 2, lambda s, system, function: self.interp.apply(
                v.force(function), self._per_system_arguments(system, inputs, s), s)),
        }
        return Namespace("flake-parts", lambda name: known.get(name))

    def _per_system_arguments(self, system: v.Lazy, inputs: v.Lazy, span: Span) -> Namespace:
        lib = self.interp.builtins.lib
        known = {"system": system, "lib": lib, "inputs": inputs, "pkgs": self.builders.pkgs(lib, system)}
        return Namespace("perSystem", lambda name: known.get(name))

    def _per_system_outputs(self, functions: list[v.Lazy], systems: list[str], inputs: v.Lazy,
                            span: Span) -> v.AttrsV:
        """`perSystem` results, transposed: `{ packages.x86_64-linux.vm = …; }`."""
        def outputs_of(system: str) -> v.Value:
            results = []
            for function in functions:
                value = v.force(function)
                if isinstance(value, v.Lambda):
                    value = self.interp.apply(value, self._per_system_arguments(v.Str((system,), span), inputs, span),
                                              value.span or span)
                results.append(_config_of(v.force(value)))
            return merge_sets(results, span)
        return by_system(systems, outputs_of, span)


def _config_of(module: v.Value) -> v.Value:
    """What a module sets: its `config` in full form (`{ options = …; config = …; }`, as a
    perSystem module declaring its own options is written), else the module itself."""
    if isinstance(module, v.AttrsV) and ("config" in module.attrs or "options" in module.attrs):
        config = module.attrs.get("config")
        return v.force(config.value) if config is not None else v.AttrsV({}, module.span)
    return module


def by_system(systems: list[str], outputs_of: Callable[[str], v.Value], span: Span) -> v.AttrsV:
    """Outputs made once per system, transposed as flakes have them:
    `{ packages.x86_64-linux.vm = …; }`."""
    by_output: dict[str, dict[str, v.Attr]] = {}
    for system in systems:
        outputs = outputs_of(system)
        if isinstance(outputs, v.AttrsV):
            for output, attr in outputs.attrs.items():
                by_output.setdefault(output, {})[system] = attr
    return v.AttrsV({name: v.Attr(v.AttrsV(per, span), None, None) for name, per in by_output.items()}, span)


def merge_sets(items: list[v.Lazy], span: Span, path: tuple[str, ...] = ()) -> v.Value:
    """Attribute sets merged recursively (lazily where only one side defines a name);
    where a name holds something other than a set, the first definition stays.  As in
    the module system, `mkMerge` splits a definition, and `mkIf`, `mkOverride` and
    `mkOrder` are taken off (a `mkIf` known to be false defines nothing).  A name that
    holds modules (see _holds_modules) merges as a `deferredModule` does: one module
    importing every definition -- not one set, which would keep only the first of two
    lists (`boot.kernelParams`) and the first of two module functions."""
    values = [value for item in items for value in _definitions(item)]
    if len(values) == 1:
        return values[0]
    if values and _holds_modules(path, values):
        first = values[0].span or span   # (where the module is written: the first definition's file)
        return v.AttrsV({"imports": v.Attr(v.ListV(values, first), None, None)}, first)
    sets = [value for value in values if isinstance(value, v.AttrsV)]
    if not sets:
        return values[0] if values else v.AttrsV({}, span)
    names: dict[str, list[v.Attr]] = {}
    for value in sets:
        for name, attr in value.attrs.items():
            names.setdefault(name, []).append(attr)
    merged = {}
    for name, attrs in names.items():
        if len(attrs) == 1:
            merged[name] = attrs[0]
        else:
            values_ = [a.value for a in attrs]
            merged[name] = v.Attr(v.Thunk(lambda values_=values_, at=path + (name,): merge_sets(values_, span, at)),
                                  attrs[0].key_span, attrs[0].binding_span)
    return v.AttrsV(merged, span)


def _holds_modules(path: tuple[str, ...], values: list[v.Value]) -> bool:
    """Whether the definitions at `path` (from a flake-parts module's top) are modules:
    flake-parts' module outputs (`flake.nixosModules.NAME`, `flake.modules.CLASS.NAME`,
    any `flake.*Modules.NAME`, all of type deferredModule), or definitions one of which is
    a function (two functions merge only as modules: a flake's own option of type
    deferredModule, `configurations.nixos.NAME.module`)."""
    if path[:1] == ("flake",) and ((len(path) == 3 and path[1].endswith("Modules"))
                                   or (len(path) == 4 and path[1] == "modules")):
        return True
    return any(isinstance(value, v.Lambda) for value in values)


def _definitions(item: v.Lazy, depth: int = 0) -> list[v.Value]:
    value = v.force(item)
    if depth > 100:
        return [value]
    if isinstance(value, v.Merge):
        return [found for content in value.contents for found in _definitions(content, depth + 1)]
    if isinstance(value, v.If):
        return [] if v.truth(value.condition) is False else _definitions(value.content, depth + 1)
    if isinstance(value, (v.Override, v.Order)):
        return _definitions(value.content, depth + 1)
    return [value]


def _select(value: v.Value, name: str) -> v.Lazy | None:
    if isinstance(value, v.AttrsV):
        attr = value.attrs.get(name)
        return attr.value if attr is not None else None
    if isinstance(value, Namespace):
        return value.select(name)
    return None
