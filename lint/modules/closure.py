"""The modules of one evaluation, in NixOS order.

nixpkgs' `collectModules` is `builtins.genericClosure` over `imports`: breadth-first
from the modules given, each module once.  That order decides how lists from
several modules are concatenated.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

from .module import ImportEntry, Module

# (the importing module, the entry's index, the entry) -> the imported module, or None
LoadImport = Callable[[Module, int, ImportEntry], "Module | None"]


def collect_modules(initial: list[Module], load_import: LoadImport) -> list[Module]:
    ordered: list[Module] = []
    seen: set[str] = set()
    queue: deque[Module] = deque(initial)
    while queue:
        module = queue.popleft()
        if module.key in seen:
            continue
        seen.add(module.key)
        ordered.append(module)
        for index, entry in enumerate(module.imports):
            imported = load_import(module, index, entry)
            if imported is not None:
                queue.append(imported)
    return ordered
