"""Shared helpers for tests: lint fixture paths or small inline trees through the real engine."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable

from stereos_lint.checking.engine import load_rules, run
from stereos_lint.checking.findings import Finding
from stereos_lint.checking.fixes import fixed_files
from stereos_lint.systems.project import Project

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
SHARED = REPO.parent / "shared"


def nix_files(*paths: str | os.PathLike) -> list[str]:
    files: list[str] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(str(p) for p in sorted(path.rglob("*.nix")))
        else:
            files.append(str(path))
    return files


def lint(*paths: str | os.PathLike, select: Iterable[str] | None = None,
         roots: list[str] | None = None) -> list[Finding]:
    """Run every registered rule (or those whose code starts with one of `select`)."""
    rules = load_rules().values()
    if select is not None:
        prefixes = tuple(select)
        rules = [r for r in rules if r.code.startswith(prefixes)]
    return run(Project(nix_files(*paths), roots=roots), rules)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def code_lines(findings: Iterable[Finding]) -> set[tuple[str, int]]:
    return {(f.code, f.span.line) for f in findings}


def places(findings: Iterable[Finding]) -> set[tuple[str, str, int, str]]:
    """(code, file name, line, severity) of each finding."""
    return {(f.code, os.path.basename(f.path), f.span.line, f.severity.value) for f in findings}


def lint_after_fixes(tmp_path: Path, source: Path, code: str) -> tuple[list[Finding], dict[str, str]]:
    """Copy a fixture (file or folder) to tmp_path, apply `code`'s fixes, lint again."""
    target = tmp_path / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    changed = fixed_files(lint(target, select=[code]))
    for path, (_, new) in changed.items():
        Path(path).write_bytes(new)
    texts = {os.path.basename(p): Path(p).read_text() for p in changed}
    return lint(target, select=[code]), texts
