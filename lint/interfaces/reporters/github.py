"""GitHub Actions workflow commands: one `::error file=…::message` annotation per finding.

Escaping follows GitHub's toolkit (`@actions/core`): `%`, CR and LF in the
message; those plus `:` and `,` in property values.  GitHub shows only ten
annotations of each level per step (fifty per job), so errors come first,
then warnings, then notices, each in the order given.  The run ends with a
plain summary line, which is not a command.
"""
from __future__ import annotations

from ...checking.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_NOUNS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    (line, column), (end_line, end_column) = finding.span.start_position, finding.span.end_position
    properties = [("file", finding.path), ("line", line), ("endLine", end_line)]
    if end_line == line:
        properties += [("col", column), ("endColumn", end_column)]
    properties.append(("title", f"{finding.code} {finding.name}"))
    rendered = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties)
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(finding.message)}"


def summary(findings: list[Finding], files: int) -> str:
    if not findings:
        return f"stereos-lint: no problems ({files} file{'s' if files != 1 else ''} checked)"
    counts = [sum(1 for f in findings if f.severity is severity) for severity in Severity]
    parts = [f"{n} {_NOUNS[s]}{'s' if n != 1 else ''}" for s, n in zip(Severity, counts) if n]
    return f"stereos-lint: {len(findings)} problem{'s' if len(findings) != 1 else ''} ({', '.join(parts)})"


def render(findings: list[Finding], files: int = 0, **_: object) -> str:
    ordered = sorted(findings, key=lambda f: f.severity.rank)
    return "\n".join([*(command(f) for f in ordered), summary(findings, files)]) + "\n"
