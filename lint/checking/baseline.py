"""Baselines: adopt the linter in a repository that already has findings.

`--write-baseline FILE` records each finding's fingerprint (which survives
line shifts); `--baseline FILE` then reports only findings not recorded, and
how many recorded ones no longer occur.
"""
from __future__ import annotations

import json
import os
from collections import Counter

from .fingerprints import fingerprints
from .findings import Finding

VERSION = 1


class BaselineError(Exception):
    pass


def _relative(path: str, baseline: str) -> str:
    """Paths are stored relative to the baseline's folder, so any working directory works."""
    return os.path.relpath(os.path.abspath(path), os.path.dirname(os.path.abspath(baseline)))


def _key(finding: Finding, fingerprint: str, baseline: str) -> str:
    return f"{finding.code}|{_relative(finding.path, baseline)}|{fingerprint}"


def write(path: str, findings: list[Finding]) -> int:
    entries = [
        {"code": f.code, "file": _relative(f.path, path), "fingerprint": fp, "message": f.message}
        for f, fp in zip(findings, fingerprints(findings))
    ]
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"version": VERSION, "findings": entries}, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return len(entries)


def filter_new(path: str, findings: list[Finding]) -> tuple[list[Finding], int]:
    """(findings not in the baseline, number of baseline entries that no longer occur)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        recorded = Counter(f"{e['code']}|{e['file']}|{e['fingerprint']}" for e in document["findings"])
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise BaselineError(f"{path}: not a stereos-lint baseline ({error})") from None
    remaining = Counter(recorded)
    new = []
    for finding, fingerprint in zip(findings, fingerprints(findings)):
        key = _key(finding, fingerprint, path)
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            new.append(finding)
    return new, sum(remaining.values())
