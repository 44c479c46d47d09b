"""NX005 update-drops-definitions."""
from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.checking.rule import FileContext, lib_in_scope, rule
from stereos_lint.nix import values as v

KINDS = {v.If: "lib.mkIf", v.Merge: "lib.mkMerge", v.Override: "lib.mkOverride", v.Order: "lib.mkOrder"}


@rule("NX005", "update-drops-definitions", severity="warning", scope="file", fixable=True,
      summary="`//` with a lib.mkIf/mkMerge/mkOverride value: the module system keeps only that value")
def check(ctx: FileContext):
    """A `lib.mkIf`, `mkMerge`, `mkOverride` (`mkForce`, `mkDefault`) or `mkOrder`
    value is an attribute set the module system reads by its `_type`; `//` merges
    sets shallowly, so `lib.mkIf c { a = 1; } // { b = 2; }` is the mkIf with an
    extra attribute nobody reads: `b` is silently dropped (and with the property on
    the right, everything on the left is).  NixOS accepts it; the configuration is
    just not what it says.  The fix writes `lib.mkMerge [ (…) (…) ]`, which keeps
    both.  Found where the linter evaluates the module (in a system, or a fragment
    it evaluates).

    Bad:

        config = lib.mkIf cfg.enable { services.a.enable = true; } // { services.b.enable = true; };

    Good:

        config = lib.mkMerge [ (lib.mkIf cfg.enable { services.a.enable = true; }) { services.b.enable = true; } ];
    """
    seen = set()
    for module in ctx.modules():
        for update in module.dropped_updates:
            key = (update.span.start, update.span.end)
            if key in seen:
                continue
            seen.add(key)
            kept = update.right if update.property_side == "right" else update.left
            lost = update.left if kept is update.right else update.right
            side, other = ("left", "right") if kept is update.left else ("right", "left")
            if type(lost) in KINDS:   # `mkIf a { … } // mkIf b { … }`: the whole left one goes
                dropped = f"the {KINDS[type(lost)]} value on its {other} is dropped"
            else:
                names = " ".join(sorted(lost.attrs)) if isinstance(lost, v.AttrsV) else "whatever it holds"
                dropped = f"what the {other} side adds ({names}) is dropped"
            yield ctx.finding(
                update.span,
                f"`//` keeps only the {_kind(kept)} value on its {side}: the module system reads it by its "
                f"`_type`, so {dropped}; lib.mkMerge [ … ] keeps both", _fix(update))


def _kind(value) -> str:
    return KINDS.get(type(value), "property")


def _fix(update) -> Fix | None:
    left, right = update.left.span, update.right.span
    if left is None or right is None or not lib_in_scope(update.span.source):
        return None
    if left.source is not update.span.source or right.source is not update.span.source:
        return None
    text = f"lib.mkMerge [ ({left.text}) ({right.text}) ]"
    return Fix("merge both with lib.mkMerge", (Edit(update.span, text),))
