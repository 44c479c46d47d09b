"""The stereOS boot rules ST101-ST107, each proven by fixtures it fails and passes on."""
from __future__ import annotations

import itertools

import pytest

from lintutil import FIXTURES, code_lines, lint, lint_after_fixes, places, write_tree


RULES = FIXTURES / "rules"
DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"
CODES = ["ST101", "ST102", "ST103", "ST104", "ST105", "ST106", "ST107"]


# --- the SPEC's drifted and corrected module --------------------------------------------------

def test_drifted_module_gives_exactly_the_spec_drift_lines_for_the_boot_rules():
    assert code_lines(lint(DRIFTED, select=CODES)) == {
        ("ST101", 25), ("ST101", 26), ("ST101", 27), ("ST103", 44), ("ST107", 46)}


def test_clean_module_gives_no_boot_finding():
    assert lint(CLEAN, select=CODES) == []


@pytest.mark.parametrize("code", ["ST101", "ST103", "ST107"])
def test_fixes_on_the_drifted_module_clear_its_boot_drift(tmp_path, code):
    after, _ = lint_after_fixes(tmp_path, DRIFTED, code)
    assert after == []


# --- ST101 grub-efi-removable -----------------------------------------------------------------

def test_grub_disabled_and_efi_support_missing_are_reported_in_the_grub_set():
    findings = lint(RULES / "ST101" / "grub-disabled.nix", select=["ST101"])
    assert places(findings) == {("ST101", "grub-disabled.nix", 2, "error"), ("ST101", "grub-disabled.nix", 3, "error")}
    missing = next(f for f in findings if f.span.line == 2)
    assert "efiSupport is not set" in missing.message and "UEFI" in missing.message


def test_bios_grub_reports_efi_support_removable_install_and_mbr_device():
    findings = lint(RULES / "ST101" / "grub-bios.nix", select=["ST101"])
    assert code_lines(findings) == {("ST101", 2), ("ST101", 4), ("ST101", 5)}
    assert any("device is \"/dev/vda\"" in f.message and "nodev" in f.message for f in findings)
    assert any("efiInstallAsRemovable is not set" in f.message and "BOOTAA64.EFI" in f.message for f in findings)


def test_uefi_removable_nodev_grub_passes():
    assert lint(RULES / "ST101" / "grub-uefi-removable.nix", select=["ST101"]) == []


def test_mkforce_in_the_root_beats_a_plain_false_in_an_imported_module():
    assert lint(RULES / "ST101" / "forced-removable", select=["ST101"]) == []


def test_mkdefault_nodev_loses_to_the_hardware_modules_plain_device():
    findings = lint(RULES / "ST101" / "default-device-loses", select=["ST101"])
    assert places(findings) == {("ST101", "hardware.nix", 2, "error")}


def test_efi_support_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST101" / "efi-from-option.nix", select=["ST101"])
    assert places(findings) == {("ST101", "efi-from-option.nix", 5, "info")}
    assert "cannot verify" in findings[0].message


def test_grub_fixes_insert_efi_support_and_flip_the_booleans(tmp_path):
    after, texts = lint_after_fixes(tmp_path, RULES / "ST101" / "grub-disabled.nix", "ST101")
    assert after == []
    assert "    efiSupport = true;\n" in texts["grub-disabled.nix"]
    assert "enable = true;" in texts["grub-disabled.nix"]


# --- ST102 console-order ----------------------------------------------------------------------

def test_drifted_console_order_holds():
    assert lint(DRIFTED, select=["ST102"]) == []


@pytest.mark.parametrize("order", [p for p in itertools.permutations(
    ['"console=tty0"', '"console=ttyAMA0,115100"', '"console=hvc0"']) if p[-1] != '"console=hvc0"'])
def test_any_other_console_order_in_the_drifted_module_fires(tmp_path, order):
    original = '[ "console=tty0" "console=ttyAMA0,115100" "console=hvc0" ]'
    text = DRIFTED.read_text()
    assert original in text
    write_tree(tmp_path, {"boot.nix": text.replace(original, "[ " + " ".join(order) + " ]")})
    findings = lint(tmp_path, select=["ST102"])
    assert places(findings) == {("ST102", "boot.nix", 44, "error")}
    assert "hvc0" in findings[0].message and "aarch64-linux" in findings[0].message


@pytest.mark.parametrize("name, last", [("ttyAMA0-last.nix", "ttyAMA0"), ("hvc0-first.nix", "ttyAMA0"),
                                        ("tty0-last.nix", "tty0")])
def test_the_last_console_must_be_hvc0_on_aarch64(name, last):
    findings = lint(RULES / "ST102" / name, select=["ST102"])
    assert places(findings) == {("ST102", name, 2, "error")}
    assert f"the last console= in boot.kernelParams is {last}" in findings[0].message
    assert "/dev/console" in findings[0].message


def test_hvc0_last_without_the_serial_console_before_it_fires():
    findings = lint(RULES / "ST102" / "no-serial-before-hvc0.nix", select=["ST102"])
    assert code_lines(findings) == {("ST102", 2)}
    assert "no console=ttyAMA0 before console=hvc0" in findings[0].message


def test_kernel_params_without_any_console_fire():
    findings = lint(RULES / "ST102" / "no-console.nix", select=["ST102"])
    assert code_lines(findings) == {("ST102", 2)}
    assert "no console=" in findings[0].message


def test_hvc0_last_with_tty0_and_ttyAMA0_before_it_passes():
    assert lint(RULES / "ST102" / "hvc0-last.nix", select=["ST102"]) == []


@pytest.mark.parametrize("name", ["host-platform.nix", "let-alias.nix", "system-string.nix"])
def test_each_architecture_branch_with_its_own_primary_console_passes(name):
    assert lint(RULES / "ST102" / "per-arch" / "good" / name, select=["ST102"]) == []


@pytest.mark.parametrize("name, line", [("host-platform.nix", 5), ("let-alias.nix", 8), ("system-string.nix", 4),
                                        ("per-item.nix", 6)])
def test_a_wrong_x86_64_branch_fires_on_x86_64_only(name, line):
    findings = lint(RULES / "ST102" / "per-arch" / "x86-wrong" / name, select=["ST102"])
    assert places(findings) == {("ST102", name, line, "error")}
    assert findings[0].system == "x86_64-linux"
    assert "on x86_64-linux" in findings[0].message and "ttyS0" in findings[0].message


def test_a_wrong_aarch64_branch_fires_on_aarch64_only():
    findings = lint(RULES / "ST102" / "per-arch" / "aarch64-wrong" / "let-alias.nix", select=["ST102"])
    assert code_lines(findings) == {("ST102", 7)}
    assert findings[0].system == "aarch64-linux" and "on aarch64-linux" in findings[0].message


def test_a_serial_console_appended_with_mkafter_in_another_module_becomes_primary():
    findings = lint(RULES / "ST102" / "serial-appended-after", select=["ST102"])
    assert places(findings) == {("ST102", "serial.nix", 3, "error")}
    assert "lib.mkAfter" in findings[0].message


def test_consoles_put_first_with_mkbefore_in_another_module_pass():
    assert lint(RULES / "ST102" / "serial-put-before", select=["ST102"]) == []


def test_a_console_under_mkif_false_is_not_counted():
    assert lint(RULES / "ST102" / "debug-console-off.nix", select=["ST102"]) == []


def test_a_console_name_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST102" / "console-from-option.nix", select=["ST102"])
    assert places(findings) == {("ST102", "console-from-option.nix", 3, "info")}
    assert "cannot verify" in findings[0].message


# --- ST103 serial-baud ------------------------------------------------------------------------

def test_drifted_serial_speed_is_reported_at_the_list_item():
    findings = lint(DRIFTED, select=["ST103"])
    assert places(findings) == {("ST103", "boot.nix", 44, "error")}
    assert "115100" in findings[0].message and "115200" in findings[0].message
    assert findings[0].span.text == '"console=ttyAMA0,115100"'


def test_a_9600_baud_serial_console_fires_and_the_fix_keeps_parity_and_bits(tmp_path):
    findings = lint(RULES / "ST103" / "slow-serial.nix", select=["ST103"])
    assert places(findings) == {("ST103", "slow-serial.nix", 4, "error")}
    after, texts = lint_after_fixes(tmp_path, RULES / "ST103" / "slow-serial.nix", "ST103")
    assert after == [] and '"console=ttyAMA0,115200n8"' in texts["slow-serial.nix"]


def test_115200_with_or_without_parity_passes_and_consoles_without_options_are_not_checked():
    assert lint(RULES / "ST103" / "serial-115200.nix", select=["ST103"]) == []


def test_a_slow_serial_console_added_by_an_imported_module_is_reported_there():
    findings = lint(RULES / "ST103" / "serial-in-hardware", select=["ST103"])
    assert places(findings) == {("ST103", "hardware.nix", 3, "error")}
    assert "38400" in findings[0].message


def test_a_slow_console_under_mkif_false_is_not_reported():
    assert lint(RULES / "ST103" / "debug-serial-off.nix", select=["ST103"]) == []


def test_a_baud_rate_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST103" / "baud-from-option.nix", select=["ST103"])
    assert places(findings) == {("ST103", "baud-from-option.nix", 3, "info")}


@pytest.mark.parametrize("param, fires", [("console=ttyS0,115200n8r", False), ("console=ttyS0,", True),
                                          ("console=ttyS0,115200x", True), ("console=ttyS0", False),
                                          ("console=uart8250,mmio,0x9000000,115200n8", False),
                                          ("console=uart8250,mmio,0x9000000,9600", True)])
def test_serial_option_forms(tmp_path, param, fires):
    write_tree(tmp_path, {"m.nix": f'{{\n  boot.kernelParams = [ "{param}" ];\n}}\n'})
    assert bool(lint(tmp_path, select=["ST103"])) is fires


# --- ST104 quiet-boot -------------------------------------------------------------------------

def test_quiet_and_loglevel_first_with_mkbefore_and_console_level_zero_pass():
    assert lint(RULES / "ST104" / "quiet-first.nix", select=["ST104"]) == []


def test_kernel_params_that_begin_with_a_console_fire():
    findings = lint(RULES / "ST104" / "quiet-after-consoles.nix", select=["ST104"])
    assert places(findings) == {("ST104", "quiet-after-consoles.nix", 2, "error")}
    assert 'begins with "console=hvc0"' in findings[0].message


def test_quiet_first_without_mkbefore_fires_because_nixos_parameters_come_first():
    findings = lint(RULES / "ST104" / "quiet-without-mkbefore.nix", select=["ST104"])
    assert code_lines(findings) == {("ST104", 2)}
    assert "lib.mkBefore" in findings[0].message and "order 1000" in findings[0].message


def test_a_console_log_level_above_zero_fires_with_a_fix(tmp_path):
    findings = lint(RULES / "ST104" / "loud-console.nix", select=["ST104"])
    assert places(findings) == {("ST104", "loud-console.nix", 4, "error")}
    after, texts = lint_after_fixes(tmp_path, RULES / "ST104" / "loud-console.nix", "ST104")
    assert after == [] and "boot.consoleLogLevel = 0;" in texts["loud-console.nix"]


def test_a_lower_mkorder_in_an_imported_module_goes_before_quiet():
    findings = lint(RULES / "ST104" / "ordered-first-elsewhere", select=["ST104"])
    assert places(findings) == {("ST104", "debug.nix", 3, "error")}
    assert "ignore_loglevel" in findings[0].message


def test_mkdefault_console_level_loses_to_the_hardware_modules_plain_value():
    findings = lint(RULES / "ST104" / "loglevel-default-loses", select=["ST104"])
    assert places(findings) == {("ST104", "hardware.nix", 2, "error")}


def test_a_console_level_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST104" / "loglevel-from-option.nix", select=["ST104"])
    assert places(findings) == {("ST104", "loglevel-from-option.nix", 4, "info")}


def test_a_first_kernel_parameter_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST104" / "first-flag-from-option.nix", select=["ST104"])
    assert places(findings) == {("ST104", "first-flag-from-option.nix", 4, "info")}
    assert "config.stereos.firstKernelParam" in findings[0].message


# --- ST105 initrd-systemd ---------------------------------------------------------------------

def test_the_scripted_initrd_fires():
    findings = lint(RULES / "ST105" / "scripted-initrd.nix", select=["ST105"])
    assert places(findings) == {("ST105", "scripted-initrd.nix", 2, "error")}
    assert "boot.initrd.systemd.enable is false" in findings[0].message


def test_the_systemd_initrd_passes():
    assert lint(RULES / "ST105" / "systemd-initrd.nix", select=["ST105"]) == []


def test_mkforce_true_beats_a_legacy_modules_plain_false():
    assert lint(RULES / "ST105" / "forced-on", select=["ST105"]) == []


def test_the_systemd_initrd_only_under_an_unknown_condition_cannot_be_verified():
    findings = lint(RULES / "ST105" / "only-when-option.nix", select=["ST105"])
    assert places(findings) == {("ST105", "only-when-option.nix", 3, "info")}
    assert "lib.mkIf" in findings[0].message


# --- ST106 initrd-modules ---------------------------------------------------------------------

def test_the_spec_module_set_in_any_order_passes():
    assert lint(RULES / "ST106" / "spec-modules.nix", select=["ST106"]) == []


def test_an_extra_and_a_missing_initrd_module_fire_at_the_extra_one(tmp_path):
    findings = lint(RULES / "ST106" / "ahci-instead-of-erofs.nix", select=["ST106"])
    assert places(findings) == {("ST106", "ahci-instead-of-erofs.nix", 7, "error")}
    assert "lacks erofs" in findings[0].message and "adds ahci" in findings[0].message
    after, _ = lint_after_fixes(tmp_path, RULES / "ST106" / "ahci-instead-of-erofs.nix", "ST106")
    assert after == []


def test_plain_module_lists_fire_because_they_merge_with_nixos_defaults(tmp_path):
    findings = lint(RULES / "ST106" / "not-forced.nix", select=["ST106"])
    assert code_lines(findings) == {("ST106", 3), ("ST106", 8)}
    assert all("lib.mkForce" in f.message for f in findings)
    after, texts = lint_after_fixes(tmp_path, RULES / "ST106" / "not-forced.nix", "ST106")
    assert after == [] and "boot.initrd.kernelModules = lib.mkForce [ ];" in texts["not-forced.nix"]


def test_initrd_loaded_modules_and_a_missing_vsock_transport_fire(tmp_path):
    findings = lint(RULES / "ST106" / "no-vsock-transport.nix", select=["ST106"])
    assert code_lines(findings) == {("ST106", 8), ("ST106", 9)}
    assert any("vmw_vsock_virtio_transport" in f.message and "TCP" in f.message for f in findings)
    after, texts = lint_after_fixes(tmp_path, RULES / "ST106" / "no-vsock-transport.nix", "ST106")
    assert after == []
    assert 'boot.kernelModules = [ "kvm" "vmw_vsock_virtio_transport" ];' in texts["no-vsock-transport.nix"]


def test_forced_sets_beat_hardware_defaults_and_vsock_may_come_from_another_module():
    assert lint(RULES / "ST106" / "hardware-modules-overridden", select=["ST106"]) == []


def test_missing_module_settings_are_reported(tmp_path):
    write_tree(tmp_path, {"m.nix": "{\n  boot.initrd.systemd.enable = true;\n}\n"})
    findings = lint(tmp_path, select=["ST106"])
    assert {f.message.split(" is not set")[0] for f in findings} == {
        "boot.initrd.availableKernelModules", "boot.initrd.kernelModules", "boot.kernelModules"}
    assert code_lines(findings) == {("ST106", 2)}


def test_a_module_list_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST106" / "modules-from-option.nix", select=["ST106"])
    assert places(findings) == {("ST106", "modules-from-option.nix", 3, "info")}


# --- ST107 grow-partition ---------------------------------------------------------------------

def test_no_partition_growth_fires():
    findings = lint(RULES / "ST107" / "no-grow.nix", select=["ST107"])
    assert places(findings) == {("ST107", "no-grow.nix", 2, "error")}


def test_partition_growth_passes():
    assert lint(RULES / "ST107" / "grow.nix", select=["ST107"]) == []


def test_mkdefault_true_loses_to_the_image_modules_plain_false():
    findings = lint(RULES / "ST107" / "default-loses", select=["ST107"])
    assert places(findings) == {("ST107", "image.nix", 2, "error")}


def test_partition_growth_from_an_option_cannot_be_verified():
    findings = lint(RULES / "ST107" / "grow-from-option.nix", select=["ST107"])
    assert places(findings) == {("ST107", "grow-from-option.nix", 3, "info")}


# --- the evaluator edit these rules rely on ---------------------------------------------------

def test_an_architecture_test_inside_a_list_item_makes_the_configuration_per_system(tmp_path):
    from stereos_lint.systems.project import Project

    path = RULES / "ST102" / "per-arch" / "x86-wrong" / "per-item.nix"
    project = Project([str(path)])
    assert project.systems_for(str(path)) == ["aarch64-linux", "x86_64-linux"]


def test_cannot_verify_names_the_module_whose_whole_configuration_cannot_be_known(tmp_path):
    # `config = if … then { … } else { … };` on a condition that cannot be known: every
    # option it may define cannot be verified, and the message says which module
    write_tree(tmp_path, {
        "host.nix": "{ imports = [ ./raid.nix ]; }\n",
        "raid.nix": "{ config, lib, ... }: {\n  config = if config.boot.swraid.enable then { boot.loader.grub.device = \"/dev/sda\"; }\n"
                    "    else { };\n}\n",
    })
    [finding] = [f for f in lint(tmp_path / "host.nix", select=["ST101"]) if "grub.device" in f.message]
    assert "the configuration of a module (raid.nix:2) cannot be known" in finding.message



def test_no_fix_for_a_value_read_from_a_let_that_other_options_share(tmp_path):
    # `t` also sets stereosd's RestartSec: rewriting the binding would change that too
    text = CLEAN.read_text().replace('DefaultTimeoutStopSec = "3s";', "DefaultTimeoutStopSec = t;")
    text = text.replace("{ config, lib, pkgs, ... }:\n", '{ config, lib, pkgs, ... }:\nlet t = "5s"; in\n', 1)
    text = text.replace("  systemd.services.stereos-ready", '  systemd.services.stereosd.serviceConfig.RestartSec = t;\n'
                        "  systemd.services.stereos-ready", 1)
    assert text.count(" t;") == 2 and 'let t = "5s"; in' in text
    (tmp_path / "boot.nix").write_text(text)
    [found] = lint(tmp_path, select=["ST130"])
    assert "DefaultTimeoutStopSec" in found.message and found.fix is None


def test_a_priority_below_a_plain_one_beats_other_modules_as_the_spec_asks(tmp_path):
    # mkOverride 99 beats every plain definition (fw.nix's true loses), as lib.mkForce does
    text = CLEAN.read_text().replace("networking.firewall.enable = lib.mkForce false;",
                                     "networking.firewall.enable = lib.mkOverride 99 false;")
    assert text != CLEAN.read_text()
    (tmp_path / "boot.nix").write_text(text.replace("{ config, lib, pkgs, ... }:\n",
                                                    "{ config, lib, pkgs, ... }:\n", 1).replace(
        "  boot.growPartition = true;", "  imports = [ ./fw.nix ];\n  boot.growPartition = true;", 1))
    (tmp_path / "fw.nix").write_text("{ networking.firewall.enable = true; }\n")
    assert lint(tmp_path, select=["ST120"]) == []
    (tmp_path / "boot.nix").write_text(text.replace("lib.mkOverride 99 false", "lib.mkOverride 100 false"))
    assert [f.code for f in lint(tmp_path / "boot.nix", select=["ST120"])] == ["ST120"]


def test_a_forced_kernel_parameter_list_has_none_of_nixos_before_it(tmp_path):
    text = CLEAN.read_text().replace(
        'boot.kernelParams = lib.mkMerge [\n    (lib.mkBefore [ "quiet" "loglevel=0" ])\n'
        '    [ "console=tty0" "console=ttyAMA0,115200" "console=hvc0" ]\n  ];',
        'boot.kernelParams = lib.mkForce [ "quiet" "loglevel=0" "console=tty0" "console=ttyAMA0,115200" '
        '"console=hvc0" ];')
    assert text != CLEAN.read_text()
    (tmp_path / "boot.nix").write_text(text)
    assert lint(tmp_path, select=["ST104"]) == []
    (tmp_path / "boot.nix").write_text(text.replace("lib.mkForce [", "["))
    assert [f.code for f in lint(tmp_path, select=["ST104"])] == ["ST104"]


@pytest.mark.parametrize("written", ['DefaultTimeoutStopSec = "0";', "DefaultTimeoutStopSec = 0;", 'DefaultTimeoutStopSec = "0s";'])
def test_a_default_stop_timeout_of_zero_is_none_at_all(tmp_path, written):
    # systemd's main.c: "Traditionally "0" was used to turn off the default unit timeouts"
    text = CLEAN.read_text().replace('DefaultTimeoutStopSec = "3s";', written)
    assert text != CLEAN.read_text()
    (tmp_path / "boot.nix").write_text(text)
    [found] = lint(tmp_path, select=["ST130"])
    assert "turns the timeout off" in found.message and found.fix.edits[0].content == "\"3s\""
