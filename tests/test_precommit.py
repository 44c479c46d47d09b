"""The pre-commit hook, through the real `pre-commit` (installed by the `test` extra).

Each test builds a throw-away git repository holding NixOS modules and runs
`pre-commit try-repo <this repository> stereos-lint`: pre-commit clones the
hook repository, builds a virtualenv for the hook, pip-installs stereos-lint
into it (from PyPI and this checkout only) and runs the hook's entry.

`<this repository>` is a snapshot: every file git knows here (tracked, or
untracked and not ignored) committed into a fresh repository under tmp_path.
Pointed at a working tree with uncommitted changes, try-repo makes a shadow
commit of the *tracked* changes only (`git add -u`), so a file not yet added
-- the hooks file itself, a new rule -- would be missing; on a fresh clone in
CI the snapshot is exactly HEAD.  Either way this repository's own .git is
only read (`git ls-files`), never written.

PRE_COMMIT_HOME and TMPDIR (try-repo keeps its store in a temporary
directory) point into tmp_path, and the git identity and global config are
the test's own, so nothing leaks out and nothing leaks in.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lintutil import FIXTURES, REPO

DRIFTED = FIXTURES / "stereos" / "drifted" / "boot.nix"
CLEAN = FIXTURES / "stereos" / "clean" / "boot.nix"
FINDING = re.compile(r"^(\S+\.nix):(\d+):(\d+): ([A-Z]{2}\d{3}) ", re.MULTILINE)


def pre_commit_command() -> list[str]:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is not installed in this Python; CI installs it via the test extra "
                    "(pip install -e '.[test]'), so install that extra to run these tests")
    return [sys.executable, "-m", "pre_commit"]


def isolated_env(tmp: Path) -> dict[str, str]:
    """The environment pre-commit and git see: ours, minus any git/pre-commit state of a caller
    (tests run from inside a git hook inherit GIT_INDEX_FILE and friends)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT")) and k != "SKIP"}
    (tmp / "tmp").mkdir(exist_ok=True)
    gitconfig = tmp / "gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n")
    env.update(
        PRE_COMMIT_HOME=str(tmp / "pre-commit-home"),
        TMPDIR=str(tmp / "tmp"),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_AUTHOR_NAME="stereos-lint tests", GIT_AUTHOR_EMAIL="tests@stereos-lint.invalid",
        GIT_COMMITTER_NAME="stereos-lint tests", GIT_COMMITTER_EMAIL="tests@stereos-lint.invalid",
        NO_COLOR="1",
    )
    return env


def git(env: dict[str, str], cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def commit_all(env: dict[str, str], repo: Path) -> None:
    git(env, repo, "init", "-q")
    git(env, repo, "add", "-A")
    git(env, repo, "commit", "-q", "-m", "snapshot")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """This repository as committed files in a fresh git repository (see the module docstring)."""
    tmp = tmp_path_factory.mktemp("hook-repo")
    env = isolated_env(tmp)
    listed = git(env, REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    snapshot = tmp / "stereos-lint"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    commit_all(env, snapshot)
    return snapshot


def try_repo(hook_repo: Path, tmp_path: Path, files: dict[str, str], *selection: str):
    """Commit `files` into a throw-away repository and run the hook there via try-repo."""
    env = isolated_env(tmp_path)
    project = tmp_path / "project"
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    commit_all(env, project)
    return subprocess.run(
        [*pre_commit_command(), "try-repo", str(hook_repo), "stereos-lint", "--color=never", *selection],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )


def test_hooks_file_is_a_valid_manifest_matching_nix_files(tmp_path):
    result = subprocess.run([*pre_commit_command(), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                            env=isolated_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    from identify.identify import tags_from_filename  # pre-commit's classifier, behind `types: [nix]`
    assert "nix" in tags_from_filename("boot.nix") and "nix" not in tags_from_filename("boot.nix.orig")


def test_hook_fails_on_the_drifted_module_and_prints_its_findings(hook_repo, tmp_path):
    result = try_repo(hook_repo, tmp_path, {"modules/boot.nix": DRIFTED.read_text()}, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^stereos-lint\.+Failed$", output, re.MULTILINE), output
    assert "modules/boot.nix:130:44: ST120 [firewall-disabled] networking.firewall.enable is true" in output
    assert {m[3] for m in FINDING.findall(output)} >= {"ST101", "ST103", "ST110", "ST120", "ST130"}


def test_hook_passes_on_the_clean_module(hook_repo, tmp_path):
    result = try_repo(hook_repo, tmp_path, {"modules/boot.nix": CLEAN.read_text()}, "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"^stereos-lint\.+Passed$", output, re.MULTILINE), output
    assert not FINDING.search(output), output


CONFIGURATION = """{ ... }:
{
  imports = [ ./boot.nix ./services.nix ./override.nix ];
}
"""
SERVICES = """{ ... }:
{
  services.openssh.enable = true;
}
"""
OVERRIDE = """{ lib, ... }:
{
  networking.firewall.enable = lib.mkVMOverride true;
}
"""


def test_hook_judges_the_passed_files_within_the_whole_module_graph(hook_repo, tmp_path):
    """Only services.nix and override.nix "changed".  Linted alone, services.nix would be judged as
    a whole system (dozens of SPEC options "not set"); within the graph it is fine.  override.nix's
    mkVMOverride is weighed against boot.nix's mkForce false and wins: that ST120 is reported,
    in override.nix, and nothing else."""
    files = {"configuration.nix": CONFIGURATION, "boot.nix": CLEAN.read_text(),
             "services.nix": SERVICES, "override.nix": OVERRIDE}
    result = try_repo(hook_repo, tmp_path, files, "--files", "services.nix", "override.nix")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert [(m[0], m[1], m[3]) for m in FINDING.findall(output)] == [("override.nix", "3", "ST120")], output
    assert "networking.firewall.enable is true (lib.mkVMOverride, override.nix:3)" in output


def test_hook_judges_a_changed_profile_inside_every_system_that_contains_it(hook_repo, tmp_path):
    """The stereOS shape: systems built by a helper in lib/ from modules/, profiles/ and
    mixtapes/.  A commit touching profiles/dev.nix is judged as part of every *-dev system
    (its persistent journal is ST202), and one touching flake.nix, lib/ and profiles/base.nix
    -- which used to be judged as whole systems of their own, with dozens of SPEC options
    "not set" -- passes."""
    repo = FIXTURES / "repos" / "stereos-flake"
    files = {str(path.relative_to(repo)): path.read_text() for path in repo.rglob("*") if path.is_file()}
    result = try_repo(hook_repo, tmp_path, files, "--files", "profiles/dev.nix")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert [(m[0], m[1], m[3]) for m in FINDING.findall(output)] == [("profiles/dev.nix", "5", "ST202")], output

    (tmp_path / "again").mkdir()
    result = try_repo(hook_repo, tmp_path / "again", files, "--files", "flake.nix", "lib/default.nix",
                      "profiles/base.nix")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not FINDING.search(output), output
