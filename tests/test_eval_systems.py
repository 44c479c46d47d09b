"""`eval --system NAME` (one discovered system) and `eval --module FILE…` (those files,
in that order, as `lib.evalModules { modules = [ … ]; }`), with list order checked
against the real module system."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lintutil import FIXTURES, write_tree
from oracle import eval_modules
from stereos_lint.interfaces.cli import main

STEREOS = FIXTURES / "repos" / "stereos-flake"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def evaluate(*args) -> list[dict]:
    result = invoke("eval", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_eval_system_shows_one_discovered_system(monkeypatch):
    monkeypatch.chdir(STEREOS)
    [x86] = evaluate("boot.kernelParams", "--system", "packages.x86_64-linux.base", ".")
    assert (x86["name"], x86["system"]) == ("packages.x86_64-linux.base", "x86_64-linux")
    assert x86["value"] == ["quiet", "loglevel=0", "console=ttyS0,115200", "console=tty0"]
    [arm] = evaluate("boot.kernelParams", "--system", "base", ".")
    # base and its aarch64 image are one evaluation: the record names both
    assert (arm["name"], arm["systems"], arm["system"]) == ("base", ["base", "packages.aarch64-linux.base"],
                                                            "aarch64-linux")
    assert arm["value"] == ["quiet", "loglevel=0", "console=tty0", "console=ttyAMA0,115200", "console=hvc0"]
    # an alias names the same system
    assert evaluate("boot.kernelParams", "--system", "packages.x86_64-linux.base-qcow2", ".") == [x86]


def test_eval_system_list_order_differs_between_systems_as_their_modules_do(monkeypatch):
    monkeypatch.chdir(STEREOS)
    # modules/base.nix is imported (collected after the mixtape, which is listed at the top),
    # and NixOS merges in the reverse of collection order: its packages come first.
    [base] = evaluate("environment.systemPackages", "--system", "base", ".")
    [coder] = evaluate("environment.systemPackages", "--system", "coder", ".")
    assert base["value"] == [{"unknown": "pkgs.curl"}, {"unknown": "pkgs.git"}, {"unknown": "pkgs.jq"}]
    assert coder["value"] == [{"unknown": "pkgs.curl"}, {"unknown": "pkgs.git"}, {"unknown": "pkgs.gcc"},
                              {"unknown": "pkgs.gnumake"}]


def test_eval_system_without_such_a_system_is_a_usage_error(monkeypatch):
    monkeypatch.chdir(STEREOS)
    result = invoke("eval", "boot.kernelParams", "--system", "nope", ".")
    assert result.exit_code == 2 and "no system named nope" in result.output


@pytest.fixture
def three_modules(tmp_path):
    write_tree(tmp_path, {
        "a.nix": '{ lib, ... }: { imports = [ ./c.nix ]; x = lib.mkAfter [ "a-after" ]; y = [ "a" ]; }\n',
        "b.nix": '{ x = [ "b" ]; y = [ "b" ]; }\n',
        "c.nix": '{ lib, ... }: { x = lib.mkBefore [ "c-before" ]; y = [ "c" ]; }\n',
    })
    return tmp_path


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_eval_module_agrees_with_lib_eval_modules_on_list_order(three_modules, order):
    files = [three_modules / f"{name}.nix" for name in order]
    arguments = [part for path in files for part in ("--module", path)]
    ours = {option: evaluate(option, *arguments)[0]["value"] for option in ("x", "y")}
    assert ours == eval_modules(files, {"x": "types.listOf types.str", "y": "types.listOf types.str"})


def test_eval_module_forms_one_system_in_the_order_given(three_modules):
    [record] = evaluate("y", "--module", three_modules / "a.nix", "--module", three_modules / "b.nix")
    assert record["name"] == "modules" and record["value"] == ["c", "b", "a"]
    [record] = evaluate("y", "--module", three_modules / "b.nix", "--module", three_modules / "a.nix")
    assert record["value"] == ["c", "a", "b"]


def test_a_condition_on_a_declared_option_is_decided_by_its_default(tmp_path):
    write_tree(tmp_path, {
        "librem5.nix": """{ lib, config, ... }:
let cfg = config.hardware.librem5;
in {
  options.hardware.librem5.audio = lib.mkOption { type = lib.types.bool; default = true; };
  options.hardware.librem5.modem = lib.mkEnableOption "the modem";
  config = lib.mkMerge [
    (lib.mkIf cfg.audio { services.pipewire.enable = true; })
    (lib.mkIf cfg.modem { networking.modemmanager.enable = true; })
  ];
}
""",
    })
    [audio] = evaluate("services.pipewire.enable", "--module", tmp_path / "librem5.nix")
    assert audio["value"] is True and "uncertain" not in audio and audio["definitions"][0]["active"]
    [modem] = evaluate("networking.modemmanager.enable", "--module", tmp_path / "librem5.nix")
    assert modem["defined"] is False   # mkEnableOption: false by default, so the mkIf drops it


def test_eval_never_claims_nixos_refuses_two_values_of_an_option_whose_type_it_does_not_know(tmp_path):
    # system.stateVersion is a string to NixOS, *.extraConfig lines: the tree declares
    # neither, so two different values are a conflict that may be merged, not a refusal
    (tmp_path / "a.nix").write_text('{ system.stateVersion = "23.11"; }\n')
    (tmp_path / "b.nix").write_text('{ system.stateVersion = "22.05"; }\n')
    shown = CliRunner().invoke(main, ["eval", "system.stateVersion", "--module", str(tmp_path / "a.nix"),
                                      "--module", str(tmp_path / "b.nix")]).output
    assert "conflict" in shown and "unless the option's type merges them" in shown
    assert "NixOS refuses" not in shown.replace("NixOS refuses them unless", "")
