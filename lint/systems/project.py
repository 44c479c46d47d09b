"""A set of Nix files as NixOS sees them: parsed once, evaluated per system,
grouped into roots (files that no other file imports) with their closures.

Module order follows nixpkgs' `collectModules`, which is
`builtins.genericClosure` over `imports`: breadth-first from the root, each
file once.  That order decides list concatenation across modules.
"""
from __future__ import annotations

import os
import sys
from collections import deque
from dataclasses import dataclass

from ..modules.config import EffectiveConfig
from ..nix.interpreter import Interpreter
from ..modules.module import Module, load_module
from ..nix.parser import ParsedFile, parse_source
from ..nix.source import SourceFile

DEFAULT_SYSTEMS = ("aarch64-linux", "x86_64-linux")

# Deeply nested (but valid) Nix walks deep Python stacks; the evaluator caps its own
# depth well below this.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))


@dataclass
class ReadProblem:
    path: str
    message: str


class Project:
    def __init__(self, files: list[str], systems: tuple[str, ...] = DEFAULT_SYSTEMS,
                 roots: list[str] | None = None):
        self.files = [os.path.normpath(f) for f in files]
        self.systems = tuple(systems) or DEFAULT_SYSTEMS
        self._parsed: dict[str, ParsedFile | ReadProblem] = {}
        self._modules: dict[tuple[str, str], Module] = {}
        self._interpreters: dict[str, Interpreter] = {}
        self._configs: dict[tuple[str, str], EffectiveConfig] = {}
        self._closures: dict[tuple[str, str], list[Module]] = {}
        self._requested_roots = [os.path.normpath(r) for r in roots] if roots else None
        self._roots: list[str] | None = None

    # -- files -----------------------------------------------------------------------------

    def parsed(self, path: str) -> ParsedFile | ReadProblem:
        path = os.path.normpath(path)
        if path not in self._parsed:
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as error:
                self._parsed[path] = ReadProblem(path, error.strerror or str(error))
            else:
                self._parsed[path] = parse_source(SourceFile(path, data))
        return self._parsed[path]

    # -- modules ---------------------------------------------------------------------------

    def interpreter(self, system: str) -> Interpreter:
        if system not in self._interpreters:
            self._interpreters[system] = Interpreter(system)
        return self._interpreters[system]

    def module(self, key: str, system: str) -> Module:
        cache_key = (key, system)
        if cache_key not in self._modules:
            parsed = self.parsed(key)
            self._modules[cache_key] = load_module(
                key, key, parsed if isinstance(parsed, ParsedFile) else None, self.interpreter(system))
        return self._modules[cache_key]

    def closure(self, root: str, system: str) -> list[Module]:
        """The modules of `root` in NixOS order: breadth-first over imports, each once."""
        # Asked several times per root (roots, systems, config, files); modules are cached,
        # so the answer cannot change: compute it once.
        if (root, system) not in self._closures:
            self._closures[(root, system)] = self._collect(root, system)
        return list(self._closures[(root, system)])

    def _collect(self, root: str, system: str) -> list[Module]:
        ordered: list[Module] = []
        seen: set[str] = set()
        queue: deque[Module] = deque([self.module(root, system)])
        while queue:
            module = queue.popleft()
            if module.key in seen:
                continue
            seen.add(module.key)
            ordered.append(module)
            for index, entry in enumerate(module.imports):
                if entry.inline is not None:
                    key = f"{module.key}#imports[{index}]"
                    cache_key = (key, system)
                    if cache_key not in self._modules:
                        self._modules[cache_key] = load_module(
                            key, module.path, module.parsed, self.interpreter(system), entry.inline)
                    queue.append(self._modules[cache_key])
                elif entry.path is not None and entry.exists:
                    queue.append(self.module(entry.path, system))
        return ordered

    # -- roots -----------------------------------------------------------------------------

    @property
    def roots(self) -> list[str]:
        """Files that no other given file imports (or the roots named in configuration)."""
        if self._roots is None:
            if self._requested_roots:
                self._roots = self._requested_roots
            else:
                imported: set[str] = set()
                for path in self.files:
                    for module in self.closure(path, self.systems[0])[1:]:
                        imported.add(module.key)
                self._roots = [path for path in self.files if path not in imported]
        return self._roots

    def arch_dependent(self, root: str) -> bool:
        return any(m.arch_dependent for m in self.closure(root, self.systems[0]))

    def systems_for(self, root: str) -> list[str | None]:
        """[None] when no module of the root asks which system it is on, else every system."""
        return list(self.systems) if self.arch_dependent(root) else [None]

    def config(self, root: str, system: str | None = None) -> EffectiveConfig:
        """The effective configuration of `root`; `system=None` judges it as the first system."""
        effective_system = system or self.systems[0]
        cache_key = (root, effective_system)
        if cache_key not in self._configs:
            modules = self.closure(root, effective_system)
            definitions = [d for m in modules for d in m.defs.definitions]
            presences = [p for m in modules for p in m.defs.presences]
            self._configs[cache_key] = EffectiveConfig(root, system, modules, definitions, presences)
        config = self._configs[cache_key]
        return config
