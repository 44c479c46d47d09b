"""NX001 duplicate-attribute."""
from __future__ import annotations

from stereos_lint.rule import FileContext, rule
from stereos_lint.source import Span

SET_KINDS = ("attrset_expression", "rec_attrset_expression", "let_expression", "let_attrset_expression")


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
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in SET_KINDS:
            bindings = next((c for c in node.named_children if c.type == "binding_set"), None)
            if bindings is not None:
                for span, name, first in _duplicates(bindings, source):
                    line = first.line
                    yield ctx.finding(span, f"{name} is already defined on line {line} of this set; "
                                            "Nix refuses to evaluate a set that defines an attribute twice")
        stack.extend(reversed(node.named_children))


def _duplicates(bindings, source):
    """Yield (span, dotted name, first span) for each attribute path defined twice.

    The bindings (and those of literal sets nested in them) are flattened into
    full attribute paths in source order; a path may be extended while it is a
    set (a dotted prefix or a literal `{ … }`), never once it is a value."""
    seen: dict[tuple, tuple[str, Span]] = {}
    for path, span, kind in _flatten(bindings, source):
        for length in range(1, len(path)):
            prefix = path[:length]
            known = seen.get(prefix)
            if known is None:
                seen[prefix] = ("set", span)
            elif known[0] == "leaf":
                yield span, ".".join(prefix), known[1]
                break
        else:
            known = seen.get(path)
            if known is None:
                seen[path] = (kind, span)
            elif kind == "leaf" or known[0] == "leaf":
                yield span, ".".join(path), known[1]


def _flatten(bindings, source):
    """(attribute path, span, "leaf" | "set") for every binding, in source order, without recursion."""
    stack = [(iter(bindings.named_children), ())]
    while stack:
        children, prefix = stack[-1]
        binding = next(children, None)
        if binding is None:
            stack.pop()
            continue
        if binding.type in ("inherit", "inherit_from"):
            attrs = binding.child_by_field_name("attrs")
            for attr in attrs.named_children if attrs is not None else ():
                if attr.type == "identifier":
                    name = source.text(attr.start_byte, attr.end_byte)
                    yield prefix + (name,), Span(source, attr.start_byte, attr.end_byte), "leaf"
            continue
        if binding.type != "binding":
            continue
        attrpath = binding.child_by_field_name("attrpath")
        value = binding.child_by_field_name("expression")
        names = _static_names(attrpath, source) if attrpath is not None else None
        if not names:
            continue  # a dynamic name cannot be compared statically
        span = Span(source, attrpath.start_byte, attrpath.end_byte)
        path = prefix + names
        if value is not None and value.type == "attrset_expression":
            yield path, span, "set"
            inner = next((c for c in value.named_children if c.type == "binding_set"), None)
            if inner is not None:
                stack.append((iter(inner.named_children), path))
        else:
            yield path, span, "leaf"


def _static_names(attrpath, source) -> tuple[str, ...] | None:
    names = []
    for part in attrpath.named_children:
        if part.type == "identifier":
            names.append(source.text(part.start_byte, part.end_byte))
        elif part.type == "string_expression" and all(c.type == "string_fragment" for c in part.named_children):
            names.append("".join(source.text(c.start_byte, c.end_byte) for c in part.named_children))
        elif part.type != "comment":
            return None
    return tuple(names)
