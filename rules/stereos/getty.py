"""ST201 no-getty."""
from stereos_lint.checking.rule import ConfigContext, expect_value, rule

WHY = "stereOS has no interactive login on a TTY or serial console, and every getty is a unit in the boot graph"

UNITS = ('systemd.services."getty@".enable',
         'systemd.services."serial-getty@".enable',
         'systemd.services."autovt@".enable')


@rule("ST201", "no-getty", severity="error", fixable=True,
      reads=("services.getty.autologinUser", *UNITS),
      summary='no autologin user, and the getty@, serial-getty@ and autovt@ units disabled')
def check(ctx: ConfigContext):
    """stereOS is headless: nobody logs in on a virtual terminal or on the
    serial console (the host talks to stereosd over vsock).  No autologin
    user, and the `getty@`, `serial-getty@` and `autovt@` template units
    disabled, removes several units from the boot graph.  A missing unit is
    reported next to the units that are written.

    Bad:

        services.getty.autologinUser = "admin";
        systemd.services."getty@".enable = false;

    Good:

        services.getty.autologinUser = lib.mkForce null;
        systemd.services."getty@".enable = lib.mkForce false;
        systemd.services."serial-getty@".enable = lib.mkForce false;
        systemd.services."autovt@".enable = lib.mkForce false;
    """
    yield from expect_value(ctx, "services.getty.autologinUser", None, WHY, siblings=UNITS)
    for option in UNITS:
        yield from expect_value(ctx, option, False, WHY, siblings=UNITS)
