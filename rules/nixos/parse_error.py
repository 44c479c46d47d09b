"""NX000 parse-error."""
from stereos_lint.checking.findings import Severity
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
    The pipe operators `|>` and `<|` are valid only where Nix's experimental
    `pipe-operators` feature is on, which the file does not say: the finding is
    then "cannot verify" (info), and the file is not checked further.
    What Nix refuses when parsing beyond its grammar is: a name computed when the
    set is made in `let` or `inherit`, a function argument named twice.

    Bad:

        { pkgs, ... }: { environment.systemPackages = [ pkgs.git ] }

    Good:

        { pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }
    """
    error = ctx.parsed.error
    if error is not None and _pipe_operator_at(ctx.parsed.source.data, error.start):
        yield ctx.finding(error, f"cannot verify this file: {_PIPE}", severity=Severity.INFO)
    elif error is not None:
        yield ctx.finding(error, ctx.parsed.error_message)
    for span, message in parse_refusals(ctx.parsed):
        yield ctx.finding(span, f"{message}: Nix refuses to parse the file")


_PIPE = ("`|>` and `<|` are Nix's experimental pipe operators, which Nix refuses unless the pipe-operators "
         "feature is enabled, and which the linter's grammar cannot read: nothing else in it is checked")


def _pipe_operator_at(data: bytes, at: int) -> bool:
    """Whether the syntax error is the `|` of a pipe operator (tree-sitter-nix stops there)."""
    return data[at:at + 1] == b"|" and (data[at + 1:at + 2] == b">" or data[at - 1:at] == b"<")
