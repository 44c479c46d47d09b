"""NX002 conflicting-definitions."""
from stereos_lint.modules.config import format_option
from stereos_lint.checking.rule import ConfigContext, nix_literal, rule, where


@rule("NX002", "conflicting-definitions", severity="error",
      whole_system=True,
      summary="two definitions of a non-mergeable option at the same priority disagree")
def check(ctx: ConfigContext):
    """NixOS merges a bool, an int or a plain string only when every definition at
    the winning priority agrees; otherwise evaluation fails with "The option …
    has conflicting definition values".  Options of type `lines` (`extraConfig`,
    `text`, `script`, `preStart`, …) concatenate and are not reported.  Give one
    definition a priority (`lib.mkForce`, `lib.mkDefault`) or remove the other.

    Bad (two modules):

        networking.firewall.enable = true;     # base.nix
        networking.firewall.enable = false;    # vm.nix

    Good:

        networking.firewall.enable = lib.mkForce false;   # vm.nix
    """
    config = ctx.config
    for option in config.defined_more_than_once():
        if not option:
            continue  # a module whose whole config cannot be known: not an option definition
        resolution = config.resolve(option)
        if not resolution.conflict:
            continue
        first, *others = resolution.winners
        for other in others:
            if nix_literal(_py(other)) == nix_literal(_py(first)):
                continue
            yield ctx.finding(
                other.span,
                f"{format_option(option)} is {nix_literal(_py(other))} here ({where(other)}) but "
                f"{nix_literal(_py(first))} in {where(first)}, both at priority {other.priority}{ctx.on}: "
                "NixOS refuses conflicting definition values",
            )


def _py(definition):
    from stereos_lint.nix.values import to_python

    return to_python(definition.value)
