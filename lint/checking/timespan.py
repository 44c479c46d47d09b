"""systemd time spans (systemd.time(7)): parse `10s`, `500ms`, `1min 30s`, `2h30min`, `1.5s`,
a bare number in the setting's default unit (seconds for the Default*Sec settings), or
`infinity`, the way systemd's parse_time() does.

    >>> parse_timespan("1min 30s").seconds
    90.0
    >>> parse_timespan("20s ").stray_whitespace
    True

A value systemd would reject raises `TimeSpanError`.  systemd itself skips whitespace
around a span; `stray_whitespace` tells a caller that wants none (the SPEC) that there was.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

USEC_PER_MSEC = 1_000
USEC_PER_SEC = 1_000_000
USEC_PER_MINUTE = 60 * USEC_PER_SEC
USEC_PER_HOUR = 60 * USEC_PER_MINUTE
USEC_PER_DAY = 24 * USEC_PER_HOUR
USEC_PER_WEEK = 7 * USEC_PER_DAY
USEC_PER_MONTH = 2_629_800 * USEC_PER_SEC     # 30.44 days
USEC_PER_YEAR = 31_557_600 * USEC_PER_SEC     # 365.25 days

# systemd's table, in its order: the first suffix the text starts with wins ("ms" before "m").
UNITS: tuple[tuple[str, int], ...] = (
    ("seconds", USEC_PER_SEC), ("second", USEC_PER_SEC), ("sec", USEC_PER_SEC), ("s", USEC_PER_SEC),
    ("minutes", USEC_PER_MINUTE), ("minute", USEC_PER_MINUTE), ("min", USEC_PER_MINUTE),
    ("months", USEC_PER_MONTH), ("month", USEC_PER_MONTH), ("M", USEC_PER_MONTH),
    ("msec", USEC_PER_MSEC), ("ms", USEC_PER_MSEC), ("m", USEC_PER_MINUTE),
    ("hours", USEC_PER_HOUR), ("hour", USEC_PER_HOUR), ("hr", USEC_PER_HOUR), ("h", USEC_PER_HOUR),
    ("days", USEC_PER_DAY), ("day", USEC_PER_DAY), ("d", USEC_PER_DAY),
    ("weeks", USEC_PER_WEEK), ("week", USEC_PER_WEEK), ("w", USEC_PER_WEEK),
    ("years", USEC_PER_YEAR), ("year", USEC_PER_YEAR), ("y", USEC_PER_YEAR),
    ("usec", 1), ("us", 1), ("\u03bcs", 1), ("\u00b5s", 1),
)

WHITESPACE = " \t\n\r"
_NUMBER = re.compile(r"([0-9]*)(?:\.([0-9]*))?")


class TimeSpanError(ValueError):
    """The text is not a systemd time span; the message says why."""


@dataclass(frozen=True)
class TimeSpan:
    text: str                 # as written
    usec: int | None          # None for `infinity`

    @property
    def infinite(self) -> bool:
        return self.usec is None

    @property
    def seconds(self) -> float:
        return float("inf") if self.usec is None else self.usec / USEC_PER_SEC

    @property
    def stray_whitespace(self) -> bool:
        """Leading or trailing whitespace (systemd skips it; a clean value has none)."""
        return self.text != self.text.strip(WHITESPACE)

    def __str__(self) -> str:
        return format_usec(self.usec)


def parse_timespan(text: str, default_unit: int = USEC_PER_SEC) -> TimeSpan:
    """Parse `text` as systemd's parse_time() does, or raise TimeSpanError."""
    p = text.lstrip(WHITESPACE)
    if p.startswith("infinity"):
        if p[len("infinity"):].strip(WHITESPACE):
            raise TimeSpanError("text after 'infinity'")
        return TimeSpan(text, None)
    total = Fraction(0)
    something = False
    while True:
        p = p.lstrip(WHITESPACE)
        if not p:
            if not something:
                raise TimeSpanError("no number")
            break
        match = _NUMBER.match(p)
        whole, fraction = match.group(1), match.group(2)
        if not whole and fraction is None:
            raise TimeSpanError(f"expected a number at {p!r}")
        p = p[match.end():]
        after_space = p.lstrip(WHITESPACE)
        unit = next(((suffix, usec) for suffix, usec in UNITS if after_space.startswith(suffix)), None)
        if unit is None and after_space == p and p:
            # neither a unit nor whitespace follows the number: `12.34.56`, `5x`
            raise TimeSpanError(f"unknown unit at {p!r}")
        value = Fraction(int(whole or "0"))
        if fraction:
            value += Fraction(int(fraction), 10 ** len(fraction))
        total += value * (unit[1] if unit else default_unit)
        p = after_space[len(unit[0]):] if unit else after_space
        something = True
    return TimeSpan(text, int(total))


def format_usec(usec: int | None) -> str:
    """A span the way systemd prints it: `20s`, `1min 30s`, `500ms`, `infinity`."""
    if usec is None:
        return "infinity"
    if usec == 0:
        return "0"
    pieces = []
    for suffix, size in (("y", USEC_PER_YEAR), ("month", USEC_PER_MONTH), ("w", USEC_PER_WEEK),
                         ("d", USEC_PER_DAY), ("h", USEC_PER_HOUR), ("min", USEC_PER_MINUTE),
                         ("s", USEC_PER_SEC), ("ms", USEC_PER_MSEC), ("us", 1)):
        if usec >= size:
            count, usec = divmod(usec, size)
            pieces.append(f"{count}{suffix}")
    return " ".join(pieces)
