"""The stereOS network rules ST110-ST112, each proven by fixtures it fails and passes on."""
from __future__ import annotations


import pytest

from lintutil import FIXTURES, code_lines, lint, lint_after_fixes, places, write_tree


RULES = FIXTURES / "rules"
DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"
CODES = ["ST110", "ST111", "ST112"]


# --- the SPEC's drifted and corrected module --------------------------------------------------

def test_drifted_module_gives_exactly_the_spec_drift_lines_for_the_network_rules():
    assert code_lines(lint(DRIFTED, select=CODES)) == {("ST110", 91), ("ST111", 101), ("ST112", 115)}


def test_clean_module_gives_no_network_finding():
    assert lint(CLEAN, select=CODES) == []


@pytest.mark.parametrize("code", CODES)
def test_fixes_on_the_drifted_module_clear_its_network_drift(tmp_path, code):
    after, _ = lint_after_fixes(tmp_path, DRIFTED, code)
    assert after == []


# --- ST110 networkd ---------------------------------------------------------------------------

def test_scripted_networking_with_global_dhcp_fires_twice():
    findings = lint(RULES / "ST110" / "scripted-networking.nix", select=["ST110"])
    assert places(findings) == {("ST110", "scripted-networking.nix", 2, "error"),
                                ("ST110", "scripted-networking.nix", 3, "error")}
    assert any("useNetworkd is false" in f.message for f in findings)
    assert any("useDHCP is true" in f.message for f in findings)


def test_networkd_without_global_dhcp_passes():
    assert lint(RULES / "ST110" / "networkd.nix", select=["ST110"]) == []


def test_plain_values_beat_a_profiles_mkdefault():
    assert lint(RULES / "ST110" / "dhcp-default-in-profile", select=["ST110"]) == []


def test_networkd_under_mkif_false_is_not_set():
    findings = lint(RULES / "ST110" / "networkd-off-by-condition.nix", select=["ST110"])
    assert places(findings) == {("ST110", "networkd-off-by-condition.nix", 3, "error")}
    assert "useNetworkd is not set" in findings[0].message


def test_networkd_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST110" / "networkd-from-option.nix", select=["ST110"])
    assert places(findings) == {("ST110", "networkd-from-option.nix", 3, "info")}
    assert "cannot verify networking.useNetworkd" in findings[0].message


# --- ST111 networkd-ethernet-dhcp ---------------------------------------------------------------

def test_drifted_ethernet_unit_without_dhcp_is_reported_at_its_network_config_set(tmp_path):
    findings = lint(DRIFTED, select=["ST111"])
    assert places(findings) == {("ST111", "boot.nix", 101, "error")}
    assert findings[0].span.text == "networkConfig"
    assert '"28-ethernet".networkConfig.DHCP is not set' in findings[0].message
    _, texts = lint_after_fixes(tmp_path, DRIFTED, "ST111")
    assert '      LinkLocalAddressing = "ipv4";\n      DHCP = "yes";\n    };' in texts["boot.nix"]


@pytest.mark.parametrize("name", ["ether-dhcp.nix", "name-glob-ipv4.nix", "shorthand-options.nix"])
def test_an_ethernet_unit_with_dhcp_passes(name):
    assert lint(RULES / "ST111" / name, select=["ST111"]) == []


def test_a_missing_dhcp_is_reported_whatever_use_networkd_is():
    findings = lint(RULES / "ST111" / "ether-without-dhcp.nix", select=["ST111"])
    assert places(findings) == {("ST111", "ether-without-dhcp.nix", 5, "error")}


def test_dhcp_no_is_reported_at_its_value_with_a_fix(tmp_path):
    findings = lint(RULES / "ST111" / "dhcp-no.nix", select=["ST111"])
    assert places(findings) == {("ST111", "dhcp-no.nix", 4, "error")}
    assert 'DHCP is "no"' in findings[0].message
    after, texts = lint_after_fixes(tmp_path, RULES / "ST111" / "dhcp-no.nix", "ST111")
    assert after == [] and 'networkConfig.DHCP = "yes";' in texts["dhcp-no.nix"]


@pytest.mark.parametrize("name, matches", [("wireless-only.nix", "matches no ethernet interface"),
                                           # `enp0s1` is an ethernet name, but not one every VM has
                                           ("single-interface-name.nix", "matches only the interfaces it names")])
def test_a_dhcp_unit_that_matches_no_ethernet_glob_is_reported_at_its_name(name, matches):
    findings = lint(RULES / "ST111" / name, select=["ST111"])
    assert places(findings) == {("ST111", name, 3, "error")}
    assert matches in findings[0].message


def test_no_unit_at_all_is_reported_where_networks_belong_with_a_fix(tmp_path):
    findings = lint(RULES / "ST111" / "no-units.nix", select=["ST111"])
    assert places(findings) == {("ST111", "no-units.nix", 2, "error")}
    after, texts = lint_after_fixes(tmp_path, RULES / "ST111" / "no-units.nix", "ST111")
    assert after == [] and 'systemd.network.networks."10-ethernet" = {' in texts["no-units.nix"]


def test_a_disabled_unit_does_not_count():
    findings = lint(RULES / "ST111" / "unit-disabled.nix", select=["ST111"])
    assert places(findings) == {("ST111", "unit-disabled.nix", 3, "error")}
    assert "enable is false" in findings[0].message


def test_dhcp_under_mkif_false_does_not_count():
    findings = lint(RULES / "ST111" / "dhcp-under-false-condition.nix", select=["ST111"])
    assert code_lines(findings) == {("ST111", 4)}
    assert "DHCP is not set" in findings[0].message


def test_a_unit_in_an_imported_module_counts():
    assert lint(RULES / "ST111" / "unit-in-other-module", select=["ST111"]) == []


def test_mkforce_no_in_the_root_beats_the_imported_units_yes():
    findings = lint(RULES / "ST111" / "dhcp-forced-off", select=["ST111"])
    assert places(findings) == {("ST111", "default.nix", 4, "error")}
    assert "lib.mkForce" in findings[0].message


def test_dhcp_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST111" / "dhcp-from-option.nix", select=["ST111"])
    assert places(findings) == {("ST111", "dhcp-from-option.nix", 5, "info")}


def test_a_networks_set_that_cannot_be_known_cannot_be_verified(tmp_path):
    write_tree(tmp_path, {"m.nix": "{ config, ... }:\n{\n  systemd.network.networks = config.stereos.units;\n}\n"})
    findings = lint(tmp_path, select=["ST111"])
    assert places(findings) == {("ST111", "m.nix", 3, "info")}


# --- ST112 no-wait-online ---------------------------------------------------------------------

def test_wait_online_forced_off_passes():
    assert lint(RULES / "ST112" / "wait-online-forced-off.nix", select=["ST112"]) == []


def test_wait_online_forced_on_fires():
    findings = lint(RULES / "ST112" / "wait-online-forced-on.nix", select=["ST112"])
    assert places(findings) == {("ST112", "wait-online-forced-on.nix", 3, "error")}
    assert "is true (lib.mkForce" in findings[0].message and "stall" in findings[0].message


def test_wait_online_off_without_mkforce_fires_with_a_fix(tmp_path):
    findings = lint(RULES / "ST112" / "wait-online-plain-off.nix", select=["ST112"])
    assert places(findings) == {("ST112", "wait-online-plain-off.nix", 3, "error")}
    assert "priority 100" in findings[0].message
    after, texts = lint_after_fixes(tmp_path, RULES / "ST112" / "wait-online-plain-off.nix", "ST112")
    assert after == [] and "lib.mkForce false" in texts["wait-online-plain-off.nix"]


def test_wait_online_unset_is_reported_next_to_the_networking_settings():
    findings = lint(RULES / "ST112" / "wait-online-unset.nix", select=["ST112"])
    assert places(findings) == {("ST112", "wait-online-unset.nix", 2, "error")}
    assert "is not set" in findings[0].message


def test_mkforce_false_beats_a_profiles_plain_true():
    assert lint(RULES / "ST112" / "forced-over-profile", select=["ST112"]) == []


def test_wait_online_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST112" / "wait-online-from-option.nix", select=["ST112"])
    assert places(findings) == {("ST112", "wait-online-from-option.nix", 3, "info")}


def test_a_unit_enabled_under_an_unknown_condition_cannot_be_verified(tmp_path):
    write_tree(tmp_path, {"m.nix": (
        '{ config, ... }:\n{\n  systemd.network.networks.wired = {\n    enable = config.stereos.wired;\n'
        '    matchConfig.Type = "ether";\n    networkConfig.DHCP = "yes";\n  };\n}\n')})
    findings = lint(tmp_path, select=["ST111"])
    assert places(findings) == {("ST111", "m.nix", 4, "info")}
