"""Where a Nix file defines an attribute twice, which Nix refuses when it parses the
file ("attribute 'a.b' already defined"): through a dotted path and a nested set
(`a.b = 1; a = { b = 2; };`), an inherited name, a quoted one (`"a" = 1; a = 2;`).
Merging sets is fine (`a.b = 1; a = { c = 2; };`), and so is anything under a name
computed when the set is made (`${x}`), though the names before it are a set.

Checked against `nix-instantiate --parse` in tests/test_rules_nixos.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from .attribute_names import static_name, static_names
from .parser import ParsedFile
from .source import Span
from .syntax_index import syntax_index

# Literal sets merge with the paths that extend them (`a = rec { … }; a.b = …;`).
_LITERAL_SETS = frozenset({"attrset_expression", "rec_attrset_expression"})


@dataclass(frozen=True)
class Duplicate:
    span: Span     # the second definition
    name: str      # its full path, from the outermost set it is flattened into (`a.b`)
    first: Span    # where the path was first defined


def duplicate_attributes(parsed: ParsedFile) -> Iterator[Duplicate]:
    """Every attribute the file defines twice (nothing where it has a syntax error)."""
    if parsed.tree is None or parsed.error is not None:
        return
    if may_repeat(parsed):
        yield from every_duplicate(parsed)


def every_duplicate(parsed: ParsedFile) -> Iterator[Duplicate]:
    """The full check, set by set, of a file without syntax errors."""
    source = parsed.source
    index = syntax_index(parsed)
    # A literal set nested as a binding's value (`a = { … };`) is flattened into the check
    # of the set around it, which reports its duplicates under their full names; it is
    # not checked again on its own (that would report each duplicate once per enclosing
    # set, and make deep nesting cubic).  The syntax index lists sets outer ones first.
    flattened: set[tuple[int, int]] = set()
    for node in index.sets:
        if (node.start_byte, node.end_byte) in flattened:
            continue
        bindings = _bindings_of(node)
        if bindings is None:
            continue
        nested: list[tuple[int, int]] = []
        for start, end, name, first_start, first_end in list(_duplicates(bindings.named_children, source, nested)):
            yield Duplicate(Span(source, start, end), name, Span(source, first_start, first_end))
        flattened.update(nested)


# -- the sweep: which files may define a name twice at all ---------------------------------------------

# A path of names, each an identifier or a string with no escape or interpolation.
_NAME = rb'(?:[A-Za-z_][A-Za-z0-9_\'-]*|"[^"\\$]*")'
_IDENTIFIERS = re.compile(rb"[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*")
_SIMPLE_PATH = re.compile(_NAME + rb"(?:\." + _NAME + rb")*")
_NAMES = re.compile(rb'([A-Za-z_][A-Za-z0-9_\'-]*)|"([^"\\$]*)"')


def may_repeat(parsed: ParsedFile) -> bool:
    """Whether some set of the file binds two paths one of which is the other or begins
    it (`a.b` and `a.b`, `a` and `a.b.c`): a name defined twice, even through a nested
    literal set, always shows so in the set holding both bindings.  Most files have no
    such pair, and finding that from the paths' text costs a third of the full check,
    which walks every binding.  A path with anything but plain and quoted names (an
    interpolation, an escape, a comment) counts as such a pair: the full check decides."""
    index, data = syntax_index(parsed), parsed.source.data
    sets = [node.byte_range for node in index.sets]
    paths = sorted([node.byte_range for node in index.attrpaths] + [node.byte_range for node in index.inherited])
    paths_by_set: dict[int, list[bytes]] = {}
    open_sets: list[tuple[int, int]] = []   # the sets around the current path, innermost last
    next_set, set_count = 0, len(sets)
    for start, end in paths:
        while next_set < set_count and sets[next_set][0] <= start:
            open_sets.append(sets[next_set])
            next_set += 1
        while open_sets and open_sets[-1][1] <= start:
            open_sets.pop()
        text = data[start:end]
        if _IDENTIFIERS.fullmatch(text):
            key = text.replace(b".", b"\0")
        elif _SIMPLE_PATH.fullmatch(text):
            key = b"\0".join(plain or quoted for plain, quoted in _NAMES.findall(text))
        else:
            return True
        owner = open_sets[-1][0] if open_sets else -1
        found = paths_by_set.get(owner)
        if found is None:
            paths_by_set[owner] = [key]
        else:
            found.append(key)
    for keys in paths_by_set.values():
        if len(keys) > 1:
            # Sorted with names joined by NUL, a path is followed at once by those it begins.
            keys.sort()
            for first, second in zip(keys, keys[1:]):
                if second.startswith(first) and (len(second) == len(first) or second[len(first)] == 0):
                    return True
    return False


# -- the check of one set ----------------------------------------------------------------------------

def _inherited(binding, source) -> list[tuple[str, int, int]]:
    """(name, start, end) of each name an `inherit` writes."""
    attrs = binding.child_by_field_name("attrs")
    found = []
    for attr in attrs.named_children if attrs is not None else ():
        name = static_name(attr, source.data)
        if name is not None:
            found.append((name, attr.start_byte, attr.end_byte))
    return found


def _bindings_of(literal_set):
    return next((c for c in literal_set.named_children if c.type == "binding_set"), None)


def _duplicates(bindings, source, nested: list[tuple[int, int]]):
    """Yield (start, end, dotted name, first start, first end) for each attribute path
    defined twice.

    The bindings (and those of the literal sets nested in them, whose byte ranges are
    appended to `nested`) are flattened into full attribute paths in source order,
    without recursion; a path may be extended while it is a set (a dotted prefix or a
    literal `{ … }`), never once it is a value.  A literal set written where a set already
    is merges with it one level deep only, as Nix's parser merges them: none of the names
    it binds may be there already (`a.b.c = 1; a = { b.d = 2; };` is refused)."""
    paths = _Paths()
    seen: dict[int, tuple[str, int, int]] = {}   # path -> ("leaf" or "set", where it was first written)
    # A frame: the bindings of one set, the path of that set, the first prefix of that path
    # (itself included) that is a leaf, as (path, entry) -- fixed once the set's own binding
    # was checked, so a binding inside checks only the names it adds -- and, where the set
    # merges into one already there, the names that one had.
    stack = [(iter(bindings), _Paths.ROOT, None, None)]
    while stack:
        children, prefix, block, taken = stack[-1]
        binding = next(children, None)
        if binding is None:
            stack.pop()
            continue
        kind = binding.type
        if kind == "inherit" or kind == "inherit_from":
            for name, start, end in _inherited(binding, source):
                if taken is not None and name in taken:
                    yield from _merged_twice(seen, paths, prefix, name, start, end)
                    continue
                report, _, _ = _check(seen, paths, prefix, (name,), start, end, "leaf", block)
                if report is not None:
                    yield report
            continue
        if kind != "binding":
            continue
        attrpath = binding.child_by_field_name("attrpath")
        names, complete = static_names(attrpath, source) if attrpath is not None else ((), False)
        if not names:
            continue
        if taken is not None and names[0] in taken:
            yield from _merged_twice(seen, paths, prefix, names[0], attrpath.start_byte, attrpath.end_byte)
            continue
        value = binding.child_by_field_name("expression")
        # What is written under a computed name is not known, but the names before it are a set.
        is_set = complete and value is not None and value.type in _LITERAL_SETS
        there = is_set and paths.find(prefix, names) in seen
        report, inner_block, path = _check(seen, paths, prefix, names, attrpath.start_byte, attrpath.end_byte,
                                           "set" if is_set or not complete else "leaf", block)
        if report is not None:
            yield report
        if is_set:
            nested.append((value.start_byte, value.end_byte))
            inner = _bindings_of(value)
            if inner is not None:
                merging = paths.names_under(path) if there and report is None else None
                stack.append((iter(inner.named_children), path, inner_block, merging))


def _merged_twice(seen: dict, paths: "_Paths", prefix: int, name: str, start: int, end: int):
    """The report for a name that a literal set merging into another binds again."""
    path = paths.child(prefix, name)
    known = seen.get(path)
    if known is not None:   # (every path made is recorded: this is only a guard)
        yield start, end, paths.dotted(path), known[1], known[2]


class _Paths:
    """Attribute paths as numbers, each made from its parent's number and its last name:
    a binding inside sets nested thousands deep costs the names it adds, not the length
    of its whole path (tuples of names made deep nesting quadratic)."""

    ROOT = 0

    def __init__(self):
        self._numbers: dict[tuple[int, str], int] = {}
        self._parts: list[tuple[int, str]] = [(-1, "")]
        self._dotted: dict[int, str] = {}
        self._names: dict[int, set[str]] = {}   # path -> the names under it

    def child(self, parent: int, name: str) -> int:
        number = self._numbers.get((parent, name))
        if number is None:
            number = self._numbers[(parent, name)] = len(self._parts)
            self._parts.append((parent, name))
            self._names.setdefault(parent, set()).add(name)
        return number

    def find(self, prefix: int, names: tuple[str, ...]) -> int | None:
        """The number of `prefix` + `names` where that path was made, else None."""
        path = prefix
        for name in names:
            path = self._numbers.get((path, name))
            if path is None:
                return None
        return path

    def names_under(self, path: int) -> frozenset[str]:
        return frozenset(self._names.get(path, ()))

    def dotted(self, path: int) -> str:
        """The path as written (`a.b.c`): made for a report only."""
        found = self._dotted.get(path)
        if found is None:
            names = []
            number = path
            while number != self.ROOT:
                number, name = self._parts[number]
                names.append(name)
            found = self._dotted[path] = ".".join(map(_shown, reversed(names)))
        return found


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*")


def _shown(name: str) -> str:
    """A name as Nix writes it in a path: quoted unless it is an identifier (`"a b"`)."""
    if _PLAIN_NAME.fullmatch(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${") + '"'


def _check(seen: dict, paths: _Paths, prefix: int, names: tuple[str, ...], start: int, end: int, kind: str, block):
    """Record the path `prefix` + `names` (written at bytes start..end) and return (the
    report for it or None, the first leaf among its prefixes and itself, the path -- or
    that leaf, where there is one: nothing under a leaf is recorded).  Every prefix up
    to `prefix` was recorded by the enclosing set's binding, whose first leaf among
    them is `block`."""
    if block is not None:
        leaf, entry = block
        return (start, end, paths.dotted(leaf), entry[1], entry[2]), block, leaf
    path = prefix
    last = len(names) - 1
    for index, name in enumerate(names):
        path = paths.child(path, name)
        known = seen.get(path)
        if index < last:
            if known is None:
                seen[path] = ("set", start, end)
            elif known[0] == "leaf":
                return (start, end, paths.dotted(path), known[1], known[2]), (path, known), path
            continue
        if known is None:
            seen[path] = (kind, start, end)
            return None, None, path
        report = (start, end, paths.dotted(path), known[1], known[2]) if kind == "leaf" or known[0] == "leaf" else None
        return report, ((path, known) if known[0] == "leaf" else None), path
    return None, None, path
