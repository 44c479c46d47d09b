"""The nodes of a parsed file that checks read across the whole file: its comments, its
attribute sets and the names they bind, and the few places where Nix refuses what its
grammar allows (names that may be computed in `let` and `inherit`, functions' argument
sets).

tree-sitter's query cursor walks a tree in C, but a walk still costs about half a
parse however little it captures, and a walk finding two kinds of node costs hardly
more than one finding either.  So everything a file's checks look for is one query,
run once per parsed file, and each check takes its captures from here.
"""
from __future__ import annotations

from dataclasses import dataclass

import tree_sitter

from .parser import LANGUAGE, ParsedFile

# The nodes that hold bindings: `{ … }`, `rec { … }`, `let … in` and the old `let { … }`.
SET_KINDS = ("attrset_expression", "rec_attrset_expression", "let_expression", "let_attrset_expression")

_QUERY = tree_sitter.Query(LANGUAGE, "(comment) @comment\n"
                                     "[" + " ".join(f"({kind})" for kind in SET_KINDS) + "] @set\n"
                                     "(let_expression (binding_set (binding attrpath: (attrpath . "
                                     "[(interpolation) (string_expression)] @let_name))))\n"
                                     "(inherited_attrs attr: [(interpolation) (string_expression)] @inherited_name)\n"
                                     "(function_expression formals: (formals)) @function\n"
                                     "(binding attrpath: (attrpath) @attrpath)\n"
                                     "(inherited_attrs attr: (_) @inherited)")


@dataclass(frozen=True)
class SyntaxIndex:
    comments: list[tree_sitter.Node]   # in source order
    sets: list[tree_sitter.Node]       # outer sets before the sets inside them
    # The first name of a `let` binding, or an inherited name, written as a string or an
    # interpolation (Nix refuses one computed when the set is made)
    let_names: list[tree_sitter.Node]
    inherited_names: list[tree_sitter.Node]
    functions: list[tree_sitter.Node]  # those taking a set of named arguments (`{ a, b ? 1, ... }:`)
    # Every binding's attribute path and every inherited name (as captured: not in source order)
    attrpaths: list[tree_sitter.Node]
    inherited: list[tree_sitter.Node]


_EMPTY = SyntaxIndex([], [], [], [], [], [], [])


def syntax_index(parsed: ParsedFile) -> SyntaxIndex:
    """The nodes above of `parsed` (none where it has no tree), found once."""
    if parsed.tree is None:
        return _EMPTY
    if parsed.syntax_index is None:
        found = tree_sitter.QueryCursor(_QUERY).captures(parsed.tree.root_node)
        parsed.syntax_index = SyntaxIndex(_in_order(found.get("comment", [])), _in_order(found.get("set", [])),
                                          found.get("let_name", []), found.get("inherited_name", []),
                                          found.get("function", []), found.get("attrpath", []),
                                          found.get("inherited", []))
    return parsed.syntax_index


def _in_order(nodes: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """By start (a set starts before the sets inside it); by end first where two start
    together, so the outer of two nested nodes comes first."""
    return sorted(nodes, key=lambda node: (node.start_byte, -node.end_byte))
