"""NX100 unused-suppression."""
from stereos_lint.checking.rule import rule


@rule("NX100", "unused-suppression", severity="warning", scope="meta",
      summary="a `# stereos-lint: disable=…` comment suppresses nothing")
def check(ctx):
    """A suppression comment whose finding is gone (fixed, moved, or a typo in the
    code) hides nothing today and may hide a real finding tomorrow.  The engine
    reports it after applying every suppression; only codes of rules that ran are
    judged.  Turn this off with `--ignore NX100`.

    Bad:

        # stereos-lint: disable=ST120
        networking.firewall.enable = lib.mkForce false;

    Good:

        networking.firewall.enable = lib.mkForce false;
    """
    return ()
