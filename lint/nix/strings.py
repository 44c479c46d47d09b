"""Nix's string functions, as the static interpreter computes them.

Repositories name hosts and files with them (`substring 0 (stringLength f - 4) f`,
`splitString "." fqdn`, `replaceStrings`).  Nix strings are bytes: lengths and
positions count bytes, as Nix does.  A string that cannot be known gives an
`Unknown` naming the function, never a guess.
"""
from __future__ import annotations

from typing import Callable

from . import values as v
from .source import Span

# Which of them `builtins` has (the rest are only in nixpkgs' lib).
BUILTINS = frozenset({"substring", "stringLength", "replaceStrings", "lessThan"})


def definitions(call: Callable) -> dict[str, tuple[int, Callable]]:
    """name -> (arity, implementation(span, *args)); `call(function, *arguments, span=)`
    applies a Nix function."""

    def substring(span, start, length, text):
        begin, count, data = v.integer(start), v.integer(length), _bytes(text)
        if begin is None or count is None or data is None or begin < 0:
            return v.Unknown(span, "substring of a string that cannot be known")
        end = len(data) if count < 0 else begin + count
        return _str(data[begin:end], span)

    def string_length(span, text):
        data = _bytes(text)
        return v.Const(len(data), span) if data is not None else v.Unknown(span, "stringLength")

    def replace_strings(span, patterns, replacements, text):
        """At each position the first pattern that matches is replaced (an empty one
        matches everywhere, before the byte it stands at), as Nix's replaceStrings."""
        sought, put, data = _byte_list(patterns), _byte_list(replacements), _bytes(text)
        if sought is None or put is None or data is None or len(sought) != len(put):
            return v.Unknown(span, "replaceStrings")
        out, at = bytearray(), 0
        while at <= len(data):
            for pattern, replacement in zip(sought, put):
                if data.startswith(pattern, at):
                    out += replacement
                    if pattern:
                        at += len(pattern)
                    else:
                        out += data[at:at + 1]
                        at += 1
                    break
            else:
                out += data[at:at + 1]
                at += 1
        return _str(bytes(out), span)

    def less_than(span, left, right):
        a, b = v.force(left), v.force(right)
        if isinstance(a, v.Str) and isinstance(b, v.Str) and a.known is not None and b.known is not None:
            return v.Const(a.known.encode() < b.known.encode(), span)
        x, y = v.number(a), v.number(b)
        if x is not None and y is not None:
            return v.Const(x < y, span)
        return v.Unknown(span, "lessThan")

    def split_string(span, separator, text):
        sep, data = _bytes(separator), _bytes(text)
        if sep is None or data is None or not sep:
            return v.Unknown(span, "splitString")
        return v.ListV([_str(part, span) for part in data.split(sep)], span)

    def has_infix(span, infix, text):
        part, data = _bytes(infix), _bytes(text)
        return v.Const(part in data, span) if part is not None and data is not None else v.Unknown(span, "hasInfix")

    def ascii_case(name: str, change: Callable[[bytes], bytes]):
        def impl(span, text):
            data = _bytes(text)
            return _str(change(data), span) if data is not None else v.Unknown(span, name)
        return impl

    def concat_strings(span, items):
        listed = v.force(items)
        parts = [_bytes(item) for item in listed.items] if isinstance(listed, v.ListV) else None
        if parts is None or any(part is None for part in parts):
            return v.Unknown(span, "concatStrings")
        return _str(b"".join(parts), span)

    def concat_map_strings(span, function, items):
        listed = v.force(items)
        if not isinstance(listed, v.ListV):
            return v.Unknown(span, "concatMapStrings")
        return concat_strings(span, v.ListV([call(function, item, span=span) for item in listed.items], span))

    def replace_string(span, before, after, text):
        """lib.replaceString from to: replaceStrings [ from ] [ to ] (nixpkgs' strings.nix)."""
        return replace_strings(span, v.ListV([before], span), v.ListV([after], span), text)

    return {
        "substring": (3, substring),
        "stringLength": (1, string_length),
        "replaceStrings": (3, replace_strings),
        "replaceString": (3, replace_string),
        "lessThan": (2, less_than),
        "splitString": (2, split_string),
        "hasInfix": (2, has_infix),
        "toLower": (1, ascii_case("toLower", bytes.lower)),
        "toUpper": (1, ascii_case("toUpper", bytes.upper)),
        "concatStrings": (1, concat_strings),
        "concatMapStrings": (2, concat_map_strings),
    }


def _bytes(item: v.Lazy) -> bytes | None:
    value = v.force(item)
    if isinstance(value, v.Str) and value.known is not None:
        return value.known.encode("utf-8", "surrogateescape")
    return None


def _byte_list(item: v.Lazy) -> list[bytes] | None:
    value = v.force(item)
    if not isinstance(value, v.ListV):
        return None
    found = [_bytes(element) for element in value.items]
    return None if any(b is None for b in found) else found


def _str(data: bytes, span: Span) -> v.Str:
    return v.Str((data.decode("utf-8", "surrogateescape"),), span)
