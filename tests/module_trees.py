"""Random NixOS module trees for the differential test against the real module system.

A tree is 1-5 files of modules: options declared with types and defaults (bool, int,
str, lines, enum, listOf, attrsOf, nullOr, submodule, attrsOf submodule, none), some
with `apply`; definitions at every priority, under `mkIf` (true, false, `config.X`, or
a condition the linter cannot know), `mkMerge`, `mkOrder`; values that read `config.X`;
nested and shared `imports`, `disabledModules`, modules deduplicated by `key`; short and
full form.  Every tree is valid Nix; some are refused by the module system (conflicts,
type errors, undefined options), which both sides must agree on.

`not_modelled` says the tree uses a construct README "Limits" lists as not modelled
(`builtins.getEnv`): there, an unknown value is not a disagreement.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

SUB_TYPE = ("lib.types.submodule { options.x = lib.mkOption { type = lib.types.int; default = 0; }; "
            "options.y = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; }; }")
KINDS = {
    "bool": "lib.types.bool",
    "int": "lib.types.int",
    "str": "lib.types.str",
    "lines": "lib.types.lines",
    "enum": 'lib.types.enum [ "a" "b" "c" ]',
    "list": "lib.types.listOf lib.types.str",
    "attrs": "lib.types.attrsOf lib.types.int",
    "null": "lib.types.nullOr lib.types.str",
    "sub": SUB_TYPE,
    "subs": f"lib.types.attrsOf ({SUB_TYPE})",
    "sublist": f"lib.types.listOf ({SUB_TYPE})",
    "lazyattrs": "lib.types.lazyAttrsOf lib.types.int",
    "commas": "lib.types.commas",
    "either": "lib.types.either lib.types.int lib.types.str",
    "uniq": "lib.types.uniq lib.types.int",
    "anything": "lib.types.anything",
    "untyped": None,
}
PRIORITIES = ["lib.mkForce", "lib.mkDefault", "lib.mkOptionDefault", "lib.mkVMOverride", "lib.mkOverride 900",
              "lib.mkOverride 100", "lib.mkOverride 50", "lib.mkImageMediaOverride"]
UNDECIDABLE = 'builtins.getEnv "STEREOS_LINT_ORACLE_UNSET" != ""'


@dataclass
class Tree:
    files: dict[str, str]
    top: list[str]
    options: dict[str, str]                  # option path -> kind
    not_modelled: bool = False
    notes: list[str] = field(default_factory=list)


class TreeGen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    # -- values ---------------------------------------------------------------------------------

    def value(self, kind: str) -> str:
        r = self.rng
        if kind == "bool":
            return r.choice(["true", "false"])
        if kind in ("int", "uniq"):
            return str(r.randint(0, 4))
        if kind in ("str", "lines", "commas"):
            return f'"{r.choice("abc")}"'
        if kind == "enum":
            return f'"{r.choice("abcz" if r.random() < 0.1 else "abc")}"'
        if kind == "list":
            return "[ " + " ".join(f'"{r.choice("abcde")}"' for _ in range(r.randint(0, 3))) + " ]"
        if kind in ("attrs", "lazyattrs"):
            names = sorted(r.sample("pqr", r.randint(1, 2)))
            return "{ " + " ".join(f"{n} = {self.maybe_wrapped('int', 1)};" for n in names) + " }"
        if kind == "sublist":
            return "[ " + " ".join(f"({self.value('sub')})" for _ in range(r.randint(0, 2))) + " ]"
        if kind == "either":
            return r.choice([str(r.randint(0, 2)), '"a"', '"b"'])
        if kind == "anything":
            return r.choice(["1", '"a"', "true", "{ p = 1; }", "{ q = { r = 2; }; }", '[ "l" ]'])
        if kind == "null":
            return r.choice(["null", '"a"', '"b"'])
        if kind == "sub":
            parts = []
            if r.random() < 0.7:
                parts.append(f"x = {self.maybe_wrapped('int', 1)};")
            if r.random() < 0.6:
                parts.append(f"y = {self.maybe_wrapped('list', 1)};")
            return "{ " + " ".join(parts) + " }"
        if kind == "subs":
            names = sorted(r.sample("pq", r.randint(1, 2)))
            return "{ " + " ".join(f"{n} = {self.value('sub')};" for n in names) + " }"
        if kind == "untyped":
            return r.choice(["true", "false", '[ "u" ]'])
        raise ValueError(kind)

    def maybe_wrapped(self, kind: str, depth: int) -> str:
        return self.wrapped(kind, depth) if self.rng.random() < 0.25 else self.value(kind)

    def wrapped(self, kind: str, depth: int, condition=None) -> str:
        """A definition value: plain, or under properties."""
        r = self.rng
        if depth <= 0 or r.random() < 0.4:
            return self.value(kind)
        choice = r.random()
        inner = self.wrapped(kind, depth - 1, condition)
        if choice < 0.35:
            return f"{r.choice(PRIORITIES)} ({inner})"
        if choice < 0.6:
            return f"lib.mkIf ({condition() if condition else r.choice(['true', 'false'])}) ({inner})"
        if choice < 0.75:
            second = self.wrapped(kind, depth - 1, condition)
            return f"lib.mkMerge [ ({inner}) ({second}) ]"
        if kind == "list":
            return r.choice(["lib.mkBefore", "lib.mkAfter", "lib.mkOrder 1200", "lib.mkOrder 700"]) + f" ({inner})"
        return f"lib.mkDefault ({inner})"

    # -- trees ----------------------------------------------------------------------------------

    def tree(self) -> Tree:
        r = self.rng
        count = r.randint(1, 5)
        names = [f"m{i}.nix" for i in range(count)]
        options: dict[str, str] = {}
        for i in range(r.randint(1, 5)):
            name = f"o{i}" if r.random() < 0.75 else f"g.o{i}"
            options[name] = r.choice(list(KINDS))
        bools = [o for o, k in options.items() if k == "bool"]
        tree = Tree({}, ["m0.nix"], options)

        def condition_for(option: str):
            earlier = [b for b in bools if list(options).index(b) < list(options).index(option)]

            def condition() -> str:
                roll = r.random()
                if earlier and roll < 0.3:
                    return f"config.{r.choice(earlier)}"
                if roll < 0.37:
                    tree.not_modelled = True
                    return UNDECIDABLE
                return r.choice(["true", "false"])
            return condition

        # which files import which (a DAG: lower to higher), a few disabled or deduplicated
        imports: dict[str, list[str]] = {n: [] for n in names}
        for i, name in enumerate(names[1:], 1):
            parent = names[r.randrange(0, i)]
            imports[parent].append(name)
            if r.random() < 0.2 and i + 1 < count:
                imports[names[r.randrange(0, i)]].append(names[r.randrange(i, count)])   # shared
        disabled: dict[str, list[str]] = {n: [] for n in names}
        keyed: set[str] = set()
        if count >= 3 and r.random() < 0.3:
            target = names[r.randrange(1, count)]
            disabled[names[0]].append(target)
        if count >= 3 and r.random() < 0.2:
            keyed.update(r.sample(names[1:], 2))
        for index, name in enumerate(names):
            defs = []
            for option, kind in options.items():
                if r.random() < 0.55:
                    value = self.wrapped(kind, 2, condition_for(option))
                    if r.random() < 0.08:
                        others = [o for o, k in options.items() if k == kind and
                                  list(options).index(o) < list(options).index(option)]
                        if others:
                            value = f"config.{r.choice(others)}"
                            if kind in ("sub", "subs", "attrs", "lazyattrs", "sublist", "anything"):
                                # a read of a set whose members NixOS may refuse: not modelled
                                tree.not_modelled = True
                    defs.append((option, value))
            declarations = [(o, k) for o, k in options.items()] if index == 0 else []
            tree.files[name] = self.module(name, defs, declarations, imports[name], disabled[name],
                                           "k" if name in keyed else None, lambda: r.choice(["true", "false"]))
        return tree

    def module(self, name, defs, declarations, imports, disabled, key, condition) -> str:
        r = self.rng
        lines = []
        if imports:
            lines.append("imports = [ " + " ".join(f"./{i}" for i in imports) + " ];")
        if disabled:
            lines.append("disabledModules = [ " + " ".join(f"./{d}" for d in disabled) + " ];")
        if key:
            lines.append(f'key = "{key}";')
        body = " ".join(f"{option} = {value};" for option, value in defs)
        if declarations or r.random() < 0.4:
            for option, kind in declarations:
                parts = []
                type_ = KINDS[kind]
                if type_ is not None:
                    parts.append(f"type = {type_};")
                if r.random() < 0.65:
                    parts.append(f"default = {self.value(kind)};")
                if r.random() < 0.12:
                    parts.append({"int": "apply = x: x + 1;", "str": 'apply = x: x + "!";',
                                  "list": 'apply = x: x ++ [ "z" ];'}.get(kind, ""))
                lines.append(f"options.{option} = lib.mkOption {{ {' '.join(parts)} }};")
            config = "{ " + body + " }"
            if defs and r.random() < 0.2:
                config = f"lib.mkIf ({condition()}) {config}"
            lines.append(f"config = {config};")
        else:
            lines.append(body)
        return "{ lib, config, ... }:\n{\n  " + "\n  ".join(line for line in lines if line) + "\n}\n"


def trees(count: int, seed: int) -> list[Tree]:
    generator = TreeGen(seed)
    return [generator.tree() for _ in range(count)]
