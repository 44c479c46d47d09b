"""Whether a word is written in a file's bytes, as the regex `\\bword\\b` finds it.

The text heuristics (does a module name the architecture, call `mkForce`, `import` a
file?) read every file of every system.  Python's `re` has no fast scan for a pattern
that starts with `\\b` or with an alternation of words: it tries the whole pattern at
every byte.  `bytes.find` scans in C; the boundaries are then checked on the two bytes
around each occurrence -- the same answer, several times faster.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterator

# What `\b` counts as a word character in a bytes pattern.
_WORD_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def word_positions(data: bytes, word: bytes, start: int = 0, end: int | None = None) -> Iterator[int]:
    """Where `word` stands alone in `data[start:end]` (a boundary before and after it,
    the window's edges counting as boundaries at its end, as `re` counts `endpos`)."""
    end = len(data) if end is None else end
    at = data.find(word, start, end)
    while at != -1:
        after = at + len(word)
        if (at == 0 or data[at - 1] not in _WORD_BYTES) and (after >= end or data[after] not in _WORD_BYTES):
            yield at
        at = data.find(word, at + 1, end)


def has_word(data: bytes, word: bytes, start: int = 0, end: int | None = None) -> bool:
    return next(word_positions(data, word, start, end), None) is not None


def has_any_word(data: bytes, words: tuple[bytes, ...], start: int = 0, end: int | None = None) -> bool:
    """Whether one of `words` (each made of word characters) stands alone in the window.
    One scan for all: an alternation with no `\\b` in front is fast to scan for, and the
    boundaries of what it finds are checked here.  Longest first, so that a word which
    begins another (`isAarch`, `isAarch64`) does not hide it; no word can start inside a
    match, whose bytes are all word characters."""
    end = len(data) if end is None else end
    for match in _alternation(words).finditer(data, start, end):
        at, after = match.span()
        if (at == 0 or data[at - 1] not in _WORD_BYTES) and (after >= end or data[after] not in _WORD_BYTES):
            return True
    return False


@functools.lru_cache(maxsize=None)
def _alternation(words: tuple[bytes, ...]) -> re.Pattern[bytes]:
    return re.compile(b"|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))
