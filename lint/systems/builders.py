"""The functions that build a system, as values of the discovery interpreter.

`nixpkgs.lib.nixosSystem`, `lib.evalModules`, `import "${nixpkgs}/nixos/lib/eval-config.nix"`,
`import <nixpkgs/nixos> { configuration; }`, `pkgs.nixos` and nixos-generators'
`nixosGenerate` each return a `SystemValue`: the system they would build, read from
their arguments.  Selecting from it (`cfg.config.system.build.raw`) gives a
`SystemPart` that still knows its system, so an output built from a system names it.

Flake inputs are `Input` namespaces: `.lib` is the modelled lib (with the builders
above), anything else is opaque (`inputs.agentd.nixosModules.default`).
"""
from __future__ import annotations

import os
import re

from ..nix import values as v
from ..nix.nixlib import Namespace
from ..nix.parser import ParsedFile
from ..nix.source import Span
from .system import FILE, INLINE, OPAQUE, ModuleRef, System

EVAL_CONFIG = "nixos/lib/eval-config.nix"


class SystemValue(v.Value):
    """What a system builder returns."""

    __slots__ = ("system", "builders")

    def __init__(self, system: System, span: Span | None, builders: "Builders | None" = None):
        self.system = system
        self.span = span
        self.builders = builders

    def select(self, name: str) -> v.Value:
        if name == "extendModules" and self.builders is not None:
            return v.Primop("extendModules", 1, lambda span, args: self.builders.extend(self.system, span, args))
        return SystemPart(self.system, (name,), self.span)


class SystemPart(v.Value):
    """An attribute of a built system (`config.system.build.toplevel`): its value is not
    known, but which system it belongs to is."""

    __slots__ = ("system", "path")

    def __init__(self, system: System, path: tuple[str, ...], span: Span | None):
        self.system = system
        self.path = path
        self.span = span

    def select(self, name: str) -> v.Value:
        return SystemPart(self.system, self.path + (name,), self.span)


class Builders:
    """The system builders for one discovery interpreter; `built` collects every system
    they were asked to build, in the order they were."""

    def __init__(self, interp, parse=None):
        self.interp = interp
        self.parse = parse   # path -> ParsedFile | ReadProblem: a host's own file, where a library names it
        self.built: list[System] = []
        self.hives: dict[int, tuple] = {}   # colmena hives built (see flake_libraries/colmena.py)
        # The modules of configurations of other module systems (nix-darwin's, home-manager's):
        # their files set options NixOS does not have, and are judged as no NixOS module.
        self.foreign: list[ModuleRef] = []

    # -- values given to the interpreter -------------------------------------------------

    def lib_extensions(self, extra: dict[str, v.Lazy] | None = None) -> dict[str, v.Lazy]:
        members: dict[str, v.Lazy] = {
            "nixosSystem": v.Primop("nixosSystem", 1, self._nixos_system),
            "evalModules": v.Primop("evalModules", 1, self._eval_modules),
            # (nix-darwin's and home-manager's lib: written only where the lib is theirs)
            "darwinSystem": v.Primop("darwinSystem", 1, lambda span, args: self.foreign_build(span, args, "nix-darwin")),
            "homeManagerConfiguration": v.Primop("homeManagerConfiguration", 1,
                                                 lambda span, args: self.foreign_build(span, args, "home-manager")),
        }
        members.update(extra or {})
        return members

    def input(self, name: str, lib: v.Value, url: str | None = None, repository: str = "") -> v.Value:
        """A flake input: its `lib` is the modelled lib; the rest is opaque.  An input known
        by its `url` is what it is (see flake_libraries/)."""
        from .flake_libraries import is_flake_parts, is_nixpkgs_url, known_input   # (they build systems here)

        known = known_input(url, self, repository)
        if known is not None:
            return known
        if url is not None and not is_flake_parts(url):
            lib = self._input_lib(lib, name, adds_modules=not is_nixpkgs_url(url))

        nixpkgs = url is None or is_nixpkgs_url(url)

        def member(attr: str) -> v.Lazy | None:
            if attr == "lib":
                return lib
            if attr == "nixosGenerate":
                return v.Primop("nixosGenerate", 1, self._nixos_generate)
            if attr == "legacyPackages" and nixpkgs:   # `nixpkgs.legacyPackages.x86_64-linux`: its package set
                return Namespace(f"inputs.{name}.legacyPackages", lambda system: self.pkgs(lib, v.Str((system,), None)))
            return None
        return Namespace(f"inputs.{name}", member)

    def _input_lib(self, lib: Namespace, name: str, adds_modules: bool) -> Namespace:
        """The lib of an input known by its URL not to be flake-parts: a lib, as every
        flake's may be nixpkgs', but its `mkFlake` cannot be known.  Where the input is not
        nixpkgs either (nixos-raspberrypi), its `nixosSystem` is its own: the modules it
        adds are recorded as opaque."""
        def own_system(span: Span, arguments: v.Lazy) -> v.Value:
            built = self._build(span, arguments, f"inputs.{name}.lib.nixosSystem", "modules")
            built.system.modules.insert(0, ModuleRef(OPAQUE, f"the modules inputs.{name}.lib.nixosSystem adds",
                                                     span=span))
            return built

        def member(attr: str) -> v.Lazy | None:
            if attr == "mkFlake":
                return None
            if attr == "nixosSystem" and adds_modules:
                return v.Primop("nixosSystem", 1, own_system)
            return lib.members(attr)
        return Namespace(f"inputs.{name}.lib", member)

    def nixpkgs(self, lib: v.Value) -> v.Primop:
        """`import <nixpkgs>` / `import nixpkgs`: a function of the nixpkgs config returning pkgs."""
        return v.Primop("nixpkgs", 1, lambda span, config: self.pkgs(lib, _configured_system(config)))

    def pkgs(self, lib: v.Value, system: v.Lazy | None = None) -> Namespace:
        """A package set: opaque, but for its `lib`, `pkgs.nixos` and -- where it is known
        which system it is for (`import nixpkgs { system = …; }`, flake-parts' `pkgs` in
        `withSystem`) -- its `system`, from which `nixpkgs.pkgs = pkgs` gives a system's
        architecture (see pkgs_system)."""
        def member(attr: str) -> v.Lazy | None:
            if attr == "lib":
                return lib
            if attr == "nixos":
                return v.Primop("nixos", 1, lambda span, module: self._pkgs_nixos(span, module, system))
            if attr == "system":
                return system
            return None
        return PackageSet(member)

    def eval_config(self) -> v.Primop:
        return v.Primop("eval-config", 1, self._eval_config)

    def nixos(self) -> v.Primop:
        return v.Primop("nixos", 1, self._nixos_entry)

    # -- the builders --------------------------------------------------------------------

    def foreign_build(self, span: Span, arguments: v.Lazy, kind: str) -> v.Value:
        """A configuration of another module system (`darwinSystem { modules; }`,
        `homeManagerConfiguration { modules; }`): no NixOS system; its modules are recorded."""
        args = v.force(arguments)
        if isinstance(args, v.AttrsV) and "modules" in args.attrs:
            self.foreign_modules(args.attrs["modules"].value)
        return v.Unknown(span, f"a {kind} configuration")

    def foreign_modules(self, modules: v.Lazy) -> None:
        """Record `modules` (a list, or one module) as modules of another module system."""
        scratch = System(name="", arch=None, declared_at=None, modules=[])
        self.foreign.extend(ref for ref in self._modules(modules, scratch, single=False) if ref.kind != OPAQUE)

    def _nixos_system(self, span: Span, arguments: v.Lazy) -> v.Value:
        return self._build(span, arguments, "nixosSystem", "modules")

    def _eval_modules(self, span: Span, arguments: v.Lazy) -> v.Value:
        return self._build(span, arguments, "evalModules", "modules")

    def _eval_config(self, span: Span, arguments: v.Lazy) -> v.Value:
        return self._build(span, arguments, "eval-config.nix", "modules")

    def _nixos_generate(self, span: Span, arguments: v.Lazy) -> v.Value:
        """nixos-generators' `nixosGenerate { system; format; modules; }`: a system of the
        modules and the format's own module (opaque: it comes with the input)."""
        built = self._build(span, arguments, "nixosGenerate", "modules")
        args = v.force(arguments)
        format_ = v.force(args.attrs["format"].value) if isinstance(args, v.AttrsV) and "format" in args.attrs else None
        shown = format_.known if isinstance(format_, v.Str) and format_.known else "that cannot be known"
        built.system.modules.append(ModuleRef(OPAQUE, f"nixos-generators' format {shown}", span=span))
        return built

    def _nixos_entry(self, span: Span, arguments: v.Lazy) -> v.Value:
        """`import <nixpkgs/nixos> { configuration = ./configuration.nix; system = …; }`."""
        return self._build(span, arguments, "<nixpkgs/nixos>", "configuration")

    def _pkgs_nixos(self, span: Span, module: v.Lazy, system: v.Lazy | None = None) -> v.Value:
        """`pkgs.nixos MODULE` (or a list of modules), on the package set's system where it
        is known."""
        arguments = {"modules": v.Attr(module, None, None)}
        if system is not None:
            arguments["system"] = v.Attr(system, None, None)
        return self._build(span, v.AttrsV(arguments, span), "pkgs.nixos", "modules")

    def build(self, span: Span, arguments: v.Lazy, builder: str, declared_in: str | None = None) -> v.Value:
        """The system `builder` makes of `{ modules; system; specialArgs; }`; declared where
        it is called -- or at the start of `declared_in`, the host's file, where a library
        makes a system of each file of a folder (blueprint's hosts, nixos-unified's)."""
        return self._build(span, arguments, builder, "modules", declared_in)

    def _build(self, span: Span, arguments: v.Lazy, builder: str, modules_key: str,
               declared_in: str | None = None) -> v.Value:
        args = v.force(arguments)
        declared_at, scope = self._declared_at(span)
        parsed = self.parse(declared_in) if declared_in is not None and self.parse is not None else None
        if isinstance(parsed, ParsedFile):
            declared_at = Span(parsed.source, 0, 0)
        system = System(name="", arch=None, declared_at=declared_at, modules=[], scope=scope)
        if not isinstance(args, v.AttrsV):
            system.gaps.append(f"the arguments of {builder} cannot be known: {describe(args)}")
            self.built.append(system)
            return SystemValue(system, span)
        system.arch = self._arch(args, system, builder)
        if "specialArgs" in args.attrs:
            system.special_args = v.force(args.attrs["specialArgs"].value)
        if modules_key in args.attrs:
            system.modules = self._modules(args.attrs[modules_key].value, system, single=modules_key == "configuration")
        else:
            system.gaps.append(f"{builder} is given no {modules_key}")
        self.built.append(system)
        return SystemValue(system, span, self)

    def extend(self, base: System, span: Span, arguments: v.Lazy) -> v.Value:
        """`cfg.extendModules { modules; specialArgs; }`: another system -- the same, with
        more modules (an image's format module on a host: `(….extendModules { … }).config
        .system.build.sdImage`)."""
        args = v.force(arguments)
        declared_at, scope = self._declared_at(span)
        system = System(name="", arch=base.arch, declared_at=declared_at, modules=list(base.modules),
                        special_args=base.special_args, gaps=list(base.gaps), scope=scope)
        if not isinstance(args, v.AttrsV):
            system.gaps.append(f"the arguments of extendModules cannot be known: {describe(args)}")
        else:
            if "modules" in args.attrs:
                system.modules += self._modules(args.attrs["modules"].value, system, single=False)
            if "specialArgs" in args.attrs:
                added = v.force(args.attrs["specialArgs"].value)
                given = base.special_args
                system.special_args = v.AttrsV({**given.attrs, **added.attrs}, added.span) if isinstance(
                    given, v.AttrsV) and isinstance(added, v.AttrsV) else given if given is not None else added
        self.built.append(system)
        return SystemValue(system, span, self)

    def _arch(self, args: v.AttrsV, system: System, builder: str) -> str | None:
        for key in ("system", "localSystem"):
            if key not in args.attrs:
                continue
            value = v.force(args.attrs[key].value)
            if isinstance(value, v.AttrsV) and "system" in value.attrs:
                value = v.force(value.attrs["system"].value)
            if isinstance(value, v.Str) and value.known:
                return value.known
            system.gaps.append(f"the architecture cannot be known: {builder}'s {key} is {describe(value)}")
        if "pkgs" in args.attrs:   # nixos-generators' `nixosGenerate { inherit pkgs; … }`: the package set's
            found = pkgs_system(args.attrs["pkgs"].value)
            if found is None:
                system.gaps.append(f"the architecture cannot be known: {builder}'s pkgs is "
                                   f"{describe(v.force(args.attrs['pkgs'].value))}")
            return found
        return None

    def _modules(self, item: v.Lazy, system: System, single: bool) -> list[ModuleRef]:
        value = v.force(item)
        if isinstance(value, v.ListV):
            elements = [(element, "module") for element in value.items]
        elif isinstance(value, v.PartlyKnownList):   # `[ ./host ] ++ optionals cond [ … ]`: the known items,
            elements = []                              # and the parts that cannot be known, in order
            for part in value.parts:
                elements += [(element, "module") for element in part.items] if isinstance(part, v.ListV) \
                    else [(part, "part of the module list")]
        elif single or isinstance(value, (v.AttrsV, v.Lambda, v.PathV)):
            elements = [(item, "module")]
        else:   # (a module all the same, which the linter cannot read: the system is judged on nothing)
            system.gaps.append(f"the module list cannot be known: {describe(value)}")
            return [ModuleRef(OPAQUE, describe(value), span=value.span)]
        refs = [ref for ref in (self._module(element, system, what) for element, what in elements) if ref is not None]
        system.gaps.extend(f"module {ref.text} does not exist ({ref.path})" for ref in refs
                           if ref.kind == FILE and not ref.exists)
        return refs

    def _module(self, item: v.Lazy, system: System, what: str = "module") -> ModuleRef | None:
        """`what`: how a gap names it, where it cannot be known (a module, or a part of the list)."""
        value = v.force(item)
        text = describe(value)
        if isinstance(value, v.PathV) and value.resolved:
            return _file(value.resolved, text, value.span)
        if isinstance(value, v.Str) and (local := v.local_path(value)) is not None:
            return _file(local, text, value.span)
        if isinstance(value, v.FolderSet):
            system.gaps.append(f"module {text} cannot be known: a set made of a folder's files, not a module")
            return ModuleRef(OPAQUE, text, span=value.span)
        if isinstance(value, (v.AttrsV, v.Lambda)):
            path = value.span.path if value.span is not None else None
            return ModuleRef(INLINE, text, path, value, value.span)
        if isinstance(value, (v.Symbolic, Namespace, SystemPart, v.PathV)):
            return ModuleRef(OPAQUE, text, span=value.span)
        why = value.why if isinstance(value, v.Unknown) and value.why else "it is not a module that can be known"
        system.gaps.append(f"{what} {text} cannot be known: {why}")
        # (a module all the same, which the linter cannot read: what only the whole system can
        # prove assumes it sets nothing, and says so)
        return ModuleRef(OPAQUE, text, span=value.span)

    def _declared_at(self, span: Span) -> tuple[Span, list[Span]]:
        """Where a system is declared: the builder's call, or -- when that call is the body of
        a helper -- the helper's call, outwards while each call's function holds the one
        inside it (`base = mkMixtape { … }` in flake.nix, not `nixosSystem` in lib/).  Also
        the scope: the builder's call and those helpers' bodies."""
        anchor, scope = span, [span]
        for call, function in reversed(self.interp.frames):
            body = function.span
            if body is None or body.source is not anchor.source or not (body.start <= anchor.start
                                                                          and anchor.end <= body.end):
                break
            scope.append(body)
            anchor = call
        return anchor, scope


def _file(path: str, text: str, span: Span | None) -> ModuleRef:
    if os.path.isdir(path):
        path = os.path.join(path, "default.nix")
    return ModuleRef(FILE, text, path, span=span, exists=os.path.isfile(path))


def _configured_system(config: v.Lazy) -> v.Lazy | None:
    """The `system` (or `localSystem`, a string or `{ system }`) nixpkgs is imported with."""
    value = v.force(config)
    if not isinstance(value, v.AttrsV):
        return None
    for name in ("system", "localSystem"):
        if name in value.attrs:
            found = value.attrs[name].value
            inner = v.force(found)
            if isinstance(inner, v.AttrsV) and "system" in inner.attrs:
                return inner.attrs["system"].value
            return found
    return None


class LibExtension(v.AttrsV):
    """A system's special argument `lib` that is the module system's lib with more in it
    (snowfall-lib's `lib.NAMESPACE`, made of the repository's `lib` folder): the modules get
    the lib of the architecture they are judged on, updated with these attributes."""

    __slots__ = ()


class PackageSet(Namespace):
    """A package set made where systems are built (not a module's own `pkgs`, whose
    system is the one being judged)."""

    __slots__ = ()

    def __init__(self, members):
        super().__init__("pkgs", members)


def pkgs_system(value: v.Lazy) -> str | None:
    """The system a package set is for, where it is known (see Builders.pkgs)."""
    value = v.force(value)
    if not isinstance(value, PackageSet):
        return None
    system = v.force(value.select("system"))
    return system.known if isinstance(system, v.Str) else None


def describe(value: v.Value) -> str:
    if value.span is not None:
        return value.span.text
    if isinstance(value, v.Symbolic):
        return value.name
    if isinstance(value, Namespace):
        return value.name
    if isinstance(value, v.Unknown) and value.why:
        return value.why
    return type(value).__name__


def is_eval_config(value: v.Value) -> bool:
    """`"${nixpkgs}/nixos/lib/eval-config.nix"`, `<nixpkgs/nixos/lib/eval-config.nix>`, …"""
    return value.span is not None and EVAL_CONFIG in value.span.text


def is_nixos_entry(value: v.Value) -> bool:
    """`<nixpkgs/nixos>` or `"${nixpkgs}/nixos"`: the function of `{ configuration; system; }`."""
    if value.span is None:
        return False
    text = value.span.text.strip('"').rstrip("/")
    return text.endswith(("<nixpkgs/nixos>", "/nixos", "/nixos/default.nix")) and not text.startswith((".", "/"))


# nixpkgs' lib imported by path: `<nixpkgs/lib>`, `"${sources.nixpkgs}/lib"`, `"${nixpkgs}/lib"`
_NIXPKGS_LIB = re.compile(r'<nixpkgs/lib>|"?\$\{\s*(?:[\w\'.-]*\.)?nixpkgs\s*\}/lib(?:/default\.nix)?"?')


def is_nixpkgs_lib(value: v.Value) -> bool:
    """nixpkgs' lib, imported by its path (a path this repository does not hold)."""
    return value.span is not None and _NIXPKGS_LIB.fullmatch(value.span.text.strip()) is not None


def is_nixpkgs(value: v.Value) -> bool:
    """The root of nixpkgs (called with its config, it gives pkgs): `<nixpkgs>`, a pinned
    copy fetched from its repository or a channel (`builtins.fetchTarball
    "https://github.com/NixOS/nixpkgs/archive/….tar.gz"`), or niv's and npins' source of it
    (`sources.nixpkgs`: a set of the pin, with the fetched `outPath`)."""
    if value.span is not None and value.span.text in ("<nixpkgs>", "<nixos>", "<nixos-unstable>"):
        return True
    if isinstance(value, v.AttrsV) and "outPath" in value.attrs:
        pin = {name: v.force(attr.value) for name, attr in value.attrs.items() if name in ("repo", "url", "name")}
        return any(isinstance(text, v.Str) and text.known and (text.known == "nixpkgs" or NIXPKGS_SOURCE.search(text.known))
                   for text in pin.values())
    # (niv's or npins' `sources.nixpkgs` where the pins cannot be read)
    return isinstance(value, v.Unknown) and value.span is not None and (
        NIXPKGS_SOURCE.search(value.span.text) is not None or value.span.text.strip() == "sources.nixpkgs")


# Where nixpkgs is fetched from: its repository, a channel
NIXPKGS_SOURCE = re.compile(r"github\.com[/:]NixOS/nixpkgs(?:$|[/.?#\"])|channels\.nixos\.org|nixos\.org/channels"
                            r"|releases\.nixos\.org|nixexprs\.tar", re.IGNORECASE)
