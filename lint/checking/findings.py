"""What a rule reports: a finding with a byte span and, optionally, a fix.

Fixes are byte-range edits; spans become lines and columns only when a
reporter prints them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ..nix.source import Span


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Edit:
    span: Span          # the bytes to replace (empty for an insertion)
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]


@dataclass
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    fix: Fix | None = None
    system: str | None = None      # the system the finding was judged on, when it depends on one
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def path(self) -> str:
        return self.span.path

    @property
    def sort_key(self) -> tuple:
        return (self.span.path, self.span.start, self.code, self.message)

    @property
    def identity(self) -> tuple:
        return (self.code, self.span.path, self.span.start, self.span.end, self.message)
