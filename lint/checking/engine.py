"""Running rules over a project: every config rule on every root and system,
every file rule on every file, findings deduplicated and sorted.

A file that cannot be read or parsed yields its finding (NX000) and takes no
other file down with it.
"""
from __future__ import annotations

import functools
import gc
import importlib
import os
import pkgutil
from typing import Iterable

from . import policy
from . import suppression
from .findings import Finding, Severity
from ..nix.parser import ParsedFile
from ..systems.project import Project, ReadProblem
from .rule import REGISTRY, ConfigContext, FileContext, Rule
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
def run(project: Project, rules: Iterable[Rule], settings: Settings | None = None) -> list[Finding]:
    """Every finding of `rules` on `project`, after per-file ignores, severity overrides
    and suppression comments; sorted by file and position."""
    rules = list(rules)
    findings = _raw_findings(project, rules)
    settings = settings or Settings()
    findings = [f for f in findings if not any(f.code.startswith(c) for c in settings.ignored_for(f.path))]
    defaults = {r.code: r.severity for r in rules}
    for finding in findings:
        override = settings.severity.get(finding.code)
        if override and finding.severity is defaults.get(finding.code):
            finding.severity = Severity(override)
    parsed = {path: p for path in _all_files(project)
              if isinstance(p := project.parsed(path), ParsedFile) and p.error is None}
    ran = {r.code for r in rules if r.scope != "meta"}
    findings, unused = suppression.apply(findings, parsed, ran)
    meta = next((r for r in rules if r.code == "NX100"), None)
    if meta is not None:
        severity = Severity(settings.severity.get(meta.code, meta.severity.value))
        findings += [Finding(meta.code, meta.name, severity, suppression.unused_message(s, ran), s.span)
                     for s in unused]
    return sorted(findings, key=lambda f: f.sort_key)


def _raw_findings(project: Project, rules: list[Rule]) -> list[Finding]:
    config_rules = [r for r in rules if r.scope == "config"]
    file_rules = [r for r in rules if r.scope == "file"]
    findings: dict[tuple, Finding] = {}

    def add(found: Iterable[Finding | None]) -> None:
        for finding in found:
            if finding is not None:
                findings.setdefault(finding.identity, finding)

    configs_by_file: dict[str, list] = {}
    if config_rules or file_rules:
        for root in project.roots:
            parsed = project.parsed(root)
            if not isinstance(parsed, ParsedFile) or parsed.error is not None:
                continue
            systems = project.systems_for(root)
            per_system: list[Finding] = []
            for system in systems:
                config = project.config(root, system)
                for module in config.modules:
                    configs_by_file.setdefault(module.path, []).append(config)
                for rule in config_rules:
                    ctx = ConfigContext(rule, config, system or project.systems[0], system is not None, project)
                    per_system.extend(f for f in rule.check(ctx) or () if f is not None)
            add(merge_systems(per_system, systems))

    for path in _all_files(project):
        parsed = project.parsed(path)
        if isinstance(parsed, ReadProblem):
            add([read_problem_finding(parsed)])
            continue
        for rule in file_rules:
            ctx = FileContext(rule, parsed, configs_by_file.get(path, []), project)
            add(rule.check(ctx) or ())
    return list(findings.values())


def merge_systems(findings: list[Finding], systems: list[str | None]) -> list[Finding]:
    """A finding made on every system judged is reported once, without naming a system."""
    if len(systems) < 2:
        return findings
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        message = finding.message.replace(f" on {finding.system}", "", 1) if finding.system else finding.message
        groups.setdefault((finding.code, finding.span.path, finding.span.start, finding.span.end, message),
                          []).append(finding)
    merged = []
    for (*_, message), group in groups.items():
        if {f.system for f in group} >= set(systems):
            first = group[0]
            merged.append(Finding(first.code, first.name, first.severity, message, first.span, first.fix, None))
        else:
            merged.extend(group)
    return merged


def _all_files(project: Project) -> list[str]:
    """The given files, then every imported file that exists, each once."""
    seen: dict[str, None] = dict.fromkeys(project.files)
    for root in project.roots:
        for module in project.closure(root, project.systems[0]):
            if "#" not in module.key:
                seen.setdefault(module.path, None)
    return list(seen)


def read_problem_finding(problem: ReadProblem) -> Finding:
    return Finding("NX000", "parse-error", Severity.ERROR, f"cannot read the file: {problem.message}",
                   Span(SourceFile(problem.path, b""), 0, 0))
