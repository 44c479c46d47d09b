"""Human-readable output: `path:line:col: CODE [name] message`, a code frame, a summary."""
from __future__ import annotations

from ...checking.findings import Finding, Severity

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def headline(finding: Finding, color: bool = False) -> str:
    line, column = finding.span.start_position
    code = f"{finding.code} [{finding.name}]"
    if color:
        code = f"{_COLORS[finding.severity]}{_BOLD}{finding.code}{_RESET} [{finding.name}]"
    severity = "" if finding.severity is Severity.ERROR else f"({finding.severity.value}) "
    return f"{finding.path}:{line}:{column}: {code} {severity}{finding.message}"


def code_frame(finding: Finding, color: bool = False) -> list[str]:
    """The finding's first line with the span underlined (to the end of that line if it spans more)."""
    source = finding.span.source
    if not source.data:
        return []
    (line, column), (end_line, end_column) = finding.span.start_position, finding.span.end_position
    text = source.line_text(line).replace("\t", " ")
    if end_line != line:
        end_column = len(text) + 1
    width = max(1, end_column - column)
    gutter = f"{line:>5} | "
    marker = " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^" * width
    if color:
        marker = marker[: len(gutter)] + _COLORS[finding.severity] + marker[len(gutter):] + _RESET
        gutter = _DIM + gutter + _RESET
    return [gutter + text, marker]


def summary(findings: list[Finding], files: int) -> str:
    if not findings:
        return f"All checks passed ({files} file{'s' if files != 1 else ''})."
    fixable = sum(1 for f in findings if f.fix is not None)
    touched = len({f.path for f in findings})
    problems = f"{len(findings)} problem{'s' if len(findings) != 1 else ''}"
    fix_note = f" ({fixable} fixable with --fix)" if fixable else ""
    return f"Found {problems}{fix_note} in {touched} file{'s' if touched != 1 else ''}"


def render(findings: list[Finding], files: int = 0, color: bool = False, **_: object) -> str:
    out: list[str] = []
    for finding in findings:
        out.append(headline(finding, color))
        out.extend(code_frame(finding, color))
        out.append("")
    out.append(summary(findings, files))
    return "\n".join(out) + "\n"


def render_concise(findings: list[Finding], files: int = 0, color: bool = False, **_: object) -> str:
    out = [headline(finding, color) for finding in findings]
    out.append(summary(findings, files))
    return "\n".join(out) + "\n"
