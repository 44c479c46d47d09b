"""ST102 console-order."""
from stereos_lint.checking.findings import Severity
from stereos_lint.checking.rule import ConfigContext, rule, where

from .console_params import consoles, place

OPTION = "boot.kernelParams"
WHY = ("only the last console= becomes /dev/console, which init and systemd use for stdin/stdout; "
       "Apple Virtualization.framework captures hvc0, QEMU -serial captures ttyAMA0/ttyS0")

# system prefix -> (the consoles that must come first, the primary console that must be last)
CONSOLES = {
    "aarch64": (("tty0", "ttyAMA0"), "hvc0"),
    "x86_64": (("tty0",), "ttyS0"),
}


@rule("ST102", "console-order", severity="error",
      whole_system=True,
      reads=("boot.kernelParams",),
      summary="boot.kernelParams lists the primary console last: hvc0 on aarch64, ttyS0 on x86_64")
def check(ctx: ConfigContext):
    """The kernel writes to every `console=` it is given, but only the last one
    becomes `/dev/console`, which init and systemd use for stdin and stdout.
    Apple Virtualization.framework captures `hvc0` and QEMU's `-serial` captures
    `ttyAMA0` (aarch64) or `ttyS0` (x86_64), so the primary console must be
    last: `hvc0` on aarch64 with `tty0` and `ttyAMA0` before it, `ttyS0` on
    x86_64 with `tty0` before it.  Each architecture branch of an
    `if isAarch64 then … else …` is judged on its own; a configuration with no
    architecture condition is judged as aarch64-linux.

    Bad:

        boot.kernelParams = [ "console=hvc0" "console=tty0" "console=ttyAMA0,115200" ];

    Good:

        boot.kernelParams = if pkgs.stdenv.hostPlatform.isAarch64
          then [ "console=tty0" "console=ttyAMA0,115200" "console=hvc0" ]
          else [ "console=tty0" "console=ttyS0,115200" ];
    """
    arch = ctx.system.split("-")[0]
    if arch not in CONSOLES:
        return  # the SPEC pins consoles for aarch64 and x86_64 only
    before, primary = CONSOLES[arch]
    on = ctx.on or f" on {ctx.system}"
    wanted = " ".join(f"console={name}" for name in before + (primary,))
    requirement = f"{wanted} with console={primary} last"
    resolution = ctx.config.resolve(OPTION)
    if not resolution.defined:
        yield ctx.finding(ctx.config.anchor(OPTION, ["boot.consoleLogLevel", "boot.initrd.systemd.enable"]),
                          f"{OPTION} is not set{on}, so there is no console= at all, but the SPEC requires "
                          f"{requirement}: {WHY}")
        return
    if resolution.uncertain is not None or resolution.items is None:
        yield ctx.cannot_verify(resolution, requirement)
        return
    found = consoles(resolution)
    for console in found:
        if console.name is None:
            yield ctx.finding(console.item.span,
                              f"cannot verify {OPTION}{on}: the item {console.text} may be a console= whose "
                              f"name cannot be known statically; the SPEC requires {requirement}",
                              severity=Severity.INFO)
            return
    if not found:
        yield ctx.finding(resolution.span,
                          f"{OPTION} has no console= ({where(resolution.winner)}){on} but the SPEC requires "
                          f"{requirement}: {WHY}")
        return
    last = found[-1]
    if last.name != primary:
        order = " ".join(console.name for console in found)
        yield ctx.finding(last.item.span,
                          f"the last console= in {OPTION} is {last.name} ({place(last.item)}){on}, "
                          f"so /dev/console is {last.name} (consoles in order: {order}), but the SPEC requires "
                          f"{requirement}: {WHY}")
        return
    earlier = {console.name for console in found[:-1]}
    missing = [name for name in before if name not in earlier]
    if missing:
        absent = " and ".join(f"console={name}" for name in missing)
        yield ctx.finding(last.item.span,
                          f"{OPTION} has no {absent} before console={primary} "
                          f"({place(last.item)}){on} but the SPEC requires {requirement}: {WHY}")
