"""Nix's functions over lists, attribute sets, strings and the file system, as the
static interpreter computes them.

These are what repositories use to build their systems and imports
(`mapAttrs`, `listToAttrs`, `genAttrs`, `map` over a literal list, `readDir ./hosts`,
`removeSuffix ".nix"`).  Each follows Nix: attribute names are iterated sorted,
results are lazy where Nix's are (a `map` does not call its function until an item
is forced).  An argument that cannot be known gives an `Unknown` naming the
function, never a guess.
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from typing import Callable

from . import collections, strings, values as v
from .source import Span

Impl = Callable[..., v.Value]


def definitions(interp) -> dict[str, tuple[int, Impl]]:
    """name -> (arity, implementation(span, *args)); `interp` applies function arguments."""

    def call(function: v.Lazy, *arguments: v.Lazy, span: Span) -> v.Value:
        result = v.force(function)
        for argument in arguments:
            result = interp.apply(result, argument, span)
        return result

    def calling(function: v.Lazy, *arguments: v.Lazy, span: Span) -> v.Thunk:
        return v.Thunk(lambda: call(function, *arguments, span=span))

    def map_(span, function, items):
        value = v.force(items)
        if not isinstance(value, v.ListV):
            return _unknown(span, "map", value)
        return v.ListV([calling(function, item, span=span) for item in value.items], span)

    def filter_(span, predicate, items):
        value = v.force(items)
        if not isinstance(value, v.ListV):
            return _unknown(span, "filter", value)
        kept = []
        for item in value.items:
            verdict = v.truth(call(predicate, item, span=span))
            if verdict is None:
                return v.Unknown(span, "filter with a predicate that cannot be decided")
            if verdict:
                kept.append(item)
        return v.ListV(kept, span)

    def concat_map(span, function, items):
        mapped = map_(span, function, items)
        return concat_lists(span, mapped) if isinstance(mapped, v.ListV) else mapped

    def concat_lists(span, lists):
        value = v.force(lists)
        if not isinstance(value, v.ListV):
            return _unknown(span, "concatLists", value)
        out: list[v.Lazy] = []
        for item in value.items:
            inner = v.force(item)
            if not isinstance(inner, v.ListV):
                return _unknown(span, "concatLists", inner)
            out.extend(inner.items)
        return v.ListV(out, span)

    def flatten(span, items):
        value = v.force(items)
        if not isinstance(value, v.ListV):
            return v.ListV([items], span)
        out: list[v.Lazy] = []
        for item in value.items:
            inner = flatten(span, item)
            if not isinstance(inner, v.ListV):
                return inner
            out.extend(inner.items)
        return v.ListV(out, span)

    def attr_names(span, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return _unknown(span, "attrNames", value)
        return v.ListV([v.Str((name,), span) for name in sorted(value.attrs)], span)

    def attr_values(span, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return _unknown(span, "attrValues", value)
        return v.ListV([value.attrs[name].value for name in sorted(value.attrs)], span)

    def map_attrs(span, function, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return _unknown(span, "mapAttrs", value)
        return v.AttrsV({name: v.Attr(calling(function, v.Str((name,), span), attr.value, span=span),
                                      attr.key_span, attr.binding_span)
                         for name, attr in sorted(value.attrs.items())}, span)

    def map_attrs_to_list(span, function, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return _unknown(span, "mapAttrsToList", value)
        return v.ListV([calling(function, v.Str((name,), span), attr.value, span=span)
                        for name, attr in sorted(value.attrs.items())], span)

    def filter_attrs(span, predicate, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return _unknown(span, "filterAttrs", value)
        kept = {}
        for name, attr in sorted(value.attrs.items()):
            verdict = v.truth(call(predicate, v.Str((name,), span), attr.value, span=span))
            if verdict is None:
                return v.Unknown(span, "filterAttrs with a predicate that cannot be decided")
            if verdict:
                kept[name] = attr
        return v.AttrsV(kept, span)

    def list_to_attrs(span, items):
        value = v.force(items)
        if not isinstance(value, v.ListV):
            return _unknown(span, "listToAttrs", value)
        attrs: dict[str, v.Attr] = {}
        for item in value.items:
            pair = v.force(item)
            name = _select(pair, "name")
            if not isinstance(pair, v.AttrsV) or "value" not in pair.attrs or not isinstance(name, v.Str) \
                    or name.known is None:
                return v.Unknown(span, "listToAttrs of an element whose name cannot be known")
            attrs.setdefault(name.known, v.Attr(pair.attrs["value"].value, pair.span, pair.span))  # the first wins
        return v.AttrsV(attrs, span)

    def gen_attrs(span, names, function):
        value = v.force(names)
        if not isinstance(value, v.ListV):
            return _unknown(span, "genAttrs", value)
        attrs: dict[str, v.Attr] = {}
        for item in value.items:
            name = v.force(item)
            if not isinstance(name, v.Str) or name.known is None:
                return v.Unknown(span, "genAttrs over a name that cannot be known")
            attrs[name.known] = v.Attr(calling(function, name, span=span), name.span, name.span)
        return v.AttrsV(dict(sorted(attrs.items())), span)

    def name_value_pair(span, name, value):
        return v.AttrsV({"name": v.Attr(name, None, None), "value": v.Attr(value, None, None)}, span)

    def map_attrs_prime(span, function, attrs):
        pairs = map_attrs_to_list(span, function, attrs)
        return list_to_attrs(span, pairs) if isinstance(pairs, v.ListV) else pairs

    def has_attr(span, name, attrs):
        key, value = v.force(name), v.force(attrs)
        if not isinstance(key, v.Str) or key.known is None or not isinstance(value, v.AttrsV):
            return v.Unknown(span, "hasAttr")
        return v.Const(key.known in value.attrs, span)

    def length(span, items):
        value = v.force(items)
        return v.Const(len(value.items), span) if isinstance(value, v.ListV) else _unknown(span, "length", value)

    def head(span, items):
        value = v.force(items)
        if isinstance(value, v.ListV) and value.items:
            return v.force(value.items[0])
        return _unknown(span, "head", value)

    def string_test(name: str, test: Callable[[str, str], bool]):
        def impl(span, affix, text):
            a, s = v.force(affix), v.force(text)
            if isinstance(a, v.Str) and a.known is not None and isinstance(s, v.Str) and s.known is not None:
                return v.Const(test(s.known, a.known), span)
            return v.Unknown(span, name)
        return impl

    def has_suffix(span, suffix, text):
        """`hasSuffix`; a path is compared as the store path Nix copies it to,
        `/nix/store/HASH-NAME`: known unless the suffix ends with `-NAME` and reaches
        into the hash."""
        a, s = v.force(suffix), v.force(text)
        if isinstance(s, v.PathV) and s.resolved and isinstance(a, v.Str) and a.known is not None:
            stored_tail = "-" + os.path.basename(s.resolved)
            if len(a.known) <= len(stored_tail) or not a.known.endswith(stored_tail):
                return v.Const(stored_tail.endswith(a.known), span)
        return string_test("hasSuffix", lambda text_, affix: text_.endswith(affix))(span, a, s)

    def string_trim(name: str, trim: Callable[[str, str], str]):
        def impl(span, affix, text):
            a, s = v.force(affix), v.force(text)
            if isinstance(a, v.Str) and a.known is not None and isinstance(s, v.Str) and s.known is not None:
                return v.Str((trim(s.known, a.known),), span)
            return v.Unknown(span, name)
        return impl

    def fold_left(span, operator, initial, items):
        value = v.force(items)
        if not isinstance(value, v.ListV):
            return _unknown(span, "foldl'", value)
        accumulated: v.Lazy = initial
        for item in value.items:
            accumulated = call(operator, accumulated, item, span=span)
        return v.force(accumulated)

    def fold_right(span, operator, initial, items):
        value = v.force(items)
        if not isinstance(value, v.ListV):
            return _unknown(span, "foldr", value)
        accumulated: v.Lazy = initial
        for item in reversed(value.items):
            accumulated = calling(operator, item, accumulated, span=span)
        return v.force(accumulated)

    def match(span, pattern, text):
        """`builtins.match REGEX STRING`: null, or the list of the groups of a whole match.
        Nix's regular expressions are POSIX extended ones; only those Python reads the
        same way are computed (escapes only of a special character outside brackets, no
        bounds, character classes such as [:alpha:], or alternation with groups)."""
        p, s = v.force(pattern), v.force(text)
        if not (isinstance(p, v.Str) and p.known is not None and isinstance(s, v.Str) and s.known is not None) \
                or not _PORTABLE_REGEX.fullmatch(p.known) or "[:" in p.known or "[[" in p.known \
                or _ESCAPE_IN_BRACKETS.search(p.known) or ("|" in p.known and "(" in p.known):
            return v.Unknown(span, "match")
        try:
            found = re.fullmatch(p.known, s.known, re.DOTALL)
        except re.error:
            return v.Unknown(span, "match")
        if found is None:
            return v.Const(None, span)
        return v.ListV([v.Str((g,), span) if g is not None else v.Const(None, span) for g in found.groups()], span)

    def read_dir(span, path):
        folder = v.local_path(v.force(path))
        if folder is None or not os.path.isdir(folder):
            return v.Unknown(span, "readDir of a folder that cannot be known")
        attrs = {}
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            kind = "symlink" if entry.is_symlink() else "directory" if entry.is_dir() else \
                "regular" if entry.is_file() else "unknown"
            attrs[entry.name] = v.Attr(v.Str((kind,), span), span, span)
        return v.AttrsV(attrs, span)

    def path_exists(span, path):
        local = v.local_path(v.force(path))
        if local is None:
            return v.Unknown(span, "pathExists of a path that cannot be known")
        return v.Const(os.path.exists(local), span)

    def list_files_recursive(span, path):
        folder = v.local_path(v.force(path))
        if folder is None or not os.path.isdir(folder):
            return v.Unknown(span, "listFilesRecursive of a folder that cannot be known")
        return v.ListV([v.PathV(p, p, span) for p in files_recursive(folder)], span)

    def pipe(span, value, functions):
        listed = v.force(functions)
        if not isinstance(listed, v.ListV):
            return _unknown(span, "pipe", listed)
        result = value
        for function in listed.items:
            result = calling(function, result, span=span)
        return v.force(result)

    def base_name_of(span, path):
        """Everything after the last slash (one trailing slash ignored), as a string; a
        path is not copied to the store for it."""
        text = _path_text(v.force(path))
        if text is None:
            return _unknown(span, "baseNameOf", v.force(path))
        last = len(text) - 1
        if last > 0 and text[last] == "/":
            last -= 1
        return v.Str((text[text.rfind("/", 0, last + 1) + 1:last + 1],), span)

    def dir_of(span, path):
        """Everything before the last slash ("." where there is none): a path of a path,
        a string of a string."""
        value = v.force(path)
        text = _path_text(value)
        if text is None:
            return _unknown(span, "dirOf", value)
        at = text.rfind("/")
        parent = "." if at == -1 else "/" if at == 0 else text[:at]
        if isinstance(value, v.PathV):
            return v.PathV(parent, parent, span)
        return v.Str((parent,), span)

    def read_file(span, path):
        local = v.local_path(v.force(path))
        if local is None or not os.path.isfile(local) or os.path.getsize(local) > LARGEST_FILE:
            return v.Unknown(span, "readFile of a file that cannot be known")
        interp.data_files.append(local)
        with open(local, "rb") as file:
            return v.Str((file.read().decode("utf-8", "surrogateescape"),), span)

    def reader(name: str, parse: Callable[[str], object]):
        def impl(span, text):
            value = v.force(text)
            if not isinstance(value, v.Str) or value.known is None:
                return v.Unknown(span, f"{name} of a string that cannot be known")
            try:
                return _value_of(parse(value.known), span)
            except (ValueError, tomllib.TOMLDecodeError):
                return v.Unknown(span, f"{name} of text it cannot read")
        return impl

    def import_data(name: str, parse: Callable[[str], object]):
        def impl(span, path):
            text = read_file(span, path)
            return reader(name, parse)(span, text) if isinstance(text, v.Str) else text
        return impl

    def get_env(span, name):
        interp.impure.append(span)
        return v.Unknown(span, "builtins.getEnv: the environment of whoever builds it")

    return {
        **strings.definitions(call),
        **collections.definitions(call),
        "readFile": (1, read_file),
        "fromJSON": (1, reader("fromJSON", json.loads)),
        "fromTOML": (1, reader("fromTOML", tomllib.loads)),
        "importJSON": (1, import_data("importJSON", json.loads)),
        "importTOML": (1, import_data("importTOML", tomllib.loads)),
        "map": (2, map_),
        "filter": (2, filter_),
        "concatMap": (2, concat_map),
        "concatLists": (1, concat_lists),
        "flatten": (1, flatten),
        "attrNames": (1, attr_names),
        "attrValues": (1, attr_values),
        "mapAttrs": (2, map_attrs),
        "mapAttrs'": (2, map_attrs_prime),
        "mapAttrsToList": (2, map_attrs_to_list),
        "filterAttrs": (2, filter_attrs),
        "listToAttrs": (1, list_to_attrs),
        "genAttrs": (2, gen_attrs),
        "nameValuePair": (2, name_value_pair),
        "hasAttr": (2, has_attr),
        "length": (1, length),
        "head": (1, head),
        "hasSuffix": (2, has_suffix),
        "hasPrefix": (2, string_test("hasPrefix", lambda s, a: s.startswith(a))),
        "removeSuffix": (2, string_trim("removeSuffix", lambda s, a: s[: -len(a)] if a and s.endswith(a) else s)),
        "removePrefix": (2, string_trim("removePrefix", lambda s, a: s[len(a):] if s.startswith(a) else s)),
        "foldl'": (3, fold_left),
        "foldl": (3, fold_left),
        "foldr": (3, fold_right),
        "match": (2, match),
        "readDir": (1, read_dir),
        "pathExists": (1, path_exists),
        "listFilesRecursive": (1, list_files_recursive),
        "getEnv": (1, get_env),
        "pipe": (2, pipe),
        "flip": (3, lambda span, function, a, b: call(function, b, a, span=span)),
        "const": (2, lambda span, x, _ignored: v.force(x)),
        "baseNameOf": (1, base_name_of),
        "dirOf": (1, dir_of),
    }


# Which of them `builtins` has (the rest are only in nixpkgs' lib).
BUILTINS = frozenset({"map", "filter", "concatMap", "concatLists", "attrNames", "attrValues", "mapAttrs",
                      "listToAttrs", "hasAttr", "length", "head", "readDir", "pathExists", "getEnv", "foldl'",
                      "match", "baseNameOf", "dirOf", "readFile", "fromJSON", "fromTOML"}) \
    | strings.BUILTINS | collections.BUILTINS
LARGEST_FILE = 10 * 1024 * 1024   # readFile of more is left unknown
# A regular expression written alike in POSIX extended syntax and Python's.
_PORTABLE_REGEX = re.compile(r"(?:[A-Za-z0-9_.*+?^$()|\[\] /:@=,-]|\\[.*+?^$()\[\]{}|\\/])*")
# Inside brackets a backslash is itself in POSIX, an escape in Python.
_ESCAPE_IN_BRACKETS = re.compile(r"\[[^\]]*\\")


def _select(value: v.Value, name: str) -> v.Value | None:
    if isinstance(value, v.AttrsV) and name in value.attrs:
        return v.force(value.attrs[name].value)
    return None


def _value_of(data: object, span: Span) -> v.Value:
    """A value read from JSON or TOML."""
    if isinstance(data, dict):
        return v.AttrsV({str(k): v.Attr(_value_of(item, span), None, None) for k, item in data.items()}, span)
    if isinstance(data, list):
        return v.ListV([_value_of(item, span) for item in data], span)
    if isinstance(data, str):
        return v.Str((data,), span)
    if data is None or isinstance(data, (bool, int, float)):
        return v.Const(data, span)
    return v.Unknown(span, f"a {type(data).__name__} read from data")


def files_recursive(folder: str) -> list[str]:
    """nixpkgs' `lib.filesystem.listFilesRecursive`: each folder's entries by name, a
    sub-folder's files where the sub-folder stands (a symbolic link is an entry, never
    followed)."""
    found: list[str] = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            found.extend(files_recursive(path))
        else:
            found.append(path)
    return found


def _path_text(value: v.Value) -> str | None:
    """A resolved path, or a known string, as text."""
    if isinstance(value, v.PathV):
        return value.resolved
    if isinstance(value, v.Str):
        return value.known
    return None


def _unknown(span: Span, name: str, argument: v.Value) -> v.Unknown:
    return v.Unknown(span, f"{name} of a value that cannot be known")
