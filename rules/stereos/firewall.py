"""ST120 firewall-disabled."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY = "isolation is enforced at the VM boundary"


@rule("ST120", "firewall-disabled", severity="error", fixable=True,
      summary="networking.firewall.enable is false, forced with lib.mkForce")
def check(ctx: ConfigContext):
    """Isolation is enforced at the VM boundary: the host controls what reaches
    the VM.  A firewall inside the guest only adds the iptables/nftables
    rule-loading unit to the boot critical path.  The value must be forced
    (`lib.mkForce`) so that no other module's plain `true` can turn it back on.

    Bad:

        networking.firewall.enable = lib.mkForce true;

    Good:

        networking.firewall.enable = lib.mkForce false;
    """
    yield from expect_value(ctx, "networking.firewall.enable", False, WHY, max_priority=50)
