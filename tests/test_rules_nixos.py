"""The nixos pack: NX000-NX004, each proven by a fixture it fails on and one it passes."""
from __future__ import annotations

from lintutil import FIXTURES, code_lines, lint, write_tree

RULES = FIXTURES / "rules"


def test_parse_error_points_at_the_first_error_and_other_files_are_still_linted(tmp_path):
    write_tree(tmp_path, {
        "broken.nix": "{\n  a = 1;\n  b = ;\n}\n",
        "fine.nix": "{ lib, ... }: { networking.firewall.enable = lib.mkForce true; }\n",
    })
    findings = lint(tmp_path, select=["NX000", "ST120"])
    assert ("NX000", 3) in code_lines(findings)
    assert any(f.code == "ST120" and f.path.endswith("fine.nix") for f in findings)


def test_trailing_comma_in_formals_is_not_a_parse_error(tmp_path):
    write_tree(tmp_path, {"m.nix": "{\n  lib,\n  pkgs,\n}:\n{ }\n"})
    assert lint(tmp_path, select=["NX000"]) == []


def test_duplicate_attribute_through_dotted_paths():
    assert code_lines(lint(RULES / "NX001" / "duplicate-dotted.nix", select=["NX001"])) == {("NX001", 3)}


def test_duplicate_attribute_through_a_nested_set():
    findings = lint(RULES / "NX001" / "duplicate-through-nested-set.nix", select=["NX001"])
    assert code_lines(findings) == {("NX001", 4)}
    assert "networking.firewall.enable" in findings[0].message and "line 2" in findings[0].message


def test_duplicate_let_binding():
    assert code_lines(lint(RULES / "NX001" / "duplicate-in-let.nix", select=["NX001"])) == {("NX001", 3)}


def test_extending_a_value_that_is_not_a_set():
    assert code_lines(lint(RULES / "NX001" / "value-then-extended.nix", select=["NX001"])) == {("NX001", 3)}


def test_merging_dotted_paths_and_sets_is_not_a_duplicate():
    assert lint(RULES / "NX001" / "merging-is-fine.nix", select=["NX001"]) == []


def test_conflicting_bools_across_modules_at_the_same_priority():
    findings = lint(RULES / "NX002" / "conflict", select=["NX002"])
    assert {(f.code, f.path.rsplit("/", 1)[-1], f.span.line) for f in findings} == {("NX002", "base.nix", 2)}
    assert "networking.firewall.enable" in findings[0].message


def test_equal_values_and_lines_options_do_not_conflict():
    findings = lint(RULES / "NX002" / "conflict", select=["NX002"])
    assert not any("hostName" in f.message or "extraConfig" in f.message for f in findings)


def test_priority_resolves_the_conflict():
    assert lint(RULES / "NX002" / "agree", select=["NX002"]) == []


def test_missing_import_file_and_folder():
    findings = lint(RULES / "NX003" / "missing", select=["NX003"])
    assert sorted(f.span.text for f in findings) == ["./hardwre-configuration.nix", "./no-such-dir"]


def test_existing_folder_and_external_imports_pass():
    assert lint(RULES / "NX003" / "present", select=["NX003"]) == []


def test_mkforce_on_a_list_lists_the_items_it_throws_away():
    findings = lint(RULES / "NX004" / "forced", select=["NX004"])
    assert code_lines(findings) == {("NX004", 4)}
    assert findings[0].severity.value == "warning"
    assert '"quiet"' in findings[0].message and '"loglevel=0"' in findings[0].message
    assert "base.nix" in findings[0].message


def test_plain_and_ordered_lists_and_a_lone_mkforce_pass():
    assert lint(RULES / "NX004" / "plain", select=["NX004"]) == []


def test_nixos_pack_is_silent_on_both_stereos_modules():
    assert lint(FIXTURES / "stereos", select=["NX"]) == []
