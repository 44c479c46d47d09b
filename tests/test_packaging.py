"""The installed package holds every module of the tree: pyproject.toml lists the
packages one by one (the folders are mapped under one import name), so a new folder
must be listed there, or an install has no such module."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_pyproject():
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setup["packages"])
    found = set()
    for name, folder in setup["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *relative)))
    assert found <= listed, f"not in pyproject.toml's packages: {sorted(found - listed)}"
