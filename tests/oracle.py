"""The real module system as the tests' oracle: nixpkgs' lib.evalModules (from
../shared/nixpkgs-lib), run by `nix-instantiate --eval --strict --json`.

Tests that use it skip, saying why, where either is missing; CI installs Debian's
nix-bin and has ../shared beside the checkout."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lintutil import SHARED

NIXPKGS_LIB = SHARED / "nixpkgs-lib" / "lib"


def require_oracle() -> None:
    if shutil.which("nix-instantiate") is None:
        pytest.skip("nix-instantiate is not installed (Debian's nix-bin; .ci/run installs it)")
    if not (NIXPKGS_LIB / "default.nix").is_file():
        pytest.skip(f"nixpkgs' lib is not at {NIXPKGS_LIB} (CI has ../shared beside the checkout)")


def eval_modules(modules: list[Path], options: dict[str, str]) -> dict:
    """`(lib.evalModules { modules = [ DECLARATIONS ] ++ modules; }).config`, restricted to
    `options` (name -> a type written in `with lib;`, such as "types.listOf types.str")."""
    require_oracle()
    declarations = " ".join(
        f"options.{name} = lib.mkOption {{ type = with lib; {type_}; }};" for name, type_ in options.items())
    paths = " ".join(str(Path(m).resolve()) for m in modules)
    wanted = " ".join(f'"{name}"' for name in options)
    expression = (f"let lib = import {NIXPKGS_LIB}; "
                  f"config = (lib.evalModules {{ modules = [ {{ {declarations} }} {paths} ]; }}).config; "
                  f"in lib.getAttrs [ {wanted} ] config")
    completed = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "--expr", expression],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)
