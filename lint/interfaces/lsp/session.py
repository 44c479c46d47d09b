"""What the editor has open and what it asks, in paths and byte offsets.

Each open document belongs to a workspace: the editor's folder that holds it (linted
as `stereos-lint FOLDER` would), else its repository, else the file alone.  Its text
replaces the disk's in that workspace's project.  A buffer that does not parse gets
its syntax error and, on unchanged lines, the findings of its last text that parsed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from ...checking import engine, suppression
from ...checking.findings import Edit, Finding
from ...checking.fixes import fix_edits
from ...nix.parser import ParsedFile
from ...nix.source import SourceFile, Span
from ...systems.discovery import repository_root
from .. import explain_value
from ..discover import PathError, discover
from . import hover as hover_text
from .option_at import OptionAt, option_at
from .relocate import relocate
from .workspace import Workspace

CONFIG_FILES = (".stereos-lint.toml", "pyproject.toml")
FIX_ALL = "source.fixAll.stereos-lint"     # the code-action kind of "apply every fix in this file"


@dataclass
class Document:
    path: str                       # as the editor names it (absolute)
    data: bytes
    last_good: tuple[SourceFile, list[Finding]] | None = None   # findings of the last text that parsed


@dataclass
class Action:
    """A code action: its title, LSP kind, the edits and the finding it answers."""

    title: str
    kind: str
    edits: list[Edit]
    finding: Finding | None = None
    preferred: bool = False


@dataclass
class Session:
    folders: list[str] = field(default_factory=list)          # the editor's workspace folders
    documents: dict[str, Document] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)

    # -- documents --------------------------------------------------------------------------

    def open(self, path: str, data: bytes) -> None:
        self.documents[path] = Document(path, data)
        self.workspace(path).project.update(path, data)

    def change(self, path: str, data: bytes) -> None:
        document = self.documents.setdefault(path, Document(path, data))
        document.data = data
        self.workspace(path).project.update(path, data)

    def close(self, path: str) -> None:
        self.documents.pop(path, None)
        for workspace in self._holding(path):
            workspace.project.update(path, None)
        self.files_changed([path])    # an unsaved new file is gone with its buffer

    def files_changed(self, paths: list[str]) -> None:
        """Files changed, created or deleted on disk (a save, git, a formatter): a
        configuration file, a .nix file appearing or disappearing, or a file discovery read
        as data, starts the workspaces it concerns afresh; any other file is read again
        unless it is open."""
        for path in paths:
            for key, workspace in list(self.workspaces.items()):
                if not _concerns(path, key, workspace):
                    continue
                project = workspace.project
                known = project.canonical(path) in project.files
                if os.path.basename(path) in CONFIG_FILES or (path.endswith(".nix") and known != os.path.isfile(path)) \
                        or project.discovery_reads(path):
                    del self.workspaces[key]
                elif known and path not in self.documents:
                    project.update(path, None)

    # -- workspaces ----------------------------------------------------------------------------

    def workspace(self, path: str) -> Workspace:
        folder = self._folder_of(path)
        key = folder or path
        if key not in self.workspaces:
            try:
                files = discover([folder]) if folder else [path]
            except PathError:
                files = [path]
            if path not in files and os.path.abspath(path) not in map(os.path.abspath, files):
                files.append(path)     # open but not on disk (yet), or excluded from the walk
            workspace = self.workspaces[key] = Workspace(folder, files)
            for document in self.documents.values():
                if document.path == path or (folder and _inside(document.path, folder)):
                    workspace.project.update(document.path, document.data)
        return self.workspaces[key]

    def _folder_of(self, path: str) -> str | None:
        """The innermost editor folder holding `path`, else its repository's root."""
        holding = [f for f in self.folders if _inside(path, f)]
        if holding:
            return max(holding, key=len)
        return repository_root(path)

    def _holding(self, path: str) -> list[Workspace]:
        return [w for key, w in self.workspaces.items()
                if (w.folder is None and key == path) or (w.folder is not None and _inside(path, w.folder))]

    # -- diagnostics ---------------------------------------------------------------------------

    def diagnostics(self, path: str, cancelled: Callable[[], bool] = lambda: False) -> list[Finding] | None:
        """The findings to show in `path` now; None if `cancelled()` turned true first."""
        workspace = self.workspace(path)
        if not workspace.lints(path):
            return []
        document = self.documents.get(path)
        parsed = workspace.parsed(path)
        broken = isinstance(parsed, ParsedFile) and parsed.error is not None
        if broken and document is not None and document.last_good is not None:
            return self._while_broken(workspace, path, parsed, document.last_good)
        findings = workspace.lint(path, cancelled)
        if findings is not None and document is not None and isinstance(parsed, ParsedFile) and not broken:
            document.last_good = (parsed.source, findings)
        return findings

    def _while_broken(self, workspace: Workspace, path: str, parsed: ParsedFile,
                      last_good: tuple[SourceFile, list[Finding]]) -> list[Finding]:
        """The syntax error, and the last findings that still point at unchanged lines."""
        syntax = [r for r in workspace.rules if r.code == "NX000"]
        found = engine.check_file(workspace.project, path, syntax, {}, None)
        found = engine.finish(found, workspace.rules, workspace.settings, {})
        old, findings = last_good
        return sorted(found + relocate(findings, old, parsed.source), key=lambda f: f.sort_key)

    def sharing(self, path: str) -> list[str]:
        """The other open documents whose findings an edit of `path` may change: those in
        an evaluation with it."""
        workspace = self.workspace(path)
        canonical = workspace.project.canonical(path)
        files = {f for unit in workspace.units_of(canonical) for f in unit.files}
        return [p for p in self.documents if p != path and workspace.project.canonical(p) in files
                and workspace in self._holding(p)]

    # -- code actions ------------------------------------------------------------------------------

    def actions(self, path: str, start: int, end: int) -> list[Action]:
        """Quick fixes for the findings touching [start, end], with the suppression
        comments for each, and "fix everything" for the file."""
        findings = self.diagnostics(path) or []
        workspace = self.workspace(path)
        parsed = workspace.parsed(path)
        actions: list[Action] = []
        touching = [f for f in findings if f.span.start <= end and start <= f.span.end]
        for finding in touching:
            if finding.fix is not None:
                actions.append(Action(finding.fix.message, "quickfix", list(finding.fix.edits), finding, True))
        if isinstance(parsed, ParsedFile) and parsed.error is None:
            for finding in touching:
                if finding.code in ("NX000", "NX100"):
                    continue
                line_edit = suppression.disable_edit(parsed, finding.code, finding.span.line)
                if line_edit is not None:
                    actions.append(Action(f"Disable {finding.code} on this line", "quickfix", [line_edit], finding))
                file_edit = suppression.disable_edit(parsed, finding.code, finding.span.line, whole_file=True)
                actions.append(Action(f"Disable {finding.code} in this file", "quickfix", [file_edit], finding))
        every = fix_edits(findings).get(workspace.project.canonical(path))
        if every:
            actions.append(Action("Apply every stereos-lint fix in this file", FIX_ALL, every))
        return list({(a.title, tuple((e.span.start, e.span.end, e.content) for e in a.edits)): a
                     for a in actions}.values())

    # -- options under the cursor ------------------------------------------------------------------

    def hover(self, path: str, offset: int) -> str | None:
        found = self._option_at(path, offset)
        if found is None:
            return None
        workspace, at, units = found
        records = explain_value.records(workspace.project, at.option, units=units)
        if not any(r.get("defined") or r.get("definitions") for r in records):
            return None
        hovered = [p for d in at.definitions if (p := explain_value.place(d)) is not None]
        return hover_text.render(records, hovered, workspace.folder) or None

    def definition(self, path: str, offset: int) -> list[Span]:
        """Where the option under the cursor is decided: its winning definitions."""
        found = self._option_at(path, offset)
        if found is None:
            return []
        _, at, units = found
        spans: list[Span] = []
        for unit in units:
            resolution = unit.config.resolve(at.option)
            winners = resolution.winners or ([resolution.winner] if resolution.winner else [])
            spans.extend(_name_span(d) for d in winners)
        return _distinct(spans)

    def references(self, path: str, offset: int, declarations: bool = False) -> list[Span]:
        """Every definition of the option under the cursor, in every system with the file
        (and, with `declarations`, its `mkOption` where the linted tree declares it)."""
        found = self._option_at(path, offset)
        if found is None:
            return []
        _, at, units = found
        spans = [_name_span(d) for unit in units for d in unit.config.resolve(at.option).definitions]
        if declarations:
            spans = [u.config.declarations[at.option][0].span for u in units if at.option in u.config.declarations] + spans
        return _distinct(spans)

    def _option_at(self, path: str, offset: int):
        workspace = self.workspace(path)
        canonical = workspace.project.canonical(path)
        parsed = workspace.parsed(canonical)
        if not isinstance(parsed, ParsedFile):
            return None
        units = [u for u in workspace.units_of(canonical) if canonical in u.files]
        at: OptionAt | None = option_at(parsed, offset, [u.config for u in units])
        return (workspace, at, units) if at is not None and units else None


def _concerns(path: str, key: str, workspace: Workspace) -> bool:
    """Whether a change of `path` concerns the workspace: a file in it, or a
    configuration file in a folder above it."""
    if workspace.folder is None:
        return key == path or (os.path.basename(path) in CONFIG_FILES and _inside(key, os.path.dirname(path)))
    return _inside(path, workspace.folder) or (os.path.basename(path) in CONFIG_FILES
                                                and _inside(workspace.folder, os.path.dirname(path)))


def _inside(path: str, folder: str) -> bool:
    folder = os.path.abspath(folder)
    return os.path.abspath(path).startswith(folder.rstrip(os.sep) + os.sep)


def _name_span(definition) -> Span | None:
    return definition.key_span or definition.span


def _distinct(spans: list[Span | None]) -> list[Span]:
    seen: dict[tuple, Span] = {}
    for span in spans:
        if span is not None:
            seen.setdefault((span.path, span.start, span.end), span)
    return list(seen.values())
