"""Configuration: `[tool.stereos-lint]` in pyproject.toml or a `.stereos-lint.toml`,
found by walking up from the first path, validated before anything runs.

Every key is declared here with its type; an unknown key, a wrong type or an
unknown rule code is a `SettingsError` (the CLI exits 2), never ignored.
"""
from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from .findings import Severity

CONFIG_FILE = ".stereos-lint.toml"
SEVERITIES = {s.value for s in Severity}


class SettingsError(Exception):
    """A configuration that cannot be used: the message names the file and the key."""


@dataclass
class Settings:
    select: list[str] = field(default_factory=list)          # empty: every rule
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)   # code -> error | warning | info
    systems: list[str] = field(default_factory=list)          # architectures judged where a system's is unknown
    system_tables: dict[str, dict] = field(default_factory=dict)   # [systems.NAME]: explicit systems
    roots: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)         # globs of paths not to lint
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    policy: list[dict] = field(default_factory=list)         # declarative invariants ([[tool.stereos-lint.invariant]])
    source: str | None = None                                # the file these came from
    base_dir: str = "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "select": self.select,
            "extend-select": self.extend_select,
            "ignore": self.ignore,
            "severity": self.severity,
            "systems": self.system_tables or self.systems,
            "architectures": self.systems,
            "roots": self.roots,
            "exclude": self.exclude,
            "per-file-ignores": self.per_file_ignores,
        }

    def ignored_for(self, path: str) -> list[str]:
        """Codes ignored in `path` by per-file-ignores (globs relative to the config file)."""
        if not self.per_file_ignores:
            return []  # the common case, asked once per finding: skip the path arithmetic
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.base_dir))
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
                codes.extend(ignored)
        return codes

    def excluded(self, path: str) -> bool:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(self.base_dir))
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.exclude)


_LISTS = {"select": "select", "extend-select": "extend_select", "ignore": "ignore", "systems": "systems",
          "architectures": "systems", "roots": "roots", "exclude": "exclude"}
_ARCHITECTURE = re.compile(r"[a-z0-9_]+-(linux|darwin)")
_SYSTEM_KEYS = {"modules", "system"}


def find_config(start: str) -> str | None:
    """The nearest `.stereos-lint.toml`, or pyproject.toml with a [tool.stereos-lint] table."""
    directory = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        candidate = os.path.join(directory, CONFIG_FILE)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject):
            try:
                with open(pyproject, "rb") as handle:
                    if "stereos-lint" in tomllib.load(handle).get("tool", {}):
                        return pyproject
            except (OSError, tomllib.TOMLDecodeError):
                pass
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_settings(path: str | None, known_codes: set[str], packs: set[str]) -> Settings:
    if path is None:
        return Settings()
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the configuration: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    table = document.get("tool", {}).get("stereos-lint", {}) if path.endswith("pyproject.toml") else document
    prefix = "[tool.stereos-lint]" if path.endswith("pyproject.toml") else ""
    settings = Settings(source=path, base_dir=os.path.dirname(os.path.abspath(path)))
    for key, value in table.items():
        where = f"{path}: {prefix}{'.' if prefix else ''}{key}"
        if key == "systems" and isinstance(value, dict):
            settings.system_tables = _system_tables(value, where)
        elif key in _LISTS:
            setattr(settings, _LISTS[key], _string_list(value, where))
        elif key == "severity":
            settings.severity = _severity_table(value, where)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: expected a table of glob = [codes]")
            settings.per_file_ignores = {glob: _string_list(codes, f"{where}.{glob}") for glob, codes in value.items()}
        elif key == "invariant":
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise SettingsError(f"{where}: expected [[invariant]] tables")
            settings.policy = value
        else:
            raise SettingsError(f"{where}: unknown setting (known: {', '.join(sorted([*_LISTS, 'severity', 'per-file-ignores', 'invariant']))})")
    known_codes = known_codes | {t["code"] for t in settings.policy if isinstance(t.get("code"), str)}
    packs = packs | {"policy"}
    for key in ("select", "extend_select", "ignore"):
        for code in getattr(settings, key):
            check_code(code, known_codes, packs, f"{path}: {key.replace('_', '-')}")
    for code in settings.severity:
        if code not in known_codes:
            raise SettingsError(f"{path}: severity: unknown rule code {code}")
    for glob, codes in settings.per_file_ignores.items():
        for code in codes:
            check_code(code, known_codes, packs, f"{path}: per-file-ignores.{glob}")
    return settings


def check_code(code: str, known_codes: set[str], packs: set[str], where: str) -> None:
    """A selector is a rule code, a prefix of one (`ST1`, `NX`), or a pack name."""
    if code in packs or any(known.startswith(code) for known in known_codes):
        return
    raise SettingsError(f"{where}: unknown rule code or pack {code!r}")


def _string_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"{where}: expected a list of strings")
    return value


def _system_tables(value: dict, where: str) -> dict[str, dict]:
    """`[systems.NAME]` tables: `modules` (files, in order) and an optional `system`."""
    tables = {}
    for name, table in value.items():
        here = f"{where}.{name}"
        if not isinstance(table, dict):
            raise SettingsError(f"{here}: expected a table with modules = [files] and system = \"ARCH\"")
        for key in table:
            if key not in _SYSTEM_KEYS:
                raise SettingsError(f"{here}: unknown key {key!r} (known: modules, system)")
        if "modules" not in table:
            raise SettingsError(f"{here}: a system needs modules = [files]")
        modules = _string_list(table["modules"], f"{here}.modules")
        system = table.get("system")
        if system is not None and (not isinstance(system, str) or not _ARCHITECTURE.fullmatch(system)):
            raise SettingsError(f"{here}.system: expected an architecture such as aarch64-linux")
        tables[name] = {"modules": modules, "system": system}
    return tables


def _severity_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise SettingsError(f"{where}: expected a table of CODE = \"error\" | \"warning\" | \"info\"")
    for code, severity in value.items():
        if severity not in SEVERITIES:
            raise SettingsError(f"{where}.{code}: severity must be one of error, warning, info (got {severity!r})")
    return dict(value)
