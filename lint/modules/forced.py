"""Where a module's file can give a definition a priority above a plain one.

NX004 needs the options some definition forces (`lib.mkForce`, `mkOverride 10`, …).
Evaluating a whole module to find them costs as much as evaluating it for every
rule; instead its syntax is read down the attribute sets of its config, through
`mkIf`, `mkMerge` and the other properties, to the calls of those functions: the
option paths above them are the only places to look.  Where a call sits somewhere
this reading does not follow (a `let` binding, an unknown function's argument), the
answer is None: look everywhere.
"""
from __future__ import annotations

import re

from ..nix.parser import ParsedFile
from ..nix.words import has_any_word

# Functions that give a priority above a plain definition (their aliases under `lib.`).
FORCING = frozenset({"mkForce", "mkOverride", "mkVMOverride", "mkImageMediaOverride"})
# Properties whose last argument is the value they wrap (followed, not judged).
WRAPPING = frozenset({"mkIf", "mkMerge", "mkDefault", "mkOptionDefault", "mkBefore", "mkAfter", "mkOrder",
                      "optionalAttrs"})
FORCE_NAMES = (b"mkForce", b"mkOverride", b"mkVMOverride", b"mkImageMediaOverride")
MAX_DEPTH = 100
STRUCTURAL_KEYS = frozenset({"imports", "require", "_file", "key", "disabledModules", "_class", "freeformType"})
_PLAIN_NAMES = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*")


class _Unreadable(Exception):
    """A forcing call where the syntax does not say which option it is for."""


def forced_paths(parsed: ParsedFile) -> list[tuple[str, ...]] | None:
    """The option paths at or under which the file's module may write a forced
    definition ([] where it writes none), or None where that cannot be read."""
    if "forced paths" not in parsed.facts:
        parsed.facts["forced paths"] = _forced_paths(parsed)
    return parsed.facts["forced paths"]


def calls_forcing(data: bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether the text (between `start` and `end`) names a function of FORCE_NAMES."""
    return has_any_word(data, FORCE_NAMES, start, end)


def _forced_paths(parsed: ParsedFile) -> list[tuple[str, ...]] | None:
    data = parsed.source.data
    if not calls_forcing(data):
        return []
    root = parsed.root
    if root is None or parsed.error is not None:
        return None
    found: list[tuple[str, ...]] = []
    try:
        top = _top_set(next(iter(root.named_children), None), data)
        if top is None:
            return None
        bindings = _bindings(top, data)
        full_form = any(names[0] in ("config", "options") for names, _ in bindings)
        for names, value in bindings:
            if full_form:
                if names[0] == "config":
                    _walk(value, names[1:], data, found)
            elif names[0] not in STRUCTURAL_KEYS:
                _walk(value, names, data, found)
    except _Unreadable:
        return None
    return found


def _top_set(node, data: bytes):
    """The module's attribute set, under its function, `with` and `let` (a `let` that
    binds a forcing call could hand it to any option: unreadable)."""
    while node is not None:
        kind = node.type
        if kind == "attrset_expression" or kind == "rec_attrset_expression":
            return node
        if kind == "function_expression" or kind == "with_expression":
            node = node.child_by_field_name("body")
        elif kind == "let_expression":
            bindings = next((c for c in node.named_children if c.type == "binding_set"), None)
            if bindings is not None and any(b.type == "binding" and _forces(b, data) for b in bindings.named_children):
                raise _Unreadable   # (`inherit (lib) mkForce;` only names it)
            node = node.child_by_field_name("body")
        elif kind == "parenthesized_expression":
            node = next(iter(node.named_children), None)
        else:
            return None
    return None


def _bindings(attrset, data: bytes) -> list[tuple[tuple[str, ...], object]]:
    bindings = next((c for c in attrset.named_children if c.type == "binding_set"), None)
    found = []
    for binding in bindings.named_children if bindings is not None else ():
        if binding.type != "binding":
            continue   # an `inherit` reads a value from somewhere: never a call written here
        attrpath = binding.child_by_field_name("attrpath")
        value = binding.child_by_field_name("expression")
        text = data[attrpath.start_byte:attrpath.end_byte].decode("utf-8", "replace") if attrpath else ""
        if not _PLAIN_NAMES.fullmatch(text):
            if value is not None and _forces(value, data):
                raise _Unreadable   # a quoted or computed name: not followed
            continue
        found.append((tuple(text.split(".")), value))
    return found


def _walk(node, path: tuple[str, ...], data: bytes, found: list, depth: int = 0) -> None:
    if node is None or not _forces(node, data):
        return
    if depth > MAX_DEPTH:
        raise _Unreadable   # deeper than modules are written: evaluate it all instead
    kind = node.type
    if kind == "attrset_expression" or kind == "rec_attrset_expression":
        for names, value in _bindings(node, data):
            _walk(value, path + names, data, found, depth + 1)
    elif kind == "parenthesized_expression":
        _walk(next(iter(node.named_children), None), path, data, found, depth + 1)
    elif kind == "list_expression":   # the modules of a `mkMerge [ … ]`
        for item in node.named_children:
            _walk(item, path, data, found, depth + 1)
    elif kind == "apply_expression":
        function, arguments = _call(node)
        name = _function_name(function, data)
        if name in FORCING:
            found.append(path)
        elif name in WRAPPING and arguments:
            for argument in arguments[:-1]:
                if _forces(argument, data):
                    raise _Unreadable
            _walk(arguments[-1], path, data, found, depth + 1)
        else:
            raise _Unreadable
    else:
        raise _Unreadable   # a forcing call under an `if`, a `let`, a function: not followed


def _call(node):
    """`f a b` -> (f, [a, b])."""
    arguments = []
    while node.type == "apply_expression":
        arguments.append(node.child_by_field_name("argument"))
        node = node.child_by_field_name("function")
    return node, arguments[::-1]


def _function_name(node, data: bytes) -> str | None:
    """`mkForce`, `lib.mkForce`, `lib.modules.mkForce` -> "mkForce"."""
    if node is None or node.type not in ("variable_expression", "select_expression"):
        return None
    return data[node.start_byte:node.end_byte].decode("utf-8", "replace").rsplit(".", 1)[-1].strip()


def _forces(node, data: bytes) -> bool:
    return calls_forcing(data, node.start_byte, node.end_byte)
