"""Reading the `console=` entries of the effective `boot.kernelParams` (ST102, ST103).

Not a rule: the helpers both console rules share.  A list item whose text
cannot be fully known is still read as far as its written prefix goes:
`"init=${x}"` is certainly no console, `"console=ttyS0,${baud}"` is the
console ttyS0 with options that cannot be known.
"""
from __future__ import annotations

from dataclasses import dataclass

from stereos_lint.nix import values as v
from stereos_lint.modules.config import ListItem, Resolution
from stereos_lint.nix.nixlib import DEFAULT_ORDER, ORDERS

PREFIX = "console="


@dataclass
class Console:
    item: ListItem
    name: str | None            # None: cannot be known
    options: str | None         # None: written without options (or, if not options_known, unknown)
    options_known: bool = True

    @property
    def text(self) -> str:
        return written(self.item)


def written(item: ListItem) -> str:
    """A list item as written in the source, for messages."""
    return item.raw.span.text if item.raw.span is not None else repr(item.value)


def place(item: ListItem) -> str:
    """`lib.mkAfter, serial.nix:3`: how a message names the definition a list item came from."""
    definition = item.definition
    labels = [] if definition.priority_label == "plain" else [definition.priority_label]
    if definition.order != DEFAULT_ORDER:
        named = {order: f"lib.{name}" for name, order in ORDERS.items()}
        labels.append(named.get(definition.order, f"lib.mkOrder {definition.order}"))
    span = item.span
    at = span.place if span is not None else ""
    return ", ".join(labels + [at])


def consoles(resolution: Resolution) -> list[Console]:
    """Every item of the list that is, or may be, a `console=` parameter, in effective order."""
    found = []
    for item in resolution.items or ():
        console = _read(item)
        if console is not None:
            found.append(console)
    return found


def _read(item: ListItem) -> Console | None:
    if isinstance(item.value, str):
        return _parse(item, item.value, complete=True)
    raw = item.raw
    if not isinstance(raw, v.Str):
        return Console(item, None, None, options_known=False)   # a whole unknown value: may be a console
    prefix = ""
    for part in raw.parts:
        if not isinstance(part, str):
            break
        prefix += part
    return _parse(item, prefix, complete=False)


def _parse(item: ListItem, text: str, complete: bool) -> Console | None:
    if not text.startswith(PREFIX):
        if complete or not PREFIX.startswith(text):
            return None
        return Console(item, None, None, options_known=False)      # "con${x}": may be a console
    name, comma, options = text[len(PREFIX):].partition(",")
    if complete:
        return Console(item, name, options if comma else None)
    if comma:
        return Console(item, name, None, options_known=False)      # "console=ttyS0,${baud}"
    return Console(item, None, None, options_known=False)          # "console=${name}"
