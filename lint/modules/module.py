"""Loading NixOS modules: a file's value, split into imports and config.

A module is the value of a file (or an inline set/function in `imports`).
Functions receive the module arguments; a set with `config` or `options` is
in full form, any other set is in short form (everything but the structural
keys is config).  Import entries are resolved to files; what cannot be
resolved statically (`"${modulesPath}/…"`) is kept as external, never fatal.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..nix import values as v
from .definitions import ModuleDefinitions, collect
from .forced import calls_forcing, forced_paths
from ..nix.interpreter import Interpreter
from ..nix.parser import ParsedFile
from .types import OptionAliases
from ..nix.source import Span
from ..nix.words import has_any_word, has_word, word_positions

# Names through which a module's evaluation can reach the architecture (nixlib's `pkgs`
# members), beside `pkgs.system` and `inherit (…) system`; and `import`, through which a
# module file reaches another file's code (which may: Project._reads_arch then evaluates
# it, following the import, and counts).
ARCH_NAMES = (b"stdenv", b"hostPlatform", b"buildPlatform", b"targetPlatform", b"isAarch64", b"isAarch",
              b"isx86_64", b"isx86", b"isi686", b"isLinux", b"isDarwin", b"is64bit", b"isRiscV64", b"currentSystem")
_DOT_SYSTEM = re.compile(rb"\.system\b(?!\s*\.)")
_INHERITED_SYSTEM = re.compile(rb"[^;]*\bsystem\b")   # after a standalone `inherit`


def names_architecture(data: bytes) -> bool:
    """Whether a text names a way to the architecture (see ARCH_NAMES)."""
    return has_any_word(data, ARCH_NAMES) or _DOT_SYSTEM.search(data) is not None or any(
        _INHERITED_SYSTEM.match(data, at + len(b"inherit")) for at in word_positions(data, b"inherit"))

STRUCTURAL_KEYS = frozenset({"imports", "require", "_file", "key", "disabledModules", "_class", "freeformType"})
# What a module with an explicit `config` or `options` may hold beside them (lib/modules.nix,
# unifyModuleSyntax); any other attribute makes NixOS refuse the module.
FULL_FORM_KEYS = frozenset({"_class", "_file", "key", "disabledModules", "imports", "options", "config", "meta",
                            "freeformType"})


@dataclass
class ImportEntry:
    span: Span | None
    path: str | None = None          # resolved file (a directory means its default.nix)
    written: str = ""                # as written in the source
    exists: bool = True
    external: bool = False           # cannot be resolved statically
    inline: v.Value | None = None    # an inline module (set or function)


@dataclass
class Module:
    key: str
    path: str
    parsed: ParsedFile | None
    imports: list[ImportEntry] = field(default_factory=list)
    defs: ModuleDefinitions = field(default_factory=lambda: collect(v.AttrsV({}, None), ""))   # what its config writes
    problem: str | None = None       # why this module could not be evaluated, if it could not
    # Beside an explicit `config` or `options`: attributes NixOS refuses there (their key spans)
    unsupported: list[tuple[str, Span | None]] = field(default_factory=list)
    config: v.Lazy | None = None     # its config, properties still on it (what merging options reads)
    options: v.Lazy | None = None    # its `options`, in full form
    declared_key: str | None = None  # its own `key = "…";`, which the closure dedupes by
    # An inline module written in another file than `path`'s (a module a flake exports,
    # imported as a value: `imports = [ flake.nixosModules.server ]`): that file
    written_in: str | None = None
    disabled: list[str] = field(default_factory=list)   # disabledModules: files (absolute) or keys
    aliases: list[tuple] = field(default_factory=list)  # (old, new) option paths (types.OptionAliases)
    _interp: Interpreter | None = field(default=None, repr=False, compare=False)
    _arch_words: bool | None = field(default=None, repr=False, compare=False)
    _dropped: list | None = field(default=None, repr=False, compare=False)
    _forced: list | None = field(default=None, repr=False, compare=False)

    def may_define(self, path: tuple[str, ...]) -> bool:
        """Whether this module can give the option at `path` a definition: it defines it,
        something under it, or a prefix of it (a value that cannot be known stops there).
        What `merge.option_definitions` would find is never in a module this says no to."""
        return self.defs.may_define(path)

    @property
    def may_read_arch(self) -> bool:
        """Whether its text names a way to the architecture (`stdenv`, `hostPlatform`,
        `isAarch64`, `pkgs.system`, …), or, in a module file, `import`s a file that may.
        One that names none gives the same values on every architecture; see
        Project._reads_arch for the others.  (An inline module's file is more than the
        module: what else it imports is not taken to be read.)"""
        if self._arch_words is None:
            facts = self.parsed.facts if self.parsed is not None else {}
            data = self.parsed.source.data if self.parsed is not None else b""
            if "architecture" not in facts:
                facts["architecture"] = names_architecture(data)
            self._arch_words = self.problem is None and (
                facts["architecture"] or ("#" not in self.key and has_word(data, b"import")))
        return self._arch_words

    def forced_definitions(self) -> list:
        """Its definitions with a priority above a plain one (`mkForce`, `mkOverride 50`, …),
        evaluating only where its text calls one of those (see forced.py)."""
        from ..nix.nixlib import PLAIN_PRIORITY

        if self._forced is None:
            if self.parsed is None:
                paths = None
            elif "#" in self.key:   # an inline module: small, and not the file's own module
                paths = None if calls_forcing(self.parsed.source.data) else []
            else:
                paths = forced_paths(self.parsed)
            found = self.defs.definitions if paths is None else \
                {id(d): d for path in paths for d in self.defs.within(path)}.values()
            self._forced = sorted((d for d in found if d.priority < PLAIN_PRIORITY), key=lambda d: d.rank)
        return self._forced

    @property
    def dropped_updates(self) -> list:
        """The `mkIf … // { … }` evaluated in its file (operators.DroppedUpdate): where its
        text has a `//` that may be the operator, the whole module is evaluated to find them."""
        if self._dropped is None:
            self._dropped = []
            if self.parsed is not None and self._interp is not None and _writes_update(self.parsed):
                for definition in self.defs.definitions:
                    v.to_python(definition.value)
                self._dropped = [u for u in self._interp.dropped_updates if u.span.path == self.path]
        return self._dropped

    @property
    def identity(self) -> str:
        """What `collectModules` knows it by: its `key`, else its file (or place)."""
        return self.declared_key or self.key


def _writes_update(parsed: ParsedFile) -> bool:
    """Whether the file's text has a `//` not right after a `:` -- the one in a URL
    (`https://`, `git+ssh://`), which most `//` in configurations are, is never the operator."""
    if "update operator" not in parsed.facts:
        data = parsed.source.data
        at = data.find(b"//")
        while at > 0 and data[at - 1] == 0x3A:   # ":"
            at = data.find(b"//", at + 2)
        parsed.facts["update operator"] = at != -1
    return parsed.facts["update operator"]


def resolve_import_path(path: str) -> tuple[str, bool]:
    """A directory import means its default.nix."""
    if os.path.isdir(path):
        path = os.path.join(path, "default.nix")
    return path, os.path.isfile(path)


def load_module(key: str, path: str, parsed: ParsedFile | None, interp: Interpreter,
                value: v.Value | None = None, arguments: v.Value | None = None) -> Module:
    """Evaluate one module under `interp` (one system) as far as its imports; its
    definitions are evaluated as options ask for them (`defs`).  A module function is
    called with `arguments` (default: `{ config, lib, pkgs, … }`)."""
    module = Module(key=key, path=path, parsed=parsed, _interp=interp)
    if value is not None and value.span is not None and value.span.path != path:
        module.written_in = value.span.path
    if value is None:
        if parsed is None or parsed.tree is None:
            module.problem = "the file could not be read"
            return module
        if parsed.error is not None:
            module.problem = "the file does not parse"
            return module
        value = interp.eval_file(parsed.source, parsed.root)
    if isinstance(value, v.Lambda):
        value = interp.apply(value, arguments or interp.builtins.module_arguments(), value.span)
    if isinstance(value, (v.If, v.Override, v.Merge)):   # `lib.mkIf c { … }`, `lib.mkMerge [ … ]` as a module
        value = v.AttrsV({"config": v.Attr(value, None, None)}, value.span)   # is its config (its shorthand)
    if not isinstance(value, v.AttrsV):
        module.problem = f"the module is not an attribute set that can be known ({_describe(value)})"
        module.defs = collect(v.Unknown(value.span, module.problem), key)
        return module
    attrs = value.attrs
    if isinstance(value, OptionAliases):
        module.aliases = value.aliases
    full_form = "config" in attrs or "options" in attrs
    if "imports" in attrs:
        module.imports = _imports(attrs["imports"].value, path)
    if not full_form and "require" in attrs:
        module.imports += _imports(attrs["require"].value, path)
    if "key" in attrs:
        key_value = v.force(attrs["key"].value)
        module.declared_key = key_value.known if isinstance(key_value, v.Str) else None
    if "disabledModules" in attrs:
        module.disabled = _disabled(attrs["disabledModules"].value)
    if full_form:
        module.unsupported = [(name, attr.key_span) for name, attr in attrs.items() if name not in FULL_FORM_KEYS]
        config = attrs["config"].value if "config" in attrs else v.AttrsV({}, value.span)
        module.options = attrs["options"].value if "options" in attrs else None
    else:
        config = v.AttrsV({n: a for n, a in attrs.items() if n not in STRUCTURAL_KEYS}, value.span)
    module.config = config
    module.defs = collect(config, key)
    return module


def _imports(item: v.Lazy, path: str) -> list[ImportEntry]:
    value = v.force(item)
    if isinstance(value, v.PartlyKnownList):   # `[ ./a.nix ] ++ optionals cond [ ./b.nix ]`: the known items
        elements = value.flattened
    elif isinstance(value, v.ListV):
        elements = value.items
    else:
        return [ImportEntry(value.span, written=_text(value), external=True)]
    entries = []
    for element in elements:
        entry = v.force(element)
        written = _text(entry)
        if isinstance(entry, v.PathV) and entry.resolved:
            target, exists = resolve_import_path(entry.resolved)
            entries.append(ImportEntry(entry.span, target, written, exists))
        elif isinstance(entry, v.Str) and (local := v.local_path(entry)) is not None:
            target, exists = resolve_import_path(local)
            entries.append(ImportEntry(entry.span, target, written, exists))
        elif isinstance(entry, (v.AttrsV, v.Lambda, v.If, v.Override)):
            entries.append(ImportEntry(entry.span, written=written, inline=entry))
        else:
            entries.append(ImportEntry(entry.span, written=written, external=True))
    return entries


def _disabled(item: v.Lazy) -> list[str]:
    """disabledModules entries as keys: a path's file, an absolute string, a set's `key`
    (a string relative to modulesPath names a NixOS module: never one of ours)."""
    value = v.force(item)
    keys: list[str] = []
    for element in value.items if isinstance(value, v.ListV) else ():
        entry = v.force(element)
        if isinstance(entry, v.PathV) and entry.resolved:
            keys.append(resolve_import_path(entry.resolved)[0])
        elif isinstance(entry, v.Str) and entry.known is not None:
            keys.append(entry.known if os.path.isabs(entry.known) else f"<modulesPath>/{entry.known}")
        elif isinstance(entry, v.AttrsV) and "key" in entry.attrs:
            key = v.force(entry.attrs["key"].value)
            if isinstance(key, v.Str) and key.known is not None:
                keys.append(key.known)
    return keys


def _text(value: v.Value) -> str:
    return value.span.text if value.span is not None else type(value).__name__


def _describe(value: v.Value) -> str:
    if isinstance(value, v.Unknown):
        return value.why or "unknown"
    return type(value).__name__
