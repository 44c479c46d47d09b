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


def import_targets(path: str, data: bytes, cache: dict | None = None) -> list[str]:
    """Existing `.nix` files (or folders' `default.nix`) that path literals in `data` name,
    but those it loads as values.  `cache` remembers what a (folder, literal) resolved to,
    across files."""
    return _targets(path, data, cache, loaded=False)


def loaded_targets(path: str, data: bytes, cache: dict | None = None) -> list[str]:
    """Existing `.nix` files (or folders' `default.nix`) that `data` loads with `import` or
    `callPackage` written before a path literal (not in a `#` comment)."""
    return _targets(path, data, cache, loaded=True)


def loaded_by(files: list[str], read) -> set[str]:
    """The files that any of `files` loads as values (`read(path)` gives a file's bytes).
    A flake.nix loading a module tree (`nixosModules.default = import ./modules;`) exports
    it: that tree is a module of its own; what a flake calls (`import ./checks.nix { … }`)
    is loaded."""
    cache: dict = {}
    return {target for path in files
            for target in _targets(os.path.abspath(path), read(path), cache, loaded=True,
                                   called=os.path.basename(path) == "flake.nix")}


_CALLED = re.compile(rb"\s*[{(\"\[A-Za-z_]")   # an argument follows the path


def _targets(path: str, data: bytes, cache: dict | None, loaded: bool, called: bool = False) -> list[str]:
    cache = {} if cache is None else cache
    directory = os.path.dirname(path)
    found: dict[str, None] = {}
    for match in _SLASHED.finditer(data):
        at = match.start()
        low = max(0, at - 255)
        start = low + len(data[low:at].rstrip(_PATH_CHARS))
        if start > 0 and data[start - 1] in b"/~<$":
            continue
        if (_LOADERS.search(data, max(0, start - 40), start) is not None) != loaded:
            continue
        literal, suffix = data[start:match.end(1)], match.group(2)
        if loaded and (suffix is not None or b"#" in data[data.rfind(b"\n", 0, start) + 1:start]):
            continue
        if called and not _CALLED.match(data, match.end()):
            continue
        key = (directory if not literal.startswith(b"/") else "", literal, suffix)
        if key not in cache:
            cache[key] = _resolve(directory, literal.decode("utf-8", "replace"),
                                  suffix.decode("utf-8", "replace") if suffix is not None else None)
        found.update(dict.fromkeys(cache[key]))
    return list(found)


def _resolve(directory: str, literal: str, suffix: str | None) -> list[str]:
    base = os.path.normpath(literal if literal.startswith("/") else os.path.join(directory, literal))
    targets = []
    for candidate in [base] if suffix is None else [base, base + suffix]:
        if os.path.isdir(candidate):
            candidate = os.path.join(candidate, "default.nix")
        if candidate.endswith(".nix") and os.path.isfile(candidate):
            targets.append(os.path.normpath(candidate))
    return targets
