"""The word search of lint/nix/words.py answers as the regexes it replaces (`\\bword\\b`),
on generated texts that put words next to every kind of neighbour, in and out of a window."""
import random
import re

from stereos_lint.modules.forced import FORCE_NAMES, calls_forcing
from stereos_lint.modules.module import ARCH_NAMES, names_architecture
from stereos_lint.nix.words import has_any_word, word_positions

# The patterns the text heuristics used before words.py (module.py, forced.py).
ARCH_REGEX = re.compile(rb"\b(?:stdenv|hostPlatform|buildPlatform|targetPlatform|isAarch64|isAarch|isx86_64"
                        rb"|isx86|isi686|isLinux|isDarwin|is64bit|isRiscV64|currentSystem)\b"
                        rb"|\.system\b(?!\s*\.)|\binherit\b[^;]*\bsystem\b")
FORCE_REGEX = re.compile(rb"\b(?:mkForce|mkOverride|mkVMOverride|mkImageMediaOverride)\b")

PIECES = [b"import", b"imports", b"x", b"_", b"9", b"-", b"'", b".", b" ", b";", b"\n", b"=", b"(", b"{",
          b"inherit", b"system", b"systemd", b"stdenv", b"isAarch64", b"isAarch", b"isx86", b"mkForce",
          b"mkOverride", b"lib.", b"pkgs.", b"\xc3\xa9"]


def texts(count: int, seed: int):
    rng = random.Random(seed)
    for _ in range(count):
        yield b"".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))


def test_word_positions_are_the_regex_matches_in_and_out_of_a_window():
    rng = random.Random(3)
    checked = 0
    for data in texts(4000, 1):
        for word in (b"import", b"system", b"isAarch"):
            start = rng.randint(0, len(data) // 3)
            end = rng.randint(len(data) - len(data) // 3, len(data))
            expected = [m.start() for m in re.compile(rb"(?=\b" + word + rb"\b)").finditer(data, start, end)
                        if m.start() + len(word) <= end]
            assert list(word_positions(data, word, start, end)) == expected, (data, word, start, end)
            checked += bool(expected)
    assert checked > 300   # the texts do hold the words, not only near misses


def test_the_heuristics_answer_as_their_regexes():
    seen = {True: 0, False: 0}
    for data in texts(6000, 2):
        assert names_architecture(data) == (ARCH_REGEX.search(data) is not None), data
        assert calls_forcing(data) == (FORCE_REGEX.search(data) is not None), data
        assert has_any_word(data, ARCH_NAMES + FORCE_NAMES) == any(
            re.search(rb"\b" + w + rb"\b", data) for w in ARCH_NAMES + FORCE_NAMES)
        seen[names_architecture(data)] += 1
    assert min(seen.values()) > 500
