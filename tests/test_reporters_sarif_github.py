"""The SARIF and GitHub Actions reporters: schema-valid SARIF with stable fingerprints, and
workflow commands escaped the way GitHub's toolkit escapes them, errors first."""
from __future__ import annotations

import json
import shutil

import jsonschema
import pytest
from click.testing import CliRunner

from lintutil import FIXTURES, REPO, SHARED, lint
from stereos_lint import __version__
from stereos_lint.interfaces.cli import main
from stereos_lint.checking.engine import load_rules
from stereos_lint.checking.findings import Finding, Severity
from stereos_lint.interfaces.reporters import REPORTERS, render
from stereos_lint.interfaces.reporters.github import escape_data, escape_property
from stereos_lint.interfaces.reporters.sarif import FINGERPRINT_KEY, artifact_uri
from stereos_lint.nix.source import SourceFile, Span

DRIFTED = FIXTURES / "stereos" / "drifted"
SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"


# --- helpers -----------------------------------------------------------------------------------

def sarif_of(findings, rules=None) -> dict:
    return json.loads(render("sarif", findings, files=1, color=False,
                             rules=list(load_rules().values()) if rules is None else rules))


def validate_sarif(log: dict) -> None:
    """Validate against the official OASIS schema in ../shared; a missing schema fails the test."""
    assert SARIF_SCHEMA.is_file(), f"the SARIF 2.1.0 schema is missing: {SARIF_SCHEMA}"
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(log)


def results_of(log: dict) -> list[dict]:
    return log["runs"][0]["results"]


def region_of(result: dict) -> dict:
    return result["locations"][0]["physicalLocation"]["region"]


def uri_of(result: dict) -> str:
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def finding(path: str, text: str, start: int, end: int, *, code: str = "ST999", name: str = "test-rule",
            severity: Severity = Severity.ERROR, message: str = "something is wrong") -> Finding:
    source = SourceFile(path, text.encode())
    return Finding(code, name, severity, message, Span(source, start, end))


def github_of(findings, files: int = 1) -> list[str]:
    output = render("github", findings, files=files, color=False, rules=[])
    assert output.endswith("\n")
    return output.splitlines()


# --- SARIF -------------------------------------------------------------------------------------

def test_reporters_are_registered():
    assert "sarif" in REPORTERS and "github" in REPORTERS


def test_sarif_for_drifted_fixture_validates_against_oasis_schema():
    findings = lint(DRIFTED)
    assert findings, "the drifted fixture should produce findings"
    log = sarif_of(findings)
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "stereos-lint"
    assert driver["version"] == __version__
    assert driver["informationUri"] == "https://github.com/stereos/stereos-lint"
    assert len(results_of(log)) == len(findings)


def test_sarif_driver_describes_every_selected_rule():
    rules = list(load_rules().values())
    driver = sarif_of(lint(DRIFTED), rules)["runs"][0]["tool"]["driver"]
    by_id = {d["id"]: d for d in driver["rules"]}
    assert len(by_id) == len(driver["rules"]), "rule ids must be unique"
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for rule in rules:
        descriptor = by_id[rule.code]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.rationale
        assert descriptor["help"]["text"] == rule.doc
        assert descriptor["defaultConfiguration"]["level"] == levels[rule.severity.value]


def test_sarif_results_point_at_their_rule():
    log = sarif_of(lint(DRIFTED))
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    for result in results_of(log):
        assert result["ruleId"] in ids
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results_match_findings_positions_and_levels():
    findings = lint(DRIFTED)
    levels = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    for found, result in zip(findings, results_of(sarif_of(findings))):
        (line, column), (end_line, end_column) = found.span.start_position, found.span.end_position
        assert region_of(result) == {"startLine": line, "startColumn": column,
                                     "endLine": end_line, "endColumn": end_column}
        assert result["level"] == levels[found.severity]
        assert result["message"]["text"] == found.message
        assert result["partialFingerprints"][FINGERPRINT_KEY]


def test_sarif_rule_of_an_unselected_finding_is_still_described():
    # NX000 (an unreadable file) is reported whatever --select says; its ruleIndex must still resolve.
    unreadable = finding("broken.nix", "", 0, 0, code="NX000", name="parse-error", message="cannot read")
    log = sarif_of([unreadable], rules=[])
    validate_sarif(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    result = results_of(log)[0]
    assert rules[result["ruleIndex"]]["id"] == "NX000"


def test_sarif_fingerprints_survive_blank_lines_inserted_above(tmp_path):
    target = tmp_path / "boot.nix"
    shutil.copy(DRIFTED / "boot.nix", target)
    before = results_of(sarif_of(lint(tmp_path)))
    target.write_text("\n\n\n" + target.read_text())
    after = results_of(sarif_of(lint(tmp_path)))
    assert before and len(before) == len(after)
    for old, new in zip(before, after):
        assert new["ruleId"] == old["ruleId"]
        assert region_of(new)["startLine"] == region_of(old)["startLine"] + 3
        assert new["partialFingerprints"] == old["partialFingerprints"]


def test_sarif_fingerprints_are_unique_per_result():
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results_of(sarif_of(lint(DRIFTED)))]
    assert len(prints) == len(set(prints))


def test_sarif_fingerprints_tell_identical_lines_apart():
    text = "x = 1;\nx = 1;\n"
    source = SourceFile("twice.nix", text.encode())
    first = Finding("ST999", "test-rule", Severity.ERROR, "m", Span(source, 0, 1))
    second = Finding("ST999", "test-rule", Severity.ERROR, "m", Span(source, 7, 8))
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results_of(sarif_of([first, second], []))]
    assert prints[0] != prints[1]


def test_sarif_uri_is_percent_encoded_relative_posix_path():
    hostile = "dir with space/a%b:c,d#e?.nix"
    log = sarif_of([finding(hostile, "x = 1;\n", 0, 1)], rules=[])
    validate_sarif(log)
    assert uri_of(results_of(log)[0]) == "dir%20with%20space/a%25b%3Ac%2Cd%23e%3F.nix"
    assert artifact_uri("modules/boot.nix") == "modules/boot.nix"


def test_sarif_uri_of_absolute_path_is_a_file_uri():
    assert artifact_uri("/src/my modules/boot.nix") == "file:///src/my%20modules/boot.nix"


def test_sarif_columns_count_characters_not_bytes():
    text = 'x = "é€"; y = 1;\n'
    start = text.encode().index(b"y")
    result = results_of(sarif_of([finding("u.nix", text, start, start + 1)], []))[0]
    assert region_of(result)["startColumn"] == text.index("y") + 1


def test_sarif_with_no_findings_is_valid():
    log = sarif_of([])
    validate_sarif(log)
    assert results_of(log) == []


# --- GitHub workflow commands ---------------------------------------------------------------

def test_github_escapes_message_like_the_toolkit():
    assert escape_data("100% a\r\nb:c,d") == "100%25 a%0D%0Ab:c,d"
    assert escape_property("100% a\r\nb:c,d") == "100%25 a%0D%0Ab%3Ac%2Cd"


def test_github_escapes_hostile_messages_and_file_names():
    path = "we:ird,dir/50%\r\nname.nix"
    message = "bad: 100% sure, really\r\n::error file=x::injected"
    line = github_of([finding(path, "x = 1;\n", 0, 1, message=message)])[0]
    assert line == (
        "::error file=we%3Aird%2Cdir/50%25%0D%0Aname.nix,line=1,endLine=1,col=1,endColumn=2,"
        "title=ST999 test-rule::bad: 100%25 sure, really%0D%0A::error file=x::injected"
    )
    assert "\r" not in line and "\n" not in line


def test_github_escapes_title():
    odd = finding("a.nix", "x = 1;\n", 0, 1, code="ST9:9", name="odd,name%")
    assert "title=ST9%3A9 odd%2Cname%25::" in github_of([odd])[0]


def test_github_levels_map_to_error_warning_notice():
    text = "x = 1;\n"
    lines = github_of([finding("a.nix", text, 0, 1, severity=Severity.ERROR),
                       finding("a.nix", text, 0, 1, severity=Severity.WARNING),
                       finding("a.nix", text, 0, 1, severity=Severity.INFO)])
    assert [line.split(" ", 1)[0] for line in lines[:3]] == ["::error", "::warning", "::notice"]


def test_github_multi_line_span_has_no_columns():
    text = "x = {\n  a = 1;\n};\n"
    line = github_of([finding("a.nix", text, 4, len(text) - 2)])[0]
    assert line.startswith("::error file=a.nix,line=1,endLine=3,title=ST999 test-rule::")
    assert "col=" not in line and "endColumn=" not in line


def test_github_single_line_span_has_columns():
    text = "x = 1;\ny = 22;\n"
    start = text.index("22")
    line = github_of([finding("a.nix", text, start, start + 2)])[0]
    assert line.startswith("::error file=a.nix,line=2,endLine=2,col=5,endColumn=7,")


def test_github_orders_errors_then_warnings_then_notices_stably():
    text = "".join(f"x{i} = {i};\n" for i in range(6))
    severities = [Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.INFO, Severity.ERROR, Severity.WARNING]
    findings = [finding("a.nix", text, text.index(f"x{i}"), text.index(f"x{i}") + 2, severity=s,
                        message=f"m{i}") for i, s in enumerate(severities)]
    lines = github_of(findings)
    assert [line.rsplit("::", 1)[1] for line in lines[:-1]] == ["m2", "m4", "m1", "m5", "m0", "m3"]


def test_github_summary_line_is_not_a_workflow_command():
    text = "x = 1;\n"
    lines = github_of([finding("a.nix", text, 0, 1, severity=s) for s in
                       (Severity.ERROR, Severity.ERROR, Severity.WARNING, Severity.INFO)])
    assert len(lines) == 5
    assert not lines[-1].startswith("::")
    assert lines[-1] == "stereos-lint: 4 problems (2 errors, 1 warning, 1 notice)"


def test_github_with_no_findings_prints_only_the_summary():
    lines = github_of([], files=3)
    assert len(lines) == 1 and not lines[0].startswith("::")
    assert lines[0].startswith("stereos-lint: ")


def test_github_for_drifted_fixture_has_one_command_per_finding():
    findings = lint(DRIFTED)
    lines = github_of(findings)
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(findings) == len(lines) - 1


# --- through the CLI --------------------------------------------------------------------------

def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {"GITHUB_ACTIONS": None}, catch_exceptions=False)


def test_cli_format_sarif_on_drifted_fixture():
    result = invoke("--format", "sarif", str(DRIFTED))
    assert result.exit_code == 1
    log = json.loads(result.output)
    validate_sarif(log)
    assert results_of(log)
    selected = {r.code for r in load_rules().values()}
    assert selected <= {d["id"] for d in log["runs"][0]["tool"]["driver"]["rules"]}


def test_cli_format_sarif_uses_relative_uri_for_relative_path(monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("--format", "sarif", "fixtures/stereos/drifted")
    assert result.exit_code == 1
    assert {uri_of(r) for r in results_of(json.loads(result.output))} == {"fixtures/stereos/drifted/boot.nix"}


def test_cli_format_github_on_drifted_fixture():
    result = invoke("--format", "github", str(DRIFTED))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("::error file=")
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines[:-1])
    assert lines[-1].startswith("stereos-lint: ") and not lines[-1].startswith("::")


@pytest.mark.parametrize("env, github", [
    ({"GITHUB_ACTIONS": "true"}, True),
    ({"GITHUB_ACTIONS": None}, False),
    ({"GITHUB_ACTIONS": "false"}, False),
])
def test_cli_format_auto_picks_github_only_on_github_actions(env, github):
    result = invoke("--format", "auto", str(DRIFTED), env=env)
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    assert first.startswith("::error file=") is github
    if not github:
        assert first.startswith(str(DRIFTED / "boot.nix") + ":")
