"""The evaluator against the real module system: random module trees (tests/module_trees.py)
evaluated by stereos-lint (`eval --module`, in process) and by nixpkgs' `lib.evalModules`
run by `nix-instantiate`, compared value by value -- and error by error: where the
module system refuses an option, so must the linter."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from module_trees import Tree, trees
from oracle import NIXPKGS_LIB, require_oracle
from stereos_lint.interfaces.explain_value import records
from stereos_lint.systems.project import Project
from stereos_lint.systems.system import FILE, ModuleRef, System

TREES = int(os.environ.get("STEREOS_LINT_ORACLE_TREES", "2000"))
BATCH = 200


def write(tree: Tree, root: Path) -> None:
    root.mkdir(parents=True)
    for name, text in tree.files.items():
        (root / name).write_text(text)


def ours(tree: Tree, root: Path) -> dict[str, dict]:
    files = [str(root / name) for name in tree.files]
    system = System("tree", None, None, [ModuleRef(FILE, name, str(root / name)) for name in tree.top],
                    origin="configured")
    project = Project(files, configured=[system])
    out = {}
    for option in tree.options:
        [record] = records(project, option)
        out[option] = record
    return out


def oracle(batch: list[tuple[Tree, Path]]) -> list[dict]:
    def tree_expression(tree: Tree, root: Path) -> str:
        modules = " ".join(str(root / name) for name in tree.top)
        checks = " ".join(f'"{option}" = check (lib.attrByPath [ {" ".join(chr(34) + p + chr(34) for p in option.split("."))} ] null config);'
                          for option in tree.options)
        return f"(let config = (lib.evalModules {{ modules = [ {modules} ]; }}).config; in {{ {checks} }})"
    expression = (f"let lib = import {NIXPKGS_LIB}; "
                  "check = x: let r = builtins.tryEval (builtins.deepSeq x x); in "
                  "if r.success then { ok = r.value; } else { error = true; }; in [ "
                  + " ".join(tree_expression(tree, root) for tree, root in batch) + " ]")
    env = {k: v for k, v in os.environ.items() if k != "STEREOS_LINT_ORACLE_UNSET"}
    done = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expression],
                          capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def compare(tree: Tree, mine: dict[str, dict], theirs: dict[str, dict]) -> list[str]:
    problems = []
    for option in tree.options:
        record, truth = mine[option], theirs[option]
        value = record.get("value")
        unknown = _has_unknown(value)
        if "error" in truth:
            if record.get("error") or not record.get("defined"):
                continue
            if unknown and tree.not_modelled:
                continue
            problems.append(f"{option}: NixOS refuses it; stereos-lint says {json.dumps(value)}")
            continue
        if record.get("error") or not record.get("defined"):
            problems.append(f"{option}: NixOS gives {json.dumps(truth['ok'])}; stereos-lint says "
                            f"{record.get('error') or 'not defined'}")
        elif unknown:
            if not tree.not_modelled:
                problems.append(f"{option}: NixOS gives {json.dumps(truth['ok'])}; stereos-lint cannot know "
                                f"{json.dumps(value)}")
        elif value != truth["ok"]:
            problems.append(f"{option}: NixOS gives {json.dumps(truth['ok'])}; stereos-lint says {json.dumps(value)}")
    return problems


def _has_unknown(value) -> bool:
    if isinstance(value, dict):
        return set(value) == {"unknown"} or any(_has_unknown(x) for x in value.values())
    if isinstance(value, list):
        return any(_has_unknown(x) for x in value)
    return False


def test_eval_agrees_with_lib_eval_modules_on_random_trees(tmp_path):
    require_oracle()
    generated = trees(TREES, seed=20261130)
    compared = 0
    stats = {"refused": 0, "unknown": 0}
    failures = []
    for start in range(0, len(generated), BATCH):
        batch = [(tree, tmp_path / f"t{start + i}") for i, tree in enumerate(generated[start:start + BATCH])]
        for tree, root in batch:
            write(tree, root)
        for (tree, root), truth in zip(batch, oracle(batch)):
            mine = ours(tree, root)
            problems = compare(tree, mine, truth)
            compared += len(tree.options)
            stats["refused"] += sum(1 for o in tree.options if "error" in truth[o] and mine[o].get("error"))
            stats["unknown"] += sum(1 for o in tree.options if _has_unknown(mine[o].get("value")))
            if problems:
                failures.append((root, problems))
    print(f"{len(generated)} trees, {compared} values compared, {stats['refused']} refused by both, "
          f"{stats['unknown']} unknown where a construct is not modelled")
    # The generator reaches what it must: values, refusals, and few unknowns.
    assert stats["refused"] > compared // 20 and stats["unknown"] < compared // 10
    report = "\n".join(f"{root}:\n  " + "\n  ".join(problems) + "\n" +
                       "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(root.glob('*.nix')))
                       for root, problems in failures[:5])
    assert not failures, f"{len(failures)} of {len(generated)} trees disagree ({compared} values):\n{report}"


# -- the NX rules' error claims, checked by the module system itself -------------------------------

RULES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
# NixOS options the fixtures define besides their own, declared loosely: only the fixtures'
# own options can then be refused, by their own declarations.
STUBS = ("{ lib, ... }: { options.services.pipewire.enable = lib.mkOption { }; "
         "options.services.nginx = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; }; "
         "options.systemd.services = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; }; "
         "options.networking.firewall.enable = lib.mkOption { }; "
         "options.warnings = lib.mkOption { default = [ ]; }; options.assertions = lib.mkOption { default = [ ]; }; }")
CLAIMS = [   # (module, option read, whether NixOS accepts it, the rule that says it does not)
    ("NX002/conflict/vm.nix", "services.myapp.port", False, "NX002"),
    ("NX002/agree/vm.nix", "services.myapp.port", True, "NX002"),
    ("NX002/bool-by-or/host.nix", "services.myapp.debug", True, "NX002"),
    ("NX002/same-file-paths/host.nix", "services.myapp.secretsFile", True, "NX002"),
    ("NX002/merge-as-module/host.nix", "services.myapp.port", True, "NX002"),
    ("NX006/typo/phone.nix", "hardware", False, "NX006"),
    ("NX006/declared/phone.nix", "hardware", True, "NX006"),
    ("NX006/extended-enable/host.nix", "services.myapp", False, "NX006"),
    ("NX006/unknown-declaration/host.nix", "services.myapp", True, "NX006"),
    ("NX006/nixos-namespace-set-form/host.nix", "networking.firewall", True, "NX006"),
    ("NX006/renamed/host.nix", "services.myapp", True, "NX006"),
    ("NX007/outside-enum/myapp.nix", "services.myapp.mode", False, "NX007"),
    ("NX007/outside-enum/myapp.nix", "services.myapp.workers", False, "NX007"),
    ("NX007/inside-enum/myapp.nix", "services.myapp", True, "NX007"),
    ("NX008/mixed/server.nix", "services.myapp", False, "NX008"),
    ("NX008/explicit/server.nix", "services.myapp", True, "NX008"),
]


@pytest.mark.parametrize("module, option, accepted, code", CLAIMS)
def test_nx_error_findings_are_what_lib_eval_modules_refuses(module, option, accepted, code):
    require_oracle()
    path = RULES / module
    attribute = " ".join(f'"{part}"' for part in option.split("."))
    expression = (f"let lib = import {NIXPKGS_LIB}; config = (lib.evalModules {{ modules = [ {path} ({STUBS}) ]; }}).config; "
                  f"x = lib.attrByPath [ {attribute} ] null config; in (builtins.tryEval (builtins.deepSeq x x)).success")
    done = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expression],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is accepted
    from lintutil import lint
    found = [f for f in lint(path.parent, select=[code]) if f.code == code]
    assert bool(found) is not accepted
