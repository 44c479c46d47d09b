"""NX007 type-mismatch."""
from stereos_lint.checking.rule import ConfigContext, nix_literal, rule
from stereos_lint.modules.config import format_option
from stereos_lint.nix import values as v


@rule("NX007", "type-mismatch", severity="error", whole_system=True, reads=(),
      summary="a definition's value is not of the type its option declares")
def check(ctx: ConfigContext):
    """NixOS checks every winning definition against the option's declared type and
    refuses one that does not fit ("A definition for option … is not of type …"): a
    string for `types.bool`, a value outside an `enum`, a list for `types.str`, a
    property left inside another (`lib.mkForce (lib.mkIf c x)`: put `mkIf` outside).
    Reported only for options declared in the linted tree, whose types are known, and
    values that are known.

    Bad:

        options.services.myapp.mode = lib.mkOption { type = lib.types.enum [ "fast" "safe" ]; };
        services.myapp.mode = "quick";

    Good:

        services.myapp.mode = "fast";
    """
    for option in ctx.config.declarations:
        if not ctx.config.definitions_within(option):
            continue   # only its default: reported where a definition is written
        refusal = ctx.config.resolve(option).refusal
        if refusal is None or refusal.kind != "type" or not refusal.defs:
            continue
        definition = refusal.defs[0]
        value = v.to_python(definition.value)
        shown = nix_literal(value) if not isinstance(value, v.UnknownValue) else v.force(definition.value).span.text \
            if v.force(definition.value).span is not None else "this value"
        yield ctx.finding(definition.span, f"{format_option(refusal.loc)} is {shown} here{ctx.on}, which NixOS "
                                           f"refuses: {refusal}")
