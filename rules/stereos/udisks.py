"""ST122 udisks2-disabled."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY = "a single-disk VM has no removable media to auto-mount"


@rule("ST122", "udisks2-disabled", severity="error", fixable=True,
      summary="services.udisks2.enable is false")
def check(ctx: ConfigContext):
    """udisks2 auto-mounts removable media.  A stereOS VM has a single virtio
    block device and no removable media, so the daemon only adds a unit to
    the boot graph.

    Bad:

        services.udisks2.enable = true;

    Good:

        services.udisks2.enable = false;
    """
    yield from expect_value(ctx, "services.udisks2.enable", False, WHY)
