"""More of Nix's list and attribute-set functions, as the static interpreter computes them.

Host lists and module sets are built with these (`builtins.sort builtins.lessThan`,
`elemAt`, `genList`, `lib.mergeAttrsList`, `lib.recursiveUpdate`, `lib.fix`).  Each
follows Nix (names iterated sorted, a stable sort, the right side winning an update);
what cannot be known gives an `Unknown` naming the function, never a guess.
"""
from __future__ import annotations

import functools
from typing import Callable

from . import values as v
from .operators import is_fully_known

# Which of them `builtins` has (the rest are only in nixpkgs' lib).
BUILTINS = frozenset({"sort", "elemAt", "tail", "genList", "all", "any", "partition", "removeAttrs", "getAttr",
                      "catAttrs", "intersectAttrs", "typeOf", "isAttrs", "isList", "isString", "isFunction",
                      "isBool", "isInt", "isFloat", "isPath", "isNull", "seq", "deepSeq", "trace"})
LARGEST_LIST = 100_000   # genList and range beyond this are left unknown: a linter does not build them


def definitions(call: Callable) -> dict[str, tuple[int, Callable]]:
    """name -> (arity, implementation(span, *args)); `call(function, *arguments, span=)`
    applies a Nix function."""

    def truth_of(function, *arguments, span) -> bool | None:
        return v.truth(v.force(call(function, *arguments, span=span)))

    def sort(span, comparator, items):
        listed = v.force(items)
        if not isinstance(listed, v.ListV):
            return v.Unknown(span, "sort of a list that cannot be known")
        undecided = []

        def compare(a, b) -> int:
            before = truth_of(comparator, a, b, span=span)
            after = truth_of(comparator, b, a, span=span) if before is False else False
            if before is None or after is None:
                undecided.append(True)
            return -1 if before else 1 if after else 0
        ordered = sorted(listed.items, key=functools.cmp_to_key(compare))
        return v.Unknown(span, "sort with a comparison that cannot be decided") if undecided else \
            v.ListV(ordered, span)

    def elem_at(span, items, index):
        listed, at = v.force(items), v.integer(index)
        if isinstance(listed, v.ListV) and at is not None and 0 <= at < len(listed.items):
            return v.force(listed.items[at])
        return v.Unknown(span, "elemAt")

    def tail(span, items):
        listed = v.force(items)
        if isinstance(listed, v.ListV) and listed.items:
            return v.ListV(listed.items[1:], span)
        return v.Unknown(span, "tail")

    def last(span, items):
        listed = v.force(items)
        if isinstance(listed, v.ListV) and listed.items:
            return v.force(listed.items[-1])
        return v.Unknown(span, "last")

    def gen_list(span, function, count):
        length = v.integer(count)
        if length is None or not 0 <= length <= LARGEST_LIST:
            return v.Unknown(span, "genList of a length that cannot be known")
        return v.ListV([v.Thunk(lambda i=i: call(function, v.Const(i, span), span=span)) for i in range(length)], span)

    def range_(span, first, last_):
        a, b = v.integer(first), v.integer(last_)
        if a is None or b is None or b - a + 1 > LARGEST_LIST:
            return v.Unknown(span, "range")
        return v.ListV([v.Const(i, span) for i in range(a, b + 1)], span)

    def indexed(base: int):
        def impl(span, function, items):
            listed = v.force(items)
            if not isinstance(listed, v.ListV):
                return v.Unknown(span, f"imap{base}")
            return v.ListV([v.Thunk(lambda i=i, item=item: call(function, v.Const(i + base, span), item, span=span))
                            for i, item in enumerate(listed.items)], span)
        return impl

    def quantifier(name: str, every: bool):
        def impl(span, predicate, items):
            listed = v.force(items)
            if not isinstance(listed, v.ListV):
                return v.Unknown(span, name)
            undecided = False
            for item in listed.items:
                verdict = truth_of(predicate, item, span=span)
                if verdict is None:
                    undecided = True
                elif verdict is not every:
                    return v.Const(not every, span)
            return v.Unknown(span, f"{name} with a predicate that cannot be decided") if undecided else \
                v.Const(every, span)
        return impl

    def partition(span, predicate, items):
        listed = v.force(items)
        if not isinstance(listed, v.ListV):
            return v.Unknown(span, "partition")
        right, wrong = [], []
        for item in listed.items:
            verdict = truth_of(predicate, item, span=span)
            if verdict is None:
                return v.Unknown(span, "partition with a predicate that cannot be decided")
            (right if verdict else wrong).append(item)
        return v.AttrsV({"right": v.Attr(v.ListV(right, span), None, None),
                         "wrong": v.Attr(v.ListV(wrong, span), None, None)}, span)

    def unique(span, items):
        listed = v.force(items)
        if not isinstance(listed, v.ListV):
            return v.Unknown(span, "unique")
        kept, seen = [], []
        for item in listed.items:
            plain = v.to_python(item)
            if not is_fully_known(plain):
                return v.Unknown(span, "unique of values that cannot be known")
            if plain not in seen:
                seen.append(plain)
                kept.append(item)
        return v.ListV(kept, span)

    def to_list(span, value):
        forced = v.force(value)
        if isinstance(forced, v.ListV):
            return forced
        if isinstance(forced, (v.Unknown, v.Symbolic)):
            return v.Unknown(span, "toList")
        return v.ListV([value], span)

    def merge_attrs_list(span, items):
        listed = v.force(items)
        if not isinstance(listed, v.ListV):
            return v.Unknown(span, "mergeAttrsList")
        merged: dict[str, v.Attr] = {}
        for item in listed.items:
            value = v.force(item)
            if not isinstance(value, v.AttrsV):
                return v.Unknown(span, "mergeAttrsList of a value that cannot be known")
            merged.update(value.attrs)
        return v.AttrsV(merged, span)

    def recursive_update(span, left, right):
        a, b = v.force(left), v.force(right)
        if not isinstance(a, v.AttrsV) or not isinstance(b, v.AttrsV):
            return v.Unknown(span, "recursiveUpdate")
        merged = dict(a.attrs)
        for name, attr in b.attrs.items():
            if name in merged:
                old, new = v.force(merged[name].value), v.force(attr.value)
                if isinstance(old, v.AttrsV) and isinstance(new, v.AttrsV):
                    attr = v.Attr(recursive_update(span, old, new), attr.key_span, attr.binding_span)
                elif isinstance(old, (v.Unknown, v.Symbolic)) or isinstance(new, (v.Unknown, v.Symbolic)):
                    attr = v.Attr(v.Unknown(span, "recursiveUpdate of a value that cannot be known"), None, None)
            merged[name] = attr
        return v.AttrsV(merged, span)

    def attr_by_path(span, path, default, attrs):
        names = _names(path)
        if names is None:
            return v.Unknown(span, "attrByPath")
        value = v.force(attrs)
        for name in names:
            if isinstance(value, v.AttrsV):
                if name not in value.attrs:
                    return v.force(default)
                value = v.force(value.attrs[name].value)
            else:
                return v.Unknown(span, "attrByPath of a value that cannot be known")
        return value

    def attrs_to_list(span, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return v.Unknown(span, "attrsToList")
        return v.ListV([v.AttrsV({"name": v.Attr(v.Str((name,), span), None, None), "value": v.Attr(attr.value, None,
                                                                                                       None)}, span)
                        for name, attr in sorted(value.attrs.items())], span)

    def concat_map_attrs(span, function, attrs):
        value = v.force(attrs)
        if not isinstance(value, v.AttrsV):
            return v.Unknown(span, "concatMapAttrs")
        pieces = v.ListV([call(function, v.Str((name,), span), attr.value, span=span)
                          for name, attr in sorted(value.attrs.items())], span)
        return merge_attrs_list(span, pieces)

    def remove_attrs(span, attrs, names):
        value, dropped = v.force(attrs), _names(names)
        if not isinstance(value, v.AttrsV) or dropped is None:
            return v.Unknown(span, "removeAttrs")
        return v.AttrsV({n: a for n, a in value.attrs.items() if n not in dropped}, span)

    def get_attr(span, name, attrs):
        key, value = _name(name), v.force(attrs)
        if key is not None and isinstance(value, v.AttrsV) and key in value.attrs:
            return v.force(value.attrs[key].value)
        return v.Unknown(span, "getAttr")

    def cat_attrs(span, name, items):
        key, listed = _name(name), v.force(items)
        if key is None or not isinstance(listed, v.ListV):
            return v.Unknown(span, "catAttrs")
        found = []
        for item in listed.items:
            value = v.force(item)
            if not isinstance(value, v.AttrsV):
                return v.Unknown(span, "catAttrs of a value that cannot be known")
            if key in value.attrs:
                found.append(value.attrs[key].value)
        return v.ListV(found, span)

    def intersect_attrs(span, left, right):
        a, b = v.force(left), v.force(right)
        if not isinstance(a, v.AttrsV) or not isinstance(b, v.AttrsV):
            return v.Unknown(span, "intersectAttrs")
        return v.AttrsV({n: attr for n, attr in b.attrs.items() if n in a.attrs}, span)

    def fix(span, function):
        """`fix f`: the value `x` with `x == f x`, made lazily (as `let x = f x; in x`)."""
        holder: list[v.Lazy] = []
        holder.append(v.Thunk(lambda: call(function, holder[0], span=span)))
        return v.force(holder[0])

    def type_of(span, value):
        kind = v.type_of(v.force(value))
        return v.Str((kind,), span) if kind is not None else v.Unknown(span, "typeOf")

    def is_kind(kind: str):
        def impl(span, value):
            found = v.type_of(v.force(value))
            return v.Const(found == kind, span) if found is not None else v.Unknown(span, f"is{kind}")
        return impl

    def second(span, first, then):   # seq, deepSeq, trace: the second argument
        return v.force(then)

    return {
        "sort": (2, sort),
        "elemAt": (2, elem_at),
        "tail": (1, tail),
        "last": (1, last),
        "genList": (2, gen_list),
        "range": (2, range_),
        "imap0": (2, indexed(0)),
        "imap1": (2, indexed(1)),
        "all": (2, quantifier("all", True)),
        "any": (2, quantifier("any", False)),
        "partition": (2, partition),
        "unique": (1, unique),
        "toList": (1, to_list),
        "mergeAttrsList": (1, merge_attrs_list),
        "recursiveUpdate": (2, recursive_update),
        "attrByPath": (3, attr_by_path),
        "attrsToList": (1, attrs_to_list),
        "concatMapAttrs": (2, concat_map_attrs),
        "removeAttrs": (2, remove_attrs),
        "getAttr": (2, get_attr),
        "catAttrs": (2, cat_attrs),
        "intersectAttrs": (2, intersect_attrs),
        "fix": (1, fix),
        "typeOf": (1, type_of),
        "isAttrs": (1, is_kind("set")),
        "isList": (1, is_kind("list")),
        "isString": (1, is_kind("string")),
        "isFunction": (1, is_kind("lambda")),
        "isBool": (1, is_kind("bool")),
        "isInt": (1, is_kind("int")),
        "isFloat": (1, is_kind("float")),
        "isPath": (1, is_kind("path")),
        "isNull": (1, is_kind("null")),
        "seq": (2, second),
        "deepSeq": (2, second),
        "trace": (2, second),
    }


def _name(item: v.Lazy) -> str | None:
    value = v.force(item)
    return value.known if isinstance(value, v.Str) else None


def _names(item: v.Lazy) -> list[str] | None:
    value = v.force(item)
    if not isinstance(value, v.ListV):
        return None
    names = [_name(element) for element in value.items]
    return None if any(n is None for n in names) else names
