"""ST301 ready-marker-unit and ST302 ready-marker-timestamp: the boot-complete marker."""
from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass

from stereos_lint.nix import values as v
from stereos_lint.modules.config import Resolution
from stereos_lint.checking.findings import Edit, Fix, Severity
from stereos_lint.nix.source import Span
from stereos_lint.checking.rule import ConfigContext, expect_value, insert_binding_fix, nix_literal, rule, where

UNIT = "systemd.services.stereos-ready"
MARKER = "/run/stereos-ready"
WHY_UNIT = {
    "wantedBy": ("multi-user.target", "without wantedBy the unit never starts"),
    "after": ("stereosd.service", "without after it can fire before the control plane is up"),
}
WHY_STAMP = ("the marker is compared with the kernel's boot clock to measure time-to-ready, "
             "which a human-readable date cannot be")
NANOSECONDS = ("+%s%N", "+%%s%%N")   # `%%` is systemd's escape for `%` in ExecStart

# Shell binaries each package provides (`${pkgs.NAME}/bin/SHELL`).
SHELLS = {
    "bash": {"sh", "bash"}, "bashInteractive": {"sh", "bash"}, "runtimeShellPackage": {"sh", "bash"},
    "dash": {"dash"}, "busybox": {"sh", "ash"}, "zsh": {"zsh"},
}
COREUTILS = {"coreutils", "coreutils-full"}
_PKG = re.compile(r"\$\{\s*pkgs\.([A-Za-z0-9_'-]+)\s*\}")
_GET_EXE = re.compile(r"\$\{\s*(?:lib\.)?getExe(')?\s+pkgs\.([A-Za-z0-9_'-]+)(?:\s+\"([^\"]+)\")?\s*\}")
_OPEN, _CLOSE = "\ue000", "\ue001"   # around the index of an interpolation in the text analysed
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")"}
_REDIRECTS = {">", ">|"}


@rule("ST301", "ready-marker-unit", severity="error", fixable=True,
      reads=(UNIT,),
      summary="systemd.services.stereos-ready exists, wanted by multi-user.target, after stereosd.service")
def check_unit(ctx: ConfigContext):
    """The boot-complete marker unit `stereos-ready` is how time-to-ready is
    measured.  It must exist, be wanted by `multi-user.target` (without
    `wantedBy` the unit never starts) and be ordered after
    `stereosd.service` (without `after` it can fire before the control plane
    is up).

    Bad:

        systemd.services.stereos-ready = {
          serviceConfig.Type = "oneshot";
        };

    Good:

        systemd.services.stereos-ready = {
          wantedBy = [ "multi-user.target" ];
          after = [ "stereosd.service" ];
          serviceConfig.Type = "oneshot";
        };
    """
    unit = ctx.config.resolve(UNIT)
    if not unit.defined:
        yield ctx.system_finding(ctx.config.anchor(UNIT),
                                 f"{UNIT} is not defined{ctx.on} but the SPEC requires a oneshot unit wanted by "
                                 f"multi-user.target, after stereosd.service, that writes {MARKER}: without it "
                                 f"time-to-ready cannot be measured")
        return
    enable = ctx.config.resolve(f"{UNIT}.enable")
    if enable.defined and enable.known and enable.value is False:
        yield ctx.finding(enable.span, f"{UNIT}.enable is false ({where(enable.winner)}){ctx.on} but the SPEC "
                                       f"requires the unit to run: without it time-to-ready cannot be measured",
                          resolution=enable)
    for field, (item, why) in WHY_UNIT.items():
        yield from _contains(ctx, f"{UNIT}.{field}", item, why)


def _contains(ctx: ConfigContext, option: str, item: str, why: str):
    resolution = ctx.config.resolve(option)
    if not resolution.defined:
        anchor = ctx.config.anchor(option, siblings=[f"{UNIT}.{name}" for name in WHY_UNIT])
        yield ctx.system_finding(anchor, f"{option} is not set{ctx.on} but the SPEC requires it to contain "
                                         f'"{item}": {why}', insert_binding_fix(ctx.config, anchor, option, [item]))
        return
    values = resolution.value if isinstance(resolution.value, list) else None
    if values is not None and item in values and not resolution.uncertain:
        return
    if values is None or resolution.uncertain or any(isinstance(x, v.UnknownValue) for x in values):
        yield ctx.cannot_verify(resolution, f'a list containing "{item}"')
        return
    yield ctx.system_finding(resolution.span, f"{option} is {nix_literal(values)} ({where(resolution.winner)})"
                                              f'{ctx.on} but the SPEC requires it to contain "{item}": {why}')


@rule("ST302", "ready-marker-timestamp", severity="error", fixable=True,
      reads=(UNIT,),
      summary="stereos-ready is a oneshot writing `date +%s%N` to /run/stereos-ready")
def check_timestamp(ctx: ConfigContext):
    """The marker in /run/stereos-ready is compared with the kernel's boot clock
    to measure time-to-ready, so it must be a Unix nanosecond timestamp
    (`date +%s%N`): a human-readable date cannot be compared.  The unit is a
    `oneshot`; its `ExecStart` runs a shell that exists in the package it
    names (`${pkgs.bash}/bin/sh`, `${pkgs.bash}/bin/bash`,
    `${pkgs.runtimeShell}` ...), since systemd itself does not interpret the
    `>` redirection, and a `date` from coreutils (`${pkgs.coreutils}/bin/date`,
    or `date` found through the unit's PATH, which NixOS fills with
    coreutils).  A `script` instead of `ExecStart` is run by NixOS' own shell.
    ST301 reports a missing unit.

    Bad:

        serviceConfig.ExecStart =
          "${pkgs.bash}/bin/sh -c '${pkgs.coreutils}/bin/date > /run/stereos-ready'";

    Good:

        serviceConfig.Type = "oneshot";
        serviceConfig.ExecStart =
          "${pkgs.bash}/bin/sh -c '${pkgs.coreutils}/bin/date +%s%N > /run/stereos-ready'";
    """
    if not ctx.config.resolve(UNIT).defined:
        return
    exec_start = f"{UNIT}.serviceConfig.ExecStart"
    yield from expect_value(ctx, f"{UNIT}.serviceConfig.Type", "oneshot",
                            "the marker is written once, when the boot is complete", siblings=[exec_start])
    resolution = ctx.config.resolve(exec_start)
    script = ctx.config.resolve(f"{UNIT}.script")
    if not resolution.defined and script.defined:
        yield from _judge(ctx, script, [(script.raw, script.span)], in_script=True)
    elif not resolution.defined:
        anchor = ctx.config.anchor(exec_start, siblings=[f"{UNIT}.serviceConfig.Type"])
        yield ctx.system_finding(anchor, f"{exec_start} is not set{ctx.on} but the SPEC requires a command writing "
                                         f"`date +%s%N` to {MARKER}: {WHY_STAMP}")
    elif resolution.uncertain:
        yield ctx.cannot_verify(resolution, f"a command writing `date +%s%N` to {MARKER}")
    elif resolution.items is not None:
        yield from _judge(ctx, resolution, [(item.raw, item.span) for item in resolution.items])
    else:
        yield from _judge(ctx, resolution, [(resolution.raw, resolution.span)])


# --- understanding the command ----------------------------------------------------------------

@dataclass
class Verdict:
    problem: str | None = None      # what is wrong (an error), or
    unknown: str | None = None      # why it cannot be understood (cannot verify); neither: fine
    date_word: str | None = None    # the `date` written without a format, for the fix


def _judge(ctx: ConfigContext, resolution: Resolution, commands: list, in_script: bool = False):
    name = f"{UNIT}.script" if in_script else f"{UNIT}.serviceConfig.ExecStart"
    verdicts = []
    for raw, span in commands:
        text, interps = _template(raw)
        if text is None:
            verdict = Verdict(unknown=f"its value {_source(raw)} cannot be known statically")
        elif in_script:
            verdict = _judge_script(text, interps, in_exec=False)
        else:
            verdict = _judge_exec(text, interps)
        verdicts.append((verdict, span))
        if verdict.problem is None and verdict.unknown is None:
            return
    for verdict, span in verdicts:
        if verdict.unknown is not None:
            yield ctx.finding(span, f"cannot verify {name}{ctx.on}: {verdict.unknown}; the SPEC requires it to "
                                    f"write `date +%s%N` to {MARKER}", severity=Severity.INFO)
            return
    verdict, span = verdicts[0]
    yield ctx.finding(span, f"{name} ({where(resolution.winner)}){ctx.on} {verdict.problem}, but the SPEC requires "
                            f"a Unix nanosecond timestamp (`date +%s%N`) written to {MARKER} through a shell from "
                            f"a package: {WHY_STAMP}", _format_fix(span, verdict.date_word), resolution=resolution)


def _format_fix(span: Span | None, date_word: str | None) -> Fix | None:
    """Add `+%s%N` after the `date` word, when it is written once in the string's source."""
    if span is None or date_word is None or span.text.count(date_word) != 1:
        return None
    at = span.start + len(span.text[:span.text.index(date_word) + len(date_word)].encode("utf-8"))
    return Fix("write a Unix nanosecond timestamp (date +%s%N)", (Edit(Span(span.source, at, at), " +%s%N"),))


def _source(raw) -> str:
    return raw.span.text if raw is not None and raw.span is not None else "<unknown>"


def _template(raw) -> tuple[str | None, list[str]]:
    """The string with each unknown interpolation replaced by a marked index, and their sources."""
    if not isinstance(raw, v.Str):
        return None, []
    text, interps = "", []
    for part in raw.parts:
        if isinstance(part, str):
            text += part
        else:
            text += f"{_OPEN}{len(interps)}{_CLOSE}"
            interps.append(part.span.text if part.span is not None else part.why)
    return text, interps


def _program(word: str, interps: list[str]) -> tuple[str | None, str | None, str]:
    """(package, binary, shown) of a command word: `${pkgs.bash}/bin/sh` -> ("bash", "sh", ...).
    package is None for a word not taken from a package, "?" for an interpolation not understood."""
    shown = re.sub(f"{_OPEN}(\\d+){_CLOSE}", lambda m: interps[int(m.group(1))], word)
    match = re.fullmatch(f"{_OPEN}(\\d+){_CLOSE}(.*)", word, re.S)
    if match is None:
        return None, os.path.basename(word), shown
    interp, rest = interps[int(match.group(1))], match.group(2)
    if re.fullmatch(r"\$\{\s*pkgs\.runtimeShell\s*\}", interp) and not rest:
        return "runtimeShellPackage", "sh", shown
    if (package := _PKG.fullmatch(interp)) and rest.startswith("/bin/") and "/" not in rest[5:]:
        return package.group(1), rest[5:], shown
    if (exe := _GET_EXE.fullmatch(interp)) and not rest:
        binary = exe.group(3) if exe.group(1) else exe.group(2)
        return exe.group(2), binary, shown
    return "?", None, shown


def _judge_exec(text: str, interps: list[str]) -> Verdict:
    try:
        argv = shlex.split(text.lstrip("@-:+!"))
    except ValueError as error:
        return Verdict(unknown=f"its quoting cannot be read ({error})")
    if not argv:
        return Verdict(problem="is empty")
    package, binary, shown = _program(argv[0], interps)
    if package == "?":
        return Verdict(unknown=f"it runs {shown}, which cannot be known statically")
    if package is None:
        if binary in {"sh", "bash", "dash", "ash", "zsh"}:
            return Verdict(problem=f"runs the shell {shown}, which is not taken from a package")
        return _judge_script(text, interps, direct=True)
    if package not in SHELLS:
        if binary == "date" or package in COREUTILS:
            return _judge_script(text, interps, direct=True)
        return Verdict(unknown=f"it runs {shown}, and pkgs.{package} is not a shell package the linter knows")
    if binary not in SHELLS[package]:
        return Verdict(problem=f"runs {shown}, a shell pkgs.{package} does not provide")
    options = []
    for word in argv[1:]:
        if not word.startswith("-") or word in ("-", "--"):
            break
        options.append(word)
    script_at = 1 + len(options)
    if not any("c" in option for option in options) or script_at >= len(argv):
        return Verdict(unknown=f"its shell {shown} does not run a `-c` command the linter can read")
    return _judge_script(argv[script_at], interps)


def _shell_words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    return list(lexer)


def _judge_script(script: str, interps: list[str], direct: bool = False, in_exec: bool = True) -> Verdict:
    """Find the command that redirects to the marker and check it is `date +%s%N` from coreutils.
    In ExecStart (`in_exec`) systemd expands `%` specifiers, so `+%%s%%N` is accepted there too."""
    try:
        words = []
        for line in script.replace("\\\n", " ").split("\n"):  # a newline ends a command
            words += _shell_words(line) + [";"]
    except ValueError:
        try:
            words = _shell_words(script)  # a quoted string spans lines
        except ValueError as error:
            return Verdict(unknown=f"its shell command cannot be read ({error})")
    commands: list[list[str]] = [[]]
    piped: list[bool] = [False]   # whether each command reads the one before it through `|`
    for word in words:
        if word in _SEPARATORS:
            commands.append([])
            piped.append(word == "|")
        else:
            commands[-1].append(word)
    parsed = [_redirections(command) for command in commands]
    marker = MARKER
    for args, targets in reversed(parsed):   # `date … > M.tmp && mv M.tmp M`: what M.tmp gets, M gets
        if len(args) == 3 and _program(args[0], interps)[1] == "mv" and args[2] == marker:
            marker = args[1]
    for position, (args, targets) in enumerate(parsed):
        if args and _program(args[0], interps)[1] == "tee" and marker in args[1:] and position and piped[position]:
            if any(word in ("-a", "--append") for word in args[1:]):
                return Verdict(problem=f"appends (`tee -a`) to {MARKER} instead of writing one timestamp")
            args, targets = parsed[position - 1][0], [(">", marker)]   # `date … | tee M`: date's output
        if not any(target == marker for _, target in targets):
            continue
        if direct:
            return Verdict(problem=f"redirects to {MARKER} without a shell, so systemd passes `>` to the "
                                   f"command as an argument")
        if any(op == ">>" for op, target in targets if target == marker):
            return Verdict(problem=f"appends (`>>`) to {MARKER} instead of writing one timestamp")
        if not args:
            return Verdict(unknown=f"the command writing {MARKER} cannot be read")
        package, binary, shown = _program(args[0], interps)
        if binary != "date" or package == "?":
            if "$(" in script or "`" in script or package == "?":
                return Verdict(unknown=f"what it writes to {MARKER} ({shown} ...) cannot be read statically")
            return Verdict(problem=f"writes the output of {shown} to {MARKER}, not `date +%s%N`")
        if package is None and args[0] != "date":
            return Verdict(problem=f"runs {shown}, not the date from coreutils")
        if package is not None and package not in COREUTILS:
            return Verdict(problem=f"runs {shown}, not the date from coreutils")
        formats = [arg for arg in args[1:] if arg.startswith("+")]
        if not formats:
            return Verdict(problem=f"writes plain `date` output (a human-readable date) to {MARKER}",
                           date_word=shown)
        if formats[-1] not in (NANOSECONDS if in_exec else NANOSECONDS[:1]):
            return Verdict(problem=f"writes `date {formats[-1]}` to {MARKER}")
        return Verdict()
    unreadable = [word for command in commands for index, word in enumerate(command)
                  if (index == 0 and _program(word, interps)[0] == "?")
                  or (index and _OPEN in word and command[index - 1] in _REDIRECTS | {">>"})]
    if "$(" in script or "`" in script or unreadable:
        shown = _program(unreadable[0], interps)[2] if unreadable else "a command substitution"
        return Verdict(unknown=f"what {shown} does cannot be known statically")
    named = next((args for args, _ in parsed if MARKER in args[1:]), None)
    if named is not None:   # (`install`, `dd of=`, `cp`: a command names the marker some other way)
        return Verdict(unknown=f"how {_program(named[0], interps)[2]} writes {MARKER} cannot be read")
    return Verdict(problem=f"does not write to {MARKER}")


def _redirections(command: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """A simple command's words and its output redirections (`>`, `>|`, `>>` and their
    targets), `exec` (the builtin that runs the command in the shell's place) left out."""
    args: list[str] = []
    targets: list[tuple[str, str]] = []
    index = 0
    while index < len(command):
        word = command[index]
        if word in _REDIRECTS or word == ">>":
            targets.append((word, command[index + 1] if index + 1 < len(command) else ""))
            index += 2
            continue
        args.append(word)
        index += 1
    if args and args[0] == "exec":
        args = args[1:]
    return args, targets
