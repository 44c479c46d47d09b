"""The nodes of a parsed file that checks read across the whole file: its comments and
its attribute sets.

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
                                     "[" + " ".join(f"({kind})" for kind in SET_KINDS) + "] @set")


@dataclass(frozen=True)
class SyntaxIndex:
    comments: list[tree_sitter.Node]   # in source order
    sets: list[tree_sitter.Node]       # outer sets before the sets inside them


_EMPTY = SyntaxIndex([], [])


def syntax_index(parsed: ParsedFile) -> SyntaxIndex:
    """The comments and sets of `parsed` (none where it has no tree), found once."""
    if parsed.tree is None:
        return _EMPTY
    if parsed.syntax_index is None:
        found = tree_sitter.QueryCursor(_QUERY).captures(parsed.tree.root_node)
        parsed.syntax_index = SyntaxIndex(_in_order(found.get("comment", [])), _in_order(found.get("set", [])))
    return parsed.syntax_index


def _in_order(nodes: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """By start (a set starts before the sets inside it); by end first where two start
    together, so the outer of two nested nodes comes first."""
    return sorted(nodes, key=lambda node: (node.start_byte, -node.end_byte))
