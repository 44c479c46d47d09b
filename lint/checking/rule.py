"""Rules: metadata beside the check, and the contexts a check receives.

A rule is a function decorated with `@rule(...)`; its docstring is the text
`stereos-lint explain CODE` prints.  A `config` rule is called once per root
and system with the effective configuration; a `file` rule once per parsed
file.  Rules ask the evaluator for values; they never walk syntax for values.
"""
from __future__ import annotations

import inspect
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from ..modules.config import EffectiveConfig, Resolution, format_option, parse_option
from ..modules.definitions import Definition, Presence
from .findings import Edit, Finding, Fix, Severity
from ..nix.parser import ParsedFile
from ..nix.source import Span
from ..nix import values as v
from ..nix.nixlib import PLAIN_PRIORITY


@dataclass
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    check: Callable[..., Iterable[Finding]]
    scope: str = "config"          # "config" (per root and system) or "file"
    fixable: bool = False
    pack: str = ""
    text: str | None = None        # documentation of a declarative rule (Python rules use the docstring)
    whole_system: bool = False     # judges the system as a whole (order, coverage): never run on fragments
    reads: tuple[str, ...] | None = None   # the options (or prefixes) it judges; None: not declared
    documented_in: str | None = None       # the file its documentation is written in (default: its check's)

    def may_judge(self, defined) -> bool:
        """Whether a fragment that defines these options (an EffectiveConfig, asked through
        `overlaps`) can give this rule anything to say."""
        return self.reads is None or any(defined.overlaps(parse_option(read)) for read in self.reads)

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.text or self.check.__doc__ or self.summary)

    @property
    def documentation_file(self) -> str | None:
        """Where `explain` reads the rule from: a declarative rule's TOML file, else the
        Python file of its check (the docstring)."""
        if self.documented_in is not None:
            return os.path.abspath(self.documented_in)
        try:
            return inspect.getsourcefile(self.check)
        except TypeError:
            return None

    @property
    def rationale(self) -> str:
        """The first paragraph of the docstring."""
        return self.doc.split("\n\n")[0].replace("\n", " ")


REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, *, severity: str, summary: str, scope: str = "config",
         fixable: bool = False, whole_system: bool = False, reads: tuple[str, ...] | None = None) -> Callable:
    """Register the decorated check function as rule `code`.  `whole_system`: every
    finding it can make is about the system as a whole (an order among list items
    that every module adds to, whether some unit covers a need), so it does not run
    on fragments.  `reads`: the options it judges (prefixes of them do), so that a fragment
    defining none of them is not judged by it at all."""
    def register(check: Callable) -> Callable:
        if code in REGISTRY:
            raise ValueError(f"rule {code} is registered twice")
        pack = check.__module__.split(".")[2] if check.__module__.count(".") >= 2 else ""
        REGISTRY[code] = Rule(code, name, Severity(severity), summary, check, scope, fixable, pack,
                              whole_system=whole_system, reads=reads)
        check.rule = REGISTRY[code]
        return check
    return register


# --- contexts -------------------------------------------------------------------------------

# Marks (in Finding.extra) a finding only a whole system can prove: it takes the modules
# the linter cannot read to define nothing (see assuming()).  Its value: the options the
# finding is about (its rule's `reads`; () where not known).
ASSUMES_UNREAD = "assumes unread modules define nothing"


def assuming(unread: list[str]) -> str:
    """What a system finding assumes of the modules the linter cannot read, said after it
    (`stereos-lint systems` lists them all)."""
    if not unread:
        return ""
    if len(unread) == 1:
        return f" (assuming that {unread[0]}, which the linter cannot read, sets nothing here)"
    others = len(unread) - 1
    return f" (assuming that {unread[0]} and {others} other module{'s' if others > 1 else ''} the linter " \
           "cannot read set nothing here)"


@dataclass
class ConfigContext:
    """What a config rule sees: one root's effective configuration on one system."""

    rule: Rule
    config: EffectiveConfig
    system: str                    # the architecture being judged
    arch_specific: bool            # True when the configuration is judged on several architectures
    project: Any = None
    whole: bool = True             # a whole system; False: a fragment, judged only on what it defines

    @property
    def on(self) -> str:
        """' on aarch64-linux' where the configuration differs per system, else ''."""
        return f" on {self.system}" if self.arch_specific else ""

    def finding(self, span: Span | None, message: str, fix: Fix | None = None,
                severity: Severity | None = None, resolution: Resolution | None = None) -> Finding | None:
        """A finding about a value the configuration defines.  A fragment gets no
        informational ones: what it cannot know, the systems that import it decide.
        (Every finding of a whole-system rule is a system finding, below.)  Where it
        states `resolution`'s value and a plain definition in a module the linter cannot
        read would change it (it wins by less than a plain priority; or it is a list or a
        set, which such a definition adds to), it says what it assumes of them."""
        severity = severity or self.rule.severity
        if span is None or (not self.whole and severity is Severity.INFO):
            return None
        found = Finding(self.rule.code, self.rule.name, severity, message, span, fix,
                        self.system if self.arch_specific else None)
        if self.whole and (self.rule.whole_system or resolution is not None and _plain_changes(resolution)):
            found.extra[ASSUMES_UNREAD] = self.rule.reads or ()
        return found

    def system_finding(self, span: Span | None, message: str, fix: Fix | None = None,
                       severity: Severity | None = None) -> Finding | None:
        """A finding that only a whole system can prove: something it does not define
        ("… is not set", a list that lacks an item), or the order of a list that other
        modules add to.  In a fragment, the rest lives in the systems that import it.
        It takes the modules the linter cannot read to define nothing, and says so
        (engine.merge_units names them: ASSUMES_UNREAD)."""
        found = self.finding(span, message, fix, severity) if self.whole else None
        if found is not None:
            found.extra[ASSUMES_UNREAD] = self.rule.reads or ()
        return found

    def cannot_verify(self, resolution: Resolution, requirement: str,
                      authority: str = "the SPEC") -> Finding | None:
        """The lower-severity finding for a value the linter cannot know."""
        option = format_option(resolution.option)
        reason = resolution.uncertain or f"its value {nix_literal(resolution.value)} cannot be known statically"
        span = _uncertain_span(resolution)
        return self.finding(span, f"cannot verify {option}{self.on}: {reason}; {authority} requires {requirement}",
                            severity=Severity.INFO)


@dataclass
class FileContext:
    """What a file rule sees: one parsed file and the configurations it is part of."""

    rule: Rule
    parsed: ParsedFile
    configs: list[EffectiveConfig] = field(default_factory=list)
    project: Any = None

    def finding(self, span: Span | None, message: str, fix: Fix | None = None,
                severity: Severity | None = None) -> Finding | None:
        if span is None:
            return None
        return Finding(self.rule.code, self.rule.name, severity or self.rule.severity, message, span, fix)

    def modules(self, of_systems: bool = False, guessed: bool = True) -> list:
        """The modules this file is, in every configuration it is part of, each once (a
        module shared by several systems is one object; an inline one may be several);
        `of_systems`: only in those of systems (and of roots standing in for them, unless
        not `guessed`), where the file is used as a module -- a fragment may be something
        else (a library)."""
        path = self.parsed.source.path
        found = {id(m): m for config in self.configs
                 if not of_systems or (config.whole and (guessed or not config.guessed))
                 for m in config.modules if m.path == path}
        if not found and not of_systems and self.project is not None and path in self.project.foreign:
            # (a module of nix-darwin's or home-manager's: in no NixOS evaluation, read alone)
            return [self.project.module(path, self.project.architectures[0])]
        return list(found.values())


def _plain_changes(resolution: Resolution) -> bool:
    """Whether one more plain definition would change the value: one with a weaker priority
    (lib.mkDefault) loses to it, and a list or a set at a plain one is merged with it."""
    priority = resolution.priority
    return priority is not None and (priority > PLAIN_PRIORITY or priority == PLAIN_PRIORITY
                                     and isinstance(resolution.value, (list, dict)))


def _uncertain_span(resolution: Resolution) -> Span | None:
    if isinstance(resolution.value, v.UnknownValue) and resolution.value.span is not None:
        return resolution.value.span
    for definition in resolution.definitions:
        if resolution.is_conditional(definition) and definition.span is not None:
            return definition.span
    return resolution.span


# --- helpers for messages and fixes -------------------------------------------------------------

def nix_literal(value: Any) -> str:
    """Render a plain Python value as Nix source."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "\\${").replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[ " + " ".join(nix_literal(item) for item in value) + (" ]" if value else "]")
    if isinstance(value, dict):
        return "{ " + " ".join(f"{k} = {nix_literal(x)};" for k, x in value.items()) + " }"
    if isinstance(value, v.UnknownValue):
        return value.text
    return str(value)


def where(definition: Definition | None) -> str:
    """`lib.mkForce, boot.nix:130` — how a message names a definition."""
    if definition is None or definition.span is None:
        return ""
    place = definition.span.place
    return place if definition.priority_label == "plain" else f"{definition.priority_label}, {place}"


def replace_value_fix(definition: Definition | None, expected: Any, forced: bool = False) -> Fix | None:
    """Replace a literal leaf value by `expected`, keeping any mkForce/mkDefault around it;
    `forced` (the value must be forced) writes a plain one as `lib.mkForce expected`.  Only
    a literal written in the definition's own binding: one it reads from a `let` (or another
    file) may serve other options too."""
    if definition is None or definition.value.span is None:
        return None
    value, binding = definition.value.span, definition.binding_span
    if binding is None or value.source is not binding.source or not binding.start <= value.start <= value.end \
            <= binding.end:
        return None
    if not isinstance(definition.value, (v.Const, v.Str, v.ListV)):
        return None
    if isinstance(definition.value, v.Str) and definition.value.known is None:
        return None
    literal = nix_literal(expected)
    if forced and definition.priority_label == "plain":
        if not lib_in_scope(definition.value.span.source):
            return None
        literal = f"lib.mkForce {literal}"
    return Fix(f"set {format_option(definition.option)} to {literal}", (Edit(definition.value.span, literal),))


def lib_in_scope(source) -> bool:
    """Whether a fix may write `lib.mkForce` in this file: it names `lib` as a module
    argument or already uses `lib.` (a heuristic; without it no such fix is offered)."""
    return bool(_LIB_ARGUMENT.search(source.data) or b"lib." in source.data)


_LIB_ARGUMENT = re.compile(rb"[{,]\s*lib\s*[,}?]")


def force_fix(definition: Definition | None) -> Fix | None:
    """Wrap a plain definition's value in `lib.mkForce`."""
    if definition is None or definition.priority_label != "plain" or definition.value.span is None:
        return None
    if not lib_in_scope(definition.value.span.source):
        return None
    text = definition.value.span.text
    if not isinstance(definition.value, (v.Const, v.Str, v.ListV, v.AttrsV, v.PathV)):
        text = f"({text})"
    return Fix(f"force {format_option(definition.option)} with lib.mkForce",
               (Edit(definition.value.span, f"lib.mkForce {text}"),))


def insert_binding_fix(config: EffectiveConfig, anchor: Span | None, option: str, value: Any,
                       forced: bool = False) -> Fix | None:
    """Insert `option = value;` next to `anchor`, with the file's indentation: as the last
    binding of the set the anchor names (`boot.loader.grub = {`), or on the line after a
    sibling binding.  The attribute path is written relative to the set it lands in;
    `forced` writes `lib.mkForce value`."""
    if anchor is None:
        return None
    path = parse_option(option)
    if config.resolve(path).definitions:
        return None   # written already (under a mkIf that is false): a second binding would not parse
    data = anchor.source.data
    line_start = data.rfind(b"\n", 0, anchor.start) + 1
    indent = data[line_start:anchor.start]
    if indent.strip():
        return None  # the anchor does not start its line: no safe place for a new line
    if forced and not lib_in_scope(anchor.source):
        return None
    literal = ("lib.mkForce " if forced else "") + nix_literal(value)
    message = f"add {format_option(path)} = {literal}"
    presence = next((p for p in config.written_at(anchor) if isinstance(p, Presence) and p.explicit
                     and not p.conditional), None)
    if presence is not None and path[:len(presence.prefix)] == presence.prefix and presence.binding_span:
        closing = data.rfind(b"}", anchor.end, presence.binding_span.end)
        closing_line = data.rfind(b"\n", 0, closing) + 1
        if closing == -1 or data[closing_line:closing].strip():
            return None  # a one-line set: leave it to the user
        first_inner = data.find(b"\n", anchor.end) + 1
        inner_indent = _next_line_indent(data, first_inner) or indent + b"  "
        text = f"{inner_indent.decode()}{format_option(path[len(presence.prefix):])} = {literal};\n"
        return Fix(message, (Edit(Span(anchor.source, closing_line, closing_line), text),))
    found = _binding_at(config, anchor)
    if found is None:
        return None
    depth, binding, set_path, conditional = found
    if conditional:
        return None  # under a mkIf: a value written there would not set the option
    if path[:depth] != set_path:
        # The anchor's set is not on the option's path (`enable` in `programs.hyprland = {`
        # for programs.command-not-found): after the enclosing binding whose set is.
        outward = _binding_on_path(config, binding, depth, set_path, path)
        if outward is None:
            return None
        depth, binding = outward
        line_start = data.rfind(b"\n", 0, binding.start) + 1
        indent = data[line_start:binding.start]
        if indent.strip():
            return None
    line_end = data.find(b"\n", binding.end)
    line_end = len(data) if line_end == -1 else line_end
    rest = data[binding.end:line_end].strip()
    if rest and not rest.startswith(b"#"):
        return None  # more code follows on the binding's line: no safe place for a new line
    relative_path = path[depth:]
    text = f"{indent.decode()}{format_option(relative_path)} = {literal};\n"
    at = min(line_end + 1, len(data))
    if line_end == len(data):
        text = "\n" + text.rstrip("\n")
    return Fix(message, (Edit(Span(anchor.source, at, at), text),))


def _binding_at(config: EffectiveConfig, anchor: Span) -> tuple[int, Span, tuple, bool] | None:
    """The binding whose attribute path is `anchor`, how many option names lie above the
    set it is written in, those names (the set's own path), and whether it is written
    under a mkIf."""
    key_path = parse_option(anchor.text.replace(" ", ""))
    for written in config.written_at(anchor):     # definitions first, then attribute sets
        if written.binding_span is not None:
            if isinstance(written, Definition):
                option, conditional = written.option, bool(written.conditions) or not written.active
            else:
                option, conditional = written.prefix, written.conditional
            depth = len(option) - len(key_path)
            return depth, written.binding_span, tuple(option[:depth]), conditional
    return None


_LITERAL_SETS = ("attrset_expression", "rec_attrset_expression")


def _binding_on_path(config: EffectiveConfig, binding: Span, depth: int, set_path: tuple,
                     path: tuple) -> tuple[int, Span] | None:
    """Outward from `binding` (written in the set at `set_path`, `depth` names deep), through
    literal sets only -- never through a mkIf or a function call -- the first binding
    written in a set on `path`: (that set's depth, the binding)."""
    module = next((m for m in config.modules if m.parsed is not None and m.parsed.root is not None
                   and m.parsed.source is binding.source), None)
    if module is None:
        return None
    node = module.parsed.root.descendant_for_byte_range(binding.start, binding.end)
    while node is not None and not (node.type == "binding" and node.start_byte == binding.start
                                    and node.end_byte == binding.end):
        node = node.parent
    while node is not None:
        literal = node.parent.parent if node.parent is not None and node.parent.type == "binding_set" else None
        outer = literal.parent if literal is not None and literal.type in _LITERAL_SETS else None
        if outer is None or outer.type != "binding":
            return None
        attrpath = outer.child_by_field_name("attrpath")
        names = parse_option(binding.source.text(attrpath.start_byte, attrpath.end_byte)) if attrpath else ()
        depth -= len(names)
        if not names or depth < 0:
            return None
        if path[:depth] == set_path[:depth]:
            return depth, Span(binding.source, outer.start_byte, outer.end_byte)
        node = outer
    return None


def _next_line_indent(data: bytes, start: int) -> bytes | None:
    end = data.find(b"\n", start)
    line = data[start:end if end != -1 else len(data)]
    stripped = line.lstrip(b" \t")
    if not stripped or stripped.startswith(b"}"):
        return None
    return line[: len(line) - len(stripped)]


def expect_value(ctx: ConfigContext, option: str, expected: Any, why: str, *,
                 siblings: Iterable[str] = (), max_priority: int | None = None,
                 shown: str | None = None, authority: str = "the SPEC") -> Iterator[Finding]:
    """The common check: `option` must be `expected` on the effective configuration.

    Reports a missing option at its anchor, a wrong value at the winning
    definition (with a fix for literals), an unknowable value as "cannot
    verify", and -- with `max_priority` -- a right value whose priority would not
    beat other modules' plain definitions.
    """
    resolution = ctx.config.resolve(option)
    name = format_option(resolution.option)
    want = shown or nix_literal(expected)
    if not resolution.defined:
        anchor = ctx.config.anchor(option, siblings)
        fix = None
        if shown is None:
            fix = insert_binding_fix(ctx.config, anchor, option, expected, forced=max_priority is not None)
        found = ctx.system_finding(anchor, f"{name} is not set{ctx.on} but {authority} requires {want}: {why}", fix)
        if found:
            yield found
        return
    if not resolution.known:
        found = ctx.cannot_verify(resolution, want, authority)
        if found:
            yield found
        return
    if resolution.value != expected or type(resolution.value) is not type(expected):
        winner = resolution.winner
        fix = replace_value_fix(winner, expected, forced=max_priority is not None) if shown is None else None
        found = ctx.finding(winner.span if winner else None,
                            f"{name} is {nix_literal(resolution.value)} ({where(winner)}){ctx.on} "
                            f"but {authority} requires {want}: {why}", fix, resolution=resolution)
        if found:
            yield found
        return
    if max_priority is not None and resolution.priority is not None and resolution.priority > max_priority:
        winner = resolution.winner
        found = ctx.finding(winner.span if winner else None,
                            f"{name} is {want} ({where(winner)}){ctx.on} but with priority {resolution.priority}, "
                            f"which does not beat another module's plain definition; {authority} requires "
                            f"lib.mkForce: {why}", force_fix(winner))
        if found:
            yield found
