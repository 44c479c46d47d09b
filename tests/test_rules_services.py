"""Phase 1 service switches (ST121-ST124), systemd timeouts (ST130) and Phase 2 (ST201-ST203):
each rule on the drifted module's exact lines, silent on the corrected module, and proven by
small fixtures it fails and passes on -- across imports and priorities, and with an
unknowable value as "cannot verify"."""
from __future__ import annotations

import pytest

from lintutil import FIXTURES, code_lines, lint, write_tree
from stereos_lint.checking.findings import Severity
from stereos_lint.checking.fixes import fixed_files
from stereos_lint.systems.project import Project
from stereos_lint.checking.timespan import TimeSpanError, format_usec, parse_timespan

RULES = FIXTURES / "rules"
DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"
CODES = ["ST121", "ST122", "ST123", "ST124", "ST130", "ST201", "ST202", "ST203"]


def findings_of(code: str, *path: str):
    return lint(RULES.joinpath(code, *path), select=[code])


def only(findings):
    assert len(findings) == 1, findings
    return findings[0]


def lines_of(findings) -> list[tuple[str, int, str]]:
    return sorted((f.span.path.rsplit("/", 1)[-1], f.span.line, f.severity.value) for f in findings)


# --- the SPEC's drifted and clean modules ----------------------------------------------------

def test_drifted_module_reports_each_service_drift_at_its_spec_line():
    assert code_lines(lint(DRIFTED, select=CODES)) == {
        ("ST121", 134), ("ST122", 138),
        ("ST123", 121), ("ST123", 122), ("ST123", 123),
        ("ST130", 161), ("ST130", 162), ("ST130", 163),
        ("ST201", 175),
        ("ST202", 181), ("ST202", 182),
        ("ST203", 188),
    }


def test_drifted_module_findings_are_errors_with_one_per_drift():
    findings = lint(DRIFTED, select=CODES)
    assert all(f.severity is Severity.ERROR for f in findings)
    # ST124 holds on the drifted module; two missing NSS databases share their hosts sibling.
    assert [f.code for f in findings].count("ST203") == 2
    assert not [f for f in findings if f.code == "ST124"]


def test_clean_module_is_silent():
    assert lint(CLEAN, select=CODES) == []


def test_fixes_turn_the_drifted_values_into_the_clean_modules():
    findings = lint(DRIFTED, select=["ST121", "ST122", "ST123", "ST130", "ST202"])
    _, fixed = fixed_files(findings)[str(DRIFTED)]
    text = fixed.decode()
    for line in ("security.polkit.enable = false;", "services.udisks2.enable = false;",
                 "documentation.nixos.enable = false;", "documentation.info.enable = false;",
                 "documentation.man.enable = false;", 'DefaultTimeoutStartSec = "10s";',
                 'DefaultDeviceTimeoutSec = "3s";', 'DefaultTimeoutStopSec = "3s";',
                 "    RuntimeMaxUse=32M\n", 'services.journald.storage = "volatile";'):
        assert line in text, line


# --- ST121 polkit-disabled -------------------------------------------------------------------

def test_st121_polkit_enabled_is_reported_at_its_value():
    finding = only(findings_of("ST121", "polkit-enabled.nix"))
    assert (finding.span.line, finding.span.text) == (3, "true")
    assert "security.polkit.enable is true" in finding.message and "headless" in finding.message
    assert [e.content for e in finding.fix.edits] == ["false"]


def test_st121_polkit_disabled_passes():
    assert findings_of("ST121", "polkit-disabled.nix") == []


def test_st121_mkforce_false_beats_another_modules_plain_true():
    assert findings_of("ST121", "forced-off") == []


def test_st121_mkdefault_false_loses_to_a_plain_true_in_another_module():
    assert lines_of(findings_of("ST121", "default-loses")) == [("profile.nix", 3, "error")]


def test_st121_mkif_false_hides_a_forced_true():
    assert findings_of("ST121", "mkif-false-hides") == []


def test_st121_value_from_another_option_cannot_be_verified():
    finding = only(findings_of("ST121", "polkit-from-option.nix"))
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("cannot verify security.polkit.enable")


# --- ST122 udisks2-disabled ------------------------------------------------------------------

def test_st122_udisks_enabled_is_reported():
    finding = only(findings_of("ST122", "udisks-enabled.nix"))
    assert (finding.span.line, finding.severity) == (3, Severity.ERROR)
    assert "removable media" in finding.message


def test_st122_udisks_disabled_in_a_nested_set_passes():
    assert findings_of("ST122", "udisks-disabled.nix") == []


def test_st122_enabled_in_an_imported_module_is_reported_there():
    assert lines_of(findings_of("ST122", "enabled-in-import")) == [("storage.nix", 4, "error")]


def test_st122_function_call_cannot_be_verified():
    assert lines_of(findings_of("ST122", "udisks-from-function.nix")) == [("udisks-from-function.nix", 3, "info")]


# --- ST123 documentation-disabled ------------------------------------------------------------

def test_st123_all_five_switches_off_passes():
    assert findings_of("ST123", "all-disabled.nix") == []


def test_st123_missing_man_is_reported_at_the_first_written_sibling():
    finding = only(findings_of("ST123", "man-missing.nix"))
    assert (finding.span.line, finding.span.text) == (3, "documentation.enable")
    assert "documentation.man.enable is not set" in finding.message
    assert [e.content for e in finding.fix.edits] == ["  documentation.man.enable = false;\n"]


def test_st123_nixos_manual_on_is_reported():
    finding = only(findings_of("ST123", "nixos-manual-on.nix"))
    assert finding.span.line == 5 and "documentation.nixos.enable is true" in finding.message


def test_st123_mkforce_true_in_an_import_beats_the_plain_false():
    finding = only(findings_of("ST123", "info-forced-elsewhere"))
    assert lines_of([finding]) == [("manuals.nix", 3, "error")]
    assert "lib.mkForce, manuals.nix:3" in finding.message


def test_st123_value_from_an_option_cannot_be_verified():
    assert lines_of(findings_of("ST123", "enable-from-option.nix")) == [("enable-from-option.nix", 3, "info")]


# --- ST124 desktop-services-disabled ---------------------------------------------------------

def test_st124_all_off_passes():
    assert findings_of("ST124", "all-off.nix") == []


def test_st124_mutable_users_is_reported():
    finding = only(findings_of("ST124", "mutable-users.nix"))
    assert finding.span.line == 6 and "users.mutableUsers is true" in finding.message


def test_st124_missing_portal_is_reported_next_to_its_siblings():
    finding = only(findings_of("ST124", "portal-missing.nix"))
    assert (finding.span.line, finding.span.text) == (3, "programs.command-not-found.enable")
    assert "xdg.portal.enable is not set" in finding.message


def test_st124_mkdefault_false_loses_to_a_plain_channel_in_an_import():
    assert lines_of(findings_of("ST124", "channel-default-loses")) == [("nix.nix", 3, "error")]


def test_st124_value_from_an_option_cannot_be_verified():
    assert lines_of(findings_of("ST124", "mutable-from-option.nix")) == [("mutable-from-option.nix", 6, "info")]


# --- systemd time spans ----------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    ("10s", 10), ("3s", 3), ("500ms", 0.5), ("1min 30s", 90), ("5", 5), ("2h30min", 9000),
    ("1.5s", 1.5), ("5 s", 5), ("1min30", 90), ("2 seconds", 2), ("1y", 31_557_600), ("1M", 2_629_800),
    ("250us", 0.00025), ("1w 1d", 691_200),
])
def test_timespan_parses_systemd_time_spans(text, seconds):
    assert parse_timespan(text).seconds == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "  ", "s", "-1s", "5x", "3 sex", "12.34.56", "infinity s", "1min foo"])
def test_timespan_rejects_what_systemd_rejects(text):
    with pytest.raises(TimeSpanError):
        parse_timespan(text)


def test_timespan_reports_stray_whitespace_but_parses_the_value():
    span = parse_timespan("20s ")
    assert (span.seconds, span.stray_whitespace) == (20, True)
    assert parse_timespan("20s").stray_whitespace is False


def test_timespan_infinity_and_formatting():
    assert parse_timespan("infinity").infinite
    assert [format_usec(u) for u in (None, 0, 10_000_000, 90_000_000, 1_500_000)] == [
        "infinity", "0", "10s", "1min 30s", "1s 500ms"]


# --- ST130 short-systemd-timeouts ------------------------------------------------------------

def test_st130_tight_timeouts_pass():
    assert findings_of("ST130", "timeouts-tight.nix") == []


def test_st130_bare_seconds_milliseconds_and_compound_spans_pass():
    assert findings_of("ST130", "other-span-forms.nix") == []


def test_st130_too_long_with_trailing_space_is_one_finding_saying_both():
    finding = only(findings_of("ST130", "start-too-long-trailing-space.nix"))
    assert finding.span.line == 4
    assert "20s is longer than 10s" in finding.message and "trailing whitespace" in finding.message
    assert [e.content for e in finding.fix.edits] == ['"10s"']


def test_st130_malformed_span_and_minutes_for_a_3s_limit_are_reported():
    findings = findings_of("ST130", "stop-malformed.nix")
    assert [(f.span.line, f.severity) for f in findings] == [(5, Severity.ERROR), (6, Severity.ERROR)]
    assert "not a systemd time span" in findings[0].message
    assert "1min 30s is longer than 3s" in findings[1].message


def test_st130_missing_stop_timeout_is_reported_at_the_manager_set():
    finding = only(findings_of("ST130", "stop-missing.nix"))
    assert (finding.span.line, finding.span.text) == (3, "systemd.settings.Manager")
    assert "DefaultTimeoutStopSec is not set" in finding.message
    assert [e.content for e in finding.fix.edits] == ['    DefaultTimeoutStopSec = "3s";\n']


def test_st130_older_extraconfig_form_is_judged_line_by_line():
    finding = only(findings_of("ST130", "extraconfig-lines.nix"))
    assert (finding.span.line, finding.span.text) == (6, "DefaultDeviceTimeoutSec=5s")
    assert "systemd.extraConfig sets DefaultDeviceTimeoutSec=5s" in finding.message
    assert findings_of("ST130", "extraconfig-good.nix") == []


def test_st130_mkforce_beats_the_90s_of_another_module():
    assert findings_of("ST130", "forced-over-base") == []


def test_st130_timeout_from_an_option_cannot_be_verified():
    assert lines_of(findings_of("ST130", "stop-from-option.nix")) == [("stop-from-option.nix", 5, "info")]


# --- ST201 no-getty --------------------------------------------------------------------------

def test_st201_no_autologin_and_gettys_disabled_passes():
    assert findings_of("ST201", "gettys-off.nix") == []


def test_st201_missing_serial_getty_is_reported_at_its_getty_sibling():
    finding = only(findings_of("ST201", "serial-getty-missing.nix"))
    assert (finding.span.line, finding.span.text) == (4, 'systemd.services."getty@".enable')
    assert '"serial-getty@".enable is not set' in finding.message


def test_st201_autologin_user_is_reported():
    finding = only(findings_of("ST201", "autologin.nix"))
    assert finding.span.line == 3 and 'autologinUser is "admin"' in finding.message
    assert [e.content for e in finding.fix.edits] == ["null"]


def test_st201_mkif_false_hides_a_debug_login():
    assert findings_of("ST201", "debug-login-under-mkif-false") == []


def test_st201_autologin_from_an_option_cannot_be_verified():
    assert lines_of(findings_of("ST201", "autologin-from-option.nix")) == [("autologin-from-option.nix", 3, "info")]


# --- ST202 volatile-journal ------------------------------------------------------------------

def test_st202_volatile_storage_and_32M_passes():
    assert findings_of("ST202", "volatile.nix") == []


def test_st202_storage_written_in_extraconfig_passes():
    assert findings_of("ST202", "storage-in-extraconfig.nix") == []


def test_st202_missing_storage_is_reported_at_extraconfig():
    finding = only(findings_of("ST202", "storage-missing.nix"))
    assert (finding.span.line, finding.span.text) == (3, "services.journald.extraConfig")
    assert "services.journald.storage is not set" in finding.message


def test_st202_wrong_max_use_points_at_its_line_inside_the_string():
    finding = only(findings_of("ST202", "runtime-max-use-31M.nix"))
    assert (finding.span.line, finding.span.text) == (6, "RuntimeMaxUse=31M")
    assert [e.content for e in finding.fix.edits] == ["RuntimeMaxUse=32M"]


def test_st202_missing_max_use_is_reported_at_the_string():
    finding = only(findings_of("ST202", "max-use-missing.nix"))
    assert finding.span.line == 4 and "does not set RuntimeMaxUse" in finding.message


def test_st202_storage_line_in_extraconfig_overrides_the_option():
    finding = only(findings_of("ST202", "extraconfig-overrides-storage.nix"))
    assert (finding.span.line, finding.span.text) == (5, "Storage=persistent")


def test_st202_later_module_s_max_use_wins_and_is_reported_in_that_module():
    finding = only(findings_of("ST202", "later-module-raises-max-use"))
    assert lines_of([finding]) == [("debug-journal.nix", 5, "error")]
    assert "RuntimeMaxUse=256M" in finding.message


def test_st202_max_use_written_in_an_imported_module_passes():
    assert findings_of("ST202", "max-use-from-import") == []


def test_st202_nothing_set_reports_both_requirements():
    messages = [f.message for f in findings_of("ST202", "nothing-set.nix")]
    assert len(messages) == 2
    assert any("storage is not set" in m for m in messages)
    assert any("extraConfig is not set" in m for m in messages)


def test_st202_interpolated_extraconfig_cannot_be_verified_once():
    finding = only(findings_of("ST202", "extraconfig-from-option.nix"))
    assert finding.severity is Severity.INFO
    assert "Storage=volatile and RuntimeMaxUse=32M" in finding.message


# --- ST203 nss-files-only --------------------------------------------------------------------

def test_st203_forced_files_only_databases_pass():
    assert findings_of("ST203", "nss-forced.nix") == []


def test_st203_missing_passwd_and_group_are_reported_at_hosts():
    findings = findings_of("ST203", "hosts-only.nix")
    assert lines_of(findings) == [("hosts-only.nix", 3, "error")] * 2
    assert sorted(f.message.split(" ")[0] for f in findings) == [
        "system.nssDatabases.group", "system.nssDatabases.passwd"]


def test_st203_plain_definition_is_not_forced():
    finding = only(findings_of("ST203", "passwd-not-forced.nix"))
    assert finding.span.line == 3 and "lib.mkForce" in finding.message


def test_st203_extra_hosts_source_is_reported():
    finding = only(findings_of("ST203", "hosts-with-mdns.nix"))
    assert finding.span.line == 5 and "mdns4_minimal" in finding.message


def test_st203_forced_lists_beat_another_modules_ldap():
    assert findings_of("ST203", "forced-over-ldap") == []


def test_st203_list_from_an_option_cannot_be_verified():
    assert lines_of(findings_of("ST203", "group-from-option.nix")) == [("group-from-option.nix", 4, "info")]


# --- per architecture ------------------------------------------------------------------------

def test_values_that_differ_per_architecture_are_judged_on_each(tmp_path):
    write_tree(tmp_path, {"default.nix": """\
{ lib, pkgs, ... }:
{
  security.polkit.enable = pkgs.stdenv.hostPlatform.isx86_64;
}
"""})
    finding = only(lint(tmp_path, select=["ST121"]))
    assert (finding.system, finding.span.line) == ("x86_64-linux", 3)
    assert "on x86_64-linux" in finding.message


# --- evaluator: a partly known string interpolated into another keeps its pieces ---------------

def test_interpolated_partly_known_string_splices_its_text_and_unknowns(tmp_path):
    write_tree(tmp_path, {"default.nix": """\
{ pkgs, ... }:
let sh = "${pkgs.bash}/bin/sh"; in
{
  x = "${sh} -c true";
}
"""})
    project = Project([str(tmp_path / "default.nix")])
    raw = project.config(project.roots[0]).resolve("x").raw
    assert [p if isinstance(p, str) else p.span.text for p in raw.parts] == ["${pkgs.bash}", "/bin/sh -c true"]
