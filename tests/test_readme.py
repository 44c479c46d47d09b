"""The README's fenced code blocks, checked against reality.

- The two fresh-machine commands at the top: the second is what CI runs
  (`.ci/run`'s last command line contains it verbatim).
- "Use it in pre-commit, GitHub Actions and scripts": every `sh` command runs
  against a copy of the shipped fixtures and exits as its `# exit N` comment
  says (a `text` block right after an `sh` block is the last command's output);
  the pre-commit config names the hook `.pre-commit-hooks.yaml` ships; the
  workflow uses only inputs `action.yml` declares.
- "Use it": every command runs (in a copy of the stereOS-shaped fixture
  repository, `modules/boot.nix` the drifted module) without a usage error.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from lintutil import FIXTURES, REPO
from stereos_lint.interfaces.reporters.sarif import INFORMATION_URI

SECTION = "Use it in pre-commit, GitHub Actions and scripts"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
HOOKS = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
ACTION = yaml.safe_load((REPO / "action.yml").read_text())


@dataclass
class Block:
    lang: str
    text: str
    section: str | None  # the `## ` heading above it (None before the first)
    line: int


def blocks(markdown: str) -> list[Block]:
    found, section, fence = [], None, None
    for number, line in enumerate(markdown.splitlines(), 1):
        if fence is None and line.startswith("## "):
            section = line[3:].strip()
        elif fence is None and line.startswith("```"):
            fence, lang, body, start = line, line[3:].strip(), [], number
        elif fence is not None and line.startswith("```"):
            found.append(Block(lang, "\n".join(body) + "\n", section, start))
            fence = None
        elif fence is not None:
            body.append(line)
    assert fence is None, "an unclosed code fence"
    return found


README = (REPO / "README.md").read_text()
BLOCKS = blocks(README)
OURS = [b for b in BLOCKS if b.section == SECTION]


def commands(block: Block) -> list[str]:
    """Logical shell lines: continuations joined, blank lines and whole-line comments left out."""
    joined = block.text.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
               NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(["bash", "--noprofile", "--norc", "-c", command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A directory laid out like this repository's root, with the shipped fixtures (commands write here)."""
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    return tmp_path


def yaml_block(key: str) -> dict:
    [document] = [doc for doc in (yaml.safe_load(b.text) for b in OURS if b.lang == "yaml") if key in doc]
    return document


# --- the fresh-machine commands -------------------------------------------------------------------

def test_readme_starts_with_two_one_line_sh_commands():
    first, second = BLOCKS[:2]
    assert README.startswith("# stereos-lint\n\n```sh\n")
    assert (first.lang, second.lang, first.section, second.section) == ("sh", "sh", None, None)
    assert len(commands(first)) == len(commands(second)) == 1
    assert commands(first)[0].endswith("pip install -q . && stereos-lint fixtures/stereos/drifted")
    assert (REPO / "fixtures" / "stereos" / "drifted").is_dir()
    assert "pytest" in commands(second)[0]


def test_ci_runs_the_readme_second_command_verbatim():
    lines = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert commands(BLOCKS[1])[0] in lines[-1]


# --- Use it in pre-commit, GitHub Actions and scripts ---------------------------------------------

def test_the_section_follows_use_it():
    headings = re.findall(r"^## (.+)$", README, re.MULTILINE)
    assert headings[headings.index("Use it") + 1] == SECTION
    assert {b.lang for b in OURS} == {"sh", "yaml", "text"}


def test_shell_snippets_exit_as_their_comments_say(checkout):
    ran = 0
    for index, block in enumerate(OURS):
        if block.lang != "sh":
            continue
        result = None
        for command in commands(block):
            expected = re.search(r"#\s*exit (\d+)\b", command)
            assert expected, f"README.md:{block.line}: no `# exit N` comment on {command!r}"
            result = shell(command, checkout)
            assert result.returncode == int(expected[1]), f"{command}\n{result.stdout}{result.stderr}"
            ran += 1
        following = OURS[index + 1] if index + 1 < len(OURS) else None
        if following is not None and following.lang == "text":
            assert result.stdout == following.text, f"README.md:{following.line}: the output shown differs"
    assert ran >= 5
    sarif = (checkout / "stereos-lint.sarif").read_text()
    assert '"version": "2.1.0"' in sarif and '"ruleId": "ST120"' in sarif


def test_json_snippet_runs_and_prints_what_the_readme_shows(checkout):
    [index] = [i for i, b in enumerate(OURS) if b.lang == "sh" and "--format json" in b.text]
    [command] = commands(OURS[index])
    result = shell(command, checkout)
    assert result.returncode == 0, result.stderr
    assert OURS[index + 1].lang == "text"
    assert result.stdout == OURS[index + 1].text == "fixtures/stereos/drifted/boot.nix\n"


def test_pre_commit_snippet_names_the_shipped_hook(checkout):
    config = yaml_block("repos")
    (checkout / ".pre-commit-config.yaml").write_text(next(b.text for b in OURS if "repos:" in b.text))
    validated = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
                               cwd=checkout, capture_output=True, text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    [repo] = config["repos"]
    assert repo["repo"] == INFORMATION_URI
    assert repo["rev"] == f"v{VERSION}"
    shipped = {hook["id"]: hook for hook in HOOKS}
    assert [hook["id"] for hook in repo["hooks"]] == ["stereos-lint"]
    assert set(shipped) == {"stereos-lint"}
    # The section explains the hook's entry; the commented-out args work with it.
    entry = shipped["stereos-lint"]["entry"]
    assert entry == "stereos-lint --context ." and f"`{entry}`" in README
    [args] = re.findall(r"#\s*args:\s*(\[.*?\])", next(b.text for b in OURS if "repos:" in b.text))
    result = shell(shlex.join([*shlex.split(entry), *yaml.safe_load(args), "fixtures/stereos/clean/boot.nix"]),
                   checkout)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_snippet_uses_the_action_with_its_inputs(checkout):
    workflow = yaml_block("jobs")
    assert workflow.get("on", workflow.get(True)) == ["push", "pull_request"]  # YAML 1.1 reads `on` as true
    [job] = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    [action] = [s for s in job["steps"] if s.get("uses", "").startswith("stereos/stereos-lint@")]
    assert action["uses"] == f"stereos/stereos-lint@v{VERSION}"
    assert set(action["with"]) <= set(ACTION["inputs"])
    [upload] = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == action["with"]["sarif-file"]
    assert job["steps"].index(upload) > job["steps"].index(action)
    # The args the snippet passes are real options.
    result = shell(f"stereos-lint check {action['with']['args']} --format github -- fixtures/stereos/clean",
                   checkout)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Use it ---------------------------------------------------------------------------------------

def test_use_it_commands_run_without_a_usage_error(tmp_path):
    """In a copy of the stereOS-shaped fixture repository, its modules/boot.nix the drifted module."""
    shutil.copytree(FIXTURES / "repos" / "stereos-flake", tmp_path, dirs_exist_ok=True)
    shutil.copy(FIXTURES / "stereos" / "drifted" / "boot.nix", tmp_path / "modules" / "boot.nix")
    lines = [command for b in BLOCKS if b.section == "Use it" and b.lang == "sh" for command in commands(b)]
    assert len(lines) >= 5
    for command in lines:
        result = shell(command, tmp_path)
        assert result.returncode in (0, 1) and "Error:" not in result.stderr, f"{command}\n{result.stderr}"
