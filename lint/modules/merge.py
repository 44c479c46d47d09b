"""Merging the definitions of a declared option, as nixpkgs' lib/modules.nix does.

`option_definitions` takes each module's `config` down to one option's path the way
`pushDownProperties` does: `mkMerge` splits, `mkIf` and `mkOverride` written above the
option wrap the value found there (`mkForce { a = 1; }` is `{ a = mkForce 1; }`).
`Merger.merge` is `mergeDefinitions`: `dischargeProperties` (mkMerge, mkIf), then
`filterOverrides` (the lowest priority number wins; one override layer is taken off),
then `sortProperties` (mkOrder, stably), then the type's check and merge -- list items,
attribute values and sub-options each merged the same way, recursively.

Values come out as plain Python.  What NixOS refuses is a `ModuleError`; what cannot
be known (a condition, a value) is an `UnknownValue` wherever it could change the
result, never a guess.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

from ..nix import values as v
from ..nix.nixlib import PLAIN_PRIORITY
from ..nix.source import Span
from .types import MISSING, SUBMODULE_EMPTY, ModuleError, OptionDecl, OptionType, Submodule, TypeV

NOT_KNOWN = v.NO_VALUE   # what a `config.OPTION` reference stands for when it cannot be known
DEFAULT_ORDER = 1000
_PROPERTIES = (v.If, v.Merge, v.Override, v.Order)
OPTION_DEFAULT_PRIORITY = 1500


@dataclass(frozen=True)
class Def:
    """One definition of one option: its value (properties still on it), and where."""

    value: v.Lazy
    module: str
    span: Span | None = None

    def with_value(self, value: v.Lazy, attr: v.Attr | None = None) -> "Def":
        span = attr.binding_span if attr is not None and attr.binding_span is not None else self.span
        return replace(self, value=value, span=span)


class MayFail(Exception):
    """A definition reads an option whose value cannot be known: in Nix, that read might
    fail, and Nix reads every definition -- the option's value cannot be known."""


class _Undefined:
    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()


def option_definitions(config: v.Lazy, path: tuple[str, ...], module: str) -> list[Def]:
    """The definitions one module's config gives the option at `path` (possibly none)."""
    found: list[Def] = []
    _push_down(config, path, (), module, found, None)
    return found


def _push_down(item: v.Lazy, rest: tuple[str, ...], wrappers: tuple, module: str, found: list[Def],
               span: Span | None) -> None:
    value = v.force(item)
    if not rest:
        found.append(Def(_wrap(value, wrappers), module, span or value.span))
        return
    if isinstance(value, v.Merge):
        for content in value.contents:
            _push_down(content, rest, wrappers, module, found, span)
    elif isinstance(value, v.If):
        if v.truth(value.condition) is not False:
            _push_down(value.content, rest, wrappers + (value,), module, found, span)
    elif isinstance(value, v.Override):
        _push_down(value.content, rest, wrappers + (value,), module, found, span)
    elif isinstance(value, v.AttrsV):
        attr = value.attrs.get(rest[0])
        if attr is not None:
            _push_down(attr.value, rest[1:], wrappers, module, found, attr.binding_span or span)
    elif isinstance(value, (v.Unknown, v.Symbolic)):
        # A value that cannot be known where a set was expected: it may define the option.
        found.append(Def(_wrap(v.Unknown(value.span, "a set that cannot be known"), wrappers), module,
                         span or value.span))


def _wrap(value: v.Value, wrappers: tuple) -> v.Value:
    """The value with the properties pushed down onto it, the outermost outside."""
    for wrapper in reversed(wrappers):
        if isinstance(wrapper, v.If):
            value = v.If(wrapper.condition, value, wrapper.span)
        else:
            value = v.Override(wrapper.priority, value, wrapper.label, wrapper.span)
    return value


class Merger:
    """`mergeDefinitions`, with this configuration's answers to `config.OPTION`
    references (`decide` for conditions, `plain` for values)."""

    UNDEFINED = UNDEFINED

    def __init__(self, decide: Callable[[v.Value], bool | None], reference: Callable[[v.Value], Any],
                 apply: Callable[[v.Lazy, Any, Span | None], Any], load_module: Callable):
        self.decide = decide
        self.reference = reference
        self.apply = apply
        self.load_module = load_module
        self._depth = 0

    # -- the pipeline -----------------------------------------------------------------------------

    def merge(self, loc: tuple[str, ...], type_: OptionType, defs: list[Def]) -> Any:
        """The merged value, or UNDEFINED when no definition is left."""
        self._depth += 1
        try:
            return self._merge(loc, type_, defs)
        except MayFail as reason:
            return v.UnknownValue(str(reason))
        except ModuleError as error:
            error.deep = error.deep or self._depth > 1   # inside a list item, an attribute, a sub-option
            raise
        finally:
            self._depth -= 1

    def _merge(self, loc: tuple[str, ...], type_: OptionType, defs: list[Def]) -> Any:
        discharged: list[tuple[Def, bool]] = []      # (definition, known to be active)
        for d in defs:
            discharged.extend(self._discharge(d, d.value, True))
        if any(isinstance(v.force(d.value), v.Unknown) for d, _ in discharged):
            unknown = next(d for d, _ in discharged if isinstance(v.force(d.value), v.Unknown))
            return v.UnknownValue(_text(unknown.value), unknown.span)
        known = [d for d, certain in discharged if certain]
        if known:
            best = min(_priority(d.value) for d in known)
        else:
            best = None
        uncertain = [d for d, certain in discharged if not certain and (best is None or _priority(d.value) <= best)]
        if uncertain:
            return v.UnknownValue(f"a definition under a lib.mkIf whose condition cannot be known "
                                  f"({_where(uncertain[0])})", uncertain[0].span)
        if not known:
            return UNDEFINED
        winners = [d.with_value(_strip_override(d.value)) for d in known if _priority(d.value) == best]
        if any(isinstance(v.force(d.value), v.Order) for d in winners):
            ordered = [(_order_of(d.value), d.with_value(_strip_order(d.value))) for d in winners]
            winners = [d for _, d in sorted(ordered, key=lambda pair: pair[0])]   # stable, as builtins.sort
        finals = [_Final(d, self) for d in winners]
        for final in finals:
            if isinstance(final.value, _PROPERTIES) and not type_.submodule:
                # A property left inside another (`mkForce (mkIf c x)`) is, to the type, the plain
                # attribute set it is made of (`{ _type = "if"; condition; content; }`); a
                # submodule reads it as a module whose config it is.
                final.value = _property_set(final.value)
            if type_.check(final.value) is False:
                raise ModuleError("type", f"A definition for option `{'.'.join(loc)}' is not of type "
                                          f"`{type_.describe()}'", loc, (final.definition,))
        unknowable = next((f for f in finals if isinstance(f.value, (v.Unknown, v.Symbolic))), None)
        if unknowable is not None:
            return v.UnknownValue(_text(unknowable.value), unknowable.definition.span)
        return type_.merge(self, loc, finals)

    def _discharge(self, d: Def, value: v.Lazy, certain: bool) -> list[tuple[Def, bool]]:
        """`dischargeProperties`: mkMerge splits, mkIf on a known condition keeps or drops.
        A `config.X` definition is X's value here (a property again, if X's is one)."""
        forced = v.force(value)
        try:
            referenced = self.reference(forced)
        except ModuleError:
            if certain:
                raise
            return [(d.with_value(v.Unknown(forced.span, "a definition that may fail")), False)]
        if referenced is not NOT_KNOWN:
            forced = _from_python(referenced, forced)
        if isinstance(forced, v.Merge):
            return [x for content in forced.contents for x in self._discharge(d, content, certain)]
        if isinstance(forced, v.If):
            try:
                known = self.decide(forced.condition)
            except ModuleError:
                if certain:
                    raise
                return [(d.with_value(v.Unknown(forced.span, "a condition under another that cannot be known")),
                         False)]
            if known is False:
                return []
            return self._discharge(d, forced.content, certain and known is True)
        return [(d.with_value(forced), certain)]

    def option_value(self, loc: tuple[str, ...], decl: OptionDecl, defs: list[Def], declared_in: str) -> Any:
        """`evalOptionValue`: the default as a mkOptionDefault definition, the merge, apply."""
        type_ = decl.type
        if decl.has_default:
            defs = [Def(v.Override(OPTION_DEFAULT_PRIORITY, decl.attrs["default"], "default", None), declared_in)] + defs
        merged = self.merge(loc, type_, defs)
        if merged is UNDEFINED:
            merged = self.empty(loc, type_)
        if "apply" in decl.attrs and not isinstance(merged, v.UnknownValue):
            merged = self.apply(decl.attrs["apply"], merged, decl.span)
        return merged

    def empty(self, loc: tuple[str, ...], type_: OptionType) -> Any:
        if type_.empty is SUBMODULE_EMPTY:
            return self.submodule(loc, type_, [])
        if type_.empty is MISSING:
            raise ModuleError("undefined", f"The option `{'.'.join(loc)}' was accessed but has no value defined", loc)
        return _copy(type_.empty)

    # -- what types call back --------------------------------------------------------------------------

    def plain(self, value: v.Lazy) -> Any:
        """A definition's value as plain Python: `config.OPTION` references followed, and a
        property kept inside it the attribute set it is in Nix."""
        return v.to_python(value, follow=self.reference, properties=True)

    def submodule(self, loc: tuple[str, ...], type_: Submodule, defs: list) -> Any:
        """A nested evaluation: the type's modules declare the options, each definition is
        a module of it; merged in the reverse of their order, as `evalModules` does."""
        modules = [self.load_module(m, loc) for m in type_.modules]
        # `types.submodule` reads a definition that is a set (a property included) as the
        # config of a module (`shorthandOnlyDefinesConfig`); a function or path is a module.
        modules += [self.load_module(d.value, loc, d.definition.module, type_.shorthand_config) for d in defs]
        if any(m is None for m in modules):
            return v.UnknownValue("a submodule that cannot be known")
        declarations: dict[tuple[str, ...], tuple[OptionDecl, str]] = {}
        for module in modules:
            if module.options is None:
                continue
            if not collect_declarations(module.options, (), module.key, declarations):
                return v.UnknownValue("submodule options that cannot be known")
        merged_order = list(reversed(modules))
        defined = set()
        for module in modules:
            defined |= defined_paths(module.config)
        for path in defined:
            if not any(path[:len(p)] == p for p in declarations):
                if None in path:
                    return v.UnknownValue("a submodule definition that cannot be known")
                raise ModuleError("undeclared", f"The option `{'.'.join(loc + path)}' does not exist", loc + path)
        result: dict = {}
        for path, (decl, declared_in) in declarations.items():
            option_defs = [d for m in merged_order for d in option_definitions(m.config, path, m.key)]
            value = self.option_value(loc + path, decl, option_defs, declared_in)
            node = result
            for name in path[:-1]:
                node = node.setdefault(name, {})
            node[path[-1]] = value
        return result


class _Final:
    """A definition that survived the pipeline, as a type's merge sees it."""

    __slots__ = ("definition", "value", "merger")

    def __init__(self, definition: Def, merger: Merger):
        self.definition = definition
        referenced = merger.reference(v.force(definition.value))
        self.value = (_from_python(referenced, definition.value) if referenced is not NOT_KNOWN
                      else v.force(definition.value))
        self.merger = merger

    def with_value(self, value: v.Lazy, attr: v.Attr | None = None) -> Def:
        return self.definition.with_value(value, attr)


def collect_declarations(options: v.Lazy, prefix: tuple[str, ...], module: str,
                         into: dict[tuple[str, ...], tuple[OptionDecl, str]]) -> bool:
    """Every `mkOption` in a module's `options`, by path; False where a part cannot be known."""
    value = v.force(options)
    if isinstance(value, OptionDecl):
        into.setdefault(prefix, (value, module))
        return True
    if isinstance(value, v.AttrsV):
        return all(collect_declarations(attr.value, prefix + (name,), module, into)
                   for name, attr in value.attrs.items())
    return False


def defined_paths(config: v.Lazy, prefix: tuple = ()) -> set[tuple]:
    """The paths a submodule definition writes down to its values (a None component where
    a part cannot be known): to find definitions of options nobody declared."""
    value = v.force(config)
    if isinstance(value, v.Merge):
        return set().union(*(defined_paths(c, prefix) for c in value.contents)) if value.contents else set()
    if isinstance(value, (v.If, v.Override, v.Order)):
        return defined_paths(value.content, prefix)
    if isinstance(value, v.AttrsV) and value.attrs:
        paths: set[tuple] = set()
        for name, attr in value.attrs.items():
            paths |= defined_paths(attr.value, prefix + (name,))
        return paths
    if isinstance(value, (v.Unknown, v.Symbolic)) and not prefix:
        return {(None,)}
    return {prefix} if prefix else set()


# -- properties --------------------------------------------------------------------------------------

def _property_set(value: v.Value) -> v.AttrsV:
    """A property as the attribute set lib/modules.nix makes it."""
    return v.AttrsV({name: v.Attr(item, None, None) for name, item in v.property_attrs(value).items()}, value.span)


def _priority(value: v.Lazy) -> int:
    forced = v.force(value)
    return forced.priority if isinstance(forced, v.Override) else PLAIN_PRIORITY


def _strip_override(value: v.Lazy) -> v.Lazy:
    forced = v.force(value)
    return forced.content if isinstance(forced, v.Override) else forced


def _strip_order(value: v.Lazy) -> v.Lazy:
    forced = v.force(value)
    return forced.content if isinstance(forced, v.Order) else forced


def _order_of(value: v.Lazy) -> int:
    forced = v.force(value)
    return forced.priority if isinstance(forced, v.Order) else DEFAULT_ORDER


def _text(value: v.Lazy) -> str:
    forced = v.force(value)
    if isinstance(forced, v.Unknown):
        return forced.text
    return forced.span.text if forced.span is not None else "<unknown>"


def _where(d: Def) -> str:
    return f"{d.span.path}:{d.span.line}" if d.span is not None else d.module


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else value


def _from_python(value: Any, like: v.Lazy) -> v.Value:
    """A referenced value (`config.x`) back as a value, for a type's merge to read (a set
    that is a property in Nix's terms, `{ _type = "override"; … }`, is one again)."""
    span = v.force(like).span
    if isinstance(value, dict) and value.get("_type") in ("if", "override", "merge", "order"):
        kind = value["_type"]
        if kind == "if" and set(value) == {"_type", "condition", "content"}:
            return v.If(_from_python(value["condition"], like), _from_python(value["content"], like), span)
        if kind == "merge" and set(value) == {"_type", "contents"} and isinstance(value["contents"], list):
            return v.Merge([_from_python(item, like) for item in value["contents"]], span)
        if set(value) == {"_type", "priority", "content"} and isinstance(value["priority"], int):
            content = _from_python(value["content"], like)
            if kind == "override":
                return v.Override(value["priority"], content, "override", span)
            return v.Order(value["priority"], content, span)
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return v.Const(value, span)
    if isinstance(value, str):
        return v.Str((value,), span)
    if isinstance(value, list):
        return v.ListV([_from_python(item, like) for item in value], span)
    if isinstance(value, dict):
        return v.AttrsV({k: v.Attr(_from_python(x, like), None, None) for k, x in value.items()}, span)
    return v.Unknown(span, "a value that cannot be known")


__all__ = ["Def", "Merger", "ModuleError", "TypeV", "UNDEFINED", "collect_declarations", "option_definitions"]
