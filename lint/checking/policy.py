"""Declarative invariants: a team's NixOS policy as configuration, no Python.

An invariant names an option (a path; `*` stands for any one attribute name)
and one predicate over its effective value:

    [[tool.stereos-lint.invariant]]        # or [[invariant]] in .stereos-lint.toml
    code = "SEC001"
    name = "ssh-no-passwords"
    option = "services.openssh.settings.PasswordAuthentication"
    equals = false
    severity = "error"
    why = "passwords can be guessed; keys cannot"

Predicates: `equals`, `one-of`, `not`, `at-most`, `at-least` (numbers, and
systemd time spans or sizes such as `3s`, `32M`, compared by value),
`contains` / `not-contains` (lists), `matches` (a regular expression searched
in a string), `present` / `absent`.  Optional: `system` (judge only there),
`forced` (the winning definition must beat a plain one: `lib.mkForce`), `siblings`
(options a missing one is reported next to), `message` (a template with
`{option}`, `{value}`, `{expected}`, `{why}`).

A rule pack file (`rules/<pack>/*.toml`) holds one rule: `code`, `name`,
`severity`, `summary`, `doc`, and its checks as `[[invariant]]` tables.
Malformed input is a `SettingsError` naming the file and line.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..modules.config import format_option, parse_option
from .findings import Finding, Severity
from ..nix.nixlib import PLAIN_PRIORITY
from ..nix.operators import is_fully_known
from .rule import ConfigContext, Rule, expect_value, nix_literal, where
from .settings import SettingsError
from .sizes import parse_size
from .timespan import TimeSpanError, parse_timespan

PREDICATES = ("equals", "one-of", "not", "at-most", "at-least", "contains", "not-contains", "matches",
              "present", "absent")
CHECK_KEYS = frozenset({"option", "options", "siblings", "system", "forced", "why", "message", *PREDICATES})
RULE_KEYS = frozenset({"code", "name", "severity", "summary", "doc", "invariant"})
_CODE = re.compile(r"[A-Z][A-Z0-9]*[0-9]+")
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SYSTEM = re.compile(r"[a-z0-9_]+-(linux|darwin)")
_SATISFIED_WHEN_MISSING = frozenset({"not", "not-contains", "absent"})


@dataclass
class Check:
    options: list[str]
    predicate: str
    expected: Any
    why: str = ""
    message: str | None = None
    system: str | None = None
    forced: bool = False
    siblings: list[str] = field(default_factory=list)


@dataclass
class Locator:
    """Finds the line of the N-th invariant table (and of a key in it) in a TOML file's text."""

    path: str
    text: str
    header: str

    def where(self, index: int | None, key: str | None = None) -> str:
        lines = self.text.splitlines()
        line = 1
        if index is not None:
            headers = [i for i, l in enumerate(lines) if l.strip() == self.header]
            if index < len(headers):
                line = headers[index] + 1
                if key is not None:
                    for i in range(headers[index] + 1, len(lines)):
                        stripped = lines[i].strip()
                        if stripped.startswith("["):
                            break
                        if re.match(rf'"?{re.escape(key)}"?\s*=', stripped):
                            line = i + 1
                            break
        elif key is not None:
            for i, l in enumerate(lines):
                if re.match(rf'\s*"?{re.escape(key)}"?\s*=', l):
                    line = i + 1
                    break
        return f"{self.path}:{line}"


# --- loading -----------------------------------------------------------------------------------

def load_pack_file(path: str, pack: str) -> Rule:
    """One rule of a shipped pack, from `rules/<pack>/<name>.toml`."""
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: not valid TOML: {error}") from None
    locator = Locator(path, raw.decode("utf-8"), "[[invariant]]")
    return _rule(table, locator, None, pack, authority="the SPEC")


def rules_from_settings(invariants: list[dict], source: str | None, taken: set[str]) -> list[Rule]:
    """The rules of `[[invariant]]` tables in a configuration file; codes must be new."""
    if not invariants:
        return []
    text = open(source, encoding="utf-8").read() if source and os.path.isfile(source) else ""
    header = "[[tool.stereos-lint.invariant]]" if source and source.endswith("pyproject.toml") else "[[invariant]]"
    locator = Locator(source or "configuration", text, header)
    rules: dict[str, Rule] = {}
    for index, table in enumerate(invariants):
        code = table.get("code")
        if isinstance(code, str) and (code in taken):
            raise SettingsError(f"{locator.where(index, 'code')}: invariant code {code} is already a shipped rule")
        if isinstance(code, str) and code in rules:
            raise SettingsError(f"{locator.where(index, 'code')}: invariant code {code} is used twice")
        rule = _rule(table, locator, index, "policy", authority="the policy")
        rules[rule.code] = rule
    return list(rules.values())


def _rule(table: dict, locator: Locator, index: int | None, pack: str, authority: str) -> Rule:
    def fail(key: str | None, message: str, check_index: int | None = None) -> SettingsError:
        at = locator.where(check_index if check_index is not None else index, key)
        return SettingsError(f"{at}: {message}")

    allowed = RULE_KEYS | (CHECK_KEYS if index is not None else frozenset())
    for key in table:
        if key not in allowed:
            raise fail(key, f"unknown key {key!r} (known: {', '.join(sorted(allowed))})")
    code = table.get("code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise fail("code", "code must be upper-case letters followed by digits, such as SEC001")
    name = table.get("name", code.lower())
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("name", "name must be kebab-case, such as ssh-no-passwords")
    severity = table.get("severity", "error")
    if severity not in {s.value for s in Severity}:
        raise fail("severity", "severity must be one of error, warning, info")
    if index is not None:  # a configuration invariant: the table is its own single check
        checks = [_check(table, lambda key, message: fail(key, message))]
    else:
        tables = table.get("invariant")
        if not isinstance(tables, list) or not tables:
            raise fail(None, "a rule pack file needs at least one [[invariant]] table")
        checks = []
        for i, check_table in enumerate(tables):
            for key in check_table:
                if key not in CHECK_KEYS:
                    raise fail(key, f"unknown key {key!r} in an invariant", i)
            checks.append(_check(check_table, lambda key, message, i=i: fail(key, message, i)))
    summary = table.get("summary") or _summary(checks)
    doc = table.get("doc") or _doc(summary, checks)
    fixable = any(c.predicate == "equals" for c in checks)

    def check(ctx: ConfigContext) -> Iterator[Finding]:
        for item in checks:
            yield from evaluate(ctx, item, authority)

    check.__doc__ = doc
    reads = tuple(dict.fromkeys(option for item in checks for option in item.options))
    return Rule(code, name, Severity(severity), summary, check, "config", fixable, pack, doc, reads=reads,
                documented_in=locator.path if os.path.isabs(locator.path) or os.path.isfile(locator.path) else None)


def _check(table: dict, fail) -> Check:
    present = [p for p in PREDICATES if p in table]
    if len(present) != 1:
        raise fail(None, f"an invariant needs exactly one predicate of {', '.join(PREDICATES)}"
                         + (f" (found {', '.join(present)})" if present else ""))
    predicate = present[0]
    expected = table[predicate]
    if "option" in table and "options" in table:
        raise fail("options", "give either option or options, not both")
    options = table.get("options", [table["option"]] if "option" in table else None)
    if not isinstance(options, list) or not options or not all(isinstance(o, str) for o in options):
        raise fail("option", "option must be an option path such as services.openssh.enable")
    for option in options + list(table.get("siblings", [])):
        if not _valid_path(option):
            raise fail("option", f"{option!r} is not an option path (names separated by dots, * for any name)")
    _validate_expected(predicate, expected, fail)
    system = table.get("system")
    if system is not None and (not isinstance(system, str) or not _SYSTEM.fullmatch(system)):
        raise fail("system", "system must be a system such as aarch64-linux or x86_64-linux")
    forced = table.get("forced", False)
    if not isinstance(forced, bool):
        raise fail("forced", "forced must be true or false")
    for key in ("why", "message"):
        if key in table and not isinstance(table[key], str):
            raise fail(key, f"{key} must be a string")
    siblings = table.get("siblings", options)
    if not isinstance(siblings, list):
        raise fail("siblings", "siblings must be a list of option paths")
    return Check(options, predicate, expected, table.get("why", ""), table.get("message"), system, forced,
                 siblings)


def _valid_path(option: str) -> bool:
    path = parse_option(option)
    return all(part and (part == "*" or "*" not in part) for part in path)


def _validate_expected(predicate: str, expected: Any, fail) -> None:
    if predicate in ("present", "absent"):
        if expected is not True:
            raise fail(predicate, f"{predicate} takes true")
    elif predicate == "one-of":
        if not isinstance(expected, list) or not expected:
            raise fail(predicate, "one-of takes a non-empty list of values")
    elif predicate in ("at-most", "at-least"):
        if isinstance(expected, bool) or not (isinstance(expected, (int, float)) or
                                              (isinstance(expected, str) and _quantity(expected) is not None)):
            raise fail(predicate, f"{predicate} takes a number, a time span (3s) or a size (32M)")
    elif predicate in ("contains", "not-contains"):
        if isinstance(expected, (list, dict)):
            raise fail(predicate, f"{predicate} takes one list item (a string, number or bool)")
    elif predicate == "matches":
        if not isinstance(expected, str):
            raise fail(predicate, "matches takes a regular expression string")
        try:
            re.compile(expected)
        except re.error as error:
            raise fail(predicate, f"bad regular expression: {error}") from None


# --- judging -------------------------------------------------------------------------------------

def evaluate(ctx: ConfigContext, check: Check, authority: str) -> Iterator[Finding]:
    if check.system and ctx.arch_specific and ctx.system != check.system:
        return
    for option in expand(ctx, check.options):
        if check.predicate == "equals":
            yield from expect_value(ctx, option, check.expected, check.why, siblings=check.siblings,
                                    max_priority=PLAIN_PRIORITY - 1 if check.forced else None, authority=authority)
            continue
        found = _judge(ctx, option, check, authority)
        if found is not None:
            yield found


def expand(ctx: ConfigContext, options: list[str]) -> list[str]:
    """Concrete option paths: each `*` replaced by every attribute name defined there."""
    out: list[str] = []
    for option in options:
        paths: list[tuple[str, ...]] = [()]
        for part in parse_option(option):
            if part == "*":
                paths = [p + (name,) for p in paths for name in ctx.config.children(p)]
            else:
                paths = [p + (part,) for p in paths]
        out.extend(format_option(p) for p in paths)
    return out


def _judge(ctx: ConfigContext, option: str, check: Check, authority: str) -> Finding | None:
    resolution = ctx.config.resolve(option)
    name = format_option(resolution.option)
    requirement = requirement_text(check.predicate, check.expected)
    why = f": {check.why}" if check.why else ""
    if not resolution.defined:
        if check.predicate in _SATISFIED_WHEN_MISSING:
            return None
        anchor = ctx.config.anchor(option, check.siblings)
        return ctx.system_finding(anchor, _message(check, name, None, f"{name} is not set{ctx.on} but {authority} "
                                                             f"requires it {requirement}{why}"))
    winner = resolution.winner
    span = winner.span if winner else None
    if check.predicate == "absent":
        return ctx.finding(span, _message(check, name, resolution.value,
                                          f"{name} is set ({where(winner)}){ctx.on} but {authority} requires "
                                          f"it {requirement}{why}"), resolution=resolution)
    if check.predicate == "present":
        return _forced(ctx, resolution, check, name, authority, why)
    if not resolution.known:
        return ctx.cannot_verify(resolution, f"it {requirement}", authority)
    verdict = holds(check.predicate, resolution.value, check.expected)
    if verdict:
        return _forced(ctx, resolution, check, name, authority, why)
    # A list that lacks an item is only wrong in a whole system: other modules may add it.
    if check.predicate == "not-contains" and resolution.items:
        offending = [i for i in resolution.items if i.value == check.expected]
        if offending and offending[0].span is not None:
            span = offending[0].span
    message = _message(check, name, resolution.value, f"{name} is {nix_literal(resolution.value)} ({where(winner)})"
                                                      f"{ctx.on} but {authority} requires it {requirement}{why}")
    return ctx.system_finding(span, message) if check.predicate == "contains" else \
        ctx.finding(span, message, resolution=resolution)


def _forced(ctx, resolution, check: Check, name: str, authority: str, why: str) -> Finding | None:
    """A right value that a plain definition elsewhere would still beat or conflict with (a
    priority of 100 or more: plain, lib.mkDefault); lib.mkForce, or any mkOverride below 100,
    beats it."""
    if not check.forced or resolution.priority is None or resolution.priority < PLAIN_PRIORITY:
        return None
    winner = resolution.winner
    return ctx.finding(winner.span if winner else None,
                       f"{name} has priority {resolution.priority} ({where(winner)}){ctx.on}, which does not beat "
                       f"another module's plain definition; {authority} requires lib.mkForce{why}")


def _message(check: Check, name: str, value: Any, default: str) -> str:
    if not check.message:
        return default
    try:
        return check.message.format(option=name, value=nix_literal(value) if value is not None else "unset",
                                    expected=nix_literal(check.expected), why=check.why)
    except (KeyError, IndexError, ValueError):
        return check.message


def holds(predicate: str, value: Any, expected: Any) -> bool:
    """Whether a known value satisfies a predicate (False for a value of the wrong kind)."""
    if predicate == "equals":
        return _equal(value, expected)
    if predicate == "one-of":
        return any(_equal(value, option) for option in expected)
    if predicate == "not":
        return not _equal(value, expected)
    if predicate in ("at-most", "at-least"):
        pair = _comparable(value, expected)
        if pair is None:
            return False
        actual, limit = pair
        return actual <= limit if predicate == "at-most" else actual >= limit
    if predicate == "contains":
        return isinstance(value, list) and any(_equal(item, expected) for item in value)
    if predicate == "not-contains":
        return isinstance(value, list) and not any(_equal(item, expected) for item in value)
    if predicate == "matches":
        return isinstance(value, str) and re.search(expected, value) is not None
    return is_fully_known(value)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _quantity(text: str) -> tuple[str, float] | None:
    """('time', seconds) or ('size', bytes) for a string such as `3s` or `32M`."""
    try:
        return "time", float(parse_timespan(text).seconds)
    except (TimeSpanError, ValueError, AttributeError):
        pass
    size = parse_size(text)
    return ("size", float(size)) if size is not None else None


def _comparable(value: Any, expected: Any) -> tuple[float, float] | None:
    if isinstance(value, bool):
        return None
    if isinstance(expected, (int, float)):
        return (float(value), float(expected)) if isinstance(value, (int, float)) else None
    kind_limit = _quantity(expected)
    if kind_limit is None:
        return None
    kind, limit = kind_limit
    if isinstance(value, (int, float)):
        return float(value), limit   # a bare number: seconds or bytes, as systemd reads it
    if isinstance(value, str):
        parsed = _quantity(value)
        if parsed is not None and parsed[0] == kind:
            return parsed[1], limit
    return None


def requirement_text(predicate: str, expected: Any) -> str:
    literal = nix_literal(expected) if not isinstance(expected, str) or predicate not in (
        "at-most", "at-least", "matches") else expected
    return {
        "equals": f"to be {literal}",
        "one-of": "to be one of " + ", ".join(nix_literal(x) for x in expected) if isinstance(expected, list) else "",
        "not": f"not to be {literal}",
        "at-most": f"to be at most {literal}",
        "at-least": f"to be at least {literal}",
        "contains": f"to contain {literal}",
        "not-contains": f"not to contain {literal}",
        "matches": f"to match /{literal}/",
        "present": "to be set",
        "absent": "not to be set",
    }[predicate]


def _summary(checks: list[Check]) -> str:
    first = checks[0]
    return f"{', '.join(first.options)} {requirement_text(first.predicate, first.expected).replace('to be ', 'is ', 1)}"


def _doc(summary: str, checks: list[Check]) -> str:
    lines = [checks[0].why or summary, ""]
    for check in checks:
        scope = f" (on {check.system})" if check.system else ""
        forced = ", forced with lib.mkForce" if check.forced else ""
        phrase = requirement_text(check.predicate, check.expected)
        lines.extend(f"    {option} is required {phrase}{forced}{scope}" for option in check.options)
    return "\n".join(lines)
