"""A real editor: Neovim's built-in LSP client, headless, configured by the README's
Neovim snippet and driven by tests/editors/neovim_lsp.lua, against `stereos-lint lsp`
(the one on PATH, as the snippet runs it).  Debian's `neovim`; .ci/run installs it."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from lintutil import FIXTURES, REPO

DRIFTED = FIXTURES / "stereos" / "drifted"


def readme_snippet() -> str:
    """The README's Neovim configuration: the first lua block under "### Neovim"."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("### Neovim"):]
    return re.search(r"```lua\n(.*?)```", section, re.S).group(1)


def test_neovim_shows_the_drifts_and_an_options_value_on_hover(tmp_path):
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.skip("nvim is not installed (Debian's neovim; .ci/run installs it)")
    out, init = tmp_path / "neovim.json", tmp_path / "init.lua"
    init.write_text(readme_snippet())
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "STEREOS_INIT": str(init), "STEREOS_FILE": str(DRIFTED / "boot.nix"),
           "STEREOS_HOVER": "networking.firewall.enable", "STEREOS_OUT": str(out)}
    # Started in the fixture's folder, which holds no flake.nix: the snippet's root is it.
    subprocess.run([nvim, "--headless", "--clean", "-u", "NONE", "-S", str(REPO / "tests" / "editors" / "neovim_lsp.lua")],
                   cwd=DRIFTED, env=env, timeout=180, check=True, stdin=subprocess.DEVNULL, capture_output=True)
    result = json.loads(out.read_text())
    assert result["filetype"] == "nix"
    cli = subprocess.run([sys.executable, "-m", "stereos_lint", "--format", "json", "."], cwd=DRIFTED,
                         capture_output=True, text=True)
    expected = {(f["code"], f["line"]) for f in json.loads(cli.stdout)}
    assert result["published"] is True
    assert {(d["code"], d["line"]) for d in result["diagnostics"]} == expected
    assert {d["source"] for d in result["diagnostics"]} == {"stereos-lint"}
    assert {d["severity"] for d in result["diagnostics"]} == {1, 2}      # errors and warnings, as the CLI's
    hover = result["hover"]
    assert hover.startswith("**`networking.firewall.enable`**")
    line = next(n for n, text in enumerate((DRIFTED / "boot.nix").read_text().splitlines(), 1)
                if text.lstrip().startswith("networking.firewall.enable"))
    assert f"decided by `boot.nix:{line}` (priority 50, lib.mkForce)" in hover
    assert "this definition decides it" in hover
