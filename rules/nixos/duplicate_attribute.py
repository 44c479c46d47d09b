"""NX001 duplicate-attribute."""
from __future__ import annotations

import re

from stereos_lint.checking.rule import FileContext, rule
from stereos_lint.nix.source import Span
from stereos_lint.nix.syntax_index import syntax_index


@rule("NX001", "duplicate-attribute", severity="error", scope="file",
      summary="an attribute is defined twice in one attribute set")
def check(ctx: FileContext):
    """Nix refuses to evaluate a set that defines the same attribute twice
    ("attribute 'x' already defined"), including through a dotted path and a
    nested set (`a.b = 1; a = { b = 2; };`).  Merging `a.b = 1;` with
    `a = { c = 2; };` is fine.

    Bad:

        { networking.firewall.enable = true; networking.firewall = { enable = false; }; }

    Good:

        { networking.firewall = { enable = false; allowedTCPPorts = [ 22 ]; }; }
    """
    root = ctx.parsed.root
    if root is None or ctx.parsed.error is not None:
        return
    source = ctx.parsed.source
    # A literal set nested as a binding's value (`a = { … };`) is flattened into the scan of
    # the set around it, which reports its duplicates under their full names; it is not
    # scanned again on its own (that would report each duplicate once per enclosing set,
    # and make deep nesting cubic).  The file's syntax index lists its sets, outer ones
    # first.
    quiet: set[tuple[int, int]] = set()
    for node in syntax_index(ctx.parsed).sets:
        if (node.start_byte, node.end_byte) in quiet:
            continue
        bindings = next((c for c in node.named_children if c.type == "binding_set"), None)
        if bindings is None:
            continue
        nested: list[tuple[int, int]] = []
        found = list(_duplicates(bindings, source, nested))
        for span, name, first in found:
            line = first.line
            yield ctx.finding(span, f"{name} is already defined on line {line} of this set; "
                                    "Nix refuses to evaluate a set that defines an attribute twice")
        quiet.update(nested)


def _duplicates(bindings, source, nested: list[tuple[int, int]]):
    """Yield (span, dotted name, first span) for each attribute path defined twice.

    The bindings (and those of literal sets nested in them, whose byte ranges are
    appended to `nested`) are flattened into full attribute paths in source order,
    without recursion; a path may be extended while it is a set (a dotted prefix or
    a literal `{ … }`), never once it is a value.  Places are kept as byte ranges and
    made spans only for a report: most sets have no duplicate."""
    paths = _Paths()
    seen: dict[int, tuple[str, int, int]] = {}   # path -> ("leaf" or "set", where it was first written)
    # A frame: the bindings of one set, the path of that set, and the first prefix of that
    # path (itself included) that is a leaf, as (path, entry) -- fixed once the set's own
    # binding was checked, so a binding inside checks only the names it adds.
    stack = [(iter(bindings.named_children), _Paths.ROOT, None)]
    while stack:
        children, prefix, block = stack[-1]
        binding = next(children, None)
        if binding is None:
            stack.pop()
            continue
        kind = binding.type
        if kind == "inherit" or kind == "inherit_from":
            attrs = binding.child_by_field_name("attrs")
            for attr in attrs.named_children if attrs is not None else ():
                if attr.type == "identifier":
                    start, end = attr.start_byte, attr.end_byte
                    report, _, _ = _check(seen, paths, prefix, (source.text(start, end),), start, end, "leaf", block)
                    if report is not None:
                        yield _report(source, report)
            continue
        if kind != "binding":
            continue
        attrpath = binding.child_by_field_name("attrpath")
        names = _static_names(attrpath, source) if attrpath is not None else None
        if not names:
            continue  # a dynamic name cannot be compared statically
        value = binding.child_by_field_name("expression")
        # `a = { … }; a.b = …;` and `a = rec { … }; a.b = …;` merge, as Nix has it.
        is_set = value is not None and value.type in _LITERAL_SETS
        report, inner_block, path = _check(seen, paths, prefix, names, attrpath.start_byte, attrpath.end_byte,
                                           "set" if is_set else "leaf", block)
        if report is not None:
            yield _report(source, report)
        if is_set:
            nested.append((value.start_byte, value.end_byte))
            inner = next((c for c in value.named_children if c.type == "binding_set"), None)
            if inner is not None:
                stack.append((iter(inner.named_children), path, inner_block))


_LITERAL_SETS = frozenset({"attrset_expression", "rec_attrset_expression"})


class _Paths:
    """Attribute paths as numbers, each made from its parent's number and its last name:
    a binding inside sets nested thousands deep costs the names it adds, not the length
    of its whole path (tuples of names made deep nesting quadratic)."""

    ROOT = 0

    def __init__(self):
        self._numbers: dict[tuple[int, str], int] = {}
        self._parts: list[tuple[int, str]] = [(-1, "")]
        self._dotted: dict[int, str] = {}

    def child(self, parent: int, name: str) -> int:
        number = self._numbers.get((parent, name))
        if number is None:
            number = self._numbers[(parent, name)] = len(self._parts)
            self._parts.append((parent, name))
        return number

    def dotted(self, path: int) -> str:
        """The path as written (`a.b.c`): made for a report only."""
        found = self._dotted.get(path)
        if found is None:
            names = []
            number = path
            while number != self.ROOT:
                number, name = self._parts[number]
                names.append(name)
            found = self._dotted[path] = ".".join(reversed(names))
        return found


def _report(source, report) -> tuple[Span, str, Span]:
    start, end, name, first_start, first_end = report
    return Span(source, start, end), name, Span(source, first_start, first_end)


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


_PLAIN_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*")


def _static_names(attrpath, source) -> tuple[str, ...] | None:
    text = source.text(attrpath.start_byte, attrpath.end_byte)
    if _PLAIN_PATH.fullmatch(text):
        return tuple(text.split("."))    # names only, the common case: no need to visit the parts
    names = []
    for part in attrpath.named_children:
        if part.type == "identifier":
            names.append(source.text(part.start_byte, part.end_byte))
        elif part.type == "string_expression" and all(c.type == "string_fragment" for c in part.named_children):
            names.append("".join(source.text(c.start_byte, c.end_byte) for c in part.named_children))
        elif part.type != "comment":
            return None
    return tuple(names)
