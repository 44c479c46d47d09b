"""Differential tests: `parse_source` and `nix-instantiate --parse` agree on valid/invalid.

Nix is the judge.  Every shipped fixture under fixtures/parse/, the stereOS
boot module next to the repository (when present) and a few hundred texts from
tests/nix_corpus.py are run through both; the verdicts must match, and for
invalid files the first error must be reported near the line Nix reports.

`nix-instantiate` must be on PATH: CI installs Debian's `nix-bin` for this, so
a missing binary is a failure, never a skip.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from stereos_lint.parser import parse_source
from stereos_lint.source import SourceFile

try:
    from nix_corpus import generate
except ImportError:  # tests/ imported as a package
    from tests.nix_corpus import generate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "parse"
STEREOS_BOOT = ROOT.parent / "shared" / "stereos" / "boot.drifted.nix"

GENERATED_COUNT = 400
SEEDS = (1, 2)  # GENERATED_COUNT cases from each

# How far (in lines) our first error may sit from the one Nix reports.  Nix's
# LALR parser stops at the first token it cannot shift; tree-sitter's error
# recovery sometimes blames the token before (a missing `;` is reported where
# it was expected, Nix reports the token after), or for an unterminated
# string or comment the place it opened.  Measured on the corpus, every case is
# within this bound except the ones `_error_line_exempt` names.
LINE_TOLERANCE = 2

# Messages `nix-instantiate --parse` prints for a file that *parsed* but failed
# the checks it runs next (variable binding, duplicate attributes).
SEMANTIC_ERRORS = (
    "undefined variable",
    "already defined",
    "duplicate formal function argument",
    "dynamic attributes not allowed in let",
)
# Messages for a file that did not parse.
SYNTAX_ERRORS = ("syntax error", "has a trailing slash")

# Where tree-sitter-nix 0.1.0's grammar and Nix knowingly disagree.  Each entry
# is (text, nix accepts it): the test pins that the two still disagree, so an
# upgraded grammar or a parser fix shows up here and the entry can go.
KNOWN_DIVERGENCES = [
    (b"", False),  # Nix: unexpected end of file; the linter treats it as valid
    (b"# only a comment\n", False),
    (b"/* only a comment */", False),
    (b"{ inherit; }", True),  # an empty inherit: tree-sitter wants a name
    (b"1 < 2 < 3", False),  # comparisons are non-associative in Nix
    (b"1 == 2 == 3", False),
    (b"let or = 1; in or", False),  # `or` is a keyword to Nix
    (b"./dir/", False),  # Nix: path has a trailing slash
]


def _require_nix() -> str:
    nix = shutil.which("nix-instantiate")
    if nix is None:
        pytest.fail(
            "nix-instantiate is not on PATH. The parser's differential tests need it: "
            "install Debian's nix-bin (apt-get install nix-bin), as CI does.",
            pytrace=False,
        )
    return nix


@dataclass
class Verdict:
    valid: bool
    line: int | None = None  # the line of Nix's syntax error
    message: str = ""


def nix_verdict(nix: str, path: Path) -> Verdict:
    proc = subprocess.run(
        [nix, "--parse", str(path)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "NIX_REMOTE": "", "HOME": str(path.parent)},
    )
    if proc.returncode == 0:
        return Verdict(True)
    err = proc.stderr
    first = next((line for line in err.splitlines() if line.startswith("error:")), err.strip())
    if any(marker in err for marker in SYNTAX_ERRORS):
        where = re.search(re.escape(str(path)) + r":(\d+):(\d+)", err)
        return Verdict(False, int(where.group(1)) if where else None, first)
    if any(marker in err for marker in SEMANTIC_ERRORS):
        return Verdict(True, None, first)  # parsed fine; only evaluation checks failed
    raise AssertionError(f"unclassified nix-instantiate failure for {path}:\n{err}")


def nix_verdicts(nix: str, paths: list[Path]) -> list[Verdict]:
    """One `nix-instantiate` per file, in parallel: it stops at a batch's first bad file."""
    with ThreadPoolExecutor(max_workers=max(4, 2 * (os.cpu_count() or 1))) as pool:
        return list(pool.map(lambda p: nix_verdict(nix, p), paths))


def _error_line_exempt(data: bytes, nix_line: int) -> bool:
    """Cases where our line may legitimately sit far from Nix's.

    A text that stops inside a string or block comment: Nix reports the end of
    file (or a token inside the string), tree-sitter the quote or `/*` that
    opened it, which can be any number of lines earlier.
    """
    tail = data[data.rfind(b"\n", 0, max(0, len(data.rstrip()) - 1)) + 1:]
    return nix_line >= data.count(b"\n") + 1 - LINE_TOLERANCE or b"''" in tail or b'"' in tail


def check(named_texts: list[tuple[str, bytes]], tmp_path: Path) -> dict:
    nix = _require_nix()
    paths = []
    for name, data in named_texts:
        path = tmp_path / f"{name}.nix"
        path.write_bytes(data)
        paths.append(path)
    verdicts = nix_verdicts(nix, paths)
    disagree, far = [], []
    for (name, data), path, verdict in zip(named_texts, paths, verdicts):
        parsed = parse_source(SourceFile(str(path), data))
        ours = parsed.error is None
        if ours != verdict.valid:
            where = "" if parsed.error is None else f" ({parsed.error}: {parsed.error_message})"
            disagree.append(
                f"{name}: nix says {'valid' if verdict.valid else 'invalid'} ({verdict.message}),"
                f" parse_source says {'valid' if ours else 'invalid'}{where}\n{data.decode(errors='replace')}"
            )
            continue
        if not ours and verdict.line is not None:
            our_line = parsed.error.start_position[0]
            if abs(our_line - verdict.line) > LINE_TOLERANCE:
                far.append((name, data, our_line, verdict))
    return {"disagree": disagree, "far": far, "verdicts": verdicts}


def _report(result: dict) -> None:
    assert not result["disagree"], (
        f"{len(result['disagree'])} verdicts differ from nix-instantiate:\n\n" + "\n\n".join(result["disagree"][:10])
    )
    bad = [
        f"{name}: our error on line {ours}, nix: line {v.line} ({v.message})\n{data.decode(errors='replace')}"
        for name, data, ours, v in result["far"]
        if not _error_line_exempt(data, v.line)
    ]
    assert not bad, f"{len(bad)} errors reported far from Nix's line:\n\n" + "\n\n".join(bad[:10])


def _fixtures() -> list[tuple[str, bytes]]:
    files = sorted(FIXTURES.glob("*/*.nix"))
    assert files, f"no fixtures under {FIXTURES}"
    out = [(f"{p.parent.name}-{p.stem}", p.read_bytes()) for p in files]
    if STEREOS_BOOT.exists():
        out.append(("stereos-boot-drifted", STEREOS_BOOT.read_bytes()))
    return out


def test_nix_instantiate_is_installed():
    _require_nix()


def test_shipped_fixtures_agree_with_nix(tmp_path):
    fixtures = _fixtures()
    result = check(fixtures, tmp_path)
    _report(result)
    # The folder a fixture lives in says what Nix thinks of it.
    for (name, _), verdict in zip(fixtures, result["verdicts"]):
        if name.startswith("valid-"):
            assert verdict.valid, f"{name} is under valid/ but nix rejects it: {verdict.message}"
        elif name.startswith("invalid-"):
            assert not verdict.valid, f"{name} is under invalid/ but nix accepts it"


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_texts_agree_with_nix(seed, tmp_path):
    cases = generate(GENERATED_COUNT, seed=seed)
    result = check([(c.name, c.text) for c in cases], tmp_path)
    _report(result)
    # The generator's valid texts must really be valid, or it tests nothing.
    wrong = [c.name for c, v in zip(cases, result["verdicts"]) if c.valid and not v.valid]
    assert not wrong, f"generator produced invalid Nix it meant as valid: {wrong[:10]}"
    invalid = sum(not v.valid for v in result["verdicts"])
    assert invalid >= GENERATED_COUNT // 5, f"only {invalid} generated texts are invalid"


@pytest.mark.parametrize("text, nix_accepts", KNOWN_DIVERGENCES)
def test_known_divergences_still_diverge(text, nix_accepts, tmp_path):
    path = tmp_path / "divergent.nix"
    path.write_bytes(text)
    assert nix_verdict(_require_nix(), path).valid == nix_accepts
    ours = parse_source(SourceFile(str(path), text)).error is None
    assert ours != nix_accepts, f"{text!r} now agrees with Nix: drop it from KNOWN_DIVERGENCES"
