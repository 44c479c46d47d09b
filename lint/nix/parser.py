"""Parsing Nix with tree-sitter-nix, including what its 0.1.0 grammar rejects.

tree-sitter-nix 0.1.0 rejects a trailing comma in a function's formals
(`{ pkgs, }:`), which nixfmt writes and Nix accepts.  Such a comma is the only
place in valid Nix where a `,` outside strings and comments is followed (past
whitespace and comments) by `}`, so when a parse fails we blank those commas
with a space -- same length, so every byte offset stays exact -- and parse
again.  A blank the new tree does not put right after a formal (`{ , }`,
`{ a = 1;, }`, `{ a, ..., }`) is put back, so invalid Nix stays invalid.
Only errors that remain are syntax errors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import tree_sitter
import tree_sitter_nix

from .source import SourceFile, Span


LANGUAGE = tree_sitter.Language(tree_sitter_nix.language())


@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(LANGUAGE)


@dataclass
class ParsedFile:
    source: SourceFile
    tree: tree_sitter.Tree | None
    error: Span | None  # the first syntax error, or None when the file is valid Nix
    error_message: str = ""
    blanked: bool = False   # the tree is of the text with trailing formal commas blanked
    syntax_index: object = field(default=None, init=False, repr=False, compare=False)   # see syntax_index.py
    # What other layers read off this text, kept with the parse so each system that holds
    # the file does not read it again (Module.may_read_arch, forced.forced_paths).
    facts: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def root(self) -> tree_sitter.Node | None:
        return self.tree.root_node if self.tree is not None else None


def parse_source(source: SourceFile, previous: ParsedFile | None = None) -> ParsedFile:
    """Parse `source`; given the `previous` parse of the same file (an editor's last
    version), only what changed is parsed again (tree-sitter reuses the rest)."""
    tree = _incremental(previous, source.data) if previous is not None else None
    if tree is None:
        tree = _parser().parse(source.data)
    blanked = False
    if tree.root_node.has_error:
        commas = trailing_formal_commas(source.data)
        if commas:
            tree = _reparse(tree, _blank(source.data, commas), commas)
            # The scanner cannot tell formals from other braces, so `{ , }`,
            # `{ a = 1;, }` or `{ a, ..., }` would turn valid once blanked.
            # Keep only the blanks that the new tree puts right after a formal.
            kept = [at for at in commas if _after_formal(tree, at)]
            if len(kept) != len(commas):
                restored = [at for at in commas if at not in kept]
                tree = _reparse(tree, _blank(source.data, kept), restored)
            blanked = bool(kept)
    if tree.root_node.has_error and _earliest_error(tree.root_node) is not None:
        span, message = first_error(tree, source)
        return ParsedFile(source, tree, span, message, blanked)
    if all(child.type == "comment" for child in tree.root_node.children):
        # Like Nix: a file needs an expression (an empty or comment-only file is refused).
        at = len(source.data)
        return ParsedFile(source, tree, Span(source, at, at), "syntax error: unexpected end of file", blanked)
    return ParsedFile(source, tree, None, blanked=blanked)


def _incremental(previous: ParsedFile, data: bytes) -> tree_sitter.Tree | None:
    """The tree of `data`, parsed again from `previous` with the one edit that turns its
    text into `data` (the changed middle between a common prefix and suffix).  None where
    the previous tree cannot be reused: there is none, or it is of a text with commas blanked."""
    if previous.tree is None or previous.blanked:
        return None
    old = previous.source.data
    start, old_end, new_end = changed_range(old, data)
    tree = previous.tree.copy()
    tree.edit(start_byte=start, old_end_byte=old_end, new_end_byte=new_end, start_point=_point(old, start),
              old_end_point=_point(old, old_end), new_end_point=_point(data, new_end))
    return _parser().parse(data, tree)


def changed_range(old: bytes, new: bytes) -> tuple[int, int, int]:
    """The one edit that turns `old` into `new`: (start, end in old, end in new) of the
    middle between their common prefix and suffix, on UTF-8 character boundaries."""
    start = _common_prefix(old, new)
    while start > 0 and start < len(new) and new[start] & 0xC0 == 0x80:
        start -= 1   # not inside a character
    tail = _common_prefix(old[start:][::-1], new[start:][::-1])
    while tail > 0 and new[len(new) - tail] & 0xC0 == 0x80:
        tail -= 1
    return start, len(old) - tail, len(new) - tail


def _common_prefix(a: bytes, b: bytes) -> int:
    """The length of the longest common prefix, by halving (each step one C comparison)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _point(data: bytes, at: int) -> tuple[int, int]:
    """tree-sitter's (row, byte column) of an offset."""
    return data.count(b"\n", 0, at), at - (data.rfind(b"\n", 0, at) + 1)


def _reparse(tree: tree_sitter.Tree, data: bytes, changed: list[int]) -> tree_sitter.Tree:
    """Parse `data`, which differs from the tree's text in one byte at each of `changed`,
    incrementally: tree-sitter reuses every subtree the edits do not touch."""
    row, counted = 0, 0
    for at in sorted(changed):
        row += data.count(b"\n", counted, at)  # rows counted once, from one change to the next
        counted = at
        column = at - (data.rfind(b"\n", 0, at) + 1)
        tree.edit(start_byte=at, old_end_byte=at + 1, new_end_byte=at + 1, start_point=(row, column),
                  old_end_point=(row, column + 1), new_end_point=(row, column + 1))
    return _parser().parse(data, tree)


def _blank(data: bytes, offsets: list[int]) -> bytes:
    out = bytearray(data)
    for at in offsets:
        out[at] = 0x20
    return bytes(out)


def _after_formal(tree: tree_sitter.Tree, at: int) -> bool:
    """Whether the blanked comma at `at` sits in a `formals` node right after a formal."""
    node = tree.root_node.descendant_for_byte_range(at, at + 1)
    if node is None or node.is_error:
        return True  # inside a recovered region: an error is reported anyway
    if node.type != "formals":
        return False
    previous = None
    for child in node.children:
        if child.start_byte >= at:
            break
        if child.type != "comment":
            previous = child
    return previous is not None and previous.type == "formal"


def parse_file(path: str) -> ParsedFile:
    with open(path, "rb") as handle:
        return parse_source(SourceFile(path, handle.read()))


def first_error(tree: tree_sitter.Tree, source: SourceFile) -> tuple[Span, str]:
    """Where parsing first went wrong: an ERROR or MISSING node, found without recursion."""
    best = _earliest_error(tree.root_node)
    if best is None:  # has_error but nothing found: point at the file start
        return Span(source, 0, 0), "syntax error"
    # Recovery wraps a construct it could not finish in an ERROR node that
    # starts where the construct did; an error nested inside it sits closer
    # to the token Nix would reject.
    while best.is_error:
        nested = [e for e in map(_earliest_error, best.children) if e is not None]
        if not nested:
            break
        best = min(nested, key=lambda e: e.start_byte)
    if best.is_missing:
        message = f"syntax error: missing {best.type!r}"
        return Span(source, best.start_byte, best.end_byte), message
    first_leaf = best
    while first_leaf.child_count:
        first_leaf = first_leaf.children[0]
    if (
        best.end_byte >= _code_end(tree.root_node)
        and best.child_count > 1
        and first_leaf.type not in (";", "}", ")", "]")
    ):
        # Recovery swallowed everything up to the end, from an opening (not a
        # stray closing) token: the input stopped early.
        at = len(source.data.rstrip())
        return Span(source, at, at), "syntax error: unexpected end of file"
    end = best.end_byte
    # Underline the first offending token, not a whole recovered region.
    if first_leaf.end_byte > best.start_byte:
        end = first_leaf.end_byte
    snippet = source.text(best.start_byte, end).split("\n")[0][:40]
    message = f"syntax error: unexpected {snippet!r}" if snippet else "syntax error: unexpected end of file"
    return Span(source, best.start_byte, end), message


def _earliest_error(root: tree_sitter.Node) -> tree_sitter.Node | None:
    """The earliest ERROR or MISSING node at or under `root`, found without recursion."""
    best: tree_sitter.Node | None = None
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_missing and _is_empty_inherit(node):
            continue  # `inherit;` is valid Nix that tree-sitter-nix 0.1.0 marks as a missing name
        if node.is_error or node.is_missing:
            if best is None or node.start_byte < best.start_byte:
                best = node
            if node.is_missing:
                continue
        # Visit children; an ERROR node may hold an earlier nested error.
        stack.extend(node.children)
    return best


def _is_empty_inherit(node: tree_sitter.Node) -> bool:
    parent = node.parent
    return parent is not None and parent.type == "inherited_attrs" and parent.named_child_count == 1


def _code_end(root: tree_sitter.Node) -> int:
    """The end of the last token that is not a comment."""
    node = root
    while node.child_count:
        tokens = [c for c in node.children if c.type != "comment" and c.end_byte > c.start_byte]
        if not tokens:
            break
        node = tokens[-1]
    return node.end_byte


# In code an identifier (which may contain `'`, as in `a''`) or a URI (which
# may contain `,` and `'`) is one token, as in Nix's lexer.
_WORD = re.compile(
    rb"[A-Za-z][A-Za-z0-9+\-.]*:[A-Za-z0-9%/?:@&=+$,\-_.!~*']+|[A-Za-z_][A-Za-z0-9_'\-]*"
)
_DQ_SPECIAL = re.compile(rb'[\\"$]')
_IND_SPECIAL = re.compile(rb"['$]")


def blank_trailing_formal_commas(data: bytes) -> bytes:
    """Replace each `,` that is followed by `}` (past blanks and comments) with a space."""
    commas = trailing_formal_commas(data)
    return _blank(data, commas) if commas else data


def trailing_formal_commas(data: bytes) -> list[int]:
    """Offsets of each `,` outside strings and comments followed by `}` (past blanks and comments).

    A small scanner skips strings (with nested `${ }` interpolations) and
    comments, so commas inside them are never returned.
    """
    found: list[int] = []
    n = len(data)
    i = 0
    # Stack of contexts: "code" entries hold brace depth; strings are handled inline.
    stack: list[list] = [["code", 0]]
    last_comma: int | None = None
    while i < n:
        kind = stack[-1][0]
        c = data[i]
        if kind == "code":
            if c == 0x23:  # '#'
                j = data.find(b"\n", i)
                i = n if j == -1 else j + 1
                continue
            if c == 0x2F and data.startswith(b"/*", i):
                j = data.find(b"*/", i + 2)
                i = n if j == -1 else j + 2
                continue
            if c in b" \t\r\n":
                i += 1
                continue
            if c == 0x22:  # '"'
                stack.append(["dq"])
                last_comma = None
                i += 1
                continue
            if c == 0x27 and data.startswith(b"''", i):
                stack.append(["ind"])
                last_comma = None
                i += 2
                continue
            if c == 0x2C:  # ','
                last_comma = i
                i += 1
                continue
            if c == 0x7D:  # '}'
                if last_comma is not None:
                    found.append(last_comma)
                    last_comma = None
                if stack[-1][1] == 0 and len(stack) > 1:
                    stack.pop()  # end of an interpolation
                else:
                    stack[-1][1] -= 1
                i += 1
                continue
            last_comma = None
            if c == 0x7B:  # '{'
                stack[-1][1] += 1
            elif c == 0x24 and data.startswith(b"${", i):
                stack[-1][1] += 1
                i += 2
                continue
            else:
                word = _WORD.match(data, i)
                if word:
                    i = word.end()
                    continue
            i += 1
            continue
        # In a string: jump to the next byte that matters.
        special = (_DQ_SPECIAL if kind == "dq" else _IND_SPECIAL).search(data, i)
        if special is None:
            break  # unterminated string
        i = special.start()
        c = data[i]
        if c == 0x24:  # '$'
            if data.startswith(b"${", i):
                stack.append(["code", 0])
                i += 2
            elif data.startswith(b"$$", i):
                i += 2  # `$${` is a literal `$${`, not an interpolation
            else:
                i += 1
            continue
        if kind == "dq":
            if c == 0x5C:  # backslash escape
                i += 2
                continue
            stack.pop()  # the closing '"'
            i += 1
            continue
        # indented string, at a quote
        if data.startswith(b"''", i):
            if data.startswith(b"'''", i) or data.startswith(b"''$", i):
                i += 3
                continue
            if data.startswith(b"''\\", i):
                i += 4
                continue
            stack.pop()
            i += 2
            continue
        i += 1
    return found
