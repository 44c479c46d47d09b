"""A deterministic generator of small Nix source texts, valid and invalid.

`generate(count, seed)` returns `Case`s whose text is built by a seeded
`random.Random`, so a failing case is reproducible from its name alone.

Valid cases are *closed* Nix expressions with no duplicate attributes, so
`nix-instantiate --parse` (which also binds variables) accepts them.  They
avoid the few constructs where tree-sitter-nix 0.1.0's grammar knowingly
differs from Nix (chained `<`/`==`, `or` as a name, a bare `inherit;`, a path
with a trailing slash); the differential test lists those separately.

Invalid cases are mutations of valid ones.  A mutation may happen to leave the
text valid (a `;` dropped inside a string, say), so `Case.valid` is only the
generator's intent: `nix-instantiate` is the judge.
"""
from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    text: bytes
    valid: bool  # what the generator meant; nix-instantiate decides


class NixGen:
    """Builds one closed expression; `scope` holds the names bound so far."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.scope = ["builtins", "true", "false", "null", "toString"]
        self.counter = 0

    # -- helpers -------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def ws(self) -> str:
        """Whitespace, sometimes holding a comment with tricky text in it."""
        roll = self.rng.random()
        if roll < 0.75:
            return " "
        if roll < 0.87:
            return "\n  "
        if roll < 0.94:
            return self.rng.choice([" # note ,} \"x\" ''y''\n  ", " # ${not} code,\n"])
        return self.rng.choice([" /* ,} \" '' */ ", " /* a\n   b, */ "])

    def var(self) -> str:
        return self.rng.choice(self.scope)

    def operand(self, depth: int) -> str:
        """An expression safe to use next to an operator or in a list."""
        if depth <= 0 or self.rng.random() < 0.45:
            return self.atom(depth)
        return f"({self.expr(depth - 1)})"

    # -- atoms ---------------------------------------------------------------

    def atom(self, depth: int) -> str:
        choices = [self.number, self.var_, self.dq_string, self.ind_string, self.path]
        if depth > 0:
            choices += [self.list_, self.attrset, self.attrset, self.select]
        return self.rng.choice(choices)(depth)

    def number(self, depth: int = 0) -> str:
        return self.rng.choice(["0", "42", "1.5", "0.25e3", "007"])

    def var_(self, depth: int = 0) -> str:
        return self.var()

    def path(self, depth: int = 0) -> str:
        return self.rng.choice(["./a.nix", "../b", "<nixpkgs>", "<nixpkgs/lib>", "./dir/file-1.nix", "~/c"])

    def dq_string(self, depth: int = 0) -> str:
        parts = ['"']
        for _ in range(self.rng.randint(0, 4)):
            piece = self.rng.choice(
                ["text", "x,}", ", }", "\\n", "\\t", '\\"', "\\\\", "\\${not}", "$$", "$${lit}", "#", "/*", "''", "getty@"]
            )
            if depth > 0 and self.rng.random() < 0.3:
                piece = "${" + self.expr(depth - 1) + "}"
            parts.append(piece)
        parts.append('"')
        return "".join(parts)

    def ind_string(self, depth: int = 0) -> str:
        lines = []
        for _ in range(self.rng.randint(1, 3)):
            piece = self.rng.choice(
                ["line", "a,}", "''$", "'''", "''\\n", "$$", "'x'", "\"q\"", "# not a comment", "{ a, }"]
            )
            if depth > 0 and self.rng.random() < 0.3:
                piece += " ${" + self.expr(depth - 1) + "}"
            lines.append("    " + piece)
        return "''\n" + "\n".join(lines) + "\n  ''"

    def list_(self, depth: int) -> str:
        items = [self.operand(depth - 1) for _ in range(self.rng.randint(0, 3))]
        return "[" + "".join(self.ws() + item for item in items) + self.ws() + "]"

    def select(self, depth: int) -> str:
        base = self.rng.choice([self.var(), f"({self.attrset(depth - 1)})"])
        path = ".".join(self.rng.choice(["a", '"getty@"', "b", "${\"c\"}"]) for _ in range(self.rng.randint(1, 2)))
        tail = f" or {self.operand(depth - 1)}" if self.rng.random() < 0.5 else ""
        return f"{base}.{path}{tail}"

    # -- attribute sets ------------------------------------------------------

    def attr_key(self, allow_dynamic: bool) -> str:
        roll = self.rng.random()
        name = self.fresh("k")
        if roll < 0.55:
            return name
        if roll < 0.7:
            return f"{name}.sub.leaf"
        if roll < 0.85:
            return f'"{name}-getty@"' + self.rng.choice(["", ".wantedBy"])
        if allow_dynamic:
            return '${"' + name + '"}'
        return f'"{name} x,}}"'

    def bindings(self, depth: int, in_let: bool) -> tuple[list[str], list[str]]:
        """Binding texts, and the plain names a `let` of them would bring into scope."""
        out, names = [], []
        for _ in range(self.rng.randint(0, 4)):
            roll = self.rng.random()
            if roll < 0.1:
                # `inherit` of a bound name, under a fresh name so nothing repeats.
                inner = self.fresh("i")
                source = self.rng.choice(["{ " + inner + " = 1; }", self.var()])
                out.append(f"inherit ({source}) {inner};")
                names.append(inner)
            elif roll < 0.2 and self.scope:
                name = self.rng.choice(self.scope)
                if name not in names and name not in ("true", "false", "null"):
                    out.append(f"inherit {name};")  # `inherit x;` from the enclosing scope
                    names.append(name)
            else:
                key = self.fresh("l") if in_let else self.attr_key(allow_dynamic=True)
                out.append(f"{key}{self.ws()}={self.ws()}{self.expr(depth - 1)};")
                names.append(key)
        return out, names

    def attrset(self, depth: int) -> str:
        if depth <= 0:
            return self.rng.choice(["{ }", "{}", "{ k0 = 1; }"])
        rec = "rec " if self.rng.random() < 0.25 else ""
        body = "".join(self.ws() + b for b in self.bindings(depth, in_let=False)[0])
        return f"{rec}{{{body}{self.ws()}}}"

    # -- compound expressions ------------------------------------------------

    def expr(self, depth: int) -> str:
        if depth <= 0:
            return self.atom(0)
        shape = self.rng.choice(
            [self.atom, self.atom, self.let, self.with_, self.if_, self.lambda_, self.lambda_,
             self.binop, self.binop, self.unop, self.apply, self.assert_]
        )
        return shape(depth)

    def let(self, depth: int) -> str:
        saved = list(self.scope)
        binds, names = self.bindings(depth, in_let=True)
        self.scope += names
        body = self.expr(depth - 1)
        self.scope = saved
        inner = "".join("\n  " + b for b in binds)
        return f"let{inner}\nin{self.ws()}{body}"

    def with_(self, depth: int) -> str:
        return f"with {self.operand(depth - 1)};{self.ws()}{self.expr(depth - 1)}"

    def if_(self, depth: int) -> str:
        return (
            f"if {self.operand(depth - 1)}{self.ws()}then {self.expr(depth - 1)}"
            f"{self.ws()}else {self.expr(depth - 1)}"
        )

    def assert_(self, depth: int) -> str:
        return f"assert {self.operand(depth - 1)};{self.ws()}{self.expr(depth - 1)}"

    def binop(self, depth: int) -> str:
        op = self.rng.choice(["+", "-", "*", "/", "++", "//", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "->"])
        return f"{self.operand(depth - 1)} {op} {self.operand(depth - 1)}"

    def unop(self, depth: int) -> str:
        roll = self.rng.random()
        if roll < 0.4:
            return f"!{self.operand(depth - 1)}"
        if roll < 0.7:
            return f"-{self.operand(depth - 1)}"
        return f"{self.operand(depth - 1)} ? " + self.rng.choice(["a", "a.b", '"getty@"'])

    def apply(self, depth: int) -> str:
        fn = self.rng.choice(["toString", "builtins.length", "builtins.attrNames", f"({self.lambda_(depth - 1)})"])
        return f"{fn} {self.operand(depth - 1)}"

    def lambda_(self, depth: int) -> str:
        saved = list(self.scope)
        if self.rng.random() < 0.3:
            name = self.fresh("x")
            self.scope.append(name)
            head = f"{name}:"
        else:
            head = self.formals(depth)
        body = self.expr(depth - 1)
        self.scope = saved
        return f"{head}{self.ws()}{body}"

    def formals(self, depth: int) -> str:
        """`{ a, b ? {}, ... }:` in its many spellings, binding the names it declares."""
        names = [self.fresh("f") for _ in range(self.rng.randint(0, 3))]
        items = []
        for name in names:
            if self.rng.random() < 0.3:
                default = self.rng.choice(["{}", "{ }", "[ ]", "null", '"x,}"', "''a,}''", self.operand(depth - 1)])
                items.append(f"{name} ? {default}")
            else:
                items.append(name)
        self.scope += names
        if self.rng.random() < 0.3 or not items:
            items.append("...")
        sep = self.rng.choice([", ", ",\n  ", ",\n  # c, d\n  "])
        text = sep.join(items)
        if items[-1] != "..." and self.rng.random() < 0.6:
            # The shape tree-sitter-nix 0.1.0 rejects and Nix accepts.
            text += self.rng.choice([",", ", ", ",\n", ", /* c, */ ", ", # c,}\n"])
        head = "{ " + text + " }"
        roll = self.rng.random()
        if roll < 0.15:
            at = self.fresh("args")
            self.scope.append(at)
            head = f"{at}@{head}"
        elif roll < 0.3:
            at = self.fresh("args")
            self.scope.append(at)
            head = f"{head}@{at}"
        return head + ":"

    # -- files ---------------------------------------------------------------

    def module(self) -> str:
        """A NixOS-module-like file: top-level formals, then a body."""
        head = self.formals(1)
        kind = self.rng.random()
        if kind < 0.4:
            body = self.attrset(3)
        elif kind < 0.7:
            body = self.let(3)
        else:
            body = self.expr(3)
        comment = self.rng.choice(["", "# a module, }\n"])
        return f"{comment}{head}\n{body}\n"


def valid_text(rng: random.Random) -> bytes:
    gen = NixGen(rng)
    text = gen.module() if rng.random() < 0.6 else gen.expr(rng.randint(1, 4)) + "\n"
    data = text.encode()
    roll = rng.random()
    if roll < 0.1:
        data = data.replace(b"\n", b"\r\n")
    elif roll < 0.2:
        data = data.rstrip(b"\n")
    return data


# -- invalid mutations --------------------------------------------------------


def _positions(data: bytes, byte: int) -> list[int]:
    return [i for i, b in enumerate(data) if b == byte]


def drop_semicolon(rng: random.Random, data: bytes) -> bytes | None:
    spots = _positions(data, ord(";"))
    if not spots:
        return None
    i = rng.choice(spots)
    return data[:i] + data[i + 1:]


def drop_brace(rng: random.Random, data: bytes) -> bytes | None:
    spots = _positions(data, ord(rng.choice("{}")))
    if not spots:
        return None
    i = rng.choice(spots)
    return data[:i] + data[i + 1:]


def extra_brace(rng: random.Random, data: bytes) -> bytes:
    i = rng.randint(0, len(data))
    if data[i - 1:i] == b"\r":
        i -= 1  # a lone CR ends a `#` comment for Nix but not for tree-sitter-nix
    return data[:i] + rng.choice([b"{", b"}", b"(", b"]"]) + data[i:]


def truncate(rng: random.Random, data: bytes) -> bytes:
    # Cut past the first line (so some code is left: Nix rejects a file of
    # only comments, which the linter accepts) and never just after a `/`
    # (Nix rejects `./dir/`, a trailing slash, where tree-sitter reads a path).
    low = data.find(b"\n") + 2
    for _ in range(20):
        i = rng.randint(low, max(low, len(data) - 2))
        if data[i - 1:i] != b"/":
            return data[:i]
    return data[: len(data) - 1]


def stray_token(rng: random.Random, data: bytes) -> bytes | None:
    spots = _positions(data, ord(" "))
    if not spots:
        return None
    i = rng.choice(spots)
    token = rng.choice([b";", b")", b"=", b"in", b"then", b",", b"else", b"@", b":", b"..."])
    if token.isalpha():
        # tree-sitter-nix 0.1.0 reads a keyword as a name wherever only a name
        # fits (`{ a, else }:`, `inherit else;`, `x.else`), which Nix rejects;
        # put keywords only after a complete expression or binding.
        statement = data[max(data.rfind(b";", 0, i), data.rfind(b"{", 0, i)) + 1: i]
        if not data[:i].rstrip().endswith((b";", b")", b"]")) or b"inherit" in statement:
            token = b")"
    return data[:i] + b" " + token + b" " + data[i:]


def bad_formals(rng: random.Random, data: bytes) -> bytes:
    """Commas that only a trailing-formal-comma blanker could wrongly accept."""
    head = rng.choice([b"{ a, , }: a", b"{ a, ..., }: a", b"{ , }: 1", b"{ a ? , }: a", b"{ ..., a }: a"])
    body = rng.choice([b"{ k = 1;, }", b"{ , }", b"[ 1, 2 ]", b'"${a,}"'])
    return rng.choice([head, b"{ a, }: " + body, b"let x = " + body + b"; in { y, }: x"]) + b"\n"


def unterminated_string(rng: random.Random, data: bytes) -> bytes:
    return data.rstrip() + rng.choice([b' + "open', b" + ''open\n", b" /* open", b' + "${'])


MUTATIONS = [drop_semicolon, drop_brace, extra_brace, truncate, stray_token, bad_formals, unterminated_string]


def invalid_text(rng: random.Random) -> tuple[str, bytes]:
    while True:
        base = valid_text(rng)
        mutate = rng.choice(MUTATIONS)
        out = mutate(rng, base)
        if out is not None and out != base:
            return mutate.__name__, out


def generate(count: int, seed: int = 0, invalid_share: float = 0.4) -> list[Case]:
    """`count` cases, about `invalid_share` of them mutated to be invalid."""
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        if rng.random() < invalid_share:
            how, text = invalid_text(rng)
            cases.append(Case(f"gen-{seed}-{n:04d}-{how}", text, False))
        else:
            cases.append(Case(f"gen-{seed}-{n:04d}-valid", valid_text(rng), True))
    return cases


if __name__ == "__main__":  # print a few, to eyeball them
    import sys

    for case in generate(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(f"### {case.name}\n{case.text.decode()}")
