"""NX004 force-discards-list-items."""
from stereos_lint.modules.config import format_option
from stereos_lint.nix.nixlib import PLAIN_PRIORITY
from stereos_lint.checking.rule import ConfigContext, nix_literal, rule, where
from stereos_lint.nix.values import ListV, to_python


@rule("NX004", "force-discards-list-items", severity="warning",
      whole_system=True,
      summary="a lib.mkForce on a list option throws away every other module's items")
def check(ctx: ConfigContext):
    """List options concatenate the definitions of every module -- except the ones
    a higher priority throws away.  `lib.mkForce [ … ]` on a list silently drops
    what other modules added (kernel parameters, packages, firewall ports).  When
    that is the intent, the finding lists what is lost; otherwise use a plain
    definition, or `lib.mkBefore`/`lib.mkAfter` to control order.

    Bad:

        boot.kernelParams = lib.mkForce [ "console=hvc0" ];   # drops base.nix's params

    Good:

        boot.kernelParams = lib.mkAfter [ "console=hvc0" ];
    """
    config = ctx.config
    for option in config.forced_options():
        resolution = config.resolve(option)
        if resolution.items is None or resolution.priority is None or resolution.priority >= PLAIN_PRIORITY:
            continue
        lost = [d for d in resolution.definitions
                if resolution.is_active(d) and d.priority > resolution.priority and isinstance(d.value, ListV) and d.value.items]
        if not lost:
            continue
        items = [item for d in lost for item in to_python(d.value)]
        places = ", ".join(dict.fromkeys(where(d) for d in lost))
        yield ctx.finding(
            resolution.winner.span,
            f"{format_option(option)} is forced ({where(resolution.winner)}){ctx.on}, which throws away "
            f"{nix_literal(items)} from {places}",
        )
