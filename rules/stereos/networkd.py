"""ST111 networkd-ethernet-dhcp (ST110 and ST112 are declared in networkd.toml and no_wait_online.toml)."""
from fnmatch import fnmatchcase

from stereos_lint.modules.config import format_option
from stereos_lint.checking.rule import (ConfigContext, insert_binding_fix, nix_literal, replace_value_fix,
                               rule, where)

WHY_NETWORKD = "systemd-networkd instead of scripted ifup"
WHY_UNIT = ("with networkd on and global DHCP off, networkd ignores every interface that no unit matches: "
            "no IP, no SSH, no stereosd TCP, no egress")

NETWORKS = "systemd.network.networks"
NETWORKING = ["networking.useNetworkd", "networking.useDHCP"]
DHCP_ON = ("yes", "ipv4")                # networkd also reads a boolean true as "yes"
ETHERNET_NAMES = ("eth0", "enp0s1", "ens3", "eno1", "enX0", "enx525400123456")
NEW_UNIT = "10-ethernet"


@rule("ST111", "networkd-ethernet-dhcp", severity="error", fixable=True,
      whole_system=True,
      reads=(NETWORKS,),
      summary="a systemd.network.networks unit matches ethernet and enables DHCP")
def check_ethernet_dhcp(ctx: ConfigContext):
    """With networkd on and global DHCP off, networkd ignores every interface
    that no `.network` unit matches: the guest gets no IP address, so no SSH, no
    stereosd over TCP and no egress.  Some `systemd.network.networks.<name>` must
    match ethernet (`matchConfig.Type = "ether"`, or a `matchConfig.Name` glob
    such as `en*`) and enable DHCP (`networkConfig.DHCP = "yes"` or `"ipv4"`).
    This is judged whatever `networking.useNetworkd` is, since ST110 requires it on.

    Bad:

        systemd.network.networks."10-ethernet" = {
          matchConfig.Type = "ether";
          networkConfig.LinkLocalAddressing = "ipv4";
        };

    Good:

        systemd.network.networks."10-ethernet" = {
          matchConfig.Type = "ether";
          networkConfig.DHCP = "yes";
        };
    """
    names = ctx.config.children(NETWORKS)
    if not names:
        resolution = ctx.config.resolve(NETWORKS)
        if resolution.defined:   # the whole set is something that cannot be known
            yield ctx.cannot_verify(resolution, "a unit matching ethernet with DHCP enabled")
            return
        option = f'{NETWORKS}."{NEW_UNIT}"'
        anchor = ctx.config.anchor(option, NETWORKING)
        unit = {"matchConfig": {"Type": "ether"}, "networkConfig": {"DHCP": "yes"}}
        yield ctx.finding(anchor, f"no {NETWORKS} unit is defined{ctx.on} but the SPEC requires one that matches "
                                  f"ethernet and enables DHCP: {WHY_UNIT}",
                          insert_binding_fix(ctx.config, anchor, option, unit))
        return
    every = [_Unit(ctx, name) for name in names]
    units = [unit for unit in every if unit.enabled is not False]
    if any(unit.enabled and unit.ethernet and unit.dhcp for unit in units):
        return
    for unit in units:
        if all(answer is not False for answer in (unit.enabled, unit.ethernet, unit.dhcp)):
            yield ctx.cannot_verify(unit.unknown, "a unit matching ethernet with DHCP enabled")
            return
    ethernet = next((unit for unit in units if unit.ethernet), None)
    if ethernet is not None:
        yield from _dhcp_missing(ctx, ethernet)
        return
    with_dhcp = next((unit for unit in units if unit.dhcp), None)
    if with_dhcp is not None:
        yield from _not_ethernet(ctx, with_dhcp)
        return
    disabled = next((unit for unit in every if unit.enabled is False and unit.ethernet and unit.dhcp), None)
    if disabled is not None:
        enable = disabled.enable
        yield ctx.finding(enable.span, f"{format_option(enable.option)} is false ({where(enable.winner)}){ctx.on}, "
                                       f"so the only unit that matches ethernet and enables DHCP is not generated, "
                                       f"but the SPEC requires one: {WHY_UNIT}",
                          replace_value_fix(enable.winner, True), resolution=enable)
        return
    first = units[0] if units else every[0]
    yield ctx.finding(ctx.config.anchor(f"{first.prefix}.matchConfig", [f"{first.prefix}.networkConfig"]),
                      f"no {NETWORKS} unit matches ethernet and enables DHCP{ctx.on} (units: "
                      f"{', '.join(names)}) but the SPEC requires one that does: {WHY_UNIT}")


class _Unit:
    """One `systemd.network.networks.<name>`: does it match ethernet, does it enable DHCP
    (True / False / None when that cannot be known)."""

    def __init__(self, ctx: ConfigContext, name: str):
        self.prefix = f'{NETWORKS}."{name}"'
        self.config = ctx.config
        self.unknown = None            # the first resolution that could not be known
        self.enable = self.config.resolve(f"{self.prefix}.enable")
        self.enabled = self._judge(self.enable, lambda x: x is not False) if self.enable.defined else True
        self.type = self.config.resolve(f"{self.prefix}.matchConfig.Type")
        self.names = self._first_defined("matchConfig.Name", "name")
        ether_type = self._judge(self.type, lambda x: x == "ether")
        ether_name = self._judge(self.names, _matches_ethernet)
        self.ethernet = True if True in (ether_type, ether_name) else (
            None if None in (ether_type, ether_name) else False)
        self.dhcp_resolution = self._first_defined("networkConfig.DHCP", "DHCP")
        self.dhcp = self._judge(self.dhcp_resolution, _enables_dhcp)

    def _first_defined(self, *options: str):
        resolutions = [self.config.resolve(f"{self.prefix}.{option}") for option in options]
        return next((r for r in resolutions if r.defined), resolutions[0])

    def _judge(self, resolution, test) -> bool | None:
        if not resolution.defined:
            return False
        if not resolution.known:
            self.unknown = self.unknown or resolution
            return None
        return bool(test(resolution.value))


def _enables_dhcp(value) -> bool:
    return value is True or (isinstance(value, str) and value in DHCP_ON)


def _matches_ethernet(value) -> bool:
    """A `Name` (space-separated globs, or a list of them) that matches ethernet interface names."""
    patterns = value if isinstance(value, list) else [value]
    for pattern in (p for entry in patterns if isinstance(entry, str) for p in entry.split()):
        if pattern.startswith("!") or not any(c in pattern for c in "*?["):
            continue
        if any(fnmatchcase(name, pattern) for name in ETHERNET_NAMES):
            return True
    return False


def _only_names(value) -> bool:
    """Whether a `Name` is interface names written out, no glob among them."""
    patterns = [p for entry in (value if isinstance(value, list) else [value]) if isinstance(entry, str)
                for p in entry.split()]
    return bool(patterns) and not any(c in p for p in patterns for c in "*?[!")


def _dhcp_missing(ctx: ConfigContext, unit: _Unit):
    resolution = unit.dhcp_resolution
    option = f"{unit.prefix}.networkConfig.DHCP"
    if not resolution.defined:
        anchor = ctx.config.anchor(option, [f"{unit.prefix}.networkConfig", f"{unit.prefix}.matchConfig"])
        yield ctx.finding(anchor, f"{format_option(resolution.option)} is not set{ctx.on}, so the ethernet unit "
                                  f"enables no DHCP, but the SPEC requires \"yes\" (or \"ipv4\"): {WHY_UNIT}",
                          insert_binding_fix(ctx.config, anchor, option, "yes"))
        return
    yield ctx.finding(resolution.span,
                      f"{format_option(resolution.option)} is {nix_literal(resolution.value)} "
                      f"({where(resolution.winner)}){ctx.on} but the SPEC requires \"yes\" (or \"ipv4\") on the "
                      f"ethernet unit: {WHY_UNIT}",
                      replace_value_fix(resolution.winner, "yes"), resolution=resolution)


def _not_ethernet(ctx: ConfigContext, unit: _Unit):
    written = unit.names if unit.names.defined else unit.type
    if written.defined:
        # A name written out (`"end0"`) is an interface's, but not one the VM is known to have.
        matches = "only the interfaces it names" if written is unit.names and _only_names(written.value) else \
            "no ethernet interface"
        yield ctx.finding(written.span,
                          f"{format_option(written.option)} is {nix_literal(written.value)} "
                          f"({where(written.winner)}){ctx.on}, so the unit that enables DHCP matches {matches}, "
                          f"but the SPEC requires matchConfig.Type = \"ether\" or a Name glob such as "
                          f"\"en*\": {WHY_UNIT}", resolution=written)
        return
    option = f"{unit.prefix}.matchConfig.Type"
    anchor = ctx.config.anchor(option, [f"{unit.prefix}.networkConfig"])
    yield ctx.finding(anchor, f"{unit.prefix} enables DHCP but matches nothing{ctx.on}; the SPEC requires "
                              f"matchConfig.Type = \"ether\" or a Name glob such as \"en*\": {WHY_UNIT}",
                      insert_binding_fix(ctx.config, anchor, option, "ether"))
