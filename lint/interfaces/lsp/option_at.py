"""The NixOS option a position in a module names.

On the left of a binding (`networking.firewall.enable = …`, the `enable` of a nested
`networking.firewall = { enable = …; }`, a quoted `"grub"`) the evaluator says which
option it is: every definition and every attribute set it collected carries the span
of its attribute path up to its own name, so the name under the cursor -- or any name
before it in the same path -- is matched to them; `let` bindings, `options`
declarations and anything else that is not a definition match nothing.  A read `config.services.foo.enable` (where `config` is the
module's argument) names the option read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import tree_sitter

from ...modules.config import EffectiveConfig, OptionPath
from ...modules.definitions import Definition
from ...nix.parser import ParsedFile
from ...nix.source import Span

_NAME_NODES = ("identifier", "string_fragment", "string_expression", "attrpath")


@dataclass
class OptionAt:
    option: OptionPath
    definitions: list[Definition] = field(default_factory=list)   # those the binding under the cursor writes
    read: bool = False                                            # a `config.…` read, not a definition


def option_at(parsed: ParsedFile, offset: int, configs: list[EffectiveConfig]) -> OptionAt | None:
    found = _segment_at(parsed, offset)
    if found is None:
        return None
    attrpath, index = found
    owner = attrpath.parent
    if owner is not None and owner.type == "select_expression" and owner.child_by_field_name("attrpath") == attrpath:
        return _read(owner, attrpath, index)
    if owner is None or owner.type != "binding":
        return None
    segments = attrpath.named_children
    for config in configs:
        config.evaluate_everything()   # the cursor may be on a value no rule asked for
    option: OptionPath | None = None
    definitions: list[Definition] = []
    for last in range(index, len(segments)):
        # What was written with the names up to `last`: the hovered name is that many before.
        key = Span(parsed.source, attrpath.start_byte, segments[last].end_byte)
        for config in configs:
            for written in config.written_at(key):
                full = written.option if isinstance(written, Definition) else written.prefix
                option = option or full[: len(full) - (last - index)]
                if isinstance(written, Definition) and all(d is not written for d in definitions):
                    definitions.append(written)
    return OptionAt(option, definitions) if option else None


def _segment_at(parsed: ParsedFile, offset: int) -> tuple[tree_sitter.Node, int] | None:
    """The attribute path under the cursor and which of its names the cursor is on (a
    cursor just after a name is on it, as editors place it after a double-click)."""
    root = parsed.root
    if root is None:
        return None
    for at in (offset, offset - 1):
        if at < 0:
            continue
        node = root.descendant_for_byte_range(at, at)
        while node is not None and node.type in _NAME_NODES and node.type != "attrpath":
            node = node.parent
        if node is None or node.type != "attrpath":
            continue
        for index, segment in enumerate(node.named_children):
            if segment.start_byte <= at < segment.end_byte:
                return node, index
    return None


def _read(select: tree_sitter.Node, attrpath: tree_sitter.Node, index: int) -> OptionAt | None:
    """`config.a.b.c` with the cursor on `b`: the option `a.b`, where `config` is the
    argument of the module function around it."""
    base = select.child_by_field_name("expression")
    if base is None or base.type != "variable_expression" or base.text != b"config" or not _config_argument(select):
        return None
    names = [_name(segment) for segment in attrpath.named_children[: index + 1]]
    if any(name is None for name in names):
        return None
    return OptionAt(tuple(names), read=True)


def _config_argument(node: tree_sitter.Node) -> bool:
    """Whether the nearest function around `node` that binds `config` is a module's
    `{ config, … }:` (a `let config = …` or `config: …` in between shadows it)."""
    while node is not None:
        if node.type == "function_expression":
            formals = node.child_by_field_name("formals")
            universal = node.child_by_field_name("universal")
            if formals is not None and any(f.child_by_field_name("name") is not None
                                           and f.child_by_field_name("name").text == b"config"
                                           for f in formals.named_children if f.type == "formal"):
                return True
            if universal is not None and universal.text == b"config":
                return False
        if node.type in ("let_expression", "rec_attrset_expression") and _binds_config(node):
            return False
        node = node.parent
    return False


def _binds_config(node: tree_sitter.Node) -> bool:
    bindings = next((c for c in node.named_children if c.type == "binding_set"), None)
    if bindings is None:
        return False
    for binding in bindings.named_children:
        attrpath = binding.child_by_field_name("attrpath")
        if attrpath is not None and attrpath.named_children and attrpath.named_children[0].text == b"config":
            return True
    return False


def _name(segment: tree_sitter.Node) -> str | None:
    """An attribute name written literally (`enable`, `"grub"`); None for `${…}`."""
    if segment.type == "identifier":
        return segment.text.decode("utf-8", errors="replace")
    if segment.type == "string_expression" and all(c.type == "string_fragment" for c in segment.named_children):
        return b"".join(c.text for c in segment.named_children).decode("utf-8", errors="replace")
    return None
