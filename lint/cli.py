"""The command line: wires options to the engine and the reporters, nothing more.

Exit codes: 0 nothing to report (or --exit-zero), 1 an error or warning was
found, 2 a usage or configuration error or a path that does not exist.
Informational findings ("cannot verify") never fail a run.
"""
from __future__ import annotations

import json
import os
import sys

import click

from . import __version__
from .discover import PathError, discover
from .engine import load_rules, run
from .explain_value import records, render_text
from .findings import Severity
from .fixes import fixed_files, unified_diff
from .project import DEFAULT_SYSTEMS, Project
from .reporters import REPORTERS, render

SUBCOMMANDS = ("check", "eval", "rules", "explain")


class DefaultToCheck(click.Group):
    """`stereos-lint PATHS` means `stereos-lint check PATHS`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        elif not args:
            args = ["check"]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stereos-lint")
def main() -> None:
    """A fast static linter for NixOS configurations.

    Run `stereos-lint PATHS...` to lint files and directories (the `check`
    command), `stereos-lint eval OPTION PATHS...` to see an option's effective
    value and where it came from, `stereos-lint rules` to list the rules and
    `stereos-lint explain CODE` to read one.
    """


def _select(codes: tuple[str, ...], ignore: tuple[str, ...]) -> list:
    rules = load_rules()
    known = set(rules)
    packs = {r.pack for r in rules.values()}
    for code in codes + ignore:
        if not any(c.startswith(code) for c in known) and code not in packs:
            raise click.UsageError(f"unknown rule code or pack: {code}")

    def matches(rule, patterns) -> bool:
        return any(rule.code.startswith(p) or rule.pack == p for p in patterns)

    chosen = [r for r in rules.values() if not codes or matches(r, codes)]
    return [r for r in chosen if not matches(r, ignore)]


def _files(paths: tuple[str, ...]) -> list[str]:
    try:
        return discover(list(paths) or ["."])
    except PathError as error:
        raise click.UsageError(str(error)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(sorted([*REPORTERS, "auto"])), default="text",
              show_default=True, help="Output format.")
@click.option("--select", multiple=True, help="Only these rule codes, prefixes (ST1) or packs (stereos).")
@click.option("--ignore", multiple=True, help="Leave out these rule codes, prefixes or packs.")
@click.option("--system", "systems", multiple=True, help="Systems to judge (default: aarch64-linux, x86_64-linux).")
@click.option("--root", "roots", multiple=True, help="Module roots (default: files no other file imports).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("--fix", is_flag=True, help="Apply every safe fix in place, then report what is left.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
def check(paths, output_format, select, ignore, systems, roots, exit_zero, fix, show_diff) -> None:
    """Lint PATHS (files or directories; default: the current directory)."""
    rules = _select(_split(select), _split(ignore))
    files = _files(paths)

    def lint():
        return run(Project(files, tuple(systems) or DEFAULT_SYSTEMS, list(roots) or None), rules)

    findings = lint()
    if show_diff:
        changes = fixed_files(findings)
        for path, (before, after) in sorted(changes.items()):
            click.echo(unified_diff(path, before, after), nl=False)
        sys.exit(1 if changes and not exit_zero else 0)
    if fix:
        findings = _fix_until_stable(findings, lint)
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if output_format == "auto":
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    click.echo(render(output_format, findings, files=len(files), color=color, rules=rules), nl=False)
    failing = any(f.severity is not Severity.INFO for f in findings)
    sys.exit(0 if exit_zero or not failing else 1)


def _fix_until_stable(findings, lint, rounds: int = 10):
    """Apply fixes, lint again, repeat while a round still changes something."""
    for _ in range(rounds):
        changes = fixed_files(findings)
        if not changes:
            break
        for path, (_, after) in changes.items():
            with open(path, "wb") as handle:
                handle.write(after)
        findings = lint()
    return findings


@main.command(name="eval")
@click.argument("option")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list with one object per root (and system).")
@click.option("--system", "systems", multiple=True, help="Systems to judge (default: aarch64-linux, x86_64-linux).")
@click.option("--root", "roots", multiple=True, help="Module roots (default: files no other file imports).")
def eval_command(option, paths, as_json, systems, roots) -> None:
    """Show OPTION's effective value in every root found in PATHS, where it was
    decided, and why every other definition lost."""
    project = Project(_files(paths), tuple(systems) or DEFAULT_SYSTEMS, list(roots) or None)
    result = records(project, option)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result), nl=False)


@main.command(name="rules")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def rules_command(as_json) -> None:
    """List every rule: code, name, severity, summary."""
    rules = sorted(load_rules().values(), key=lambda r: r.code)
    if as_json:
        click.echo(json.dumps([{"code": r.code, "name": r.name, "pack": r.pack, "severity": r.severity.value,
                                "summary": r.summary, "fixable": r.fixable} for r in rules], indent=2))
        return
    for r in rules:
        fix = " (fixable)" if r.fixable else ""
        click.echo(f"{r.code}  {r.name:<32} {r.severity.value:<8} {r.summary}{fix}")


@main.command()
@click.argument("code")
def explain(code) -> None:
    """Print a rule's full documentation, with a bad and a good example."""
    rules = load_rules()
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if rule is None:
        raise click.UsageError(f"unknown rule: {code}")
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}, pack {rule.pack}){' — fixable' if rule.fixable else ''}")
    click.echo(f"{rule.summary}\n")
    click.echo(rule.doc)


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Accept both `--select ST1 --select NX` and `--select ST1,NX`."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
