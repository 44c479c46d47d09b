"""NX006 undeclared-option."""
import difflib

from stereos_lint.checking.rule import ConfigContext, rule
from stereos_lint.modules.config import format_option
from stereos_lint.modules.types import OptionDecl
from stereos_lint.nix import values as v


@rule("NX006", "undeclared-option", severity="error", whole_system=True, reads=(),
      summary="a definition under a namespace the tree's own options make up, matching none of them")
def check(ctx: ConfigContext):
    """NixOS refuses a definition of an option that does not exist ("The option …
    does not exist").  Whether a NixOS option exists the linter cannot know, but a
    namespace the linted tree makes up itself -- a set of options with its own
    `enable` (`options.hardware.librem5 = { enable = …; audio = …; }`), or a set of
    them outside NixOS's top-level names (`options.my.backup = { … }`) -- holds
    exactly the options the tree declares there, so a definition under it that
    matches none of them is a typo or a leftover.  The message offers the closest declared name.  A tree may also add
    an option to a NixOS namespace (`options.services.nginx.myExtra`, or in set form
    `options.networking.firewall = { fromLan = …; }`: NixOS merges declarations); an
    unknown name there is not reported, nor under a set with a declaration the linter
    cannot compute, nor in a system one of whose imports is missing (it may have declared
    it: NX003 reports the import).

    Bad:

        options.hardware.librem5 = {
          enable = lib.mkEnableOption "the Librem 5's hardware";
          audio = lib.mkOption { type = lib.types.bool; default = true; };
        };
        hardware.librem5.audoi = false;

    Good:

        hardware.librem5.audio = false;
    """
    namespaces = introduced_namespaces(ctx.config.modules)
    if not namespaces or _incomplete(ctx.config.modules):
        return
    declared = ctx.config.declarations
    reported = set()
    longest_first = sorted(namespaces, key=len, reverse=True)
    for definition in ctx.config.definitions_in(namespaces):
        option = definition.option
        namespace = next((n for n in longest_first if option[:len(n)] == n), None)
        if namespace is None or option == namespace or ctx.config.declared_option(option) is not None:
            continue
        if option in reported or definition.key_span is None:
            continue
        reported.add(option)
        names = [format_option(p[len(namespace):]) for p in declared if p[:len(namespace)] == namespace]
        typed = format_option(option[len(namespace):])
        close = difflib.get_close_matches(typed, names, n=1)
        hint = f" -- did you mean {format_option(namespace)}.{close[0]}?" if close else ""
        where = namespaces[namespace]
        yield ctx.finding(definition.key_span,
                          f"{format_option(option)} does not exist{ctx.on}: the options under "
                          f"{format_option(namespace)} are the tree's own (declared at "
                          f"{where.place}) and none of them is "
                          f"{typed}{hint}; NixOS refuses a definition of an option that does not exist")
    for option in declared:
        if not any(option[:len(n)] == n for n in namespaces):
            continue   # (a submodule NixOS may declare too -- `services.nginx.virtualHosts` -- adds to it)
        if not ctx.config.definitions_within(option):
            continue   # only its default: no definition its submodule could refuse
        refusal = ctx.config.resolve(option).refusal
        if refusal is not None and refusal.kind == "undeclared":
            spans = [d.key_span for d in ctx.config.resolve(refusal.loc).definitions if d.key_span is not None]
            if spans and refusal.loc not in reported:
                reported.add(refusal.loc)
                yield ctx.finding(spans[0], f"{format_option(refusal.loc)} does not exist{ctx.on}: the submodule "
                                            f"of {format_option(option)} declares no such option; NixOS refuses it")


# NixOS's top-level option names (nixos/modules), and those of modules commonly imported from
# flake inputs (home-manager's, stylix'): a set of declarations written under one of
# them in set form (`options.networking.firewall = { fromLan = mkOption …; }`) may add to
# one of NixOS's own namespaces, whose other options the linter cannot see -- NixOS merges
# the declarations of several modules.  Only one declaring its own `enable` makes it the
# tree's (NixOS refuses an option declared twice).
NIXOS_TOP_LEVEL = frozenset({
    "appstream", "assertions", "boot", "console", "containers", "documentation", "dysnomia", "environment",
    "fileSystems", "fonts", "gtk", "hardware", "i18n", "ids", "image", "installer", "isoImage", "jobs", "krb5",
    "lib", "location", "meta", "netboot", "networking", "nix", "nixpkgs", "oci", "power", "powerManagement",
    "programs", "qt", "sdImage", "security", "services", "snapraid", "sound", "specialisation", "stylix",
    "swapDevices", "system", "systemd", "testing", "time", "users", "virtualisation", "warnings", "xdg",
    "zramSwap", "home-manager", "nixos", "_module",
})


def introduced_namespaces(modules) -> dict:
    """Prefixes whose options the tree makes up: a set that declares its own `enable`, or a
    literal set of option declarations (`options.a.b = { x = mkOption …; }`) outside NixOS's
    namespaces; never a top-level name (`services`)."""
    found: dict = {}
    for module in modules:
        if getattr(module, "options", None) is not None:
            _walk(module.options, (), found)
    return found


def _walk(item, prefix, found) -> None:
    value = v.force(item)
    if not isinstance(value, v.AttrsV):
        return
    children = {name: v.force(attr.value) for name, attr in value.attrs.items()}
    direct = [name for name, child in children.items() if isinstance(child, OptionDecl)]
    if len(prefix) >= 2 and direct and ("enable" in direct or value.explicit and prefix[0] not in NIXOS_TOP_LEVEL) \
            and value.span is not None and _all_known(value):
        found.setdefault(prefix, value.span)
    for name, child in children.items():
        if isinstance(child, v.AttrsV):
            _walk(child, prefix + (name,), found)


def _all_known(value, depth: int = 0) -> bool:
    """Whether every declaration in a set of them can be seen: where one cannot (a value
    the linter cannot compute), a name matching none of those it sees may be that one."""
    if isinstance(value, OptionDecl):
        return True
    if not isinstance(value, v.AttrsV) or depth > 50:
        return False
    return all(_all_known(v.force(attr.value), depth + 1) for attr in value.attrs.values())


def _incomplete(modules) -> bool:
    """Whether a module of the system imports a local file that does not exist."""
    return any(entry.path is not None and not entry.exists for module in modules for entry in module.imports)
