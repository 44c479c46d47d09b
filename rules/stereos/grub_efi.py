"""ST101 grub-efi-removable."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY_UEFI = "aarch64 has no BIOS, so stereOS boots through UEFI only"
WHY_REMOVABLE = ("the removable install puts GRUB at /EFI/BOOT/BOOTAA64.EFI (BOOTX64.EFI on x86_64), "
                 "the fallback path QEMU's UEFI firmware searches")
WHY_NODEV = "\"nodev\" means no MBR install: the image is EFI-only"

GRUB = "boot.loader.grub"
SIBLINGS = [f"{GRUB}.{name}" for name in ("enable", "efiSupport", "efiInstallAsRemovable", "device")]


@rule("ST101", "grub-efi-removable", severity="error", fixable=True,
      summary="GRUB is enabled with EFI support, installed as removable, on device \"nodev\"")
def check(ctx: ConfigContext):
    """aarch64 has no BIOS: stereOS boots through UEFI only.  GRUB must be
    enabled with `efiSupport`, and installed as removable so that it lands at
    `/EFI/BOOT/BOOTAA64.EFI` (`BOOTX64.EFI` on x86_64), the fallback path QEMU's
    UEFI firmware searches.  `device = "nodev"` means no MBR install.

    Bad:

        boot.loader.grub = {
          enable = false;
          efiInstallAsRemovable = false;
          device = "nodev";
        };

    Good:

        boot.loader.grub = {
          enable = true;
          efiSupport = true;
          efiInstallAsRemovable = true;
          device = "nodev";
        };
    """
    yield from expect_value(ctx, f"{GRUB}.enable", True, WHY_UEFI, siblings=SIBLINGS)
    yield from expect_value(ctx, f"{GRUB}.efiSupport", True, WHY_UEFI, siblings=SIBLINGS)
    yield from expect_value(ctx, f"{GRUB}.efiInstallAsRemovable", True, WHY_REMOVABLE, siblings=SIBLINGS)
    yield from expect_value(ctx, f"{GRUB}.device", "nodev", WHY_NODEV, siblings=SIBLINGS)
