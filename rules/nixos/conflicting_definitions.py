"""NX002 conflicting-definitions."""
from stereos_lint.checking.rule import ConfigContext, nix_literal, rule
from stereos_lint.modules.config import format_option
from stereos_lint.nix import values as v

REFUSALS = {"conflict": "conflicting definition values", "unique": "more than one definition of an option that "
            "takes one", "null": "null and not null definitions"}


@rule("NX002", "conflicting-definitions", severity="error", whole_system=True, reads=(),
      summary="an option's declared type refuses its definitions: different values at the winning priority")
def check(ctx: ConfigContext):
    """NixOS merges the definitions that win (the lowest priority number) with the
    option's type: `bool`, `int`, `str`, `enum`, `path`, `package` take them only when
    they are all equal, `uniq` and `raw` only one, `nullOr` not null beside a value.
    Otherwise evaluating the option fails ("The option … has conflicting definition
    values").  Reported only when that is proved: the option is declared in the
    linted tree (so its type is known), both definitions are active, at the winning
    priority, and their values are known and differ.  An option NixOS itself
    declares has a type the linter does not know, so two different values of it are
    not reported: a `types.lines` option joins them, a `bool` merged by `or` takes
    both.  Give one definition a priority (`lib.mkForce`, `lib.mkDefault`) or remove
    the other.

    Bad (two modules):

        options.services.myapp.port = lib.mkOption { type = lib.types.port; };
        services.myapp.port = 80;       # base.nix
        services.myapp.port = 8080;     # vm.nix

    Good:

        services.myapp.port = lib.mkForce 8080;   # vm.nix
    """
    for option in ctx.config.declarations:
        if ctx.config.definitions_within(option) < 2:
            continue   # a conflict takes two definitions
        refusal = ctx.config.resolve(option).refusal
        if refusal is None or refusal.kind not in REFUSALS or len(refusal.defs) < 2:
            continue
        first, other = refusal.defs[0], refusal.defs[-1]
        name = format_option(refusal.loc)
        yield ctx.finding(
            other.span,
            f"{name} is {_shown(other)} here but {_shown(first)} in {_place(first)}, both at the winning priority"
            f"{ctx.on}: NixOS refuses {REFUSALS[refusal.kind]} ({refusal})")


def _shown(definition) -> str:
    return nix_literal(v.to_python(definition.value))


def _place(definition) -> str:
    span = definition.span
    return span.place if span is not None else definition.module
