"""The local files a Nix file names in path literals, found in its bytes without parsing
(a scan of a whole tree costs little): those it may use as modules (`imports = [ ./x ]`,
`./modules + "/x.nix"`), which link files that must be judged together, and those it
loads as values (`import ./overlay.nix`, `pkgs.callPackage ./pkgs/tool { }`), which are
parts of it -- an overlay, a helper, a package, data -- and never systems of their own.
"""
from __future__ import annotations

import os
import re

# A Nix path literal is PATH_CHAR* (/ PATH_CHAR+)+, as Nix's lexer has it.  The scan finds
# the slashed part (a pattern that starts with `/` is quick to search for), optionally
# followed by `+ "suffix"` (`./modules + "/x.nix"`, which the evaluator resolves), then
# takes the PATH_CHARs before it; a token glued to `/`, `~` (home paths), `<` (search
# paths) or `$` (a shell variable in a string, `$out/bin`) is not a file of the tree.
_SLASHED = re.compile(rb'((?:/[A-Za-z0-9._+\-]+)+)/?(?:\s*\+\s*"([^"$\\]*)")?')
_PATH_CHARS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-"
_LOADERS = re.compile(rb'(?:\bimport|callPackages?|callPackage_i686)\s*\(?\s*$')


def loaded_by(files: list[str], read) -> set[str]:
    """The files that any of `files` loads as values (`read(path)` gives a file's bytes)."""
    cache: dict = {}
    return {target for path in files for target in targets(os.path.abspath(path), read(path), cache)[1]}


_CALLED = re.compile(rb"\s*[{(\"\[A-Za-z_]")   # an argument follows the path


def targets(path: str, data: bytes, cache: dict | None = None) -> tuple[list[str], list[str]]:
    """(the files `data` names as possible modules, the files it loads as values: with
    `import` or `callPackage` written before a path literal, not in a `#` comment), in one
    scan.  A flake.nix loading a module tree bare (`nixosModules.default = import
    ./modules;`) exports it: that tree is a module of its own; what a flake calls
    (`import ./checks.nix { … }`) is loaded."""
    cache = {} if cache is None else cache
    directory = os.path.dirname(path)
    flake = os.path.basename(path) == "flake.nix"
    linked: dict[str, None] = {}
    loaded: dict[str, None] = {}
    for match in _SLASHED.finditer(data):
        at = match.start()
        low = max(0, at - 255)
        start = low + len(data[low:at].rstrip(_PATH_CHARS))
        if start > 0 and data[start - 1] in b"/~<$":
            continue
        literal, suffix = data[start:match.end(1)], match.group(2)
        if _LOADERS.search(data, max(0, start - 40), start) is None:
            found = linked
        elif suffix is None and b"#" not in data[data.rfind(b"\n", 0, start) + 1:start] \
                and (not flake or _CALLED.match(data, match.end())):
            found = loaded
        else:
            continue
        key = (directory if not literal.startswith(b"/") else "", literal, suffix)
        if key not in cache:
            cache[key] = _resolve(directory, literal.decode("utf-8", "replace"),
                                  suffix.decode("utf-8", "replace") if suffix is not None else None)
        found.update(dict.fromkeys(cache[key]))
    return list(linked), list(loaded)


def _resolve(directory: str, literal: str, suffix: str | None) -> list[str]:
    base = os.path.normpath(literal if literal.startswith("/") else os.path.join(directory, literal))
    targets = []
    for candidate in [base] if suffix is None else [base, base + suffix]:
        if os.path.isdir(candidate):
            candidate = os.path.join(candidate, "default.nix")
        if candidate.endswith(".nix") and os.path.isfile(candidate):
            targets.append(os.path.normpath(candidate))
    return targets
