"""Finding the .nix files to lint from the paths a user gives.

Directories are walked without following symlinks (so loops cannot hang),
skipping `.git`, `result*` symlinks (nix-build outputs) and whatever git
ignores.
"""
from __future__ import annotations

import os
import subprocess


class PathError(Exception):
    """A path given on the command line does not exist."""


def discover(paths: list[str]) -> list[str]:
    files: dict[str, None] = {}
    walked: list[str] = []
    for path in paths:
        if not os.path.lexists(path):
            raise PathError(f"{path}: no such file or directory")
        if os.path.isdir(path):
            for directory, subdirs, names in os.walk(path):
                subdirs[:] = sorted(d for d in subdirs if not _skipped(directory, d))
                for name in sorted(names):
                    if name.endswith(".nix") and not _skipped(directory, name):
                        full = os.path.normpath(os.path.join(directory, name))
                        walked.append(full)
        else:
            files[os.path.normpath(path)] = None  # named explicitly: always linted
    ignored = _git_ignored(walked)
    for full in walked:
        if full not in ignored:
            files.setdefault(full, None)
    return list(files)


def _skipped(directory: str, name: str) -> bool:
    if name == ".git":
        return True
    return name.startswith("result") and os.path.islink(os.path.join(directory, name))


def _git_ignored(paths: list[str]) -> set[str]:
    """The subset of `paths` that git ignores (empty outside a git work tree or without git)."""
    if not paths:
        return set()
    absolute = {os.path.abspath(p): p for p in paths}
    try:
        completed = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"], input="\0".join(absolute).encode() + b"\0",
            capture_output=True, timeout=30, cwd=os.path.dirname(next(iter(absolute))),
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if completed.returncode not in (0, 1):
        return set()  # not a git work tree, or git failed: ignore nothing
    return {absolute[p.decode()] for p in completed.stdout.split(b"\0") if p and p.decode() in absolute}
