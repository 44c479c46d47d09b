"""Source files and byte spans.

Everything inside the linter speaks in byte offsets (what tree-sitter gives
and what fixes edit); lines and columns are computed only at the edge, when a
finding is printed.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field

# File names many folders share (a folder's module, what nixos-generate-config writes): a
# message names such a file with its folder (Span.place).
SHARED_NAMES = frozenset({"default.nix", "configuration.nix", "hardware-configuration.nix"})


@dataclass(eq=False)
class SourceFile:
    """One file's bytes, with a lazily built table of line starts."""

    path: str
    data: bytes = field(repr=False)
    _line_starts: list[int] | None = field(default=None, repr=False)

    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.data.find
            pos = find(b"\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find(b"\n", pos + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a byte offset; columns count characters."""
        offset = max(0, min(offset, len(self.data)))
        starts = self.line_starts
        index = bisect.bisect_right(starts, offset) - 1
        prefix = self.data[starts[index]:offset]
        column = len(prefix.decode("utf-8", errors="replace")) + 1
        return index + 1, column

    def offset(self, line: int, column: int) -> int:
        """Byte offset of a 1-based (line, column); the inverse of position()."""
        starts = self.line_starts
        start = starts[min(max(line, 1), len(starts)) - 1]
        end = starts[line] if line < len(starts) else len(self.data)
        text = self.data[start:end].decode("utf-8", errors="replace")
        return start + len(text[: column - 1].encode("utf-8"))

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if not 1 <= line <= len(starts):
            return ""
        end = starts[line] if line < len(starts) else len(self.data)
        return self.data[starts[line - 1]:end].rstrip(b"\r\n").decode("utf-8", errors="replace")

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", errors="replace")


class Span:
    """A byte range [start, end) in one source file.  Not changed once made (a plain
    class with slots: the evaluator makes one per binding, and a frozen dataclass's
    constructor costs three times as much)."""

    __slots__ = ("source", "start", "end")

    def __init__(self, source: SourceFile, start: int, end: int):
        self.source = source
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Span({self.path!r}, {self.start}, {self.end})"

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def start_position(self) -> tuple[int, int]:
        return self.source.position(self.start)

    @property
    def end_position(self) -> tuple[int, int]:
        return self.source.position(self.end)

    @property
    def line(self) -> int:
        return self.start_position[0]

    @property
    def text(self) -> str:
        return self.source.text(self.start, self.end)

    @property
    def place(self) -> str:
        """How a message names where it is: `boot.nix:13`, `lib/default.nix:28`."""
        folder, name = os.path.split(self.path)
        if name in SHARED_NAMES and os.path.basename(folder):
            name = f"{os.path.basename(folder)}/{name}"
        return f"{name}:{self.line}"

    def __str__(self) -> str:
        line, column = self.start_position
        return f"{self.path}:{line}:{column}"

    def __hash__(self) -> int:
        return hash((id(self.source), self.start, self.end))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Span)
            and other.source is self.source
            and other.start == self.start
            and other.end == self.end
        )
