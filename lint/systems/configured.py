"""Systems named in the configuration (`[tool.stereos-lint.systems.NAME]`): they
always win over discovery -- where a repository's configuration names systems,
those are its systems.

    [tool.stereos-lint.systems.vm]
    modules = ["hosts/vm.nix", "modules/boot.nix"]   # relative to the configuration file
    system = "aarch64-linux"                         # optional
"""
from __future__ import annotations

import os
import re

from ..nix.source import SourceFile, Span
from .system import FILE, ModuleRef, System


def configured_systems(tables: dict[str, dict], source: str | None, base_dir: str) -> list[System]:
    text = b""
    if source and os.path.isfile(source):
        with open(source, "rb") as handle:
            text = handle.read()
    config_file = SourceFile(source or "configuration", text)
    systems = []
    for name, table in tables.items():
        modules = []
        for written in table["modules"]:
            path = os.path.normpath(os.path.join(base_dir, written))
            if os.path.isdir(path):
                path = os.path.join(path, "default.nix")
            modules.append(ModuleRef(FILE, written, path, exists=os.path.isfile(path)))
        system = System(name, table.get("system"), _header(config_file, name), modules, origin="configured")
        system.gaps.extend(f"module {m.text} does not exist ({m.path})" for m in modules if not m.exists)
        systems.append(system)
    return systems


def _header(config_file: SourceFile, name: str) -> Span:
    """The `[…systems.NAME]` line of the configuration file (its start when not found)."""
    pattern = re.compile(rb"^\s*\[(?:tool\.stereos-lint\.)?systems\.(?:" + re.escape(name.encode()) +
                         rb"|\"" + re.escape(name.encode()) + rb"\")\]", re.MULTILINE)
    match = pattern.search(config_file.data)
    start = match.start() + (len(match.group(0)) - len(match.group(0).lstrip())) if match else 0
    return Span(config_file, start, start)
