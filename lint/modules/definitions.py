"""Turning one module's `config` value into NixOS option definitions.

This is `pushDownProperties` + `dischargeProperties` from nixpkgs'
lib/modules.nix: `mkMerge` splits, `mkIf` and `mkOverride` are pushed down
through attribute sets to every leaf, and each leaf becomes a `Definition`
with its priority, list order, conditions and source spans -- path by path,
as options are asked for (`ModuleDefinitions`), the way Nix itself is lazy.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..nix import values as v
from ..nix.nixlib import DEFAULT_ORDER, PLAIN_PRIORITY
from ..nix.source import Span

MAX_NESTING = 400
# Syntax whose value is never an attribute set or a property: a definition without evaluating it.
LEAF_SYNTAX = frozenset({"list_expression", "indented_string_expression", "string_expression",
                         "integer_expression", "float_expression", "path_expression"})


@dataclass
class Definition:
    option: tuple[str, ...]
    written: v.Lazy                 # the leaf value, properties removed (see `value`)
    module: str                     # key of the module that wrote it
    priority: int = PLAIN_PRIORITY
    priority_label: str = "plain"
    order: int = DEFAULT_ORDER
    conditions: tuple[v.Value, ...] = ()   # mkIf conditions that cannot be known
    active: bool = True             # False under a mkIf whose condition is known false
    key_span: Span | None = None    # the attribute path of the binding (`networking.firewall.enable`)
    binding_span: Span | None = None
    rank: tuple = field(default=(), repr=False, compare=False)   # position in the module's walk

    @property
    def value(self) -> v.Value:
        """The leaf value: a list or string literal is evaluated when first read."""
        written = self.written
        if isinstance(written, v.Thunk):
            written = self.written = written.force()
        return written

    @property
    def span(self) -> Span | None:
        """Where the value itself was written (falls back to the binding)."""
        return self.value.span or self.binding_span

    @property
    def conditional(self) -> bool:
        return bool(self.conditions)


@dataclass
class Presence:
    """An attribute set written at some option prefix (`boot.loader.grub = { … }` or `a.b.c = …`)."""

    prefix: tuple[str, ...]
    module: str
    key_span: Span | None
    binding_span: Span | None
    explicit: bool
    rank: tuple = field(default=(), repr=False, compare=False)
    conditional: bool = False   # written under a mkIf (undecided, or known false)


class ModuleDefinitions:
    """One module's definitions and attribute sets, found as they are asked for.

    They form a tree by option path.  Asking for a path forces only the values on
    the way to it: most of a module (packages, users, services no rule reads) is
    never evaluated.  Each node keeps the values written at its path that are not
    yet looked at (`pending`, in the order the eager walk would meet them); opening
    a node forces them and hands their attributes to the children.  A `rank` (the
    position in that walk) puts everything back in walk order where order matters.
    """

    def __init__(self, config: v.Lazy, module: str, key_span: Span | None = None):
        self.module = module
        self._root = _Node(())
        self._root.pending.append(_Pending(config, (), key_span, None, None, None, (), True, 0))
        self._everything: tuple[list, list] | None = None   # every definition and set, once all are opened
        self._written: dict[tuple, list] = {}     # key span -> what was written with it (opened so far)
        self._nodes: dict[tuple, _Node | None] = {}   # path -> its opened node (see _node)

    # -- queries ---------------------------------------------------------------------------

    def at(self, path: tuple[str, ...]) -> list[Definition]:
        """The definitions of exactly `path`."""
        node = self._node(path)
        return node.definitions if node is not None else []

    def presences_at(self, path: tuple[str, ...]) -> list[Presence]:
        node = self._node(path)
        return node.presences if node is not None else []

    def under(self, path: tuple[str, ...]) -> list[Definition]:
        """The definitions strictly below `path`, in walk order."""
        node = self._node(path)
        if node is None:
            return []
        found = [d for child in node.children.values() for d in self._subtree(child)]
        found.sort(key=_rank)
        return found

    def within(self, path: tuple[str, ...]) -> list[Definition]:
        """The definitions of `path` and of everything under it."""
        node = self._node(path)
        return list(self._subtree(node)) if node is not None else []

    def may_define(self, path: tuple[str, ...], root: bool = True) -> bool:
        """Whether this module defines `path`, something under it, or a prefix of it (a
        value that cannot be known stops there; at the root only where `root`)."""
        node = self._root
        for name in path:
            self._open(node)
            if node.definitions and (root or node.path):
                return True
            node = node.children.get(name)
            if node is None:
                return False
        return any(True for _ in self._subtree(node))

    def top_names(self) -> list[str]:
        """The names its config writes at the top (`boot`, `services`, …), and "*" where
        its config as a whole cannot be known (it may write anything)."""
        if self._root.pending:
            self._open(self._root)
        return list(self._root.children) + (["*"] if self._root.definitions else [])

    def children_of(self, path: tuple[str, ...]) -> list[str]:
        node = self._node(path)
        return list(node.children) if node is not None else []

    @property
    def definitions(self) -> list[Definition]:
        """Every definition, in walk order (evaluates the whole module)."""
        if self._everything is None:
            definitions = sorted(self._subtree(self._root), key=_rank)
            presences: list[Presence] = []
            stack = [self._root]
            while stack:
                node = stack.pop()
                presences.extend(node.presences)
                stack.extend(node.children.values())
            self._everything = (definitions, sorted(presences, key=_rank))
        return self._everything[0]

    @property
    def presences(self) -> list[Presence]:
        """Every attribute set written, in walk order (evaluates the whole module)."""
        self.definitions
        return self._everything[1]

    def written_at(self, key: tuple) -> list:
        """What was written with the attribute path whose span is `key`, among what was opened."""
        return self._written.get(key, [])

    # -- opening nodes ---------------------------------------------------------------------

    def _node(self, path: tuple[str, ...]) -> "_Node | None":
        """The opened node of `path`, or None where nothing is written there.  Kept per path:
        once a node's parent is open, no other value can arrive at it."""
        try:
            return self._nodes[path]
        except KeyError:
            pass
        node = self._root
        for name in path:
            if node.pending:
                self._open(node)
            node = node.children.get(name)
            if node is None:
                break
        else:
            if node.pending:
                self._open(node)
        self._nodes[path] = node
        return node

    def _subtree(self, node: "_Node"):
        """The definitions of `node` and every node below it (opened as they are reached)."""
        stack = [node]
        while stack:
            node = stack.pop()
            self._open(node)
            yield from node.definitions
            stack.extend(node.children.values())

    def _open(self, node: "_Node") -> None:
        if node.pending:
            pending, node.pending = node.pending, []
            for index, item in enumerate(pending):
                try:
                    self._place(node, item, item.rank)
                except Exception:   # a bug, reported once (NX999): that value is left out, the rest stays
                    node.pending = pending[index + 1:] + node.pending
                    self._nodes.clear()
                    raise

    def _place(self, node: "_Node", item: "_Pending", rank: tuple) -> None:
        """Force one value written at `node`'s path: properties are pushed down, a set's
        attributes go to the children, anything else is a definition here."""
        path = node.path
        value = item.value
        if isinstance(value, v.Thunk) and value.value is None and value.kind in LEAF_SYNTAX and path \
                and item.depth <= MAX_NESTING:
            self._define(node, item, value, rank)   # a literal: never a set or a property
            return
        value = v.force(value)
        if item.depth > MAX_NESTING:
            value = v.Unknown(value.span, "nested too deeply to evaluate")
        depth = item.depth + 1
        if isinstance(value, v.Merge):
            for index, content in enumerate(value.contents):
                self._place(node, item.inner(content, depth=depth), rank + (index,))
            return
        if isinstance(value, v.If):
            known = v.truth(value.condition)
            if known is None:
                inner = item.inner(value.content, depth=depth, conditions=item.conditions + (value.condition,))
            else:
                inner = item.inner(value.content, depth=depth, active=item.active and known)
            self._place(node, inner, rank)
            return
        if isinstance(value, v.Override):
            # the outermost override decides, as in lib.modules.filterOverrides
            priority = item.priority if item.priority is not None else (value.priority, value.label)
            self._place(node, item.inner(value.content, depth=depth, priority=priority), rank)
            return
        if isinstance(value, v.Order):
            order = item.order if item.order is not None else value.priority
            self._place(node, item.inner(value.content, depth=depth, order=order), rank)
            return
        if isinstance(value, v.AttrsV) and value.attrs:
            if path:
                presence = Presence(path, self.module, item.key_span, item.binding_span, value.explicit,
                                    conditional=bool(item.conditions) or not item.active)
                presence.rank = rank
                node.presences.append(presence)
                self._remember(presence)
            for index, (name, attr) in enumerate(value.attrs.items()):
                child = node.children.get(name)
                if child is None:
                    child = node.children[name] = _Node(path + (name,))
                child.pending.append(item.inner(attr.value, depth=depth, key_span=attr.key_span or item.key_span,
                                                binding_span=attr.binding_span or item.binding_span,
                                                rank=rank + (index,)))
            return
        if not path and isinstance(value, v.AttrsV):
            return  # an empty module
        # (At the root: the whole config is something that cannot be known; it is recorded there.)
        self._define(node, item, value, rank)

    def _define(self, node: "_Node", item: "_Pending", value: v.Lazy, rank: tuple) -> None:
        prio, label = item.priority if item.priority is not None else (PLAIN_PRIORITY, "plain")
        definition = Definition(
            option=node.path, written=value, module=self.module, priority=prio, priority_label=label,
            order=item.order if item.order is not None else DEFAULT_ORDER, conditions=item.conditions,
            active=item.active, key_span=item.key_span, binding_span=item.binding_span,
        )
        definition.rank = rank
        node.definitions.append(definition)
        self._remember(definition)

    def _remember(self, written) -> None:
        span = written.key_span
        if span is not None:
            self._written.setdefault((id(span.source), span.start, span.end), []).append(written)


def collect(config: v.Lazy, module: str, key_span: Span | None = None) -> ModuleDefinitions:
    return ModuleDefinitions(config, module, key_span)


class _Node:
    __slots__ = ("path", "pending", "children", "definitions", "presences")

    def __init__(self, path: tuple[str, ...]):
        self.path = path
        self.pending: list[_Pending] = []
        self.children: dict[str, _Node] = {}
        self.definitions: list[Definition] = []
        self.presences: list[Presence] = []


class _Pending:
    """A value written at a node's path, not yet forced, with what was around it."""

    __slots__ = ("value", "rank", "key_span", "binding_span", "priority", "order", "conditions", "active", "depth")

    def __init__(self, value, rank, key_span, binding_span, priority, order, conditions, active, depth):
        self.value, self.rank, self.key_span, self.binding_span = value, rank, key_span, binding_span
        self.priority, self.order, self.conditions, self.active, self.depth = priority, order, conditions, active, depth

    def inner(self, value, **changes) -> "_Pending":
        item = _Pending(value, self.rank, self.key_span, self.binding_span, self.priority, self.order,
                        self.conditions, self.active, self.depth)
        for name, changed in changes.items():
            setattr(item, name, changed)
        return item


def _rank(written) -> tuple:
    return written.rank
