"""The static module evaluator: effective values, priorities, conditions, ordering, provenance."""
from __future__ import annotations

import pytest

from lintutil import FIXTURES, nix_files
from stereos_lint.systems.project import Project
from stereos_lint.nix.values import UnknownValue

EVAL = FIXTURES / "eval"


def config_of(*paths, system=None, root=None):
    project = Project(nix_files(*paths))
    roots = project.roots
    chosen = str(root) if root else roots[0]
    return project.config(chosen, system)


def test_mkforce_beats_plain_definition_in_imported_module():
    config = config_of(EVAL / "firewall-mkforce")
    resolution = config.resolve("networking.firewall.enable")
    assert resolution.value is False
    assert resolution.winner.span.path.endswith("boot.nix")
    assert resolution.winner.span.start_position == (5, 44)
    assert resolution.priority == 50
    loser = next(d for d in resolution.definitions if d.span.path.endswith("base.nix"))
    assert loser.priority == 100
    assert "loses to 50" in resolution.lost_because(loser)


def test_dotted_paths_and_nested_sets_merge():
    config = config_of(EVAL / "forms" / "short-dotted.nix")
    assert config.value("boot.loader.grub.device") == "nodev"
    assert config.value("boot.loader.grub.enable") is True
    assert config.value("boot.loader.grub") == {"device": "nodev", "enable": True, "efiSupport": True}
    assert config.value("services.openssh.ports") == [22, 2222]


def test_quoted_attribute_names():
    config = config_of(EVAL / "forms" / "short-dotted.nix")
    assert config.value('systemd.services."getty@".enable') is False
    assert config.children("systemd.services") == ["getty@"]


def test_full_form_config_and_let_bindings():
    config = config_of(EVAL / "forms" / "full-form.nix")
    assert config.value("services.openssh.ports") == [2222]
    assert config.value("networking.hostName") == "sandbox"
    assert not config.is_defined("options")


def test_inherit_and_inherit_from():
    config = config_of(EVAL / "forms" / "inherit.nix")
    assert config.value("security.polkit.enable") is False
    assert config.value("services.journald.storage") == "volatile"


def test_module_that_is_a_plain_set_not_a_function():
    assert config_of(EVAL / "forms" / "plain-set.nix").value("networking.useDHCP") is False


@pytest.mark.parametrize("option, value, priority", [
    ("networking.firewall.enable", False, 50),
    ("networking.useDHCP", True, 1000),
    ("security.polkit.enable", False, 40),
    ("services.udisks2.enable", True, 1500),
    ("users.mutableUsers", False, 10),
])
def test_priorities_unqualified_under_with_lib(option, value, priority):
    resolution = config_of(EVAL / "priorities" / "with-lib.nix").resolve(option)
    assert (resolution.value, resolution.priority) == (value, priority)


@pytest.mark.parametrize("option, value, winner_file", [
    ("networking.firewall.enable", False, "inherit-lib.nix"),   # mkForce beats plain
    ("networking.useDHCP", False, "others.nix"),                # mkDefault loses to plain
    ("security.polkit.enable", False, "inherit-lib.nix"),       # plain beats mkDefault
    ("services.udisks2.enable", False, "inherit-lib.nix"),      # mkOverride 40 beats mkForce (50)
    ("users.mutableUsers", False, "inherit-lib.nix"),           # mkVMOverride (10) beats mkForce
])
def test_priorities_across_modules_via_let_inherit_lib(option, value, winner_file):
    config = config_of(EVAL / "priorities", root=EVAL / "priorities" / "inherit-lib.nix")
    resolution = config.resolve(option)
    assert resolution.value == value
    assert resolution.winner.span.path.endswith(winner_file)


def test_mkif_known_conditions_are_applied():
    config = config_of(EVAL / "conditions" / "mkif.nix")
    assert config.value("security.polkit.enable") is False
    udisks = config.resolve("services.udisks2.enable")
    assert not udisks.defined and udisks.definitions and not udisks.definitions[0].active
    assert not config.is_defined("documentation.enable")


def test_mkif_unknown_condition_keeps_definition_conditional():
    resolution = config_of(EVAL / "conditions" / "mkif.nix").resolve("services.openssh.enable")
    assert resolution.defined
    assert resolution.uncertain is not None
    assert resolution.definitions[0].conditional
    assert not resolution.known


def test_mkmerge_of_mkif_sets_and_if_then_else():
    config = config_of(EVAL / "conditions" / "mkif-set.nix")
    assert config.value("networking.useNetworkd") is True
    assert config.value("networking.useDHCP") is False
    assert config.value("xdg.portal.enable") is False


def test_list_order_follows_nixos_module_order_and_mkorder():
    # Modules in genericClosure (breadth-first) order: root, a, b, c.  Definitions are
    # concatenated in that order, then stably sorted by mkOrder priority.
    config = config_of(EVAL / "lists-order", root=EVAL / "lists-order" / "root.nix")
    # Collected breadth-first (root, a, b, c), merged in the reverse (c, b, a, root), then
    # sorted by mkOrder, stably -- what lib.evalModules gives (tests/test_oracle.py runs it).
    assert config.value("boot.kernelParams") == [
        "b-before",      # mkBefore = 500
        "b-700",         # mkOrder 700
        "c-plain",       # 1000, collected last, merged first
        "b-plain",       # 1000
        "root-1",        # 1000, collected first, merged last
        "a-after",       # mkAfter = 1500
    ]
    items = config.resolve("boot.kernelParams").items
    assert items[0].span.path.endswith("b.nix") and items[0].span.line == 5


def test_architecture_branches_are_evaluated_per_system():
    project = Project(nix_files(EVAL / "arch" / "if-branches.nix"))
    root = project.roots[0]
    assert project.systems_for(root) == ["aarch64-linux", "x86_64-linux"]
    arm = project.config(root, "aarch64-linux")
    intel = project.config(root, "x86_64-linux")
    assert arm.value("boot.kernelParams")[-1] == "console=hvc0"
    assert intel.value("boot.kernelParams") == ["console=ttyS0,115200"]
    assert (arm.value("networking.hostName"), intel.value("networking.hostName")) == ("arm", "intel")


def test_configuration_without_architecture_condition_is_judged_once():
    project = Project(nix_files(EVAL / "arch" / "no-arch.nix"))
    assert project.systems_for(project.roots[0]) == [None]


def test_values_of_every_kind():
    config = config_of(EVAL / "values" / "literals.nix")
    assert config.value("a.bool") is True
    assert config.value("a.int") == 42
    assert config.value("a.negative") == -3
    assert config.value("a.float") == 1.5
    assert config.resolve("a.null").defined and config.value("a.null") is None
    assert config.value("a.string") == 'plain "quoted" ${not} ready'
    assert config.value("a.path") == "./some/file.conf"
    assert config.value("a.list") == [1, "two", False]
    assert config.value("a.set") == {"x": 1, "y": {"z": "w"}}
    assert config.value("a.indented") == "first line\n  indented ${kept}\nlast\n"
    assert config.value("a.concat") == "ab"
    assert config.value("a.lists") == [1, 2]
    assert config.value("a.update") == {"x": 1, "y": 2}
    assert config.value("a.fn") == 42
    assert config.value("a.optional") == ["on"]


@pytest.mark.parametrize("option, source_text", [
    ("a.interpolated", '"${pkgs.bash}/bin/sh"'),
    ("a.call", "builtins.readFile ./x"),
    ("a.unknownVar", "someUndefinedThing"),
    ("a.configRef", "config.networking.hostName"),
])
def test_what_cannot_be_known_is_unknown_with_its_source(option, source_text):
    value = config_of(EVAL / "values" / "literals.nix").value(option)
    assert isinstance(value, UnknownValue)
    assert value.text == source_text
    assert value.span is not None


def test_imports_resolve_files_directories_and_record_external_entries():
    project = Project(nix_files(EVAL / "imports"))
    assert [p.rsplit("/", 1)[-1] for p in project.roots] == ["root.nix"]
    root = project.roots[0]
    config = project.config(root)
    assert config.value("networking.hostName") == "sub"           # ./sub/module.nix
    assert config.value("networking.useNetworkd") is True         # ../shared.nix from sub/
    assert config.value("security.polkit.enable") is False        # ./dir -> dir/default.nix
    assert config.value("networking.useDHCP") is False            # inline module
    entries = project.module(root, "aarch64-linux").imports
    external = [e for e in entries if e.external]
    assert [e.written for e in external] == ['"${modulesPath}/profiles/qemu-guest.nix"']
    missing = [e for e in entries if e.path and not e.exists]
    assert [e.written for e in missing] == ["./does-not-exist.nix"]


def test_drifted_module_values_match_the_source():
    config = config_of(FIXTURES / "stereos" / "drifted" / "boot.nix")
    params = config.resolve("boot.kernelParams")
    assert params.value == ["quiet", "loglevel=0", "console=tty0", "console=ttyAMA0,115100", "console=hvc0"]
    assert [item.span.line for item in params.items] == [43, 43, 44, 44, 44]
    assert config.value("systemd.settings.Manager") == {
        "DefaultTimeoutStartSec": "20s ", "DefaultDeviceTimeoutSec": "4s"}
    assert config.value("services.journald.extraConfig") == "RuntimeMaxUse=31M\n"


def test_mkif_on_a_config_option_is_decided_by_the_configuration_itself():
    config = config_of(EVAL / "config-refs", root=EVAL / "config-refs" / "root.nix")
    # ssh.nix's whole config is under `mkIf config.services.openssh.enable`, which root.nix sets.
    assert config.value("networking.firewall.allowedTCPPorts") == [22]
    assert config.resolve("networking.firewall.allowedTCPPorts").known
    # services.printing.enable is false (from ssh.nix): the firewall definition is dropped.
    firewall = config.resolve("networking.firewall.enable")
    assert not firewall.defined and firewall.lost_because(firewall.definitions[0]) == "its lib.mkIf condition is false"
    # A leaf that reads another option directly gets its value.
    assert config.value("networking.firewall.allowPing") is True


def test_config_conditions_that_cannot_be_known_stay_conditional():
    config = config_of(EVAL / "config-refs", root=EVAL / "config-refs" / "root.nix")
    polkit = config.resolve("security.polkit.enable")      # services.avahi.enable is never set
    assert polkit.defined and polkit.uncertain and polkit.is_conditional(polkit.definitions[0])
    cycle = config.resolve("a.x")                          # a.x and a.y read each other
    assert cycle.defined and not cycle.known


def test_naming_stdenv_without_asking_the_architecture_is_judged_once(tmp_path):
    """Values are evaluated only as rules ask, so whether a root asks which architecture it
    is on is found by evaluating its files whole, apart: writing `pkgs.stdenv.cc` does not
    ask; `stdenv.hostPlatform.isAarch64` in a list item does."""
    (tmp_path / "once.nix").write_text(
        '{ pkgs, ... }: { environment.systemPackages = [ pkgs.stdenv.cc ];\n'
        '  boot.kernelParams = [ "console=tty0" "console=ttyAMA0" "console=hvc0" ]; }\n')
    (tmp_path / "asks.nix").write_text(
        '{ pkgs, lib, ... }: { boot.kernelParams = [ "quiet" ]\n'
        '  ++ lib.optional pkgs.stdenv.hostPlatform.isAarch64 "console=hvc0"; }\n')
    project = Project([str(tmp_path / "once.nix"), str(tmp_path / "asks.nix")])
    assert project.systems_for(str(tmp_path / "once.nix")) == [None]
    assert project.systems_for(str(tmp_path / "asks.nix")) == ["aarch64-linux", "x86_64-linux"]
    arm = project.config(str(tmp_path / "asks.nix"), "aarch64-linux")
    intel = project.config(str(tmp_path / "asks.nix"), "x86_64-linux")
    assert (arm.value("boot.kernelParams"), intel.value("boot.kernelParams")) == (["quiet", "console=hvc0"], ["quiet"])
