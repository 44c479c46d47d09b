"""System discovery on small repositories written in each test: the shapes it must
read (builders outside flakes, configured systems), what it records instead of
guessing, architectures taken from the system, evaluations shared, and failures
isolated."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lintutil import FIXTURES, write_tree
from stereos_lint.checking.engine import load_rules, run
from stereos_lint.interfaces.cli import main
from stereos_lint.nix.interpreter import Interpreter
from stereos_lint.systems.project import Project

CLEAN_BOOT = (FIXTURES / "stereos" / "clean" / "boot.nix").read_text()


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def findings(path: Path, *args) -> list[dict]:
    return json.loads(invoke("--format", "json", *args, path).output)


def systems(path: Path) -> list[dict]:
    return json.loads(invoke("systems", "--json", path).stdout)   # discovery's problems go to stderr


def listed(path: Path) -> dict[str, tuple]:
    """Each system as (architecture, its module files relative to `path`, what is opaque)."""
    return {s["name"]: (s["system"], [Path(m).relative_to(path).as_posix() for m in s["modules"]], s["opaque"])
            for s in systems(path)}


def flake(hosts: dict[str, str]) -> str:
    """A flake.nix building one system per (name, architecture) from ./boot.nix."""
    configurations = "\n".join(
        f'      {name} = nixpkgs.lib.nixosSystem {{ system = "{arch}"; modules = [ ./boot.nix ]; }};'
        for name, arch in hosts.items())
    return ("{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs/nixos-25.11\";\n"
            "  outputs = { self, nixpkgs }: {\n    nixosConfigurations = {\n"
            f"{configurations}\n    }};\n  }};\n}}\n")


# -- what a system finding assumes -----------------------------------------------------------------

def test_a_system_finding_names_the_modules_it_takes_to_define_nothing(tmp_path):
    # Two hosts share boot.nix, which lacks boot.growPartition and a flake input's module
    # the linter cannot read; one also imports qemu-guest.nix (a public repository's hosts
    # import it or proxmox-lxc.nix this way, and those set options).  "… is not set" holds
    # only if those modules set nothing there: the one finding says so, naming them once for
    # both hosts -- but not qemu-guest.nix, which sets only the initrd's module lists, nor
    # not-detected.nix, which sets only hardware.enableRedistributableFirmware.
    boot = CLEAN_BOOT.replace("boot.growPartition = true;", "")
    assert boot != CLEAN_BOOT
    write_tree(tmp_path, {
        "flake.nix": flake({"web": "aarch64-linux", "db": "aarch64-linux"}).replace(
            "modules = [ ./boot.nix ]; };\n      db", "modules = [ ./boot.nix ./guest.nix ]; };\n      db").replace(
            "outputs = { self, nixpkgs }:", "outputs = { self, nixpkgs, agentd }:").replace(
            "modules = [ ./boot.nix ]; };\n    };", "modules = [ ./boot.nix agentd.nixosModules.default ]; };\n    };"),
        "boot.nix": boot,
        "guest.nix": '{ modulesPath, ... }: {\n  imports = [ "${modulesPath}/profiles/qemu-guest.nix"\n'
                     '    (modulesPath + "/installer/scan/not-detected.nix") ];\n}\n',
    })
    [found] = findings(tmp_path)
    assert (found["code"], Path(found["file"]).name) == ("ST107", "boot.nix")
    assert found["message"].endswith("(assuming that agentd.nixosModules.default, which the linter cannot read, "
                                     "sets nothing here)"), found["message"]
    # one about the initrd's modules names qemu-guest.nix too
    (tmp_path / "boot.nix").write_text(boot.replace("boot.initrd.availableKernelModules", "boot.initrd.unused"))
    [initrd] = [f for f in findings(tmp_path) if f["code"] == "ST106"]
    assert initrd["message"].endswith('(assuming that agentd.nixosModules.default and 1 other module the linter '
                                      'cannot read set nothing here)'), initrd["message"]
    # without any, the claim assumes nothing
    (tmp_path / "guest.nix").write_text("{ }\n")
    (tmp_path / "flake.nix").write_text(flake({"web": "aarch64-linux", "db": "aarch64-linux"}))
    (tmp_path / "boot.nix").write_text(boot)
    [found] = findings(tmp_path)
    assert "assuming" not in found["message"]


@pytest.mark.parametrize("written, assumes", [
    ('services.getty.autologinUser = lib.mkDefault "root";', True),    # a plain definition beats mkDefault
    ('services.getty.autologinUser = "root";', False),                  # only a forced one would
    ('boot.initrd.kernelModules = [ "virtiofs" ];', True),              # a plain definition adds to a list
    ('boot.initrd.kernelModules = lib.mkForce [ "virtiofs" ];', False),
])
def test_a_value_another_modules_plain_definition_would_change_says_what_it_assumes(tmp_path, written, assumes):
    # A public VM's builder profile (nix-builder-vm.nix, which the linter cannot read) sets
    # autologinUser plainly: the mkDefault "root" the finding named was not the value at all.
    boot = CLEAN_BOOT.replace("boot.initrd.kernelModules = lib.mkForce [];", "").replace(
        "services.getty.autologinUser = lib.mkForce null;", "")
    assert len(boot) == len(CLEAN_BOOT) - len("boot.initrd.kernelModules = lib.mkForce [];") - len(
        "services.getty.autologinUser = lib.mkForce null;")
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}).replace("modules = [ ./boot.nix ]",
                                                            "modules = [ ./boot.nix ./builder.nix ]"),
        "boot.nix": boot,
        "builder.nix": '{ lib, modulesPath, ... }: {\n  imports = [ "${modulesPath}/profiles/nix-builder-vm.nix" ];\n'
                       f"  {written}\n}}\n",
    })
    [found] = [f for f in findings(tmp_path) if Path(f["file"]).name == "builder.nix"]
    clause = '(assuming that "${modulesPath}/profiles/nix-builder-vm.nix", which the linter cannot read, sets nothing here)'
    assert found["message"].endswith(clause) is assumes, found["message"]


def test_what_nixos_makes_of_another_option_is_the_options_value(tmp_path):
    # networkd.nix defines the wait-online unit's `enable` as systemd.network.wait-online.enable
    # (plainly): turning that off is not "not set", but still not the forced value the SPEC wants
    boot = CLEAN_BOOT.replace("systemd.services.systemd-networkd-wait-online.enable = lib.mkForce false;",
                              "systemd.network.wait-online.enable = false;")
    assert boot != CLEAN_BOOT
    write_tree(tmp_path, {"flake.nix": flake({"vm": "aarch64-linux"}), "boot.nix": boot})
    [found] = findings(tmp_path)
    assert found["code"] == "ST112" and found["fix"] is None
    assert found["message"].startswith("systemd.services.systemd-networkd-wait-online.enable is false (NixOS's networkd "
                                       "module, from systemd.network.wait-online.enable, boot.nix:"), found["message"]
    assert "but with priority 100, which does not beat another module's plain definition" in found["message"]


def test_a_value_the_spec_requires_forced_is_fixed_forced(tmp_path):
    boot = CLEAN_BOOT.replace("boot.initrd.kernelModules = lib.mkForce [];", 'boot.initrd.kernelModules = [ "virtiofs" ];')
    assert boot != CLEAN_BOOT
    write_tree(tmp_path, {"flake.nix": flake({"vm": "aarch64-linux"}), "boot.nix": boot})
    [found] = [f for f in findings(tmp_path) if f["code"] == "ST106"]
    assert found["fix"]["edits"][0]["content"] == "lib.mkForce [ ]"


def test_a_fragments_plain_list_of_some_spec_modules_is_not_called_the_spec_set(tmp_path):
    # A public fleet's unreferenced hardware file lists three of the SPEC's initrd modules
    # at a plain priority: wrong (NixOS merges its defaults in), but not "the SPEC set".
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}),
        "boot.nix": CLEAN_BOOT,
        "hosts/fra0/hardware.nix": '{\n  boot.initrd.availableKernelModules = [ "virtio_pci" "virtio_net" ];\n}\n',
    })
    [found] = findings(tmp_path, "--select", "ST106")
    assert (Path(found["file"]).name, found["line"]) == ("hardware.nix", 2)
    assert found["message"].startswith("boot.initrd.availableKernelModules holds SPEC modules only (")
    assert 'requires lib.mkForce [ "virtio_blk"' in found["message"]


def test_a_fragment_importing_a_systems_file_is_not_counted_among_its_systems(tmp_path):
    # A public flake's darwin host imports a module its one NixOS system also imports; the
    # darwin host is a fragment, which reports only in fragments: a finding in the shared
    # module holds in every system that has it, not "(in 1 of 2 systems: vm)".
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}),
        "boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
        "darwin/host.nix": "{ imports = [ ../boot.nix ]; services.udisks2.enable = false; }\n",
    })
    [found] = findings(tmp_path)
    assert (found["code"], Path(found["file"]).name) == ("ST107", "boot.nix")
    assert found["message"].endswith("the partition must grow with it"), found["message"]


# -- architectures come from the system --------------------------------------------------------------

def test_an_architecture_condition_does_not_make_an_aarch64_only_flake_judged_on_x86_64(tmp_path):
    write_tree(tmp_path, {"flake.nix": flake({"vm": "aarch64-linux"}), "boot.nix": CLEAN_BOOT})
    assert findings(tmp_path) == []
    # The same value on both architectures, written as a condition: nothing changes, because
    # the flake builds aarch64-linux only (before systems, this made x86_64 judged: ST102).
    agreeing = CLEAN_BOOT.replace("boot.growPartition = true;",
                                  "boot.growPartition = if pkgs.stdenv.hostPlatform.isAarch64 then true else true;")
    assert agreeing != CLEAN_BOOT
    (tmp_path / "boot.nix").write_text(agreeing)
    assert findings(tmp_path) == []
    assert [s["system"] for s in systems(tmp_path)] == ["aarch64-linux"]


def test_an_x86_64_console_mistake_is_caught_when_the_flake_builds_x86_64(tmp_path):
    write_tree(tmp_path, {"flake.nix": flake({"vm": "aarch64-linux", "vm-x86": "x86_64-linux"}),
                          "boot.nix": CLEAN_BOOT})
    found = findings(tmp_path)
    assert [(f["code"], f["file"].rsplit("/", 1)[-1]) for f in found] == [("ST102", "boot.nix")]
    assert "hvc0" in found[0]["message"] and "ttyS0" in found[0]["message"]
    assert found[0]["message"].endswith("(in 1 of 2 systems: vm-x86)")


def test_the_architecture_is_read_from_nixpkgs_host_platform(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": ("{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem "
                      "{ modules = [ ./hardware.nix ./boot.nix ]; }; }; }\n"),
        "hardware.nix": '{ lib, ... }: { nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux"; }\n',
        "boot.nix": CLEAN_BOOT,
    })
    [box] = systems(tmp_path)
    assert box["system"] == "x86_64-linux"
    assert [f["code"] for f in findings(tmp_path)] == ["ST102"]   # hvc0 last, on x86_64


@pytest.mark.parametrize("host, pkgs, arch", [
    # flake-parts: the package set withSystem gives, handed to the system as nixpkgs.pkgs
    ('withSystem "x86_64-linux" ({ pkgs, ... }: inputs.nixpkgs.lib.nixosSystem {', "pkgs", "x86_64-linux"),
    ('withSystem "aarch64-linux" ({ pkgs, ... }: inputs.nixpkgs.lib.nixosSystem {', "pkgs", "aarch64-linux"),
    # nixpkgs imported for a system
    ("(inputs.nixpkgs.lib.nixosSystem {", 'import inputs.nixpkgs { system = "x86_64-linux"; }', "x86_64-linux"),
    ("(inputs.nixpkgs.lib.nixosSystem {", "import inputs.nixpkgs { localSystem.system = \"x86_64-linux\"; }",
     "x86_64-linux"),
    # a package set whose system is not known says nothing
    ("(inputs.nixpkgs.lib.nixosSystem {", "import inputs.nixpkgs { }", None),
])
def test_the_architecture_is_read_from_the_package_set_given_as_nixpkgs_pkgs(tmp_path, host, pkgs, arch):
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } ({ withSystem, ... }: {
    systems = [ "x86_64-linux" "aarch64-linux" ];
    flake.nixosConfigurations.box = HOST
      modules = [ { nixpkgs.pkgs = PKGS; } ./boot.nix ];
    });
  });
}
""".replace("HOST", host).replace("PKGS", pkgs),
        "boot.nix": CLEAN_BOOT,
    })
    [box] = systems(tmp_path)
    assert box["system"] == arch
    # judged on that architecture: hvc0 last is right on aarch64, wrong on x86_64 (a system whose
    # architecture is not known, and whose modules never ask, is judged once)
    assert [f["code"] for f in findings(tmp_path)] == (["ST102"] if arch == "x86_64-linux" else [])


def test_a_module_handing_on_its_own_pkgs_names_no_architecture(tmp_path):
    # A module's `pkgs` is the package set of the architecture being judged: reading that
    # back as the system's own would be circular.
    write_tree(tmp_path, {
        "flake.nix": ("{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem "
                      "{ modules = [ ./pkgs.nix ./boot.nix ]; }; }; }\n"),
        "pkgs.nix": "{ pkgs, ... }: { nixpkgs.pkgs = pkgs; }\n",
        "boot.nix": CLEAN_BOOT,
    })
    [box] = systems(tmp_path)
    assert box["system"] is None


def test_a_module_imports_a_file_and_what_it_reads_of_the_architecture_counts(tmp_path):
    # `import ./params.nix { inherit pkgs; }` is followed (the value is the file's), and the
    # file's question about the architecture makes a system of unknown architecture judged
    # on each: its module's own text names none of the ways to it
    write_tree(tmp_path, {
        "flake.nix": ("{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem "
                      "{ modules = [ ./host.nix ]; }; }; }\n"),
        "host.nix": "{ pkgs, ... }: { boot.kernelParams = import ./params.nix { inherit pkgs; }; }\n",
        "params.nix": ('{ pkgs }: if pkgs.stdenv.hostPlatform.isAarch64 then [ "console=ttyAMA0" ] '
                       'else [ "console=ttyS0" ]\n'),
    })
    records = json.loads(invoke("eval", "boot.kernelParams", "--system", "box", "--json", tmp_path).output)
    assert {(r["system"], tuple(r["value"])) for r in records} == {
        ("aarch64-linux", ("console=ttyAMA0",)), ("x86_64-linux", ("console=ttyS0",))}


def test_a_string_naming_self_is_not_read_while_the_outputs_are_made(tmp_path):
    # `"${self}/host.nix"` in a `let` of the outputs: evaluated when used, not when the
    # `let` is, so the flake's `self` is its outputs by then
    write_tree(tmp_path, {
        "flake.nix": ("{ outputs = { self, nixpkgs }: let module = \"${self}/host.nix\"; in {\n"
                      "  nixosConfigurations.box = nixpkgs.lib.nixosSystem "
                      "{ system = \"x86_64-linux\"; modules = [ module ]; };\n}; }\n"),
        "host.nix": "{ ... }: { networking.hostName = \"box\"; }\n",
    })
    [box] = systems(tmp_path)
    assert [Path(m).name for m in box["modules"]] == ["host.nix"]


def test_a_system_whose_architecture_cannot_be_known_records_why(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": ("{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem "
                      "{ system = builtins.currentSystem; modules = [ ./boot.nix ]; }; }; }\n"),
        "boot.nix": CLEAN_BOOT,
    })
    [box] = systems(tmp_path)
    assert box["system"] is None
    assert box["gaps"] == ["the architecture cannot be known: nixosSystem's system is builtins.currentSystem"]


# -- shapes outside flakes, and the configuration ------------------------------------------------------

@pytest.mark.parametrize("tool", ["morph", "nixops"])
def test_a_morph_or_nixops_network_is_a_system_per_node(tmp_path, tool):
    # the network files colmena's hive comes from: `network` holds the settings (morph's
    # `network.pkgs` names the architecture), `defaults` is in every node
    settings = ('network.pkgs = import <nixpkgs> { system = "x86_64-linux"; };' if tool == "morph"
                else 'network.description = "web";')
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "network.nix": f"""{{
  {settings}
  defaults = {{ imports = [ ./common.nix ]; }};
  web = {{ config, ... }}: {{ deployment.targetHost = "web.example"; imports = [ ./web.nix ]; }};
  db = {{ deployment.targetHost = "db.example"; imports = [ ./db.nix ]; }};
}}
""",
        "common.nix": CLEAN_BOOT,
        "web.nix": "{ ... }: { services.nginx.enable = true; }\n",
        "db.nix": "{ ... }: { services.postgresql.enable = true; }\n",
    })
    found = listed(tmp_path)
    arch = "x86_64-linux" if tool == "morph" else None
    assert found == {
        "network.nix:db": (arch, ["network.nix", "common.nix", "db.nix"], ["network.deploymentOptions"]),
        "network.nix:web": (arch, ["network.nix", "common.nix", "web.nix"], ["network.deploymentOptions"]),
    }


@pytest.mark.parametrize("nodes", ["known", "from terraform"])
def test_a_colmena_hive_without_a_flake(tmp_path, nodes):
    # hive.nix, as colmena reads it without a flake: a system per node; where its nodes come
    # from what discovery cannot read (`terraform show -json`), that is said, and every
    # file is a fragment -- the hive file is no module of a system of its own
    extra = (' // builtins.listToAttrs (map (h: { name = h; value = web; }) (builtins.fromJSON '
             '(builtins.readFile ./show.json)).hosts)' if nodes == "from terraform" else "")
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "hive.nix": f"""let web = {{ imports = [ ./web.nix ]; deployment.targetHost = "web"; }}; in {{
  meta.nixpkgs = import <nixpkgs> {{ system = "aarch64-linux"; }};
  defaults = {{ imports = [ ./common.nix ]; }};
  inherit web;
}}{extra}
""",
        "common.nix": CLEAN_BOOT,
        "web.nix": "{ ... }: { services.nginx.enable = true; }\n",
    })
    if nodes == "known":
        [web] = systems(tmp_path)
        assert (web["name"], web["system"], [Path(m).relative_to(tmp_path).as_posix() for m in web["modules"]]) == (
            "hive.nix:web", "aarch64-linux", ["hive.nix", "common.nix", "web.nix"])
    else:
        listing = invoke("systems", tmp_path).output
        assert "No system could be known" in listing and "hive.nix: the machines it deploys cannot be known" in listing
    assert findings(tmp_path) == []


def test_a_nixos_system_of_an_input_that_is_not_nixpkgs_adds_modules_of_its_own(tmp_path):
    # nixos-raspberrypi.lib.nixosSystem: the library's own modules are recorded as opaque
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.nixos-raspberrypi.url = "github:nvmd/nixos-raspberrypi/main";
  outputs = { nixpkgs, nixos-raspberrypi, ... }: {
    nixosConfigurations.pi = nixos-raspberrypi.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./pi.nix ]; };
    nixosConfigurations.pc = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./pi.nix ]; };
  };
}
""",
        "pi.nix": "{ ... }: { }\n",
    })
    assert {s["name"]: s["opaque"] for s in systems(tmp_path)} == {
        "pi": ["the modules inputs.nixos-raspberrypi.lib.nixosSystem adds"], "pc": []}


def test_nixpkgs_pinned_outside_a_flake_niv_and_fetch_tarball(tmp_path):
    # niv's sources.nixpkgs (a set of the pin with its fetched outPath) and a fetchTarball
    # of nixpkgs are nixpkgs: its NixOS entry, eval-config.nix and pkgs.nixos, on the
    # package set's system
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "nix/sources.json": '{ "nixpkgs": { "owner": "NixOS", "repo": "nixpkgs", "type": "tarball",'
                            ' "url": "https://github.com/NixOS/nixpkgs/archive/abc.tar.gz", "sha256": "0" } }\n',
        "nix/sources.nix": "let sources = builtins.fromJSON (builtins.readFile ./sources.json); in\n"
                           "builtins.mapAttrs (name: spec: spec // { outPath = builtins.fetchTarball { inherit (spec)"
                           " url sha256; }; }) sources\n",
        "default.nix": """let sources = import ./nix/sources.nix; in {
  web = import "${sources.nixpkgs}/nixos" { configuration = ./web.nix; system = "x86_64-linux"; };
  db = import (sources.nixpkgs + "/nixos/lib/eval-config.nix") { system = "aarch64-linux"; modules = [ ./db.nix ]; };
  img = (import sources.nixpkgs { system = "x86_64-linux"; }).nixos ./web.nix;
  vm = (import (builtins.fetchTarball "https://github.com/NixOS/nixpkgs/archive/abc.tar.gz") {
    system = "aarch64-linux"; }).nixos ./db.nix;
}
""",
        "web.nix": "{ ... }: { services.nginx.enable = true; }\n",
        "db.nix": "{ ... }: { services.postgresql.enable = true; }\n",
    })
    assert {s["name"]: s["system"] for s in systems(tmp_path)} == {
        "web": "x86_64-linux", "db": "aarch64-linux", "img": "x86_64-linux", "vm": "aarch64-linux"}


def test_eval_config_and_nixpkgs_nixos_outside_a_flake(tmp_path):
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "default.nix": """{ nixpkgs ? <nixpkgs> }:
{
  vm = import "${nixpkgs}/nixos/lib/eval-config.nix" {
    system = "x86_64-linux";
    modules = [ ./vm.nix ];
  };
  box = (import <nixpkgs/nixos> { configuration = ./box.nix; system = "aarch64-linux"; }).config.system.build.toplevel;
  legacy = (import <nixpkgs> { }).lib.nixosSystem { system = "aarch64-linux"; modules = [ ./box.nix ]; };
}
""",
        "vm.nix": "{ networking.hostName = \"vm\"; }\n",
        "box.nix": "{ networking.hostName = \"box\"; }\n",
    })
    found = {s["name"]: (s["system"], [Path(m).name for m in s["modules"]]) for s in systems(tmp_path)}
    assert found == {"vm": ("x86_64-linux", ["vm.nix"]), "box": ("aarch64-linux", ["box.nix"]),
                     "legacy": ("aarch64-linux", ["box.nix"])}


def test_modules_that_cannot_be_known_are_gaps_and_like_input_modules_opaque(tmp_path):
    # (opaque: a system finding names them among the modules it takes to set nothing -- a
    # public flake's `"${nixpkgs}/nixos/modules/installer/cd-dvd/…"` was a gap only, and its
    # findings assumed nothing of it)
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { nixpkgs, disko, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./host.nix disko.nixosModules.disko (someFunction ./x.nix) ./missing.nix ];
    };
  };
}
""",
        "host.nix": "{ networking.hostName = \"host\"; }\n",
    })
    [host] = systems(tmp_path)
    assert [Path(m).name for m in host["modules"]] == ["host.nix"]
    assert host["opaque"] == ["disko.nixosModules.disko", "someFunction ./x.nix"]
    assert host["gaps"][0] == "module someFunction ./x.nix cannot be known: call of an unknown function"
    assert host["gaps"][1].startswith("module ./missing.nix does not exist")


def test_systems_named_in_the_configuration_win_over_discovery(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}),
        "boot.nix": CLEAN_BOOT,
        "intel.nix": '{ boot.kernelParams = [ "console=ttyS0,115200" ]; }\n',
        ".stereos-lint.toml": '[systems.intel]\nmodules = ["boot.nix", "intel.nix"]\nsystem = "x86_64-linux"\n',
    })
    [intel] = systems(tmp_path)
    assert intel["name"] == "intel" and intel["system"] == "x86_64-linux"
    assert intel["declared_at"] == {"file": str(tmp_path / ".stereos-lint.toml"), "line": 1, "column": 1}
    assert [Path(m).name for m in intel["modules"]] == ["boot.nix", "intel.nix"]


def test_without_any_system_module_graph_roots_stand_in(tmp_path):
    write_tree(tmp_path, {"modules/boot.nix": CLEAN_BOOT})
    assert systems(tmp_path / "modules") == []
    assert findings(tmp_path / "modules") == []
    (tmp_path / "modules" / "boot.nix").write_text(CLEAN_BOOT.replace("boot.growPartition = true;", ""))
    assert [f["code"] for f in findings(tmp_path / "modules")] == ["ST107"]   # a root is a whole system


def test_a_flake_that_builds_systems_it_cannot_show_makes_no_root_a_system(tmp_path):
    # flake.nix does not parse (a `;` is missing), but it names nixosSystem: what it builds
    # cannot be known, so nothing is judged as a whole system -- the fragment's wrong value
    # is still reported, nothing is "not set".
    broken = flake({"vm": "aarch64-linux"}).replace("modules = [ ./boot.nix ]; };", "modules = [ ./boot.nix ] };")
    write_tree(tmp_path, {"flake.nix": broken, "boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", "")})
    assert systems(tmp_path) == []
    assert {f["code"] for f in findings(tmp_path)} == {"NX000"}
    (tmp_path / "boot.nix").write_text(CLEAN_BOOT.replace("boot.growPartition = true;", "boot.growPartition = false;"))
    assert sorted(f["code"] for f in findings(tmp_path)) == ["NX000", "ST107"]


def test_a_flake_that_names_no_system_builder_still_lets_roots_stand_in(tmp_path):
    # A module library whose flake only makes dev shells through an input's function: its
    # outputs cannot be read, and nothing says it builds a system.
    write_tree(tmp_path, {
        "flake.nix": "{\n  outputs = { self, nixpkgs, flake-utils }: flake-utils.lib.eachDefaultSystem (system: {\n"
                     "    devShells.default = nixpkgs.legacyPackages.${system}.mkShell { };\n  });\n}\n",
        "modules/boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
    })
    assert systems(tmp_path) == []
    assert [f["code"] for f in findings(tmp_path)] == ["ST107"]   # the root is a whole system: not set


def test_an_inputs_own_mk_flake_is_not_flake_parts_and_its_systems_cannot_be_known(tmp_path):
    # digga builds nixosConfigurations from `nixos.hosts`; its mkFlake is not
    # flake-parts' (which discovery models), so the systems cannot be known, and the hosts
    # are judged as fragments -- never each file as a whole system
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.digga.url = "github:divnix/digga";
  outputs = { self, digga, ... }@inputs: digga.lib.mkFlake {
    inherit self inputs;
    nixos.hosts.box.modules = [ ./hosts/box.nix ];
  };
}
""",
        "hosts/box.nix": "{ ... }: { networking.firewall.enable = true; }\n",
    })
    listing = invoke("systems", tmp_path)
    assert "No system could be known" in listing.output
    assert "its outputs cannot be known: digga.lib.mkFlake" in listing.output
    assert [f["code"] for f in findings(tmp_path)] == ["ST120"]   # what box.nix defines, not what it leaves unset


def test_flake_utils_plus_hosts_merged_with_their_defaults(tmp_path):
    # fup's mkFlake: each host's modules after hostDefaults' (mergeAny), its own system or
    # x86_64-linux, extraArgs as module arguments; exportModules names files; a darwin
    # host is none of NixOS's; every other argument is an output
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.fup.url = "github:gytis-ivaskevicius/flake-utils-plus";
  inputs.darwin.url = "github:lnl7/nix-darwin";
  outputs = { self, fup, darwin, ... }@inputs: let
    modules = fup.lib.exportModules [ ./config/boot.nix ./config/net ];
  in fup.lib.mkFlake {
    inherit self inputs;
    hostDefaults.modules = [ modules.boot ];
    hostDefaults.extraArgs.owner = "ada";
    hosts.pc.modules = [ ./hosts/pc.nix modules.net ];
    hosts.pi = { system = "aarch64-linux"; modules = [ ./hosts/pi.nix ]; };
    hosts.mac = { system = "aarch64-darwin"; output = "darwinConfigurations"; builder = darwin.lib.darwinSystem;
                  modules = [ ./hosts/mac.nix ]; };
    nixosModules.boot = modules.boot;
  };
}
""",
        "hosts/mac.nix": "{ ... }: { documentation.enable = true; }\n",
        "config/boot.nix": CLEAN_BOOT,
        "config/net/default.nix": "{ ... }: { imports = [ ./dns.nix ]; networking.firewall.enable = false; }\n",
        "config/net/dns.nix": "{ ... }: { networking.nameservers = [ \"10.0.2.3\" ]; }\n",
        "hosts/pc.nix": "{ owner, ... }: { networking.hostName = \"${owner}-pc\"; }\n",
        "hosts/pi.nix": "{ ... }: { networking.hostName = \"pi\"; }\n",
    })
    found = listed(tmp_path)
    assert found == {"pc": ("x86_64-linux", ["config/boot.nix", "hosts/pc.nix", "config/net/default.nix",
                                             "config/net/dns.nix"], ["flake-utils-plus.modules"]),
                     "pi": ("aarch64-linux", ["config/boot.nix", "hosts/pi.nix"], ["flake-utils-plus.modules"])}
    [record] = json.loads(invoke("eval", "networking.hostName", "--system", "pc", "--json", tmp_path).output)
    assert record["value"] == "ada-pc"
    assert not any(f["file"].endswith("mac.nix") for f in findings(tmp_path))   # nix-darwin's, not NixOS's


CLAN_TREE = {
    "machines/jon/configuration.nix": "{ ... }: { imports = [ ../../modules/shared.nix ]; }\n",
    "machines/jon/hardware-configuration.nix": '{ lib, ... }: { nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux"; }\n',
    "machines/jon/disko.nix": "{ ... }: { disko.devices = { }; }\n",
    "machines/sara/configuration.nix": "{ ... }: { networking.firewall.enable = false; }\n",
    "machines/sara/facter.json": '{ "version": 1, "system": "aarch64-linux" }\n',
    "modules/shared.nix": CLEAN_BOOT,
}


@pytest.mark.parametrize("form", ["flake-parts", "lib.clan", "lib.buildClan"])
def test_clan_machines_from_the_machines_folder_and_the_settings(tmp_path, form):
    # clan includes each folder of machines/ and its configuration, hardware and disko
    # files; `machines.NAME` adds a module (and a machine), also from an imported clan.nix;
    # inventory.json adds machines; facter.json names the architecture; a machine of
    # another class is none of NixOS's
    settings = """
      imports = [ ./clan.nix ];
      machines.sara = { services.openssh.enable = true; };
      inventory.machines.mac.machineClass = "darwin";
"""
    outputs = {
        "flake-parts": "flake-parts.lib.mkFlake { inherit inputs; } {\n"
                       "    imports = [ inputs.clan-core.flakeModules.default ];\n"
                       f"    clan = {{ meta.name = \"home\"; {settings} }};\n  }}",
        "lib.clan": f"let clan = clan-core.lib.clan {{ inherit self; {settings} }}; in "
                    "{ inherit (clan.config) nixosConfigurations; }",
        "lib.buildClan": f"clan-core.lib.buildClan {{ directory = self; {settings} }}",
    }[form]
    write_tree(tmp_path, {**CLAN_TREE, "clan.nix": '{ ... }: { machines.extra = { networking.hostName = "extra"; }; }\n',
                          "inventory.json": '{ "machines": { "json-only": { }, "mbp": { "machineClass": "darwin" } } }\n',
                          "flake.nix": f"""{{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
  outputs = inputs@{{ self, flake-parts, clan-core, ... }}: {outputs};
}}
"""})
    found = listed(tmp_path)
    assert found == {
        "extra": (None, ["clan.nix"], ["clan-core.modules"]),
        "json-only": (None, [], ["clan-core.modules"]),
        "jon": ("x86_64-linux", ["machines/jon/configuration.nix", "machines/jon/hardware-configuration.nix",
                                 "machines/jon/disko.nix", "modules/shared.nix"], ["clan-core.modules"]),
        "sara": ("aarch64-linux", ["machines/sara/configuration.nix", "flake.nix"], ["clan-core.modules"]),
    }
    [record] = json.loads(invoke("eval", "services.openssh.enable", "--system", "sara", "--json", tmp_path).output)
    assert record["value"] is True


@pytest.mark.parametrize("auto", [False, True])
def test_easy_hosts_hosts_of_the_nixos_classes(tmp_path, auto):
    # easy-hosts: hosts/NAME/default.nix by default (or the folders autoConstruct reads),
    # then the host's, shared, perClass and perTag modules (perClass may read the flake's
    # `self`); a class additionalClasses maps to nixos is NixOS's, darwin is not
    hosts = ("autoConstruct = true; path = ./systems; hosts.pc.modules = [ ./extra.nix ];" if auto else
             'hosts.pc = { class = "wsl"; modules = [ ./extra.nix ]; tags = [ "desk" ]; }; hosts.pi.arch = "aarch64"; '
             'hosts.mac = { arch = "aarch64"; class = "darwin"; };')
    write_tree(tmp_path, {
        "flake.nix": f"""{{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.easy-hosts.url = "github:tgirlcloud/easy-hosts";
  outputs = inputs@{{ flake-parts, ... }}: flake-parts.lib.mkFlake {{ inherit inputs; }} ({{ self, ... }}: {{
    imports = [ inputs.easy-hosts.flakeModule ];
    easy-hosts = {{
      additionalClasses.wsl = "nixos";
      shared.modules = [ ./shared.nix ];
      perClass = class: {{ modules = [ "${{self}}/classes/${{class}}.nix" ]; }};
      perTag = tag: {{ modules = [ ./tags/${{tag}}.nix ]; }};
      {hosts}
    }};
  }});
}}
""",
        "hosts/pc/default.nix" if not auto else "systems/x86_64-linux/pc/default.nix": "{ ... }: { }\n",
        "hosts/pi/default.nix" if not auto else "systems/aarch64-linux/pi/default.nix": "{ ... }: { }\n",
        "hosts/mac/default.nix" if not auto else "systems/aarch64-darwin/mac/default.nix": "{ ... }: { }\n",
        "extra.nix": "{ ... }: { networking.firewall.enable = false; }\n",
        "shared.nix": CLEAN_BOOT,
        "classes/wsl.nix": "{ ... }: { }\n",
        "classes/nixos.nix": "{ ... }: { }\n",
        "tags/desk.nix": "{ ... }: { }\n",
    })
    found = {s["name"]: (s["system"], [Path(m).relative_to(tmp_path).as_posix() for m in s["modules"]])
             for s in systems(tmp_path)}
    entry = "systems/{}/{}/default.nix" if auto else "hosts/{1}/default.nix"
    assert found == {
        "pc": ("x86_64-linux", [entry.format("x86_64-linux", "pc"), "extra.nix", "shared.nix"]
               + (["classes/nixos.nix"] if auto else ["classes/wsl.nix", "tags/desk.nix"])),
        "pi": ("aarch64-linux", [entry.format("aarch64-linux", "pi"), "shared.nix", "classes/nixos.nix"]),
    }


@pytest.mark.parametrize("url, library", [
    ("github:numtide/flake-utils", "flake_utils"), ("github:gytis-ivaskevicius/flake-utils-plus", "flake_utils_plus"),
    ("git+https://git.clan.lol/clan/clan-core", "clan"), ("https://git.clan.lol/clan/clan-core/archive/main.tar.gz",
                                                          "clan"),
    ("github:karpfediem/ez-configs/badidea", "ez_configs"), ("github:isabelroses/easy-hosts", "easy_hosts"),
    ("git+https://codeberg.org/someone/colmena?ref=fix", "colmena"), ("github:numtide/flake-utils-extra", None),
    ("github:hercules-ci/flake-parts", None), ("github:snowfallorg/lib", "snowfall"), ("github:someone/lib", None),
    ("github:numtide/blueprint", "blueprint"), ("github:numtide/blueprint-extra", None),
    ("github:srid/nixos-unified", "nixos_unified"), ("github:srid/nixos-flake", "nixos_unified"),
    ("flake-utils", "flake_utils"), ("flake:flake-utils", "flake_utils"),   # the flake registry's names
    ("flake-utils-plus/v1.5.1", "flake_utils_plus"), ("flake-utils-extra", None),
])
def test_a_flake_library_is_known_by_its_repositorys_name_whoever_owns_it(url, library):
    # a fork keeps the library's name; the name the flake gives the input is its own choice
    from stereos_lint.systems.flake_libraries import LIBRARIES

    found = [module.__name__.rsplit(".", 1)[-1] for module in LIBRARIES if module.URL.search(url)]
    assert found == ([library] if library else [])


@pytest.mark.parametrize("url, nixpkgs", [("github:NixOS/nixpkgs/nixos-unstable", True), ("nixpkgs", True),
                                          ("nixpkgs/nixos-unstable", True), ("flake:nixpkgs", True),
                                          ("nixpkgs-wayland", False), ("github:nix-community/nixpkgs-wayland", False)])
def test_nixpkgs_is_known_by_its_repository_or_its_flake_registry_name(url, nixpkgs):
    from stereos_lint.systems.flake_libraries import is_nixpkgs_url

    assert is_nixpkgs_url(url) is nixpkgs


def test_ez_configs_hosts_of_the_configurations_folder(tmp_path):
    # ez-configs: a host per module of nixos.configurationsDirectory (NAME.nix or
    # NAME/default.nix), with the modules folder's `default` unless importDefault is
    # false, and ezModules (that folder's modules by name) as a special argument; the file
    # setting ezConfigs, where it lies in that folder, is no host
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.ez-configs.url = "github:ehllie/ez-configs";
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.ez-configs.flakeModule ./systems ];
    systems = [ "x86_64-linux" ];
  };
}
""",
        "systems/default.nix": """{ inputs, ... }: {
  ezConfigs.globalArgs = { inherit inputs; };
  ezConfigs.nixos = { modulesDirectory = ./modules; configurationsDirectory = ./.; hosts.lean.importDefault = false; };
}
""",
        "systems/pc/default.nix": "{ ezModules, ... }: { imports = [ ezModules.desktop ]; }\n",
        "systems/lean.nix": "{ ... }: { networking.firewall.enable = false; }\n",
        "systems/modules/default.nix": CLEAN_BOOT,
        "systems/modules/desktop.nix": "{ ... }: { services.xserver.enable = true; }\n",
    })
    found = {s["name"]: [Path(m).relative_to(tmp_path).as_posix() for m in s["modules"]] for s in systems(tmp_path)}
    assert found == {"lean": ["systems/lean.nix"],
                     "pc": ["systems/pc/default.nix", "systems/modules/default.nix", "systems/modules/desktop.nix"]}


@pytest.mark.parametrize("prefix", ["", "nix/"])
def test_blueprint_hosts_of_the_hosts_folder(tmp_path, prefix):
    # numtide/blueprint: `inputs.blueprint { inherit inputs; prefix = …; }`; a NixOS system
    # per hosts/NAME with a configuration.nix (architecture from its nixpkgs.hostPlatform,
    # special arguments flake, inputs and hostName) or a default.nix returning
    # { class = "nixos"; value = nixosSystem …; }; darwin hosts are none.  modules/TYPE/NAME
    # are flake.modules.TYPE.NAME (and nixosModules.NAME): the file, or -- where its function
    # takes only flake and inputs -- what it returns given them; that module's file is one
    # of the system's, though it is imported as a value
    setting = f' prefix = "{prefix}";' if prefix else ""
    write_tree(tmp_path, {
        "flake.nix": f"""{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.blueprint.url = "github:numtide/blueprint";
  outputs = inputs: inputs.blueprint {{ inherit inputs;{setting} }};
}}
""",
        f"{prefix}hosts/web/configuration.nix": """{ flake, inputs, hostName, ... }: {
  imports = [ flake.nixosModules.server flake.modules.nixos.common inputs.srvos.nixosModules.server ];
  nixpkgs.hostPlatform = "x86_64-linux";
  networking.hostName = hostName;
}
""",
        f"{prefix}hosts/pi/configuration.nix": """{ flake, ... }: {
  imports = [ flake.modules.nixos.common ];
  nixpkgs.hostPlatform = "aarch64-linux";
}
""",
        f"{prefix}hosts/mac/darwin-configuration.nix": "{ ... }: { system.stateVersion = 5; }\n",
        f"{prefix}hosts/custom/default.nix": """{ flake, inputs, hostName }: {
  class = "nixos";
  value = inputs.nixpkgs.lib.nixosSystem {
    system = "aarch64-linux";
    modules = [ ./machine.nix flake.nixosModules.server ];
  };
}
""",
        f"{prefix}hosts/custom/machine.nix": "{ ... }: { networking.hostName = \"custom\"; }\n",
        f"{prefix}modules/nixos/server/default.nix": "{ flake, inputs }:\n{ lib, ... }: { services.udisks2.enable = true; }\n",
        f"{prefix}modules/nixos/common.nix": "{ config, lib, ... }: { networking.firewall.enable = false; }\n",
    })
    found = listed(tmp_path)
    assert found == {
        "custom": ("aarch64-linux", [f"{prefix}hosts/custom/machine.nix", f"{prefix}modules/nixos/server/default.nix"],
                   []),
        "pi": ("aarch64-linux", [f"{prefix}hosts/pi/configuration.nix", f"{prefix}modules/nixos/common.nix"],
               ["blueprint.modules"]),
        "web": ("x86_64-linux", [f"{prefix}hosts/web/configuration.nix", f"{prefix}modules/nixos/server/default.nix",
                                 f"{prefix}modules/nixos/common.nix"],
                ["blueprint.modules", "inputs.srvos.nixosModules.server"]),
    }
    [record] = json.loads(invoke("eval", "networking.hostName", "--system", "web", "--json", tmp_path).output)
    assert record["value"] == "web"
    declared = {s["name"]: Path(s["declared_at"]["file"]).relative_to(tmp_path).as_posix() for s in systems(tmp_path)}
    assert declared["web"] == f"{prefix}hosts/web/configuration.nix"   # the host's file, not blueprint's call
    udisks = [f for f in findings(tmp_path, "--select", "ST122") if "udisks2.enable is true" in f["message"]]
    assert [Path(f["file"]).relative_to(tmp_path).as_posix() for f in udisks] == [
        f"{prefix}modules/nixos/server/default.nix"]


def test_why_a_librarys_outputs_cannot_be_known_is_said(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": ('{\n  inputs.nixos-unified.url = "github:srid/nixos-unified";\n'
                      '  outputs = inputs: inputs.nixos-unified.lib.mkFlake { inherit inputs; root = ./.; };\n}\n'),
        "configurations/nixos/box.nix": "{ ... }: { }\n",
    })
    listing = invoke("systems", tmp_path)
    assert "(nixos-unified's mkFlake without a folder of flake modules)" in listing.output


@pytest.mark.parametrize("host_file", ["configuration.nix", "default.nix"])
def test_outputs_of_an_unknown_library_in_a_repository_of_hosts_are_unknown_systems(tmp_path, host_file):
    # a wrapper of blueprint from another input: the outputs cannot be known, and a host's
    # configuration.nix says they include systems -- every file is a fragment, none a
    # whole system missing everything; without such a file, roots stand in as before
    write_tree(tmp_path, {
        "flake.nix": ('{\n  inputs.wrapper.url = "github:someone/wrapper";\n'
                      '  outputs = inputs: inputs.wrapper.blueprint { inherit inputs; };\n}\n'),
        f"hosts/laptop/{host_file}": "{ ... }: { services.udisks2.enable = true; }\n",
    })
    listing = invoke("systems", tmp_path).output
    codes = [f["code"] for f in findings(tmp_path, "--select", "ST122")]
    if host_file == "configuration.nix":
        assert "No system could be known" in listing and codes == ["ST122"]   # what it defines, not what it lacks
    else:
        assert "module-graph roots" in listing


def test_nixos_unified_autowired_and_explicit_systems(tmp_path):
    # srid/nixos-unified: lib.mkFlake imports every module of modules/flake; its autoWire
    # module makes a system of each configurations/nixos/NAME(.nix|/default.nix) and
    # nixosModules of modules/nixos; its default module gives self.nixos-unified.lib.
    # mkLinuxSystem, whose special argument `flake` holds the flake's inputs and self;
    # darwin configurations are no NixOS systems
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.nixos-unified.url = "github:srid/nixos-unified";
  outputs = inputs: inputs.nixos-unified.lib.mkFlake { inherit inputs; root = ./.; };
}
""",
        "modules/flake/toplevel.nix": """{ inputs, ... }: {
  imports = [ inputs.nixos-unified.flakeModules.default inputs.nixos-unified.flakeModules.autoWire ];
}
""",
        "modules/flake/manual.nix": """{ self, ... }: {
  flake.nixosConfigurations.manual = self.nixos-unified.lib.mkLinuxSystem { home-manager = true; } {
    nixpkgs.hostPlatform = "aarch64-linux";
    imports = [ self.nixosModules.common ];
  };
}
""",
        "configurations/nixos/box/default.nix": """{ flake, ... }:
let inherit (flake.inputs) self; in { imports = [ self.nixosModules.common ./configuration.nix ]; }
""",
        "configurations/nixos/box/configuration.nix": "{ ... }: { nixpkgs.hostPlatform = \"x86_64-linux\"; }\n",
        "configurations/nixos/tiny.nix": "{ ... }: { nixpkgs.hostPlatform = \"x86_64-linux\"; }\n",
        "configurations/darwin/mac.nix": "{ ... }: { nixpkgs.hostPlatform = \"aarch64-darwin\"; }\n",
        "modules/nixos/common.nix": "{ ... }: { services.udisks2.enable = true; }\n",
    })
    found = listed(tmp_path)
    assert found == {
        "box": ("x86_64-linux", ["configurations/nixos/box/default.nix", "modules/nixos/common.nix",
                                 "configurations/nixos/box/configuration.nix"], ["nixos-unified.modules"]),
        "manual": ("aarch64-linux", ["modules/flake/manual.nix", "modules/nixos/common.nix"],
                   ["nixos-unified.modules"]),
        "tiny": ("x86_64-linux", ["configurations/nixos/tiny.nix"], ["nixos-unified.modules"]),
    }
    declared = {s["name"]: Path(s["declared_at"]["file"]).relative_to(tmp_path).as_posix() for s in systems(tmp_path)}
    assert declared == {"box": "configurations/nixos/box/default.nix", "manual": "modules/flake/manual.nix",
                        "tiny": "configurations/nixos/tiny.nix"}
    udisks = [f for f in findings(tmp_path, "--select", "ST122") if "udisks2.enable is true" in f["message"]]
    assert [Path(f["file"]).relative_to(tmp_path).as_posix() for f in udisks] == ["modules/nixos/common.nix"]


@pytest.mark.parametrize("known", [False, True])
def test_a_flake_parts_module_from_an_input_may_build_systems(tmp_path, known):
    # den, digga's flake-parts module: a flake-parts module from an input (unmodelled) builds
    # the systems; where the flake's own modules build none, they cannot be known
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.den.url = "github:vic/den";
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.den.flakeModules.default ./hosts.nix ];
    systems = [ "x86_64-linux" ];
  };
}
""",
        "hosts.nix": ("{ inputs, ... }: { flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {"
                      " system = \"x86_64-linux\"; modules = [ ./hosts/box ]; }; }\n" if known else
                      "{ flake.nixosModules.box = { }; }\n"),
        "hosts/box/default.nix": "{ ... }: { networking.firewall.enable = true; }\n",
    })
    listing = invoke("systems", tmp_path)
    if known:
        assert [s["name"] for s in systems(tmp_path)] == ["box"] and "discovery:" not in listing.output
    else:
        assert "No system could be known" in listing.output
        assert ("inputs.den.flakeModules.default may build systems that cannot be known: a flake-parts module "
                "discovery cannot read") in listing.output
        assert [f["code"] for f in findings(tmp_path)] == ["ST120"]


def test_where_roots_stand_in_a_file_loaded_by_import_or_call_package_is_no_system(tmp_path):
    # a module tree without a system: host.nix is a root (a system, and a clean one); the
    # overlay, the package and the data it loads as values are parts of it, not systems
    # that leave everything unset
    write_tree(tmp_path, {
        "host.nix": "{ pkgs, ... }: {\n  imports = [ ./boot.nix ];\n"
                    "  nixpkgs.overlays = [ (import ./overlay.nix) ];\n"
                    "  environment.systemPackages = [ (pkgs.callPackage ./pkgs/tool { }) ];\n"
                    "  users.users.ada = import ./users/ada.nix;\n}\n",
        "boot.nix": CLEAN_BOOT,
        "overlay.nix": "final: prev: { tool = prev.hello; }\n",
        "pkgs/tool/default.nix": "{ stdenv }: stdenv.mkDerivation { name = \"tool\"; }\n",
        "users/ada.nix": "{ isNormalUser = true; }\n",
    })
    assert findings(tmp_path) == []


def test_a_module_library_flake_with_development_tools_and_a_module_called_flake_nix(tmp_path):
    # srvos' shape: a flake-parts flake of modules only, importing a formatter's flake
    # module (which builds no system: roots still stand in), calling its checks
    # (`import ./dev/checks.nix { … }`: no root), and a NixOS module named flake.nix
    # (no flake: it does not make its folder a repository of its own)
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.treefmt-nix.url = "github:numtide/treefmt-nix";
  outputs = inputs@{ self, flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ inputs.treefmt-nix.flakeModule ];
    systems = [ "x86_64-linux" ];
    flake.nixosModules.server = ./nixos/server.nix;
    flake.checks = import ./dev/checks.nix { inherit self; };
  };
}
""",
        "dev/checks.nix": "{ self }: { }\n",
        "nixos/server.nix": "{ imports = [ ./common ]; }\n",
        "nixos/common/default.nix": "{ imports = [ ./flake.nix ./boot.nix ]; }\n",
        "nixos/common/flake.nix": "{ lib, ... }: { options.srvos.flake = lib.mkOption { default = null; }; }\n",
        "nixos/common/boot.nix": CLEAN_BOOT,
    })
    listing = invoke("systems", tmp_path).output
    assert listing.startswith("No system found: module-graph roots") and "discovery:" not in listing
    assert findings(tmp_path) == []   # one root, nixos/server.nix, a clean system


def test_a_flake_that_builds_no_system_and_exports_no_module_has_fragments_only(tmp_path):
    # A public homelab's nested terraform/flake.nix: packages and apps made with terranix,
    # whose files are Terraform written in Nix, not NixOS modules.  Roots standing in
    # for systems judged each as a NixOS system: 41 SPEC findings per file, all false.
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.terranix.url = "github:terranix/terranix";
  outputs = inputs@{ self, nixpkgs, terranix }: {
    packages.x86_64-linux.default = terranix.lib.terranixConfiguration {
      system = "x86_64-linux";
      modules = [ ./default.nix ];
    };
  };
}
""",
        "default.nix": "{ imports = [ ./providers.nix ]; }\n",
        "providers.nix": "{ terraform.required_providers.proxmox.source = \"bpg/proxmox\"; }\n",
    })
    assert invoke("systems", tmp_path).output.startswith("The flake's outputs hold no NixOS system")
    assert findings(tmp_path) == []


@pytest.mark.parametrize("lib", ['import "${sources.nixpkgs}/lib"', "import <nixpkgs/lib>",
                                 "(import sources.nixpkgs { }).lib"])
def test_nixpkgs_lib_imported_by_its_path_builds_non_flake_hosts(tmp_path, lib):
    # A public npins repository's hosts: `lib.genAttrs hosts mkHost` with nixpkgs' lib
    # imported from the pinned source (whose pins discovery need not read).
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "default.nix": f"""let
  sources = import ./npins;
  lib = {lib};
  nixosSystem = import "${{sources.nixpkgs}}/nixos/lib/eval-config.nix";
in
lib.genAttrs [ "web" ] (name: nixosSystem {{ system = "aarch64-linux"; modules = [ ./hosts/${{name}}.nix ]; }})
""",
        "hosts/web.nix": "{ imports = [ ../boot.nix ]; }\n",
        "boot.nix": CLEAN_BOOT,
    })
    assert [(s["name"], s["system"]) for s in systems(tmp_path)] == [("web", "aarch64-linux")]
    assert findings(tmp_path) == []


def test_a_helper_in_a_lib_updated_over_an_inputs_lib_builds_systems(tmp_path):
    # A public flake's `lib = nixpkgs.lib // home.lib // (import ./lib …)`: `//` binds to the
    # right, and the right side's names win whatever an input's lib holds, so `lib.mkHost`
    # is the flake's own helper (it was unknown, and so were both hosts).
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.home.url = "github:nix-community/home-manager";
  outputs = { nixpkgs, home, ... } @ inputs: rec {
    lib = nixpkgs.lib // home.lib // (import ./lib { inherit nixpkgs; });
    nixosConfigurations.web = lib.mkHost "web";
  };
}
""",
        "lib/default.nix": """{ nixpkgs }: {
  mkHost = host: nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ../hosts/${host}.nix ]; };
}
""",
        "hosts/web.nix": "{ imports = [ ../boot.nix ]; }\n",
        "boot.nix": CLEAN_BOOT,
    })
    assert [(s["name"], s["system"]) for s in systems(tmp_path)] == [("web", "aarch64-linux")]
    assert findings(tmp_path) == []


def test_a_module_value_updated_over_an_unknown_set_may_define_anything_under_it(tmp_path):
    # `boot = pkgs.bootDefaults // { … }`: the names it writes are known, but the unknown
    # side may set any other option under `boot` -- so growPartition cannot be verified,
    # and is not "not set" (the update keeps only its known names for selection).
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}).replace("[ ./boot.nix ]", "[ ./boot.nix ./extra.nix ]"),
        "boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
        "extra.nix": "{ pkgs, ... }: { boot = pkgs.bootDefaults // { consoleLogLevel = 0; }; }\n",
    })
    found = {(f["code"], f["severity"]) for f in findings(tmp_path)}
    assert ("ST107", "info") in found and {severity for _, severity in found} == {"info"}


def test_only_nixpkgs_own_lib_is_taken_for_nixpkgs_lib():
    from stereos_lint.nix.parser import parse_source
    from stereos_lint.nix.source import SourceFile
    from stereos_lint.systems.builders import is_nixpkgs_lib

    def taken(text: str) -> bool:
        parsed = parse_source(SourceFile("/x.nix", text.encode()))
        return is_nixpkgs_lib(Interpreter(None).eval_file(parsed.source, parsed.root))
    assert [taken(t) for t in ('"${sources.nixpkgs}/lib"', '"${inputs.nixpkgs}/lib/default.nix"', "<nixpkgs/lib>",
                               '"${nixpkgs-wayland}/lib"', '"${inputs.nixpkgs-wayland}/lib"', '"${self}/lib"')] == [
        True, True, True, False, False, False]


def test_a_builder_call_that_cannot_be_known_leaves_its_systems_unknown(tmp_path):
    # A public npins repository builds its hosts with `myLib.genAttrs hosts mkHost`, its own
    # library being one discovery cannot read: the hosts cannot be known.  Module-graph
    # roots stood in: every host judged as a system of its own file, 1,725 findings.
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "default.nix": """let
  sources = import ./npins;
  myLib = import ./myLib;
  nixosSystem = import "${sources.nixpkgs}/nixos/lib/eval-config.nix";
in
myLib.genAttrs [ "web" ] (name: nixosSystem { system = "aarch64-linux"; modules = [ ./hosts/${name}.nix ]; })
""",
        "hosts/web.nix": "{ imports = [ ../boot.nix ]; }\n",
        "boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
    })
    result = invoke("systems", tmp_path)
    assert result.output.startswith("No system could be known")
    assert "default.nix: the systems it builds cannot be known" in result.output
    assert findings(tmp_path) == []   # boot.nix is a fragment: nothing is "not set" in it


def test_a_set_of_module_paths_is_no_module_where_roots_stand_in(tmp_path):
    # a module library's index, `{ boot = ./boot.nix; }`: no NixOS option is a path at the
    # top, so it is a set of modules (each judged as the root it is), not a system
    write_tree(tmp_path, {
        ".git/HEAD": "ref: refs/heads/main\n",
        "modules/index.nix": "{ boot = ./boot.nix; }\n",
        "modules/boot.nix": CLEAN_BOOT,
    })
    assert findings(tmp_path) == []


@pytest.mark.parametrize("relative", [False, True])
def test_a_module_library_flake_imports_its_tree_and_that_tree_stands_in_whole(tmp_path, monkeypatch, relative):
    # Discovery reads modules/default.nix (`import ./modules`); it is still the root that
    # stands in for a system, so what net.nix sets is not missing from boot.nix.  flake.nix
    # is no root, also when the tree is named relatively (`stereos-lint .`).
    if relative:
        monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {
        "flake.nix": "{\n  outputs = { self, nixpkgs }: {\n    nixosModules.default = import ./modules;\n  };\n}\n",
        "modules/default.nix": "{\n  imports = [ ./boot.nix ./net.nix ];\n}\n",
        "modules/boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
        "modules/net.nix": "{ boot.growPartition = true; }\n",
    })
    where = Path(".") if relative else tmp_path
    assert systems(where) == []
    assert findings(where) == []
    (tmp_path / "modules" / "net.nix").write_text("{ }\n")
    assert [(f["code"], Path(f["file"]).name) for f in findings(where)] == [("ST107", "boot.nix")]


def test_self_names_the_repository_where_it_is_used_as_a_path(tmp_path):
    # flake-parts configurations often write their modules as `self + "/hosts/${name}"`:
    # a flake's `self` is a string of its source, this repository.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: let
    mk = name: nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [ (self + "/hosts/${name}") "${self}/modules/boot.nix" ];
    };
  in { nixosConfigurations.web = mk "web"; };
}
""",
        "hosts/web/default.nix": "{ networking.hostName = \"web\"; }\n",
        "modules/boot.nix": CLEAN_BOOT,
    })
    [web] = systems(tmp_path)
    assert [Path(m).relative_to(tmp_path).as_posix() for m in web["modules"]] == [
        "hosts/web/default.nix", "modules/boot.nix"]
    assert web["gaps"] == [] and findings(tmp_path) == []


def test_flake_parts_outputs_merged_with_mk_merge_from_a_helper_using_inputs_self(tmp_path):
    # flake-parts' `flake` option goes through the module system: `mkMerge` splits a
    # definition and a `mkIf` known false defines nothing.  The helper names its modules
    # through `inputs.self`, the flake's own `self` among its inputs.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = inputs@{ flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } ({ ... }: { systems = [ "x86_64-linux" ]; imports = [ ./hosts ]; });
}
""",
        "hosts/default.nix": """{ inputs, ... }:
let
  mkSystem = { hostname, arch }: {
    nixosConfigurations.${hostname} = inputs.nixpkgs.lib.nixosSystem {
      system = arch;
      modules = [ "${inputs.self}/modules" "${inputs.self}/hosts/${hostname}" ];
    };
  };
in {
  flake = inputs.nixpkgs.lib.mkMerge [
    (mkSystem { hostname = "trout"; arch = "aarch64-linux"; })
    (inputs.nixpkgs.lib.mkIf false (mkSystem { hostname = "carp"; arch = "x86_64-linux"; }))
  ];
}
""",
        "hosts/trout/default.nix": "{ networking.hostName = \"trout\"; }\n",
        "hosts/carp/default.nix": "{ networking.hostName = \"carp\"; }\n",
        "modules/default.nix": CLEAN_BOOT,
    })
    [trout] = systems(tmp_path)
    assert (trout["name"], trout["system"]) == ("trout", "aarch64-linux")
    assert [Path(m).relative_to(tmp_path).as_posix() for m in trout["modules"]] == [
        "modules/default.nix", "hosts/trout/default.nix"]
    assert findings(tmp_path) == []


def test_a_repository_lib_extending_nixpkgs_lib_and_importing_every_default_nix_of_a_tree(tmp_path):
    # `lib // rec { mkNixosSystem = …; }`, whose system imports every modules/**/default.nix,
    # found with lib.pipe, listFilesRecursive, hasSuffix on paths, baseNameOf and dirOf.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = inputs: let lib = import ./lib inputs; in {
    nixosConfigurations.hiki = lib.mkNixosSystem inputs.nixpkgs "aarch64-linux" "hiki";
  };
}
""",
        "lib/default.nix": """inputs: let lib = inputs.nixpkgs.lib; in lib // rec {
  defaultFiles = directory: lib.pipe (lib.filesystem.listFilesRecursive directory) [
    (builtins.filter (name: lib.hasSuffix "default.nix" name))
  ];
  defaultFilesToAttrset = directory: lib.pipe (defaultFiles directory) [
    (map (file: { name = builtins.baseNameOf (builtins.dirOf file); value = import file; }))
    builtins.listToAttrs
  ];
  mkNixosSystem = pkgs: system: hostName: pkgs.lib.nixosSystem {
    inherit system;
    modules = [
      (../. + "/hosts/${hostName}")
      { imports = builtins.attrValues (defaultFilesToAttrset ../modules); networking.hostName = hostName; }
    ];
  };
}
""",
        "hosts/hiki/default.nix": "{ }\n",
        "modules/core/boot/default.nix": CLEAN_BOOT,
        "modules/core/boot/unused.nix": "{ boot.growPartition = false; }\n",   # not a default.nix: a fragment
    })
    [hiki] = systems(tmp_path)
    assert (hiki["name"], hiki["system"], hiki["opaque"], hiki["gaps"]) == ("hiki", "aarch64-linux", [], [])
    [record] = json.loads(invoke("eval", "boot.growPartition", "--system", "hiki", "--json", tmp_path).output)
    assert [Path(d["file"]).relative_to(tmp_path).as_posix() for d in record["definitions"]] == [
        "modules/core/boot/default.nix"]
    # the system is clean; the fragment is judged on the wrong value it defines
    assert [(f["code"], Path(f["file"]).name) for f in findings(tmp_path)] == [("ST107", "unused.nix")]


# A dendritic flake: every .nix file under modules/ is a flake-parts module (vic/import-tree)
IMPORT_TREE_FLAKE = """{
  inputs.import-tree.url = "github:vic/import-tree";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } (inputs.import-tree ./modules);
}
"""


def test_a_dendritic_flake_made_of_every_file_import_tree_finds(tmp_path):
    # `mkFlake { inherit inputs; } (inputs.import-tree ./modules)`: every .nix file under
    # modules/ is a flake-parts module, but for paths with a component starting with `_`.
    write_tree(tmp_path, {
        "flake.nix": IMPORT_TREE_FLAKE,
        "modules/parts.nix": "{ config = { systems = [ \"aarch64-linux\" ]; }; }\n",
        "modules/hosts/web.nix": """{ self, inputs, ... }: {
  flake.nixosConfigurations.web = inputs.nixpkgs.lib.nixosSystem {
    system = "aarch64-linux";
    modules = [ self.nixosModules.boot ];
  };
}
""",
        "modules/nixos/boot.nix": "{ flake.nixosModules.boot = import ../_boot.nix; }\n",
        "modules/_boot.nix": CLEAN_BOOT,
        "modules/_old/ghost.nix": """{ inputs, ... }: {
  flake.nixosConfigurations.ghost = inputs.nixpkgs.lib.nixosSystem { modules = [ ]; };
}
""",
    })
    [web] = systems(tmp_path)
    assert (web["name"], web["system"], web["gaps"]) == ("web", "aarch64-linux", [])
    assert findings(tmp_path) == []


def test_every_flake_parts_module_of_a_large_tree_is_read_on_every_run(tmp_path):
    # Modules are told apart by identity, to read a module imported twice once.  A module
    # function's value is made anew and dropped once read: when it was told apart by a bare
    # id(), a later module's value could reuse the address and be skipped -- which of 160,
    # if any, changed from run to run.
    tree = {"flake.nix": IMPORT_TREE_FLAKE}
    for index in range(160):
        tree[f"modules/m{index:03d}.nix"] = (
            f"{{ ... }}: let flake.modules.nixos.m{index} = {{ networking.hostName = \"m{index}\"; }}; "
            "in { inherit flake; }\n" if index % 2 == 0 else
            f"{{ flake.modules.nixos.m{index} = {{ pkgs, ... }}: {{ services.getty.helpLine = \"m{index}\"; }}; }}\n")
    names = " ".join(f"m{index}" for index in range(160))
    tree["modules/host.nix"] = f"""{{ inputs, ... }}: {{
  flake.nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {{
    system = "x86_64-linux";
    modules = with inputs.self.modules.nixos; [ {names} ];
  }};
}}
"""
    write_tree(tmp_path, tree)
    files = sorted(str(p) for p in tmp_path.rglob("*.nix"))
    for _ in range(6):
        [unit] = Project(files).units
        assert unit.unread == []
        assert len({m.path for m in unit.modules}) == 160


def test_a_dendritic_flake_whose_systems_are_its_own_option_of_modules(tmp_path):
    # The dendritic shape: a flake-parts option `configurations.nixos.NAME.module` (a
    # deferredModule), its systems `lib.flip lib.mapAttrs config.configurations.nixos …`,
    # and features as `flake.modules.nixos.NAME`.  A module defined in two files is one
    # module importing both: the second file's `console=hvc0` is kept (a set merge kept
    # only the first, a function: hvc0 was missing), and the host's
    # second definition is part of the system (its planted udisks2 is found).
    def boot_without_hvc0(text: str) -> str:
        assert '"console=ttyAMA0,115200" "console=hvc0" ]' in text
        return text.replace('"console=ttyAMA0,115200" "console=hvc0" ]', '"console=ttyAMA0,115200" ]')
    write_tree(tmp_path, {
        "flake.nix": IMPORT_TREE_FLAKE,
        "modules/nixos.nix": """{ lib, config, ... }: {
  options.configurations.nixos = lib.mkOption {
    type = lib.types.lazyAttrsOf (lib.types.submodule { options.module = lib.mkOption { type = lib.types.deferredModule; }; });
  };
  config.flake.nixosConfigurations = lib.flip lib.mapAttrs config.configurations.nixos (
    name: { module }: lib.nixosSystem { modules = [ module ]; }
  );
}
""",
        "modules/features/boot.nix": "{ flake.modules.nixos.boot = import ../_boot.nix; }\n",
        "modules/_boot.nix": boot_without_hvc0(CLEAN_BOOT),
        "modules/features/console.nix": """{
  flake.modules.nixos.boot = { lib, ... }: { boot.kernelParams = lib.mkAfter [ "console=hvc0" ]; };
}
""",
        "modules/hosts/vm.nix": """{ config, ... }: {
  configurations.nixos.vm.module = {
    imports = [ config.flake.modules.nixos.boot ];
    nixpkgs.hostPlatform = "aarch64-linux";
  };
}
""",
        "modules/hosts/vm-services.nix": """{
  configurations.nixos.vm.module = { lib, ... }: {
    services.udisks2.enable = lib.mkForce true;
  };
}
""",
    })
    [vm] = systems(tmp_path)
    assert (vm["name"], vm["system"], vm["gaps"]) == ("vm", "aarch64-linux", [])
    assert sorted(Path(m).relative_to(tmp_path).as_posix() for m in vm["modules"]) == [
        "modules/_boot.nix", "modules/features/console.nix", "modules/hosts/vm-services.nix", "modules/hosts/vm.nix"]
    assert [(f["code"], Path(f["file"]).name) for f in findings(tmp_path)] == [("ST122", "vm-services.nix")]


def test_a_flake_whose_systems_are_made_in_a_file_that_does_not_parse_judges_fragments(tmp_path):
    # A public dendritic flake builds its systems in a flake-parts module written with the
    # experimental pipe operator, which the grammar cannot read.  Its systems cannot be
    # known: every file is a fragment -- module-graph roots standing in for systems made
    # 2,788 findings there, "… is not set" on files that are parts of systems.
    write_tree(tmp_path, {
        "flake.nix": IMPORT_TREE_FLAKE,
        "modules/nixos.nix": """{ lib, config, ... }: {
  flake.nixosConfigurations = config.hosts |> lib.mapAttrs (name: module: lib.nixosSystem { modules = [ module ]; });
}
""",
        "modules/hosts/vm.nix": "{ hosts.vm = { networking.hostName = \"vm\"; }; }\n",
    })
    assert systems(tmp_path) == []
    result = invoke("systems", tmp_path)
    assert result.stdout.startswith("No system could be known")
    assert "modules/nixos.nix: cannot be read or does not parse" in result.output
    assert [(f["code"], f["severity"]) for f in findings(tmp_path)] == [("NX000", "info")]


def test_a_per_system_module_in_full_form_builds_nixos_on_linux_only(tmp_path):
    # A public homelab builds an LXC image per flake-parts system in a perSystem module that
    # declares its own options (full form: what it sets is under `config`), and its
    # systems include darwin: NixOS for darwin is not built, so it is not judged.
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" "aarch64-darwin" ];
    perSystem = { system, lib, ... }: {
      options.image.name = lib.mkOption { type = lib.types.str; };
      config.packages.image = inputs.nixpkgs.lib.nixosSystem { inherit system; modules = [ ./boot.nix ]; };
    };
  };
}
""",
        "boot.nix": CLEAN_BOOT,
    })
    assert [(s["name"], s["system"]) for s in systems(tmp_path)] == [("packages.x86_64-linux.image", "x86_64-linux")]
    result = invoke("systems", tmp_path)
    assert "packages.aarch64-darwin.image: NixOS built for aarch64-darwin, which NixOS does not run on: not judged" \
        in result.output


def test_flake_utils_outputs_updated_with_systems_whose_modules_come_through_special_args(tmp_path):
    # `flake-utils.lib.eachDefaultSystem (system: { … }) // { nixosConfigurations = …; }`;
    # a host imports `self.nixosModules.boot` through the `specialArgs` module argument;
    # `self`, handed on in specialArgs and colmena's meta, is not another way to the systems.
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.flake-utils.url = "github:numtide/flake-utils";
  outputs = inputs@{ self, nixpkgs, flake-utils, ... }:
    let
      nixosConfigurations = nixpkgs.lib.genAttrs [ "svr1" ] (name: nixpkgs.lib.nixosSystem {
        specialArgs = { inherit self inputs; };
        system = "aarch64-linux";
        modules = [ ./hosts/${name} ];
      });
    in
    flake-utils.lib.eachDefaultSystem (system: { devShells.default = nixpkgs.legacyPackages.${system}.hello; })
    // {
      colmena.meta.specialArgs = { inherit self; };
      nixosModules = import ./modules;
      inherit nixosConfigurations;
    };
}
""",
        "hosts/svr1/default.nix": "{ specialArgs, ... }: { imports = with specialArgs; [ self.nixosModules.boot ]; }\n",
        "modules/default.nix": "{ boot = import ./boot.nix; }\n",
        "modules/boot.nix": CLEAN_BOOT,
    })
    [svr1] = systems(tmp_path)
    assert (svr1["name"], svr1["system"], svr1["opaque"], svr1["gaps"]) == ("svr1", "aarch64-linux", [], [])
    assert findings(tmp_path) == []   # the SPEC's module is in the system
    listing = invoke("systems", tmp_path).stdout
    assert "also:" not in listing


COLMENA_HIVE = """{
      meta = {
        nixpkgs = import nixpkgs { system = "aarch64-linux"; };
        specialArgs = { site = "lab"; };
      };
      defaults = { name, site, ... }: { imports = [ ./hosts/${name} ./sites/${site}.nix ]; };
      web = { deployment.targetHost = "web.lab"; };
      db = { deployment.targetHost = "db.lab"; };
    }"""


@pytest.mark.parametrize("outputs, names", [
    # colmena.lib.makeHive, its nodes as nixosConfigurations (colmena 0.5)
    ("colmenaHive = colmena.lib.makeHive self.outputs.colmena; colmena = HIVE; "
     "nixosConfigurations = self.outputs.colmenaHive.nodes;", ["db", "web"]),
    # only the raw hive, which colmena evaluates itself
    ("colmena = HIVE;", ["colmena.db", "colmena.web"]),
])
def test_colmena_hives_are_systems_of_their_defaults_and_node_modules(tmp_path, outputs, names):
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.colmena.url = "github:zhaofengli/colmena";
  outputs = { self, nixpkgs, colmena, ... }: { OUTPUTS };
}
""".replace("OUTPUTS", outputs.replace("HIVE", COLMENA_HIVE)),
        "hosts/web/default.nix": CLEAN_BOOT,
        "hosts/db/default.nix": CLEAN_BOOT,
        "sites/lab.nix": "{ time.timeZone = \"UTC\"; }\n",
    })
    found = systems(tmp_path)
    assert [(s["name"], s["system"], s["opaque"], s["gaps"]) for s in found] == [
        (name, "aarch64-linux", ["colmena.deploymentOptions"], []) for name in names]
    # each node's host module comes through `defaults`, named by the node's `name`
    assert findings(tmp_path) == []


def test_colmena_nodes_made_from_a_json_host_list_with_string_functions(tmp_path):
    # A raw `colmena` output whose nodes come from Terraform's JSON, named with
    # splitString/elemAt, their modules a readDir filtered with `.*\\.nix` and sorted.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, ... }@inputs: { colmena = import ./network.nix { inherit inputs; }; };
}
""",
        "network.nix": """{ inputs }:
let
  lib = inputs.nixpkgs.lib;
  shortName = name: builtins.elemAt (lib.splitString "." name) 0;
  modules = dir: let entries = builtins.readDir dir; in
    map (n: dir + "/${n}") (builtins.sort builtins.lessThan
      (builtins.filter (n: builtins.match ".*\\\\.nix" n != null) (builtins.attrNames entries)));
  servers = map (s: {
    name = shortName s.name;
    value = { imports = modules ./modules ++ builtins.filter builtins.pathExists (map (t: ./tags + "/${t}.nix") s.tags); };
  }) (lib.importJSON ./cdktf.json).servers.value;
in { meta.nixpkgs = import inputs.nixpkgs { system = "aarch64-linux"; }; } // builtins.listToAttrs servers
""",
        "cdktf.json": '{"servers": {"value": [{"name": "web01.example.org", "tags": ["web", "none"]}]}}',
        "modules/boot.nix": CLEAN_BOOT,
        "modules/README.md": "not a module\n",
        "tags/web.nix": "{ services.nginx.enable = true; }\n",
    })
    [web01] = systems(tmp_path)
    assert (web01["name"], web01["system"], web01["gaps"]) == ("colmena.web01", "aarch64-linux", [])
    [record] = json.loads(invoke("eval", "services.nginx.enable", "--system", "colmena.web01", "--json",
                                 tmp_path).output)
    assert record["value"] is True
    assert findings(tmp_path) == []


def test_snowfall_lib_systems_are_its_folders_with_every_nixos_module(tmp_path):
    # systems/ARCH-linux/HOST, with every default.nix under modules/nixos; a virtual target
    # (a nixos-generators format in its name) is a NixOS system on its Linux architecture; a
    # darwin target, modules/darwin, modules/home and homes are nix-darwin's and home-manager's
    # modules, never judged as NixOS's; snowfall's special arguments reach the modules.
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.snowfall-lib.url = "github:snowfallorg/lib";
  outputs = inputs: inputs.snowfall-lib.mkFlake {
    inherit inputs;
    src = ./.;
    snowfall.namespace = "mine";
    systems.modules.nixos = [ ./extra.nix ];
  };
}
""",
        "systems/aarch64-linux/web/default.nix": "{ host, namespace, ... }: { networking.hostName = host + \"-\" + namespace; }\n",
        "systems/aarch64-darwin/mac/default.nix": "{ imports = [ ./mac.nix ]; boot.growPartition = false; }\n",
        "systems/aarch64-darwin/mac/mac.nix": "{ documentation.enable = true; }\n",
        "systems/aarch64-install-iso/usb/default.nix": "{ imports = [ ../../../modules/nixos/boot ]; }\n",
        "modules/darwin/dock/default.nix": "{ documentation.enable = true; }\n",
        "modules/home/shell/default.nix": "{ programs.command-not-found.enable = true; }\n",
        "homes/aarch64-linux/me@web/default.nix": "{ imports = [ ./gone.nix ]; documentation.enable = true; }\n",
        "modules/nixos/boot/default.nix": CLEAN_BOOT,
        "modules/nixos/boot/unused.nix": "{ }\n",
        "extra.nix": "{ time.timeZone = \"UTC\"; }\n",
    })
    web, usb = systems(tmp_path)
    assert (web["name"], web["system"], web["gaps"]) == ("web", "aarch64-linux", [])
    assert [Path(m).relative_to(tmp_path).as_posix() for m in web["modules"]] == [
        "systems/aarch64-linux/web/default.nix", "modules/nixos/boot/default.nix", "extra.nix"]
    assert (usb["name"], usb["system"], usb["opaque"]) == (
        "install-isoConfigurations.usb", "aarch64-linux", ["snowfall-lib.modules", "nixos-generators.formats.install-iso"])
    [record] = json.loads(invoke("eval", "networking.hostName", "--system", "web", "--json", tmp_path).output)
    assert record["value"] == "web-mine"
    # (a missing import of a home-manager module is still one: its evaluation fails too)
    assert [(f["code"], Path(f["file"]).parent.name) for f in findings(tmp_path)] == [("NX003", "me@web")]


def test_snowfall_lib_gives_the_modules_its_lib_folder_as_lib_namespace(tmp_path):
    # lib/**/default.nix, each called with lib (and that same lib.NAMESPACE), merged: a host
    # enables a module with `lib.NAMESPACE.enabled`, and the module's mkIf is decided
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.snowfall-lib.url = "github:snowfallorg/lib";
  outputs = inputs: inputs.snowfall-lib.mkFlake { inherit inputs; src = ./.; snowfall.namespace = "my"; };
}
""",
        "lib/module/default.nix": "{ lib, ... }: { enabled = { enable = true; }; mkOpt = lib.my.mkOpt2; }\n",
        "lib/more/default.nix": "{ lib, ... }: { mkOpt2 = type: default: lib.mkOption { inherit type default; }; }\n",
        "modules/nixos/grow/default.nix": """{ config, lib, namespace, ... }:
let cfg = config.${namespace}.grow; in {
  options.${namespace}.grow.enable = lib.${namespace}.mkOpt lib.types.bool false;
  config = lib.mkIf cfg.enable { boot.growPartition = lib.mkForce false; };
}
""",
        "systems/aarch64-linux/box/default.nix": "{ lib, ... }: with lib.my; { my.grow = enabled; }\n",
    })
    [record] = json.loads(invoke("eval", "boot.growPartition", "--system", "box", "--json", tmp_path).output)
    assert (record["value"], [d["conditional"] for d in record["definitions"]]) == (False, [False])


def test_special_args_made_from_the_flake_inputs_reach_the_modules(tmp_path):
    # `specialArgs = inputs // { inherit name; }`: the modules get every input, `name`,
    # and still their own config, lib and pkgs
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.11";
  inputs.agenix.url = "github:ryantm/agenix";
  outputs = inputs@{ nixpkgs, agenix, ... }: {
    nixosConfigurations = nixpkgs.lib.genAttrs [ "pi" ] (name: nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      specialArgs = inputs // { inherit name; };
      modules = [ ./hosts/${name} ];
    });
  };
}
""",
        "hosts/pi/default.nix": """{ name, agenix, lib, ... }: {
  imports = [ ../../hardware/${name}.nix agenix.nixosModules.default ];
  networking.hostName = lib.mkDefault name;
}
""",
        "hardware/pi.nix": CLEAN_BOOT,
    })
    [pi] = systems(tmp_path)
    assert (pi["name"], pi["system"], pi["gaps"]) == ("pi", "aarch64-linux", [])
    [record] = json.loads(invoke("eval", "networking.hostName", "--system", "pi", "--json", tmp_path).output)
    assert record["value"] == "pi"
    assert findings(tmp_path) == []   # the SPEC's module is in the system, through `name`


def test_a_module_naming_none_of_the_hosts_special_args_is_loaded_once_for_all_of_them(tmp_path):
    # `specialArgs = { inherit hostName; }` differs per host: a module that names it sees
    # its own host's, and one whose set pattern does not name it is the same module in
    # every system, loaded once
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = nixpkgs.lib.genAttrs [ "a" "b" ] (hostName: nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      specialArgs = { inherit hostName; };
      modules = [ ./host.nix ./shared.nix ./any.nix ];
    });
  };
}
""",
        "host.nix": "{ hostName, lib, ... }: { networking.hostName = lib.mkDefault hostName; }\n",
        "shared.nix": "{ config, lib, ... }: { boot.loader.timeout = 1; }\n",
        "any.nix": "args: { boot.kernelParams = [ \"console=ttyS0\" ]; }\n",   # `args` may hold anything
    })
    project = Project([str(p) for p in sorted(tmp_path.rglob("*.nix"))])
    run(project, load_rules().values())
    loaded = [module.path for module in project._modules.values()]
    assert sorted(Path(p).name for p in loaded) == ["any.nix", "any.nix", "host.nix", "host.nix", "shared.nix"]
    for host in ("a", "b"):
        [record] = json.loads(invoke("eval", "networking.hostName", "--system", host, "--json", tmp_path).output)
        assert record["value"] == host


def test_a_module_that_cannot_ask_for_the_architecture_is_loaded_once_for_every_guess(tmp_path):
    # the architecture comes from nixpkgs.hostPlatform: the system is evaluated on a first
    # guess, then on x86_64-linux; a module whose text names no way to the architecture
    # (and reaches no other file's code) is the same module on both, the others are not
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./hw.nix ./plain.nix ./arm.nix ./helper.nix ]; };
  };
}
""",
        "hw.nix": '{ lib, ... }: { nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux"; }\n',
        "plain.nix": "{ ... }: { boot.loader.timeout = 1; }\n",
        "arm.nix": "{ pkgs, lib, ... }: { boot.kernelParams = lib.optional pkgs.stdenv.isAarch64 \"console=ttyAMA0\"; }\n",
        "helper.nix": "{ pkgs, ... }: { networking.hostName = import ./name.nix pkgs; }\n",
        "name.nix": "pkgs: if pkgs.stdenv.isAarch64 then \"arm\" else \"pc\"\n",
    })
    project = Project([str(p) for p in sorted(tmp_path.rglob("*.nix"))])
    run(project, load_rules().values())
    by_file: dict[str, set[int]] = {}
    for (_, arch), module in project._modules.items():
        by_file.setdefault(Path(module.path).name, set()).add(id(module))
    # (hw.nix names hostPlatform: a word that may read the architecture, so it is loaded again)
    assert {name: len(ids) for name, ids in by_file.items()} == {"hw.nix": 2, "plain.nix": 1, "arm.nix": 2,
                                                                 "helper.nix": 2}
    [record] = json.loads(invoke("eval", "boot.kernelParams", "--system", "box", "--json", tmp_path).output)
    assert record["value"] == []    # evaluated on x86_64-linux


def test_modules_imported_through_a_path_interpolated_into_a_string(tmp_path):
    # `import "${path}/${name}"` over a readDir: Nix imports the store copy, the same file
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, ... }: let
    getModules = path: nixpkgs.lib.concatMapAttrs (k: v: {
      ${builtins.replaceStrings [ ".nix" ] [ "" ] k} = import "${path}/${k}";
    }) (builtins.readDir path);
    modules = getModules ./modules;
  in {
    nixosConfigurations.alpha = nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [ modules.boot ];
    };
  };
}
""",
        "modules/boot.nix": CLEAN_BOOT,
    })
    [alpha] = systems(tmp_path)
    assert (alpha["system"], alpha["opaque"], alpha["gaps"]) == ("aarch64-linux", [], [])
    assert findings(tmp_path) == []


def test_a_bare_etc_nixos_folder_is_judged_from_its_configuration_nix(tmp_path):
    # No flake.nix, no .git, no configuration file: the folder holding configuration.nix
    # is the repository, so a leftover module is a fragment, not another whole system.
    folder = tmp_path / "etc" / "nixos"
    write_tree(folder, {
        "configuration.nix": "{ imports = [ ./hardware-configuration.nix ./boot.nix ]; }\n",
        "hardware-configuration.nix": "{ nixpkgs.hostPlatform = \"aarch64-linux\"; }\n",
        "boot.nix": CLEAN_BOOT,
        "old.nix": "{ services.nginx.enable = true; }\n",
    })
    [configuration] = systems(folder)
    assert (configuration["name"], configuration["system"]) == ("configuration", "aarch64-linux")
    assert findings(folder) == []


def test_hosts_loaded_by_haumea_from_a_folder_of_files(tmp_path):
    # ryan4yin's layout: haumea.lib.load makes a set of outputs/src/*.nix, each called with
    # `inputs`; names starting with `_` are private; modules named with lib.path.append
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.haumea.url = "github:nix-community/haumea/v0.2.2";
  outputs = inputs: let
    lib = inputs.nixpkgs.lib;
    data = inputs.haumea.lib.load { src = ./outputs; inputs = { inherit inputs lib; system = "aarch64-linux"; }; };
  in { nixosConfigurations = lib.attrsets.mergeAttrsList (map (it: it.nixosConfigurations or { })
                                                              (builtins.attrValues data)); };
}
""",
        "outputs/web.nix": """{ inputs, lib, system, ... }: {
  nixosConfigurations.web = inputs.nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [ (lib.path.append ../. "hosts/web") ];
  };
}
""",
        "outputs/_ghost.nix": """{ inputs, ... }: {
  nixosConfigurations.ghost = inputs.nixpkgs.lib.nixosSystem { modules = [ ]; };
}
""",
        "hosts/web/default.nix": CLEAN_BOOT,
    })
    [web] = systems(tmp_path)
    assert (web["name"], web["system"], web["gaps"]) == ("web", "aarch64-linux", [])
    assert [Path(m).relative_to(tmp_path).as_posix() for m in web["modules"]] == ["hosts/web/default.nix"]
    assert findings(tmp_path) == []


def test_modules_haumea_loads_are_its_files_and_a_folder_of_them_no_module(tmp_path):
    # `attrValues (haumea.load { src = ./mods; })`: each file's value is a module; a sub-folder
    # is a set of them, which NixOS would read as one module setting an option per name: no
    # module of the file that calls load, but one that cannot be known
    write_tree(tmp_path, {
        "flake.nix": """{
  inputs.haumea.url = "github:nix-community/haumea/v0.2.2";
  outputs = { nixpkgs, haumea, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [ ./boot.nix ] ++ nixpkgs.lib.attrValues (haumea.lib.load { src = ./mods; });
    };
  };
}
""",
        "boot.nix": CLEAN_BOOT,
        "mods/fw.nix": "{ networking.firewall.enable = false; }\n",
        "mods/features/doas.nix": "{ security.doas.enable = true; }\n",
    })
    [box] = systems(tmp_path)
    assert [Path(m).relative_to(tmp_path).as_posix() for m in box["modules"]] == ["boot.nix", "mods/fw.nix"]
    assert box["opaque"] == ["haumea.lib.load { src = ./mods; }"]
    assert box["gaps"] == ["module haumea.lib.load { src = ./mods; } cannot be known: a set made of a folder's "
                           "files, not a module"]


def test_hosts_from_read_dir_folded_together_and_named_by_match(tmp_path):
    # hosts/default.nix keeps the folders that hold a system.nix, and builds each host, and
    # a "…vm" variant of it, merged with foldl' (the shape of a public configuration).
    write_tree(tmp_path, {
        "flake.nix": "{\n  outputs = inputs: import ./hosts inputs;\n}\n",
        "hosts/default.nix": """inputs:
with builtins; let
  isSystem = host: pathExists ./${host}/system.nix;
  hosts = filter isSystem (attrNames (readDir ./.));
  importHost = host:
    let config = import ./${host}/system.nix inputs; in
    if match ".*vm$" host == null
    then { ${host} = inputs.nixpkgs.lib.nixosSystem config;
           "${host}vm" = inputs.nixpkgs.lib.nixosSystem (config // { modules = config.modules ++ [ ../vm.nix ]; }); }
    else { ${host} = inputs.nixpkgs.lib.nixosSystem config; };
in { nixosConfigurations = foldl' (acc: x: acc // x) { } (map importHost hosts); }
""",
        "hosts/web/system.nix": "inputs: { system = \"x86_64-linux\"; modules = [ ../../boot.nix ]; }\n",
        "hosts/testvm/system.nix": "inputs: { system = \"aarch64-linux\"; modules = [ ../../boot.nix ]; }\n",
        "hosts/notes/readme.nix": "{ }\n",
        "vm.nix": "{ users.users.root.initialPassword = \"\"; }\n",
        "boot.nix": CLEAN_BOOT,
    })
    found = {s["name"]: (s["system"], [Path(m).name for m in s["modules"]]) for s in systems(tmp_path)}
    assert found == {"testvm": ("aarch64-linux", ["boot.nix"]), "web": ("x86_64-linux", ["boot.nix"]),
                     "webvm": ("x86_64-linux", ["boot.nix", "vm.nix"])}


def test_hosts_mapped_with_an_extended_lib_and_filtered_by_architecture(tmp_path):
    # lib = nixpkgs.lib.extend (…): the extended lib still builds systems; darwin hosts go
    # to darwinConfigurations, which builds no NixOS system.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, nix-darwin, ... }@inputs: let
    lib = nixpkgs.lib.extend (final: prev: { mine = import ./lib { lib = final; }; });
    hosts = { web = "x86_64-linux"; pi = "aarch64-linux"; mac = "aarch64-darwin"; };
    mkHosts = { predicate, builder }: lib.mapAttrs (hostname: system: builder {
      inherit system;
      modules = [ ./hosts/${hostname}.nix (lib.mine.role hostname) ];
    }) (lib.filterAttrs (_: predicate) hosts);
  in {
    nixosConfigurations = mkHosts { predicate = lib.hasSuffix "linux"; builder = lib.nixosSystem; };
    darwinConfigurations = mkHosts { predicate = lib.hasSuffix "darwin"; builder = nix-darwin.lib.darwinSystem; };
  };
}
""",
        "lib/default.nix": "{ lib }: { role = name: ../roles + \"/${name}.nix\"; }\n",
        "hosts/web.nix": "{ networking.hostName = \"web\"; }\n",
        "hosts/pi.nix": "{ networking.hostName = \"pi\"; }\n",
        "roles/web.nix": "{ }\n",
        "roles/pi.nix": "{ }\n",
    })
    found = {s["name"]: (s["system"], [Path(m).relative_to(tmp_path).as_posix() for m in s["modules"]])
             for s in systems(tmp_path)}
    assert found == {"pi": ("aarch64-linux", ["hosts/pi.nix", "roles/pi.nix"]),
                     "web": ("x86_64-linux", ["hosts/web.nix", "roles/web.nix"])}


def test_modules_imported_through_a_folder_scan_with_to_string(tmp_path):
    write_tree(tmp_path, {
        ".stereos-lint.toml": "",   # the repository's root, where configuration.nix is the system
        "configuration.nix": """{ lib, ... }:
let
  scanPaths = dir: lib.concatLists (lib.mapAttrsToList (name: type:
    let path = "${toString dir}/${name}"; in
    if type == "directory" then scanPaths path
    else if lib.hasSuffix ".nix" name && name != "configuration.nix" then [ path ] else [ ])
    (builtins.readDir dir));
in { imports = scanPaths ./modules; }
""",
        "modules/boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
        "modules/disk/grow.nix": "{ boot.growPartition = true; }\n",
    })
    [configuration] = systems(tmp_path)
    assert sorted(Path(m).relative_to(tmp_path).as_posix() for m in configuration["modules"]) == [
        "configuration.nix", "modules/boot.nix", "modules/disk/grow.nix"]
    assert findings(tmp_path) == []


def test_one_configuration_that_cannot_be_known_leaves_the_others_judged(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, darwin, ... }: {
    nixosConfigurations.vm = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./boot.nix ]; };
    nixosConfigurations.other = darwin.lib.mkHost { modules = [ ./other.nix ]; };
  };
}
""",
        "boot.nix": CLEAN_BOOT.replace("boot.growPartition = true;", ""),
        "other.nix": "{ networking.hostName = \"other\"; }\n",
    })
    result = CliRunner().invoke(main, ["systems", "--json", str(tmp_path)], catch_exceptions=False)
    assert [s["name"] for s in json.loads(result.stdout)] == ["vm"]
    assert f"{tmp_path / 'flake.nix'}:4: nixosConfigurations.other cannot be known: darwin.lib.mkHost" in result.stderr
    assert [(f["code"], Path(f["file"]).name) for f in findings(tmp_path)] == [("ST107", "boot.nix")]


# -- judging -----------------------------------------------------------------------------------------

def test_identical_systems_are_evaluated_once(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: let
    mk = system: nixpkgs.lib.nixosSystem { inherit system; modules = [ ./boot.nix { networking.hostName = "vm"; } ]; };
  in {
    nixosConfigurations.vm = mk "aarch64-linux";
    packages.aarch64-linux.image = (mk "aarch64-linux").config.system.build.raw;
    packages.x86_64-linux.image = (mk "x86_64-linux").config.system.build.raw;
  };
}
""",
        "boot.nix": CLEAN_BOOT,
    })
    project = Project([str(p) for p in tmp_path.glob("*.nix")])
    assert [s.name for s in project.systems] == ["vm", "packages.aarch64-linux.image", "packages.x86_64-linux.image"]
    assert [(u.names, u.arch) for u in project.units] == [
        (["vm", "packages.aarch64-linux.image"], "aarch64-linux"), (["packages.x86_64-linux.image"], "x86_64-linux")]


def test_systems_alike_but_for_what_their_inline_modules_define_are_told_apart(tmp_path):
    # Identical systems are one evaluation, inline modules compared by what they define; a
    # file a system's module loads with `import` is no file of discovery's, whenever it is loaded.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: let
    mk = name: nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [ ./boot.nix { networking.hostName = name; users.users.me = import ./me.nix; } ];
    };
  in {
    nixosConfigurations = { a = mk "a"; b = mk "b"; again = mk "a"; };
  };
}
""",
        "boot.nix": CLEAN_BOOT,
        "me.nix": "{ isNormalUser = true; }\n",
    })
    project = Project(sorted(str(p) for p in tmp_path.glob("*.nix")))
    assert [u.names for u in project.units if u.whole] == [["a", "again"], ["b"]]
    [repository] = project.repositories
    assert repository.discovery.files == [str(tmp_path / "flake.nix")]


def test_a_module_list_partly_known_keeps_its_known_modules(tmp_path):
    # `[ ./hosts/${hostName} ] ++ optionals cond [ … ]`: with cond unknown, the host's module
    # is still read (the unknown part is opaque, and a gap); a flake input is a set, never null.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, home-manager }: let
    mkHost = { hostName, home-manager ? null }: nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [ ./hosts/${hostName} ]
        ++ nixpkgs.lib.optionals (home-manager != null) [ home-manager.nixosModules.home-manager ]
        ++ nixpkgs.lib.optionals (builtins.getEnv "CI" != "") [ ./ci.nix ];
    };
  in {
    nixosConfigurations.box = mkHost { hostName = "box"; inherit home-manager; };
  };
}
""",
        "hosts/box/default.nix": "{ imports = [ ../../boot.nix ] ++ (if builtins.getEnv \"X\" == \"\" then [ ] else [ ./x.nix ]); }\n",
        "boot.nix": CLEAN_BOOT,
        "ci.nix": "{ }\n",
    })
    [box] = systems(tmp_path)
    assert [Path(m).relative_to(tmp_path).as_posix() for m in box["modules"]] == ["hosts/box/default.nix", "boot.nix"]
    assert box["opaque"] == ["home-manager.nixosModules.home-manager",
                             'nixpkgs.lib.optionals (builtins.getEnv "CI" != "") [ ./ci.nix ]',
                             'if builtins.getEnv "X" == "" then [ ] else [ ./x.nix ]']
    assert box["gaps"] == ['part of the module list nixpkgs.lib.optionals (builtins.getEnv "CI" != "") [ ./ci.nix ] '
                           "cannot be known: optionals on a condition that cannot be known",
                           f'builtins.getEnv "CI" ({tmp_path / "flake.nix"}:7) reads the environment of whoever builds it']
    assert [f["code"] for f in findings(tmp_path) if f["severity"] == "error"] == []


def test_a_system_none_of_whose_modules_can_be_read_is_not_judged(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, clan }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = clan.modules; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ clan.nixosModules.default ]; };
  };
}
""",
    })
    assert [(s["name"], s["opaque"]) for s in systems(tmp_path)] == [("a", ["clan.modules"]),
                                                                     ("b", ["clan.nixosModules.default"])]
    assert findings(tmp_path) == []


def test_modules_of_nix_darwin_and_home_manager_are_no_nixos_fragments(tmp_path):
    # They set options of their own module systems (home-manager's `programs.*`, nix-darwin's
    # `documentation.*`): judged as NixOS fragments they gave false SPEC errors.  Whether
    # given to darwinSystem, homeManagerConfiguration, a flake-utils-plus darwin host, or to
    # home-manager's NixOS module (a path, `import`, `{ imports = … }`, sharedModules); what
    # they import too.  A missing import among them is still reported.
    HOME = "{{ pkgs, ... }}: {{ imports = [ {imports} ]; programs.command-not-found.enable = true; }}\n"
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs, darwin, home-manager }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [
        ./boot.nix
        home-manager.nixosModules.home-manager
        {
          home-manager.users.a = ./home/a.nix;
          home-manager.users.b = { imports = [ ./home/b.nix ]; };
          home-manager.users.c = import ./home/c.nix;
          home-manager.sharedModules = [ ./home/shared.nix ];
        }
      ];
    };
    darwinConfigurations.mac = darwin.lib.darwinSystem { system = "aarch64-darwin"; modules = [ ./mac.nix ]; };
    homeConfigurations.me = home-manager.lib.homeManagerConfiguration {
      pkgs = nixpkgs.legacyPackages.aarch64-linux;
      modules = [ ./home/me.nix ];
    };
  };
}
""",
        "boot.nix": CLEAN_BOOT,
        "home/a.nix": HOME.format(imports="./common.nix"),
        "home/b.nix": HOME.format(imports=""),
        "home/c.nix": HOME.format(imports=""),
        "home/shared.nix": "{ documentation.enable = true; }\n",
        "home/me.nix": HOME.format(imports="./gone.nix"),
        "home/common.nix": "{ documentation.man.enable = true; }\n",
        "mac.nix": "{ imports = [ ./mac-more.nix ]; documentation.enable = true; }\n",
        "mac-more.nix": "{ programs.command-not-found.enable = true; }\n",
    })
    assert [s["name"] for s in systems(tmp_path)] == ["box"]
    assert [(f["code"], Path(f["file"]).name) for f in findings(tmp_path)] == [("NX003", "me.nix")]


def test_a_systems_module_that_does_not_exist_is_reported_and_assumed(tmp_path):
    # Nix refuses the system (NX003, where its list is written); what only the whole system
    # can prove names the file among what it assumes sets nothing.
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: let
    mk = name: nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./hosts/${name}.nix ./common.nix ]; };
  in {
    nixosConfigurations = { a = mk "a"; b = mk "b"; };
  };
}
""",
        "hosts/a.nix": "{ }\n",
        "common.nix": "{ networking.hostName = \"x\"; }\n",
    })
    found = findings(tmp_path)
    assert [(f["code"], Path(f["file"]).name, f["message"]) for f in found if f["code"] == "NX003"] == [
        ("NX003", "flake.nix", "modules entry ./hosts/${name}.nix of system b points to "
                               f"{tmp_path / 'hosts' / 'b.nix'}, which does not exist")]
    not_set = sorted(f["message"] for f in found if f["code"] == "ST107")
    assert not_set == ["boot.growPartition is not set but the SPEC requires true: the root file system is resized on "
                       "first boot, and the partition must grow with it (assuming that ./hosts/${name}.nix, which the "
                       "linter cannot read, sets nothing here) (in 1 of 2 systems: b)",
                       "boot.growPartition is not set but the SPEC requires true: the root file system is resized on "
                       "first boot, and the partition must grow with it (in 1 of 2 systems: a)"]


def test_a_finding_at_a_declaration_says_which_systems_it_is_about(tmp_path):
    # x and y are one evaluation, declared at x: a finding there holds for y too
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: let
    mk = modules: nixpkgs.lib.nixosSystem { system = "aarch64-linux"; inherit modules; };
  in {
    nixosConfigurations = { x = mk [ ./a.nix ]; y = mk [ ./a.nix ]; z = mk [ ./a.nix ./grow.nix ]; };
  };
}
""",
        "a.nix": "{ networking.hostName = \"x\"; }\n",
        "grow.nix": "{ boot.growPartition = true; }\n",
    })
    [grow] = [f for f in findings(tmp_path) if f["code"] == "ST107"]
    assert (Path(grow["file"]).name, grow["message"].endswith("(in 2 of 3 systems: x, y)")) == ("flake.nix", True)


@pytest.mark.parametrize("systems_listed, problem", [
    ("[ flake-utils.lib.system.aarch64-linux ]", None),          # flake-utils' names of systems
    ('[ (builtins.getEnv "SYSTEM") ]', "part of its outputs cannot be known"),
])
def test_outputs_updated_with_known_systems_over_outputs_that_may_not_be_known(tmp_path, systems_listed, problem):
    # `eachSystem … (system: { … }) // { nixosConfigurations = …; }`: the right side wins
    write_tree(tmp_path, {
        "flake.nix": f"""{{
  inputs.flake-utils.url = "github:numtide/flake-utils";
  outputs = {{ self, nixpkgs, flake-utils, ... }}:
    flake-utils.lib.eachSystem {systems_listed} (system: {{
      packages.hello = nixpkgs.legacyPackages.${{system}}.hello;
    }}) // {{
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {{
        system = flake-utils.lib.system.aarch64-linux;
        modules = [ ./boot.nix ];
      }};
    }};
}}
""",
        "boot.nix": CLEAN_BOOT,
    })
    [box] = systems(tmp_path)
    assert (box["name"], box["system"]) == ("box", "aarch64-linux")
    listing = invoke("systems", tmp_path).output
    assert (problem in listing) if problem else "discovery:" not in listing
    assert findings(tmp_path) == []


def test_a_system_an_output_names_only_inside_a_string_is_found(tmp_path):
    # microvm.nix's apps: `program = "${(import configFile { … }).config.microvm.declaredRunner}/bin/…"`
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: let
    toApp = configFile: {
      type = "app";
      program = "${(import configFile { inherit nixpkgs; }).config.system.build.vm}/bin/run";
    };
  in { apps.aarch64-linux.vm = toApp ./host; };
}
""",
        "host/default.nix": """{ nixpkgs }: nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ../boot.nix ]; }
""",
        "boot.nix": CLEAN_BOOT,
    })
    assert listed(tmp_path) == {"apps.aarch64-linux.vm.program": ("aarch64-linux", ["boot.nix"], [])}


def test_a_system_extended_with_more_modules_is_a_system_of_its_own(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": """{
  outputs = { self, nixpkgs }: {
    nixosConfigurations.pi = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./boot.nix ]; };
    packages.aarch64-linux.plain = self.nixosConfigurations.pi.config.system.build.sdImage;
    packages.aarch64-linux.image = (self.nixosConfigurations.pi.extendModules {
      modules = [ ./image.nix ];
    }).config.system.build.sdImage;
  };
}
""",
        "boot.nix": CLEAN_BOOT,
        "image.nix": "{ lib, ... }: { boot.growPartition = lib.mkForce false; }\n",
    })
    assert listed(tmp_path) == {"pi": ("aarch64-linux", ["boot.nix"], []),
                                "packages.aarch64-linux.image": ("aarch64-linux", ["boot.nix", "image.nix"], [])}
    assert [(f["code"], Path(f["file"]).name) for f in findings(tmp_path)] == [("ST107", "image.nix")]


@pytest.mark.parametrize("patcher", ["flake-input-patcher.lib.x86_64-linux",
                                     "flake-input-patcher.lib.${builtins.elemAt (import systems) 0}"])
def test_inputs_rebound_by_flake_input_patcher_are_the_inputs(tmp_path, patcher):
    write_tree(tmp_path, {
        "flake.nix": f"""{{
  inputs.flake-input-patcher.url = "github:jfly/flake-input-patcher";
  outputs = unpatchedInputs@{{ flake-input-patcher, systems, ... }}:
    let
      patcher = {patcher};
      inputs = patcher.patch unpatchedInputs {{ nixpkgs.patches = [ ]; }};
    in {{
      nixosConfigurations.box = inputs.nixpkgs.lib.nixosSystem {{ system = "aarch64-linux"; modules = [ ./boot.nix ]; }};
    }};
}}
""",
        "boot.nix": CLEAN_BOOT,
    })
    assert listed(tmp_path) == {"box": ("aarch64-linux", ["boot.nix"], [])}


def test_a_fragment_is_judged_on_what_it_defines_never_on_what_it_leaves_unset(tmp_path):
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}),
        "boot.nix": CLEAN_BOOT,
        "spare/empty.nix": "{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }\n",
        "spare/wrong.nix": ("{ lib, ... }: { networking.firewall.enable = true;\n"
                            "  boot.kernelParams = [ \"console=hvc0\" \"console=tty0\" ]; }\n"),
    })
    found = findings(tmp_path)
    # ST120 (a wrong value) is reported; ST102 (the order of a list other modules add to) and
    # every "not set" are not: they are the business of a system that imports the fragment.
    assert [(f["code"], Path(f["file"]).name, f["line"]) for f in found] == [("ST120", "wrong.nix", 1)]


# -- failures are isolated -----------------------------------------------------------------------------

def test_an_update_of_a_mkif_value_no_longer_crashes_and_drops_the_right_side(tmp_path):
    # config = lib.mkIf c { … } // { … } aborted whole runs (IndexError in _merge_values)
    module = ("{ lib, config, ... }: {\n  config = lib.mkIf config.services.{0}.enable "
              "{ networking.firewall.enable = false; } // { boot.loader.grub.enable = true; };\n}\n")
    write_tree(tmp_path, {"root.nix": "{ imports = [ ./a.nix ./b.nix ]; }\n",
                          "a.nix": module.replace("{0}", "a"), "b.nix": module.replace("{0}", "b")})
    result = invoke("eval", "boot.loader.grub.enable", "--json", tmp_path)
    assert result.exit_code == 0
    [record] = json.loads(result.output)
    assert record["defined"] is False       # the module system reads only the mkIf: the update's set is dropped


def test_an_internal_error_in_one_rule_is_one_finding_and_the_run_goes_on(tmp_path, monkeypatch):
    rules = load_rules()
    broken = rules["ST107"]

    def explode(ctx):
        raise KeyError("boom")
        yield  # a generator, as rules are

    monkeypatch.setattr(broken, "check", explode)
    write_tree(tmp_path, {"boot.nix": CLEAN_BOOT.replace("boot.consoleLogLevel = 0;", "boot.consoleLogLevel = 4;")})
    found = run(Project([str(tmp_path / "boot.nix")]), rules.values())
    assert sorted(f.code for f in found) == ["NX999", "ST104"]
    failure = next(f for f in found if f.code == "NX999")
    assert failure.message == "internal error in stereos-lint while ST107 on " \
                              f"{tmp_path / 'boot.nix'}: KeyError: 'boom'"


def test_an_internal_error_while_a_value_is_evaluated_lazily_is_one_finding(tmp_path, monkeypatch):
    """Values are evaluated when a rule asks for them, after the systems are built: a bug
    met then (here, in deciding whether a fragment is worth judging) is an NX999 too."""
    from stereos_lint.nix.interpreter import Interpreter

    original = Interpreter.eval_apply_expression

    def explode(self, node, env, source):
        if source.path.endswith("bad.nix"):
            raise IndexError("boom")
        return original(self, node, env, source)

    monkeypatch.setattr(Interpreter, "eval_apply_expression", explode)
    write_tree(tmp_path, {
        "flake.nix": flake({"vm": "aarch64-linux"}),
        "boot.nix": CLEAN_BOOT,
        "spare/bad.nix": "{ lib, ... }: { boot.kernelParams = lib.mkIf true [ \"quiet\" ]; }\n",
        "spare/wrong.nix": "{ ... }: { networking.firewall.enable = true; }\n",
    })
    found = run(Project([str(p) for p in sorted(tmp_path.rglob("*.nix"))]), load_rules().values())
    assert ("ST120", "wrong.nix") in {(f.code, Path(f.path).name) for f in found}
    [failure] = [f for f in found if f.code == "NX999"]
    assert Path(failure.path).name == "bad.nix" and failure.message.endswith("IndexError: boom"), failure.message


def test_eval_says_an_internal_error_met_while_evaluating_instead_of_raising(tmp_path, monkeypatch):
    from stereos_lint.nix.interpreter import Interpreter

    def explode(self, node, env, source):
        raise IndexError("boom")

    monkeypatch.setattr(Interpreter, "eval_apply_expression", explode)
    write_tree(tmp_path, {"m.nix": "{ lib, ... }: { boot.kernelParams = lib.mkIf true [ \"quiet\" ]; }\n"})
    result = invoke("eval", "boot.kernelParams", "--json", tmp_path)
    assert result.exit_code == 0, result.output
    [record] = json.loads(result.output)
    assert record["error"] == "internal error in stereos-lint: IndexError: boom"
