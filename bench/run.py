"""The stereos-lint benchmark: one command, one run, one corpus.

    python bench/run.py --out bench/results.json

generates two corpora in a temporary directory: `bench/generate_repos.py` (seed 7:
40 NixOS configuration repositories, about 3,900 files, 8 MB -- flakes built through
helpers, readDir, flake-parts, images per architecture; about half the files
fragments no system imports), and `bench/generate.py` (seed 7, about 5,400 files,
8.6 MB, nixpkgs-shaped: no system anywhere, so module-graph roots stand in), or
uses `--corpus DIR` for the second, then measures:

  r. on the repositories: bare parse, a full run (every rule, one process, in-process
     API), their ratio -- the number the systems design is judged by -- and the
     systems, evaluations and fragments judged; the floor under any run on this stack
     (files read and parsed through the project; and with the one tree walk the file rules
     share), as ratios to the bare parse; and the `stereos-lint` command on them,
     start-up and exit included, with `--jobs 1` and with its default (one per core)

  a. bare tree-sitter parse time of every file (bytes already in memory; median of 3)
  b. a full stereos-lint run, every rule, one process, in-process API
     (`run(Project(files), rules)`, files read from the page cache)
  c. b / a
  d. files per second of b
  e. wall time of the `stereos-lint` command on a 20-file stereOS tree (the shipped
     `fixtures/stereos/clean/boot.nix` split into 19 modules and a root importing them),
     interpreter start-up included, against `python -c pass`: medians of several runs
  l. editor latency (`bench/lsp_latency.py`): the median time from a didChange to the
     published diagnostics of that version, with the real `stereos-lint lsp` and a
     real LSP client, on that 20-file tree and on the 12-system fixture flake
     (`fixtures/repos/stereos-flake`, editing the module every system imports)
  f. `--jobs N` (N = the machine's cores) against one process on the corpus, each in a
     fresh child process: one `Project`, `parallel.lint(jobs=1)` (parts one after
     another) and `parallel.lint(jobs=N)`
  g. peak memory (maxrss) of those child processes, and of one linting only the
     corpus's largest file
  h. pathological inputs -- a 30,000-operator chain, a 100,000-element list, a 1 MB
     single-line string (plain, and full of escapes), 5,000-deep nesting -- each linted
     in a child process at half and at full size: the time should double, not quadruple

Results go to `--out` (JSON) and a short table on stdout.  This is a measurement, not a
test: it asserts nothing, and numbers vary with the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TARGETS = {"ratio": 2.0, "cli_overhead_ms": 150.0, "editor_median_ms": 50.0}
REPOS_TARGET = 2.0   # issue 10: a full lint <= 2 x a bare parse on real repository shapes


def nix_files(root: str) -> list[str]:
    return sorted(os.path.join(d, n) for d, _, names in os.walk(root) for n in names if n.endswith(".nix"))


# -- child processes --------------------------------------------------------------------------------

def child(mode: str, target: str, jobs: int) -> None:
    """Run one measurement in this (fresh) process and print it as JSON."""
    from stereos_lint.checking.engine import load_rules, run
    from stereos_lint.systems.project import DEFAULT_SYSTEMS, Project

    rules = list(load_rules().values())
    files = nix_files(target) if os.path.isdir(target) else [target]
    before = peak_rss_mb()
    start = time.perf_counter()
    error = None
    try:
        if mode == "project":
            found = run(Project(files), rules)
        else:
            from stereos_lint.interfaces import parallel

            found = parallel.lint(files, DEFAULT_SYSTEMS, None, rules, jobs=jobs)
        count = len(found)
    except BaseException as exc:  # report, never crash the benchmark
        error, count = f"{type(exc).__name__}: {exc}"[:300], None
    elapsed = time.perf_counter() - start
    print(json.dumps({
        "seconds": elapsed, "findings": count, "error": error,
        "maxrss_mb": peak_rss_mb(),
        "maxrss_before_mb": before,
        # pool workers are forked, not exec'd: their own peaks, largest first
        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))


def peak_rss_mb() -> float:
    """This process's peak resident set size.  On Linux, VmHWM: `ru_maxrss` would carry over
    the peak of the benchmark process that started this one (kept across fork and exec)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(mode: str, target: str, jobs: int = 1, timeout: float = 1800) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--child", mode, target, "--jobs", str(jobs)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout}s"}
    if done.returncode != 0 or not done.stdout.strip():
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-500:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- measurements -----------------------------------------------------------------------------------

def parse_time(files: list[str]) -> float:
    import tree_sitter
    import tree_sitter_nix

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_nix.language()))
    datas = []
    for path in files:
        with open(path, "rb") as handle:
            datas.append(handle.read())
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for data in datas:
            parser.parse(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_time(files: list[str]) -> tuple[float, float]:
    """What any lint on this stack pays before a rule runs: every file read and parsed through
    the project, then that plus the one tree walk the file rules share (syntax_index.py: a
    query cursor's walk, in C).  Medians of 3, the cyclic collector off as in a run."""
    import gc

    from stereos_lint.nix.parser import ParsedFile
    from stereos_lint.nix.syntax_index import syntax_index
    from stereos_lint.systems.project import Project

    def once(walk: bool) -> float:
        project = Project(files)
        gc.disable()
        try:
            start = time.perf_counter()
            for path in files:
                parsed = project.parsed(path)
                if walk and isinstance(parsed, ParsedFile):
                    syntax_index(parsed)
            return time.perf_counter() - start
        finally:
            gc.enable()
    return (statistics.median(once(False) for _ in range(3)), statistics.median(once(True) for _ in range(3)))


def full_run(files: list[str]) -> tuple[float, int]:
    seconds, found, _ = full_run_project(files)
    return seconds, found


def full_run_project(files: list[str]):
    from stereos_lint.checking.engine import load_rules, run
    from stereos_lint.systems.project import Project

    rules = list(load_rules().values())
    project = Project(files)
    start = time.perf_counter()
    found = run(project, rules)
    return time.perf_counter() - start, len(found), project


def repositories(work: str) -> dict:
    """(r): the ratio on repository shapes, and what was judged."""
    sys.path.insert(0, HERE)
    from generate_repos import generate as generate_repos

    corpus = os.path.join(work, "repos")
    generate_repos(corpus, seed=7, scale=1.0)
    files = nix_files(corpus)
    parse = parse_time(files)
    read_parse, with_walk = floor_time(files)
    runs = [full_run_project(files) for _ in range(3)]
    seconds = statistics.median(r[0] for r in runs)
    project = runs[0][2]
    units = project.units
    # What a user waits for: the whole command, start-up and exit included.
    command = [*cli_command(), corpus, "--format", "json"]
    return {"files": len(files), "megabytes": sum(os.path.getsize(f) for f in files) / 1e6,
            "repositories": len(project.repositories), "systems": len(project.systems),
            "evaluations": sum(u.whole for u in units), "fragments_evaluated": sum(not u.whole for u in units),
            "parse_seconds": parse, "run_seconds": seconds, "findings": runs[0][1], "ratio": seconds / parse,
            "floor_read_parse_ratio": read_parse / parse, "floor_with_walk_ratio": with_walk / parse,
            "command_jobs_1_seconds": wall_median([*command, "--jobs", "1"], 3),
            "command_seconds": wall_median(command, 3), "cores": os.cpu_count() or 1}


def stereos_tree(out: str) -> str:
    """fixtures/stereos/clean/boot.nix split into 19 short-form modules and a root importing them."""
    from stereos_lint.nix.parser import parse_file

    parsed = parse_file(os.path.join(REPO, "fixtures", "stereos", "clean", "boot.nix"))
    data = parsed.source.data
    function = next(c for c in parsed.root.named_children if c.type == "function_expression")
    body = function.child_by_field_name("body")
    bindings = next(c for c in body.named_children if c.type == "binding_set")
    pieces, previous = [], bindings.start_byte
    for binding in (c for c in bindings.named_children if c.type != "comment"):
        pieces.append(data[previous:binding.end_byte])  # with the comments above it
        previous = binding.end_byte
    os.makedirs(out, exist_ok=True)
    parts = 19
    per = -(-len(pieces) // parts)
    for index in range(parts):
        text = b"".join(pieces[index * per:(index + 1) * per])
        with open(os.path.join(out, f"part-{index:02d}.nix"), "wb") as handle:
            handle.write(b"{ config, lib, pkgs, ... }:\n\n{" + text + b"\n}\n")
    imports = "".join(f"    ./part-{index:02d}.nix\n" for index in range(parts))
    with open(os.path.join(out, "default.nix"), "w") as handle:
        handle.write("# stereOS, split into modules\n{\n  imports = [\n" + imports + "  ];\n}\n")
    return out


def wall_median(command: list[str], runs: int, env: dict | None = None) -> float:
    subprocess.run(command, capture_output=True, env=env)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def from_bytecode_ms(command: list[str], runs: int) -> float:
    """The command's median with the package's modules compiled, as an install leaves them
    (pip compiles them): an editable install on a machine that sets PYTHONDONTWRITEBYTECODE
    compiles every module on every run.  The bytecode written for it is removed after."""
    folders = [os.path.join(REPO, "lint"), os.path.join(REPO, "rules")]
    before = {d for folder in folders for d, _, _ in os.walk(folder) if os.path.basename(d) == "__pycache__"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], capture_output=True, check=True)
    try:
        return wall_median(command, runs) * 1000
    finally:
        for folder in folders:
            for directory, _, _ in list(os.walk(folder)):
                if os.path.basename(directory) == "__pycache__" and directory not in before:
                    shutil.rmtree(directory, ignore_errors=True)


def cli_command() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "stereos-lint")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "stereos_lint"]


PATHOLOGICAL = {
    "operator chain (30,000 +)": lambda n: "{ x = " + " + ".join(["1"] * (n + 1)) + "; }\n",
    "list (100,000 elements)": lambda n: "{ environment.systemPackages = [ " + " ".join(f'"p{i}"' for i in range(n)) + " ]; }\n",
    "1 MB one-line string": lambda n: '{ environment.etc.big.text = "' + "a" * n + '"; }\n',
    "1 MB string of escapes": lambda n: '{ environment.etc.big.text = "' + 'a\\"b\\${x} ' * (n // 10) + '"; }\n',
    "5,000-deep sets": lambda n: "{ x = " + "{ a = " * n + "1" + "; }" * n + "; }\n",
    "5,000-deep lists": lambda n: "{ x = " + "[ " * n + "1" + " ]" * n + "; }\n",
}
PATHOLOGICAL_SIZES = {"operator chain (30,000 +)": 30_000, "list (100,000 elements)": 100_000,
                      "1 MB one-line string": 1 << 20, "1 MB string of escapes": 1 << 20,
                      "5,000-deep sets": 5000, "5,000-deep lists": 5000}


def pathological(work: str) -> dict:
    results = {}
    for name, make in PATHOLOGICAL.items():
        full = PATHOLOGICAL_SIZES[name]
        entry = {}
        for label, size in (("half", full // 2), ("full", full)):
            path = os.path.join(work, f"patho-{label}.nix")
            with open(path, "w") as handle:
                handle.write(make(size))
            entry[label] = in_child("project", path, timeout=600)
            entry[label]["bytes"] = os.path.getsize(path)
        half, whole = entry["half"].get("seconds"), entry["full"].get("seconds")
        entry["growth"] = whole / half if half and whole else None
        results[name] = entry
    return results


# -- report -----------------------------------------------------------------------------------------

def table(r: dict) -> str:
    repos = r["repositories"]
    rows = [
        ("repositories corpus", f"{repos['files']} files, {repos['megabytes']:.1f} MB, {repos['repositories']} "
                                f"repositories, {repos['systems']} systems", ""),
        ("r. tree-sitter parse, all files", f"{repos['parse_seconds']:.2f} s", ""),
        ("   full run, all rules, one process", f"{repos['run_seconds']:.2f} s ({repos['findings']} findings; "
                                                f"{repos['evaluations']} system evaluations, "
                                                f"{repos['fragments_evaluated']} fragments evaluated)", ""),
        ("   full run / parse", f"{repos['ratio']:.1f}", f"<= {REPOS_TARGET}"),
        ("   floor: files read and parsed through the project / parse", f"{repos['floor_read_parse_ratio']:.2f}", ""),
        ("   floor: the same, and the one tree walk file rules share / parse",
         f"{repos['floor_with_walk_ratio']:.2f}", ""),
        ("   the command, start-up and exit included", f"{repos['command_jobs_1_seconds']:.2f} s with --jobs 1, "
                                                       f"{repos['command_seconds']:.2f} s with one job per core "
                                                       f"({repos['cores']})", ""),

        ("corpus", f"{r['corpus']['files']} files, {r['corpus']['megabytes']:.1f} MB, largest {r['corpus']['largest_kb']:.0f} KB", ""),
        ("a. tree-sitter parse, all files", f"{r['parse_seconds']:.2f} s", ""),
        ("b. full run, all rules, one process", f"{r['run_seconds']:.2f} s ({r['run_findings']} findings)", ""),
        ("c. b / a", f"{r['ratio']:.1f}", f"<= {TARGETS['ratio']}"),
        ("d. files per second", f"{r['files_per_second']:.0f}", ""),
        ("e. CLI, 20-file stereOS tree", f"{r['cli']['from_bytecode_ms']:.0f} ms from bytecode vs python -c pass "
                                         f"{r['cli']['python_pass_ms']:.0f} ms: +{r['cli']['overhead_from_bytecode_ms']:.0f} ms",
         f"<= +{TARGETS['cli_overhead_ms']:.0f} ms"),
        ("   the same, compiling every module", f"{r['cli']['stereos_lint_ms']:.0f} ms: +{r['cli']['overhead_ms']:.0f} ms "
                                               f"({'this machine sets' if r['cli']['compiles_each_run'] else 'without'}"
                                               " PYTHONDONTWRITEBYTECODE)", ""),
    ]
    for key, label in (("stereos_tree", "l. editor: change -> diagnostics, 20-file tree"),
                       ("flake", "   the same, 12-system fixture flake")):
        entry = r["editor"][key]
        rows.append((label, f"median {entry['median_ms']:.1f} ms, p90 {entry['p90_ms']:.1f} ms "
                            f"({entry['changes']} changes after {entry['warmup']}; first lint "
                            f"{entry['first_diagnostics_ms']:.0f} ms)", f"<= {TARGETS['editor_median_ms']:.0f} ms"))
    p = r["parallel"]
    rows += [
        ("f. one Project (child process)", _secs(p["project"]), ""),
        ("   --jobs 1 (parts one after another)", _secs(p["jobs_1"]), ""),
        (f"   --jobs {p['cores']}", _secs(p["jobs_n"]) + f": x{p['speedup_vs_project']:.2f} vs one Project, "
                                   f"x{p['speedup_vs_jobs_1']:.2f} vs --jobs 1", f"~x{p['cores']}"),
        ("g. peak memory, one Project", f"{p['project'].get('maxrss_mb', 0):.0f} MB", ""),
        ("   --jobs 1", f"{p['jobs_1'].get('maxrss_mb', 0):.0f} MB", "~ largest file"),
        (f"   --jobs {p['cores']} (parent / largest worker)",
         f"{p['jobs_n'].get('maxrss_mb', 0):.0f} MB / {p['jobs_n'].get('children_maxrss_mb', 0):.0f} MB", ""),
        ("   largest file alone", f"{p['largest_file'].get('maxrss_mb', 0):.0f} MB "
                                 f"(interpreter and rules alone: {p['largest_file'].get('maxrss_before_mb', 0):.0f} MB)", ""),
    ]
    for name, entry in r["pathological"].items():
        full = entry["full"]
        value = (f"{full['seconds']:.2f} s, {full['maxrss_mb']:.0f} MB; x{entry['growth']:.1f} from half size"
                 if full.get("seconds") is not None and not full.get("error") else f"FAILED: {full.get('error')}")
        rows.append((f"h. {name}", value, "x2, no crash"))
    width = max(len(a) for a, _, _ in rows)
    value_width = max(len(b) for _, b, _ in rows)
    lines = [f"{'measure':<{width}}  {'result':<{value_width}}  target", "-" * (width + value_width + 12)]
    lines += [f"{a:<{width}}  {b:<{value_width}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def _secs(entry: dict) -> str:
    if entry.get("error"):
        return f"FAILED: {entry['error']}"
    return f"{entry['seconds']:.2f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="stereos-lint benchmark (see the module docstring)")
    parser.add_argument("--out", default=os.path.join(HERE, "results.json"), help="JSON file to write")
    parser.add_argument("--corpus", help="use this corpus instead of generating one")
    parser.add_argument("--cli-runs", type=int, default=9, help="runs per command for (e); the median counts")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "TARGET"), help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.jobs)
        return

    sys.path.insert(0, HERE)
    from generate import generate

    from stereos_lint.interfaces.parallel import resolve_jobs

    work = tempfile.mkdtemp(prefix="stereos-lint-bench-")
    try:
        corpus = args.corpus or os.path.join(work, "corpus")
        if not args.corpus:
            generate(corpus, seed=7, scale=1.0)
        files = nix_files(corpus)
        sizes = {f: os.path.getsize(f) for f in files}
        largest = max(files, key=sizes.__getitem__)
        results: dict = {
            "machine": {"cores": resolve_jobs(0), "python": platform.python_version(), "platform": platform.platform()},
            "corpus": {"files": len(files), "megabytes": sum(sizes.values()) / 1e6, "largest_kb": sizes[largest] / 1e3,
                       "generated": None if args.corpus else "bench/generate.py --seed 7 --scale 1.0"},
        }
        results["repositories"] = repositories(work)
        print("r done", file=sys.stderr)
        print(f"corpus: {len(files)} files", file=sys.stderr)
        results["parse_seconds"] = parse_time(files)
        results["run_seconds"], results["run_findings"] = full_run(files)
        results["ratio"] = results["run_seconds"] / results["parse_seconds"]
        results["files_per_second"] = len(files) / results["run_seconds"]
        print("a-d done", file=sys.stderr)

        tree = stereos_tree(os.path.join(work, "stereos"))
        lint_ms = wall_median([*cli_command(), tree], args.cli_runs) * 1000
        pass_ms = wall_median([sys.executable, "-c", "pass"], args.cli_runs) * 1000
        bytecode_ms = from_bytecode_ms([*cli_command(), tree], args.cli_runs)
        results["cli"] = {"files": len(nix_files(tree)), "runs": args.cli_runs, "stereos_lint_ms": lint_ms,
                          "python_pass_ms": pass_ms, "overhead_ms": lint_ms - pass_ms,
                          "compiles_each_run": bool(os.environ.get("PYTHONDONTWRITEBYTECODE")),
                          "from_bytecode_ms": bytecode_ms, "overhead_from_bytecode_ms": bytecode_ms - pass_ms,
                          "command": cli_command()}
        print("e done", file=sys.stderr)

        from lsp_latency import NEEDLE, measure
        changed = next(f for f in nix_files(tree) if NEEDLE in open(f, encoding="utf-8").read())
        flake = os.path.join(REPO, "fixtures", "repos", "stereos-flake")
        results["editor"] = {"stereos_tree": measure(tree, changed),
                             "flake": measure(flake, os.path.join(flake, "modules", "boot.nix"))}
        print("l done", file=sys.stderr)

        cores = resolve_jobs(0)
        parallel = {"cores": cores,
                    "project": in_child("project", corpus),
                    "jobs_1": in_child("parallel", corpus, 1),
                    "jobs_n": in_child("parallel", corpus, cores),
                    "largest_file": in_child("project", largest)}
        parallel["largest_file"]["path"] = os.path.relpath(largest, corpus)
        base, one, many = (parallel[k].get("seconds") for k in ("project", "jobs_1", "jobs_n"))
        parallel["speedup_vs_project"] = base / many if base and many else None
        parallel["speedup_vs_jobs_1"] = one / many if one and many else None
        results["parallel"] = parallel
        print("f-g done", file=sys.stderr)

        results["pathological"] = pathological(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    print(table(results))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
