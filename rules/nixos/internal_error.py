"""NX999 internal-error."""
from stereos_lint.checking.rule import rule


@rule("NX999", "internal-error", severity="error", scope="meta",
      summary="the linter failed on one system or file; everything else was still linted")
def check(ctx):
    """The linter itself failed while evaluating a system or a file, or while one
    rule judged it.  The finding names the file and the error, and the run went on:
    every other system and file was linted as usual, but this one may be judged
    incompletely.  It is a bug in stereos-lint, not in your configuration: please
    report it with the file that triggers it.
    """
    return ()
