"""Which settings apply and which rules run: the configuration found for the paths,
the shipped rules plus its invariants, narrowed by select / extend-select / ignore.
Shared by the command line and the language server."""
from __future__ import annotations

from .engine import load_rules
from . import policy
from .rule import Rule
from .settings import Settings, check_code, find_config, load_settings
from ..systems.configured import configured_systems
from ..systems.system import System


def settings_for(config_file: str | None, paths: tuple[str, ...] | list[str]) -> Settings:
    """The configuration file given, else the nearest to the first path (raises SettingsError)."""
    rules = load_rules()
    path = config_file or find_config(paths[0] if paths else ".")
    return load_settings(path, set(rules), {r.pack for r in rules.values()})


def all_rules(settings: Settings) -> dict[str, Rule]:
    """Shipped rules and the configuration's invariants, by code."""
    rules = dict(load_rules())
    rules.update({r.code: r for r in policy.rules_from_settings(settings.policy, settings.source, set(rules))})
    return rules


def rules_for(settings: Settings, select: tuple[str, ...] = (), extend: tuple[str, ...] = (),
              ignore: tuple[str, ...] = ()) -> list[Rule]:
    """The rules to run: `select` (else the configured select, else all), plus
    extend-select, minus ignore -- by code, code prefix (ST1) or pack (stereos)."""
    rules = all_rules(settings)
    known, packs = set(rules), {r.pack for r in rules.values()}
    for code in select + extend + ignore:
        check_code(code, known, packs, "command line")
    chosen_select = list(select) or settings.select
    extend_all = [*settings.extend_select, *extend]
    ignore_all = [*settings.ignore, *ignore]

    def matches(rule, patterns) -> bool:
        return any(rule.code.startswith(p) or rule.pack == p for p in patterns)

    chosen = [r for r in rules.values() if not chosen_select or matches(r, chosen_select) or matches(r, extend_all)]
    return [r for r in chosen if not matches(r, ignore_all)]


def configured(settings: Settings) -> list[System] | None:
    """The systems the configuration names, which replace the discovered ones."""
    if not settings.system_tables:
        return None
    return configured_systems(settings.system_tables, settings.source, settings.base_dir)
