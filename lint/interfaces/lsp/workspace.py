"""One folder as the editor sees it: its settings and rules, and one long-lived project
over its files in which open buffers stand in for what is on disk.

Linting a file judges only the evaluations (units) that contain it -- a system's, or
the file's own as a fragment -- with the engine's own functions, so the editor shows
exactly what `stereos-lint` prints for that file.  A unit's findings are kept until a
file it contains changes: an edit re-evaluates only the systems holding the edited file.
"""
from __future__ import annotations

from typing import Callable

from ...checking import engine
from ...checking.findings import Finding
from ...checking.rule import Rule
from ...checking.selection import configured, rules_for, settings_for
from ...checking.settings import Settings, SettingsError
from ...modules.config import EffectiveConfig
from ...nix.parser import ParsedFile
from ...nix.source import SourceFile, Span
from ...systems.project import DEFAULT_SYSTEMS, Project, ReadProblem, Unit


class Workspace:
    def __init__(self, folder: str | None, files: list[str]):
        self.folder = folder                 # None: a lone file, linted alone
        self.problem: str | None = None      # why the configuration could not be used
        self.settings, self.rules, systems = self._configuration(folder or (files[0] if files else "."))
        self.project = Project([f for f in files if not self.settings.excluded(f)], tuple(self.settings.systems) or
                               DEFAULT_SYSTEMS, configured=systems)
        self._judged: dict[tuple, tuple[EffectiveConfig, list[Finding]]] = {}

    def _configuration(self, start: str):
        """The configuration nearest to `start` (settings, rules, the systems it names), or
        the defaults -- with the reason -- where it is broken: the editor keeps linting
        while the user fixes it."""
        try:
            settings = settings_for(None, [start])
            return settings, rules_for(settings), configured(settings)
        except SettingsError as error:
            self.problem = str(error)
            settings = Settings()
            return settings, rules_for(settings), None

    def lints(self, path: str) -> bool:
        """Whether `path` is linted here (not excluded by the configuration)."""
        return not self.settings.excluded(path)

    def units_of(self, path: str) -> list[Unit]:
        """The evaluations `path` takes part in: those containing it, and the systems
        declared in it (where a missing option is reported)."""
        return [unit for unit in self.project.units
                if path in unit.files or any(s.declared_at is not None and s.declared_at.path == path
                                             for s in unit.systems)]

    def lint(self, path: str, cancelled: Callable[[], bool] = lambda: False) -> list[Finding] | None:
        """Every finding in `path`, as the command line reports it; None when `cancelled()`
        turned true before the end (a newer text is waiting)."""
        project = self.project
        path = project.canonical(path)
        config_rules = [r for r in self.rules if r.scope == "config"]
        file_rules = [r for r in self.rules if r.scope == "file"]
        internal = next((r for r in self.rules if r.code == "NX999"), None)
        project.watch(engine.watched_options(config_rules))
        units = self.units_of(path)
        judged: list[tuple[Unit, list[Finding]]] = []
        for unit in units:
            if cancelled():
                return None
            if config_rules and not engine.root_unreadable(project, unit):
                judged.append((unit, self._judge(unit, config_rules, internal)))
        self._forget_stale()
        found: dict[tuple, Finding] = {}
        for finding in engine.merge_units(judged):
            if finding.path == path:
                found.setdefault(finding.identity, finding)
        configs = [unit.config for unit in units if path in unit.files]
        for finding in engine.check_file(project, path, file_rules, {path: configs}, internal):
            found.setdefault(finding.identity, finding)
        parsed = project.parsed(path)
        for error in project.errors:
            if error.path == path:
                start = Span(parsed.source if isinstance(parsed, ParsedFile) else SourceFile(path, b""), 0, 0)
                failure = engine.internal_error(internal, error.span or start, error.message, None)
                if failure is not None:
                    found.setdefault(failure.identity, failure)
        valid = {path: parsed} if isinstance(parsed, ParsedFile) and parsed.error is None else {}
        return engine.finish(list(found.values()), self.rules, self.settings, valid)

    def _judge(self, unit: Unit, config_rules: list[Rule], internal: Rule | None) -> list[Finding]:
        """The unit's findings, judged once per evaluation (kept with the configuration, so
        its identity cannot be taken by a newer one)."""
        key = (id(unit.config), unit.arch, unit.arch_specific, unit.whole, unit.reportable)
        kept = self._judged.get(key)
        if kept is None:
            kept = self._judged[key] = (unit.config, engine.judge_unit(self.project, unit, config_rules, internal))
        return kept[1]

    def _forget_stale(self) -> None:
        """Drop the findings of evaluations an edit replaced."""
        current = {id(unit.config) for unit in self.project.units}
        self._judged = {key: kept for key, kept in self._judged.items() if key[0] in current}

    def parsed(self, path: str) -> ParsedFile | ReadProblem:
        return self.project.parsed(path)
