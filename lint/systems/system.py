"""A system: one `lib.evalModules` run -- what `nixosSystem { system; modules;
specialArgs; }` builds -- as discovery found it.

Its modules are local files, inline modules (a set or function written inside a
helper, evaluated with the helper's variables: `{ networking.hostName = name; }`),
or opaque ones (from a flake input: recorded and shown, assumed to define nothing
the linter can see).  What discovery could not know is kept as `gaps`, never
guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..nix import values as v
from ..nix.source import Span

FILE, INLINE, OPAQUE = "file", "inline", "opaque"


@dataclass
class ModuleRef:
    """One entry of a system's `modules` list."""

    kind: str                        # FILE, INLINE or OPAQUE
    text: str                        # the entry as written
    path: str | None = None          # FILE: the module's file; INLINE: the file it is written in
    value: v.Value | None = None     # INLINE: the module (a set or a function)
    span: Span | None = None
    exists: bool = True              # FILE: whether the file is there


@dataclass
class System:
    name: str
    arch: str | None                 # "x86_64-linux"; None: not given where it was built
    declared_at: Span | None
    modules: list[ModuleRef]
    special_args: v.Value | None = None
    gaps: list[str] = field(default_factory=list)
    origin: str = "flake"            # flake, non-flake, configured, root (a module-graph root standing in)
    aliases: list[str] = field(default_factory=list)   # other output paths that name this same system
    scope: list[Span] = field(default_factory=list)    # the builder's call and the helpers around it

    def reads(self, impure: list[Span]) -> list[str]:
        """Gaps for the impure reads (getEnv) made inside this system's helpers."""
        inside = [span for span in impure
                  if any(s.source is span.source and s.start <= span.start and span.end <= s.end for s in self.scope)]
        return [f"{span.text} ({span.path}:{span.line}) reads the environment of whoever builds it"
                for span in dict.fromkeys(inside)]
