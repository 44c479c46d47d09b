"""The language server end to end: the real `stereos-lint lsp` process, driven by
pytest-lsp's client over stdio, on the shipped fixtures."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from lintutil import FIXTURES

DRIFTED = FIXTURES / "stereos" / "drifted"
CLEAN = FIXTURES / "stereos" / "clean"
FLAKE = FIXTURES / "repos" / "stereos-flake"
SERVER = [sys.executable, "-m", "stereos_lint", "lsp"]


def recording_client() -> LanguageClient:
    """pytest-lsp's client, also keeping every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish})
    return client


CONFIG = ClientServerConfig(server_command=SERVER, client_factory=recording_client)


async def start(client: LanguageClient, folder) -> None:
    capabilities = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(
        hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True)))
    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities, workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)]))


@pytest_lsp.fixture(config=CONFIG)
async def drifted(lsp_client: LanguageClient):
    await start(lsp_client, DRIFTED)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def flake(lsp_client: LanguageClient):
    await start(lsp_client, FLAKE)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def clean(lsp_client: LanguageClient):
    await start(lsp_client, CLEAN)
    yield
    await lsp_client.shutdown_session()


# -- helpers -------------------------------------------------------------------------------------------

def open_document(client: LanguageClient, path, text: str | None = None) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8") if text is None else text
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="nix", version=1, text=text)))
    return uri, text


def change_document(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


async def diagnostics(client: LanguageClient, uri: str, version: int, timeout: float = 60) -> list[types.Diagnostic]:
    """The diagnostics the server published for `uri` at `version`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for params in reversed(client.published):
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)
        await asyncio.sleep(0.01)
    raise AssertionError(f"no diagnostics for {uri} version {version}")


def position(text: str, offset: int) -> types.Position:
    """The LSP position (UTF-16 characters) of a character offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=len(text[start:offset].encode("utf-16-le")) // 2)


def index(text: str, where: types.Position) -> int:
    """The character offset of an LSP position."""
    start = 0
    for _ in range(where.line):
        start = text.index("\n", start) + 1
    units, at = 0, start
    while units < where.character:
        units += len(text[at].encode("utf-16-le")) // 2
        at += 1
    return at


def apply(text: str, edits: list[types.TextEdit]) -> str:
    spans = sorted(((index(text, e.range.start), index(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def at(text: str, needle: str, inside: str | None = None) -> types.Position:
    """The position of `inside` within the first occurrence of `needle` (its start by default)."""
    offset = text.index(needle)
    return position(text, offset + (needle.index(inside) + 1 if inside else 0))


def codes_and_lines(found) -> set[tuple[str, int]]:
    return {(d.code, d.range.start.line + 1) for d in found}


def cli_codes_and_lines(folder, path) -> set[tuple[str, int]]:
    result = subprocess.run([*SERVER[:-1], "--format", "json", "."], cwd=folder, capture_output=True, text=True)
    findings = json.loads(result.stdout)
    return {(f["code"], f["line"]) for f in findings if f["file"] == path}


# -- diagnostics -----------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_diagnostics_are_the_command_lines(drifted: LanguageClient):
    client = drifted
    uri, text = open_document(client, DRIFTED / "boot.nix")
    found = await diagnostics(client, uri, 1)
    expected = cli_codes_and_lines(DRIFTED, "boot.nix")
    assert len(expected) >= 20
    assert codes_and_lines(found) == expected
    first = found[0]
    assert first.source == "stereos-lint"
    assert first.code_description is not None and first.code_description.href.startswith("file://")
    assert {d.severity for d in found} <= {types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning}


@pytest.mark.asyncio
async def test_a_quick_fix_removes_its_finding(drifted: LanguageClient):
    uri, text = open_document(drifted, DRIFTED / "boot.nix")
    found = await diagnostics(drifted, uri, 1)
    target = next(d for d in found if d.code == "ST202" and "RuntimeMaxUse" in d.message)
    actions = await drifted.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=target.range,
        context=types.CodeActionContext(diagnostics=[target])))
    titles = [a.title for a in actions]
    fix = next(a for a in actions if a.is_preferred)
    assert fix.kind == types.CodeActionKind.QuickFix and fix.diagnostics[0].code == "ST202"
    # The finding is inside a '' string: no comment can go on its line, only one for the file.
    assert "Disable ST202 in this file" in titles and "Disable ST202 on this line" not in titles
    fixed = apply(text, fix.edit.changes[uri])
    assert "RuntimeMaxUse=32M" in fixed and "RuntimeMaxUse=31M" not in fixed
    change_document(drifted, uri, 2, fixed)
    after = await diagnostics(drifted, uri, 2)
    assert not any(d.code == "ST202" and "RuntimeMaxUse" in d.message for d in after)
    assert len(after) == len(found) - 1


@pytest.mark.asyncio
async def test_disable_comments_suppress_without_leaving_a_stale_suppression(drifted: LanguageClient):
    uri, text = open_document(drifted, DRIFTED / "boot.nix")
    found = await diagnostics(drifted, uri, 1)
    target = next(d for d in found if d.code == "ST302")
    version = 1
    for title in ("Disable ST302 on this line", "Disable ST302 in this file"):
        if version > 1:   # back to the drifted text
            version += 1
            change_document(drifted, uri, version, text)
            assert codes_and_lines(await diagnostics(drifted, uri, version)) == codes_and_lines(found)
        actions = await drifted.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=target.range,
            context=types.CodeActionContext(diagnostics=[target])))
        action = next(a for a in actions if a.title == title)
        version += 1
        change_document(drifted, uri, version, apply(text, action.edit.changes[uri]))
        after = await diagnostics(drifted, uri, version)
        assert not any(d.code == "ST302" for d in after), title
        assert not any(d.code == "NX100" for d in after), title
        assert len(after) == len(found) - 1


@pytest.mark.asyncio
async def test_fix_all_applies_every_fix_in_the_file(drifted: LanguageClient):
    uri, text = open_document(drifted, DRIFTED / "boot.nix")
    found = await diagnostics(drifted, uri, 1)
    actions = await drifted.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll])))
    assert [a.kind for a in actions] == ["source.fixAll.stereos-lint"]
    change_document(drifted, uri, 2, apply(text, actions[0].edit.changes[uri]))
    after = await diagnostics(drifted, uri, 2)
    assert len(after) < len(found) // 2


# -- hover, definition, references ------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_hover_on_a_winning_and_a_losing_definition(flake: LanguageClient):
    uri, text = open_document(flake, FLAKE / "modules" / "boot.nix")
    await diagnostics(flake, uri, 1)
    hover = await flake.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=at(text, "services.journald.storage", "storage")))
    shown = hover.contents.value
    # base and coder keep the module's "volatile"; the -dev systems force "persistent".
    blocks = shown.split("\n\n*in ")
    volatile = next(b for b in blocks if '"volatile"' in b)
    persistent = next(b for b in blocks if '"persistent"' in b)
    assert "this definition decides it" in volatile and "coder" in volatile and "base-dev" not in volatile
    assert "`profiles/dev.nix:5` (priority 50, lib.mkForce)" in persistent
    assert "**this definition loses:** priority 100 (plain) loses to 50 (lib.mkForce)" in persistent
    assert "base-dev" in persistent and "coder-dev" in persistent


@pytest.mark.asyncio
async def test_hover_on_nested_and_quoted_names_and_on_a_read(drifted: LanguageClient):
    uri, text = open_document(drifted, DRIFTED / "boot.nix")
    await diagnostics(drifted, uri, 1)

    async def hover(position: types.Position) -> str:
        answer = await drifted.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position))
        return answer.contents.value if answer else ""

    # `boot.loader.grub = { … efiInstallAsRemovable = true; … }`: the nested name.
    nested = await hover(at(text, "efiInstallAsRemovable = false", "Removable"))
    assert nested.startswith("**`boot.loader.grub.efiInstallAsRemovable`**") and "false" in nested
    # The prefix `boot.loader.grub` of the same binding: the whole set.
    prefix = await hover(at(text, "boot.loader.grub = {", "grub"))
    assert prefix.startswith("**`boot.loader.grub`**") and "efiInstallAsRemovable = false;" in prefix
    quoted = await hover(at(text, 'systemd.services."getty@".enable', "getty"))
    assert quoted.startswith('**`systemd.services."getty@"`**')
    assert await hover(at(text, "lib.mkForce false", "mkForce")) == ""   # not an option


@pytest.mark.asyncio
async def test_definition_and_references_across_files(flake: LanguageClient):
    uri, text = open_document(flake, FLAKE / "modules" / "boot.nix")
    await diagnostics(flake, uri, 1)
    where = at(text, "security.polkit.enable", "enable")
    document = types.TextDocumentIdentifier(uri=uri)
    winners = await flake.text_document_definition_async(types.DefinitionParams(text_document=document,
                                                                                 position=where))
    places = {(w.uri.rsplit("/stereos-flake/", 1)[1], w.range.start.line + 1) for w in winners}
    line = text[: text.index("security.polkit.enable")].count("\n") + 1
    # base systems: this module's `false`; coder systems: the mixtape's lib.mkForce true.
    assert places == {("modules/boot.nix", line), ("mixtapes/coder/package.nix", 6)}
    references = await flake.text_document_references_async(types.ReferenceParams(
        text_document=document, position=where, context=types.ReferenceContext(include_declaration=True)))
    assert {(r.uri.rsplit("/stereos-flake/", 1)[1], r.range.start.line + 1) for r in references} == places


# -- editing ------------------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_an_edit_introduces_and_then_removes_a_drift(clean: LanguageClient):
    uri, text = open_document(clean, CLEAN / "boot.nix")
    assert await diagnostics(clean, uri, 1) == []
    drifted_text = text.replace("security.polkit.enable = false;", "security.polkit.enable = true;")
    assert drifted_text != text
    change_document(clean, uri, 2, drifted_text)
    found = await diagnostics(clean, uri, 2)
    line = text[: text.index("security.polkit.enable")].count("\n") + 1
    assert [(d.code, d.range.start.line + 1) for d in found] == [("ST121", line)]
    change_document(clean, uri, 3, text)
    assert await diagnostics(clean, uri, 3) == []


@pytest.mark.asyncio
async def test_a_syntax_error_keeps_the_findings_on_unchanged_lines(drifted: LanguageClient):
    uri, text = open_document(drifted, DRIFTED / "boot.nix")
    found = await diagnostics(drifted, uri, 1)
    broken = text.replace("users.mutableUsers = false;", "users.mutableUsers = ;")
    change_document(drifted, uri, 2, broken)
    during = await diagnostics(drifted, uri, 2)
    syntax = [d for d in during if d.code == "NX000"]
    line = text[: text.index("users.mutableUsers")].count("\n")
    assert len(syntax) == 1 and syntax[0].range.start.line == line
    assert codes_and_lines(d for d in during if d.code != "NX000") == codes_and_lines(found)
    change_document(drifted, uri, 3, text)
    assert codes_and_lines(await diagnostics(drifted, uri, 3)) == codes_and_lines(found)


def patched_server(patch: str) -> list[str]:
    """The server, with `patch` (Python) applied to its session first: a fault, a delay."""
    return [sys.executable, "-c", "from stereos_lint.interfaces.lsp import session\n" + patch +
            "\nfrom stereos_lint.interfaces.lsp.server import serve\nserve()"]


FAILING_HOVER = patched_server("""
def fail(self, path, offset):
    raise RuntimeError("hover broke")
session.Session.hover = fail
""")

# Every lint takes 0.3 s longer: long enough for a burst of changes to arrive during one.
SLOW_LINT = patched_server("""
import time
diagnostics = session.Session.diagnostics
def slow(self, path, cancelled=lambda: False):
    time.sleep(0.3)
    return diagnostics(self, path, cancelled)
session.Session.diagnostics = slow
""")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=FAILING_HOVER, client_factory=recording_client))
async def failing(lsp_client: LanguageClient):
    await start(lsp_client, CLEAN)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_failing_request_gets_an_error_and_the_server_goes_on(failing: LanguageClient):
    uri, text = open_document(failing, CLEAN / "boot.nix")
    await diagnostics(failing, uri, 1)
    with pytest.raises(Exception, match="hover broke"):
        await failing.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=at(text, "security.polkit.enable")))
    change_document(failing, uri, 2, text.replace("security.polkit.enable = false;", "security.polkit.enable = true;"))
    assert [d.code for d in await diagnostics(failing, uri, 2)] == ["ST121"]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SLOW_LINT, client_factory=recording_client))
async def slow(lsp_client: LanguageClient):
    await start(lsp_client, CLEAN)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_changes_arriving_during_a_lint_are_linted_once_at_the_end(slow: LanguageClient):
    uri, text = open_document(slow, CLEAN / "boot.nix")
    await diagnostics(slow, uri, 1)
    for version in range(2, 12):
        value = "true" if version % 2 else "false"
        change_document(slow, uri, version, text.replace("security.polkit.enable = false;",
                                                         f"security.polkit.enable = {value};"))
    assert [d.code for d in await diagnostics(slow, uri, 11)] == ["ST121"]
    versions = [p.version for p in slow.published if p.uri == uri]
    # The lint of version 2 was overtaken and dropped; only the newest text was published.
    assert versions == [1, 11]


@pytest_lsp.fixture(config=CONFIG)
async def conflict(lsp_client: LanguageClient, tmp_path):
    from lintutil import write_tree
    from test_lsp_session import CONFLICT

    write_tree(tmp_path, CONFLICT)
    lsp_client.folder = tmp_path
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_files_changed_on_disk_are_seen_through_the_watched_files_notification(conflict: LanguageClient):
    folder = conflict.folder
    uri, _ = open_document(conflict, folder / "host.nix")
    assert await diagnostics(conflict, uri, 1) == []
    before = len(conflict.published)
    (folder / "other.nix").write_text("{ my.port = 2222; }\n")
    conflict.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=(folder / "other.nix").as_uri(), type=types.FileChangeType.Changed)]))
    deadline = time.monotonic() + 60
    while len(conflict.published) == before and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert [(d.code, d.range.start.line + 1) for d in conflict.published[-1].diagnostics] == [("NX002", 4)]


@pytest_lsp.fixture(config=CONFIG)
async def misconfigured(lsp_client: LanguageClient, tmp_path):
    from lintutil import write_tree

    write_tree(tmp_path, {".stereos-lint.toml": 'select = ["NOPE"]\n', "host.nix": "{ a = 1; a = 2; }\n"})
    lsp_client.folder = tmp_path
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_broken_configuration_is_shown_once_and_linting_goes_on(misconfigured: LanguageClient):
    uri, text = open_document(misconfigured, misconfigured.folder / "host.nix")
    found = await diagnostics(misconfigured, uri, 1)
    assert "NX001" in {d.code for d in found}              # the defaults: every rule
    change_document(misconfigured, uri, 2, text + "\n")
    await diagnostics(misconfigured, uri, 2)
    shown = [m.message for m in misconfigured.messages]
    assert len(shown) == 1 and "NOPE" in shown[0] and shown[0].startswith("stereos-lint: the configuration is not used")


@pytest_lsp.fixture(config=CONFIG)
async def linked(lsp_client: LanguageClient, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / ".stereos-lint.toml").write_text('select = ["NX005"]\n')
    (real / "module.nix").write_bytes((FIXTURES / "rules" / "NX005" / "drops" / "module.nix").read_bytes())
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    lsp_client.folder = tmp_path
    await start(lsp_client, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_file_opened_through_a_symlink_gets_its_fixes_under_its_own_uri(linked: LanguageClient):
    uri, text = open_document(linked, linked.folder / "link" / "module.nix")
    found = await diagnostics(linked, uri, 1)
    assert [d.code for d in found] == ["NX005"]
    actions = await linked.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=found[0].range,
        context=types.CodeActionContext(diagnostics=found)))
    fix = next(a for a in actions if a.is_preferred)
    assert list(fix.edit.changes) == [uri]
    change_document(linked, uri, 2, apply(text, fix.edit.changes[uri]))
    assert await diagnostics(linked, uri, 2) == []
