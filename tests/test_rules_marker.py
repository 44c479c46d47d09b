"""The boot-complete marker, ST301 (the unit exists, wanted by multi-user.target, after
stereosd.service) and ST302 (a oneshot writing `date +%s%N` to /run/stereos-ready through a
shell from a package): the drifted module's lines, silence on the corrected one, and small
fixtures for each way the ExecStart can be right, wrong, or not understood."""
from __future__ import annotations

import pytest

from lintutil import FIXTURES, code_lines, lint, write_tree
from stereos_lint.checking.findings import Severity
from stereos_lint.checking.fixes import fixed_files

RULES = FIXTURES / "rules"
DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"


def findings_of(code: str, *path: str):
    return lint(RULES.joinpath(code, *path), select=[code])


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


def where(findings) -> list[tuple[str, int, str]]:
    return sorted((f.span.path.rsplit("/", 1)[-1], f.span.line, f.severity.value) for f in findings)


# --- the SPEC's drifted and clean modules ----------------------------------------------------

def test_drifted_module_reports_the_marker_drifts_at_their_spec_lines():
    findings = lint(DRIFTED, select=["ST301", "ST302"])
    assert code_lines(findings) == {("ST301", 198), ("ST302", 202)}
    assert [f.code for f in findings].count("ST301") == 2  # wantedBy and after, both in the set
    assert all(f.severity is Severity.ERROR for f in findings)


def test_clean_module_is_silent():
    assert lint(CLEAN, select=["ST301", "ST302"]) == []


def test_each_fix_writes_what_the_clean_module_has_inside_the_unit():
    findings = lint(DRIFTED, select=["ST301", "ST302"])
    clean = CLEAN.read_text()
    for finding in findings:
        _, fixed = fixed_files([finding])[str(DRIFTED)]
        added = set(fixed.decode().splitlines()) - set(DRIFTED.read_text().splitlines())
        assert len(added) == 1 and added <= set(clean.splitlines()), (finding.message, added)
        assert fixed.decode().index(added.pop()) > fixed.decode().index("systemd.services.stereos-ready = {")


# --- ST301 ready-marker-unit -----------------------------------------------------------------

def test_st301_unit_wanted_by_multi_user_after_stereosd_passes():
    assert findings_of("ST301", "ready-unit.nix") == []


def test_st301_missing_wantedby_and_after_are_reported_in_the_set():
    findings = findings_of("ST301", "wantedby-after-missing.nix")
    assert [(f.span.line, f.span.text) for f in findings] == [(3, "systemd.services.stereos-ready")] * 2
    messages = " ".join(f.message for f in findings)
    assert "wantedBy is not set" in messages and "after is not set" in messages
    assert sorted(f.fix.edits[0].content for f in findings) == [
        '    after = [ "stereosd.service" ];\n', '    wantedBy = [ "multi-user.target" ];\n']


def test_st301_missing_unit_is_reported():
    finding = only(findings_of("ST301", "no-unit.nix"))
    assert "stereos-ready is not defined" in finding.message


def test_st301_wrong_target_is_reported_at_the_list():
    finding = only(findings_of("ST301", "wrong-target.nix"))
    assert (finding.span.line, finding.span.text) == (4, '[ "default.target" ]')
    assert "multi-user.target" in finding.message


def test_st301_disabled_unit_is_reported():
    finding = only(findings_of("ST301", "unit-disabled.nix"))
    assert finding.span.line == 4 and "enable is false" in finding.message


def test_st301_ordering_added_by_an_imported_module_passes():
    assert findings_of("ST301", "ordering-in-import") == []


def test_st301_ordering_under_mkif_false_does_not_count():
    finding = only(findings_of("ST301", "after-under-mkif-false"))
    assert where([finding]) == [("default.nix", 5, "error")]
    assert "after is not set" in finding.message


def test_st301_targets_from_an_option_cannot_be_verified():
    assert where(findings_of("ST301", "wantedby-from-option.nix")) == [("wantedby-from-option.nix", 4, "info")]


# --- ST302 ready-marker-timestamp: what passes -----------------------------------------------

def test_st302_bash_sh_and_coreutils_date_nanoseconds_passes():
    assert findings_of("ST302", "nanoseconds.nix") == []


def test_st302_runtime_shell_with_systemd_escaped_specifiers_passes():
    assert findings_of("ST302", "runtime-shell-escaped-specifiers.nix") == []


def test_st302_bash_with_options_and_getexe_date_passes():
    assert findings_of("ST302", "bash-errexit-getexe.nix") == []


def test_st302_shell_and_date_bound_in_let_pass():
    assert findings_of("ST302", "let-bound-shell.nix") == []


def test_st302_script_run_by_nixos_shell_passes():
    assert findings_of("ST302", "script-form.nix") == []


# --- ST302: what is wrong --------------------------------------------------------------------

def test_st302_plain_date_is_reported_with_a_fix_adding_the_format():
    finding = only(findings_of("ST302", "plain-date.nix"))
    assert (finding.span.line, finding.severity) == (8, Severity.ERROR)
    assert "plain `date`" in finding.message and "date +%s%N" in finding.message
    edit = only(list(finding.fix.edits))
    assert edit.content == " +%s%N"
    source = edit.span.source.data
    assert source[:edit.span.start].endswith(b"${pkgs.coreutils}/bin/date")


def test_st302_seconds_only_is_reported():
    finding = only(findings_of("ST302", "seconds-only.nix"))
    assert "`date +%s`" in finding.message


def test_st302_redirection_without_a_shell_is_reported():
    finding = only(findings_of("ST302", "no-shell.nix"))
    assert "without a shell" in finding.message


def test_st302_shell_the_package_does_not_provide_is_reported():
    finding = only(findings_of("ST302", "shell-not-in-package.nix"))
    assert "${pkgs.bash}/bin/zsh" in finding.message and "does not provide" in finding.message


def test_st302_shell_not_from_a_package_is_reported():
    finding = only(findings_of("ST302", "bin-sh.nix"))
    assert "/bin/sh" in finding.message and "not taken from a package" in finding.message


def test_st302_date_not_from_coreutils_is_reported():
    finding = only(findings_of("ST302", "busybox-date.nix"))
    assert "${pkgs.busybox}/bin/date" in finding.message and "coreutils" in finding.message


def test_st302_writing_another_file_is_reported():
    finding = only(findings_of("ST302", "wrong-file.nix"))
    assert "does not write to /run/stereos-ready" in finding.message


def test_st302_unit_that_is_not_oneshot_is_reported():
    finding = only(findings_of("ST302", "not-oneshot.nix"))
    assert finding.span.line == 7 and 'Type is "simple"' in finding.message


def test_st302_forced_plain_date_in_an_import_wins_and_is_reported_there():
    finding = only(findings_of("ST302", "forced-plain-date-in-import"))
    assert where([finding]) == [("debug.nix", 4, "error")]
    assert "lib.mkForce, debug.nix:4" in finding.message


def test_st302_mkdefault_oneshot_loses_to_a_plain_simple():
    finding = only(findings_of("ST302", "type-default-loses"))
    assert where([finding]) == [("service-defaults.nix", 3, "error")]


def test_st302_opaque_script_cannot_be_verified():
    finding = only(findings_of("ST302", "opaque-script.nix"))
    assert (finding.span.line, finding.severity) == (13, Severity.INFO)
    assert "cannot verify" in finding.message and "${marker}" in finding.message


def test_st302_is_left_to_st301_when_the_unit_is_missing():
    assert lint(RULES / "ST301" / "no-unit.nix", select=["ST302"]) == []


def test_st302_execstart_list_passes_when_one_command_writes_the_marker(tmp_path):
    write_tree(tmp_path, {"default.nix": """\
{ pkgs, ... }:
{
  systemd.services.stereos-ready.serviceConfig = {
    Type = "oneshot";
    ExecStart = [
      "${pkgs.coreutils}/bin/true"
      "${pkgs.bash}/bin/sh -c 'date +%s%N > /run/stereos-ready'"
    ];
  };
}
"""})
    assert lint(tmp_path, select=["ST302"]) == []


def test_st302_unreadable_quoting_cannot_be_verified(tmp_path):
    write_tree(tmp_path, {"default.nix": """\
{ pkgs, ... }:
{
  systemd.services.stereos-ready.serviceConfig = {
    Type = "oneshot";
    ExecStart = "${pkgs.bash}/bin/sh -c 'date +%s%N > /run/stereos-ready";
  };
}
"""})
    finding = only(lint(tmp_path, select=["ST302"]))
    assert finding.severity is Severity.INFO and "quoting" in finding.message


def test_st302_script_with_escaped_specifiers_is_wrong_since_no_systemd_expands_them(tmp_path):
    write_tree(tmp_path, {"default.nix": """\
{ ... }:
{
  systemd.services.stereos-ready = {
    serviceConfig.Type = "oneshot";
    script = ''
      date +%%s%%N > /run/stereos-ready
    '';
  };
}
"""})
    finding = only(lint(tmp_path, select=["ST302"]))
    assert (finding.span.line, finding.severity) == (5, Severity.ERROR)
    assert "script" in finding.message and "`date +%%s%%N`" in finding.message


def test_no_fix_where_a_binding_of_the_option_is_written_already(tmp_path):
    # wantedBy under a mkIf whose condition is false is not set; a second `wantedBy = …`
    # beside it would be a duplicate attribute Nix refuses
    text = CLEAN.read_text().replace('wantedBy = [ "multi-user.target" ];',
                                     'wantedBy = lib.mkIf false [ "multi-user.target" ];')
    assert text != CLEAN.read_text()
    (tmp_path / "boot.nix").write_text(text)
    found = only([f for f in lint(tmp_path, select=["ST301"]) if "wantedBy" in f.message])
    assert found.fix is None


@pytest.mark.parametrize("script, verdict", [
    ("exec ${pkgs.coreutils}/bin/date +%s%N > /run/stereos-ready", None),               # the exec builtin
    ("${pkgs.coreutils}/bin/date +%s%N | ${pkgs.coreutils}/bin/tee /run/stereos-ready", None),
    ("${pkgs.coreutils}/bin/date +%s%N > /run/stereos-ready.tmp && "
     "${pkgs.coreutils}/bin/mv /run/stereos-ready.tmp /run/stereos-ready", None),
    ("${pkgs.coreutils}/bin/date | ${pkgs.coreutils}/bin/tee /run/stereos-ready", Severity.ERROR),   # plain date
    ("${pkgs.coreutils}/bin/date +%s%N | ${pkgs.coreutils}/bin/tee -a /run/stereos-ready", Severity.ERROR),
    ("${pkgs.coreutils}/bin/date +%s%N > /tmp/x && ${pkgs.coreutils}/bin/install /tmp/x /run/stereos-ready",
     Severity.INFO),                                                                    # written some other way
])
def test_st302_the_marker_written_through_exec_tee_or_a_rename(tmp_path, script, verdict):
    write_tree(tmp_path, {"default.nix": f"""\
{{ pkgs, ... }}:
{{
  systemd.services.stereos-ready.serviceConfig = {{
    Type = "oneshot";
    ExecStart = "${{pkgs.bash}}/bin/sh -c '{script}'";
  }};
}}
"""})
    assert [f.severity for f in lint(tmp_path, select=["ST302"])] == ([verdict] if verdict else [])
