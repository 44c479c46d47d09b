"""The parts of `lib`, `builtins` and `pkgs` that the evaluator models.

Only what decides option values statically is modelled: the module-system
properties (`mkIf`, `mkMerge`, `mkOverride` and its aliases, `mkOrder` and its
aliases), a few `optional*` helpers, and the platform predicates used for
per-architecture branches.  Every other name is `Symbolic`: known to exist,
its value unknown.
"""
from __future__ import annotations

import os
from typing import Callable

from . import functions, values as v
from .functions import definitions as functions_of_lists_sets_and_files
from .source import Span

# lib/modules.nix priorities: the lowest number wins.
PRIORITIES = {
    "mkVMOverride": 10,
    "mkForce": 50,
    "mkImageMediaOverride": 60,
    "mkDefault": 1000,
    "mkOptionDefault": 1500,
}
PLAIN_PRIORITY = 100
DEFAULT_ORDER = 1000
ORDERS = {"mkBefore": 500, "mkAfter": 1500}

# lib's sub-namespaces re-export the same functions (lib.modules.mkForce == lib.mkForce).
LIB_NAMESPACES = frozenset({"modules", "lists", "strings", "attrsets", "trivial", "options", "types", "filesystem"})


class Namespace(v.Extensible):
    """A modelled set whose attributes are computed on selection."""

    __slots__ = ("name", "members")

    def __init__(self, name: str, members: Callable[[str], v.Lazy | None]):
        self.name = name
        self.members = members
        self.span = None

    def select(self, attr: str) -> v.Lazy | None:
        found = self.members(attr)
        if found is None:
            return v.Symbolic((self.name, attr), None)
        return found

    def updated(self, added: v.AttrsV) -> "Namespace":
        """`NAMESPACE // { … }`: the set's attributes, and this namespace's for every other name."""
        def member(name: str) -> v.Lazy | None:
            attr = added.attrs.get(name)
            return attr.value if attr is not None else self.members(name)
        return Namespace(self.name, member)


class AnyName(Namespace):
    """A modelled set whose every attribute is the same value (`patcher.lib.${system}`):
    selected with a name that cannot be known, it still gives it."""

    __slots__ = ("any_member",)

    def __init__(self, name: str, member: v.Lazy):
        super().__init__(name, lambda _: member)
        self.any_member = member


class Builtins:
    """Builds the modelled namespaces for one interpreter (so platform answers know its system)."""

    def __init__(self, interp, lib_extensions: dict[str, v.Lazy] | None = None):
        self.interp = interp
        self.lib_extensions = lib_extensions or {}
        self.lib = Namespace("lib", self._lib_member)
        self.pkgs = Namespace("pkgs", self._pkgs_member)
        self.builtins = Namespace("builtins", self._builtins_member)
        self.platform = Namespace("hostPlatform", self._platform_member)
        self.stdenv = Namespace("stdenv", self._stdenv_member)
        self._lib_functions = self._make_lib_functions()
        append = v.Primop("append", 2, _path_append)
        self._lib_path = Namespace("lib.path", lambda name: append if name == "append" else None)

    def globals(self) -> dict[str, v.Lazy]:
        return {
            "true": v.Const(True, None),
            "false": v.Const(False, None),
            "null": v.Const(None, None),
            "builtins": self.builtins,
            "import": v.Primop("import", 1, self._import),
            "toString": self._builtins_member("toString"),
            "map": self._lib_functions["map"],
            "baseNameOf": self._lib_functions["baseNameOf"],
            "dirOf": self._lib_functions["dirOf"],
        }

    def module_arguments(self) -> v.AttrsV:
        """What a NixOS module function receives: `{ config, lib, pkgs, modulesPath, ... }`."""
        names = {
            "lib": self.lib,
            "pkgs": self.pkgs,
            "config": v.Symbolic(("config",), None),
            "options": v.Symbolic(("options",), None),
            "modulesPath": v.Symbolic(("modulesPath",), None),
        }
        return v.AttrsV({name: v.Attr(value, None, None) for name, value in names.items()}, None)

    # -- lib ------------------------------------------------------------------------------

    def _lib_member(self, name: str) -> v.Lazy | None:
        if name in self.lib_extensions:
            return self.lib_extensions[name]
        if name in LIB_NAMESPACES:
            return self.lib
        if name == "path":   # lib.path's functions are of paths, not lib's own of the same names
            return self._lib_path
        if name == "extend":
            return v.Primop("extend", 1, lambda span, overlay: self._extended_lib(self.lib, overlay, span))
        return self._lib_functions.get(name)

    def _extended_lib(self, base: Namespace, overlay: v.Lazy, span: Span) -> Namespace:
        """`lib.extend (final: prev: { … })`: lib with the overlay's attributes, which see
        the extended lib as `final` and this one as `prev`.  Where the overlay's result
        cannot be known, neither can any name of the extended lib."""
        def member(name: str) -> v.Lazy | None:
            added = v.force(additions)
            if not isinstance(added, v.AttrsV):
                return v.Unknown(span, "lib.extend with an overlay that cannot be known")
            if name in added.attrs:
                return added.attrs[name].value
            if name == "extend":
                return v.Primop("extend", 1, lambda s, more: self._extended_lib(extended, more, s))
            return base.select(name)
        extended = Namespace("lib", member)
        additions = v.Thunk(lambda: self.interp.apply(self.interp.apply(v.force(overlay), extended, span), base, span))
        return extended

    def _import(self, span: Span, path: v.Lazy) -> v.Value:
        """`import PATH`: the file's value where the interpreter was given an importer
        (system discovery), else unknown (modules' imports are `imports`, not `import`)."""
        importer = self.interp.importer
        found = importer(v.force(path), span) if importer is not None else None
        return found if found is not None else v.Unknown(span, "call of import")

    def _make_lib_functions(self) -> dict[str, v.Value]:
        functions: dict[str, v.Value] = {}

        def prim(name: str, arity: int, impl: Callable[..., v.Value]) -> None:
            functions[name] = v.Primop(name, arity, impl)

        for alias, priority in PRIORITIES.items():
            prim(alias, 1, lambda span, content, p=priority, a=alias: v.Override(p, content, f"lib.{a}", span))
        prim("mkOverride", 2, self._mk_override)
        prim("mkIf", 2, lambda span, cond, content: v.If(v.force(cond), content, span))
        prim("mkMerge", 1, self._mk_merge)
        for alias, order in ORDERS.items():
            prim(alias, 1, lambda span, content, o=order: v.Order(o, content, span))
        prim("mkOrder", 2, self._mk_order)
        prim("optional", 2, self._optional)
        prim("optionals", 2, self._optionals)
        prim("optionalString", 2, self._optional_string)
        prim("optionalAttrs", 2, self._optional_attrs)
        prim("concatStringsSep", 2, self._concat_strings_sep)
        prim("elem", 2, self._elem)
        prim("id", 1, lambda span, x: v.force(x))
        for name, (arity, impl) in functions_of_lists_sets_and_files(self.interp).items():
            prim(name, arity, impl)
        functions["isAarch64"] = v.Thunk(lambda: self._platform_member("isAarch64"))
        return functions

    def _mk_override(self, span: Span, priority: v.Lazy, content: v.Lazy) -> v.Value:
        number = v.force(priority)
        if isinstance(number, v.Const) and isinstance(number.value, int) and not isinstance(number.value, bool):
            return v.Override(number.value, content, f"lib.mkOverride {number.value}", span)
        return v.Unknown(span, "mkOverride with a priority that cannot be known")

    def _mk_order(self, span: Span, priority: v.Lazy, content: v.Lazy) -> v.Value:
        number = v.force(priority)
        if isinstance(number, v.Const) and isinstance(number.value, int) and not isinstance(number.value, bool):
            return v.Order(number.value, content, span)
        return v.Unknown(span, "mkOrder with a priority that cannot be known")

    def _mk_merge(self, span: Span, contents: v.Lazy) -> v.Value:
        value = v.force(contents)
        if isinstance(value, v.ListV):
            return v.Merge(list(value.items), span)
        return v.Unknown(span, "mkMerge of a value that cannot be known")

    @staticmethod
    def _optional(span: Span, cond: v.Lazy, item: v.Lazy) -> v.Value:
        known = v.truth(v.force(cond))
        if known is None:
            return v.Unknown(span, "optional on a condition that cannot be known")
        return v.ListV([item] if known else [], span)

    @staticmethod
    def _optionals(span: Span, cond: v.Lazy, items: v.Lazy) -> v.Value:
        known = v.truth(v.force(cond))
        if known is None:
            return v.Unknown(span, "optionals on a condition that cannot be known")
        return v.force(items) if known else v.ListV([], span)

    @staticmethod
    def _optional_string(span: Span, cond: v.Lazy, text: v.Lazy) -> v.Value:
        known = v.truth(v.force(cond))
        if known is None:
            return v.Unknown(span, "optionalString on a condition that cannot be known")
        return v.force(text) if known else v.Str(("",), span)

    @staticmethod
    def _optional_attrs(span: Span, cond: v.Lazy, attrs: v.Lazy) -> v.Value:
        known = v.truth(v.force(cond))
        if known is None:
            return v.Unknown(span, "optionalAttrs on a condition that cannot be known")
        return v.force(attrs) if known else v.AttrsV({}, span)

    @staticmethod
    def _concat_strings_sep(span: Span, separator: v.Lazy, items: v.Lazy) -> v.Value:
        sep, lst = v.force(separator), v.force(items)
        if not isinstance(sep, v.Str) or not isinstance(lst, v.ListV):
            return v.Unknown(span, "concatStringsSep")
        parts: list = []
        for index, item in enumerate(lst.items):
            value = v.force(item)
            if not isinstance(value, v.Str):
                return v.Unknown(span, "concatStringsSep of a non-string")
            if index:
                parts.extend(sep.parts)
            parts.extend(value.parts)
        return v.Str(tuple(parts), span)

    @staticmethod
    def _elem(span: Span, needle: v.Lazy, haystack: v.Lazy) -> v.Value:
        from .operators import is_fully_known

        wanted = v.to_python(needle)
        lst = v.force(haystack)
        if not isinstance(lst, v.ListV) or not is_fully_known(wanted):
            return v.Unknown(span, "elem")
        items = [v.to_python(item) for item in lst.items]
        if wanted in items:
            return v.Const(True, span)
        if all(is_fully_known(item) for item in items):
            return v.Const(False, span)
        return v.Unknown(span, "elem")

    # -- builtins ---------------------------------------------------------------------------

    def _builtins_member(self, name: str) -> v.Lazy | None:
        if name == "currentSystem":
            return self._system_string()
        if name in ("elem", "concatStringsSep") or name in functions.BUILTINS:
            return self._lib_functions[name]
        if name == "import":
            return v.Primop("import", 1, self._import)
        if name == "toString":
            return v.Primop("toString", 1, self._to_string)
        return None

    @staticmethod
    def _to_string(span: Span, value: v.Lazy) -> v.Value:
        forced = v.as_string(v.force(value))
        if isinstance(forced, v.Str):
            return forced
        if isinstance(forced, v.PathV) and forced.resolved:   # Nix gives the path itself, not a store copy
            return v.Str((os.path.abspath(forced.resolved),), span)
        if isinstance(forced, v.Const):
            if forced.value is True:
                return v.Str(("1",), span)
            if forced.value is False or forced.value is None:
                return v.Str(("",), span)
            if isinstance(forced.value, int):
                return v.Str((str(forced.value),), span)
        return v.Unknown(span, "toString")

    # -- pkgs and platforms ---------------------------------------------------------------------

    def _pkgs_member(self, name: str) -> v.Lazy | None:
        if name == "lib":
            return self.lib
        if name == "stdenv":
            return self.stdenv
        if name in ("hostPlatform", "buildPlatform", "targetPlatform"):
            return self.platform
        if name == "system":
            return self._system_string()
        return None

    def _system_string(self) -> v.Value:
        """The system being judged, as `pkgs.system` gives it (unknown to an interpreter
        that judges none, such as the one discovering systems)."""
        system = self.interp.use_arch()
        return v.Str((system,), None) if system is not None else v.Unknown(None, "the system is not known here")

    def _stdenv_member(self, name: str) -> v.Lazy | None:
        if name in ("hostPlatform", "buildPlatform", "targetPlatform"):
            return self.platform
        return self._platform_member(name)

    def _platform_member(self, name: str) -> v.Lazy | None:
        tests = {
            "isAarch64": lambda s: s.startswith("aarch64-"),
            "isAarch": lambda s: s.startswith(("aarch64-", "armv")),
            "isx86_64": lambda s: s.startswith("x86_64-"),
            "isx86": lambda s: s.startswith(("x86_64-", "i686-")),
            "isi686": lambda s: s.startswith("i686-"),
            "isLinux": lambda s: s.endswith("-linux"),
            "isDarwin": lambda s: s.endswith("-darwin"),
            "is64bit": lambda s: s.startswith(("x86_64-", "aarch64-", "riscv64-")),
            "isRiscV64": lambda s: s.startswith("riscv64-"),
        }
        if name in tests:
            system = self.interp.use_arch()
            if system is None:
                return v.Unknown(None, f"{name}: the system is not known here")
            return v.Const(tests[name](system), None)
        if name == "system":
            return self._system_string()
        return None


def _path_append(span: Span, path: v.Lazy, subpath: v.Lazy) -> v.Value:
    """`lib.path.append ./. "hosts/web"`: the path below, for a relative subpath without `..`."""
    base, below = v.force(path), v.force(subpath)
    if not isinstance(base, v.PathV) or base.resolved is None or not isinstance(below, v.Str) or below.known is None:
        return v.Unknown(span, "lib.path.append of a path that cannot be known")
    parts = [part for part in below.known.split("/") if part not in ("", ".")]
    if below.known.startswith("/") or ".." in parts:
        return v.Unknown(span, "lib.path.append of a subpath Nix refuses")
    joined = os.path.join(base.resolved, *parts)
    return v.PathV(joined, joined, span)
