"""Hostile input never breaks the linter: random bytes, truncated and mangled fixtures,
nasty but valid Nix, and pathological sizes all end with an exit code and a report --
never a traceback, never a RecursionError.

`nix-instantiate` must be on PATH (CI installs Debian's `nix-bin`): it confirms that
every file in `fixtures/nasty/` is valid Nix, so a missing binary is a failure.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lintutil import FIXTURES
from stereos_lint.interfaces.cli import main
from stereos_lint.checking.engine import load_rules, run
from stereos_lint.nix.parser import ParsedFile
from stereos_lint.systems.project import Project

NASTY = FIXTURES / "nasty"
# Mutations start from every fixture small enough to keep an example quick.
SMALL_FIXTURES = sorted(p for p in FIXTURES.rglob("*.nix") if p.stat().st_size <= 16_000)
TOKEN = re.compile(rb"''|\$\{|->|//|\+\+|==|!=|<=|>=|&&|\|\||\.\.\.|[A-Za-z_][A-Za-z0-9_'-]*|[0-9]+|\s+|.", re.S)
NIX_TOKENS = [b"{", b"}", b"[", b"]", b"(", b")", b";", b"=", b":", b",", b".", b"?", b"@", b"...", b"${", b"''",
              b'"', b"#", b"/*", b"*/", b"let", b"in", b"rec", b"with", b"inherit", b"if", b"then", b"else",
              b"assert", b"or", b"->", b"//", b"++", b"!", b"==", b"lib.mkForce", b"./x.nix", b"\\", b"\n",
              b"\r\n", b"\x00", b"\xff", "é".encode(), b"imports", b"x"]
SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile") / "input.nix"


def lint_bytes(path: Path, data: bytes):
    """Lint `data` as one file through the real command line, exceptions propagating."""
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["--format", "concise", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.output.strip(), "no finding and no message"
    return result


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes_end_with_an_exit_code_and_a_report(scratch, data):
    lint_bytes(scratch, data)


@SETTINGS
@given(fixture=st.sampled_from(SMALL_FIXTURES), cut=st.floats(0, 1))
def test_truncated_fixtures_end_with_an_exit_code_and_a_report(scratch, fixture, cut):
    data = fixture.read_bytes()
    lint_bytes(scratch, data[:int(len(data) * cut)])


@SETTINGS
@given(fixture=st.sampled_from(SMALL_FIXTURES),
       edits=st.lists(st.tuples(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert"]),
                                st.floats(0, 1), st.sampled_from(NIX_TOKENS)), min_size=1, max_size=6))
def test_token_edits_of_fixtures_end_with_an_exit_code_and_a_report(scratch, fixture, edits):
    tokens = TOKEN.findall(fixture.read_bytes())
    for operation, where, token in edits:
        if not tokens:
            break
        at = min(int(where * len(tokens)), len(tokens) - 1)
        if operation == "delete":
            del tokens[at]
        elif operation == "duplicate":
            tokens.insert(at, tokens[at])
        elif operation == "swap" and at + 1 < len(tokens):
            tokens[at], tokens[at + 1] = tokens[at + 1], tokens[at]
        elif operation == "replace":
            tokens[at] = token
        else:
            tokens.insert(at, token)
    lint_bytes(scratch, b"".join(tokens))


# -- nasty but valid Nix -------------------------------------------------------------------------

NASTY_FILES = sorted(NASTY.glob("*.nix"))


def test_the_nasty_corpus_covers_what_it_claims():
    names = {p.name for p in NASTY_FILES}
    assert {"crlf.nix", "no-trailing-newline.nix", "trailing-commas.nix", "deep-nesting.nix", "huge-list.nix",
            "strings-and-paths.nix", "with-and-rec.nix"} <= names
    crlf = (NASTY / "crlf.nix").read_bytes()
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 5
    assert not (NASTY / "no-trailing-newline.nix").read_bytes().endswith(b"\n")
    assert all(p.stat().st_size < 100_000 for p in NASTY_FILES)


@pytest.mark.parametrize("path", NASTY_FILES, ids=lambda p: p.name)
def test_nasty_files_are_valid_nix(path):
    nix = shutil.which("nix-instantiate")
    assert nix, "nix-instantiate is not on PATH: install Debian's nix-bin (CI does)"
    proc = subprocess.run([nix, "--parse", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")


def test_every_nasty_file_is_linted_without_a_parse_error():
    files = [str(p) for p in NASTY_FILES]
    project = Project(files)
    findings = run(project, load_rules().values())
    assert [f for f in findings if f.code == "NX000"] == []
    for path in files:
        parsed = project.parsed(path)
        assert isinstance(parsed, ParsedFile) and parsed.error is None, path
    result = CliRunner().invoke(main, ["--format", "concise", str(NASTY)], catch_exceptions=False)
    assert result.exit_code in (0, 1)
    assert f"in {len(files)} files" in result.output.splitlines()[-1]


# -- pathological sizes (generated here, not committed) -------------------------------------------
# Nix's own parser gives up on the 5,000-deep sets, lists and lets ("memory exhausted"):
# they are hostile input, not valid Nix, and must still end with a report.

PATHOLOGICAL = {
    "operator-chain-30000": lambda: "{ x = " + " + ".join(["1"] * 30_001) + "; }\n",
    "list-100000": lambda: "{ environment.systemPackages = [ " + " ".join(f'"p{i}"' for i in range(100_000)) + " ]; }\n",
    "string-1mb-one-line": lambda: '{ environment.etc.big.text = "' + "a\\\"b\\${x} " * (1 << 17) + '"; }\n',
    # One word of a million letters: a scan with a backtracking regex would never end.
    "word-1mb": lambda: '{ environment.etc.big.text = "' + "a" * (1 << 20) + '"; }\n',
    "sets-5000-deep": lambda: "{ x = " + "{ a = " * 5000 + "1" + "; }" * 5000 + "; }\n",
    "lists-5000-deep": lambda: "{ x = " + "[ " * 5000 + "1" + " ]" * 5000 + "; }\n",
    "parens-5000-deep": lambda: "{ x = " + "(" * 5000 + "1" + ")" * 5000 + "; }\n",
    "lets-5000-deep": lambda: "let x0 = 1; in " + "".join(f"let x{i} = x{i - 1}; in " for i in range(1, 5000)) + "{ x = x4999; }\n",
    "dotted-path-5000": lambda: "{ " + ".".join(f"a{i}" for i in range(5000)) + " = 1; }\n",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs_lint_to_the_end(tmp_path, name):
    path = tmp_path / f"{name}.nix"
    path.write_text(PATHOLOGICAL[name]())
    result = CliRunner().invoke(main, ["--format", "concise", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output[-2000:]
    last = result.output.splitlines()[-1]
    assert last.startswith(("Found ", "All checks passed")), last
    assert "NX000" not in result.output
