"""Systems: what a repository builds, found statically, and judged whole.

Five fixture repositories in the shapes real ones have (fixtures/repos/): a
stereOS-shaped flake (a helper in lib/, profiles, formats imported by a profile, a
dev profile in extraModules, image systems for two architectures, opaque input
modules), a plain flake whose hosts come from `readDir ./hosts`, a flake-parts
flake, a non-flake configuration.nix, and a flake whose hosts a flake input's
function loads (haumea with its scoped loader), so that its systems cannot be known.  Each has defects planted in it; linting
from its root must report exactly those, and linting one changed file with
`--context .` exactly that file's.  Expected values are written from the fixtures'
text (the positions are looked up in it), not from the tool's output.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lintutil import FIXTURES
from stereos_lint.interfaces.cli import main

REPOS = FIXTURES / "repos"
STEREOS = REPOS / "stereos-flake"
HOSTS = REPOS / "hosts-flake"
PARTS = REPOS / "parts-flake"
CLASSIC = REPOS / "classic"
LOADER = REPOS / "loader-flake"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def at(path: Path, needle: str, nth: int = 1) -> dict:
    """{file, line, column} of the nth occurrence of `needle` in `path` (1-based)."""
    text = path.read_text()
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return {"file": str(path.relative_to(Path.cwd())) if path.is_absolute() else str(path), "line": line,
            "column": column}


def planted(output: str) -> set[tuple[str, str, int]]:
    """(code, file, line) of each finding in --format json output."""
    return {(f["code"], f["file"], f["line"]) for f in json.loads(output)}


@pytest.fixture
def in_repo(monkeypatch):
    def enter(repo: Path) -> None:
        monkeypatch.chdir(repo)
    return enter


# -- the stereOS-shaped flake --------------------------------------------------------------------

STEREOS_MODULES = ["lib/default.nix", "modules/default.nix", "profiles/base.nix"]
STEREOS_IMPORTED = ["modules/base.nix", "modules/boot.nix", "modules/services/agentd.nix", "modules/users/agent.nix",
                    "formats/raw-efi.nix", "formats/qcow.nix"]
STEREOS_OPAQUE = ["inputs.agentd.nixosModules.default", "inputs.stereosd.nixosModules.default",
                  '"${modulesPath}/image/repart.nix"']


def stereos_system(name: str, arch: str, declared: dict, mixtape: str, dev: bool) -> dict:
    # modules = [ inputs… (opaque), an inline function, ../modules, ../profiles/base.nix,
    # { hostName } ] ++ features ++ extraModules, then their imports, breadth-first.
    top = STEREOS_MODULES + [f"mixtapes/{mixtape}/package.nix"] + (["profiles/dev.nix"] if dev else [])
    gap = 'builtins.getEnv "HOME" (lib/default.nix:11) reads the environment of whoever builds it'
    record = {"name": name, "system": arch, "declared_at": declared, "modules": top + STEREOS_IMPORTED,
              "opaque": STEREOS_OPAQUE, "gaps": [gap]}
    return record


def test_systems_of_the_stereos_flake(in_repo):
    in_repo(STEREOS)
    result = invoke("systems", "--json")
    assert result.exit_code == 0, result.output
    flake, images = Path("flake.nix"), Path("flake/images.nix")
    expected = [
        stereos_system(name, "aarch64-linux", at(flake, f"{name} = stereos-lib.mkMixtape") | {
            "column": at(flake, f"{name} = stereos-lib.mkMixtape")["column"] + len(f"{name} = ")},
            name.removesuffix("-dev"), name.endswith("-dev"))
        for name in ("base", "base-dev", "coder", "coder-dev")   # nixosConfigurations, by name as Nix orders them
    ]
    call = at(images, "stereos-main.mkMixtape {")
    for arch in ("aarch64-linux", "x86_64-linux"):
        for name in ("base", "base-dev", "coder", "coder-dev"):
            record = stereos_system(f"packages.{arch}.{name}", arch, call, name.removesuffix("-dev"),
                                    name.endswith("-dev"))
            record["aliases"] = [f"packages.{arch}.{name}-qcow2"]
            expected.append(record)
    assert json.loads(result.output) == expected


def test_linting_the_stereos_flake_from_its_root_reports_only_the_planted_defects(in_repo):
    in_repo(STEREOS)
    result = invoke("--format", "json", ".")
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert planted(result.output) == {
        ("ST102", "modules/boot.nix", 47),            # x86_64: tty0 after ttyS0
        ("ST202", "profiles/dev.nix", 5),             # the dev profile forces a persistent journal
        ("ST121", "mixtapes/coder/package.nix", 6),   # the coder mixtape forces polkit on
        ("ST103", "modules/unused/serial-debug.nix", 5),   # a fragment: its own wrong baud rate
    }
    console = next(f for f in findings if f["code"] == "ST102")
    assert console["message"].endswith(
        "(in 4 of 12 systems: packages.x86_64-linux.base, packages.x86_64-linux.base-dev, "
        "packages.x86_64-linux.coder, packages.x86_64-linux.coder-dev)")
    journal = next(f for f in findings if f["code"] == "ST202")
    assert "systems" not in journal["message"]        # it holds in every system profiles/dev.nix is part of
    assert not any("not set" in f["message"] for f in findings)


@pytest.mark.parametrize("changed, expected", [
    ("profiles/dev.nix", {("ST202", "profiles/dev.nix", 5)}),
    ("modules/boot.nix", {("ST102", "modules/boot.nix", 47)}),
    ("mixtapes/base/package.nix", set()),
    ("flake.nix", set()),
    ("lib/default.nix", set()),
    ("modules/unused/serial-debug.nix", {("ST103", "modules/unused/serial-debug.nix", 5)}),
])
def test_one_changed_file_of_the_stereos_flake_is_judged_in_its_systems(in_repo, changed, expected):
    in_repo(STEREOS)
    result = invoke("--format", "json", "--context", ".", changed)
    assert planted(result.output) == expected
    assert result.exit_code == (1 if expected else 0)


# -- a plain flake with hosts from readDir -----------------------------------------------------------

def test_systems_of_the_hosts_flake(in_repo):
    in_repo(HOSTS)
    result = invoke("systems", "--json")
    declared = at(Path("flake.nix"), "lib.genAttrs hostNames mkHost")
    common = ["modules/common.nix", "modules/ssh.nix"]
    assert json.loads(result.output) == [
        {"name": "pi", "system": "aarch64-linux", "declared_at": declared,
         "modules": ["hosts/pi/default.nix", "modules/default.nix", "flake.nix",
                     "hosts/pi/hardware-configuration.nix", *common],
         "opaque": ["home-manager.nixosModules.home-manager",
                    'modulesPath + "/installer/sd-card/sd-image-aarch64.nix"'],
         "gaps": []},
        {"name": "web", "system": "x86_64-linux", "declared_at": declared,
         "modules": ["hosts/web/default.nix", "modules/default.nix", "flake.nix",
                     "hosts/web/hardware-configuration.nix", *common],
         "opaque": ["home-manager.nixosModules.home-manager", 'modulesPath + "/installer/scan/not-detected.nix"'],
         "gaps": [], "aliases": ["checks.x86_64-linux.web"]},
    ]


def test_linting_the_hosts_flake_reports_only_the_planted_defects(in_repo):
    in_repo(HOSTS)
    result = invoke("--format", "json", ".")
    assert planted(result.output) == {
        ("SEC001", "hosts/web/default.nix", 9),   # passwords on, over the shared module's mkDefault false
        ("NX001", "hosts/pi/default.nix", 9),     # PermitRootLogin written twice
    }
    assert invoke("--format", "json", "--context", ".", "hosts/web/default.nix").output.count('"code"') == 1
    assert planted(invoke("--format", "json", "--context", ".", "modules/ssh.nix").output) == set()
    # pkgs/ and home/ are fragments (a package, a home-manager module): nothing to say
    assert planted(invoke("--format", "json", "--context", ".", "pkgs", "home").output) == set()


# -- flake-parts -----------------------------------------------------------------------------------

def test_systems_of_the_flake_parts_flake(in_repo):
    in_repo(PARTS)
    result = invoke("systems", "--json")
    modules = ["modules/boot.nix", "modules/sandbox.nix"]
    generate = at(Path("flake/images.nix"), "inputs.nixos-generators.nixosGenerate")
    assert json.loads(result.output) == [
        # `withSystem "aarch64-linux" (… nixosSystem { … })`: the function holding the builder is
        # called by withSystem, so the system is declared where withSystem is called
        {"name": "sandbox", "system": "aarch64-linux",
         "declared_at": at(Path("flake/hosts.nix"), 'withSystem "aarch64-linux"'),
         "modules": modules, "opaque": [], "gaps": [],
         "aliases": ["checks.aarch64-linux.sandbox", "checks.x86_64-linux.sandbox"]},
        # perSystem, once per entry of `systems`; nixos-generators adds the format's module
        {"name": "packages.aarch64-linux.sandbox-image", "system": "aarch64-linux", "declared_at": generate,
         "modules": modules, "opaque": ["nixos-generators' format raw-efi"], "gaps": []},
        {"name": "packages.x86_64-linux.sandbox-image", "system": "x86_64-linux", "declared_at": generate,
         "modules": modules, "opaque": ["nixos-generators' format raw-efi"], "gaps": []},
    ]


def test_linting_the_flake_parts_flake_reports_only_the_planted_defect(in_repo):
    in_repo(PARTS)
    result = invoke("--format", "json", ".")
    assert planted(result.output) == {("ST101", "modules/boot.nix", 28)}
    assert planted(invoke("--format", "json", "--context", ".", "modules/sandbox.nix").output) == set()


# -- a non-flake configuration.nix --------------------------------------------------------------------

def test_systems_of_a_classic_configuration(in_repo):
    in_repo(CLASSIC)
    result = invoke("systems", "--json")
    assert json.loads(result.output) == [
        {"name": "configuration", "system": "x86_64-linux",
         "declared_at": {"file": "configuration.nix", "line": 1, "column": 1},
         "modules": ["configuration.nix", "hardware-configuration.nix", "services.nix"],
         "opaque": ['modulesPath + "/installer/scan/not-detected.nix"'], "gaps": []},
    ]


def test_linting_a_classic_configuration_reports_only_the_planted_defects(in_repo):
    in_repo(CLASSIC)
    result = invoke("--format", "json", ".")
    assert planted(result.output) == {
        ("SEC002", "services.nix", 8),      # the firewall off, in the system
        ("SEC001", "old/desktop.nix", 6),   # a fragment: its own wrong value (not "firewall not set")
    }
    assert planted(invoke("--format", "json", "--context", ".", "services.nix").output) == {
        ("SEC002", "services.nix", 8)}
    assert planted(invoke("--format", "json", "--context", ".", "configuration.nix").output) == set()


# -- hosts loaded by a flake input's function (haumea) ---------------------------------------------

def test_systems_a_flake_input_loads_cannot_be_known_and_are_not_guessed(in_repo):
    in_repo(LOADER)
    result = CliRunner().invoke(main, ["systems", "--json"], catch_exceptions=False)
    assert json.loads(result.stdout) == []
    where = at(Path("outputs/default.nix"), "lib.attrsets.mergeAttrsList")
    assert f"discovery: outputs/default.nix:{where['line']}: nixosConfigurations cannot be known: " \
           "lib.attrsets.mergeAttrsList ( map (host:" in result.stderr
    assert invoke("systems").output.startswith("No system could be known")


def test_linting_a_flake_whose_systems_cannot_be_known_judges_every_file_as_a_fragment(in_repo):
    # Before, files no other file imports stood in for systems: 279 findings, all but one
    # "… is not set" on files that are parts of a system.
    in_repo(LOADER)
    assert planted(invoke("--format", "json", ".").output) == {("ST107", "modules/boot.nix", 10)}


@pytest.mark.parametrize("repo", ["stereos-flake", "hosts-flake", "parts-flake", "classic", "loader-flake",
                                  "../stereos"])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_changed_file_with_context_gets_exactly_its_findings_of_the_whole_run(repo, jobs, monkeypatch):
    """The hook's run (`--context .`, one file) skips the other files' file rules, and must
    still report, for that file, exactly what linting the whole repository reports."""
    monkeypatch.chdir(REPOS / repo)
    monkeypatch.setenv("STEREOS_LINT_PARALLEL_MIN_FILES", "2")   # the parts path too, with --jobs 2
    whole = json.loads(invoke("--format", "json", "--jobs", jobs, "--exit-zero", ".").output)
    files = sorted(str(p.relative_to(REPOS / repo)) for p in (REPOS / repo).rglob("*.nix"))
    for changed in files:
        alone = json.loads(invoke("--format", "json", "--jobs", jobs, "--exit-zero", "--context", ".", changed).output)
        assert alone == [f for f in whole if f["file"] == changed], changed
