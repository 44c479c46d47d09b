"""`--jobs N`: a tree linted in parts, in a pool or one part after another, gives exactly
the findings, in exactly the order, of one process linting it whole."""
from __future__ import annotations

import importlib.util
import os

import pytest
from click.testing import CliRunner

from lintutil import FIXTURES, REPO, nix_files, write_tree
from stereos_lint.interfaces import parallel
from stereos_lint.systems import path_literals
from stereos_lint.interfaces.cli import main
from stereos_lint.checking.engine import load_rules, run
from stereos_lint.checking.findings import Severity
from stereos_lint.systems.project import DEFAULT_SYSTEMS, Project
from stereos_lint.checking.rule import Rule

POOL_ALWAYS = {"STEREOS_LINT_PARALLEL_MIN_FILES": "0"}


def invoke(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def _generate(out, scale: float) -> None:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(str(out), seed=11, scale=scale)


@pytest.fixture(scope="module")
def generated_tree(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "tree"
    _generate(out, scale=0.04)
    return out


@pytest.fixture
def executions(monkeypatch):
    """Every call of the chunk runner: (jobs, number of chunks)."""
    calls = []
    real = parallel._execute

    def spy(tasks, jobs, costs):
        calls.append((jobs, len(tasks)))
        return real(tasks, jobs, costs)

    monkeypatch.setattr(parallel, "_execute", spy)
    return calls


def dump(findings):
    return [(f.code, f.severity.value, f.message, f.span.path, f.span.start, f.span.end, f.system,
             None if f.fix is None else [(e.span.start, e.span.end, e.content) for e in f.fix.edits])
            for f in findings]


def test_jobs_2_prints_exactly_what_jobs_1_prints_on_a_generated_tree(generated_tree, executions):
    assert len(nix_files(generated_tree)) > 150
    for output_format in ("json", "text"):
        one = invoke("--format", output_format, "--jobs", "1", generated_tree)
        two = invoke("--format", output_format, "--jobs", "2", generated_tree, env=POOL_ALWAYS)
        assert one.exit_code == two.exit_code == 1
        assert two.output == one.output
    assert (2, max(n for _, n in executions)) in executions and max(n for _, n in executions) >= 4


def test_the_pool_and_one_part_after_another_match_one_project(generated_tree):
    files = nix_files(generated_tree)
    rules = list(load_rules().values())
    whole = dump(run(Project(files), rules))
    assert len(whole) > 1000
    for jobs in (1, 2):
        assert dump(parallel.lint(files, DEFAULT_SYSTEMS, None, rules, jobs=jobs, min_files=0)) == whole


def test_an_import_the_scan_cannot_see_merges_the_parts(tmp_path, executions):
    # `dir + "/x.nix"` is resolved by the evaluator but not by the path scan (./m has no
    # default.nix): the two parts both read m/x.nix, so they are merged and linted again.
    write_tree(tmp_path, {
        "root.nix": 'let dir = ./m; in { imports = [ (dir + "/x.nix") ]; networking.hostName = "a"; }\n',
        "m/x.nix": "{ networking.firewall.enable = true; networking.firewall.enable = false; }\n",
        "other.nix": "{ boot.kernelParams = [ \"quiet\" ]; }\n",
    })
    files = nix_files(tmp_path)
    rules = list(load_rules().values())
    whole = dump(run(Project(files), rules))
    assert any(code == "NX001" for code, *_ in whole)
    assert dump(parallel.lint(files, DEFAULT_SYSTEMS, None, rules, jobs=1, min_files=0)) == whole
    assert len(executions) == 2 and executions[1][1] == 1  # one merged part, run again


def test_named_roots_stay_with_their_part(tmp_path):
    write_tree(tmp_path, {
        "a/root.nix": "{ imports = [ ./mod.nix ]; boot.consoleLogLevel = 3; }\n",
        "a/mod.nix": "{ lib, ... }: { boot.consoleLogLevel = lib.mkForce 7; }\n",
        "b/root.nix": "{ imports = [ ./mod.nix ]; }\n",
        "b/mod.nix": "{ networking.useDHCP = true; }\n",
        "c/lone.nix": "{ documentation.enable = true; }\n",
    })
    files = nix_files(tmp_path)
    rules = list(load_rules().values())
    for roots in ([str(tmp_path / "b/root.nix")], [str(tmp_path / "b/root.nix"), str(tmp_path / "a/mod.nix")],
                  [str(tmp_path / "missing.nix")]):
        whole = dump(run(Project(files, DEFAULT_SYSTEMS, roots), rules))
        for jobs in (1, 2):
            assert dump(parallel.lint(files, DEFAULT_SYSTEMS, roots, rules, jobs=jobs, min_files=0)) == whole


def test_context_and_configured_invariants_work_in_the_pool(tmp_path):
    write_tree(tmp_path, {
        ".stereos-lint.toml": '[[invariant]]\ncode = "SEC001"\noption = "services.openssh.enable"\n'
                              'equals = false\nwhy = "no ssh"\n',
        "hosts/a.nix": "{ imports = [ ../shared/ssh.nix ]; }\n",
        "hosts/b.nix": "{ services.openssh.enable = false; }\n",
        "shared/ssh.nix": "{ services.openssh.enable = true; }\n",
        "extra/c.nix": "{ services.openssh.enable = true; }\n",
    })
    args = ("--format", "json", "--context", tmp_path / "shared", tmp_path / "hosts", tmp_path / "extra")
    one = invoke(*args, "--jobs", "1")
    two = invoke(*args, "--jobs", "2", env=POOL_ALWAYS)
    assert '"SEC001"' in one.output
    assert two.output == one.output and two.exit_code == one.exit_code


def test_small_trees_are_linted_in_process_without_a_pool(executions):
    result = invoke("--jobs", "2", FIXTURES / "stereos" / "drifted")
    assert result.exit_code == 1
    assert executions == []


def test_rules_made_through_the_api_are_run_in_process(tmp_path, executions):
    write_tree(tmp_path, {"a.nix": "{ }\n", "b.nix": "{ }\n"})

    def check(ctx):
        yield ctx.finding(ctx.parsed.error or _start(ctx), "custom")

    custom = Rule("ZZ001", "custom", Severity.WARNING, "a rule the workers do not know", check, scope="file")
    found = parallel.lint(nix_files(tmp_path), DEFAULT_SYSTEMS, None, [custom], jobs=2, min_files=0)
    assert [f.message for f in found] == ["custom", "custom"]
    assert executions == []


def _start(ctx):
    from stereos_lint.nix.source import Span

    return Span(ctx.parsed.source, 0, 0)


def test_jobs_0_means_one_process_per_core():
    assert parallel.resolve_jobs(0) >= 1
    assert parallel.resolve_jobs(3) == 3


def test_the_scan_finds_the_path_literals_the_evaluator_would_follow(tmp_path):
    write_tree(tmp_path, {"m/default.nix": "{ }\n", "m/x.nix": "{ }\n", "a.nix": "{ }\n"})
    here = str(tmp_path / "root.nix")

    def targets(text: str) -> list[str]:
        return sorted(os.path.relpath(p, tmp_path) for p in path_literals.targets(here, text.encode())[0])

    assert targets("{ imports = [ ./m ./a.nix ]; }") == ["a.nix", "m/default.nix"]
    assert targets('[ (./m + "/x.nix") ]') == ["m/default.nix", "m/x.nix"]
    assert targets(f'[ "{tmp_path}/a.nix" ]') == ["a.nix"]
    assert targets("[ m/x.nix ./m/ ]") == ["m/default.nix", "m/x.nix"]
    assert targets('"${./a.nix}"') == ["a.nix"]
    # Not files the evaluator imports: `import`/`callPackage` arguments, home and search
    # paths, shell variables in strings, paths that do not exist.
    assert targets("import ./a.nix") == []
    assert targets("callPackage ./m { }") == []
    assert targets("[ ~/a.nix <m/a.nix> \"$out/a.nix\" ./missing.nix ]") == []
    # ...those are the files it loads as values (not in a comment); a flake exports what it
    # imports bare and loads what it calls
    loaded = lambda text, name="root.nix": sorted(  # noqa: E731
        os.path.relpath(p, tmp_path) for p in path_literals.targets(str(tmp_path / name), text.encode())[1])
    assert loaded("[ (import ./a.nix) (pkgs.callPackage ./m { }) ]") == ["a.nix", "m/default.nix"]
    assert loaded("# import ./a.nix\n{ }") == []
    assert loaded("{ nixosModules.x = import ./m; checks = import ./a.nix { }; }", "flake.nix") == ["a.nix"]


def test_parts_keep_the_given_order_of_files_and_of_roots(tmp_path, monkeypatch):
    # The order of files and of roots decides the order of roots, so of findings.
    write_tree(tmp_path, {"a.nix": "{ imports = [ ./b.nix ]; }\n", "b.nix": "{ }\n", "c.nix": "{ }\n",
                          "d.nix": "{ imports = [ ./c.nix ]; }\n"})
    files = [str(tmp_path / n) for n in ("d.nix", "a.nix", "b.nix", "c.nix")]
    roots = [str(tmp_path / n) for n in ("b.nix", "c.nix", "a.nix")]
    tasks = []
    real = parallel._execute
    monkeypatch.setattr(parallel, "_execute", lambda t, jobs, costs: tasks.extend(t) or real(t, jobs, costs))
    rules = list(load_rules().values())
    found = parallel.lint(files, DEFAULT_SYSTEMS, roots, rules, jobs=1, min_files=0)
    assert dump(found) == dump(run(Project(files, DEFAULT_SYSTEMS, roots), rules))
    assert sorted(len(t[0]) for t in tasks) == [2, 2]
    for chunk_files, _, chunk_roots, *_ in tasks:
        assert chunk_files == [f for f in files if f in chunk_files]
        assert chunk_roots == [r for r in roots if r in chunk_roots]


def test_jobs_split_one_repository_by_system(monkeypatch):
    """One repository is one part; within it the systems' evaluations (and its files) are
    checked in forked processes -- with exactly the findings of one process."""
    repo = FIXTURES / "repos" / "stereos-flake"
    calls = []
    real = parallel._mapper

    def spy(jobs):
        mapped = real(jobs)
        if mapped is None:
            return None

        def recorded(function, count):
            calls.append((jobs, count))
            return mapped(function, count)
        return recorded

    monkeypatch.setattr(parallel, "_mapper", spy)
    one = invoke("--format", "json", "--jobs", "1", repo)
    two = invoke("--format", "json", "--jobs", "2", repo)
    assert one.exit_code == two.exit_code == 1
    assert two.output == one.output and '"ST102"' in one.output
    units = 8   # 12 systems, 4 pairs of them identical
    assert calls and calls[-1][0] == 2 and calls[-1][1] >= units


def test_a_repository_that_builds_systems_is_one_part(tmp_path):
    repo = write_tree(tmp_path / "repo", {
        "flake.nix": "{ outputs = { nixpkgs, ... }: { nixosConfigurations.a = nixpkgs.lib.nixosSystem "
                     "{ modules = [ ./a.nix ]; }; }; }\n",
        "a.nix": "{ }\n", "home/x.nix": "{ }\n", "pkgs/y.nix": "{ }\n"})
    other = write_tree(tmp_path / "loose", {"one.nix": "{ }\n", "two.nix": "{ }\n"})
    groups = parallel.partition(nix_files(repo, other))
    assert sorted(len(files) for files, _, _ in groups) == [1, 1, 4]


def test_chunks_are_collected_once_their_garbage_is_large_and_not_before(generated_tree, monkeypatch):
    # Collecting after every part cost a quarter of a one-process run: the parts' garbage is
    # freed once it exceeds the budget, and what is left goes with the process.
    import gc

    files = nix_files(generated_tree)
    rules = list(load_rules().values())
    events = []
    real_collect, real_chunk = gc.collect, parallel._lint_chunk
    monkeypatch.setattr(gc, "collect", lambda *args: events.append("collect") or real_collect(*args))
    monkeypatch.setattr(parallel, "_lint_chunk", lambda task: events.append("part") or real_chunk(task))
    monkeypatch.setattr(parallel, "GARBAGE_BUDGET", 10 ** 9)
    large = dump(parallel.lint(files, DEFAULT_SYSTEMS, None, rules, jobs=1, min_files=0))
    assert events.count("part") >= 4 and "collect" not in events
    events.clear()
    monkeypatch.setattr(parallel, "GARBAGE_BUDGET", 1)
    small = dump(parallel.lint(files, DEFAULT_SYSTEMS, None, rules, jobs=1, min_files=0))
    assert events == ["part", "collect"] * (len(events) // 2) and len(events) >= 8
    assert small == large


def test_pool_workers_share_the_garbage_budget(generated_tree, monkeypatch):
    # Memory must not grow with the number of cores: each of N workers collects once it
    # holds 1/N of the budget.
    import concurrent.futures

    pools = []
    real = concurrent.futures.ProcessPoolExecutor

    class Recorded(real):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recorded)
    parallel.lint(nix_files(generated_tree), DEFAULT_SYSTEMS, None, list(load_rules().values()), jobs=2, min_files=0)
    assert [(p["initializer"], p["initargs"]) for p in pools] == [(parallel._share_budget, (2,))]
    monkeypatch.setattr(parallel, "GARBAGE_BUDGET", 2_000_000)
    parallel._share_budget(8)
    assert parallel.GARBAGE_BUDGET == 250_000
