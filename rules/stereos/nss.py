"""ST203 nss-files-only."""
from stereos_lint.rule import ConfigContext, expect_value, rule

WHY = ("no LDAP, mDNS or resolved look-ups on every getpwuid/getgrnam during start-up, "
       "and forced so that no other module adds a source")

REQUIRED = {
    "system.nssDatabases.passwd": ["files"],
    "system.nssDatabases.group": ["files"],
    "system.nssDatabases.hosts": ["files", "dns"],
}


@rule("ST203", "nss-files-only", severity="error", fixable=True,
      summary='NSS passwd and group are [ "files" ], hosts [ "files" "dns" ], each forced')
def check(ctx: ConfigContext):
    """Without a restricted NSS configuration glibc may try LDAP, mDNS or
    systemd-resolved look-ups for passwd and group entries, adding latency to
    every getpwuid/getgrnam call that services make during start-up.  Each
    database is forced (`lib.mkForce`), since NixOS modules add sources to
    these lists with plain definitions.  A missing database is reported next
    to the ones that are written.

    Bad:

        system.nssDatabases.hosts = lib.mkForce [ "files" "dns" ];

    Good:

        system.nssDatabases.passwd = lib.mkForce [ "files" ];
        system.nssDatabases.group = lib.mkForce [ "files" ];
        system.nssDatabases.hosts = lib.mkForce [ "files" "dns" ];
    """
    for option, expected in REQUIRED.items():
        yield from expect_value(ctx, option, expected, WHY, siblings=REQUIRED, max_priority=50)
