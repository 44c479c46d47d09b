"""Nix's binary operators over statically known values.

Unknown operands give Unknown results, except where the answer does not depend
on them (`false && x`, `true || x`).
"""
from __future__ import annotations

from typing import Any

from . import values as v
from .source import Span


def is_fully_known(value: Any) -> bool:
    if isinstance(value, v.UnknownValue):
        return False
    if isinstance(value, list):
        return all(is_fully_known(item) for item in value)
    if isinstance(value, dict):
        return all(is_fully_known(item) for item in value.values())
    return True


def _list_parts(value: v.Value) -> tuple[v.Value, ...]:
    if isinstance(value, v.PartlyKnownList):
        return value.parts
    return (value,)


def _is_null(value: v.Value) -> bool:
    return isinstance(value, v.Const) and value.value is None


def _never_null(value: v.Value) -> bool:
    """A value that cannot be null even where what it holds cannot be known: a set (a modelled
    one -- a flake input, lib -- or one updated over an unknown one), a list, a string, a path,
    a function."""
    return isinstance(value, (v.AttrsV, v.Extensible, v.PartlyKnown, v.PartlyKnownList, v.ListV, v.Str, v.PathV,
                              v.Lambda, v.Primop))


def binary(interp, op: str, left: v.Value, right_node, env, source, span: Span) -> v.Value:
    if op in ("&&", "||", "->"):
        known_left = v.truth(left)
        if op == "&&" and known_left is False:
            return v.Const(False, span)
        if op == "||" and known_left is True:
            return v.Const(True, span)
        if op == "->" and known_left is False:
            return v.Const(True, span)
        right = interp.eval(right_node, env, source)
        known_right = v.truth(right)
        if op == "&&":
            if known_right is False:
                return v.Const(False, span)
            if known_left is True and known_right is True:
                return v.Const(True, span)
        elif op == "||":
            if known_right is True:
                return v.Const(True, span)
            if known_left is False and known_right is False:
                return v.Const(False, span)
        else:
            if known_right is True:
                return v.Const(True, span)
            if known_left is True and known_right is False:
                return v.Const(False, span)
        return v.Unknown(span, f"{op} on a value that cannot be known")

    right = interp.eval(right_node, env, source)
    if op in ("==", "!=") and (_is_null(left) and _never_null(right) or _is_null(right) and _never_null(left)):
        return v.Const(op == "!=", span)   # `home-manager != null`, an input: a set, whatever it holds
    if op in ("==", "!="):
        a, b = v.to_python(left), v.to_python(right)
        if not (is_fully_known(a) and is_fully_known(b)):
            return v.Unknown(span, "comparison with a value that cannot be known")
        equal = a == b and type(a) is type(b) or (a == b and isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool))
        return v.Const(equal if op == "==" else not equal, span)
    if op in ("<", "<=", ">", ">="):
        a_num, b_num = v.number(left), v.number(right)
        if a_num is not None and b_num is not None:
            result = {"<": a_num < b_num, "<=": a_num <= b_num, ">": a_num > b_num, ">=": a_num >= b_num}[op]
            return v.Const(result, span)
        if isinstance(left, v.Str) and isinstance(right, v.Str) and left.known is not None and right.known is not None:
            a_s, b_s = left.known, right.known
            return v.Const({"<": a_s < b_s, "<=": a_s <= b_s, ">": a_s > b_s, ">=": a_s >= b_s}[op], span)
        return v.Unknown(span, "comparison")
    if op == "++":
        if isinstance(left, v.ListV) and isinstance(right, v.ListV):
            return v.ListV(left.items + right.items, span)
        if any(isinstance(side, (v.ListV, v.PartlyKnownList)) for side in (left, right)):
            return v.PartlyKnownList(span, "list concatenation with a value that cannot be known",
                                     _list_parts(left) + _list_parts(right))
        return v.Unknown(span, "list concatenation with a value that cannot be known")
    if op == "//":
        property_ = _update_of_property(left, right, span)
        if property_ is not None:
            interp.dropped_updates.append(DroppedUpdate(span, left, right))
            return property_
        if isinstance(left, v.AttrsV) and isinstance(right, v.AttrsV):
            attrs = dict(left.attrs)
            attrs.update(right.attrs)
            return v.AttrsV(attrs, span)
        if isinstance(left, v.Extensible) and isinstance(right, v.AttrsV):
            return left.updated(right)   # `lib // { mkHost = …; }`, `mkEnableOption "x" // { default = true; }`
        # `nixpkgs.lib // home.lib // (import ./lib …)` (`//` binds to the right): the right
        # side's names win whatever the left holds; any other name cannot be known
        if isinstance(right, v.AttrsV) and isinstance(left, (v.Unknown, v.Symbolic)):
            partly = isinstance(left, v.PartlyKnown)
            earlier = left.select if partly else (lambda name: None)
            names = (*left.names, *(n for n in right.attrs if n not in left.names)) if partly and left.names is not None \
                else None if partly else tuple(right.attrs)
            return v.PartlyKnown(span, "attribute-set update with a value that cannot be known", lambda name: (
                right.attrs[name].value if name in right.attrs else earlier(name)), names,
                left.unknown if partly else left)
        if isinstance(right, v.PartlyKnown):
            return v.PartlyKnown(span, right.why, right.select)
        from .nixlib import Namespace   # (here: nixlib's functions import this module)
        if isinstance(right, Namespace):   # (its members: None where a name is not modelled)
            return v.PartlyKnown(span, "attribute-set update with a value that cannot be known", right.members)
        return v.Unknown(span, "attribute-set update with a value that cannot be known")
    if op == "+":
        left, right = v.as_string(left), v.as_string(right)
        if isinstance(left, v.Str) and isinstance(right, v.Str):
            return v.Str(left.parts + right.parts, span)
        if isinstance(left, v.PathV) and isinstance(right, v.Str) and right.known is not None and left.resolved:
            return v.PathV(left.text + right.known, left.resolved + right.known, span)
    a_num, b_num = v.number(left), v.number(right)
    if a_num is not None and b_num is not None:
        if op == "+":
            return v.Const(a_num + b_num, span)
        if op == "-":
            return v.Const(a_num - b_num, span)
        if op == "*":
            return v.Const(a_num * b_num, span)
        if op == "/" and b_num != 0:
            if isinstance(a_num, int) and isinstance(b_num, int):
                return v.Const(int(a_num / b_num), span)
            return v.Const(a_num / b_num, span)
    return v.Unknown(span, f"operator {op}")


_PROPERTIES = (v.If, v.Override, v.Merge, v.Order)


class DroppedUpdate:
    """`A // B` where A or B is a mkIf/mkMerge/mkOverride value: the module system reads
    only that property, so what the other side adds is lost."""

    __slots__ = ("span", "left", "right")

    def __init__(self, span: Span, left: v.Value, right: v.Value):
        self.span = span
        self.left = left
        self.right = right

    @property
    def property_side(self) -> str:
        return "right" if isinstance(self.right, _PROPERTIES) else "left"
# The attributes through which the module system reads a property (`{ _type = "if"; condition; content; }`).
_PROPERTY_KEYS = frozenset({"_type", "condition", "content", "contents", "priority"})


def _update_of_property(left: v.Value, right: v.Value, span: Span) -> v.Value | None:
    """`lib.mkIf c { a = 1; } // { b = 2; }`: a property is an attribute set whose `_type`
    the module system reads, so an update keeps the property of the right side, else the
    one of the left (whose other attributes the module system never reads: `b` is
    dropped).  None when neither side is a property."""
    if isinstance(right, _PROPERTIES):
        return right
    if isinstance(left, _PROPERTIES):
        if isinstance(right, v.AttrsV) and not (_PROPERTY_KEYS & right.attrs.keys()):
            return left
        return v.Unknown(span, "attribute-set update of a lib.mkIf/mkMerge/mkOverride value")
    return None

