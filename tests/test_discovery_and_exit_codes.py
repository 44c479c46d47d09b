"""Which files a run lints, and what the process exits with, for every output format."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lintutil import FIXTURES, write_tree
from stereos_lint.interfaces.discover import discover

DRIFTED = FIXTURES / "stereos" / "drifted"
CLEAN = FIXTURES / "stereos" / "clean"


def test_directories_are_walked_for_nix_files_skipping_git_and_result_links(tmp_path):
    write_tree(tmp_path, {"a.nix": "{ }", "sub/b.nix": "{ }", "notes.txt": "x", ".git/c.nix": "{ }"})
    build = tmp_path / "build-output"
    write_tree(build, {"d.nix": "{ }"})
    (tmp_path / "result").symlink_to(build)
    (tmp_path / "result-2").symlink_to(build)
    found = [os.path.relpath(f, tmp_path) for f in discover([str(tmp_path)])]
    assert sorted(found) == ["a.nix", "build-output/d.nix", "sub/b.nix"]


def test_git_ignored_files_are_skipped_but_named_files_are_not(tmp_path):
    write_tree(tmp_path, {".gitignore": "generated/\n", "a.nix": "{ }", "generated/g.nix": "{ }"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    found = [os.path.relpath(f, tmp_path) for f in discover([str(tmp_path)])]
    assert found == ["a.nix"]
    named = discover([str(tmp_path / "generated" / "g.nix")])
    assert [os.path.relpath(f, tmp_path) for f in named] == ["generated/g.nix"]


def test_symlink_loops_do_not_hang(tmp_path):
    write_tree(tmp_path, {"a/m.nix": "{ }"})
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    assert [os.path.relpath(f, tmp_path) for f in discover([str(tmp_path)])] == ["a/m.nix"]


def test_a_file_reached_through_a_linked_file_or_folder_is_the_file_linted(tmp_path):
    """Its folder's real path is resolved once per folder (Project._real): a file whose own
    name is a link, or that sits in a linked folder, still has the one name it was given."""
    from stereos_lint.systems.project import Project

    write_tree(tmp_path, {"real/a.nix": "{ }", "real/sub/b.nix": "{ }"})
    (tmp_path / "folder-link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "file-link.nix").symlink_to(tmp_path / "real" / "a.nix")
    (tmp_path / "real" / "sub" / "up-link.nix").symlink_to("../a.nix")
    given = str(tmp_path / "real" / "a.nix")
    project = Project([given, str(tmp_path / "real" / "sub" / "b.nix")])
    for other in ("folder-link/a.nix", "file-link.nix", "real/sub/up-link.nix", "folder-link/sub/../a.nix",
                  "real/sub/../a.nix", "folder-link/sub/up-link.nix"):
        assert project.canonical(str(tmp_path / other)) == given, other
    assert project.canonical(str(tmp_path / "folder-link" / "sub" / "b.nix")) == str(tmp_path / "real" / "sub" / "b.nix")


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "stereos_lint", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_a_file_that_cannot_be_read_gives_a_message_not_a_traceback(tmp_path):
    # A dangling symlink named explicitly cannot be opened whoever runs the test (CI runs as
    # root, which reads a chmod-000 file, so that case could not fail here).
    (tmp_path / "gone.nix").symlink_to(tmp_path / "missing-target.nix")
    result = run_cli("--select", "NX000", tmp_path / "gone.nix")
    assert result.returncode == 1
    assert "NX000" in result.stdout and "cannot read the file" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif", "github"])
def test_every_format_exits_one_on_findings_and_zero_on_a_clean_tree(output_format):
    dirty = run_cli("--format", output_format, DRIFTED)
    assert dirty.returncode == 1, dirty.stderr
    assert "ST120" in dirty.stdout
    clean = run_cli("--format", output_format, CLEAN)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Traceback" not in dirty.stderr + clean.stderr
    if output_format in ("json", "sarif"):
        json.loads(dirty.stdout)
        json.loads(clean.stdout)


@pytest.mark.parametrize("args", [
    ["no-such-path"],
    ["--select", "XX1", "."],
    ["--format", "yaml", "."],
    ["--config", "no-such-config.toml", "."],
])
def test_usage_and_configuration_errors_exit_two_with_a_message(args):
    result = run_cli(*args, cwd=FIXTURES / "stereos")
    assert result.returncode == 2
    assert "Error" in result.stderr and "Traceback" not in result.stderr


def test_exit_zero_keeps_the_report():
    result = run_cli("--exit-zero", "--format", "concise", DRIFTED)
    assert result.returncode == 0 and "ST120" in result.stdout


def test_a_large_report_reaches_a_pipe_whole_and_a_closed_pipe_is_not_an_error(tmp_path):
    # The command ends without freeing its evaluations (cli.entry_point): its output must
    # still be flushed whole, with the run's exit code.
    write_tree(tmp_path, {f"m{i:03}.nix": "{ a = 1; a = 2; }\n" for i in range(600)})
    whole = run_cli("--select", "NX001", "--format", "json", "--jobs", "1", tmp_path)
    assert whole.returncode == 1, whole.stderr
    assert len(whole.stdout) > 65536 and len(json.loads(whole.stdout)) == 600
    reader = subprocess.Popen([sys.executable, "-m", "stereos_lint", "--select", "NX001", str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait(timeout=120) == 1
    assert "Traceback" not in reader.stderr.read().decode()
