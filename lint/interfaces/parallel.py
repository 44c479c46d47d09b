"""Linting a large tree in parts -- on several cores with `--jobs N` -- with exactly the
findings, in exactly the order, of one process linting it whole.

Files affect each other's findings only through module closures: which files are
roots (no other given file imports them), which configurations a file belongs to,
which imported files are linted.  So the files are partitioned into groups that
cannot affect each other, each group is linted by its own `Project` with the same
systems, roots, rules and settings, and the findings are merged and sorted.

**Partition.**  Each file's bytes are scanned with a regular expression for path
literals (`./x.nix`, `../x`, `sub/x.nix`, `/abs/x.nix`, also inside strings, and
`./dir + "/x.nix"`) that resolve to an existing `.nix` file or a folder with
`default.nix`; the files so reached are scanned too.  A union-find over those
edges, taken undirected, gives the connected groups.  Literals that are the
argument of `import` or `callPackage` are skipped: the evaluator never follows
them into `imports`, and a nixpkgs-style `all-packages.nix` would otherwise glue
every package into one group.  Groups are packed into chunks of similar size (a
chunk is one `Project`); files keep their given order inside a chunk.

**Exactness.**  The scan is an approximation in both directions: it sees literals
in comments and strings (harmless: groups merge that did not need to), and it
misses imports the evaluator computes -- a path bound to a name elsewhere
(`let dir = ./m; in [ (dir + "/x.nix") ]`), a file without the `.nix` suffix,
the skipped `import`/`callPackage` arguments -- and, for absolute paths, whatever
does not look like one.  Rather than trust it, every chunk reports every file its
`Project` read.  When two chunks read the same file, the scan missed a link
between them: both are merged and linted again, until no file is read by two
chunks.  Chunks that share no file cannot influence each other (a file's findings
depend only on the files the evaluator reads for it), so the merged result equals
one process's: the same findings, and -- since a stable sort by file and position
only breaks ties within one file, which one chunk produced in one-process order --
the same order.

**When.**  With `jobs` of 2 or more, below `MIN_FILES` (100) files everything runs
in-process in one `Project`, exactly as before: on the benchmark corpus a pool of
two workers loses at 50 files and wins by a third at 100.  With `jobs=1`, the
chunks run one after another in-process from `SEQUENTIAL_MIN_FILES` (2,000) files
on, which bounds memory by the largest chunk instead of the number of files (a
quarter of the memory on the benchmark corpus, for about a tenth more time);
below it, one `Project` as before.  The environment variable
`STEREOS_LINT_PARALLEL_MIN_FILES` replaces both numbers (tests set it to 0).
"""
from __future__ import annotations

import gc
import heapq
import os
from typing import Iterable

from ..checking.engine import load_rules, run
from ..checking.findings import Finding
from ..systems.project import Project
from ..checking.rule import Rule
from ..checking.settings import Settings
from ..systems.discovery import builds_systems, repository_root_of_file
from ..systems.path_literals import targets

MIN_FILES = 100
SEQUENTIAL_MIN_FILES = 2000
CHUNK_BYTES = 1_500_000   # at most this much source per chunk (beyond one group), to bound memory
CHUNKS_PER_JOB = 4        # more chunks than workers, so that they finish together

def resolve_jobs(jobs: int) -> int:
    """`0` means one per core available to this process."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def lint(files: list[str], systems: tuple[str, ...], roots: list[str] | None, rules: Iterable[Rule],
         settings: Settings | None = None, jobs: int = 1, min_files: int | None = None,
         configured=None, only: set[str] | None = None, report: set[str] | None = None) -> list[Finding]:
    """What `run(Project(files, systems, roots, configured, only=only), rules, settings,
    report=report)` returns, computed in parts."""
    # As in `run`: no automatic collections over the large graph of results (unpickling
    # and sorting a hundred thousand findings would trigger many); chunks collect their own.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if configured is not None or only is not None:   # systems named up front: one project
            return run(Project(files, systems, roots, configured, only=only), rules, settings or Settings(),
                       _mapper(resolve_jobs(jobs)), report)
        return _lint(files, systems, roots, rules, settings, jobs, min_files, report)
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _lint(files, systems, roots, rules, settings, jobs, min_files, report) -> list[Finding]:
    rules = list(rules)
    settings = settings or Settings()
    jobs = resolve_jobs(jobs)
    threshold = min_files if min_files is not None else _min_files(jobs)
    codes = _portable_codes(rules, settings)
    if len(files) < threshold or codes is None:
        return run(Project(files, systems, roots), rules, settings, _mapper(jobs), report)
    # Files, and roots, keep their given order in every chunk: it decides the order of roots.
    rank = ({path: i for i, path in enumerate(dict.fromkeys(os.path.normpath(f) for f in files))},
            {path: i for i, path in enumerate(dict.fromkeys(os.path.normpath(r) for r in roots or ()))})
    loaded: set[str] = set()   # by any file: a part must not take a file another loads for a root
    chunks = _chunks(partition(files, roots, loaded), jobs, rank)
    if len(chunks) < 2:
        return run(Project(files, systems, roots), rules, settings, _mapper(jobs), report)
    explicit = bool(roots)
    results: dict[int, tuple[list[Finding], list[str]]] = {}
    pending = list(range(len(chunks)))
    while pending:
        tasks = [(chunks[i][0], systems, chunks[i][1], explicit, codes, settings, report, loaded) for i in pending]
        for index, result in zip(pending, _execute(tasks, jobs, [chunks[i][2] for i in pending])):
            results[index] = result
        pending = _merge_overlaps(chunks, results, rank)
    merged = [finding for index in sorted(results) for finding in results[index][0]]
    return sorted(merged, key=lambda f: f.sort_key)


def _min_files(jobs: int) -> int:
    try:
        return int(os.environ["STEREOS_LINT_PARALLEL_MIN_FILES"])
    except (KeyError, ValueError):
        return MIN_FILES if jobs > 1 else SEQUENTIAL_MIN_FILES


# -- partition ---------------------------------------------------------------------------------

def partition(files: list[str], roots: list[str] | None = None,
              loaded: set[str] | None = None) -> list[tuple[list[str], list[str], int]]:
    """Groups of (files, roots, bytes) that no import literal links, files in their given
    order; into `loaded`, the files that the given ones load as values (path_literals.py),
    found in the same scan."""
    given = [os.path.normpath(f) for f in files]
    given_set = set(given)
    wanted_roots = [os.path.normpath(r) for r in roots] if roots else []
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    sizes: dict[str, int] = {}
    resolved: dict = {}
    if not roots:
        # The files of a repository that builds systems are judged together (its systems
        # decide which of them are fragments): one group each.
        building: dict[str, bool] = {}
        for path in given:
            root = repository_root_of_file(path)
            if root is not None and root not in building:
                building[root] = builds_systems(root)
            if root is not None and building[root]:
                a, b = find(path), find(root + os.sep)
                if a != b:
                    parent[a] = b
    queue = list(dict.fromkeys(given + wanted_roots))
    seen = set(queue)
    while queue:
        path = queue.pop()
        find(path)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        sizes[path] = len(data)
        linked, loaded_here = targets(path, data, resolved)
        if loaded is not None and path in given_set:
            loaded.update(loaded_here)
        for target in linked:
            a, b = find(path), find(target)
            if a != b:
                parent[a] = b
            if target not in seen:
                seen.add(target)
                queue.append(target)
    groups: dict[str, tuple[list[str], list[str], list[int]]] = {}
    for path in dict.fromkeys(given):
        group = groups.setdefault(find(path), ([], [], [0]))
        group[0].append(path)
    for root in dict.fromkeys(wanted_roots):
        group = groups.setdefault(find(root), ([], [], [0]))
        group[1].append(root)
    for path, size in sizes.items():  # imported files are read by their group too
        if find(path) in groups:
            groups[find(path)][2][0] += size + 1000
    return [(group_files, group_roots, cost[0]) for group_files, group_roots, cost in groups.values()]


def _chunks(groups: list[tuple[list[str], list[str], int]], jobs: int,
            rank: tuple[dict[str, int], dict[str, int]]) -> list[tuple[list[str], list[str], int]]:
    """Pack groups into chunks of similar cost (largest first onto the lightest chunk);
    a chunk's files, and its roots, keep their given order."""
    total = sum(cost for _, _, cost in groups)
    target = max(1, min(total // max(1, jobs * CHUNKS_PER_JOB), CHUNK_BYTES))
    count = max(1, min(len(groups), -(-total // target)))
    bins: list[tuple[int, int]] = [(0, i) for i in range(count)]
    members: list[list[int]] = [[] for _ in range(count)]
    for index in sorted(range(len(groups)), key=lambda i: (-groups[i][2], i)):
        load, which = heapq.heappop(bins)
        members[which].append(index)
        heapq.heappush(bins, (load + groups[index][2], which))
    return [_chunk([groups[i] for i in chosen], rank) for chosen in members if chosen]


def _chunk(parts: list, rank: tuple[dict[str, int], dict[str, int]]) -> tuple[list[str], list[str], int]:
    """One chunk of several groups (or chunks): their files and roots, each in given order."""
    return (sorted((p for part in parts for p in part[0]), key=rank[0].__getitem__),
            sorted((p for part in parts for p in part[1]), key=rank[1].__getitem__),
            sum(part[2] for part in parts))


def _merge_overlaps(chunks: list, results: dict[int, tuple[list[Finding], list[str]]],
                    rank: tuple[dict[str, int], dict[str, int]]) -> list[int]:
    """Chunks that read a common file become one new chunk (their results are dropped);
    return the new chunks, to be run."""
    owner: dict[str, int] = {}
    linked: dict[int, int] = {}

    def find(i: int) -> int:
        while linked.get(i, i) != i:
            i = linked[i]
        return i

    for index in sorted(results):
        for path in results[index][1]:
            other = owner.setdefault(path, index)
            if find(other) != find(index):
                linked[find(index)] = find(other)
    together: dict[int, list[int]] = {}
    for index in sorted(results):
        together.setdefault(find(index), []).append(index)
    pending = []
    for members in together.values():
        if len(members) < 2:
            continue
        for i in members:
            del results[i]
        chunks.append(_chunk([chunks[i] for i in members], rank))
        pending.append(len(chunks) - 1)
    return pending


# -- one project, split by system -----------------------------------------------------------------

_WORK = None   # the task function forked workers inherit (it closes over the evaluated project)


def _mapper(jobs: int):
    """Within one project, the units (each system's evaluation) and the files are checked
    in `jobs` forked processes, which inherit the project as the parent evaluated it
    (parsed files, discovered systems, loaded modules); the engine merges what they
    return exactly as it merges its own.  None (one after another) for one job, or where
    processes cannot be forked."""
    if jobs < 2 or "fork" not in _start_methods():
        return None

    def mapped(function, count: int) -> list:
        global _WORK
        if count < 2 * jobs:
            return [function(index) for index in range(count)]
        import multiprocessing

        _WORK = function
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                # Larger tasks first would balance better, but order must be kept: the
                # indexes go out in order, in blocks, and come back in order.
                return pool.map(_run_task, range(count), chunksize=max(1, count // (jobs * 8)))
        finally:
            _WORK = None

    return mapped


def _run_task(index: int):
    gc.disable()   # as in the parent: a worker only builds, then exits
    return _WORK(index)


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


# -- running -------------------------------------------------------------------------------------

def _execute(tasks: list[tuple], jobs: int, costs: list[int]) -> list[tuple[list[Finding], list[str]]]:
    """Each task's (findings, files read), in task order: in a pool, or one after another."""
    if jobs <= 1 or len(tasks) < 2:
        return [_lint_chunk(task) for task in tasks]
    from concurrent.futures import ProcessPoolExecutor  # only large trees pay for the import
    from concurrent.futures.process import BrokenProcessPool

    results: list = [None] * len(tasks)
    try:
        workers = min(jobs, len(tasks))
        # The workers share the budget of garbage, so that memory does not grow with the cores.
        with ProcessPoolExecutor(max_workers=workers, initializer=_share_budget, initargs=(workers,)) as pool:
            # The costliest chunks first, so that the last ones to finish are small.
            order = sorted(range(len(tasks)), key=lambda i: (-costs[i], i))
            futures = {i: pool.submit(_lint_chunk, tasks[i]) for i in order}
            for i, future in futures.items():
                results[i] = future.result()
    except BrokenProcessPool:  # a worker was killed (out of memory?): finish here
        results = [r if r is not None else _lint_chunk(t) for r, t in zip(results, tasks)]
    return results


class _ChunkProject(Project):
    """A Project that records every file it reads.  A chunk without any of the roots
    named on the command line has no roots at all (not the files nobody imports)."""

    def __init__(self, files: list[str], systems: tuple[str, ...], roots: list[str], explicit_roots: bool,
                 loaded: set[str]):
        super().__init__(files, systems, roots if explicit_roots else None, loaded=loaded)
        self.read: dict[str, None] = {}

    def parsed(self, path: str):
        self.read[self.canonical(path)] = None
        return super().parsed(path)


def _lint_chunk(task: tuple) -> tuple[list[Finding], list[str]]:
    files, systems, roots, explicit_roots, codes, settings, report, loaded = task
    project = _ChunkProject(files, systems, roots, explicit_roots, loaded)
    findings = run(project, _rules(codes, settings), settings, report=report)
    read = list(project.read)
    del project
    _collect_when_large()
    return findings, read


GARBAGE_BUDGET = 2_000_000   # objects: about 400 MB, for all the processes of a run together


def _share_budget(workers: int) -> None:
    """In a pool's worker: its share of the garbage budget."""
    global GARBAGE_BUDGET
    GARBAGE_BUDGET = max(1, GARBAGE_BUDGET // workers)


def _collect_when_large() -> None:
    """Free the chunks linted so far once their garbage is large.  A project is a graph
    of cycles (thunks and their environments), so only the collector frees it, and a
    collection costs time in proportion to what it frees: collecting after every chunk
    cost a quarter of a serial run.  Collecting once a few million objects have piled up
    keeps memory bounded all the same; what is left at the end goes with the process
    (see cli.entry_point).  What survives (the findings) is kept out of later collections."""
    if gc.get_count()[0] >= GARBAGE_BUDGET:
        gc.collect()
        gc.freeze()


def _rules(codes: list[str], settings: Settings) -> list[Rule]:
    """The rules named by `codes`: shipped ones, and the settings' own invariants."""
    known = dict(load_rules())
    if settings.policy:
        from ..checking.policy import rules_from_settings

        known.update({r.code: r for r in rules_from_settings(settings.policy, settings.source, set(known))})
    return [known[code] for code in codes]


def _portable_codes(rules: list[Rule], settings: Settings) -> list[str] | None:
    """The codes a worker can turn back into these rules, or None when one is not shipped
    and not an invariant of the settings (a rule made by an API caller)."""
    shipped = load_rules()
    invariants = {t.get("code") for t in settings.policy}
    for rule in rules:
        if shipped.get(rule.code) is not rule and not (rule.pack == "policy" and rule.code in invariants):
            return None
    return [rule.code for rule in rules]
