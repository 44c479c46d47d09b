"""SARIF 2.1.0 output, as GitHub code scanning accepts it.

One run: the driver lists the selected rules (plus any rule a finding names
that was not selected, such as NX000 for an unreadable file, so every
`ruleIndex` points somewhere), and each finding becomes a result with one
physical location.  Columns count characters (`columnKind: unicodeCodePoints`),
as everywhere else in stereos-lint; `endColumn` is exclusive, as SARIF wants.

`partialFingerprints` hash the rule code, the file, the finding's system and
the text of its line and span -- never the line number or the message (which
may name a line, `boot.nix:130`) -- so an alert keeps its identity when lines
are inserted above it.  Identical keys are told apart by their order in the
file, the way GitHub's own `primaryLocationLineHash` does (`hash:2`).
"""
from __future__ import annotations

import json
import os
from pathlib import PurePath
from typing import Iterable
from urllib.parse import quote

from ... import __version__
from ...checking.fingerprints import fingerprints
from ...checking.findings import Finding, Severity
from ...checking.rule import REGISTRY, Rule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/stereos/stereos-lint"
FINGERPRINT_KEY = "stereosLintLineHash/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(path: str) -> str:
    """A relative path as a percent-encoded POSIX URI reference; an absolute one as a file: URI."""
    if os.path.isabs(path):
        return PurePath(path).as_uri()
    posix = path.replace(os.sep, "/") if os.sep != "/" else path
    return quote(os.fsencode(posix), safe="/")


def rule_descriptor(rule: Rule) -> dict:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.doc},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _descriptor_for(finding: Finding) -> dict:
    """A rule a finding names but the run did not select: from the registry, else from the finding."""
    known = REGISTRY.get(finding.code)
    if known is not None:
        return rule_descriptor(known)
    return {"id": finding.code, "name": finding.name, "shortDescription": {"text": finding.name},
            "defaultConfiguration": {"level": LEVELS[finding.severity]}}


def _result(finding: Finding, index: int, fingerprint: str) -> dict:
    (line, column), (end_line, end_column) = finding.span.start_position, finding.span.end_position
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(finding.path)},
                "region": {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column},
            },
        }],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }


def sarif_log(findings: list[Finding], rules: Iterable[Rule] | None = None) -> dict:
    """The SARIF log as a dict.  Without `rules`, the driver lists only the rules findings name."""
    descriptors = [rule_descriptor(r) for r in (rules or ())]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    for finding in findings:
        if finding.code not in index:
            index[finding.code] = len(descriptors)
            descriptors.append(_descriptor_for(finding))
    prints = fingerprints(findings)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stereos-lint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(f, index[f.code], fp) for f, fp in zip(findings, prints)],
        }],
    }


def render(findings: list[Finding], rules: Iterable[Rule] | None = None, **_: object) -> str:
    return json.dumps(sarif_log(findings, rules), indent=2, ensure_ascii=False) + "\n"
