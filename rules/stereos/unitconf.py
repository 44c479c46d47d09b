"""`Key=Value` lines of a systemd configuration written in a NixOS string option
(`services.journald.extraConfig`, `systemd.extraConfig`), with where each line was written.

The option's definitions are read in merge order (a `lines` option concatenates them);
systemd keeps the last assignment of a key.  Each setting points at its own line inside
the string's source, so a finding lands on `RuntimeMaxUse=31M`, not on the line that
opens the string.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from stereos_lint.nix import values as v
from stereos_lint.modules.config import Resolution
from stereos_lint.modules.definitions import Definition
from stereos_lint.nix.source import Span


@dataclass
class Setting:
    key: str
    value: str | None          # stripped, as systemd reads it; None where it cannot be known
    written: str | None        # the text after `=` up to the end of the line, as written
    definition: Definition
    span: Span | None          # the line inside the string, else the whole string


@dataclass
class ConfLines:
    settings: list[Setting]
    unknown: bool              # some line (or the whole text) cannot be known

    def last(self, key: str) -> Setting | None:
        """The assignment systemd keeps: the last one of `key`."""
        found = [s for s in self.settings if s.key == key]
        return found[-1] if found else None


def conf_lines(resolution: Resolution) -> ConfLines:
    """The settings written in a string option, in merge order."""
    settings: list[Setting] = []
    unknown = False
    if not resolution.defined:
        return ConfLines(settings, unknown)
    for definition in sorted(resolution.winners, key=lambda d: d.order):
        value = definition.value
        if not isinstance(value, v.Str):
            unknown = True
            continue
        found, partial = _parse(value, definition)
        settings.extend(found)
        unknown = unknown or partial
    return ConfLines(settings, unknown)


def _parse(value: v.Str, definition: Definition) -> tuple[list[Setting], bool]:
    lines: list[list] = [[]]
    for part in value.parts:
        if isinstance(part, str):
            chunks = part.split("\n")
            lines[-1].append(chunks[0])
            for chunk in chunks[1:]:
                lines.append([chunk])
        else:
            lines[-1].append(part)
    settings: list[Setting] = []
    unknown = False
    for pieces in lines:
        known_prefix = ""
        for piece in pieces:
            if not isinstance(piece, str):
                break
            known_prefix += piece
        complete = all(isinstance(piece, str) for piece in pieces)
        stripped = known_prefix.strip()
        if complete and (not stripped or stripped[0] in "#;["):  # blank, comment, [Section]
            continue
        if "=" not in known_prefix:
            unknown = unknown or not complete
            continue
        key, written = known_prefix.split("=", 1)
        key = key.strip()
        written = written.lstrip()
        settings.append(Setting(key, written.strip() if complete else None, written if complete else None,
                                definition, None))
        if not complete:
            unknown = True
    _locate(settings, value.span or definition.span)
    return settings, unknown


def _locate(settings: list[Setting], span: Span | None) -> None:
    """Point each setting at its line in the string's source (k-th `Key=` for the k-th setting)."""
    if span is None:
        return
    text = span.source.data[span.start:span.end].decode("utf-8", errors="replace")
    seen: dict[str, int] = {}
    for setting in settings:
        setting.span = span
        pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(setting.key)}[ \t]*=")
        matches = list(pattern.finditer(text))
        wanted = sum(1 for s in settings if s.key == setting.key)
        index = seen.get(setting.key, 0)
        seen[setting.key] = index + 1
        if len(matches) != wanted:
            continue
        start = matches[index].start()
        end = len(text)
        for stop in ("\n", "\\n", "''", '"'):
            at = text.find(stop, matches[index].end())
            if at != -1:
                end = min(end, at)
        setting.span = Span(span.source, span.start + _bytes(text[:start]), span.start + _bytes(text[:end]))


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))
