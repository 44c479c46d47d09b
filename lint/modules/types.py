"""Option declarations and their types, as values of the interpreter.

`lib.mkOption { type; default; apply; }`, `lib.mkEnableOption`, `lib.mkPackageOption`
give an `OptionDecl`; `lib.types.*` give a `TypeV` holding an `OptionType`, the model
of one of nixpkgs' types: how it checks a definition and how it merges several
(lib/types.nix).  A type this module does not model is `Unmodelled`: an option of
that type merges to an unknown value, never a guess.

Merging itself (properties, priorities, order, the type's merge) is `merge.py`'s;
a type's `merge` receives the definitions that survived and a `Merger` that merges
nested values (list items, attribute values, sub-options) the same way.
"""
from __future__ import annotations

from typing import Any, Callable

from ..nix import values as v
from ..nix.nixlib import Namespace
from ..nix.source import Span

MISSING = object()     # a type without an empty value: an option of it with no definition is an error


class OptionDecl(v.Extensible):
    """`lib.mkOption { … }`: the declaration's attributes, evaluated lazily."""

    __slots__ = ("attrs",)

    def __init__(self, attrs: dict[str, v.Lazy], span: Span | None):
        self.attrs = attrs
        self.span = span

    def select(self, name: str) -> v.Lazy | None:
        return self.attrs.get(name)

    def updated(self, added: v.AttrsV) -> "OptionDecl":
        """`mkEnableOption "x" // { default = true; }`: the declaration with those attributes."""
        return OptionDecl({**self.attrs, **{name: attr.value for name, attr in added.attrs.items()}}, self.span)

    @property
    def type(self) -> "OptionType":
        value = v.force(self.attrs["type"]) if "type" in self.attrs else None
        if value is None:
            return UNSPECIFIED
        return value.model if isinstance(value, TypeV) else Unmodelled(_written(value))

    @property
    def has_default(self) -> bool:
        return "default" in self.attrs


class TypeV(v.Value):
    """A type as a value (`lib.types.listOf lib.types.str`)."""

    __slots__ = ("model",)

    def __init__(self, model: "OptionType", span: Span | None = None):
        self.model = model
        self.span = span

    def select(self, name: str) -> v.Lazy | None:
        if name == "name":
            return v.Str((self.model.name,), self.span)
        return v.Symbolic(("type", name), self.span)


class ModuleError(Exception):
    """What NixOS would refuse the configuration with (a throw in lib/modules.nix)."""

    def __init__(self, kind: str, message: str, loc: tuple[str, ...] = (), defs: tuple = ()):
        super().__init__(message)
        self.kind = kind       # conflict, type, unique, undefined, null, undeclared, reference
        self.loc = loc         # the option (or member) refused
        self.defs = defs       # the definitions that show it (merge.Def), where known
        self.deep = False      # raised inside the value (a member), not when the value itself is formed


def _unknowable(value: v.Value) -> bool:
    return isinstance(value, (v.Unknown, v.Symbolic))


class OptionType:
    name = "?"
    empty: Any = MISSING
    submodule = False

    def check(self, value: v.Value) -> bool | None:
        """Whether a definition's value is of this type (None: cannot be known)."""
        return True

    def merge(self, merger, loc: tuple[str, ...], defs: list) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


# -- plain values --------------------------------------------------------------------------------------

class Equal(OptionType):
    """bool, int, str, enum, path …: every definition must have the same value
    (`mergeEqualOption`)."""

    def __init__(self, name: str, test: Callable[[Any], bool]):
        self.name = name
        self.test = test

    def check(self, value: v.Value) -> bool | None:
        if isinstance(value, (v.AttrsV, v.ListV, v.Lambda)):
            return False          # none of these types takes a set, a list or a function
        known = v.to_python(value)
        if not _known(known):
            return None
        return self.test(known)

    def merge(self, merger, loc, defs):
        values = [v.to_python(d.value) for d in defs]
        if not all(_known(x) for x in values):
            return v.UnknownValue(_text(next(d for d, x in zip(defs, values) if not _known(x)).value))
        compared = [_comparable(d.value, x) for d, x in zip(defs, values)]
        for index, other in enumerate(compared[1:], 1):
            if not _same(compared[0], other):
                raise ModuleError("conflict", f"The option `{_show(loc)}' has conflicting definition values", loc,
                                  (defs[0].definition, defs[index].definition))
        return values[0]


class Unique(OptionType):
    """`types.uniq`, `types.unique`, `raw`: exactly one definition (`mergeOneOption`)."""

    def __init__(self, inner: OptionType | None, name: str = "unique"):
        self.inner = inner
        self.name = name
        self.empty = inner.empty if inner is not None else MISSING

    def check(self, value):
        return self.inner.check(value) if self.inner is not None else True

    def merge(self, merger, loc, defs):
        if len(defs) != 1:
            raise ModuleError("unique", f"The option `{_show(loc)}' is defined multiple times while it's "
                                        "expected to be unique", loc, tuple(d.definition for d in defs))
        if self.inner is None:
            return merger.plain(defs[0].value)
        return self.inner.merge(merger, loc, defs)


class Separated(OptionType):
    """`lines`, `commas`, `envVar`, `separatedString SEP`: strings joined with SEP."""

    def __init__(self, sep: str, name: str = "separatedString"):
        self.sep = sep
        self.name = name

    def check(self, value):
        return None if _unknowable(value) else isinstance(value, v.Str)

    def merge(self, merger, loc, defs):
        parts = [v.to_python(d.value) for d in defs]
        if not all(isinstance(p, str) for p in parts):
            return v.UnknownValue("a string that cannot be known")
        return self.sep.join(parts)


class BoolByOr(OptionType):
    name = "boolByOr"

    def check(self, value):
        return _is(value, bool)

    def merge(self, merger, loc, defs):
        values = [v.to_python(d.value) for d in defs]
        if any(x is True for x in values):
            return True
        return False if all(x is False for x in values) else v.UnknownValue("a boolean that cannot be known")


class Attrs(OptionType):
    """`types.attrs`: sets updated one over the other (`//`), not merged deeply."""

    name = "attrs"
    empty = {}

    def check(self, value):
        return None if _unknowable(value) else isinstance(value, v.AttrsV)

    def merge(self, merger, loc, defs):
        result: dict = {}
        for d in defs:
            result.update(merger.plain(d.value))
        return result


class Unspecified(OptionType):
    """No type given: `mergeDefaultOption` (one value; else lists concatenated, sets
    updated, booleans or-ed, strings concatenated, equal integers)."""

    name = "unspecified"

    def merge(self, merger, loc, defs):
        values = [merger.plain(d.value) for d in defs]
        if len(values) == 1:
            return values[0]
        if not all(_known(x) for x in values):
            return v.UnknownValue("definitions that cannot be known")
        if all(isinstance(x, list) for x in values):
            return [item for x in values for item in x]
        if all(isinstance(x, dict) for x in values):
            result: dict = {}
            for x in values:
                result.update(x)
            return result
        if all(isinstance(x, bool) for x in values):
            return any(values)
        if all(isinstance(x, str) for x in values):
            return "".join(values)
        if all(isinstance(x, int) and not isinstance(x, bool) for x in values) and all(x == values[0] for x in values):
            return values[0]
        raise ModuleError("type", f"Cannot merge definitions of `{_show(loc)}'")


class Anything(OptionType):
    """`types.anything`: sets merged per attribute, anything else must be equal."""

    name = "anything"

    def merge(self, merger, loc, defs):
        kinds = {_kind(v.force(d.value)) for d in defs}
        if None in kinds:
            return v.UnknownValue("a value that cannot be known")
        if len(kinds) > 1:
            raise ModuleError("type", f"The option `{_show(loc)}' has conflicting option types")
        if kinds == {"set"}:
            return AttrsOf(self).merge(merger, loc, defs)
        if kinds == {"lambda"}:
            return v.UnknownValue("a function")
        return Equal("anything", lambda _: True).merge(merger, loc, defs)


# -- containers ------------------------------------------------------------------------------------------

class ListOf(OptionType):
    name = "listOf"
    empty: Any = None   # set per instance (a list is not shared)

    def __init__(self, elem: OptionType, non_empty: bool = False):
        self.elem = elem
        self.non_empty = non_empty
        self.empty = MISSING if non_empty else []

    def check(self, value):
        return None if _unknowable(value) else isinstance(value, v.ListV)

    def merge(self, merger, loc, defs):
        result = []
        for n, d in enumerate(defs, 1):
            for m, item in enumerate(v.force(d.value).items, 1):
                merged = merger.merge(loc + (f"[definition {n}-entry {m}]",), self.elem, [d.with_value(item)])
                if merged is not merger.UNDEFINED:
                    result.append(merged)
        if self.non_empty and not result:
            raise ModuleError("type", f"A definition for option `{_show(loc)}' is not of type `non-empty list'")
        return result

    def describe(self):
        return f"list of {self.elem.describe()}"


class AttrsOf(OptionType):
    name = "attrsOf"

    def __init__(self, elem: OptionType, lazy: bool = False):
        self.elem = elem
        self.lazy = lazy
        self.empty = {}

    def check(self, value):
        return None if _unknowable(value) else isinstance(value, v.AttrsV)

    def merge(self, merger, loc, defs):
        names: dict[str, list] = {}
        for d in defs:
            for name, attr in v.force(d.value).attrs.items():
                names.setdefault(name, []).append(d.with_value(attr.value, attr))
        result = {}
        for name in sorted(names):
            merged = merger.merge(loc + (name,), self.elem, names[name])
            if merged is merger.UNDEFINED and self.lazy:
                # lazyAttrsOf keeps the name: its value is the type's empty one, or fails when read
                try:
                    merged = merger.empty(loc + (name,), self.elem)
                except ModuleError as error:
                    error.deep = True
                    raise
            if merged is not merger.UNDEFINED:
                result[name] = merged
        return result

    def describe(self):
        return f"attribute set of {self.elem.describe()}"


class NullOr(OptionType):
    name = "nullOr"
    empty = None

    def __init__(self, elem: OptionType):
        self.elem = elem

    def check(self, value):
        if isinstance(value, v.Const) and value.value is None:
            return True
        return self.elem.check(value)

    def merge(self, merger, loc, defs):
        nulls = [d for d in defs if _is_null(d.value)]
        if not nulls:
            return self.elem.merge(merger, loc, defs)
        if len(nulls) == len(defs):
            return None
        if any(_is_null(d.value) is None for d in defs):
            return v.UnknownValue("null or a value that cannot be known")
        raise ModuleError("null", f"The option `{_show(loc)}` is defined both null and not null", loc,
                          (nulls[0].definition, next(d for d in defs if d not in nulls).definition))


class Either(OptionType):
    name = "either"

    def __init__(self, left: OptionType, right: OptionType):
        self.left = left
        self.right = right

    def check(self, value):
        a, b = self.left.check(value), self.right.check(value)
        if a or b:
            return True
        return None if a is None or b is None else False

    def merge(self, merger, loc, defs):
        lefts = [self.left.check(d.value) for d in defs]
        if all(lefts):
            return self.left.merge(merger, loc, defs)
        rights = [self.right.check(d.value) for d in defs]
        if all(rights):
            return self.right.merge(merger, loc, defs)
        if None in lefts or None in rights:
            return v.UnknownValue("a value whose type cannot be known")
        return Unique(None).merge(merger, loc, defs)


class Submodule(OptionType):
    """`types.submodule MODULES`: each definition is a module of a nested evaluation
    whose options the type's modules declare."""

    name = "submodule"
    submodule = True

    def __init__(self, modules: list[v.Lazy], shorthand_config: bool = True):
        self.modules = modules
        self.shorthand_config = shorthand_config    # a definition that is a set is a module's config
        self.empty = SUBMODULE_EMPTY

    def check(self, value):
        # a set, a function or a path -- and mkIf/mkOverride, which are sets that a module
        # evaluation reads as its config
        if _unknowable(value):
            return None
        return isinstance(value, (v.AttrsV, v.Lambda, v.PathV, v.If, v.Override, v.Merge, v.Order))

    def merge(self, merger, loc, defs):
        return merger.submodule(loc, self, defs)


SUBMODULE_EMPTY = object()   # evaluated from the type's own modules alone


class Unmodelled(OptionType):
    """A type the linter does not model: its options' values are unknown."""

    def __init__(self, name: str):
        self.name = name

    def check(self, value):
        return None

    def merge(self, merger, loc, defs):
        return v.UnknownValue(f"an option of type {self.name}, which the linter does not model")


UNSPECIFIED = Unspecified()


# -- lib: mkOption and the types -------------------------------------------------------------------------

def _is(value: v.Value, kind) -> bool | None:
    known = v.to_python(value)
    if not _known(known):
        return None
    return isinstance(known, kind) and (kind is bool or not isinstance(known, bool))


def _int_between(low: int, high: int, name: str) -> Equal:
    return Equal(name, lambda x: isinstance(x, int) and not isinstance(x, bool) and low <= x <= high)


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_str(x) -> bool:
    return isinstance(x, str)


SIMPLE: dict[str, Callable[[], OptionType]] = {
    "bool": lambda: Equal("bool", lambda x: isinstance(x, bool)),
    "int": lambda: Equal("int", _is_int),
    "float": lambda: Equal("float", lambda x: isinstance(x, float)),
    "str": lambda: Equal("str", _is_str),
    "nonEmptyStr": lambda: Equal("nonEmptyStr", lambda x: isinstance(x, str) and x.strip(" \t\n") != ""),
    "path": lambda: Equal("path", lambda x: isinstance(x, str) and x.startswith(("/", ".", "~"))),
    "port": lambda: _int_between(0, 65535, "u16"),
    "lines": lambda: Separated("\n", "lines"),
    "commas": lambda: Separated(",", "commas"),
    "envVar": lambda: Separated(":", "envVar"),
    "boolByOr": lambda: BoolByOr(),
    "attrs": lambda: Attrs(),
    "anything": lambda: Anything(),
    "unspecified": lambda: Unspecified(),
    "raw": lambda: Unique(None, "raw"),
}
INTS = {"positive": (1, 2 ** 63 - 1), "unsigned": (0, 2 ** 63 - 1), "u8": (0, 255), "u16": (0, 65535),
        "u32": (0, 4294967295), "s8": (-128, 127), "s16": (-32768, 32767), "s32": (-2147483648, 2147483647)}


class OptionAliases(v.AttrsV):
    """The module lib.mkRenamedOptionModule (mkAliasOptionModule, mkChangedOptionModule,
    mkMergedOptionModule, mkRemovedOptionModule) makes: it declares the old paths, and
    NixOS gives what is defined there to the new one (`aliases`: (old, new) pairs)."""

    __slots__ = ("aliases",)

    def __init__(self, old: list[tuple[str, ...]], new: tuple[str, ...] | None, span: Span | None):
        options: dict[str, v.Attr] = {}
        for path in old:   # (the type does not matter: nothing but these modules reads them)
            nested: v.Value = OptionDecl({"type": TypeV(Unmodelled("an old name"))}, span)
            for name in reversed(path[1:]):   # (a path, as `options.a.b.old = …` would write it)
                nested = v.AttrsV({name: v.Attr(nested, None, None)}, span, explicit=False)
            existing = options.get(path[0])
            options[path[0]] = v.Attr(nested if existing is None else _merged(v.force(existing.value), nested), None,
                                      None)
        super().__init__({"options": v.Attr(v.AttrsV(options, span), None, None)}, span)
        self.aliases = [(path, new) for path in old] if new is not None else []


def _merged(a: v.Value, b: v.Value) -> v.Value:
    if isinstance(a, v.AttrsV) and isinstance(b, v.AttrsV):
        attrs = dict(a.attrs)
        for name, attr in b.attrs.items():
            attrs[name] = v.Attr(_merged(v.force(attrs[name].value), v.force(attr.value)), None, None) \
                if name in attrs else attr
        return v.AttrsV(attrs, a.span, explicit=False)
    return b


def _option_path(value: v.Lazy) -> tuple[str, ...] | None:
    listed = v.to_python(value)
    if isinstance(listed, list) and listed and all(isinstance(name, str) for name in listed):
        return tuple(listed)
    return None


def module_system_lib() -> dict[str, v.Lazy]:
    """The lib members that declare options: mkOption, mkEnableOption, mkPackageOption,
    the option-renaming modules, and `types`."""

    def aliases(span: Span, old: list[v.Lazy], new: v.Lazy | None) -> v.Value:
        paths = [_option_path(item) for item in old]
        target = _option_path(new) if new is not None else None
        if any(path is None for path in paths) or new is not None and target is None:
            return v.Unknown(span, "an option-renaming module of paths that cannot be known")
        return OptionAliases(paths, target, span)

    def renamed_with(span: Span, arguments: v.Lazy) -> v.Value:
        args = v.force(arguments)
        if not isinstance(args, v.AttrsV) or "from" not in args.attrs or "to" not in args.attrs:
            return v.Unknown(span, "mkRenamedOptionModuleWith of arguments that cannot be known")
        return aliases(span, [args.attrs["from"].value], args.attrs["to"].value)

    def merged(span: Span, froms: v.Lazy, to: v.Lazy, _function: v.Lazy) -> v.Value:
        listed = v.force(froms)
        if not isinstance(listed, v.ListV):
            return v.Unknown(span, "mkMergedOptionModule of paths that cannot be known")
        return aliases(span, list(listed.items), to)

    def mk_option(span: Span, arguments: v.Lazy) -> v.Value:
        value = v.force(arguments)
        if not isinstance(value, v.AttrsV):
            return v.Unknown(span, "mkOption of arguments that cannot be known")
        return OptionDecl({name: attr.value for name, attr in value.attrs.items()}, span)

    def mk_enable_option(span: Span, _description: v.Lazy) -> v.Value:
        return OptionDecl({"type": TypeV(SIMPLE["bool"]()), "default": v.Const(False, span)}, span)

    def mk_package_option(span: Span, _pkgs: v.Lazy, name: v.Lazy, _options: v.Lazy) -> v.Value:
        return OptionDecl({"type": TypeV(Unmodelled("package")),
                           "default": v.Unknown(span, "the default package of a mkPackageOption")}, span)

    return {
        "mkOption": v.Primop("mkOption", 1, mk_option),
        "mkEnableOption": v.Primop("mkEnableOption", 1, mk_enable_option),
        "mkPackageOption": v.Primop("mkPackageOption", 3, mk_package_option),
        "mkRenamedOptionModule": v.Primop("mkRenamedOptionModule", 2, lambda s, a, b: aliases(s, [a], b)),
        "mkAliasOptionModule": v.Primop("mkAliasOptionModule", 2, lambda s, a, b: aliases(s, [a], b)),
        "mkAliasOptionModuleMD": v.Primop("mkAliasOptionModuleMD", 2, lambda s, a, b: aliases(s, [a], b)),
        "mkRenamedOptionModuleWith": v.Primop("mkRenamedOptionModuleWith", 1, renamed_with),
        "mkChangedOptionModule": v.Primop("mkChangedOptionModule", 3, lambda s, a, b, f: aliases(s, [a], b)),
        "mkMergedOptionModule": v.Primop("mkMergedOptionModule", 3, merged),
        "mkRemovedOptionModule": v.Primop("mkRemovedOptionModule", 2, lambda s, a, _why: aliases(s, [a], None)),
        "types": types_namespace(),
    }


def types_namespace() -> Namespace:
    def unary(name: str, make: Callable[[OptionType], OptionType]) -> v.Primop:
        return v.Primop(name, 1, lambda span, t: TypeV(make(_model(t)), span))

    def enum(span: Span, values: v.Lazy) -> v.Value:
        items = v.to_python(values)
        if not isinstance(items, list) or not all(_known(x) for x in items):
            return TypeV(Unmodelled("enum"), span)
        return TypeV(Equal("enum", lambda x, allowed=items: any(_same(x, a) for a in allowed)), span)

    def either(span: Span, left: v.Lazy, right: v.Lazy) -> v.Value:
        return TypeV(Either(_model(left), _model(right)), span)

    def one_of(span: Span, types: v.Lazy) -> v.Value:
        listed = v.force(types)
        if not isinstance(listed, v.ListV) or not listed.items:
            return TypeV(Unmodelled("oneOf"), span)
        models = [_model(t) for t in listed.items]
        combined = models[-1]
        for model in reversed(models[:-1]):
            combined = Either(model, combined)
        return TypeV(combined, span)

    def submodule(span: Span, module: v.Lazy) -> v.Value:
        return TypeV(Submodule([module]), span)

    def submodule_with(span: Span, arguments: v.Lazy) -> v.Value:
        args = v.force(arguments)
        modules = args.attrs.get("modules") if isinstance(args, v.AttrsV) else None
        listed = v.force(modules.value) if modules is not None else None
        if not isinstance(listed, v.ListV):
            return TypeV(Unmodelled("submoduleWith"), span)
        shorthand = args.attrs.get("shorthandOnlyDefinesConfig")
        return TypeV(Submodule(list(listed.items), v.truth(v.force(shorthand.value)) is True if shorthand else False),
                     span)

    def separated(span: Span, sep: v.Lazy) -> v.Value:
        known = v.force(sep)
        if not isinstance(known, v.Str) or known.known is None:
            return TypeV(Unmodelled("separatedString"), span)
        return TypeV(Separated(known.known), span)

    def unique(span: Span, _message: v.Lazy, inner: v.Lazy) -> v.Value:
        return TypeV(Unique(_model(inner)), span)

    def ints_member(name: str) -> v.Lazy | None:
        if name in INTS:
            low, high = INTS[name]
            return TypeV(_int_between(low, high, name))
        if name == "between":
            return v.Primop("between", 2, lambda span, a, b: _between(span, a, b))
        return TypeV(Unmodelled(f"ints.{name}"))

    constructors = {"unique": (2, unique), "enum": (1, enum), "either": (2, either), "oneOf": (1, one_of),
                    "submodule": (1, submodule), "submoduleWith": (1, submodule_with),
                    "separatedString": (1, separated)}

    def member(name: str) -> v.Lazy | None:
        if name in SIMPLE:
            return TypeV(SIMPLE[name]())
        if name in ("listOf", "nonEmptyListOf"):
            return unary(name, lambda t, n=name: ListOf(t, non_empty=n == "nonEmptyListOf"))
        if name in ("attrsOf", "lazyAttrsOf"):
            return unary(name, lambda t, n=name: AttrsOf(t, lazy=n == "lazyAttrsOf"))
        if name == "nullOr":
            return unary(name, NullOr)
        if name == "uniq":
            return unary(name, Unique)
        if name in constructors:
            arity, make = constructors[name]
            return v.Primop(name, arity, make)
        if name == "ints":
            return Namespace("types.ints", ints_member)
        if name == "number":
            return TypeV(Either(SIMPLE["int"](), SIMPLE["float"]()))
        return _unmodelled_constructor(name)

    return Namespace("types", member)


def _between(span: Span, low: v.Lazy, high: v.Lazy) -> v.Value:
    a, b = v.to_python(low), v.to_python(high)
    if _is_int(a) and _is_int(b):
        return TypeV(_int_between(a, b, "intBetween"), span)
    return TypeV(Unmodelled("ints.between"), span)


def _unmodelled_constructor(name: str) -> v.Value:
    """A type (or a function building one) the linter does not model: whatever it is
    applied to, the result is a type whose values are unknown."""
    def build(span, *_args):
        return TypeV(Unmodelled(name), span)
    return _AnyArity(name, build)


class _AnyArity(v.Primop):
    """A type that may be used as a value or called with arguments (`types.strMatching "…"`,
    `types.functionTo t`, `types.mkOptionType { … }`)."""

    def __init__(self, name: str, build):
        super().__init__(name, 1, build)
        self.model = Unmodelled(name)


def _model(item: v.Lazy) -> OptionType:
    value = v.force(item)
    if isinstance(value, TypeV):
        return value.model
    if isinstance(value, _AnyArity):
        return value.model
    return Unmodelled(_written(value))


# -- helpers ---------------------------------------------------------------------------------------------

def _known(value: Any) -> bool:
    if isinstance(value, v.UnknownValue):
        return False
    if isinstance(value, list):
        return all(_known(x) for x in value)
    if isinstance(value, dict):
        return all(_known(x) for x in value.values())
    return True


def _same(a: Any, b: Any) -> bool:
    """Nix's `==` on plain values (1 == 1.0; true is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _comparable(value: v.Value, known: Any) -> Any:
    """What Nix compares: a path literal is its absolute file (`../x` and `./x` may be one)."""
    forced = v.force(value)
    if isinstance(forced, v.PathV) and forced.resolved:
        return ("path", forced.resolved)
    return known


def _kind(value: v.Value) -> str | None:
    """Its Nix type, where a merge can compare it (a string only when known)."""
    return None if isinstance(value, v.Str) and value.known is None else v.type_of(value)


def _is_null(value: v.Lazy) -> bool | None:
    forced = v.force(value)
    if isinstance(forced, v.Const):
        return forced.value is None
    if isinstance(forced, (v.Unknown, v.Symbolic)):
        return None
    return False


def _text(value: v.Lazy) -> str:
    forced = v.force(value)
    return forced.span.text if forced.span is not None else "<unknown>"


def _written(value: v.Value) -> str:
    return value.span.text if value.span is not None else type(value).__name__


def _show(loc: tuple[str, ...]) -> str:
    return ".".join(loc)

