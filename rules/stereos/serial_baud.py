"""ST103 serial-baud."""
import re

from stereos_lint.nix import values as v
from stereos_lint.checking.findings import Edit, Fix, Severity
from stereos_lint.checking.rule import ConfigContext, nix_literal, rule

from .console_params import Console, consoles, place

OPTION = "boot.kernelParams"
WHY = "the serial console must match QEMU's and the host's line speed, or the console is garbage"
BAUD = "115200"
# Linux serial console options: baud, then optional parity (n/o/e), bits and flow control (r).
OPTIONS = re.compile(r"(?P<baud>\d*)(?P<rest>[noe](?:[5-8]r?)?)?")
# `console=uart8250,io,0x3f8,115200n8`: the options follow the port address.
ADDRESSED = ("uart", "uart8250")


@rule("ST103", "serial-baud", severity="error", fixable=True,
      reads=("boot.kernelParams",),
      summary="every serial console=NAME,OPTIONS in boot.kernelParams runs at 115200 baud")
def check(ctx: ConfigContext):
    """A serial console whose line speed differs from QEMU's and the host's
    prints garbage.  Every `console=NAME,OPTIONS` in `boot.kernelParams` must
    use 115200 baud, optionally followed by parity and bits (`115200n8`).
    Consoles written without options (`console=tty0`, `console=hvc0`) are not
    serial line settings and are not checked.

    Bad:

        boot.kernelParams = [ "console=tty0" "console=ttyAMA0,115100" "console=hvc0" ];

    Good:

        boot.kernelParams = [ "console=tty0" "console=ttyAMA0,115200" "console=hvc0" ];
    """
    resolution = ctx.config.resolve(OPTION)
    if not resolution.defined:
        return  # no console at all: nothing runs at a wrong speed (ST102 reports the missing consoles)
    requirement = f"{BAUD} baud on every serial console=NAME,OPTIONS"
    if resolution.uncertain is not None or resolution.items is None:
        yield ctx.cannot_verify(resolution, requirement)
        return
    for console in consoles(resolution):
        if not console.options_known:
            yield ctx.finding(console.item.span,
                              f"cannot verify {OPTION}{ctx.on}: the item {console.text} may be a serial "
                              f"console whose options cannot be known statically; the SPEC requires {requirement}",
                              severity=Severity.INFO)
            continue
        if console.options is None:
            continue
        baud, rest = _speed(console)
        if baud == BAUD and rest is not None:
            continue
        if rest is None:
            shown = f"options {console.options!r} that are not a baud rate with parity and bits"
        else:
            shown = f"{baud} baud" if baud else "no baud rate"
        yield ctx.finding(console.item.span,
                          f"{OPTION} sets console={console.name},{console.options} ({place(console.item)})"
                          f"{ctx.on}, {shown}, but the SPEC requires {BAUD} (optionally followed by parity and "
                          f"bits such as n8): {WHY}",
                          _fix(console, rest))


def _speed(console: Console) -> tuple[str, str | None]:
    """The baud rate written and the parity/bits after it (None when those are not well-formed)."""
    options = console.options or ""
    if console.name in ADDRESSED:
        fields = options.split(",")
        options = fields[2] if len(fields) > 2 else ""
    match = OPTIONS.fullmatch(options)
    if match is None:
        digits = re.match(r"\d*", options).group(0)
        return digits, None
    return match.group("baud"), match.group("rest") or ""


def _fix(console: Console, rest: str | None) -> Fix | None:
    """Rewrite the item as written, when it is a plain string literal and the speed is its only fault."""
    raw = console.item.raw
    if not isinstance(raw, v.Str) or raw.span is None or raw.known is None or rest is None:
        return None
    if raw.span.text != nix_literal(raw.known) or console.name in ADDRESSED:
        return None
    fixed = f"console={console.name},{BAUD}{rest}"
    return Fix(f"use {BAUD} baud on {console.name}", (Edit(raw.span, nix_literal(fixed)),))
