"""Machine-readable output: a JSON list of findings, lines and columns 1-based."""
from __future__ import annotations

import json

from ...checking.findings import Finding
from ...nix.source import Span


def _position(span: Span, end: bool = False) -> dict:
    line, column = span.end_position if end else span.start_position
    return {"line": line, "column": column}


def finding_dict(finding: Finding) -> dict:
    (line, column), (end_line, end_column) = finding.span.start_position, finding.span.end_position
    fix = None
    if finding.fix is not None:
        fix = {
            "message": finding.fix.message,
            "edits": [
                {"start": _position(edit.span), "end": _position(edit.span, end=True), "content": edit.content}
                for edit in finding.fix.edits
            ],
        }
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "fix": fix,
    }


def render(findings: list[Finding], **_: object) -> str:
    return json.dumps([finding_dict(f) for f in findings], indent=2, ensure_ascii=False) + "\n"
