"""NX003 missing-import."""
from stereos_lint.checking.rule import ConfigContext, rule


@rule("NX003", "missing-import", severity="error",
      summary="an imports entry points to a file or folder that does not exist")
def check(ctx: ConfigContext):
    """`imports = [ ./hardware.nix ];` fails evaluation when the file is gone
    (renamed, not committed, a typo).  A folder is imported through its
    `default.nix`, which must exist too.  Entries that cannot be resolved
    statically (`"${modulesPath}/profiles/qemu-guest.nix"`) are not checked.

    Bad:

        imports = [ ./hardwre-configuration.nix ];

    Good:

        imports = [ ./hardware-configuration.nix ];
    """
    for module in ctx.config.modules:
        for entry in module.imports:
            if entry.path is not None and not entry.exists:
                yield ctx.finding(entry.span, f"imports entry {entry.written} points to {entry.path}, "
                                              "which does not exist")
