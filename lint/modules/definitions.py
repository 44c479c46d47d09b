"""Turning one module's `config` value into NixOS option definitions.

This is `pushDownProperties` + `dischargeProperties` from nixpkgs'
lib/modules.nix: `mkMerge` splits, `mkIf` and `mkOverride` are pushed down
through attribute sets to every leaf, and each leaf becomes a `Definition`
with its priority, list order, conditions and source spans.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..nix import values as v
from ..nix.nixlib import DEFAULT_ORDER, PLAIN_PRIORITY
from ..nix.source import Span

MAX_NESTING = 400


@dataclass
class Definition:
    option: tuple[str, ...]
    value: v.Value                  # the leaf value, properties removed
    module: str                     # key of the module that wrote it
    priority: int = PLAIN_PRIORITY
    priority_label: str = "plain"
    order: int = DEFAULT_ORDER
    conditions: tuple[v.Value, ...] = ()   # mkIf conditions that cannot be known
    active: bool = True             # False under a mkIf whose condition is known false
    key_span: Span | None = None    # the attribute path of the binding (`networking.firewall.enable`)
    binding_span: Span | None = None

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


@dataclass
class ModuleDefinitions:
    definitions: list[Definition] = field(default_factory=list)
    presences: list[Presence] = field(default_factory=list)


def collect(config: v.Lazy, module: str, key_span: Span | None = None) -> ModuleDefinitions:
    out = ModuleDefinitions()
    _walk(config, (), module, out, key_span, None, None, None, (), True, 0)
    return out


def _walk(item: v.Lazy, path: tuple[str, ...], module: str, out: ModuleDefinitions,
          key_span: Span | None, binding_span: Span | None,
          priority: tuple[int, str] | None, order: int | None,
          conditions: tuple[v.Value, ...], active: bool, depth: int) -> None:
    value = v.force(item)
    if depth > MAX_NESTING:
        value = v.Unknown(value.span, "nested too deeply to evaluate")
    if isinstance(value, v.Merge):
        for content in value.contents:
            _walk(content, path, module, out, key_span, binding_span, priority, order, conditions, active, depth + 1)
        return
    if isinstance(value, v.If):
        known = v.truth(value.condition)
        if known is None:
            conditions = conditions + (value.condition,)
        elif known is False:
            active = False
        _walk(value.content, path, module, out, key_span, binding_span, priority, order, conditions, active, depth + 1)
        return
    if isinstance(value, v.Override):
        if priority is None:  # the outermost override decides, as in lib.modules.filterOverrides
            priority = (value.priority, value.label)
        _walk(value.content, path, module, out, key_span, binding_span, priority, order, conditions, active, depth + 1)
        return
    if isinstance(value, v.Order):
        if order is None:
            order = value.priority
        _walk(value.content, path, module, out, key_span, binding_span, priority, order, conditions, active, depth + 1)
        return
    if isinstance(value, v.AttrsV) and value.attrs:
        if path:
            out.presences.append(Presence(path, module, key_span, binding_span, value.explicit))
        for name, attr in value.attrs.items():
            _walk(attr.value, path + (name,), module, out, attr.key_span or key_span,
                  attr.binding_span or binding_span, priority, order, conditions, active, depth + 1)
        return
    if not path:
        if isinstance(value, v.AttrsV):
            return  # an empty module
        # The whole config is something that cannot be known: record it at the root.
    prio, label = priority if priority is not None else (PLAIN_PRIORITY, "plain")
    out.definitions.append(Definition(
        option=path, value=value, module=module, priority=prio, priority_label=label,
        order=order if order is not None else DEFAULT_ORDER, conditions=conditions,
        active=active, key_span=key_span, binding_span=binding_span,
    ))
