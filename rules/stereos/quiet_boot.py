"""ST104 quiet-boot."""
from stereos_lint.checking.findings import Severity
from stereos_lint.nix.nixlib import DEFAULT_ORDER, PLAIN_PRIORITY
from stereos_lint.checking.rule import ConfigContext, expect_value, nix_literal, rule, where

from .console_params import place, written

OPTION = "boot.kernelParams"
WHY = "no printk spam on the serial console during boot"
FIRST = ["quiet", "loglevel=0"]
SIBLINGS = ["boot.consoleLogLevel", "boot.initrd.systemd.enable"]


@rule("ST104", "quiet-boot", severity="error", fixable=True,
      reads=("boot.kernelParams", "boot.consoleLogLevel"),
      summary="boot.kernelParams begins with quiet loglevel=0 (lib.mkBefore) and boot.consoleLogLevel = 0")
def check(ctx: ConfigContext):
    """Kernel messages printed on the serial console slow the boot down and
    bury what matters.  `boot.kernelParams` must begin with `quiet` and
    `loglevel=0`, put first with `lib.mkBefore` (NixOS's own modules define
    kernel parameters too, and theirs come first at the default order), and
    `boot.consoleLogLevel` must be 0.

    Bad:

        boot.kernelParams = [ "console=hvc0" "quiet" ];
        boot.consoleLogLevel = 4;

    Good:

        boot.kernelParams = lib.mkBefore [ "quiet" "loglevel=0" ];
        boot.consoleLogLevel = 0;
    """
    yield from _begins_quiet(ctx)
    yield from expect_value(ctx, "boot.consoleLogLevel", 0, WHY, siblings=[OPTION])


def _begins_quiet(ctx: ConfigContext):
    requirement = f"{OPTION} to begin with {' '.join(nix_literal(p) for p in FIRST)} (lib.mkBefore)"
    resolution = ctx.config.resolve(OPTION)
    if not resolution.defined:
        yield ctx.system_finding(ctx.config.anchor(OPTION, SIBLINGS),
                                 f"{OPTION} is not set{ctx.on} but the SPEC requires {requirement}: {WHY}")
        return
    if resolution.uncertain is not None or resolution.items is None:
        yield ctx.cannot_verify(resolution, requirement)
        return
    head = resolution.items[:len(FIRST)]
    values = [item.value for item in head]
    if values != FIRST:
        unknown = next((item for item in head if not isinstance(item.value, str)), None)
        if unknown is not None:
            yield ctx.finding(unknown.span, f"cannot verify {OPTION}{ctx.on}: the item {written(unknown)} cannot be "
                                            f"known statically; the SPEC requires {requirement}",
                              severity=Severity.INFO)
            return
        span = head[0].span if head else resolution.span
        shown = " ".join(nix_literal(x) for x in values) or "nothing"
        at = place(head[0]) if head else where(resolution.winner)
        yield ctx.system_finding(span, f"{OPTION} begins with {shown} ({at}){ctx.on} but the SPEC requires "
                                       f"{requirement}: {WHY}")
        return
    late = next((item for item in head if item.definition.order >= DEFAULT_ORDER), None)
    if late is not None and (resolution.priority is None or resolution.priority >= PLAIN_PRIORITY):
        # (a list that wins at a priority beating NixOS's plain definitions has none of theirs before it)
        yield ctx.finding(late.span,
                          f"{OPTION} begins with {' '.join(nix_literal(p) for p in FIRST)} here but at list order "
                          f"{late.definition.order} ({place(late)}){ctx.on}, so NixOS's own kernel "
                          f"parameters come before them; the SPEC requires {requirement}: {WHY}")
