"""The Language Server over stdio (pygls): notifications and requests in, session calls
out.

All work on the session runs in one worker thread, one call after another, so the
event loop stays free to take the next keystroke.  Linting is coalesced: a document is
linted by at most one run at a time; changes that arrive meanwhile mark it stale, the
run stops between evaluations and its result is dropped, and one new run lints the
latest text.  An edit re-lints the other open documents that share an evaluation with
the edited one.  A failure in a request answers that request with an error; a failure
while linting is logged; the server goes on.
"""
from __future__ import annotations

import asyncio
import logging
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from ... import __version__
from ...checking.findings import Finding
from . import protocol
from .session import FIX_ALL, Session

WATCHED = ("**/*.nix", "**/.stereos-lint.toml", "**/pyproject.toml")


@dataclass
class LintState:
    generation: int = 0      # bumped by every change of the document
    running: bool = False


class StereosLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("stereos-lint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.session = Session()
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stereos-lint")
        self.lints: dict[str, LintState] = {}
        self.uris: dict[str, str] = {}   # a document's path -> its URI as the client wrote it
        self.warned: set[str] = set()    # configuration problems already shown

    @property
    def encoding(self) -> str:
        return self.workspace.position_encoding or types.PositionEncodingKind.Utf16

    async def on_worker(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    # -- text -------------------------------------------------------------------------------------

    def current(self, uri: str) -> tuple[str, bytes] | None:
        """The document's path and its text now (None for a buffer that is not a file)."""
        path = protocol.path_of(uri)
        if path is None:
            return None
        self.uris[path] = uri
        document = self.workspace.text_documents.get(uri)
        data = document.source.encode("utf-8", "surrogateescape") if document is not None else None
        return (path, data) if data is not None else None

    def uri_for(self, path: str) -> str:
        """The URI of a file as the client names it where it has it open (the linter's
        name for it may go through another symlink), else one made from the path."""
        real = os.path.realpath(path)
        return next((uri for known, uri in self.uris.items() if os.path.realpath(known) == real), None) \
            or protocol.uri(path)

    def sync(self, path: str, data: bytes) -> None:
        """Give the session the editor's text, where it changed (worker thread)."""
        known = self.session.documents.get(path)
        if known is None:
            self.session.open(path, data)
        elif known.data != data:
            self.session.change(path, data)

    def source_of(self, path: str):
        parsed = self.session.workspace(path).parsed(path)
        return getattr(parsed, "source", None)

    # -- diagnostics -------------------------------------------------------------------------------

    def schedule(self, uri: str, cascade: bool = True) -> None:
        state = self.lints.setdefault(uri, LintState())
        state.generation += 1
        if not state.running:
            state.running = True
            asyncio.ensure_future(self.lint_loop(uri, state, cascade))

    async def lint_loop(self, uri: str, state: LintState, cascade: bool) -> None:
        try:
            while True:
                await asyncio.sleep(0)          # let changes already received arrive first
                generation = state.generation
                current = self.current(uri)
                if current is None:
                    return
                result = await self.on_worker(self.diagnose, *current, lambda: state.generation != generation, cascade)
                if state.generation != generation:
                    continue                    # a newer text came in: lint that one
                if result is not None:
                    diagnostics, sharing, problem = result
                    self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                        uri=uri, diagnostics=diagnostics, version=self._version(uri)))
                    self._warn(problem)
                    for other in sharing:
                        self.schedule(self.uri_for(other), cascade=False)
                return
        except Exception:   # noqa: BLE001 -- a bug while linting one document must not stop the server
            self.window_log_message(types.LogMessageParams(types.MessageType.Error,
                                                           f"stereos-lint: linting {uri} failed:\n"
                                                           f"{traceback.format_exc()}"))
        finally:
            state.running = False

    def diagnose(self, path: str, data: bytes, cancelled, cascade: bool):
        """(diagnostics, the other open documents to lint again, a configuration problem)
        -- None when cancelled."""
        self.sync(path, data)
        findings = self.session.diagnostics(path, cancelled)
        if findings is None:
            return None
        workspace = self.session.workspace(path)
        rules = {r.code: r for r in workspace.rules}
        diagnostics = [protocol.diagnostic(f, rules, self.encoding) for f in findings]
        sharing = self.session.sharing(path) if cascade and not self._broken(path) else []
        return diagnostics, sharing, workspace.problem

    def _broken(self, path: str) -> bool:
        parsed = self.session.workspace(path).parsed(path)
        return getattr(parsed, "error", None) is not None

    def _warn(self, problem: str | None) -> None:
        """Show a broken configuration once (the linting goes on with the defaults)."""
        if problem and problem not in self.warned:
            self.warned.add(problem)
            self.window_show_message(types.ShowMessageParams(
                types.MessageType.Warning, f"stereos-lint: the configuration is not used: {problem}"))

    def _version(self, uri: str) -> int | None:
        document = self.workspace.text_documents.get(uri)
        return document.version if document is not None else None

    # -- positions ---------------------------------------------------------------------------------

    def at(self, uri: str, where: types.Position):
        """(path, byte offset) of a position in a document, the session given its text."""
        current = self.current(uri)
        if current is None:
            return None
        path, data = current
        self.sync(path, data)
        source = self.source_of(path)
        return (path, protocol.offset(source, where, self.encoding)) if source is not None else None

    def findings_in(self, uri: str, start: types.Position, end: types.Position):
        current = self.current(uri)
        if current is None:
            return []
        path, data = current
        self.sync(path, data)
        source = self.source_of(path)
        if source is None:
            return []
        return self.session.actions(path, protocol.offset(source, start, self.encoding),
                                    protocol.offset(source, end, self.encoding))


server = StereosLanguageServer()


@server.feature(types.INITIALIZE)
def initialize(ls: StereosLanguageServer, params: types.InitializeParams) -> None:
    folders = [protocol.path_of(f.uri) for f in params.workspace_folders or ()]
    if not folders and params.root_uri:
        folders = [protocol.path_of(params.root_uri)]
    elif not folders and params.root_path:
        folders = [params.root_path]
    ls.session.folders = [f for f in folders if f]


@server.feature(types.INITIALIZED)
async def initialized(ls: StereosLanguageServer, params: types.InitializedParams) -> None:
    capability = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
    if not (capability and capability.dynamic_registration):
        return   # files changed outside the editor are then seen when saved or reopened
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
            id="stereos-lint-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]))]))
    except Exception as error:   # noqa: BLE001 -- a client that offers it and then refuses
        ls.window_log_message(types.LogMessageParams(types.MessageType.Warning,
                                                     f"stereos-lint: cannot watch files: {error}"))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: StereosLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: StereosLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
async def did_save(ls: StereosLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    path = protocol.path_of(params.text_document.uri)
    if path is not None:
        await ls.on_worker(ls.session.files_changed, [path])
    ls.schedule(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: StereosLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    state = ls.lints.pop(uri, None)
    if state is not None:
        state.generation += 1     # a lint still running for it publishes nothing
    path = protocol.path_of(uri)
    if path is not None:
        await ls.on_worker(ls.session.close, path)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def did_change_watched_files(ls: StereosLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
    paths = [p for change in params.changes if (p := protocol.path_of(change.uri)) is not None]
    await ls.on_worker(ls.session.files_changed, paths)
    for uri in list(ls.workspace.text_documents):
        ls.schedule(uri, cascade=False)


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def did_change_folders(ls: StereosLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    removed = {protocol.path_of(f.uri) for f in params.event.removed}
    added = [p for f in params.event.added if (p := protocol.path_of(f.uri))]

    def refolder() -> None:
        ls.session.folders = [f for f in ls.session.folders if f not in removed] + added
        ls.session.workspaces.clear()
    await ls.on_worker(refolder)
    for uri in list(ls.workspace.text_documents):
        ls.schedule(uri, cascade=False)


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def hover(ls: StereosLanguageServer, params: types.HoverParams) -> types.Hover | None:
    def answer():
        found = ls.at(params.text_document.uri, params.position)
        text = ls.session.hover(*found) if found else None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)) if text else None
    return await ls.on_worker(answer)


@server.feature(types.TEXT_DOCUMENT_DEFINITION)
async def definition(ls: StereosLanguageServer, params: types.DefinitionParams) -> list[types.Location]:
    return await _locations(ls, params, Session.definition)


@server.feature(types.TEXT_DOCUMENT_REFERENCES)
async def references(ls: StereosLanguageServer, params: types.ReferenceParams) -> list[types.Location]:
    declarations = bool(params.context and params.context.include_declaration)
    return await _locations(ls, params, lambda session, *at: session.references(*at, declarations=declarations))


async def _locations(ls: StereosLanguageServer, params, find) -> list[types.Location]:
    """The places `find(session, path, offset)` gives for the position in `params`."""
    def answer():
        found = ls.at(params.text_document.uri, params.position)
        return [protocol.location(s, ls.encoding, ls.uri_for) for s in find(ls.session, *found)] if found else []
    return await ls.on_worker(answer)


@server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]))
async def code_action(ls: StereosLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    only = [getattr(kind, "value", kind) for kind in params.context.only or ()]

    def answer():
        actions = []
        for action in ls.findings_in(params.text_document.uri, params.range.start, params.range.end):
            if only and not any(action.kind == k or action.kind.startswith(f"{k}.") for k in only):
                continue
            actions.append(types.CodeAction(
                title=action.title, kind=action.kind,
                diagnostics=[_diagnostic(ls, action.finding)] if action.finding is not None else None,
                edit=types.WorkspaceEdit(changes=protocol.text_edits(action.edits, ls.encoding, ls.uri_for)),
                is_preferred=action.preferred or None))
        return actions
    return await ls.on_worker(answer)


def _diagnostic(ls: StereosLanguageServer, finding: Finding) -> types.Diagnostic:
    rules = {r.code: r for r in ls.session.workspace(finding.path).rules}
    return protocol.diagnostic(finding, rules, ls.encoding)


@server.feature(types.SHUTDOWN)
def shutdown(ls: StereosLanguageServer, params: None) -> None:
    ls.worker.shutdown(wait=False, cancel_futures=True)


def serve() -> None:
    """Run the server on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING)
    server.start_io()
