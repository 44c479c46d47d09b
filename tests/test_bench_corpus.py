"""The benchmark's repositories corpus is valid Nix in real shapes: every file a small
generation writes parses with `nix-instantiate --parse` (which also refuses a set that
defines an attribute twice), and its repositories build systems the linter finds."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess

import pytest

from lintutil import REPO, nix_files
from stereos_lint.systems.project import Project


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("bench_generate_repos", REPO / "bench" / "generate_repos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("repos") / "corpus"
    module.generate(str(out), seed=5, scale=0.2)
    return out


def test_every_generated_file_parses_with_nix(corpus):
    if shutil.which("nix-instantiate") is None:
        pytest.skip("nix-instantiate is not installed (Debian's nix-bin; .ci/run installs it)")
    files = nix_files(corpus)
    assert len(files) > 150
    for path in files:
        done = subprocess.run(["nix-instantiate", "--parse", path], capture_output=True, text=True)
        assert done.returncode == 0, f"{path}: {done.stderr}"


def test_every_generated_repository_builds_systems(corpus):
    project = Project(nix_files(corpus))
    with_systems = [r for r in project.repositories if r.systems]
    assert len(project.repositories) == len(with_systems) == 8
    shapes = {r.root.rsplit("-", 1)[-1] for r in with_systems}
    assert shapes == {"helper", "readdir", "direct", "parts", "stereos", "classic"}
    project.units   # evaluates them: an architecture the builder does not give comes from nixpkgs.hostPlatform
    assert all(s.arch for s in project.systems)


def test_fix_on_the_corpus_writes_only_nix_that_nix_accepts(corpus, tmp_path):
    # --fix inserts every missing SPEC value into real repository shapes: each file it
    # changes must still parse with Nix (a binding written twice, in a set off the option's
    # path or again and again under a mkIf, did not), and a second --fix changes nothing.
    import json

    from click.testing import CliRunner
    from stereos_lint.interfaces.cli import main

    if shutil.which("nix-instantiate") is None:
        pytest.skip("nix-instantiate is not installed (Debian's nix-bin; .ci/run installs it)")
    tree = tmp_path / "corpus"
    shutil.copytree(corpus, tree)
    before = {path: open(path, "rb").read() for path in nix_files(tree)}
    CliRunner().invoke(main, ["--fix", "--exit-zero", str(tree)], catch_exceptions=False)
    changed = [path for path in nix_files(tree) if open(path, "rb").read() != before[path]]
    assert len(changed) > 20
    for path in changed:
        done = subprocess.run(["nix-instantiate", "--parse", path], capture_output=True, text=True)
        assert done.returncode == 0, f"{path}: {done.stderr}"
    left = json.loads(CliRunner().invoke(main, ["--format", "json", "--exit-zero", str(tree)]).output)
    assert [f for f in left if f["fix"]] == []
    after = {path: open(path, "rb").read() for path in changed}
    CliRunner().invoke(main, ["--fix", "--exit-zero", str(tree)], catch_exceptions=False)
    assert all(open(path, "rb").read() == data for path, data in after.items())
