"""The composite GitHub Action (action.yml) and the project's workflow, run for real with bash.

`Runner` does for each `run:` step what the Actions runner does: it evaluates
the `${{ }}` expressions in the step's `env:` (github.action_path, inputs with
their defaults, earlier steps' outputs -- anything else fails the test), sets
the variables a runner sets (GITHUB_ACTIONS=true, GITHUB_WORKSPACE,
GITHUB_ACTION_PATH, RUNNER_TEMP, and a fresh GITHUB_OUTPUT, GITHUB_ENV,
GITHUB_PATH and GITHUB_STEP_SUMMARY file per step), and runs the script as
`shell: bash` does: `bash --noprofile --norc -eo pipefail FILE` in the
workspace.

The install step runs for real, once per module: it makes a virtualenv from
this test's Python (the "runner's Python", first on PATH) and pip-installs the
action path into it.  The action path is a copy of this repository's files
(as the runner checks an action out at its ref), so pip's in-tree build does
not write into the working tree.  About 10 s; the lint steps take about 1 s.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from lintutil import FIXTURES, REPO

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
WORKFLOW = yaml.safe_load((REPO / ".github" / "workflows" / "lint.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
ANNOTATION = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$", re.MULTILINE)


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT's `name=value` and `name<<DELIMITER` … `DELIMITER` forms."""
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


class Runner:
    """One job's worth of runner state: a workspace, RUNNER_TEMP, the action path, step outputs."""

    def __init__(self, root: Path, action_path: Path, workspace: Path):
        self.root, self.action_path, self.workspace = root, action_path, workspace
        self.temp = root / "runner-temp"
        self.temp.mkdir(parents=True, exist_ok=True)
        self.outputs: dict[str, dict[str, str]] = {}

    def context(self, inputs: dict[str, str]) -> dict[str, str]:
        unknown = set(inputs) - set(ACTION["inputs"])
        assert not unknown, f"not inputs of action.yml: {unknown}"
        values = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        values |= {f"inputs.{name}": value for name, value in inputs.items()}
        values |= {f"steps.{step}.outputs.{name}": value
                   for step, outputs in self.outputs.items() for name, value in outputs.items()}
        return values | {"github.action_path": str(self.action_path), "github.workspace": str(self.workspace),
                         "runner.temp": str(self.temp)}

    def evaluate(self, text: str, inputs: dict[str, str]) -> str:
        context = self.context(inputs)

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("steps.") and name not in context:
                return ""  # an output a step did not set is empty, as on GitHub
            assert name in context, f"expression this test's runner does not evaluate: {name}"
            return context[name]
        return EXPRESSION.sub(value, str(text))

    def run_step(self, step: dict, inputs: dict[str, str], extra_env: dict[str, str] | None = None):
        files = {}
        for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
            files[name] = self.temp / f"{name.lower()}_{uuid.uuid4().hex}"
            files[name].write_text("")
        script = self.temp / f"{uuid.uuid4().hex}.sh"
        script.write_text(step["run"])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_"))}
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        env |= {"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_ACTION_PATH": str(self.action_path), "RUNNER_TEMP": str(self.temp), "RUNNER_OS": "Linux"}
        env |= {name: str(path) for name, path in files.items()}
        env |= {name: self.evaluate(value, inputs) for name, value in step.get("env", {}).items()}
        env |= extra_env or {}
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                cwd=self.workspace, env=env, capture_output=True, text=True, timeout=300)
        if "id" in step:
            self.outputs[step["id"]] = parse_output_file(files["GITHUB_OUTPUT"].read_text())
        result.summary = files["GITHUB_STEP_SUMMARY"].read_text()
        return result

    def run_action(self, inputs: dict[str, str], skip: tuple[str, ...] = ("install",)):
        """Run the action's steps after those in `skip` (already run); the last step's result."""
        result = None
        for step in ACTION["runs"]["steps"]:
            if step.get("id") in skip:
                continue
            result = self.run_step(step, inputs)
            if result.returncode != 0:
                break
        return result

    def action_output(self, name: str, inputs: dict[str, str] | None = None) -> str:
        return self.evaluate(ACTION["outputs"][name]["value"], inputs or {})


def step(step_id: str) -> dict:
    [found] = [s for s in ACTION["runs"]["steps"] if s.get("id") == step_id]
    return found


def copy_repository(target: Path) -> Path:
    """The files git knows here (tracked, or untracked and not ignored), as an action checkout holds them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}  # not a caller's git hook state
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, str]:
    """The action's install step, run once: its outputs (the stereos-lint executable)."""
    root = tmp_path_factory.mktemp("action-install")
    runner = Runner(root, copy_repository(root / "action"), root / "workspace")
    runner.workspace.mkdir()
    result = runner.run_step(step("install"), {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stereos-lint, version" in result.stdout
    executable = runner.outputs["install"]["executable"]
    assert Path(executable).is_file() and Path(executable).is_relative_to(runner.temp)
    return runner.outputs["install"]


def workspace_with(tmp_path: Path, installed: dict[str, str], module: Path) -> Runner:
    workspace = tmp_path / "workspace"
    (workspace / "modules").mkdir(parents=True)
    shutil.copy(module, workspace / "modules" / "boot.nix")
    runner = Runner(tmp_path, REPO, workspace)
    runner.outputs["install"] = dict(installed)
    return runner


# --- the action's shape ---------------------------------------------------------------------------

def test_action_declares_the_inputs_with_their_defaults():
    inputs = ACTION["inputs"]
    assert set(inputs) == {"paths", "args", "version", "sarif-file"}
    assert {name: spec["default"] for name, spec in inputs.items()} == {
        "paths": ".", "args": "", "version": "", "sarif-file": ""}
    assert all(spec["description"] and not spec.get("required", False) for spec in inputs.values())
    assert ACTION["outputs"]["exit-code"]["value"] == "${{ steps.lint.outputs.exit-code }}"


def test_action_is_two_bash_steps_that_read_inputs_only_from_env():
    steps = ACTION["runs"]["steps"]
    assert ACTION["runs"]["using"] == "composite"
    assert [s["id"] for s in steps] == ["install", "lint"]
    used = set()
    for s in steps:
        assert s["shell"] == "bash"
        assert set(s) <= {"name", "id", "shell", "env", "run"}, "a step the local runner would not honour"
        assert "${{" not in s["run"], f"an expression interpolated into step {s['id']}'s script"
        used |= {m for value in s["env"].values() for m in re.findall(r"inputs\.([\w-]+)", value)}
    assert used == set(ACTION["inputs"])
    assert step("install")["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert 'requirement="$ACTION_PATH"' in step("install")["run"]


# --- the action, run ------------------------------------------------------------------------------

def test_action_annotates_the_drifted_module_writes_sarif_and_fails(tmp_path, installed):
    runner = workspace_with(tmp_path, installed, FIXTURES / "stereos" / "drifted" / "boot.nix")
    inputs = {"paths": "modules", "sarif-file": "results/stereos-lint.sarif"}
    result = runner.run_action(inputs)
    assert result.returncode == 1, result.stdout + result.stderr
    assert runner.outputs["lint"] == {"exit-code": "1"}
    assert runner.action_output("exit-code", inputs) == "1"

    annotations = list(ANNOTATION.finditer(result.stdout))
    assert ("::error file=modules/boot.nix,line=130,endLine=130,col=44,endColumn=48,"
            "title=ST120 firewall-disabled::networking.firewall.enable is true") in result.stdout
    assert all("file=modules/boot.nix," in a["props"] for a in annotations)
    assert re.search(r"^stereos-lint: \d+ problems \(\d+ errors, \d+ warnings\)$", result.stdout, re.MULTILINE)
    assert re.fullmatch(r"stereos-lint: \d+ problems \(.*\)\n", result.summary)

    sarif = json.loads((runner.workspace / "results" / "stereos-lint.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert len(results) == len(annotations)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"modules/boot.nix"}
    [firewall] = [r for r in results if r["ruleId"] == "ST120"]
    assert firewall["level"] == "error"
    assert firewall["locations"][0]["physicalLocation"]["region"]["startLine"] == 130


def test_action_passes_on_the_clean_module(tmp_path, installed):
    runner = workspace_with(tmp_path, installed, FIXTURES / "stereos" / "clean" / "boot.nix")
    result = runner.run_action({"paths": "modules", "sarif-file": "stereos-lint.sarif"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert runner.outputs["lint"] == {"exit-code": "0"}
    assert not ANNOTATION.search(result.stdout)
    assert result.stdout.endswith("stereos-lint: no problems (1 file checked)\n")
    assert json.loads((runner.workspace / "stereos-lint.sarif").read_text())["runs"][0]["results"] == []


def test_action_default_paths_lint_the_whole_workspace(tmp_path, installed):
    runner = workspace_with(tmp_path, installed, FIXTURES / "stereos" / "clean" / "boot.nix")
    result = runner.run_action({})
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (runner.workspace / "stereos-lint.sarif").exists()


def test_action_args_reach_the_linter_but_not_its_format(tmp_path, installed):
    runner = workspace_with(tmp_path, installed, FIXTURES / "stereos" / "drifted" / "boot.nix")
    result = runner.run_action({"paths": "modules", "args": "--format json\n--select ST120,ST107"})
    assert result.returncode == 1, result.stdout + result.stderr
    titles = [re.search(r"title=(\S+)", a["props"])[1] for a in ANNOTATION.finditer(result.stdout)]
    assert titles == ["ST107", "ST120"]


def test_inputs_are_data_never_shell_code(tmp_path, installed):
    runner = workspace_with(tmp_path, installed, FIXTURES / "stereos" / "clean" / "boot.nix")
    result = runner.run_action({"paths": 'modules $(touch pwned) `touch pwned` ";touch pwned"'})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "$(touch: no such file or directory" in result.stderr
    assert runner.outputs["lint"] == {"exit-code": "2"}
    result = runner.run_action({"paths": "modules", "args": "--exit-zero;touch${IFS}pwned"})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "No such option '--exit-zero;touch${IFS}pwned'" in result.stderr
    assert not list(runner.workspace.rglob("pwned")) and not list(runner.temp.rglob("pwned"))


def test_version_installs_that_release_from_the_index_instead_of_the_action_path(tmp_path):
    """Against an empty index (offline), pip is asked for stereos-lint==VERSION -- and the step fails."""
    (tmp_path / "workspace").mkdir()
    (tmp_path / "empty-index").mkdir()
    runner = Runner(tmp_path, tmp_path / "not-the-action-path", tmp_path / "workspace")
    result = runner.run_step(step("install"), {"version": "0.1.0"},
                             {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path / "empty-index")})
    assert result.returncode != 0
    assert "stereos-lint==0.1.0" in result.stderr
    assert "executable" not in runner.outputs["install"]


# --- the project's own workflow -------------------------------------------------------------------

def test_workflow_lints_the_clean_fixture_with_the_action_and_uploads_sarif():
    jobs = WORKFLOW["jobs"]
    steps = [s for job in jobs.values() for s in job["steps"]]
    [action] = [s for s in steps if s.get("uses") == "./"]
    assert set(action["with"]) <= set(ACTION["inputs"])
    assert action["with"]["paths"] == "fixtures/stereos/clean"
    assert (REPO / action["with"]["paths"]).is_dir()
    [upload] = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert upload["with"]["sarif_file"] == action["with"]["sarif-file"]
    [lint_job] = [job for job in jobs.values() if action in job["steps"]]
    assert lint_job["permissions"]["security-events"] == "write"
    assert [s["uses"].split("@")[0] for s in lint_job["steps"] if "uses" in s][:2] == [
        "actions/checkout", "actions/setup-python"]


def test_workflow_runs_the_tests_through_ci_run():
    runs = [s.get("run", "") for job in WORKFLOW["jobs"].values() for s in job["steps"]]
    assert any(re.fullmatch(r"(sudo )?bash \.ci/run", run.strip()) for run in runs)


def test_action_default_paths_on_a_real_repository_report_only_its_defects(tmp_path, installed):
    """`paths: .` on a flake whose systems come from a helper, with profiles, formats and a
    dev profile: each file is judged inside the systems that contain it (nothing "not set"
    on flake.nix, lib/ or profiles/), and the planted defects are the annotations."""
    workspace = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "repos" / "stereos-flake", workspace)
    runner = Runner(tmp_path, REPO, workspace)
    runner.outputs["install"] = dict(installed)
    result = runner.run_action({})
    assert result.returncode == 1, result.stdout + result.stderr
    found = {(re.search(r"file=([^,]+)", a["props"])[1], re.search(r"title=(\S+)", a["props"])[1])
             for a in ANNOTATION.finditer(result.stdout)}
    assert found == {("modules/boot.nix", "ST102"), ("profiles/dev.nix", "ST202"),
                     ("mixtapes/coder/package.nix", "ST121"), ("modules/unused/serial-debug.nix", "ST103")}
