"""The files given, the systems their repositories build, and the evaluations the
rules run on.

A **system** is one `lib.evalModules` run: its modules, its architecture, its
special arguments (`systems/discovery.py` finds them).  Where a repository's
systems are known, each is evaluated -- identical ones (same modules, same
architecture) once -- and a linted file that belongs to no system is a
**fragment**: judged on what it defines, never on what it leaves unset.  Only
where no system is found at all do module-graph roots (files no other linted
file imports) stand in for systems, as whole configurations.

Every evaluation is a `Unit`: the systems sharing it, the architecture it judges,
its modules in NixOS order and the effective configuration.
"""
from __future__ import annotations

import functools
import os
import re
import sys
import weakref
from dataclasses import dataclass, field, replace

from ..modules.closure import collect_modules
from ..modules.config import EffectiveConfig, parse_option
from ..modules.module import ImportEntry, Module, load_module
from ..nix import values as v
from ..nix.nixlib import Namespace
from ..nix.interpreter import Interpreter
from ..nix.parser import ParsedFile, parse_source
from ..nix.source import SourceFile, Span
from ..nix.words import has_any_word
from .discovery import Discovery, discover, repository_root_of_file
from .path_literals import loaded_by
from ..modules.types import module_system_lib
from .builders import LibExtension, pkgs_system
from .system import FILE, INLINE, OPAQUE, ModuleRef, System

DEFAULT_SYSTEMS = ("aarch64-linux", "x86_64-linux")   # architectures judged where a system's is not known
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_'-]*")
HOST_PLATFORM_OPTIONS = ("nixpkgs.hostPlatform", "nixpkgs.hostPlatform.system", "nixpkgs.system",
                         "nixpkgs.localSystem.system")

# Deeply nested (but valid) Nix walks deep Python stacks; the evaluator caps its own
# depth well below this.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))


@dataclass
class ReadProblem:
    path: str
    message: str


@dataclass
class InternalError:
    """The linter failed on something (a bug): where, and the exception's one-line message."""

    path: str
    span: Span | None
    message: str


@dataclass
class Unit:
    """One evaluation the configuration rules run on."""

    systems: list[System]            # the systems that share it (identical modules and architecture)
    arch: str                        # the architecture judged
    arch_specific: bool              # judged on several architectures: findings name the one
    whole: bool                      # a whole system (False: a fragment, never "not set")
    modules: list[Module]
    config: EffectiveConfig
    reportable: frozenset[str] | None = None   # files its findings may be in (None: any)

    @property
    def files(self) -> set[str]:
        return {path for m in self.modules for path in (m.path, m.written_in) if path is not None}

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.systems]

    @functools.cached_property
    def unread(self) -> list[str]:
        """The modules of its systems the linter cannot read, as written (a flake input's,
        `"${modulesPath}/…"`): taken to define nothing, which what only a whole system can
        prove ("… is not set") assumes (see may_set)."""
        return unread_modules(self.systems, self.modules, missing=True)


# NixOS's own modules that the linter cannot read, by path, and the options they set (read
# in nixpkgs' source): a finding about any other option does not depend on them.
# nixos-generate-config imports not-detected.nix in most hardware-configuration.nix files.
NIXOS_MODULE_OPTIONS = {
    "/installer/scan/not-detected.nix": ("hardware.enableRedistributableFirmware",),
    "/profiles/qemu-guest.nix": ("boot.initrd.availableKernelModules", "boot.initrd.kernelModules"),
}


def may_set(module: str, options: tuple[str, ...]) -> bool:
    """Whether an unreadable module, as written, may set one of `options` (none given: any
    option a rule does not name, which a module of NIXOS_MODULE_OPTIONS sets not)."""
    written = module.rstrip('")')
    known = next((sets for path, sets in NIXOS_MODULE_OPTIONS.items() if written.endswith(path)), None)
    if known is None:
        return True
    return any(a == b or a.startswith(b + ".") or b.startswith(a + ".") for a in options for b in known)


def unread_modules(systems: list[System], modules: list[Module], missing: bool = False) -> list[str]:
    """What the systems' modules name that the linter cannot read, as written: opaque modules,
    and (`missing`) files that do not exist -- NX003 reports them; a finding assumes them too."""
    written = [ref.text for system in systems for ref in system.modules
               if ref.kind == OPAQUE or missing and ref.kind == FILE and not ref.exists]
    written += [entry.written for module in modules for entry in module.imports
                if entry.external or missing and entry.path is not None and not entry.exists]
    return list(dict.fromkeys(written))


@dataclass
class Repository:
    root: str | None                 # None: the files outside any repository, judged together
    files: list[str]                 # the linted files under it
    discovery: Discovery | None = None
    systems: list[System] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    @property
    def roots_stand_in(self) -> bool:
        """Whether module-graph roots are judged as systems: no system was found, and none
        is known to be built out of discovery's sight, and no flake whose outputs could be read
        says it builds none (then every file is a fragment)."""
        return not self.systems and not (self.discovery is not None and (self.discovery.unknown_systems
                                                                           or self.discovery.builds_none))


class Project:
    def __init__(self, files: list[str], architectures: tuple[str, ...] = DEFAULT_SYSTEMS,
                 roots: list[str] | None = None, configured: list[System] | None = None,
                 discover_systems: bool = True, only: set[str] | None = None, loaded: set[str] | None = None):
        self._canonical: dict[str, str] = {}
        self._given: dict[str, str] = {}
        self._real_folders: dict[str, str] = {}
        for path in files:
            real = self._real(path)
            self._given.setdefault(real, os.path.normpath(path))
            self._canonical.setdefault(path, self._given[real])   # as canonical() would find it
        self.files = list(dict.fromkeys(self.canonical(f) for f in files))
        self.architectures = tuple(architectures) or DEFAULT_SYSTEMS
        # Roots named by the user (None: none named; [] in a part of a parallel run without them).
        self._requested_roots = [self.canonical(r) for r in roots] if roots is not None else None
        self._configured = configured
        self._only = only            # judge only the systems so named (the others still decide what is a fragment)
        # The files the linted ones load as values (see _loaded_as_values), where a caller
        # that read more of them than this project says (a part of a parallel run)
        self._loaded_given = loaded is not None
        self._loaded = {self.canonical(path) for path in loaded} if loaded is not None else None
        self._discover = discover_systems and roots is None
        self._texts: dict[str, bytes] = {}        # an editor's unsaved buffers: they win over the disk
        self._parsed: dict[str, ParsedFile | ReadProblem] = {}
        self.errors: list[InternalError] = []
        self._watched: list[tuple[frozenset[bytes], tuple[bytes, ...]]] | None = None   # see watch()
        self._watched_words: frozenset[bytes] = frozenset()
        self._forget_evaluations()

    def _forget_evaluations(self) -> None:
        """Drop everything evaluated (the parsed files stay): systems are found again."""
        self._modules: dict[tuple, Module] = {}
        self._reads_arch_of: dict[str, bool] = {}   # file -> whether its module asks the architecture
        self._interpreters: dict[str, Interpreter] = {}
        self._imported: set[str] = set()   # files modules load with `import` (see _importer)
        self.foreign: set[str] = set()     # files of nix-darwin's and home-manager's modules (_foreign_files)
        self._missing: dict[str, list[tuple[ModuleRef, list[str]]]] | None = None   # see missing_modules
        self._arguments: dict[tuple, v.Value] = {}
        self._inline_keys: dict[tuple, list[int]] = {}
        self._repositories: list[Repository] | None = None
        self._units: list[Unit] | None = None
        # A system's (or root's, or fragment's) units, by ("system", id) | ("root", path) | ("fragment", path).
        self._evaluations: dict[tuple, list[Unit]] = {}
        # Each evaluated system (held, so ids stay unique) with its architecture as given.
        self._given_arch: dict[int, tuple[System, str | None]] = {}
        self.errors = []
        if not self._loaded_given:
            self._loaded: set[str] | None = None

    def update(self, path: str, data: bytes | None) -> None:
        """`path` now holds `data` (an editor's unsaved text; None: what is on disk again).
        Only what depends on the file is evaluated again: its modules and the systems
        that contain it -- everything, where systems are discovered from it, a module
        imports it with `import`, or the project did not know it."""
        path = self.canonical(path)
        previous = self._parsed.pop(path, None)
        if data is None:
            self._texts.pop(path, None)
        else:
            self._texts[path] = data
            self._parsed[path] = parse_source(SourceFile(path, data),
                                              previous if isinstance(previous, ParsedFile) else None)
        if path not in self.files:
            self.files.append(path)
            self._forget_evaluations()
            return
        if self._repositories is None:
            return
        if path in self._imported or any(r.discovery is not None and path in r.discovery.files
                                         for r in self._repositories):
            self._forget_evaluations()   # (a file some module imports: its value is in theirs)
            return
        self._modules = {key: module for key, module in self._modules.items() if module.path != path}
        self._reads_arch_of.pop(path, None)
        self._evaluations = {key: units for key, units in self._evaluations.items()
                             if not any(path in unit.files for unit in units)}
        self.errors = [e for e in self.errors if e.path != path]
        self._units = None
        if not self._loaded_given:
            self._loaded = None   # the edit may load another file, or no longer load one

    def discovery_reads(self, path: str) -> bool:
        """Whether discovering the systems read `path` as data (`lib.importJSON ./hosts.json`):
        when it changes, the systems may."""
        path = os.path.abspath(path)
        return any(r.discovery is not None and path in map(os.path.abspath, r.discovery.data_files)
                   for r in self._repositories or ())

    def watch(self, options: list[str] | None) -> None:
        """The options the rules judge (None: not known).  A fragment whose text lacks one of
        the names of each of them, and that imports nothing, cannot define any: it is not
        evaluated (its file rules still run).  Set before the units are computed."""
        if options is None:
            self._watched = None
            return
        names = [[name.encode() for name in parse_option(option) if name != "*"] for option in options]
        # Per option: the names that are words (found among the file's words), the others
        # (`"getty@"`, found in its bytes).
        self._watched = [(frozenset(n for n in each if _WORD.fullmatch(n)),
                          tuple(n for n in each if not _WORD.fullmatch(n))) for each in names]
        self._watched_words = frozenset(n for words, _ in self._watched for n in words) | {b"imports"}

    # -- files -----------------------------------------------------------------------------

    def canonical(self, path: str) -> str:
        """One name per file: as the user gave it, else relative to the working directory
        (absolute outside it), so a file reached by discovery is the file linted."""
        found = self._canonical.get(path)
        if found is None:
            real = self._real(path)
            found = self._given.get(real)
            if found is None:
                relative = os.path.relpath(real)
                found = relative if not relative.startswith("..") else real
            self._canonical[path] = found
        return found

    def _real(self, path: str) -> str:
        """`os.path.realpath(path)`, with each folder's resolved once: files share a few
        folders, and resolving a path costs a system call per name in it."""
        folder, name = os.path.split(path)
        folder = os.path.abspath(folder)   # (a relative folder is the working directory's, which may change)
        real_folder = self._real_folders.get(folder)
        if real_folder is None:
            real_folder = self._real_folders[folder] = os.path.realpath(folder)
        real = os.path.join(real_folder, name)
        return os.path.realpath(real) if name in ("", ".", "..") or os.path.islink(real) else real

    def parsed(self, path: str) -> ParsedFile | ReadProblem:
        path = self.canonical(path)
        if path not in self._parsed:
            data = self._texts.get(path)
            try:
                if data is None:
                    with open(path, "rb") as handle:
                        data = handle.read()
            except OSError as error:
                self._parsed[path] = ReadProblem(path, error.strerror or str(error))
            else:
                self._parsed[path] = parse_source(SourceFile(path, data))
        return self._parsed[path]

    # -- modules ---------------------------------------------------------------------------

    def interpreter(self, arch: str) -> Interpreter:
        if arch not in self._interpreters:
            interpreter = Interpreter(arch, lib_extensions=module_system_lib())
            interpreter.importer = self._importer(interpreter)
            self._interpreters[arch] = interpreter
        return self._interpreters[arch]

    def _importer(self, interpreter: Interpreter):
        """`import` of a local file in a module (`users.users = import ./users.nix;`): the
        file's value, evaluated once by each architecture's interpreter.  Anything else
        imported (`<nixpkgs>`, a fetched source, a file that is missing or does not parse)
        stays unknown.  (It holds the project and the interpreter weakly: a project in a
        reference cycle would keep its parsed trees until a collection, part after part.)"""
        values: dict[str, v.Value] = {}
        project, evaluator = weakref.ref(self), weakref.ref(interpreter)

        def importer(value: v.Value, span: Span) -> v.Value | None:
            owner, interp = project(), evaluator()
            path = v.local_path(value)
            if path is None or owner is None or interp is None:
                return None
            if os.path.isdir(path):
                path = os.path.join(path, "default.nix")
            path = owner.canonical(path)
            if path not in values:
                if path not in owner._texts and not os.path.isfile(path):
                    return None
                parsed = owner.parsed(path)
                if not isinstance(parsed, ParsedFile) or parsed.error is not None or parsed.root is None:
                    return None
                owner._imported.add(path)
                values[path] = v.Unknown(span, f"{path} imports itself")
                values[path] = interp.eval_file(parsed.source, parsed.root)
            return values[path]
        return importer

    def module(self, path: str, arch: str, special_args: v.Value | None = None) -> Module:
        """The module in file `path`, evaluated for `arch` with these special arguments."""
        path = self.canonical(path)
        special_args = _visible_to(self._parsed_or_none(path), special_args)
        return self._load((path, _fingerprint(special_args)), arch, lambda: load_module(
            path, path, self._parsed_or_none(path), self.interpreter(arch),
            arguments=self._module_arguments(arch, special_args)))

    def _inline(self, key: str, path: str, value: v.Value, arch: str, special_args: v.Value | None) -> Module:
        return self._load((key, _fingerprint(special_args), id(value)), arch, lambda: load_module(
            key, path, self._parsed_or_none(path), self.interpreter(arch), value,
            self._module_arguments(arch, special_args)))

    def _load(self, identity: tuple, arch: str, load) -> Module:
        """A module, loaded once per architecture (its values are evaluated as they are
        asked for, by the interpreter of that architecture) -- or once for all of them,
        where it gives the same values on every one (a system whose architecture is read
        from its `nixpkgs.hostPlatform` is evaluated on a first guess, then on that)."""
        module = self._modules.get((identity, arch))
        if module is None:
            module = next((m for other in self._interpreters if other != arch
                           if (m := self._modules.get((identity, other))) is not None and _same_on_every_arch(m)),
                          None) or load()
            self._modules[(identity, arch)] = module
        return module

    def _parsed_or_none(self, path: str) -> ParsedFile | None:
        parsed = self.parsed(path)
        return parsed if isinstance(parsed, ParsedFile) else None

    def _module_arguments(self, arch: str, special_args: v.Value | None) -> v.Value:
        """`{ config, lib, pkgs, modulesPath, … }` plus the system's specialArgs, each and as
        `specialArgs` (as lib.evalModules gives them)."""
        key = (arch, _fingerprint(special_args))
        if key not in self._arguments:
            standard = self.interpreter(arch).builtins.module_arguments()
            if isinstance(special_args, v.AttrsV):
                whole = v.Attr(special_args, None, None)
                given = dict(special_args.attrs)
                extension = v.force(given["lib"].value) if "lib" in given else None
                if isinstance(extension, LibExtension):   # (snowfall's lib.NAMESPACE: ours, with more)
                    given["lib"] = v.Attr(v.force(standard.attrs["lib"].value).updated(extension), None, None)
                standard = v.AttrsV({**standard.attrs, "specialArgs": whole, **given}, None)
            elif isinstance(special_args, Namespace):   # `specialArgs = inputs // { … };`
                standard = _with_special(standard, special_args)
            self._arguments[key] = standard
        return self._arguments[key]

    def closure(self, system: System, arch: str) -> list[Module]:
        """The modules of `system` on `arch`, in NixOS order (breadth-first over imports)."""
        special = system.special_args
        top = [m for m in (self._top_module(ref, arch, special) for ref in system.modules) if m is not None]

        def load_import(module: Module, index: int, entry: ImportEntry) -> Module | None:
            if entry.inline is not None:
                return self._inline(f"{module.key}#imports[{index}]", module.path, entry.inline, arch, special)
            if entry.path is not None and entry.exists:
                return self.module(entry.path, arch, special)
            return None

        return collect_modules(top, load_import, self.canonical)

    def _top_module(self, ref: ModuleRef, arch: str, special: v.Value | None) -> Module | None:
        if ref.kind == FILE:
            return self.module(ref.path, arch, special) if ref.exists else None
        if ref.kind == INLINE and ref.value is not None:
            return self._inline(self._inline_key(ref), self.canonical(ref.path), ref.value, arch, special)
        return None  # opaque: recorded on the system, defines nothing the linter can see

    def _inline_key(self, ref: ModuleRef) -> str:
        """`lib/default.nix#1920-1990/0`: where an inline module is written, and which of the
        values written there (one per call of the helper that holds it)."""
        span = ref.span
        where = (self.canonical(ref.path), span.start if span else 0, span.end if span else 0)
        seen = self._inline_keys.setdefault(where, [])
        if id(ref.value) not in seen:
            seen.append(id(ref.value))
        return f"{where[0]}#{where[1]}-{where[2]}/{seen.index(id(ref.value))}"

    # -- repositories and systems ---------------------------------------------------------------

    @property
    def repositories(self) -> list[Repository]:
        """The linted files grouped by repository, each with the systems it builds."""
        if self._repositories is None:
            groups: dict[str | None, list[str]] = {} if self._discover else {None: []}
            for path in self.files:
                root = repository_root_of_file(path) if self._discover else None
                groups.setdefault(root, []).append(path)
            self._repositories = [Repository(root, files) for root, files in groups.items()]
            for repository in self._repositories:
                self._find_systems(repository)
        return self._repositories

    def _find_systems(self, repository: Repository) -> None:
        if self._configured is not None:
            repository.systems = list(self._configured)
            return
        if not self._discover or not repository.root:
            return
        try:
            repository.discovery = discover(repository.root, self.parsed, repository.files)
        except Exception as error:  # a bug: one repository's discovery must not stop the run
            self._failed(os.path.join(repository.root, "flake.nix"), None, "discovering systems", error)
            return
        repository.discovery.files = [self.canonical(f) for f in repository.discovery.files]
        repository.systems = repository.discovery.systems

    def _failed(self, path: str, span: Span | None, doing: str, error: Exception) -> None:
        message = str(error).splitlines()[0] if str(error) else ""
        failure = InternalError(self.canonical(path), span,
                                f"{doing}: {type(error).__name__}{': ' + message if message else ''}")
        if failure not in self.errors:   # evaluated again after an edit, failing the same way
            self.errors.append(failure)

    @property
    def systems(self) -> list[System]:
        """Every system found (discovered or configured), in discovery order."""
        return [s for repository in self.repositories for s in repository.systems]

    # -- units: what the rules judge ----------------------------------------------------------------

    @property
    def units(self) -> list[Unit]:
        return list(self._evaluated_repositories_units())

    def _evaluated_repositories_units(self) -> list[Unit]:
        """Every repository's units, computed once (each repository keeps its own)."""
        if self._units is None:
            self._units = []
            for repository in self.repositories:
                repository.units = self._repository_units(repository)
                self._units.extend(repository.units)
        return self._units

    def _repository_units(self, repository: Repository) -> list[Unit]:
        if repository.roots_stand_in:   # flake.nix is no module (the files it imports may be)
            if self._requested_roots is not None:
                return [unit for root in self._requested_roots for unit in self.root_units(root)]
            flake = self.canonical(os.path.join(repository.root, "flake.nix")) if repository.root else None
            foreign = self._foreign_files(repository, [])
            files = [f for f in repository.files if f != flake and f not in foreign]
            loaded = self._loaded_as_values()
            roots = self._roots_of(files)
            standing = {root: self.root_units(root) for root in roots
                        if root not in loaded and not self._is_module_set(root)}
            foreign |= self._foreign_files(repository, [u for units in standing.values() for u in units])
            self.foreign |= foreign
            units: list[Unit] = []
            for root in (r for r in roots if r not in foreign):
                if root in standing:
                    units.extend(standing[root])
                elif self._may_define_watched(root):
                    # Loaded by `import` or `callPackage`, it is part of the file loading it --
                    # an overlay, a package, data, a module exported or imported through
                    # `import`: no system; judged on what it defines, where it may define
                    # what a rule reads.
                    units.extend(self._guarded_units(self._root_system(root, "fragment"), whole=False,
                                                     key=("fragment", root)))
            return units
        units = self._system_units(repository.systems)
        in_systems = {path for unit in units for path in unit.files}
        if self._only is not None:
            units = [u for u in units if self._only & {*u.names, *(a for s in u.systems for a in s.aliases)}]
        discovery_files = set(repository.discovery.files) if repository.discovery else set()
        foreign = self._foreign_files(repository, units)
        self.foreign |= foreign
        fragments = [f for f in repository.files
                     if f not in in_systems and f not in discovery_files and f not in foreign]
        reportable = frozenset(fragments)
        for root in self._roots_of([f for f in fragments if self._may_define_watched(f)]):
            for unit in self._guarded_units(self._root_system(root, "fragment"), whole=False, key=("fragment", root)):
                units.append(replace(unit, reportable=reportable))
        return units

    def _foreign_files(self, repository: Repository, units: list[Unit]) -> set[str]:
        """The files of the modules of nix-darwin's and home-manager's configurations, and of
        the home-manager modules `units` give their users (and what they all import): they
        set options NixOS does not have, so no fragment of NixOS's."""
        refs = list(repository.discovery.foreign) if repository.discovery is not None else []
        for unit in units:
            refs += _home_manager_modules(unit.config)
        if not refs:
            return set()
        try:
            modules = self.closure(System("", None, None, list(refs)), self.architectures[0])
        except Exception as error:   # a bug: the files are judged as fragments, and the failure reported
            self._failed(repository.root or "", None, "reading nix-darwin's and home-manager's modules", error)
            return set()
        return {path for m in modules for path in (m.path, m.written_in) if path}

    def missing_modules(self, path: str) -> list[tuple[ModuleRef, list[str]]]:
        """The entries of systems' `modules` lists written in `path` that name a file of the
        repository that does not exist, each with the names of the systems holding it."""
        if self._missing is None:
            found: dict[str, dict[tuple, tuple[ModuleRef, list[str]]]] = {}
            for system in self.systems:
                for ref in system.modules:
                    if ref.kind != FILE or ref.exists or ref.span is None:
                        continue
                    root = repository_root_of_file(ref.span.path)
                    if root is not None and os.path.commonpath([os.path.abspath(ref.path), root]) == root:
                        entries = found.setdefault(ref.span.path, {})
                        entries.setdefault((ref.span.start, ref.span.end, ref.path), (ref, []))[1].append(system.name)
            self._missing = {file: list(entries.values()) for file, entries in found.items()}
        return self._missing.get(path, [])

    def _roots_of(self, files: list[str]) -> list[str]:
        """Files that no other of `files` imports, in the given order."""
        imported: set[str] = set()
        for path in files:
            try:
                closure = self.closure(self._root_system(path, "root"), self.architectures[0])
            except Exception as error:
                self._failed(path, None, "evaluating the module", error)
                continue
            imported.update(m.path for m in closure[1:] if "#" not in m.key)
        return [path for path in files if path not in imported]

    def _is_module_set(self, path: str) -> bool:
        """Whether a file is a set of modules, not a module: every attribute at its top a
        path (`{ common = ./common; server = ./server; }`, as a module library exports
        them).  No NixOS option is a path at the top."""
        try:
            module = self.module(path, self.architectures[0])
        except Exception:   # a bug: the root is judged, and the failure reported there
            return False
        config = v.force(module.config) if module.config is not None and module.options is None else None
        return isinstance(config, v.AttrsV) and bool(config.attrs) and all(
            isinstance(v.force(attr.value), v.PathV) for attr in config.attrs.values())

    def _loaded_as_values(self) -> set[str]:
        """The files the linted files load with `import` or `callPackage` (path_literals.py)."""
        if self._loaded is None:
            self._loaded = loaded_by(self.files, lambda path: parsed.source.data
                                     if isinstance(parsed := self.parsed(path), ParsedFile) else b"")
            self._loaded = {self.canonical(path) for path in self._loaded}
        return self._loaded

    def _may_define_watched(self, path: str) -> bool:
        """Whether the file can define a watched option or import a module: every name of
        the option must be written in it (as an attribute name or in a string)."""
        parsed = self.parsed(path)
        if not isinstance(parsed, ParsedFile) or parsed.error is not None:
            return False
        if self._watched is None:
            return True
        data = parsed.source.data
        words = self._watched_words.intersection(_WORD.findall(data))
        if b"imports" in words:
            return True
        return any(names <= words and all(other in data for other in others) for names, others in self._watched)

    @property
    def checked_files(self) -> list[str]:
        """The files whose findings are reported: the linted ones -- and, where module-graph
        roots stand in for systems, the files they import."""
        seen = dict.fromkeys(self.files)
        self._evaluated_repositories_units()
        for repository in self.repositories:
            if not repository.roots_stand_in:
                continue
            for unit in repository.units:
                for module in unit.modules:
                    if "#" not in module.key:
                        seen.setdefault(module.path, None)
        return list(seen)

    def _root_system(self, path: str, origin: str) -> System:
        parsed = self.parsed(path)
        source = parsed.source if isinstance(parsed, ParsedFile) else SourceFile(path, b"")
        return System(path, None, Span(source, 0, 0), [ModuleRef(FILE, path, path)], origin=origin)

    def _system_units(self, systems: list[System]) -> list[Unit]:
        """Units of whole systems; identical systems (same modules, same architecture) share one."""
        by_signature: dict[tuple, Unit] = {}
        units: list[Unit] = []
        for system in systems:
            for unit in self._guarded_units(system):
                signature = (unit.arch, unit.arch_specific, tuple(_module_identity(m) for m in unit.modules))
                shared = by_signature.get(signature)
                if shared is not None:
                    shared.systems.append(system)
                    continue
                by_signature[signature] = shared = replace(unit, systems=list(unit.systems))
                units.append(shared)
        return units

    def _guarded_units(self, system: System, whole: bool = True, key: tuple | None = None) -> list[Unit]:
        """`_units_of`, computed once until a file they contain changes (see update()),
        with a failure (a bug) recorded against the system instead of raised."""
        key = key or ("system", id(system))
        if key not in self._evaluations:
            try:
                self._evaluations[key] = self._units_of([system], whole)
                for unit in self._evaluations[key]:
                    unit.config.whole, unit.config.guessed = whole, system.origin == "root"
            except Exception as error:
                span = system.declared_at
                self._failed(span.path if span else system.name, span, f"evaluating {system.name}", error)
                return []
        return self._evaluations[key]

    def _units_of(self, systems: list[System], whole: bool = True) -> list[Unit]:
        """The evaluations of one system: on its architecture (given, or read from
        `nixpkgs.hostPlatform`); when that is not known, once -- or on every configured
        architecture where its modules ask which one they are on."""
        system = systems[0]
        given = self._given_arch.setdefault(id(system), (system, system.arch))
        system.arch = given[1]   # as given, not as a past evaluation read it from nixpkgs.hostPlatform
        first = system.arch or self.architectures[0]
        modules = self.closure(system, first)
        config = self._config(system, first, False, modules)
        arch = system.arch or self._host_platform(config)
        if arch is not None and system.arch is None:
            system.arch = arch   # read from nixpkgs.hostPlatform: the system's architecture from now on
        if arch is not None and arch != first:
            modules = self.closure(system, arch)
            config = self._config(system, arch, False, modules)
        if arch is not None:
            return [Unit(list(systems), arch, False, whole, modules, config)]
        special = system.special_args
        if not (isinstance(special, v.AttrsV) and special.attrs) and not any(self._reads_arch(m, first) for m in modules):
            return [Unit(list(systems), first, False, whole, modules, config)]
        units = []
        for each in self.architectures:
            closure = self.closure(system, each)
            units.append(Unit(list(systems), each, True, whole, closure, self._config(system, each, True, closure)))
        return units

    def _reads_arch(self, module: Module, arch: str) -> bool:
        """Whether evaluating `module` asks which architecture it is on.  Where its text
        names a way to it, the file is evaluated whole once more, apart, by an interpreter
        that counts the questions: this project's own evaluates only what rules ask for,
        and a value it already has would not ask again.  (An inline module, or a system
        with special arguments -- other files' functions -- is taken to ask.)"""
        if not module.may_read_arch:
            return False
        if "#" in module.key or module.parsed is None:
            return True
        found = self._reads_arch_of.get(module.path)
        if found is None:
            probe = Interpreter(arch, lib_extensions=module_system_lib())
            probe.importer = self._importer(probe)
            try:
                apart = load_module(module.path, module.path, module.parsed, probe)
                for definition in apart.defs.definitions:
                    v.to_python(definition.value)   # list items too: `optional isAarch64 …`
                found = probe.arch_reads > 0
            except Exception:   # a bug: reported where a rule meets it; judged on every architecture
                found = True
            self._reads_arch_of[module.path] = found
        return found

    def _config(self, system: System, arch: str, arch_specific: bool, modules: list[Module]) -> EffectiveConfig:
        return EffectiveConfig(system.name, arch if arch_specific else None, modules,
                               fallback_anchor=system.declared_at, interp=self.interpreter(arch),
                               load_module=self._submodule_loader(arch, system.special_args))

    def _submodule_loader(self, arch: str, special_args: v.Value | None):
        """Loads the modules of a submodule's evaluation: the type's own and each definition
        (a function among them is called with the attribute's `name`).  It holds the
        project weakly: the configurations it serves belong to the project, and a cycle
        through them would leave the whole evaluation to the cyclic collector."""
        project = weakref.ref(self)

        def load(item: v.Lazy, loc: tuple[str, ...], within: str | None = None,
                 as_config: bool = False) -> Module | None:
            self = project()
            value = v.force(item)
            if isinstance(value, v.PathV) and value.resolved:
                return self.module(value.resolved, arch, special_args)
            if as_config and isinstance(value, (v.AttrsV, v.If, v.Override, v.Merge, v.Order)):
                value = v.AttrsV({"config": v.Attr(value, None, None)}, value.span)
            if not isinstance(value, (v.AttrsV, v.Lambda, v.If, v.Override)):
                return None
            arguments = self._module_arguments(arch, special_args)
            named = v.AttrsV({**arguments.attrs, "name": v.Attr(v.Str((loc[-1] if loc else "",), None), None, None)},
                             None)
            key = f"{within or 'submodule'}:{'.'.join(loc)}#{id(value)}"
            path = value.span.path if value.span is not None else ""
            return load_module(key, path, self._parsed_or_none(path) if path else None, self.interpreter(arch),
                               value, named)
        return load

    @staticmethod
    def _host_platform(config: EffectiveConfig) -> str | None:
        """The architecture the configuration itself names (`nixpkgs.hostPlatform`), or that
        of the package set it is given (`nixpkgs.pkgs = pkgs` in flake-parts' `withSystem`)."""
        for option in HOST_PLATFORM_OPTIONS:
            resolution = config.resolve(option)
            if resolution.defined and resolution.known and isinstance(resolution.value, str):
                return resolution.value
        resolution = config.resolve("nixpkgs.pkgs")
        if resolution.defined and resolution.winner is not None and resolution.uncertain is None:
            return pkgs_system(resolution.winner.value)
        return None

    # -- module-graph roots (where no system is known) ------------------------------------------------

    @property
    def roots(self) -> list[str]:
        """The module-graph roots judged as whole systems (repositories without systems)."""
        return list(dict.fromkeys(u.systems[0].name for u in self.units if u.systems[0].origin == "root"))

    def root_units(self, root: str) -> list[Unit]:
        root = self.canonical(root)
        return self._guarded_units(self._root_system(root, "root"), key=("root", root))

    def systems_for(self, root: str) -> list[str | None]:
        """[None] when a root is judged once, else the architectures it is judged on."""
        units = self.root_units(root)
        return [u.arch for u in units] if any(u.arch_specific for u in units) else [None]

    def config(self, root: str, arch: str | None = None) -> EffectiveConfig:
        """The effective configuration of module-graph root `root` (on `arch`, where it is
        judged per architecture)."""
        units = self.root_units(root)
        return next((u.config for u in units if u.arch == arch), units[0].config)


# NixOS options whose values are home-manager's modules (home-manager's NixOS module)
HOME_MANAGER_MODULES = (("home-manager", "users"), ("home-manager", "sharedModules"))


def _home_manager_modules(config: EffectiveConfig) -> list[ModuleRef]:
    """The modules a system gives home-manager: `home-manager.users.NAME = ./home.nix` (or
    `import ./home.nix`, or `{ imports = [ … ]; }`), `home-manager.sharedModules = [ … ]`; and
    the files their values are written in, where a set was taken apart into definitions."""
    refs: list[ModuleRef] = []
    if not any(m.parsed is not None and b"home-manager" in m.parsed.source.data for m in config.modules):
        return refs   # (no module writes the name: none defines those options)
    modules = {m.path for m in config.modules}
    for definition in config.definitions_in(HOME_MANAGER_MODULES):
        value = definition.value
        for item in (value.items if isinstance(value, v.ListV) else [value]):
            item = v.force(item)
            if isinstance(item, v.PathV) and item.resolved:
                path = item.resolved
                path = os.path.join(path, "default.nix") if os.path.isdir(path) else path
                refs.append(ModuleRef(FILE, path, path, exists=os.path.isfile(path)))
            elif isinstance(item, (v.AttrsV, v.Lambda)) and item.span is not None and item.span.path not in modules:
                refs.append(ModuleRef(INLINE, item.span.text, item.span.path, item, item.span))
        span = definition.span
        if span is not None and span.path not in modules and os.path.isfile(span.path):
            refs.append(ModuleRef(FILE, span.path, span.path))   # (a leaf of a set written in another file)
    return refs


def _with_special(standard: v.AttrsV, special: Namespace) -> Namespace:
    """Module arguments whose specialArgs are a namespace (a flake's inputs, updated):
    its members, then the standard arguments."""
    def member(name: str) -> v.Lazy | None:
        if name == "specialArgs":
            return special
        found = special.members(name)
        if found is not None:
            return found
        attr = standard.attrs.get(name)
        return attr.value if attr is not None else None
    return Namespace("module arguments", member)


# Ways a module file reaches code in other files, which may ask for the architecture.
_OTHER_CODE = (b"import", b"scopedImport", b"callPackage", b"callPackages")


def _same_on_every_arch(module: Module) -> bool:
    """Whether a module file's values cannot depend on the architecture: its text names no
    way to it (Module.may_read_arch) and reaches no code in another file but through
    `imports` (each imported module is judged by itself)."""
    if "#" in module.key or module.parsed is None or module.may_read_arch:
        return False
    return not has_any_word(module.parsed.source.data, _OTHER_CODE)


def _visible_to(parsed: ParsedFile | None, special_args: v.Value | None) -> v.Value | None:
    """The special arguments a module file can see: a file written as a function of a set
    pattern (`{ config, lib, hostName, ... }: …`, with no `args@`) sees only those it
    names.  So a module that names none of a system's special arguments is loaded once
    for every system, instead of once per host's `specialArgs`."""
    if not isinstance(special_args, v.AttrsV) or parsed is None or parsed.tree is None or parsed.error is not None:
        return special_args
    function = parsed.root.child_by_field_name("expression")
    if function is None or function.type != "function_expression" or function.child_by_field_name("universal"):
        return special_args
    formals = function.child_by_field_name("formals")
    data = parsed.source.data
    names = {data[f.start_byte:f.end_byte].decode("utf-8", "surrogateescape")
             for formal in (formals.named_children if formals is not None else ()) if formal.type == "formal"
             for f in [formal.child_by_field_name("name")] if f is not None}
    if "specialArgs" in names:
        return special_args
    seen = {name: attr for name, attr in special_args.attrs.items() if name in names}
    if len(seen) == len(special_args.attrs):
        return special_args
    return v.AttrsV(seen, special_args.span) if seen else None


def _fingerprint(special_args: v.Value | None) -> tuple:
    """Special arguments as a cache key: the same values (by identity) give the same key."""
    if isinstance(special_args, Namespace):
        return ("namespace", id(special_args))
    if not isinstance(special_args, v.AttrsV):
        return ()
    return tuple((name, id(v.force(attr.value))) for name, attr in sorted(special_args.attrs.items()))


def _module_identity(module: Module):
    """What makes two evaluations the same: a file's module by its cache identity, an
    inline module by what it defines (each helper call makes a new one; one whose values
    fail to evaluate is its own)."""
    if "#" not in module.key:
        return id(module)
    try:
        return (module.path, tuple(
            (d.option, repr(v.to_python(d.value)), d.priority, d.order, d.active,
             tuple(c.span.text if c.span else "" for c in d.conditions)) for d in module.defs.definitions),
            tuple((e.path, e.written) for e in module.imports))
    except Exception:   # a bug in evaluating it: reported where a rule asks for its values
        return id(module)
