"""ST202 volatile-journal."""
import re

from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.checking.rule import ConfigContext, expect_value, insert_binding_fix, rule

from .unitconf import conf_lines

WHY = "an ephemeral VM keeps no logs across reboots and must not write the journal to disk on the critical path"
EXTRA = "services.journald.extraConfig"
STORAGE = "services.journald.storage"
MAX_USE = "32M"
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([KMGTPE]?)", re.IGNORECASE)


@rule("ST202", "volatile-journal", severity="error", fixable=True,
      reads=(STORAGE, EXTRA),
      summary='journald storage is "volatile" with RuntimeMaxUse=32M')
def check(ctx: ConfigContext):
    """An ephemeral sandbox VM needs no persistent logs across reboots, and a
    journal kept in memory avoids disk writes on the boot critical path.
    The storage is `volatile`, from `services.journald.storage` or a
    `Storage=` line in `services.journald.extraConfig` (which NixOS writes
    after it, so it wins), and the in-memory journal is capped with
    `RuntimeMaxUse=32M`.

    Bad:

        services.journald.extraConfig = ''
          RuntimeMaxUse=31M
        '';

    Good:

        services.journald.storage = "volatile";
        services.journald.extraConfig = ''
          RuntimeMaxUse=32M
        '';
    """
    extra = ctx.config.resolve(EXTRA)
    if extra.defined and not extra.known and extra.uncertain:
        yield ctx.cannot_verify(extra, f'Storage=volatile and RuntimeMaxUse={MAX_USE}')
        return
    lines = conf_lines(extra)
    unverifiable = []

    storage = lines.last("Storage")
    if storage is not None and storage.value is not None:
        if storage.value != "volatile":
            yield ctx.finding(storage.span, f"{EXTRA} sets Storage={storage.value} ({_at(storage)}){ctx.on} "
                                            f"but the SPEC requires Storage=volatile: {WHY}",
                              _line_fix(storage, "volatile"))
    elif storage is not None or lines.unknown:
        unverifiable.append("Storage=volatile")
    else:
        yield from expect_value(ctx, STORAGE, "volatile", WHY, siblings=[EXTRA])

    max_use = lines.last("RuntimeMaxUse")
    if max_use is None and not lines.unknown:
        anchor = extra.winner.span if extra.defined else ctx.config.anchor(EXTRA, siblings=[STORAGE])
        state = "does not set RuntimeMaxUse" if extra.defined else "is not set"
        fix = None if extra.defined else insert_binding_fix(ctx.config, anchor, EXTRA, f"RuntimeMaxUse={MAX_USE}\n")
        yield ctx.system_finding(anchor, f"{EXTRA} {state}{ctx.on} but the SPEC requires RuntimeMaxUse={MAX_USE}: "
                                         f"{WHY}", fix)
    elif max_use is None or max_use.value is None:
        unverifiable.append(f"RuntimeMaxUse={MAX_USE}")
    elif _bytes(max_use.value) != _bytes(MAX_USE):
        yield ctx.finding(max_use.span, f"{EXTRA} sets RuntimeMaxUse={max_use.value} ({_at(max_use)}){ctx.on} "
                                        f"but the SPEC requires RuntimeMaxUse={MAX_USE}: {WHY}",
                          _line_fix(max_use, MAX_USE))
    if unverifiable:
        yield ctx.cannot_verify(extra, " and ".join(unverifiable))


def _line_fix(setting, value: str) -> Fix | None:
    """Rewrite the setting's line in the string, when the finding points at that line."""
    span = setting.span
    if span is None or not span.text.startswith(setting.key):
        return None
    return Fix(f"set {setting.key}={value}", (Edit(span, f"{setting.key}={value}"),))


def _at(setting) -> str:
    span = setting.span
    return span.place if span is not None else ""


def _bytes(size: str) -> int | None:
    """journald's sizes: a number with an optional K, M, G, T, P, E suffix (powers of 1024)."""
    match = _SIZE.fullmatch(size.strip())
    if match is None:
        return None
    power = "BKMGTPE".index(match.group(2).upper() or "B")
    return int(float(match.group(1)) * 1024 ** power)
