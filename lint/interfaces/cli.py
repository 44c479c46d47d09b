"""The command line: wires options to the engine and the reporters, nothing more.

Exit codes: 0 nothing to report (or --exit-zero), 1 an error or warning was
found, 2 a usage or configuration error or a path that does not exist.
Informational findings ("cannot verify") never fail a run.
"""
from __future__ import annotations

import gc
import json
import os
import re
import sys

import click

from .. import __version__
from .discover import PathError, discover
from . import explain_value, systems_listing
from ..checking import baseline
from . import parallel
from ..checking.findings import Severity
from ..checking.fixes import fix_edits, fixed_files, unified_diff
from ..systems.project import DEFAULT_SYSTEMS, Project
from ..systems.system import FILE, ModuleRef, System
from .reporters import REPORTERS, render
from ..checking.selection import all_rules, configured, rules_for, settings_for
from ..checking.settings import Settings, SettingsError


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


def entry_point() -> None:
    """The `stereos-lint` command.  A run's evaluations are a large graph of reference
    cycles (thunks and their environments) that only the garbage collector frees, and
    freeing it costs about a third as much as building it.  A command ends as soon as it
    has printed, so it leaves that graph to the end of the process: collections are
    paused (a run still collects once its garbage grows large, see parallel.py) and the
    process ends, once its output is flushed, without freeing what is left."""
    gc.disable()
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0 if stop.code is None else 1
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):   # a closed pipe (`| head`): nothing more can be said
            pass
    os._exit(code)


def _files(paths: tuple[str, ...], settings: Settings | None = None) -> list[str]:
    try:
        files = discover(list(paths) or ["."])
    except PathError as error:
        raise click.UsageError(str(error)) from None
    if settings is not None and settings.exclude:
        files = [f for f in files if not settings.excluded(f)]
    return files


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "output_format", type=click.Choice(sorted([*REPORTERS, "auto"])), default="text",
              show_default=True, help="Output format; auto is github under GitHub Actions, else text.")
@click.option("--select", multiple=True, help="Only these rule codes, prefixes (ST1) or packs (stereos).")
@click.option("--extend-select", multiple=True, help="Add these to the selected rules.")
@click.option("--ignore", multiple=True, help="Leave out these rule codes, prefixes or packs.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest .stereos-lint.toml or pyproject.toml).")
@click.option("--show-settings", is_flag=True, help="Print the merged settings and exit.")
@click.option("--system", "systems", multiple=True,
              help="Judge only this system (a name `stereos-lint systems` lists); an architecture such as "
                   "x86_64-linux means --arch.")
@click.option("--arch", "architectures", multiple=True,
              help="Architectures judged where a system's own is not known (default: aarch64-linux, x86_64-linux).")
@click.option("--root", "roots", multiple=True,
              help="Module roots judged as systems instead of the discovered ones (default: files no other "
                   "file imports, where no system is found).")
@click.option("--context", "context", multiple=True, type=click.Path(),
              help="Also evaluate these paths' modules (for the module graph) but report only on PATHS.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option("--fix", is_flag=True, help="Apply every safe fix in place, then report what is left.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings that are not recorded in this baseline.")
@click.option("--write-baseline", "write_baseline_file", type=click.Path(dir_okay=False),
              help="Record the current findings as the baseline and exit 0.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Lint trees of 100 files or more in N processes (0: one per core; 1: in this "
                   "process only); the findings are the same.")
def check(paths, output_format, select, extend_select, ignore, config_file, show_settings, systems, architectures,
          roots, context, exit_zero, fix, show_diff, baseline_file, write_baseline_file, jobs) -> None:
    """Lint PATHS (files or directories; default: the current directory)."""
    try:
        settings = settings_for(config_file, paths)
        rules = rules_for(settings, _split(select), _split(extend_select), _split(ignore))
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    if show_settings:
        merged = settings.as_dict() | {"rules": sorted(r.code for r in rules)}
        click.echo(json.dumps(merged, indent=2))
        return
    files = _files(paths, settings)
    reported = set(files)
    context_files = [f for f in _files(context, settings) if f not in reported] if context else []
    chosen_architectures, only = _architectures_and_names(systems, architectures, settings)
    chosen_roots = list(roots) or [os.path.join(settings.base_dir, r) for r in settings.roots] or None
    chosen_systems = configured(settings)

    def lint():
        found = parallel.lint(files + context_files, chosen_architectures, chosen_roots, rules, settings, jobs,
                              configured=chosen_systems, only=only, report=reported if context_files else None)
        return [f for f in found if f.path in reported] if context_files else found

    findings = lint()
    if show_diff:
        changes = fixed_files(findings)
        for path, (before, after) in sorted(changes.items()):
            click.echo(unified_diff(path, before, after), nl=False)
        sys.exit(1 if changes and not exit_zero else 0)
    if fix:
        findings = _fix_until_stable(findings, lint)
    if write_baseline_file:
        count = baseline.write(write_baseline_file, findings)
        click.echo(f"Wrote {count} finding{'s' if count != 1 else ''} to {write_baseline_file}")
        return
    gone = 0
    if baseline_file:
        try:
            findings, gone = baseline.filter_new(baseline_file, findings)
        except baseline.BaselineError as error:
            raise click.UsageError(str(error)) from None
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if output_format == "auto":
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    click.echo(render(output_format, findings, files=len(files), color=color, rules=rules), nl=False)
    if gone:
        click.echo(f"{gone} baseline entr{'ies' if gone != 1 else 'y'} no longer occur{'s' if gone == 1 else ''}; "
                   f"rewrite the baseline with --write-baseline", err=True)
    failing = any(f.severity is not Severity.INFO for f in findings)
    sys.exit(0 if exit_zero or not failing else 1)


def _fix_until_stable(findings, lint, rounds: int = 10):
    """Apply fixes, lint again, repeat while a round still changes something.  A finding
    whose fix was applied and that is found again keeps its fix to itself: writing the
    same edit once more would only repeat it."""
    applied: set[tuple] = set()
    for _ in range(rounds):
        fixable = [f for f in findings if f.fix is not None and _fix_key(f) not in applied]
        changes = fixed_files(fixable)
        if not changes:
            break
        taken = fix_edits(fixable)   # a fix overlapping one taken before it waits for the next round
        applied.update(_fix_key(f) for f in fixable if f.path in changes
                       and all(any(e is t for t in taken.get(f.path, ())) for e in f.fix.edits))
        for path, (_, after) in changes.items():
            with open(path, "wb") as handle:
                handle.write(after)
        findings = lint()
    return findings


def _fix_key(finding) -> tuple:
    return finding.code, finding.path, finding.message, finding.fix.message


@main.command(name="eval")
@click.argument("option")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON: a list with one object per system (and architecture).")
@click.option("--system", "systems", multiple=True,
              help="Only this system (a name `stereos-lint systems` lists); an architecture such as "
                   "x86_64-linux means --arch.")
@click.option("--module", "modules", multiple=True, type=click.Path(),
              help="These files, in this order, form one system (as lib.evalModules { modules = [ … ]; } would).")
@click.option("--arch", "architectures", multiple=True,
              help="Architectures judged where a system's own is not known (default: aarch64-linux, x86_64-linux).")
@click.option("--root", "roots", multiple=True, help="Module roots judged as systems instead of the discovered ones.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file.")
def eval_command(option, paths, as_json, systems, modules, architectures, roots, config_file) -> None:
    """Show OPTION's effective value in every system PATHS belong to (module-graph roots
    where no system is found), where it was decided, and why every other definition lost."""
    settings = _configured_settings(config_file, paths or modules)
    chosen_architectures, only = _architectures_and_names(systems, architectures, settings)
    if modules:
        for path in modules:
            if not os.path.isfile(path):
                raise click.UsageError(f"{path}: no such file")
        system = System("modules", None, None, [ModuleRef(FILE, path, path) for path in modules], origin="configured")
        project = Project(list(modules), chosen_architectures, configured=[system])
    else:
        project = Project(_files(paths), chosen_architectures, list(roots) or None, configured(settings))
    if only is not None:
        known = {name for s in project.systems for name in (s.name, *s.aliases)}
        missing = sorted(only - known)
        if missing:
            raise click.UsageError(f"no system named {', '.join(missing)} (found: {', '.join(sorted(known)) or 'none'})")
    result = explain_value.records(project, option, only)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(explain_value.render_text(result), nl=False)


@main.command(name="systems")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--json", "as_json", is_flag=True,
              help='Print JSON: a list of {"name", "system", "declared_at", "modules", "opaque", "gaps"}.')
@click.option("--arch", "architectures", multiple=True,
              help="Architectures judged where a system's own is not known (default: aarch64-linux, x86_64-linux).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file.")
def systems_command(paths, as_json, architectures, config_file) -> None:
    """List every system the repositories of PATHS build: its name, architecture, where
    it is declared, its modules, what the linter cannot see of it and what discovery
    could not know."""
    settings = _configured_settings(config_file, paths)
    chosen_architectures, _ = _architectures_and_names((), architectures, settings)
    project = Project(_files(paths, settings), chosen_architectures, configured=configured(settings))
    found = systems_listing.records(project)
    problems = [p for r in project.repositories if r.discovery for p in r.discovery.problems]
    problems += [e.message for e in project.errors]
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        for problem in problems:
            click.echo(f"discovery: {problem}", err=True)
    else:
        roots_stand_in = all(r.roots_stand_in for r in project.repositories)
        builds_none = all(r.discovery is not None and r.discovery.builds_none for r in project.repositories)
        click.echo(systems_listing.render_text(found, problems, roots_stand_in, builds_none), nl=False)


_ARCHITECTURE = re.compile(r"[a-z0-9_]+-(linux|darwin)")


def _architectures_and_names(systems: tuple[str, ...], architectures: tuple[str, ...],
                             settings: Settings) -> tuple[tuple[str, ...], set[str] | None]:
    """`--system` takes a system's name; one that looks like an architecture (the meaning
    `--system` had before systems were discovered) is taken as `--arch`."""
    names = {s for s in systems if not _ARCHITECTURE.fullmatch(s)}
    chosen = tuple(architectures) + tuple(s for s in systems if _ARCHITECTURE.fullmatch(s))
    return chosen or tuple(settings.systems) or DEFAULT_SYSTEMS, names or None


def _configured_settings(config_file: str | None, paths: tuple[str, ...]) -> Settings:
    try:
        return settings_for(config_file, paths)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over standard input and output (the only transport; "
                                             "accepted because editors pass it).")
def lsp(stdio) -> None:
    """Run the language server for editors: diagnostics as you type, quick fixes, and an
    option's effective value on hover (see "In your editor" in the README)."""
    from .lsp.server import serve   # pygls is imported only here: linting never pays for it
    gc.enable()   # a server lives long: unlike a command, it collects as it goes
    serve()


@main.command(name="rules")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file.")
def rules_command(as_json, config_file) -> None:
    """List every rule -- shipped packs and the configuration's invariants: code, name, severity, summary."""
    rules = sorted(_configured_rules(config_file).values(), key=lambda r: r.code)
    if as_json:
        click.echo(json.dumps([{"code": r.code, "name": r.name, "pack": r.pack, "severity": r.severity.value,
                                "summary": r.summary, "fixable": r.fixable} for r in rules], indent=2))
        return
    for r in rules:
        fix = " (fixable)" if r.fixable else ""
        click.echo(f"{r.code}  {r.name:<32} {r.severity.value:<8} {r.summary}{fix}")


@main.command()
@click.argument("code")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file.")
def explain(code, config_file) -> None:
    """Print a rule's full documentation, with a bad and a good example."""
    rules = _configured_rules(config_file)
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if rule is None:
        raise click.UsageError(f"unknown rule: {code}")
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}, pack {rule.pack}){' — fixable' if rule.fixable else ''}")
    click.echo(f"{rule.summary}\n")
    click.echo(rule.doc)


def _configured_rules(config_file: str | None) -> dict:
    try:
        return all_rules(settings_for(config_file, ()))
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Accept both `--select ST1 --select NX` and `--select ST1,NX`."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())
