"""ST121 polkit-disabled."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY = "stereOS is headless and runs no desktop policy daemon"


@rule("ST121", "polkit-disabled", severity="error", fixable=True,
      summary="security.polkit.enable is false")
def check(ctx: ConfigContext):
    """polkit is a desktop-policy daemon.  stereOS is headless and has no GUI
    tooling that would ask it anything, so it is one more unit and D-Bus
    service on the boot path for nothing.

    Bad:

        security.polkit.enable = true;

    Good:

        security.polkit.enable = false;
    """
    yield from expect_value(ctx, "security.polkit.enable", False, WHY)
