"""Configuration files, selection, inline suppression and baselines, through the real CLI."""
from __future__ import annotations

import json

from click.testing import CliRunner

from lintutil import write_tree
from stereos_lint.interfaces.cli import main

FIREWALL_ON = ("{ lib, ... }:\n{\n  networking.firewall.enable = lib.mkForce true;\n  security.polkit.enable = true;\n"
               "  services.udisks2.enable = false;\n}\n")


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


def codes(result) -> list[tuple[str, int]]:
    return sorted((f["code"], f["line"]) for f in json.loads(result.stdout))


def test_select_ignore_and_extend_select_by_code_prefix_and_pack(tmp_path):
    write_tree(tmp_path, {"m.nix": FIREWALL_ON})
    base = ["--format", "json", tmp_path / "m.nix"]
    assert codes(invoke("--select", "ST120", *base)) == [("ST120", 3)]
    assert codes(invoke("--select", "ST120,ST121,ST122", "--ignore", "ST120", *base)) == [("ST121", 4)]
    assert codes(invoke("--select", "ST120", "--extend-select", "ST121", *base)) == [("ST120", 3), ("ST121", 4)]
    assert {c for c, _ in codes(invoke("--select", "nixos", *base))} <= {"NX000", "NX001", "NX002", "NX003", "NX004"}


def test_settings_from_pyproject_found_by_walking_up(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.stereos-lint]\nselect = ["ST120", "ST121"]\nignore = ["ST121"]\n'
                          '[tool.stereos-lint.severity]\nST120 = "warning"\n',
        "modules/m.nix": FIREWALL_ON,
    })
    result = invoke("--format", "json", tmp_path / "modules")
    findings = json.loads(result.output)
    assert [(f["code"], f["severity"]) for f in findings] == [("ST120", "warning")]
    assert result.exit_code == 1


def test_stereos_lint_toml_and_per_file_ignores(tmp_path):
    write_tree(tmp_path, {
        ".stereos-lint.toml": 'select = ["ST120"]\n[per-file-ignores]\n"legacy/*.nix" = ["ST1"]\n',
        "legacy/old.nix": FIREWALL_ON,
        "new.nix": FIREWALL_ON,
    })
    findings = json.loads(invoke("--format", "json", tmp_path).output)
    assert [f["file"].rsplit("/", 1)[-1] for f in findings] == ["new.nix"]


def test_config_option_overrides_and_show_settings(tmp_path):
    write_tree(tmp_path, {"custom.toml": 'select = ["ST121"]\nsystems = ["x86_64-linux"]\n', "m.nix": FIREWALL_ON})
    result = invoke("--config", tmp_path / "custom.toml", "--show-settings", tmp_path)
    shown = json.loads(result.output)
    assert shown["source"].endswith("custom.toml") and shown["rules"] == ["ST121"]
    assert shown["systems"] == ["x86_64-linux"]
    assert codes(invoke("--config", tmp_path / "custom.toml", "--format", "json", tmp_path)) == [("ST121", 4)]


def test_unknown_keys_codes_and_bad_values_are_errors(tmp_path):
    write_tree(tmp_path, {"m.nix": FIREWALL_ON})
    cases = {
        "typo.toml": ('selct = ["ST1"]\n', "unknown setting"),
        "code.toml": ('select = ["ST999"]\n', "unknown rule code"),
        "sev.toml": ('[severity]\nST120 = "fatal"\n', "severity must be one of"),
        "type.toml": ('ignore = 3\n', "expected a list of strings"),
        "toml.toml": ('select = [\n', "not valid TOML"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        result = invoke("--config", tmp_path / name, tmp_path)
        assert result.exit_code == 2, name
        assert message in result.output and name in result.output, (name, result.output)
    assert invoke("--config", tmp_path / "absent.toml", tmp_path).exit_code == 2


def test_inline_suppression_on_the_line_and_the_line_above(tmp_path):
    write_tree(tmp_path, {"m.nix": (
        "{ lib, ... }:\n{\n"
        "  networking.firewall.enable = lib.mkForce true; # stereos-lint: disable=ST120\n"
        "  # stereos-lint: disable=ST12\n"
        "  security.polkit.enable = true;\n"
        "  services.udisks2.enable = true;\n"
        "}\n")})
    found = codes(invoke("--select", "ST120,ST121,ST122,NX100", "--format", "json", tmp_path))
    assert found == [("ST122", 6)]


def test_file_suppression_and_unused_suppressions_are_reported(tmp_path):
    write_tree(tmp_path, {"m.nix": (
        "# stereos-lint: disable-file=ST12\n"
        "{ lib, ... }:\n{\n"
        "  networking.firewall.enable = lib.mkForce true;\n"
        "  # stereos-lint: disable=ST107\n"
        "  boot.growPartition = true;\n"
        "  security.polkit.enable = false;  # stereos-lint: disable=ST121\n"
        "}\n")})
    found = codes(invoke("--select", "ST120,ST121,ST107,NX100", "--format", "json", tmp_path))
    # ST120 is suppressed file-wide; growPartition and polkit are right, so the ST107 and
    # ST121 comments hide nothing: both line suppressions are reported as unused.
    assert ("ST120", 4) not in found
    assert ("NX100", 5) in found and ("NX100", 7) in found
    assert invoke("--select", "ST120,ST121,ST107", "--format", "json", tmp_path).output.strip() == "[]"


def test_baseline_keeps_moved_findings_suppressed_and_reports_new_ones(tmp_path):
    module = tmp_path / "m.nix"
    module.write_text(FIREWALL_ON)
    baseline = tmp_path / "baseline.json"
    select = ["--select", "ST120,ST121,ST122"]
    written = invoke(*select, "--write-baseline", baseline, tmp_path)
    assert written.exit_code == 0 and "Wrote 2 findings" in written.output
    module.write_text("# a new comment\n# and another\n" + FIREWALL_ON.replace("udisks2.enable = false", "udisks2.enable = true"))
    result = invoke(*select, "--baseline", baseline, "--format", "json", tmp_path)
    assert codes(result) == [("ST122", 7)]     # ST120 and ST121 moved down two lines: still known
    assert result.exit_code == 1
    module.write_text(FIREWALL_ON.replace("lib.mkForce true", "lib.mkForce false"))
    result = invoke(*select, "--baseline", baseline, "--format", "json", tmp_path)
    assert codes(result) == [] and result.exit_code == 0
    assert "1 baseline entry no longer occurs" in result.stderr


def test_bad_baseline_is_a_usage_error(tmp_path):
    write_tree(tmp_path, {"m.nix": FIREWALL_ON, "bad.json": "{}"})
    assert invoke("--baseline", tmp_path / "bad.json", tmp_path / "m.nix").exit_code == 2


def test_configured_roots_decide_which_modules_are_judged_together(tmp_path):
    # Without roots, base.nix and vm.nix are separate roots and base.nix's plain `true`
    # is a finding of its own; with vm.nix as the only root, vm.nix's mkForce decides.
    write_tree(tmp_path, {
        "base.nix": "{ networking.firewall.enable = true; }\n",
        "vm.nix": "{ lib, ... }: { networking.firewall.enable = lib.mkForce false; }\n",
        "host.nix": "{ imports = [ ./base.nix ./vm.nix ]; }\n",
    })
    assert codes(invoke("--select", "ST120", "--format", "json", tmp_path / "base.nix", tmp_path / "vm.nix")) == [
        ("ST120", 1)]
    (tmp_path / ".stereos-lint.toml").write_text('roots = ["host.nix"]\n')
    assert codes(invoke("--select", "ST120", "--format", "json", tmp_path)) == []
