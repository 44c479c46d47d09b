"""Running rules over a project: every config rule on every unit (a system's
evaluation on one architecture, or a fragment's), every file rule on every file,
findings merged across systems, deduplicated and sorted.

A file that cannot be read or parsed yields its finding (NX000), and a failure of
the linter itself on one system, file or rule yields NX999; neither takes any
other file down with it.
"""
from __future__ import annotations

import functools
import gc
import importlib
import os
import pkgutil
from typing import Callable, Iterable

from . import policy
from . import suppression
from .findings import Finding, Severity
from ..nix.parser import ParsedFile
from ..systems.project import Project, ReadProblem, Unit, may_set
from .rule import ASSUMES_UNREAD, REGISTRY, ConfigContext, FileContext, Rule, assuming
from .settings import Settings
from ..nix.source import SourceFile, Span

_loaded = False


def load_rules() -> dict[str, Rule]:
    """Every shipped rule: Python rule modules register on import; declarative
    rules are read from the packs' `*.toml` files."""
    global _loaded
    if not _loaded:
        from .. import rules as packs

        for info in pkgutil.walk_packages(packs.__path__, packs.__name__ + "."):
            importlib.import_module(info.name)
        for folder in packs.__path__:
            for pack in sorted(os.listdir(folder)):
                pack_dir = os.path.join(folder, pack)
                if not os.path.isdir(pack_dir):
                    continue
                for name in sorted(os.listdir(pack_dir)):
                    if name.endswith(".toml"):
                        declared = policy.load_pack_file(os.path.join(pack_dir, name), pack)
                        if declared.code in REGISTRY:
                            raise ValueError(f"rule {declared.code} is registered twice")
                        REGISTRY[declared.code] = declared
        _loaded = True
    return REGISTRY


def _without_collections(function):
    """Pause the cyclic garbage collector while `function` runs.  A run builds a large,
    long-lived object graph (trees, modules, thunks, configurations) and drops almost
    nothing cyclic before it ends, so the collector's repeated passes over it only cost
    time (a third of a run on large trees); what becomes garbage is collected after."""
    @functools.wraps(function)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()
    return paused


@_without_collections
def run(project: Project, rules: Iterable[Rule], settings: Settings | None = None,
        mapper: "Mapper | None" = None, report: set[str] | None = None) -> list[Finding]:
    """Every finding of `rules` on `project`, after per-file ignores, severity overrides
    and suppression comments; sorted by file and position.  `mapper` runs the units' and
    files' checks (default: one after another, here).  `report`: only findings in these
    files are wanted (the others are context, as for a pre-commit hook): the file rules
    run on these files only, while every system is still evaluated."""
    rules = list(rules)
    findings = _raw_findings(project, rules, mapper or serial_map, report)
    parsed = {path: p for path in project.checked_files if report is None or path in report
              if isinstance(p := project.parsed(path), ParsedFile) and p.error is None}
    return finish(findings, rules, settings or Settings(), parsed)


def finish(findings: list[Finding], rules: list[Rule], settings: Settings,
           parsed: dict[str, ParsedFile]) -> list[Finding]:
    """What the rules found, as reported: per-file ignores and severity overrides applied,
    suppression comments of the `parsed` files honoured (NX100 for those that suppress
    nothing), sorted by file and position."""
    findings = [f for f in findings if not any(f.code.startswith(c) for c in settings.ignored_for(f.path))]
    defaults = {r.code: r.severity for r in rules}
    for finding in findings:
        override = settings.severity.get(finding.code)
        if override and finding.severity is defaults.get(finding.code):
            finding.severity = Severity(override)
    ran = {r.code for r in rules if r.scope != "meta"}
    findings, unused = suppression.apply(findings, parsed, ran)
    meta = next((r for r in rules if r.code == "NX100"), None)
    if meta is not None:
        severity = Severity(settings.severity.get(meta.code, meta.severity.value))
        findings += [Finding(meta.code, meta.name, severity, suppression.unused_message(s, ran), s.span)
                     for s in unused]
    return sorted(findings, key=lambda f: f.sort_key)


# Maps a function over task indexes: serially here; `interfaces/parallel.py` gives one that
# runs the tasks in forked processes (they inherit the evaluated project).
Mapper = Callable[[Callable[[int], list[Finding]], int], list[list[Finding]]]


def serial_map(function: Callable[[int], list[Finding]], count: int) -> list[list[Finding]]:
    return [function(index) for index in range(count)]


def _raw_findings(project: Project, rules: list[Rule], mapper: Mapper,
                  report: set[str] | None = None) -> list[Finding]:
    config_rules = [r for r in rules if r.scope == "config"]
    file_rules = [r for r in rules if r.scope == "file"]
    internal = next((r for r in rules if r.code == "NX999"), None)
    project.watch(watched_options(config_rules))
    units = project.units if config_rules or file_rules else []
    configs_by_file: dict[str, list] = {}
    for unit in units:
        for path in unit.files:   # (an inline module's own file too: Module.written_in)
            configs_by_file.setdefault(path, []).append(unit.config)
    # (a system none of whose modules can be read -- its list cannot be known, or it is made of
    # inputs' modules only -- has nothing of the repository's to judge: its findings would all
    # rest on the assumption that what the linter cannot read sets nothing)
    judged_units = [unit for unit in units if config_rules and unit.modules and not root_unreadable(project, unit)]
    checked = [path for path in project.checked_files if report is None or path in report]

    def task(index: int) -> list[Finding]:
        """A unit's configuration findings, or (after the units) a file's file findings."""
        if index < len(judged_units):
            return judge_unit(project, judged_units[index], config_rules, internal)
        return check_file(project, checked[index - len(judged_units)], file_rules, configs_by_file, internal)

    results = mapper(task, len(judged_units) + len(checked))
    findings: dict[tuple, Finding] = {}

    def add(found: Iterable[Finding | None]) -> None:
        for finding in found:
            if finding is not None:
                findings.setdefault(finding.identity, finding)

    reported = set(checked)
    add(f for f in merge_units(list(zip(judged_units, results))) if f.path in reported)
    for found in results[len(judged_units):]:
        add(found)
    add(internal_error(internal, e.span or Span(SourceFile(e.path, b""), 0, 0), e.message, None)
        for e in project.errors)
    return list(findings.values())


def judge_unit(project: Project, unit: Unit, config_rules: list[Rule], internal: Rule | None) -> list[Finding]:
    """Every configuration rule's findings on one unit (a fragment: only the rules that can
    judge what it defines)."""
    found: list[Finding] = []
    defined = None if unit.whole else unit.config   # what the fragment writes, asked lazily
    for rule in config_rules:
        if defined is not None and rule.whole_system:
            continue
        ctx = ConfigContext(rule, unit.config, unit.arch, unit.arch_specific, project, unit.whole)
        try:   # (values are evaluated as they are asked for: deciding may_judge evaluates some)
            if defined is not None and not rule.may_judge(defined):
                continue
            found.extend(f for f in rule.check(ctx) or () if f is not None)
        except Exception as error:  # a bug in one rule must not stop the others
            failure = internal_error(internal, unit.systems[0].declared_at, f"{rule.code} on {unit.systems[0].name}",
                                     error)
            found.extend([failure] if failure is not None else [])
    if unit.reportable is not None:
        found = [f for f in found if f.path in unit.reportable]
    return found


def check_file(project: Project, path: str, file_rules: list[Rule], configs_by_file: dict[str, list],
               internal: Rule | None) -> list[Finding]:
    """Every file rule's findings on one file (NX000 if it cannot be read)."""
    parsed = project.parsed(path)
    if isinstance(parsed, ReadProblem):
        return [read_problem_finding(parsed)]
    found: list[Finding] = []
    for rule in file_rules:
        ctx = FileContext(rule, parsed, configs_by_file.get(path, []), project)
        try:
            found.extend(f for f in rule.check(ctx) or () if f is not None)
        except Exception as error:
            failure = internal_error(internal, Span(parsed.source, 0, 0), rule.code, error)
            found.extend([failure] if failure is not None else [])
    return found


def watched_options(rules: list[Rule]) -> list[str] | None:
    """The options the rules that judge fragments read (None where one does not say)."""
    options: list[str] = []
    for rule in rules:
        if rule.whole_system:
            continue
        if rule.reads is None:
            return None
        options.extend(rule.reads)
    return options


def root_unreadable(project: Project, unit: Unit) -> bool:
    """A module-graph root that does not parse is reported once, by NX000, not judged."""
    system = unit.systems[0]
    if system.origin not in ("root", "fragment"):
        return False
    parsed = project.parsed(system.name)
    return not isinstance(parsed, ParsedFile) or parsed.error is not None


def merge_units(judged: list[tuple[Unit, list[Finding]]]) -> list[Finding]:
    """One finding for what several evaluations found at one place.  It holds in every
    system (and architecture) that contains its file: reported once, naming none.  In
    every system but not on every architecture: once per architecture (" on x86_64-linux").
    In some systems only: once, saying which."""
    holders: dict[str, set[tuple[str, str | None]]] = {}     # file -> every (system, arch) containing it
    declaring: dict[str, set[tuple[str, str | None]]] = {}   # file -> every (system, arch) declared in it
    for unit, _ in judged:
        labels = _labels(unit)
        for path in unit.files:   # (a fragment reports only in the fragments: it holds no other file)
            if unit.reportable is None or path in unit.reportable:
                holders.setdefault(path, set()).update(labels)
        for system in unit.systems if unit.whole else ():
            if system.declared_at is not None:
                declaring.setdefault(system.declared_at.path, set()).update(
                    label for label in labels if label[0] == system.name)
    groups: dict[tuple, list[tuple[Finding, Unit]]] = {}
    for unit, found in judged:
        for finding in found:
            groups.setdefault((finding.code, finding.span.path, finding.span.start, finding.span.end,
                               _without_system(finding)), []).append((finding, unit))
    merged: list[Finding] = []
    for (*_, message), group in groups.items():
        held = set().union(*(_labels(unit) for _, unit in group))
        # (a finding at a system's declaration -- in a file no system holds -- is about the
        # systems declared there: it says which, where not all)
        path = group[0][0].span.path
        every = holders.get(path) or declaring.get(path, set()) | held
        first = group[0][0]
        # What a system finding assumes, of the modules the linter cannot read in any of its systems
        assumed = assuming(list(dict.fromkeys(
            text for finding, unit in group if ASSUMES_UNREAD in finding.extra and finding.severity is not Severity.INFO
            for text in unit.unread if may_set(text, finding.extra[ASSUMES_UNREAD]))))
        if held >= every:
            merged.append(Finding(first.code, first.name, first.severity, message + assumed, first.span, first.fix,
                                  None))
            continue
        names = {name for name, _ in held}
        all_names = {name for name, _ in every}
        distinct = list({f.identity: f for f, _ in group}.values())
        shown = sorted(names)
        suffix = "" if names >= all_names else f" (in {len(shown)} of {len(all_names)} systems: {', '.join(shown)})"
        for finding in distinct:
            merged.append(Finding(finding.code, finding.name, finding.severity, finding.message + assumed + suffix,
                                  finding.span, finding.fix, ", ".join(shown) if suffix else finding.system))
    return merged


def _labels(unit: Unit) -> set[tuple[str, str | None]]:
    return {(name, unit.arch if unit.arch_specific else None) for name in unit.names}


def _without_system(finding: Finding) -> str:
    return finding.message.replace(f" on {finding.system}", "", 1) if finding.system else finding.message


def internal_error(rule: Rule | None, span: Span | None, doing: str, error: Exception | None) -> Finding | None:
    """NX999: the linter failed on one thing (a bug); the run goes on."""
    if rule is None or span is None:
        return None
    if error is not None:
        text = str(error).splitlines()[0] if str(error) else ""
        doing = f"{doing}: {type(error).__name__}{': ' + text if text else ''}"
    return Finding(rule.code, rule.name, rule.severity, f"internal error in stereos-lint while {doing}", span)


def read_problem_finding(problem: ReadProblem) -> Finding:
    return Finding("NX000", "parse-error", Severity.ERROR, f"cannot read the file: {problem.message}",
                   Span(SourceFile(problem.path, b""), 0, 0))
