"""The values the static evaluator computes.

Every value carries the span of the expression it came from, so that a rule
can point at the exact place a definition or list item was written.  What
cannot be known statically is an `Unknown` carrying its source span; it is
never guessed.  NixOS module properties (`mkForce`, `mkIf`, `mkMerge`,
`mkOrder`) are values of their own, discharged later by `definitions.py`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Union

from .source import Span


class Value:
    __slots__ = ("span",)
    span: Span | None


class Thunk:
    """A delayed evaluation: `node` in `env`, forced at most once."""

    __slots__ = ("compute", "value", "forcing", "kind")

    def __init__(self, compute: Callable[[], Value], kind: str | None = None):
        self.compute = compute
        self.value: Value | None = None
        self.forcing = False
        self.kind = kind     # the syntax it evaluates (`list_expression`), where known

    def force(self) -> Value:
        if self.value is None:
            if self.forcing:
                return Unknown(None, "infinite recursion")
            self.forcing = True
            try:
                self.value = self.compute()
            finally:
                self.forcing = False
            self.compute = None  # type: ignore[assignment]  # free the closure
        return self.value


Lazy = Union[Value, Thunk]


def force(item: Lazy) -> Value:
    return item.force() if isinstance(item, Thunk) else item


class Const(Value):
    """bool, int, float or null."""

    __slots__ = ("value",)

    def __init__(self, value: bool | int | float | None, span: Span | None):
        self.value = value
        self.span = span


class Str(Value):
    """A string; `parts` are text and, for interpolations that cannot be known, Unknowns."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple, span: Span | None):
        self.parts = parts
        self.span = span

    @property
    def known(self) -> str | None:
        if all(isinstance(p, str) for p in self.parts):
            return "".join(self.parts)
        return None


class PathV(Value):
    """A path literal; `resolved` is the absolute path for `./x` and `../x` forms."""

    __slots__ = ("text", "resolved")

    def __init__(self, text: str, resolved: str | None, span: Span | None):
        self.text = text
        self.resolved = resolved
        self.span = span


class ListV(Value):
    __slots__ = ("items",)

    def __init__(self, items: list[Lazy], span: Span | None):
        self.items = items
        self.span = span


@dataclass
class Attr:
    """One attribute of a set, with where its name and its whole binding were written."""

    value: Lazy
    key_span: Span | None
    binding_span: Span | None


class AttrsV(Value):
    """An attribute set.  `explicit` is False for sets implied by a dotted path (`a.b = 1`)."""

    __slots__ = ("attrs", "explicit")

    def __init__(self, attrs: dict[str, Attr], span: Span | None, explicit: bool = True):
        self.attrs = attrs
        self.span = span
        self.explicit = explicit


class FolderSet(AttrsV):
    """A set a library makes of a folder (haumea's `load`): its files' values by name.  No
    module is written as it: in a module list, NixOS would read it as one setting an option
    per name."""

    __slots__ = ()


class Extensible(Value):
    """A modelled value that Nix has as an attribute set, which `// { … }` extends (lib,
    an option declaration)."""

    __slots__ = ()

    def updated(self, added: AttrsV) -> Value:
        raise NotImplementedError


class Lambda(Value):
    __slots__ = ("node", "env", "source")

    def __init__(self, node: Any, env: Any, source: Any, span: Span | None):
        self.node = node
        self.env = env
        self.source = source
        self.span = span


class Primop(Value):
    """A modelled built-in or `lib` function, curried until `arity` arguments arrive."""

    __slots__ = ("name", "arity", "impl", "args")

    def __init__(self, name: str, arity: int, impl: Callable[..., Value], args: tuple = (), span: Span | None = None):
        self.name = name
        self.arity = arity
        self.impl = impl
        self.args = args
        self.span = span


class Symbolic(Value):
    """Something that exists but whose value the linter does not model (`pkgs.bash`, `config.x`)."""

    __slots__ = ("path",)

    def __init__(self, path: tuple[str, ...], span: Span | None):
        self.path = path
        self.span = span

    @property
    def name(self) -> str:
        return ".".join(self.path)


class Unknown(Value):
    """A value that cannot be known statically; `why` says what it was."""

    __slots__ = ("why",)

    def __init__(self, span: Span | None, why: str = ""):
        self.span = span
        self.why = why

    @property
    def text(self) -> str:
        if self.span is not None:
            return self.span.text
        return self.why or "<unknown>"


class PartlyKnown(Unknown):
    """`X // { mkHost = …; }` with X unknown: a set of which some names are known (the right
    side's, which win whatever X holds).  It is unknown everywhere -- the module layer takes
    it, as a definition, to define anything -- but selecting a known name gives its value."""

    __slots__ = ("known", "names", "unknown")

    def __init__(self, span: Span | None, why: str, known: Callable[[str], "Lazy | None"],
                 names: tuple[str, ...] | None = None, unknown: "Value | None" = None):
        super().__init__(span, why)
        self.known = known   # name -> its value, or None where it cannot be known
        self.names = names   # the names known to be there, where they can be listed
        self.unknown = unknown   # the part that cannot be known, where it is one value

    def select(self, name: str) -> "Lazy | None":
        return self.known(name)


class Interpolated(Unknown):
    """A value interpolated into a string that the linter cannot make a string of (`"${cfg
    .config.system.build.vm}/bin/run"`): unknown text, but the value is kept -- an output
    built from a system still names it."""

    __slots__ = ("value",)

    def __init__(self, span: Span | None, why: str, value: "Value"):
        super().__init__(span, why)
        self.value = value


class PartlyKnownList(Unknown):
    """`[ ./host ] ++ lib.optionals cond [ … ]` with cond unknown: a list whose parts are known
    lists or values that cannot be known, in order.  Unknown everywhere but where its parts
    are asked for (a system's module list, a module's imports: the known items are read)."""

    __slots__ = ("parts",)

    def __init__(self, span: Span | None, why: str, parts: tuple[Value, ...]):
        super().__init__(span, why)
        self.parts = parts   # ListV or a value that cannot be known (a list whose items cannot be)

    @property
    def flattened(self) -> list["Lazy"]:
        """The known lists' items, with each part that cannot be known in its place."""
        return [item for part in self.parts for item in (part.items if isinstance(part, ListV) else [part])]


# --- NixOS module-system properties -------------------------------------------------

class Override(Value):
    """lib.mkOverride PRIORITY CONTENT (mkForce = 50, plain = 100, mkDefault = 1000 ...)."""

    __slots__ = ("priority", "content", "label")

    def __init__(self, priority: int, content: Lazy, label: str, span: Span | None):
        self.priority = priority
        self.content = content
        self.label = label
        self.span = span


class If(Value):
    """lib.mkIf CONDITION CONTENT; `condition` may be an Unknown."""

    __slots__ = ("condition", "content")

    def __init__(self, condition: Value, content: Lazy, span: Span | None):
        self.condition = condition
        self.content = content
        self.span = span


class Merge(Value):
    """lib.mkMerge [ ... ]."""

    __slots__ = ("contents",)

    def __init__(self, contents: list[Lazy], span: Span | None):
        self.contents = contents
        self.span = span


class Order(Value):
    """lib.mkOrder PRIORITY LIST (mkBefore = 500, default 1000, mkAfter = 1500)."""

    __slots__ = ("priority", "content")

    def __init__(self, priority: int, content: Lazy, span: Span | None):
        self.priority = priority
        self.content = content
        self.span = span


class StorePath(Unknown):
    """A path interpolated into a string (`"${./modules}/web.nix"`): Nix copies it to the
    store, whose name cannot be known; the copy holds the same files, so the string
    still names local files (see local_path)."""

    __slots__ = ("local",)

    def __init__(self, span: Span | None, local: str):
        super().__init__(span, "store path")
        self.local = local


def local_path(value: Value) -> str | None:
    """The local file or folder a value names, where it can be known: a path, an absolute
    path string, or a string made of an interpolated path and known text."""
    if isinstance(value, PathV):
        return value.resolved
    if isinstance(value, Str):
        known = value.known
        if known is not None:
            return os.path.normpath(known) if os.path.isabs(known) else None
        parts = value.parts
        if parts and isinstance(parts[0], StorePath) and all(isinstance(p, str) for p in parts[1:]):
            return os.path.normpath(parts[0].local + "".join(parts[1:]))
    return None


def number(value: Value) -> int | float | None:
    """A known number (never a boolean), else None."""
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return value.value
    return None


def integer(item: Lazy) -> int | None:
    """A known integer, forced, else None."""
    found = number(force(item))
    return found if isinstance(found, int) else None


def type_of(value: Value) -> str | None:
    """builtins.typeOf of a value, where it can be known."""
    if isinstance(value, Const):
        item = value.value
        return ("null" if item is None else "bool" if isinstance(item, bool) else "int" if isinstance(item, int)
                else "float" if isinstance(item, float) else None)
    if isinstance(value, Str):
        return "string"
    if isinstance(value, PathV):
        return "path"
    if isinstance(value, ListV):
        return "list"
    if isinstance(value, AttrsV):
        return "set"
    if isinstance(value, (Lambda, Primop)):
        return "lambda"
    return None


def as_string(value: Value) -> Value:
    """A set with `outPath` (a flake's `self`, a derivation) stands for that value where
    a string is wanted, as Nix coerces it; anything else is itself."""
    if isinstance(value, AttrsV) and "outPath" in value.attrs:
        return force(value.attrs["outPath"].value)
    return value


def truth(value: Value) -> bool | None:
    """True/False for a known boolean, None for anything else."""
    if isinstance(value, Const) and isinstance(value.value, bool):
        return value.value
    return None


@dataclass(frozen=True)
class UnknownValue:
    """What rules see for a value that cannot be known: its source text and span."""

    text: str
    span: Span | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"<unknown: {self.text}>"


NO_VALUE = object()   # what `follow` answers for a symbol it does not stand for


def to_python(value: Lazy, depth: int = 0, follow: Callable[[Value], Any] | None = None,
              properties: bool = False) -> Any:
    """Convert an evaluated value into plain Python (bool, int, str, list, dict, None),
    with `UnknownValue` wherever something cannot be known.  `follow` answers symbols
    (a `config.OPTION` reference) with their value, or NO_VALUE; with `properties`, a
    mkIf/mkOverride/mkMerge/mkOrder is the attribute set it is made of in Nix."""
    value = force(value)
    if depth > 200:
        return UnknownValue("<too deep>", value.span)
    if follow is not None and isinstance(value, Symbolic):
        found = follow(value)
        if found is not NO_VALUE:
            return found
    if properties and isinstance(value, (If, Override, Merge, Order)):
        return {name: to_python(item, depth + 1, follow, properties) for name, item in property_attrs(value).items()}
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Str):
        known = value.known
        return known if known is not None else UnknownValue(_text(value), value.span)
    if isinstance(value, PathV):
        return value.text
    if isinstance(value, ListV):
        return [to_python(item, depth + 1, follow, properties) for item in value.items]
    if isinstance(value, AttrsV):
        return {name: to_python(attr.value, depth + 1, follow, properties) for name, attr in value.attrs.items()}
    return UnknownValue(_text(value), value.span)


def property_attrs(value: Value) -> dict[str, Lazy]:
    """A property as the attribute set lib/modules.nix makes it (`{ _type = "if"; condition;
    content; }`)."""
    name = {If: "if", Override: "override", Merge: "merge", Order: "order"}[type(value)]
    attrs: dict[str, Lazy] = {"_type": Str((name,), value.span)}
    if isinstance(value, If):
        attrs |= {"condition": value.condition, "content": value.content}
    elif isinstance(value, Merge):
        attrs["contents"] = ListV(list(value.contents), value.span)
    else:
        attrs |= {"priority": Const(value.priority, value.span), "content": value.content}
    return attrs


def _text(value: Value) -> str:
    if isinstance(value, Unknown):
        return value.text
    if value.span is not None:
        return value.span.text
    if isinstance(value, Symbolic):
        return value.name
    return "<unknown>"
