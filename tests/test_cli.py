"""The real command line, through click's runner and as a subprocess."""
from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys

from click.testing import CliRunner

from lintutil import FIXTURES, write_tree
from stereos_lint.interfaces.cli import main
from stereos_lint.nix.parser import parse_file

FIREWALL = FIXTURES / "eval" / "firewall-mkforce"


def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)


def test_eval_explains_why_the_firewall_is_off():
    result = invoke("eval", "networking.firewall.enable", FIREWALL)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"{FIREWALL}/boot.nix:"
    assert lines[1] == "  networking.firewall.enable = false"
    assert f"decided by {FIREWALL}/boot.nix:5:44 (priority 50)" in result.output
    assert f"{FIREWALL}/base.nix:4:14" in result.output
    assert "lost: priority 100 (plain) loses to 50 (lib.mkForce)" in result.output


def test_eval_of_a_list_merged_from_several_definitions_names_none_as_deciding(tmp_path):
    write_tree(tmp_path, {"host.nix": "{ imports = [ ./hw.nix ]; boot.kernelModules = [ \"tcp_bbr\" ]; }\n",
                          "hw.nix": "{ boot.kernelModules = [ ]; }\n"})
    output = invoke("eval", "boot.kernelModules", tmp_path).output
    assert "merged from 2 definitions (priority 100)" in output and "decided by" not in output


def test_eval_json_has_one_object_per_root_with_provenance():
    result = invoke("eval", "networking.firewall.enable", FIREWALL, "--json")
    assert result.exit_code == 0
    [record] = json.loads(result.output)
    assert record["root"] == f"{FIREWALL}/boot.nix"
    assert record["system"] is None
    assert record["value"] is False
    assert record["defined_at"] == {"file": f"{FIREWALL}/boot.nix", "line": 5, "column": 44}
    assert record["priority"] == 50
    assert [(d["file"].rsplit("/", 1)[-1], d["line"], d["priority"], d["value"], d["conditional"])
            for d in record["definitions"]] == [("boot.nix", 5, 50, False, False), ("base.nix", 4, 100, True, False)]


def test_eval_json_of_an_undefined_option():
    [record] = json.loads(invoke("eval", "services.nginx.enable", FIREWALL, "--json").output)
    assert record == {"name": f"{FIREWALL}/boot.nix", "root": f"{FIREWALL}/boot.nix",
                      "option": "services.nginx.enable", "system": None,
                      "defined": False}


def test_eval_json_of_a_set_option_gives_the_merged_set():
    [record] = json.loads(invoke("eval", "networking.firewall", FIREWALL, "--json").output)
    assert record["value"] == {"enable": False, "allowedTCPPorts": [22]}


def test_eval_json_splits_per_system_only_where_the_value_differs():
    arch = FIXTURES / "eval" / "arch" / "if-branches.nix"
    per_system = json.loads(invoke("eval", "networking.hostName", arch, "--json").output)
    assert [(r["system"], r["value"]) for r in per_system] == [("aarch64-linux", "arm"), ("x86_64-linux", "intel")]
    same = json.loads(invoke("eval", "boot.growPartition", arch, "--json").output)
    assert [(r["system"], r["value"]) for r in same] == [(None, True)]


def test_eval_json_shows_unknown_values_with_their_source():
    values = FIXTURES / "eval" / "values" / "literals.nix"
    [record] = json.loads(invoke("eval", "a.interpolated", values, "--json").output)
    assert record["value"] == {"unknown": '"${pkgs.bash}/bin/sh"'}


def test_exit_codes_zero_one_two(tmp_path):
    clean = write_tree(tmp_path / "clean", {"m.nix": "{ lib, ... }: { networking.firewall.enable = lib.mkForce false; }\n"})
    dirty = write_tree(tmp_path / "dirty", {"m.nix": "{ lib, ... }: { networking.firewall.enable = lib.mkForce true; }\n"})
    assert invoke("--select", "ST120", clean).exit_code == 0
    assert invoke("--select", "ST120", dirty).exit_code == 1
    assert invoke("--select", "ST120", "--exit-zero", dirty).exit_code == 0
    assert invoke("--select", "ST120", tmp_path / "missing").exit_code == 2
    assert invoke("--select", "NOPE1", clean).exit_code == 2


def test_info_findings_do_not_fail_the_run(tmp_path):
    tree = write_tree(tmp_path, {"m.nix": "{ lib, config, ... }: { networking.firewall.enable = config.x; }\n"})
    result = invoke("--select", "ST120", tree)
    assert "cannot verify" in result.output
    assert result.exit_code == 0


def test_one_broken_file_does_not_stop_the_others(tmp_path):
    tree = write_tree(tmp_path, {
        "a-broken.nix": "{ a = ; }\n",
        "b-fine.nix": "{ lib, ... }: { networking.firewall.enable = lib.mkForce true; }\n",
        "c-binary.nix": "",
    })
    (tree / "c-binary.nix").write_bytes(b"\xff\xfe\x00{")
    result = invoke("--format", "json", "--select", "NX000,ST120", tree)
    found = {(f["code"], os.path.basename(f["file"])) for f in json.loads(result.output)}
    assert found == {("NX000", "a-broken.nix"), ("NX000", "c-binary.nix"), ("ST120", "b-fine.nix")}
    assert result.exit_code == 1


def test_rules_and_explain():
    listing = invoke("rules").output
    assert "ST120  firewall-disabled" in listing and "NX000  parse-error" in listing
    text = invoke("explain", "ST120").output
    assert "Bad:" in text and "Good:" in text and "lib.mkForce false" in text
    assert invoke("explain", "ST999").exit_code == 2


def test_fix_twice_changes_nothing_the_second_time_and_keeps_other_bytes(tmp_path):
    target = tmp_path / "boot.nix"
    shutil.copy(FIXTURES / "stereos" / "drifted" / "boot.nix", target)
    before = target.read_bytes()
    findings = json.loads(invoke("--format", "json", target).output)
    fix_lines = {edit["start"]["line"] for f in findings if f["fix"] for edit in f["fix"]["edits"]}
    invoke("--fix", target)
    after = target.read_bytes()
    assert after != before
    assert parse_file(str(target)).error is None
    assert [f for f in json.loads(invoke("--format", "json", target).output) if f["fix"]] == []
    invoke("--fix", target)
    assert target.read_bytes() == after
    # Only lines a fix asked to change were replaced; everything else was kept or only added to.
    old_lines, new_lines = before.decode().splitlines(), after.decode().splitlines()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            assert set(range(i1 + 1, i2 + 1)) <= fix_lines, (tag, old_lines[i1:i2])


def test_diff_prints_the_fix_and_changes_nothing(tmp_path):
    target = tmp_path / "boot.nix"
    shutil.copy(FIXTURES / "stereos" / "drifted" / "boot.nix", target)
    before = target.read_bytes()
    result = invoke("--diff", "--select", "ST120", target)
    assert "-  networking.firewall.enable = lib.mkForce true;" in result.output
    assert "+  networking.firewall.enable = lib.mkForce false;" in result.output
    assert target.read_bytes() == before


def test_console_script_runs_as_a_subprocess():
    completed = subprocess.run([sys.executable, "-m", "stereos_lint", "--format", "concise",
                                str(FIXTURES / "stereos" / "drifted")], capture_output=True, text=True)
    assert completed.returncode == 1
    assert "ST120 [firewall-disabled]" in completed.stdout
    assert completed.stdout.strip().splitlines()[-1].startswith("Found ")


def test_eval_says_when_a_root_does_not_parse(tmp_path):
    tree = write_tree(tmp_path, {"broken.nix": "{ a = ;\n"})
    [record] = json.loads(invoke("eval", "a", tree, "--json").output)
    assert record["defined"] is False and "does not parse" in record["error"]
    assert "cannot evaluate a: the file does not parse" in invoke("eval", "a", tree).output


def test_an_inserted_binding_goes_after_the_whole_sibling_binding(tmp_path):
    # The sibling's value is an indented string with `;` and `}` inside: the new binding
    # must land after the sibling's own `;`, not inside its string.
    tree = write_tree(tmp_path, {
        ".stereos-lint.toml": 'select = ["policy"]\n[[invariant]]\ncode = "T001"\noption = "a.b"\n'
                              'equals = true\nsiblings = ["a.c"]\n',
        "m.nix": "{\n  a.c = ''\n    x; y = { z; };\n  ''; # keep me\n  d = 1;\n}\n",
    })
    assert invoke("--fix", tree).exit_code == 0
    text = (tree / "m.nix").read_text()
    assert text == "{\n  a.c = ''\n    x; y = { z; };\n  ''; # keep me\n  a.b = true;\n  d = 1;\n}\n"
    assert parse_file(str(tree / "m.nix")).error is None


def test_nested_duplicate_is_reported_once_under_its_full_name(tmp_path):
    tree = write_tree(tmp_path, {"m.nix": "{ x = { a = { b = 1; b = 2; }; }; }\n"})
    found = json.loads(invoke("--select", "NX001", "--format", "json", tree).output)
    assert [(f["line"], f["column"], f["message"].split(" ")[0]) for f in found] == [(1, 22, "x.a.b")]


def _invariant(option: str, equals: str) -> str:
    return f'select = ["policy"]\n[[invariant]]\ncode = "T001"\noption = "{option}"\nequals = {equals}\n'


def test_a_missing_option_is_not_fixed_into_a_set_off_its_path(tmp_path):
    # Found on a public configuration: the first thing written under `programs` is the
    # `enable` of `programs.hyprland = { … }`; writing `enable = false;` beside it set
    # hyprland's twice (Nix refuses the file) and never command-not-found.  The name says
    # "not … into a set off its path": it goes after the enclosing binding instead.
    text = "{\n  programs.hyprland = {\n    enable = true;\n  };\n}\n"
    tree = write_tree(tmp_path, {".stereos-lint.toml": _invariant("programs.command-not-found.enable", "false"),
                                 "m.nix": text})
    [finding] = json.loads(invoke("--format", "json", tree).output)
    assert finding["message"].startswith("programs.command-not-found.enable is not set")
    invoke("--fix", tree)
    # after the binding of the set that is on its path (the module's own), with its whole path
    assert (tree / "m.nix").read_text() == \
        "{\n  programs.hyprland = {\n    enable = true;\n  };\n  programs.command-not-found.enable = false;\n}\n"
    assert json.loads(invoke("--format", "json", tree).output) == []


def test_a_missing_option_is_not_fixed_into_a_set_under_a_mkif(tmp_path):
    # A value written under `lib.mkIf config.desktop.enable` sets nothing where the desktop
    # is off: the fix was written again on every round of --fix.
    text = "{ config, lib, ... }:\n{\n  config = lib.mkIf config.desktop.enable {\n" \
           "    services.xserver.enable = true;\n  };\n}\n"
    tree = write_tree(tmp_path, {".stereos-lint.toml": _invariant("services.udisks2.enable", "false"), "m.nix": text})
    [finding] = json.loads(invoke("--format", "json", tree).output)
    assert finding["message"].startswith("services.udisks2.enable is not set") and finding["fix"] is None
    invoke("--fix", tree)
    assert (tree / "m.nix").read_text() == text


def test_a_fix_that_leaves_its_finding_is_written_once(tmp_path):
    from stereos_lint.checking.findings import Edit, Finding, Fix, Severity
    from stereos_lint.interfaces.cli import _fix_until_stable
    from stereos_lint.nix.source import Span

    target = tmp_path / "m.nix"
    target.write_text("{\n  a = 1;\n}\n")

    def lint():   # a rule whose fix does not make its finding go
        source = parse_file(str(target)).source
        at = source.data.index(b"}")
        return [Finding("T001", "t", Severity.ERROR, "b is missing", Span(source, at, at),
                        Fix("add b", (Edit(Span(source, at, at), "  b = 2;\n"),)))]

    _fix_until_stable(lint(), lint)
    assert target.read_text() == "{\n  a = 1;\n  b = 2;\n}\n"


def test_a_missing_option_goes_after_the_enclosing_binding_on_its_path(tmp_path):
    text = "{\n  services = {\n    xserver = {\n      enable = true;\n    };\n  };\n}\n"
    tree = write_tree(tmp_path, {".stereos-lint.toml": _invariant("services.udisks2.enable", "false"), "m.nix": text})
    invoke("--fix", tree)
    assert (tree / "m.nix").read_text() == \
        "{\n  services = {\n    xserver = {\n      enable = true;\n    };\n    udisks2.enable = false;\n  };\n}\n"
    assert json.loads(invoke("--format", "json", tree).output) == []


def test_a_message_names_a_file_many_folders_share_with_its_folder(tmp_path):
    # `hardware-configuration.nix:3` could be any host's: the message says whose
    write_tree(tmp_path, {
        "hosts/pc/default.nix": "{ ... }: { imports = [ ./hardware-configuration.nix ]; }\n",
        "hosts/pc/hardware-configuration.nix": "{ lib, ... }: {\n\n  networking.useDHCP = lib.mkDefault true;\n}\n",
    })
    found = json.loads(invoke("--select", "ST110", "--format", "json", tmp_path).output)
    assert any("(lib.mkDefault, pc/hardware-configuration.nix:3)" in f["message"] for f in found), found
