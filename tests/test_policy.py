"""Declarative invariants: a laptop team's policy, every predicate firing and passing,
system-scoped and wildcard invariants, and malformed policies as configuration errors."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from lintutil import FIXTURES
from stereos_lint.interfaces.cli import main

LAPTOP = FIXTURES / "laptop"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def findings(*args) -> list[dict]:
    result = invoke("--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def where(found: list[dict]) -> set[tuple[str, str, int]]:
    return {(f["code"], f["file"].rsplit("/", 1)[-1], f["line"]) for f in found}


def laptop_with(tmp_path, policy: str):
    """A copy of the laptop repository whose configuration holds only `policy`."""
    tree = tmp_path / "laptop"
    shutil.copytree(LAPTOP, tree)
    (tree / ".stereos-lint.toml").write_text('select = ["policy"]\n' + policy)
    return tree


def test_laptop_policy_reports_exactly_its_violations():
    assert where(findings(LAPTOP)) == {
        ("SEC001", "ssh.nix", 7),            # PasswordAuthentication = true
        ("SEC003", "configuration.nix", 13),  # 8080 in allowedTCPPorts (points at the item)
        ("OPS002", "zram.nix", 4),            # memoryPercent 75 > 50
        ("OPS003", "configuration.nix", 18),  # "15s" > 10s
        ("OPS004", "services.nix", 3),        # indexer has DynamicUser = false
    }


def test_a_violation_found_on_every_system_is_reported_once_without_a_system():
    found = [f for f in findings(LAPTOP) if f["code"] == "SEC001"]
    assert len(found) == 1 and " on " not in found[0]["message"]
    assert "the policy requires false: passwords can be guessed" in found[0]["message"]


@pytest.mark.parametrize("predicate, option, passing, failing", [
    ("equals", "services.openssh.ports", "[22]", "[2222]"),
    ("one-of", "services.openssh.settings.PermitRootLogin", '["no", "prohibit-password"]', '["no"]'),
    ("not", "networking.hostName", '"localhost"', '"laptop"'),
    ("at-most", "zramSwap.memoryPercent", "75", "50"),
    ("at-least", "zramSwap.memoryPercent", "50", "80"),
    ("at-most", "systemd.settings.Manager.DefaultTimeoutStopSec", '"1min"', '"3s"'),
    ("at-least", "nix.settings.max-free", '"2G"', '"8G"'),
    ("contains", 'users.users.alice.extraGroups', '"wheel"', '"docker"'),
    ("not-contains", 'users.users.bob.extraGroups', '"wheel"', '"video"'),
    ("matches", "networking.hostName", '"^lap"', '"^desk"'),
    ("present", "services.printing.enable", "true", None),
    ("absent", "services.avahi.enable", "true", None),
    ("present", "services.avahi.enable", None, "true"),
    ("absent", "services.printing.enable", None, "true"),
])
def test_each_predicate_fires_and_passes(tmp_path, predicate, option, passing, failing):
    for expected, should_fire in ((passing, False), (failing, True)):
        if expected is None:
            continue
        tree = laptop_with(tmp_path / str(should_fire),
                           f'[[invariant]]\ncode = "T001"\noption = \'{option}\'\n"{predicate}" = {expected}\n')
        found = findings(tree)
        assert bool(found) == should_fire, (predicate, expected, found)
        if should_fire:
            assert {f["code"] for f in found} == {"T001"}


def test_wildcard_paths_check_every_attribute_name(tmp_path):
    tree = laptop_with(tmp_path, '[[invariant]]\ncode = "T001"\noption = "users.users.*.isNormalUser"\n'
                                 'equals = false\n')
    assert {f["message"].split(" ")[0] for f in findings(tree)} == {
        "users.users.alice.isNormalUser", "users.users.bob.isNormalUser"}


def test_system_scoped_invariants_are_judged_only_on_that_system(tmp_path):
    tree = laptop_with(tmp_path, '[[invariant]]\ncode = "T001"\noption = "boot.kernelParams"\n'
                                 'contains = "quiet"\nsystem = "aarch64-linux"\n'
                                 '[[invariant]]\ncode = "T002"\noption = "boot.kernelParams"\n'
                                 'contains = "quiet"\nsystem = "x86_64-linux"\n')
    found = findings(tree)
    assert [(f["code"], "aarch64-linux" in f["message"]) for f in found] == [("T001", True)]


def test_forced_requires_a_lib_mkforce(tmp_path):
    tree = laptop_with(tmp_path, '[[invariant]]\ncode = "T001"\noption = "zramSwap.memoryPercent"\n'
                                 'at-most = 80\nforced = true\n')
    [finding] = findings(tree)
    assert "lib.mkForce" in finding["message"] and finding["line"] == 4


def test_user_rules_are_listed_and_explained():
    config = LAPTOP / ".stereos-lint.toml"
    listing = invoke("rules", "--config", config).output
    assert "SEC001  ssh-no-passwords" in listing and "ST120  firewall-disabled" in listing
    text = invoke("explain", "SEC001", "--config", config).output
    assert "passwords can be guessed" in text
    assert "services.openssh.settings.PasswordAuthentication is required to be false" in text


def test_spec_pack_rules_are_declared_in_the_same_format():
    from stereos_lint.checking.engine import load_rules

    declared = {code for code, rule in load_rules().items() if rule.text is not None}
    assert {"ST101", "ST105", "ST107", "ST110", "ST112", "ST120", "ST121", "ST122", "ST123", "ST124",
            "ST203"} <= declared


@pytest.mark.parametrize("policy, message, line", [
    ('[[invariant]]\ncode = "T001"\noption = "a.b"\nbigger = 3\n', "unknown key 'bigger'", 5),
    ('[[invariant]]\ncode = "T001"\noption = "a.b"\nmatches = "("\n', "bad regular expression", 5),
    ('[[invariant]]\ncode = "T001"\noption = "a..b"\nequals = 1\n', "is not an option path", 4),
    ('[[invariant]]\ncode = "T001"\noption = "a.b"\nat-most = "soon"\n', "at-most takes a number", 5),
    ('[[invariant]]\ncode = "T001"\noption = "a.b"\n', "exactly one predicate", 2),
    ('[[invariant]]\ncode = "ST120"\noption = "a.b"\nequals = 1\n', "already a shipped rule", 3),
    ('[[invariant]]\ncode = "T001"\noption = "a.b"\nequals = 1\nseverity = "fatal"\n', "severity must be", 6),
    ('[[invariant]]\ncode = "T001"\noption = "a.b"\nequals = 1\nsystem = "arm"\n', "system must be", 6),
])
def test_malformed_policy_is_a_configuration_error_with_file_and_line(tmp_path, policy, message, line):
    config = tmp_path / "policy.toml"
    config.write_text('select = ["policy"]\n' + policy)
    result = invoke("--config", config, LAPTOP)
    assert result.exit_code == 2
    assert message in result.output
    assert f"{config}:{line}:" in result.output
