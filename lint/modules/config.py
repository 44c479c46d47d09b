"""The effective configuration of one root on one system, and why each value won.

`EffectiveConfig.resolve(option)` answers what NixOS would compute for an
option from the definitions of every module in the root's closure:
`lib.modules.mergeDefinitions` -- keep the definitions with the lowest
priority number, sort them by `mkOrder` (stably), concatenate lists -- plus
the provenance a linter needs: the winning definition, the losers and why
they lost, and whether a definition under an unknown `mkIf` could change the
answer.
"""
from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..nix import values as v
from .definitions import Definition, Presence
from .merge import NOT_KNOWN
from ..nix.source import Span

OptionPath = tuple[str, ...]

# Options of type `lines` (and friends) merge by concatenation instead of conflicting.
CONCATENATED_OPTION_NAMES = frozenset({
    "extraConfig", "text", "script", "preStart", "postStart", "preStop", "postStop",
    "reload", "extraCommands", "extraStopCommands", "shellInit", "loginShellInit",
    "interactiveShellInit", "promptInit", "extraInit", "extraRules", "extraLines",
    "extraSetup", "postBootCommands", "extraPostMount", "preLVMCommands", "postDeviceCommands",
    "postMountCommands", "extraUtilsCommands", "extraUtilsCommandsTest", "initExtra",
    "appendConfig", "extraOptions", "stage2Greeting", "localCommands",
})


# Options NixOS's own modules define from another option, plainly (read in nixpkgs): where
# no module of the linted tree defines them, their value is the other option's.
# networkd.nix: `systemd.services.systemd-networkd-wait-online = { inherit (cfg.wait-online) enable; … }`.
NIXOS_DERIVED: dict[tuple[str, ...], tuple[tuple[str, ...], str]] = {
    ("systemd", "services", "systemd-networkd-wait-online", "enable"):
        (("systemd", "network", "wait-online", "enable"), "NixOS's networkd module"),
}


def parse_option(option: str | Iterable[str]) -> OptionPath:
    """`systemd.services."getty@".enable` -> ("systemd", "services", "getty@", "enable")."""
    if not isinstance(option, str):
        return tuple(option)
    return _parse_option_text(option)


@functools.lru_cache(maxsize=4096)
def _parse_option_text(option: str) -> OptionPath:
    """Rules name the same few hundred options on every system: parse each once."""
    if '"' not in option:
        return tuple(option.split("."))
    parts: list[str] = []
    current = ""
    quoted = False
    for char in option:
        if char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return tuple(parts)


_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")


def format_option(path: OptionPath) -> str:
    return _format_option(tuple(path))


@functools.lru_cache(maxsize=65536)
def _format_option(path: OptionPath) -> str:
    """Rules name the same options in many findings: formatted once each."""
    return ".".join(p if _BARE_NAME.fullmatch(p) else f'"{p}"' for p in path)


@dataclass
class ListItem:
    """One element of an effective list, with the definition it came from."""

    value: Any
    raw: v.Value
    definition: Definition

    @property
    def span(self) -> Span | None:
        return self.raw.span or self.definition.span


@dataclass
class Resolution:
    option: OptionPath
    defined: bool
    value: Any = None                       # plain Python; v.UnknownValue where unknowable
    raw: v.Value | None = None              # the winning leaf value (None for merged sets and lists)
    winner: Definition | None = None
    winners: list[Definition] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    items: list[ListItem] | None = None     # for list values
    uncertain: str | None = None            # why the value may differ from `value`, if it may
    conflict: bool = False                  # same priority, different values, no merge
    error: str | None = None                # what NixOS refuses it with, where the option's type proves it
    error_inside: bool = False              # refused inside its value (a member), not in forming it
    refusal: Any = None                     # the ModuleError (kind, loc, the definitions that show it)
    declared: bool = False                  # the option is declared in the linted tree (its type decides)
    states: dict[int, str] = field(default_factory=dict)   # id(definition) -> active | inactive | conditional

    def state(self, definition: Definition) -> str:
        """Whether a definition counts here: its mkIf conditions as this configuration decides them."""
        return self.states.get(id(definition), "inactive" if not definition.active else
                               "conditional" if definition.conditional else "active")

    def is_active(self, definition: Definition) -> bool:
        return self.state(definition) != "inactive"

    def is_conditional(self, definition: Definition) -> bool:
        return self.state(definition) == "conditional"

    @property
    def priority(self) -> int | None:
        return self.winner.priority if self.winner else None

    @property
    def known(self) -> bool:
        from ..nix.operators import is_fully_known

        return self.defined and self.uncertain is None and is_fully_known(self.value)

    @property
    def span(self) -> Span | None:
        return self.winner.span if self.winner else None

    def lost_because(self, definition: Definition) -> str | None:
        """Why `definition` did not decide the value (None if it did or contributed)."""
        if not self.is_active(definition):
            return "its lib.mkIf condition is false"
        if self.winner is None:
            return None
        if definition.priority > self.winner.priority:
            return (f"priority {definition.priority} ({definition.priority_label}) loses to "
                    f"{self.winner.priority} ({self.winner.priority_label})")
        if self.is_conditional(definition):
            return "it is under a lib.mkIf whose condition cannot be known"
        return None


class EffectiveConfig:
    """All definitions reachable from one root, evaluated for one system."""

    def __init__(self, root: str, system: str | None, modules: list, fallback_anchor: Span | None = None,
                 interp=None, load_module=None):
        self.root = root
        self.whole = True                        # a system's (or a root's), not a fragment's evaluation
        self.guessed = False                     # a module-graph root's, standing in for a system
        self.interp = interp                     # calls `apply` functions of declared options
        self._load_module = load_module          # loads a submodule's modules (see merge.Merger)
        self._declarations: dict[OptionPath, tuple] | None = None
        self._merger = None
        self.fallback_anchor = fallback_anchor   # where a missing option is reported when nothing is closer
        self.system = system
        self.modules = modules            # in NixOS module order (builtins.genericClosure)
        # What the modules write, asked for option by option: a module's values are
        # evaluated only where some option asks for them (see definitions.ModuleDefinitions).
        self._by_option: dict[OptionPath, list[Definition]] = {}
        self._all: list[Definition] | None = None      # every definition, once asked for
        self._cache: dict[OptionPath, Resolution] = {}
        self._resolving: set[OptionPath] = set()     # options being resolved (config.* cycles)
        self._states: dict[int, str] = {}
        self._module_order: dict[str, int] | None = None
        self._module_rank: dict[str, int] | None = None   # module key -> position in collection order
        self._under: dict[OptionPath, list[OptionPath]] = {}
        self._by_top: dict[str, list] | None = None   # top-level name -> the modules writing under it
        self._anywhere: list = []                      # modules whose whole config cannot be known
        self._shadows: dict[OptionPath, Definition | None] = {}   # prefix -> an unknown value at or above it
        self._first_written: dict[OptionPath, Span | None] = {}   # prefix -> the anchor under it (see anchor)
        self._aliases: list[tuple] | None = None   # (old, new) option paths its modules rename (OptionAliases)

    # -- what the modules write ---------------------------------------------------------------

    @property
    def definitions(self) -> list[Definition]:
        """Every definition of every module, in module order (evaluates them all)."""
        if self._all is None:
            self._all = [d for m in self.modules for d in m.defs.definitions]
        return self._all

    @property
    def presences(self) -> list[Presence]:
        return [p for m in self.modules for p in m.defs.presences]

    def definitions_in(self, prefixes: Iterable[OptionPath]) -> list[Definition]:
        """The definitions at or under any of `prefixes`, in module order (evaluating only those)."""
        found: list[Definition] = []
        for module in self.modules:
            written = {id(d): d for prefix in prefixes for d in module.defs.within(prefix)}
            found.extend(sorted(written.values(), key=lambda d: d.rank))
        return found

    def evaluate_everything(self) -> None:
        """Evaluate every value of every module (what `written_at` then sees is all)."""
        self.definitions

    def _at(self, path: OptionPath) -> list[Definition]:
        """The definitions of exactly `path`, in module order."""
        found = self._by_option.get(path)
        if found is None:
            found = self._by_option[path] = [d for m in self._writing(path) for d in m.defs.at(path)]
        return found

    def _writing(self, path: OptionPath) -> list:
        """The modules whose config writes at `path[0]` (or whose config as a whole cannot
        be known), in module order: most options are asked of a few modules only."""
        if not path:
            return self.modules
        if self._by_top is None:
            self._by_top = {}
            for module in self.modules:
                names = module.defs.top_names()
                if "*" in names:
                    self._anywhere.append(module)
                for name in names:
                    self._by_top.setdefault(name, []).append(module)
            if self._anywhere:   # each name's list, in module order, with those merged in
                rank = {id(m): i for i, m in enumerate(self.modules)}
                for name, modules in self._by_top.items():
                    merged = {id(m): m for m in modules + self._anywhere}.values()
                    self._by_top[name] = sorted(merged, key=lambda m: rank[id(m)])
        return self._by_top.get(path[0], self._anywhere)

    def _options_under(self, path: OptionPath) -> list[OptionPath]:
        """The defined options strictly below `path`, in definition order."""
        found = self._under.get(path)
        if found is None:
            options = (d.option for m in self._writing(path) for d in m.defs.under(path))
            found = self._under[path] = list(dict.fromkeys(options))
        return found

    # -- queries ---------------------------------------------------------------------------

    def resolve(self, option: str | Iterable[str]) -> Resolution:
        path = parse_option(option)
        if path not in self._cache:
            if path in self._resolving:  # `config.x` read while x itself is being decided
                return Resolution(path, True, v.UnknownValue(f"config.{format_option(path)}"),
                                  uncertain="its value depends on itself")
            self._resolving.add(path)
            try:
                self._cache[path] = self._through_old_names(path, self._resolve_any(path))
            finally:
                self._resolving.discard(path)
        return self._cache[path]

    def _through_old_names(self, path: OptionPath, resolution: Resolution) -> Resolution:
        """An option renamed with lib.mkRenamedOptionModule (or aliased) also gets what is
        defined at its old name: where something is, the value cannot be known here."""
        if self._aliases is None:
            self._aliases = [pair for module in self.modules for pair in getattr(module, "aliases", ())]
        for old, new in self._aliases:
            if path[:len(new)] != new or not self.definitions_in([old + path[len(new):]]):
                continue
            why = f"{format_option(old)} is defined too, an old name NixOS gives to {format_option(new)}"
            if not resolution.defined:
                return Resolution(path, True, v.UnknownValue(format_option(old)), uncertain=why)
            resolution.uncertain = why
            return resolution
        return resolution

    # -- declared options ---------------------------------------------------------------------------

    @property
    def declarations(self) -> dict[OptionPath, tuple]:
        """Options the linted modules declare: path -> (OptionDecl, declaring module key)."""
        if self._declarations is None:
            from .merge import collect_declarations

            self._declarations = {}
            for module in self.modules:
                if getattr(module, "options", None) is not None:
                    collect_declarations(module.options, (), module.key, self._declarations)
        return self._declarations

    def declared_option(self, path: OptionPath) -> OptionPath | None:
        """The declared option `path` is or lies inside (`services.x.settings.a` inside an
        attribute-set option `services.x.settings`), else None."""
        declarations = self.declarations
        if not declarations:
            return None
        for length in range(len(path), 0, -1):
            if path[:length] in declarations:
                return path[:length]
        return None

    def _resolve_any(self, path: OptionPath) -> Resolution:
        declared = self.declared_option(path)
        if declared is None:
            resolution = self._resolve(path)
            return self._derived(path) or resolution if not resolution.defined and path in NIXOS_DERIVED \
                else resolution
        if declared != path:
            return self._inside(path, declared)
        return self._resolve_declared(path)

    def _derived(self, path: OptionPath) -> Resolution | None:
        """What NixOS's own module defines `path` as (NIXOS_DERIVED), where the option it is
        made of has a known value: that value, at a plain priority, told by where it was set."""
        source_path, module = NIXOS_DERIVED[path]
        source = self.resolve(source_path)
        if not source.known or source.winner is None or not isinstance(source.value, (bool, int, str)):
            return None
        written = source.raw if source.raw is not None else v.Const(source.value, source.span)
        # (the definition as written: of the other option, where it is set)
        definition = Definition(source_path, written, module,
                                priority_label=f"{module}, from {format_option(source_path)}",
                                key_span=source.winner.key_span, binding_span=source.winner.binding_span)
        return Resolution(path, True, source.value, written, definition, [definition], [definition])

    def _resolve_declared(self, path: OptionPath) -> Resolution:
        """mergeDefinitions with the option's type: exactly what NixOS computes."""
        from .merge import ModuleError, option_definitions

        decl, declared_in = self.declarations[path]
        defs = [d for m in reversed(self.modules) if getattr(m, "config", None) is not None and m.may_define(path)
                for d in option_definitions(m.config, path, m.key)]
        base = self._resolve(path)      # the written definitions, for provenance
        resolution = Resolution(path, True, winner=base.winner, winners=base.winners, definitions=base.definitions,
                                states=base.states, declared=True)
        try:
            resolution.value = self.merger.option_value(path, decl, defs, declared_in)
        except ModuleError as error:
            resolution.error = str(error)
            resolution.error_inside = error.deep
            resolution.refusal = error
            resolution.defined = error.kind != "undefined"
            resolution.conflict = error.kind in ("conflict", "unique", "null")
            resolution.value = v.UnknownValue(str(error)) if resolution.defined else None
            return resolution
        from ..nix.operators import is_fully_known

        if not is_fully_known(resolution.value):
            resolution.uncertain = "a part of it cannot be known statically"
        if base.items is not None and [item.value for item in base.items] == resolution.value:
            resolution.items = base.items
        return resolution

    def _inside(self, path: OptionPath, declared: OptionPath) -> Resolution:
        """A path inside a declared option's value (an attribute of an `attrsOf`, a
        sub-option of a submodule)."""
        outer = self.resolve(declared)
        resolution = Resolution(path, False, definitions=outer.definitions, states=outer.states, declared=True)
        if outer.error is not None or not outer.defined:
            resolution.error, resolution.defined = outer.error, outer.defined and outer.error is not None
            return resolution
        value = outer.value
        for name in path[len(declared):]:
            if isinstance(value, dict) and name in value:
                value = value[name]
            elif isinstance(value, v.UnknownValue):
                break
            else:
                return resolution
        resolution.defined, resolution.value = True, value
        resolution.winner, resolution.winners = outer.winner, outer.winners
        resolution.uncertain = outer.uncertain
        return resolution

    @property
    def merger(self):
        if self._merger is None:
            from .merge import Merger

            # Through a weak reference: a merger holding the configuration's own methods
            # would make every configuration a cycle, freed only by the cyclic collector.
            this = weakref.ref(self)
            self._merger = Merger(lambda condition: this()._decide(condition),
                                  lambda value: this()._config_reference_value(value),
                                  lambda function, value, span: this()._apply(function, value, span),
                                  self._load_module)
        return self._merger

    def _decide(self, condition: v.Value) -> bool | None:
        known = v.truth(condition)
        if known is not None:
            return known
        self._refused(condition)
        return self._config_bool(condition)

    def _config_reference_value(self, value: v.Value) -> Any:
        self._refused(value)
        return self._config_reference(value)

    def _refused(self, value: v.Value) -> None:
        """A `config.OPTION` read of an option NixOS refuses fails with it (as Nix's throw);
        one whose value cannot be known may fail: what reads it cannot be known either."""
        from .merge import MayFail, ModuleError

        if isinstance(value, v.Symbolic) and value.path[:1] == ("config",) and len(value.path) > 1:
            path = value.path[1:]
            if self.declared_option(path) is not None:
                resolution = self.resolve(path)
                if resolution.error is not None:
                    if resolution.error_inside:   # Nix reads it lazily: whether that member is read, not modelled
                        raise MayFail(f"config.{'.'.join(path)} is refused inside its value")
                    raise ModuleError("reference", resolution.error)
                if not resolution.defined:
                    raise ModuleError("undefined", f"The option `{'.'.join(path)}' was accessed but has no value defined")
                if not resolution.known:
                    raise MayFail(f"config.{'.'.join(path)} cannot be known")

    def _apply(self, function: v.Lazy, value: Any, span: Span | None) -> Any:
        """An option's `apply` on its merged value, where the interpreter can compute it."""
        from .merge import _from_python

        if self.interp is None:
            return v.UnknownValue("apply")
        result = self.interp.apply(v.force(function), _from_python(value, v.Const(None, span)), span)
        return v.to_python(result)

    def state(self, definition: Definition) -> str:
        """"active", "inactive" or "conditional": a definition's `lib.mkIf` conditions as this
        configuration decides them.  Conditions that read `config.OPTION` directly are
        answered from this configuration's own effective values (the module fixpoint)."""
        if not definition.active:
            return "inactive"
        if not definition.conditions:
            return "active"
        key = id(definition)
        if key not in self._states:
            self._states[key] = "conditional"  # while deciding: a cycle stays undecided
            result = "active"
            for condition in definition.conditions:
                known = self._config_bool(condition)
                if known is False:
                    result = "inactive"
                    break
                if known is None:
                    result = "conditional"
            self._states[key] = result
        return self._states[key]

    def _python(self, value: v.Value) -> Any:
        """A leaf value as plain Python; a direct `config.OPTION` reference is followed."""
        referenced = self._config_reference(value)
        return referenced if referenced is not NOT_KNOWN else v.to_python(value)

    def _config_bool(self, condition: v.Value) -> bool | None:
        """The value of a `config.OPTION` condition, when this configuration knows it."""
        referenced = self._config_reference(condition)
        return referenced if isinstance(referenced, bool) else None

    def _config_reference(self, value: v.Value) -> Any:
        """The known effective value a direct `config.OPTION` reference stands for (null
        included), else NOT_KNOWN."""
        if isinstance(value, v.Symbolic) and value.path[:1] == ("config",) and len(value.path) > 1:
            resolution = self.resolve(value.path[1:])
            if resolution.defined and resolution.known:
                return resolution.value
        return NOT_KNOWN

    def forced_options(self) -> list[OptionPath]:
        """The options defined more than once where a definition has a priority above a
        plain one, in module order (see Module.forced_definitions)."""
        forced = dict.fromkeys(d.option for m in self.modules for d in m.forced_definitions())
        return [option for option in forced if len(self._at(option)) > 1]

    def value(self, option: str | Iterable[str], default: Any = None) -> Any:
        resolution = self.resolve(option)
        return resolution.value if resolution.defined else default

    def definitions_within(self, option: str | Iterable[str]) -> int:
        """How many written definitions can reach `option`: at it, under it, or at a prefix
        of it.  Rules that judge definitions skip the options none reach (a declared
        option with only its default), without merging them."""
        path = parse_option(option)
        count = len(self._at(path))
        count += sum(len(self._at(under)) for under in self._options_under(path))
        return count + sum(len(self._at(path[:length])) for length in range(len(path)))

    def overlaps(self, read: OptionPath) -> bool:
        """Whether some module defines `read`, something under it or a prefix of it other
        than the whole config (`*` in `read` stands for any name): whether a fragment can
        give a rule that reads `read` anything to judge."""
        if "*" not in read:
            return any(m.defs.may_define(read, root=False) for m in self._writing(read))
        star = read.index("*")
        names = dict.fromkeys(n for m in self.modules for n in m.defs.children_of(read[:star]))
        return any(self._at(read[:length]) for length in range(1, star + 1)) or \
            any(self.overlaps(read[:star] + (name,) + read[star + 1:]) for name in names)

    def children(self, prefix: str | Iterable[str]) -> list[str]:
        """Names of the attributes defined directly under `prefix`, in first-seen order."""
        path = parse_option(prefix)
        depth = len(path)
        seen: dict[str, None] = {}
        for option in self._options_under(path):
            seen.setdefault(option[depth], None)
        return list(seen)

    def written_at(self, key_span: Span) -> list:
        """The definitions, then the attribute sets, written with this attribute path, among
        the values evaluated so far: a fix's anchor and an editor's cursor name a binding
        whose option was asked for (the language server evaluates everything first)."""
        key = (id(key_span.source), key_span.start, key_span.end)
        found = [w for m in self.modules for w in m.defs.written_at(key)]
        return [w for w in found if isinstance(w, Definition)] + [w for w in found if not isinstance(w, Definition)]

    def is_defined(self, option: str | Iterable[str]) -> bool:
        return self.resolve(option).defined

    def anchor(self, option: str | Iterable[str], siblings: Iterable[str | Iterable[str]] = ()) -> Span | None:
        """Where a missing `option` belongs: the attribute set written for its parent,
        else the first written of `siblings` (options that belong next to it), else the
        first binding under its nearest defined prefix, else where the system is declared (a root file's start)."""
        path = parse_option(option)
        parent = path[:-1]
        explicit = next((p for m in self._writing(parent) for p in m.defs.presences_at(parent) if p.explicit), None)
        if explicit is not None:
            return explicit.key_span
        candidates = []
        for sibling in siblings:
            resolution = self.resolve(sibling)
            for definition in resolution.definitions:
                if definition.key_span is not None:
                    candidates.append(definition.key_span)
        if candidates:
            return min(candidates, key=self._source_rank)
        for length in range(len(parent), 0, -1):
            span = self._first_written_within(path[:length])
            if span is not None:
                return span
        if self.fallback_anchor is not None:
            return self.fallback_anchor
        root_module = self.modules[0] if self.modules else None
        if root_module is not None and root_module.parsed is not None:
            return Span(root_module.parsed.source, 0, 0)
        return None

    def _first_written_within(self, prefix: OptionPath) -> Span | None:
        """The first written attribute path of a definition at or under `prefix`: file by
        file in module order, evaluating no further than the first file that has one (a
        prefix such as `systemd.services` holds much that no rule reads)."""
        if prefix in self._first_written:
            return self._first_written[prefix]
        order = self._file_order()
        files: dict[int, list] = {}
        for module in self._writing(prefix):
            files.setdefault(order[module.path], []).append(module)
        found = None
        for rank in sorted(files):
            spans = [d.key_span for m in files[rank] for d in m.defs.within(prefix) if d.key_span is not None]
            if spans:
                found = min(spans, key=self._source_rank)
                break
        self._first_written[prefix] = found
        return found

    def _file_order(self) -> dict[str, int]:
        if self._module_order is None:  # built once: anchor() ranks many spans per call
            self._module_order = {m.path: i for i, m in enumerate(self.modules)}
        return self._module_order

    def _source_rank(self, span: Span) -> tuple[int, int]:
        order = self._file_order()
        return order.get(span.path, len(order)), span.start

    # -- merging ---------------------------------------------------------------------------

    def _resolve(self, path: OptionPath) -> Resolution:
        exact = self._at(path)
        shadow = self._unknown_prefix_definition(path)
        if not exact:
            deeper = [d for o in self._options_under(path) for d in self._at(o)]
            if deeper:
                return self._resolve_set(path, deeper, shadow)
            if shadow is not None:
                return Resolution(path, True, v.UnknownValue(_text(shadow.value), shadow.span), shadow.value,
                                  shadow, [shadow], [shadow], uncertain=_shadowed(shadow))
            return Resolution(path, False)
        states = {id(d): self.state(d) for d in exact}
        active = [d for d in exact if states[id(d)] == "active"]
        conditional = [d for d in exact if states[id(d)] == "conditional"]
        if not active and not conditional:
            return Resolution(path, False, definitions=list(exact), states=states)
        pool = active or conditional
        best = min(d.priority for d in pool)
        winners = [d for d in pool if d.priority == best]
        resolution = Resolution(path, True, winner=winners[0], winners=winners, definitions=list(exact),
                                states=states)
        if not active:
            resolution.uncertain = "it is only defined under a lib.mkIf whose condition cannot be known"
        elif any(d.priority <= best for d in conditional):
            resolution.uncertain = "a definition under a lib.mkIf whose condition cannot be known may change it"
        if shadow is not None:
            resolution.uncertain = _shadowed(shadow)
        self._merge_values(resolution, winners)
        return resolution

    def _merge_values(self, resolution: Resolution, winners: list[Definition]) -> None:
        ordered = self._merge_order(winners)
        if any(isinstance(d.value, v.ListV) for d in winners):
            if not all(isinstance(d.value, v.ListV) for d in winners):
                odd = next(d for d in winners if not isinstance(d.value, v.ListV))
                resolution.value = v.UnknownValue(_text(odd.value), odd.span)
                resolution.raw = odd.value
                resolution.winner = odd
                return
            items = [ListItem(v.to_python(item), v.force(item), d) for d in ordered for item in d.value.items]
            resolution.items = items
            resolution.value = [item.value for item in items]
            return
        first = winners[0]
        resolution.raw = first.value
        resolution.value = self._python(first.value)
        if len(winners) == 1:
            return
        values = [self._python(d.value) for d in winners]
        if all(_same(values[0], other) for other in values[1:]):
            return
        if resolution.option and resolution.option[-1] in CONCATENATED_OPTION_NAMES and all(isinstance(d.value, v.Str) for d in ordered):
            parts: list = []
            for index, d in enumerate(ordered):
                if index:
                    parts.append("\n")
                parts.extend(d.value.parts)
            merged = v.Str(tuple(parts), first.value.span)
            resolution.value = v.to_python(merged)
            return
        # Different values at the winning priority, for an option whose type the tree does not
        # declare: NixOS refuses them, or merges them (`types.lines`, a bool merged by `or`,
        # `attrs`), as its declaration says -- which value it is cannot be known.
        resolution.conflict = True
        resolution.value = v.UnknownValue(" / ".join(d.value.span.text if d.value.span else "?" for d in ordered),
                                          first.span)
        resolution.uncertain = ("definitions at the same priority differ; NixOS merges or refuses them as the "
                                "option's type says, which the linted tree does not declare")

    def _merge_order(self, definitions: list[Definition]) -> list[Definition]:
        """The order NixOS merges definitions in: `evalModules` merges the modules in the
        reverse of their collection order (`reverseList`), each module's own definitions
        in the order written; then `sortProperties` sorts by `mkOrder`, stably."""
        if self._module_rank is None:
            self._module_rank = {m.key: i for i, m in enumerate(self.modules)}
        rank = self._module_rank
        merged = sorted(definitions, key=lambda d: -rank.get(d.module, 0))
        return sorted(merged, key=lambda d: d.order)

    def _resolve_set(self, path: OptionPath, deeper: list[Definition], shadow: Definition | None) -> Resolution:
        result: dict = {}
        uncertain = None
        for option in dict.fromkeys(d.option for d in deeper):
            sub = self.resolve(option)
            if not sub.defined:
                continue
            uncertain = uncertain or sub.uncertain
            node = result
            for name in option[len(path):-1]:
                node = node.setdefault(name, {})
                if not isinstance(node, dict):
                    break
            else:
                node[option[-1]] = sub.value
        resolution = Resolution(path, bool(result) or shadow is not None, result, definitions=deeper,
                                uncertain=uncertain)
        active = [d for d in deeper if self.state(d) != "inactive"]
        if active:
            resolution.winner = active[0]
            resolution.winners = active
        if shadow is not None:
            resolution.uncertain = _shadowed(shadow)
        return resolution

    def _unknown_prefix_definition(self, path: OptionPath) -> Definition | None:
        """A definition of a prefix of `path` whose value cannot be known (it may define
        `path`), the longest such prefix first.  Kept per prefix: the options rules ask
        share most of theirs (`boot.loader.grub.…`)."""
        if not path:
            return None
        parent = path[:-1]
        if parent not in self._shadows:
            found = next((d for d in self._at(parent) if self.state(d) != "inactive"
                          and isinstance(d.value, (v.Unknown, v.Symbolic))), None)
            self._shadows[parent] = found or self._unknown_prefix_definition(parent)
        return self._shadows[parent]


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _text(value: v.Value) -> str:
    if isinstance(value, v.Unknown):
        return value.text
    return value.span.text if value.span is not None else "<unknown>"


def _shadowed(shadow: Definition) -> str:
    """Why a value may differ: a definition above it (or a whole module's configuration,
    `config = if … then { … } else { … };`) that cannot be known."""
    what = format_option(shadow.option) if shadow.option else "the configuration of a module"
    where = f" ({shadow.span.place})" if shadow.span is not None else ""
    return f"{what}{where} cannot be known"
