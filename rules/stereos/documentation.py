"""ST123 documentation-disabled."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY = "documentation adds closure size and build time, and an ephemeral sandbox reads no manuals"

OPTIONS = (
    "documentation.enable",
    "documentation.man.enable",
    "documentation.nixos.enable",
    "documentation.info.enable",
    "documentation.doc.enable",
)


@rule("ST123", "documentation-disabled", severity="error", fixable=True,
      summary="documentation, man, nixos, info and doc are all disabled")
def check(ctx: ConfigContext):
    """Documentation generation (man pages, the NixOS manual, info pages,
    package docs) adds significant closure size and build time; an ephemeral
    agent sandbox has no use for it.  Each of the five switches is required
    to be written as false, so that no default or other module turns one
    back on; a missing one is reported next to its written siblings.

    Bad:

        documentation.enable = false;
        documentation.nixos.enable = true;

    Good:

        documentation.enable = false;
        documentation.man.enable = false;
        documentation.nixos.enable = false;
        documentation.info.enable = false;
        documentation.doc.enable = false;
    """
    for option in OPTIONS:
        yield from expect_value(ctx, option, False, WHY, siblings=OPTIONS)
