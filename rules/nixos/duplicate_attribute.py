"""NX001 duplicate-attribute."""
from __future__ import annotations

from stereos_lint.checking.rule import FileContext, rule
from stereos_lint.nix.duplicate_attributes import duplicate_attributes


@rule("NX001", "duplicate-attribute", severity="error", scope="file",
      summary="an attribute is defined twice in one attribute set")
def check(ctx: FileContext):
    """Nix refuses to evaluate a set that defines the same attribute twice
    ("attribute 'x' already defined"), including through a dotted path and a
    nested set (`a.b = 1; a = { b = 2; };`).  Merging `a.b = 1;` with
    `a = { c = 2; };` is fine, but two sets merge one level deep only:
    `a.b.c = 1; a = { b.d = 2; };` defines `a.b` twice.

    Bad:

        { networking.firewall.enable = true; networking.firewall = { enable = false; }; }

    Good:

        { networking.firewall = { enable = false; allowedTCPPorts = [ 22 ]; }; }
    """
    for duplicate in duplicate_attributes(ctx.parsed):
        yield ctx.finding(duplicate.span, f"{duplicate.name} is already defined on line {duplicate.first.line} of "
                                          "this set; Nix refuses to evaluate a set that defines an attribute twice")
