"""ST107 grow-partition."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY = "the root file system is resized on first boot, and the partition must grow with it"


@rule("ST107", "grow-partition", severity="error", fixable=True,
      summary="boot.growPartition = true")
def check(ctx: ConfigContext):
    """The image's root file system is resized on first boot to fill the VM's
    disk; the partition under it must grow first, or the resize has no room.

    Bad:

        boot.growPartition = false;

    Good:

        boot.growPartition = true;
    """
    yield from expect_value(ctx, "boot.growPartition", True, WHY,
                            siblings=["boot.kernelParams", "boot.loader.grub"])
