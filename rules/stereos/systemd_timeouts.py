"""ST130 short-systemd-timeouts."""
from stereos_lint.modules.config import format_option, parse_option
from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.checking.rule import ConfigContext, insert_binding_fix, nix_literal, replace_value_fix, rule, where

from stereos_lint.checking.timespan import USEC_PER_SEC, TimeSpanError, format_usec, parse_timespan
from .unitconf import conf_lines

WHY = "NixOS defaults (90 s) are far too long for a VM that boots and shuts down in under 5 s"
MANAGER = "systemd.settings.Manager"
EXTRA = "systemd.extraConfig"
# systemd's main.c reads a default start or stop timeout of 0 as infinity ("traditionally
# 0 was used to turn off the default unit timeouts")
ZERO_IS_INFINITE = frozenset({"DefaultTimeoutStartSec", "DefaultTimeoutStopSec"})
LIMITS = {
    "DefaultTimeoutStartSec": 10 * USEC_PER_SEC,
    "DefaultTimeoutStopSec": 3 * USEC_PER_SEC,
    "DefaultDeviceTimeoutSec": 3 * USEC_PER_SEC,
}


@rule("ST130", "short-systemd-timeouts", severity="error", fixable=True,
      reads=(MANAGER, EXTRA),
      summary="DefaultTimeoutStartSec <= 10s, DefaultTimeoutStopSec <= 3s, DefaultDeviceTimeoutSec <= 3s")
def check(ctx: ConfigContext):
    """The NixOS defaults for systemd's start and stop timeouts (90 s) are far
    too long for a VM that should boot and shut down in under 5 s: a hung unit
    would hold the whole sandbox.  `systemd.settings.Manager` (or the older
    `systemd.extraConfig` lines) sets `DefaultTimeoutStartSec` to at most 10 s,
    `DefaultTimeoutStopSec` and `DefaultDeviceTimeoutSec` to at most 3 s, each
    a well-formed systemd time span (systemd.time(7): `10s`, `500ms`,
    `1min 30s`, bare seconds) without stray whitespace.

    Bad:

        systemd.settings.Manager = {
          DefaultTimeoutStartSec = "20s ";
          DefaultDeviceTimeoutSec = "4s";
        };

    Good:

        systemd.settings.Manager = {
          DefaultTimeoutStartSec = "10s";
          DefaultTimeoutStopSec = "3s";
          DefaultDeviceTimeoutSec = "3s";
        };
    """
    extra = ctx.config.resolve(EXTRA)
    lines = conf_lines(extra)
    manager_used = bool(ctx.config.children(MANAGER))
    for key, limit in LIMITS.items():
        option = f"{MANAGER}.{key}"
        resolution = ctx.config.resolve(option)
        line = lines.last(key)
        requirement = f"a time span of at most {format_usec(limit)}"
        if resolution.defined:
            if not resolution.known:
                yield ctx.cannot_verify(resolution, requirement)
            else:
                problems, better = _judge(resolution.value, limit, key in ZERO_IS_INFINITE)
                if problems:
                    winner = resolution.winner
                    yield ctx.finding(
                        winner.span if winner else None,
                        f"{format_option(parse_option(option))} is {nix_literal(resolution.value)} "
                        f"({where(winner)}){ctx.on}: {' and '.join(problems)}, but the SPEC requires "
                        f"{requirement} without stray whitespace: {WHY}",
                        replace_value_fix(winner, better), resolution=resolution)
        if line is not None and line.value is not None:
            problems, better = _judge(line.written, limit, key in ZERO_IS_INFINITE)
            if problems:
                yield ctx.finding(
                    line.span, f"{EXTRA} sets {key}={line.written}{ctx.on}: {' and '.join(problems)}, but the "
                               f"SPEC requires {requirement} without stray whitespace: {WHY}",
                    _line_fix(line, better))
        elif line is not None or (not resolution.defined and (lines.unknown or extra.uncertain)):
            yield ctx.cannot_verify(extra, f"{key} set to {requirement}")
        elif not resolution.defined:
            anchor = ctx.config.anchor(option, siblings=[f"{MANAGER}.{k}" for k in LIMITS] + [EXTRA])
            fix = insert_binding_fix(ctx.config, anchor, option, format_usec(limit)) if manager_used else None
            yield ctx.system_finding(anchor, f"{key} is not set{ctx.on} (neither in {MANAGER} nor in {EXTRA}), so "
                                             f"systemd keeps its 90 s default, but the SPEC requires {requirement}: "
                                             f"{WHY}", fix)


def _judge(value, limit: int, zero_is_infinite: bool = False) -> tuple[list[str], str]:
    """What is wrong with a timeout value, and the value a fix would write."""
    wanted = format_usec(limit)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            return [f"{value} is not a time span"], wanted
        if value == 0 and zero_is_infinite:
            return [f"0 turns the timeout off (systemd reads it as infinity), which is longer than {wanted}"], wanted
        seconds = value * USEC_PER_SEC
        return ([f"{format_usec(seconds)} is longer than {wanted}"], wanted) if seconds > limit else ([], wanted)
    if not isinstance(value, str):
        return [f"{nix_literal(value)} is not a time span"], wanted
    try:
        span = parse_timespan(value)
    except TimeSpanError as error:
        return [f"it is not a systemd time span ({error})"], wanted
    problems = []
    if span.usec == 0 and zero_is_infinite:
        problems.append(f"{value.strip()} turns the timeout off (systemd reads it as infinity), which is longer than "
                        f"{wanted}")
    elif span.usec is None or span.usec > limit:
        problems.append(f"{span} is longer than {wanted}")
    if span.stray_whitespace:
        problems.append(f"it has {_whitespace(value)} whitespace")
    better = wanted if span.usec is None or span.usec > limit or span.usec == 0 and zero_is_infinite else value.strip()
    return problems, better


def _whitespace(text: str) -> str:
    leading, trailing = text != text.lstrip(), text != text.rstrip()
    return "leading and trailing" if leading and trailing else "leading" if leading else "trailing"


def _line_fix(line, value: str) -> Fix | None:
    span = line.span
    if span is None or not span.text.startswith(line.key):
        return None
    return Fix(f"set {line.key}={value}", (Edit(span, f"{line.key}={value}"),))
