"""ST901 comment-option-value."""
from __future__ import annotations

import re

from stereos_lint.modules.config import format_option, parse_option
from stereos_lint.checking.findings import Edit, Fix, Severity
from stereos_lint.checking.rule import FileContext, nix_literal, rule, where

from .comments import comment_bytes, paragraphs

NETWORKD = "systemd-networkd instead of scripted ifup"
UEFI = "aarch64 has no BIOS, and QEMU's UEFI firmware searches the removable fallback path"
NOT_NEEDED = "it only costs boot time and closure size in a headless, ephemeral sandbox"
NO_LOGIN = "there is no interactive login on a TTY or serial console"

# The single values the SPEC pins (ST1xx/ST2xx/ST3xx): what a comment must say about them.
PINNED: dict[tuple[str, ...], tuple[object, str]] = {parse_option(option): pin for option, pin in {
    "boot.loader.grub.enable": (True, UEFI),
    "boot.loader.grub.efiSupport": (True, UEFI),
    "boot.loader.grub.efiInstallAsRemovable": (True, UEFI),
    "boot.loader.grub.device": ("nodev", "there is no MBR install"),
    "boot.consoleLogLevel": (0, "no printk spam on the serial console during boot"),
    "boot.initrd.systemd.enable": (True, "parallel systemd stage 1 instead of the sequential script"),
    "boot.growPartition": (True, "the partition must grow with the root file system"),
    "networking.useNetworkd": (True, NETWORKD),
    "networking.useDHCP": (False, NETWORKD),
    "systemd.services.systemd-networkd-wait-online.enable": (False, "boot must not stall on the link"),
    "networking.firewall.enable": (False, "isolation is enforced at the VM boundary"),
    "security.polkit.enable": (False, "stereOS is headless"),
    "services.udisks2.enable": (False, "there is no removable media in a single-disk VM"),
    "documentation.enable": (False, NOT_NEEDED),
    "documentation.man.enable": (False, NOT_NEEDED),
    "documentation.nixos.enable": (False, NOT_NEEDED),
    "documentation.info.enable": (False, NOT_NEEDED),
    "documentation.doc.enable": (False, NOT_NEEDED),
    "xdg.portal.enable": (False, NOT_NEEDED),
    "programs.command-not-found.enable": (False, NOT_NEEDED),
    "nix.channel.enable": (False, NOT_NEEDED),
    "users.mutableUsers": (False, "no passwd regeneration at boot"),
    "services.getty.autologinUser": (None, NO_LOGIN),
    'systemd.services."getty@".enable': (False, NO_LOGIN),
    'systemd.services."serial-getty@".enable': (False, NO_LOGIN),
    'systemd.services."autovt@".enable': (False, NO_LOGIN),
    "services.journald.storage": ("volatile", "no logs across reboots, no disk writes on the critical path"),
    "systemd.services.stereos-ready.serviceConfig.Type": ("oneshot", "the boot-complete marker runs once"),
}.items()}

# `name=value` with no blank around `=`; `name` may be a dotted suffix of the option path.
STATEMENT = re.compile(
    r"(?<![\w.$/?&=:-])(?P<name>[A-Za-z_][\w'-]*(?:\.[A-Za-z_][\w'-]*)*)=(?!=)"
    r"(?P<value>\"[^\"\n]*\"|[^\s,;()\[\]{}\"]+)")
_ANYWHERE = re.compile(rb"[\w'-]=(?!=)")   # a name's last character right before `=` (linear: no backtracking)
DEFAULT_WORD = re.compile(r"\bdefault(?:s|ed)?\b", re.IGNORECASE)   # not DefaultTimeoutStartSec


class Bare(str):
    """An unquoted word (`DHCP=yes`): compared only with string values."""


@rule("ST901", "comment-option-value", severity="warning", scope="file", fixable=True,
      summary="a comment's `name=value` agrees with the option's effective value and the SPEC")
def check(ctx: FileContext):
    """Comments are part of the SPEC: they are what the next engineer reads.  A
    comment that states an option value in `name=value` form (`useNetworkd=true`)
    must agree with the option's effective value and, where the SPEC pins the
    option, with the SPEC.  When a pinned option drifted together with its
    comment, the comment agrees with the code and is still wrong.

    `name` is the option's last attribute (or a dotted suffix, `firewall.enable`)
    and names the one option of the configuration -- defined in any module of
    it, or pinned by the SPEC -- whose path ends that way; a name that matches
    no option or several is not judged.  For a pinned option the SPEC decides
    (the code itself is checked by its ST1xx/ST2xx rule); otherwise the comment
    must match the effective value, and an unknowable value gives "cannot
    verify".  `name = value` with blanks (commented-out code), prose such as
    "Don't wait for DHCP", text inside strings, and clauses that quote a
    default ("defaults to …", see ST904) are not statements.  Values are
    `true`, `false`, `null`, integers, quoted strings, or bare words, which are
    compared with string values only.

    Bad:

        # When useNetworkd=false and useDHCP=false, explicit .network units are
        # required.
        networking.useNetworkd = false;

    Good:

        # When useNetworkd=true and useDHCP=false, explicit .network units are
        # required.
        networking.useNetworkd = true;
    """
    if not _ANYWHERE.search(comment_bytes(ctx.parsed)):
        return   # no `name=value` in any comment
    configs = ctx.configs or [None]
    for paragraph in paragraphs(ctx.parsed):
        for start, end in paragraph.sentences():
            sentence = paragraph.text[start:end]
            if DEFAULT_WORD.search(sentence) or "stereos-lint:" in sentence:
                continue  # a quoted default (ST904's) or a suppression directive, not a statement
            for match in STATEMENT.finditer(sentence):
                raw = match.group("value").rstrip(".:")
                if not raw:
                    continue
                stated = _literal(raw)
                span = paragraph.span(start + match.start(), start + match.start("value") + len(raw))
                value_span = paragraph.span(start + match.start("value"), start + match.start("value") + len(raw))
                for config in configs:
                    yield from _judge(ctx, config, match.group("name"), raw, stated, span, value_span)


def _judge(ctx, config, name, raw, stated, span, value_span):
    suffix = parse_option(name)
    candidates = {path for path in PINNED if path[-len(suffix):] == suffix}
    if config is not None:
        candidates |= {d.option for d in config.definitions
                       if config.state(d) != "inactive" and d.option[-len(suffix):] == suffix}
    if len(candidates) != 1:
        return
    option = candidates.pop()
    shown = format_option(option)
    on = f" on {config.system}" if config is not None and config.system else ""
    resolution = config.resolve(option) if config is not None else None
    said = f"the comment says {name}={raw}"
    if option in PINNED:
        pinned, why = PINNED[option]
        if _agrees(stated, pinned) is not False:
            return
        effective = ""
        if resolution is not None and resolution.defined and resolution.known:
            effective = f" (the effective value is {nix_literal(resolution.value)}, {where(resolution.winner)}{on})"
        elif resolution is not None and not resolution.defined:
            effective = f" ({shown} is not set{on})"
        yield ctx.finding(span, f"{said} but the SPEC requires {shown} = {nix_literal(pinned)}{effective}: {why}",
                          _fix(value_span, stated, pinned))
        return
    if resolution is None or not resolution.defined:
        return
    if not resolution.known:
        reason = resolution.uncertain or f"its value {nix_literal(resolution.value)} cannot be known statically"
        yield ctx.finding(span, f"cannot verify the comment's {name}={raw}{on}: {shown} is set at "
                                f"{where(resolution.winner)} but {reason}", severity=Severity.INFO)
        return
    if _agrees(stated, resolution.value) is False:
        yield ctx.finding(span, f"{said} but {shown} is {nix_literal(resolution.value)} "
                                f"({where(resolution.winner)}){on}: the comment no longer tells the truth",
                          _fix(value_span, stated, resolution.value))


def _literal(raw: str):
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    return Bare(raw)


def _agrees(stated, actual) -> bool | None:
    """True or False, or None where the two cannot be compared (a bare word and a bool)."""
    if isinstance(actual, (list, dict)) or (isinstance(stated, Bare) and not isinstance(actual, str)):
        return None
    if isinstance(stated, Bare):
        return str(stated) == actual
    return type(stated) is type(actual) and stated == actual


def _fix(value_span, stated, expected) -> Fix | None:
    if isinstance(stated, Bare) and isinstance(expected, str) and re.fullmatch(r"[^\s\"]+", expected):
        text = expected
    elif isinstance(expected, (bool, int, str)) or expected is None:
        text = nix_literal(expected)
    else:
        return None
    return Fix(f"make the comment say {text}", (Edit(value_span, text),))
