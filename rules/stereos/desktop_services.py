"""ST124 desktop-services-disabled."""
from stereos_lint.rule import ConfigContext, expect_value, rule

REQUIRED = {
    "xdg.portal.enable": "desktop portals serve no headless agent",
    "programs.command-not-found.enable": "it runs a nix-index look-up on every unknown command",
    "nix.channel.enable": "there is no channel to update and no reason for the channel job",
    "users.mutableUsers": "an immutable user database saves the passwd/shadow regeneration at boot",
}


@rule("ST124", "desktop-services-disabled", severity="error", fixable=True,
      summary="xdg portals, command-not-found, nix channels and mutable users are off")
def check(ctx: ConfigContext):
    """Desktop portals, command-not-found's nix-index look-ups, the nix
    channel infrastructure and the activation step that regenerates
    passwd/shadow for mutable users all cost boot time (or closure size) and
    serve nothing in a headless, flake-built, ephemeral sandbox.

    Bad:

        users.mutableUsers = true;

    Good:

        xdg.portal.enable = false;
        programs.command-not-found.enable = false;
        nix.channel.enable = false;
        users.mutableUsers = false;
    """
    for option, why in REQUIRED.items():
        yield from expect_value(ctx, option, False, why, siblings=REQUIRED)
