"""Editor latency: the time from a `textDocument/didChange` to the
`textDocument/publishDiagnostics` for that version, with the real `stereos-lint lsp`
process and a real LSP client (pygls's) over stdio.

    python bench/lsp_latency.py TREE FILE  [--changes 40] [--warmup 5]

opens FILE of the module tree TREE (the workspace folder), then changes it again and
again -- toggling `security.polkit.enable` between false and true, so a finding
(ST121) comes and goes (checked) -- waiting for each version's diagnostics before the
next change.  Reports the median and the 90th percentile after the warm-up changes.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import pathlib
import statistics
import sys
import time

from lsprotocol import types
from pygls.lsp.client import LanguageClient

NEEDLE = "security.polkit.enable = false;"


async def _measure(tree: pathlib.Path, path: pathlib.Path, changes: int, warmup: int) -> dict:
    client = LanguageClient("stereos-lint-bench", "1")
    arrived: dict[int, float] = {}
    codes: dict[int, list[str]] = {}
    new_version = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        if params.uri == uri and params.version is not None:
            arrived[params.version] = time.perf_counter()
            codes[params.version] = [str(d.code) for d in params.diagnostics]
            new_version.set()

    async def wait_for(version: int) -> None:
        while version not in arrived:
            new_version.clear()
            await asyncio.wait_for(new_version.wait(), timeout=60)

    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    if NEEDLE not in text:
        raise SystemExit(f"{path} has no `{NEEDLE}` to toggle")
    await client.start_io(sys.executable, "-m", "stereos_lint", "lsp")
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        workspace_folders=[types.WorkspaceFolder(uri=tree.as_uri(), name=tree.name)]))
    client.initialized(types.InitializedParams())
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="nix", version=1, text=text)))
    start = time.perf_counter()
    await wait_for(1)
    first = arrived[1] - start
    latencies: list[float] = []
    expected: dict[int, list[str]] = {}
    for step in range(warmup + changes):
        version = step + 2
        changed = text if step % 2 else text.replace(NEEDLE, NEEDLE.replace("false", "true"))
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=changed)]))
        await wait_for(version)
        # Every text gets the diagnostics its twin got (the two texts alternate).
        if expected.setdefault(step % 2, sorted(codes[version])) != sorted(codes[version]):
            raise SystemExit(f"version {version}: {codes[version]}, but {expected[step % 2]} before")
        if step >= warmup:
            latencies.append(arrived[version] - sent)
    if expected[0] == expected[1]:
        raise SystemExit("toggling the option changed no diagnostic: nothing was measured")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    latencies.sort()
    return {"files": len(list(tree.rglob("*.nix"))), "changed_file": str(path.relative_to(tree)),
            "changes": changes, "warmup": warmup, "first_diagnostics_ms": first * 1000,
            "median_ms": statistics.median(latencies) * 1000,
            "p90_ms": latencies[int(0.9 * (len(latencies) - 1))] * 1000, "max_ms": latencies[-1] * 1000}


def measure(tree: str, path: str, changes: int = 40, warmup: int = 5) -> dict:
    return asyncio.run(_measure(pathlib.Path(tree).resolve(), pathlib.Path(path).resolve(), changes, warmup))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree")
    parser.add_argument("file")
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(measure(args.tree, args.file, args.changes, args.warmup), indent=2))


if __name__ == "__main__":
    main()
