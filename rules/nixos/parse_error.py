"""NX000 parse-error."""
from stereos_lint.checking.rule import FileContext, rule
from stereos_lint.nix.parse_refusals import parse_refusals


@rule("NX000", "parse-error", severity="error", scope="file",
      summary="the file does not parse as Nix")
def check(ctx: FileContext):
    """The file is not valid Nix: Nix would refuse to evaluate it, so nothing in it
    can be checked.  The finding points at the first syntax error; every other file
    is still linted.

    Valid Nix is never reported here, including the trailing comma in a
    function's formals that nixfmt writes (tree-sitter-nix 0.1.0 rejects it).
    What Nix refuses when parsing beyond its grammar is: a name computed when the
    set is made in `let` or `inherit`, a function argument named twice.

    Bad:

        { pkgs, ... }: { environment.systemPackages = [ pkgs.git ] }

    Good:

        { pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }
    """
    if ctx.parsed.error is not None:
        yield ctx.finding(ctx.parsed.error, ctx.parsed.error_message)
    for span, message in parse_refusals(ctx.parsed):
        yield ctx.finding(span, f"{message}: Nix refuses to parse the file")
