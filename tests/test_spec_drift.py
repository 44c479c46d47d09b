"""The SPEC's contract on the real drifted module: every drift in its "drift in
boot.drifted.nix" column found at its line, nothing else -- and nothing at all
on the corrected module, whatever equivalent form it is written in."""
from __future__ import annotations

import re

import pytest

from lintutil import FIXTURES, SHARED, code_lines, lint, write_tree

DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"

# Transcribed from the last column of ../shared/SPEC.md (lines of boot.drifted.nix).
SPEC_DRIFTS = {
    ("ST101", 26), ("ST101", 25), ("ST101", 27),
    ("ST103", 44),
    ("ST107", 46),
    ("ST110", 91),
    ("ST111", 101),
    ("ST112", 115),
    ("ST120", 130),
    ("ST121", 134),
    ("ST122", 138),
    ("ST123", 122), ("ST123", 123), ("ST123", 121),
    ("ST130", 162), ("ST130", 161), ("ST130", 163),
    ("ST201", 175),
    ("ST202", 181), ("ST202", 182),
    ("ST203", 188),
    ("ST301", 198),
    ("ST302", 202),
    ("ST901", 95),
    ("ST902", 167),
    ("ST903", 98),
    ("ST904", 159),
}


def test_drifted_fixture_is_a_byte_identical_copy_of_the_shared_module():
    assert DRIFTED.read_bytes() == (SHARED / "stereos" / "boot.drifted.nix").read_bytes()


def test_every_spec_drift_is_found_at_its_line_and_nothing_else():
    findings = lint(DRIFTED)
    assert code_lines(findings) == SPEC_DRIFTS


def test_drift_severities_follow_the_spec():
    for finding in lint(DRIFTED):
        expected = "warning" if finding.code.startswith("ST9") else "error"
        assert finding.severity.value == expected, finding


def test_the_corrected_module_has_no_finding():
    assert lint(CLEAN) == []


def test_every_spec_code_has_a_rule():
    from stereos_lint.checking.engine import load_rules

    spec = (SHARED / "SPEC.md").read_text()
    codes = set(re.findall(r"^\| (ST\d{3}|NX\d{3}) \|", spec, flags=re.M))
    assert codes and codes <= set(load_rules())


# --- equivalent forms -------------------------------------------------------------------------

HEADER = "{ config, lib, pkgs, ... }:\n\n{\n"


def _split_module(text: str) -> tuple[str, str, str]:
    """(leading comments + formals, body between the outer braces, closing)."""
    start = text.index(HEADER) + len(HEADER)
    end = text.rstrip().rindex("}")
    return text[:start], text[start:end], text[end:]


def as_nested_sets(text: str) -> dict[str, str]:
    text = text.replace("  boot.growPartition = ", "  boot = { growPartition = ", 1)
    text = re.sub(r"(  boot = \{ growPartition = \w+;)", r"\1 };", text, count=1)
    text = re.sub(r"  security\.polkit\.enable = (\w+);", r"  security = {\n    polkit = { enable = \1; };\n  };", text)
    text = re.sub(r"  networking\.firewall\.enable = lib\.mkForce (\w+);",
                  r"  networking.firewall = {\n    enable = lib.mkForce \1;\n  };", text)
    return {"boot.nix": text}


def with_lib_unqualified(text: str) -> dict[str, str]:
    head, body, tail = _split_module(text)
    head = head.replace(HEADER, "{ config, lib, pkgs, ... }:\n\nwith lib;\n{\n")
    return {"boot.nix": head + re.sub(r"\blib\.(mk\w+)", r"\1", body) + tail}


def full_form(text: str) -> dict[str, str]:
    head, body, tail = _split_module(text)
    return {"boot.nix": head + "  config = {\n" + body + "  };\n" + tail}


def setting_in_imported_file(text: str) -> dict[str, str]:
    line = re.search(r"^  networking\.firewall\.enable = .*\n", text, flags=re.M).group(0)
    head, body, tail = _split_module(text.replace(line, ""))
    extra = "{ lib, ... }:\n{\n" + line + "}\n"
    return {"boot.nix": head + "  imports = [ ./firewall.nix ];\n" + body + tail, "firewall.nix": extra}


def merge_of_two_halves(text: str) -> dict[str, str]:
    head, body, tail = _split_module(text)
    cut = body.index("  # -- Disable unnecessary NixOS defaults")
    first, second = body[:cut], body[cut:]
    merged = "  config = lib.mkMerge [\n  {\n" + first + "  }\n  {\n" + second + "  }\n  ];\n"
    return {"boot.nix": head + merged + tail}


REWRITES = [as_nested_sets, with_lib_unqualified, full_form, setting_in_imported_file, merge_of_two_halves]


@pytest.mark.parametrize("rewrite", REWRITES, ids=lambda f: f.__name__)
def test_equivalent_forms_of_the_clean_module_have_no_finding(rewrite, tmp_path):
    files = rewrite(CLEAN.read_text())
    assert all(files[name] != CLEAN.read_text() for name in files if name == "boot.nix")
    write_tree(tmp_path, files)
    assert lint(tmp_path) == []


@pytest.mark.parametrize("rewrite", REWRITES, ids=lambda f: f.__name__)
def test_equivalent_forms_of_the_drifted_module_give_the_same_codes(rewrite, tmp_path):
    write_tree(tmp_path, rewrite(DRIFTED.read_text()))
    expected = {code for code, _ in SPEC_DRIFTS}
    assert {f.code for f in lint(tmp_path)} == expected
