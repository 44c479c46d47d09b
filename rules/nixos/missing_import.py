"""NX003 missing-import."""
import os

from stereos_lint.checking.rule import FileContext, rule
from stereos_lint.systems.discovery import repository_root_of_file


@rule("NX003", "missing-import", severity="error", scope="file",
      summary="an imports entry points to a file or folder that does not exist")
def check(ctx: FileContext):
    """`imports = [ ./hardware.nix ];` fails evaluation when the file is gone
    (renamed, not committed, a typo).  A folder is imported through its
    `default.nix`, which must exist too.  Entries that cannot be resolved
    statically (`"${modulesPath}/profiles/qemu-guest.nix"`) are not checked, nor
    are paths outside the repository (`/etc/nixos/hardware-configuration.nix`,
    which an impure build reads from the machine it runs on: whether that file
    exists is not known here).
    The file's modules are read from the evaluations it is part of, a system's
    or its own as a fragment; a system's own `modules = [ … ]` list is checked
    in the file that writes it.

    Bad:

        imports = [ ./hardwre-configuration.nix ];

    Good:

        imports = [ ./hardware-configuration.nix ];
    """
    reported = set()
    if ctx.project is not None:   # a system's own list of modules, written in this file
        for ref, names in ctx.project.missing_modules(ctx.parsed.source.path):
            systems = f"system{'s' if len(names) > 1 else ''} {', '.join(names)}"
            yield ctx.finding(ref.span, f"modules entry {ref.text} of {systems} points to {ref.path}, "
                                        "which does not exist")
    for module in ctx.modules():
        for entry in module.imports:
            # (one written entry may name several files: `map (n: ./${n}) (attrNames (readDir ./.))`)
            where = (entry.span.start, entry.span.end, entry.path) if entry.span is not None else None
            if entry.path is not None and not entry.exists and where is not None \
                    and not _elsewhere(entry, repository_root_of_file(ctx.parsed.source.path)) \
                    and where not in reported:
                reported.add(where)
                yield ctx.finding(entry.span, f"imports entry {entry.written} points to {entry.path}, "
                                              "which does not exist")


def _elsewhere(entry, root: str | None) -> bool:
    """Whether the entry names a file outside the repository (outside any repository: one
    written as an absolute path)."""
    if root is None:
        return entry.written.lstrip('"').startswith("/")
    return os.path.commonpath([os.path.abspath(entry.path), root]) != root

