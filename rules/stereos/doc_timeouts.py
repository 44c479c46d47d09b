"""ST904 comment-timeout-defaults."""
from __future__ import annotations

import re

from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.checking.rule import FileContext, rule

from .comments import comment_bytes, paragraphs

DEFAULT_SECONDS = 90      # DefaultTimeoutStartSec and DefaultTimeoutStopSec in NixOS (systemd's defaults)
OPTIONS = {"start": "DefaultTimeoutStartSec", "stop": "DefaultTimeoutStopSec"}

TIMEOUT = re.compile(r"timeout", re.IGNORECASE)
_ANYWHERE = re.compile(rb"timeout", re.IGNORECASE)
DEFAULT = re.compile(r"\bdefault(?:s|ed)?\b", re.IGNORECASE)   # not DefaultTimeoutStartSec
UNITS = {"ms": 0.001, "msec": 0.001, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
         "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hour": 3600, "hours": 3600}
_PART = r"(\d+(?:\.\d+)?)\s*(" + "|".join(sorted(UNITS, key=len, reverse=True)) + r")\b"
DURATION = re.compile(r"(?<![\w.])" + _PART + r"(?:\s*" + _PART + r")*")
PART = re.compile(_PART)
# Which timeout a duration belongs to; `other` timeouts (device, abort, …) are not judged.
ROLE = re.compile(
    r"(?P<start>DefaultTimeoutStartSec|\bstart(?:up)?\b)"
    r"|(?P<stop>DefaultTimeoutStopSec|\bstop\b|\bshut ?down\b)"
    r"|(?P<other>Default\w+Sec|\bdevice\b|\babort\b|\brestart\b|\bwatchdog\b|\bjob\b)",
    re.IGNORECASE)
PARENTHESIS = re.compile(r"\s*\(([^)]*)\)")
# "lower the default to 10 s", "we use 3 s": the new value, not the default ("defaults to 90 s" is).
NEW_VALUE = re.compile(r"(?:\bto|\buse[sd]?|\busing|\bset|=)\W*$", re.IGNORECASE)
DEFAULTS_TO = re.compile(r"\bdefault(?:s|ed)?\s+to\W*$", re.IGNORECASE)


@rule("ST904", "comment-timeout-defaults", severity="warning", scope="file", fixable=True,
      summary="NixOS timeout defaults quoted in comments are right (90 s start and stop)")
def check(ctx: FileContext):
    """Comments are part of the SPEC: the NixOS defaults a comment quotes are the
    reason the module tightens them.  NixOS (systemd) defaults both
    `DefaultTimeoutStartSec` and `DefaultTimeoutStopSec` to 90 s.

    Judged: a sentence that speaks of a default, in a paragraph (consecutive
    `#` lines) about timeouts.  Each duration in it (`90 s`, `90s`, `1min 30s`,
    `1.5 minutes`) belongs to the timeout named in a parenthesis right after it
    (`90 s (start)`), else to the nearest timeout word before it -- since the
    previous duration -- else to the first one after it: start /
    `DefaultTimeoutStartSec`, stop / shutdown / `DefaultTimeoutStopSec`.
    Durations of other timeouts (device, abort, …) or of none are not judged,
    nor a new value introduced by "to", "use", "set" or `=` ("lower the default
    start timeout to 10 s"); "defaults to 90 s" is judged.

    Bad:

        # Default NixOS values are 90 s (start) and 93 s (stop).

    Good:

        # Default NixOS values are 90 s (start) and 90 s (stop).
    """
    if not _ANYWHERE.search(comment_bytes(ctx.parsed)):
        return   # no comment of the file can speak of a timeout
    for paragraph in paragraphs(ctx.parsed):
        if not TIMEOUT.search(paragraph.text):
            continue
        for start, end in paragraph.sentences():
            sentence = paragraph.text[start:end]
            if not DEFAULT.search(sentence):
                continue
            found = list(DURATION.finditer(sentence))
            for index, duration in enumerate(found):
                lead = sentence[found[index - 1].end() if index else 0:duration.start()]
                if NEW_VALUE.search(lead) and not DEFAULTS_TO.search(lead):
                    continue
                role = _role(sentence, found, index)
                if role not in OPTIONS:
                    continue
                seconds = sum(float(n) * UNITS[unit] for n, unit in PART.findall(duration.group()))
                if seconds == DEFAULT_SECONDS:
                    continue
                yield ctx.finding(
                    paragraph.span(start + duration.start(), start + duration.end()),
                    f"the comment gives {duration.group()} as the NixOS default {role} timeout "
                    f"({OPTIONS[role]}) but it is 90 s: DefaultTimeoutStartSec and DefaultTimeoutStopSec "
                    f"both default to 90 s",
                    _fix(paragraph, start, duration))


def _role(sentence: str, found: list, index: int) -> str | None:
    duration = found[index]
    following = sentence[duration.end():found[index + 1].start() if index + 1 < len(found) else len(sentence)]
    parenthesis = PARENTHESIS.match(following)
    if parenthesis:
        named = ROLE.search(parenthesis.group(1))
        if named:
            return named.lastgroup
    before = list(ROLE.finditer(sentence[found[index - 1].end() if index else 0:duration.start()]))
    if before:
        return before[-1].lastgroup
    after = ROLE.search(following)
    return after.lastgroup if after else None


def _fix(paragraph, start: int, duration) -> Fix:
    parts = PART.findall(duration.group())
    if len(parts) == 1 and UNITS[parts[0][1]] == 1:
        at = start + duration.start(1)
        span, text = paragraph.span(at, at + len(duration.group(1))), str(DEFAULT_SECONDS)
    else:
        span, text = paragraph.span(start + duration.start(), start + duration.end()), "90 s"
    return Fix("write the NixOS default, 90 s", (Edit(span, text),))
