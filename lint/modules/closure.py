"""The modules of one evaluation, in NixOS order.

nixpkgs' `collectModules`: every module reachable through `imports` is collected
(each occurrence; a module's `disabledModules` counts wherever it is), then
`builtins.genericClosure` over `imports` from the modules given -- breadth-first,
each module once by its key (its `key`, else its file), leaving out the disabled
ones and what only they import.  `evalModules` merges in the reverse of this order.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

from .module import ImportEntry, Module

# (the importing module, the entry's index, the entry) -> the imported module, or None
LoadImport = Callable[[Module, int, ImportEntry], "Module | None"]


def collect_modules(initial: list[Module], load_import: LoadImport,
                    canonical: Callable[[str], str] = lambda key: key) -> list[Module]:
    imported: dict[int, list[Module]] = {}
    disabled: set[str] = set()
    queue: deque[Module] = deque(initial)
    visited: set[int] = set()
    while queue:    # every module reachable, for the disabled keys
        module = queue.popleft()
        if id(module) in visited:
            continue
        visited.add(id(module))
        disabled.update(canonical(key) if key.startswith("/") or "/" in key else key for key in module.disabled)
        children = [m for i, e in enumerate(module.imports) if (m := load_import(module, i, e)) is not None]
        imported[id(module)] = children
        queue.extend(children)

    ordered: list[Module] = []
    seen: set[str] = set()
    queue = deque(m for m in initial if m.identity not in disabled)
    while queue:
        module = queue.popleft()
        if module.identity in seen:
            continue
        seen.add(module.identity)
        ordered.append(module)
        queue.extend(m for m in imported.get(id(module), ()) if m.identity not in disabled)
    return ordered
