"""ST902 comment-phase-headers."""
from __future__ import annotations

import re
from dataclasses import dataclass

from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.checking.rule import FileContext, rule
from stereos_lint.nix.source import Span

from .comments import comments, header

ANNOUNCED = re.compile(r"^\s*Phase\s+(?P<number>\d+)\s*(?:—|–|--?|:)\s*(?P<title>\S.*?)\s*$")
SECTION = re.compile(r"^[#\s]*Phase\s+(?P<number>\d+)\s*:\s*(?P<title>.*?)\s*$")


@dataclass
class Phase:
    number: int
    title: str
    span: Span           # `Phase N` in the comment
    number_span: Span    # `N`


def _phase(comment, match) -> Phase:
    def offset(index: int) -> int:
        return comment.body_start + len(comment.body[:index].encode("utf-8", "surrogateescape"))

    source = comment.span.source
    number_end = offset(match.end("number"))
    return Phase(int(match.group("number")), match.group("title"),
                 Span(source, offset(comment.body.index("Phase", match.start())), number_end),
                 Span(source, offset(match.start("number")), number_end))


def _key(title: str) -> str:
    """`Medium effort (service audit, …)` and `Medium Effort` both give `mediumeffort`."""
    return re.sub(r"[^a-z0-9]", "", title.split("(")[0].lower())


def _same_title(a: str, b: str) -> bool:
    ka, kb = _key(a), _key(b)
    return bool(ka and kb) and (ka.startswith(kb) or kb.startswith(ka))


@rule("ST902", "comment-phase-headers", severity="warning", scope="file", fixable=True,
      summary="`# Phase N:` section headers match the phases the module header announces")
def check(ctx: FileContext):
    """The module header announces the module's phases (`Phase 1 — High-impact,
    low-effort`, `Phase 2 — Medium effort (…)`); the `# Phase N: …` section
    headers below must match them -- each announced phase once, in the
    announced order -- or the reader files a setting under the wrong phase.

    A section header whose title matches an announced phase's title (compared
    without case, punctuation or the parenthesised details) must carry that
    phase's number; the fix rewrites the number.  A number the header never
    announces, a phase with two section headers, a section out of order, and an
    announced phase with no section header are reported too.  A module header
    that announces no phases is not judged.

    Bad:

        #   Phase 1 — High-impact, low-effort
        #   Phase 2 — Medium effort (service audit, volatile journal, NSS)
        …
        # Phase 1: Medium Effort

    Good:

        # Phase 2: Medium Effort
    """
    if b"Phase" not in ctx.parsed.source.data:
        return   # no phase announced anywhere in the file
    leading = header(ctx.parsed)
    announced = [_phase(c, m) for c in leading if not c.block for m in [ANNOUNCED.match(c.body)] if m]
    if not announced:
        return
    numbers = [phase.number for phase in announced]
    listing = " and ".join(f"Phase {n}" for n in numbers)
    header_end = leading[-1].span.end
    sections = [_phase(c, m) for c in comments(ctx.parsed)
                if c.span.start >= header_end and not c.block and c.own_line
                for m in [SECTION.match(c.body)] if m]
    seen: dict[int, Phase] = {}
    last_index = -1
    for section in sections:
        said = f"section header `Phase {section.number}: {section.title}`"
        match = next((phase for phase in announced if _same_title(phase.title, section.title)), None)
        number = section.number
        if match is not None and match.number != section.number:
            number = match.number
            yield ctx.finding(
                section.span,
                f"{said} names a phase the module header announces as Phase {match.number} "
                f"(`{match.title}`, line {match.span.line}): the sections must follow the header",
                Fix(f"renumber to Phase {match.number}", (Edit(section.number_span, str(match.number)),)))
        elif number not in numbers:
            yield ctx.finding(section.span, f"{said}: the module header announces only {listing}")
            continue
        if number in seen:
            yield ctx.finding(section.span, f"{said} repeats Phase {number} (already at line {seen[number].span.line}): "
                                            f"each announced phase has one section")
            continue
        seen[number] = section
        index = numbers.index(number)
        if index < last_index:
            yield ctx.finding(section.span, f"{said} comes after Phase {numbers[last_index]}: "
                                            f"the module header announces {listing} in that order")
        last_index = max(last_index, index)
    for phase in announced:
        if phase.number not in seen:
            yield ctx.finding(phase.span, f"the module header announces `Phase {phase.number} — {phase.title}` "
                                          f"but no `# Phase {phase.number}:` section header follows")
