"""NX008 unsupported-module-attribute."""
from stereos_lint.checking.rule import FileContext, rule


@rule("NX008", "unsupported-module-attribute", severity="error", scope="file",
      summary="a module with an explicit config or options also sets other attributes at its top")
def check(ctx: FileContext):
    """A module either sets its options at its top (`{ boot.x = …; }`) or, once it has a
    `config` or `options` attribute, under `config` only: NixOS refuses a module that
    mixes both ("Module … has an unsupported attribute `boot'. This is caused by
    introducing a top-level `config' or `options' attribute.").  Beside them a module
    may hold only `imports`, `disabledModules`, `key`, `_file`, `_class`, `meta` and
    `freeformType`.  Judged where the file is a module of a system -- or a root standing in
    for one, where it is written as a module function (`{ config, lib, ... }:`); a file
    no system contains may be no module at all (a library with an `options` attribute).

    Bad:

        { config, lib, ... }: {
          config.programs.git.enable = true;
          boot.loader.timeout = 1;
        }

    Good:

        { config, lib, ... }: {
          config.programs.git.enable = true;
          config.boot.loader.timeout = 1;
        }
    """
    reported = set()
    # A root standing in for a system is a guess: judged where its file is written as a
    # module function, called with more arguments than it names (`{ config, ... }:`).
    modules = ctx.modules(of_systems=True, guessed=_written_as_a_module(ctx.parsed))
    for module in modules:
        here = [(name, span) for name, span in module.unsupported
                if span is not None and span.path == ctx.parsed.source.path]
        if not here or (here[0][1].start, here[0][1].end) in reported:
            continue
        reported.add((here[0][1].start, here[0][1].end))
        names = ", ".join(name for name, _ in here)
        yield ctx.finding(here[0][1], f"{here[0][0]} is set beside the module's explicit config/options: NixOS "
                                      f"refuses the module (\"unsupported attribute `{here[0][0]}'\"); move "
                                      f"{names} into config")


def _written_as_a_module(parsed) -> bool:
    """A function of a set pattern taking more than it names (`{ config, lib, ... }:`)."""
    function = parsed.root.child_by_field_name("expression") if parsed.root is not None else None
    formals = function.child_by_field_name("formals") if function is not None \
        and function.type == "function_expression" else None
    return formals is not None and any(child.type == "ellipses" for child in formals.named_children)
