"""Stable finding fingerprints: they survive line shifts, so SARIF alerts and
baseline entries follow a finding when unrelated lines are added above it."""
from __future__ import annotations

import hashlib
from typing import Iterable

from .findings import Finding


def _fingerprint_base(finding: Finding) -> str:
    span = finding.span
    line_text = span.source.line_text(span.start_position[0]).strip()
    key = "\0".join((finding.code, finding.system or "", line_text, span.text.strip()))
    return hashlib.sha256(key.encode("utf-8", errors="surrogateescape")).hexdigest()[:32]


def fingerprints(findings: Iterable[Finding]) -> list[str]:
    """One stable fingerprint per finding, in the order given; repeats numbered by file order."""
    findings = list(findings)
    bases = [_fingerprint_base(f) for f in findings]
    order = sorted(range(len(findings)), key=lambda i: (findings[i].path, findings[i].span.start,
                                                         findings[i].span.end, findings[i].message))
    seen: dict[tuple[str, str], int] = {}
    numbered = [""] * len(findings)
    for i in order:
        key = (findings[i].path, bases[i])  # repeats are numbered within their own file
        seen[key] = seen.get(key, 0) + 1
        numbered[i] = f"{bases[i]}:{seen[key]}"
    return numbered
