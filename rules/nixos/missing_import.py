"""NX003 missing-import."""
from stereos_lint.checking.rule import FileContext, rule


@rule("NX003", "missing-import", severity="error", scope="file",
      summary="an imports entry points to a file or folder that does not exist")
def check(ctx: FileContext):
    """`imports = [ ./hardware.nix ];` fails evaluation when the file is gone
    (renamed, not committed, a typo).  A folder is imported through its
    `default.nix`, which must exist too.  Entries that cannot be resolved
    statically (`"${modulesPath}/profiles/qemu-guest.nix"`) are not checked.
    The file's modules are read from the evaluations it is part of, a system's
    or its own as a fragment.

    Bad:

        imports = [ ./hardwre-configuration.nix ];

    Good:

        imports = [ ./hardware-configuration.nix ];
    """
    reported = set()
    for module in ctx.modules():
        for entry in module.imports:
            if entry.path is not None and not entry.exists and entry.span is not None \
                    and (entry.span.start, entry.span.end) not in reported:
                reported.add((entry.span.start, entry.span.end))
                yield ctx.finding(entry.span, f"imports entry {entry.written} points to {entry.path}, "
                                              "which does not exist")
