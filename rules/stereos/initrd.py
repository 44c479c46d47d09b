"""ST106 initrd-modules (ST105 is declared in initrd_systemd.toml)."""
from stereos_lint.checking.findings import Edit, Fix
from stereos_lint.nix import values as v
from stereos_lint.checking.rule import (ConfigContext, expect_value, force_fix, insert_binding_fix, nix_literal,
                               replace_value_fix, rule, where)
from stereos_lint.nix.source import Span

from .console_params import place

WHY_MODULES = "a small initrd that probes no absent hardware"
WHY_VSOCK = ("the vsock transport must be loaded before stereosd starts, or stereosd falls back to TCP "
             "(udev does not load it: the virtio-socket device has no modalias for the transport)")

AVAILABLE = "boot.initrd.availableKernelModules"
INITRD_LOADED = "boot.initrd.kernelModules"
LOADED = "boot.kernelModules"
VSOCK = "vmw_vsock_virtio_transport"
SPEC_MODULES = [
    "virtio_blk", "virtio_pci", "virtio_net", "virtio_console", "virtiofs",
    "vsock", "vmw_vsock_virtio_transport", "vmw_vsock_virtio_transport_common",
    "ext4", "erofs", "overlay",
]
BEATS_PLAIN = 99   # the weakest priority that beats NixOS's plain definitions (lib.mkForce is 50)
SIBLINGS = [AVAILABLE, INITRD_LOADED, LOADED, "boot.initrd.systemd.enable"]


@rule("ST106", "initrd-modules", severity="error", fixable=True,
      reads=(AVAILABLE, INITRD_LOADED, LOADED),
      summary="the initrd modules are forced to the virtio/vsock/fs set, and the vsock transport is loaded")
def check_modules(ctx: ConfigContext):
    """A small initrd that probes no absent hardware: `boot.initrd.availableKernelModules`
    is forced (`lib.mkForce`, so NixOS's default hardware modules are dropped) to
    exactly the virtio/vsock/fs set, nothing is force-loaded in the initrd
    (`boot.initrd.kernelModules = lib.mkForce [ ]`), and `boot.kernelModules`
    loads `vmw_vsock_virtio_transport`, which udev never loads on its own:
    without it stereosd falls back to TCP.

    Bad:

        boot.initrd.availableKernelModules = [ "virtio_blk" "ahci" ];
        boot.kernelModules = [ ];

    Good:

        boot.initrd.availableKernelModules = lib.mkForce [
          "virtio_blk" "virtio_pci" "virtio_net" "virtio_console" "virtiofs"
          "vsock" "vmw_vsock_virtio_transport" "vmw_vsock_virtio_transport_common"
          "ext4" "erofs" "overlay"
        ];
        boot.initrd.kernelModules = lib.mkForce [ ];
        boot.kernelModules = [ "vmw_vsock_virtio_transport" ];
    """
    yield from _available_modules(ctx)
    yield from _no_initrd_modules(ctx)
    yield from _vsock_loaded(ctx)


def _available_modules(ctx: ConfigContext):
    resolution = ctx.config.resolve(AVAILABLE)
    requirement = f"lib.mkForce {nix_literal(SPEC_MODULES)}"
    if not resolution.defined:
        anchor = ctx.config.anchor(AVAILABLE, SIBLINGS)
        yield ctx.system_finding(anchor, f"{AVAILABLE} is not set{ctx.on} but the SPEC requires {requirement}: "
                                         f"{WHY_MODULES}",
                          insert_binding_fix(ctx.config, anchor, AVAILABLE, SPEC_MODULES, forced=True))
        return
    if not resolution.known or resolution.items is None:
        yield ctx.cannot_verify(resolution, requirement)
        return
    extra = [item for item in resolution.items if item.value not in SPEC_MODULES]
    # What a fragment's list lacks, other modules of a system may add; what it adds stays.
    missing = [name for name in SPEC_MODULES if name not in resolution.value] if ctx.whole else []
    if extra or missing:
        at = extra[0].span if extra else resolution.span
        at_place = place(extra[0]) if extra else where(resolution.winner)
        fix = replace_value_fix(resolution.winner, SPEC_MODULES) if len(resolution.winners) == 1 else None
        problems = []
        if missing:
            problems.append(f"lacks {' '.join(missing)}")
        if extra:
            problems.append(f"adds {' '.join(str(item.value) for item in extra)}")
        yield ctx.finding(at, f"{AVAILABLE} {' and '.join(problems)} ({at_place}){ctx.on} but the SPEC "
                              f"requires exactly {requirement}: {WHY_MODULES}", fix)
        return
    if resolution.priority is not None and resolution.priority > BEATS_PLAIN:
        # (a fragment's list may hold part of the set: other modules of a system may add the rest)
        holds = "is the SPEC set" if set(SPEC_MODULES) <= set(resolution.value) else "holds SPEC modules only"
        yield ctx.finding(resolution.span,
                          f"{AVAILABLE} {holds} ({where(resolution.winner)}){ctx.on} but with priority "
                          f"{resolution.priority}, so NixOS's default hardware modules are merged into it; the SPEC "
                          f"requires lib.mkForce {nix_literal(SPEC_MODULES)}: {WHY_MODULES}",
                          force_fix(resolution.winner) if len(resolution.winners) == 1 else None)


def _no_initrd_modules(ctx: ConfigContext):
    yield from expect_value(ctx, INITRD_LOADED, [], WHY_MODULES, siblings=SIBLINGS, max_priority=BEATS_PLAIN)


def _vsock_loaded(ctx: ConfigContext):
    resolution = ctx.config.resolve(LOADED)
    requirement = f"it to contain {nix_literal(VSOCK)}"
    if not resolution.defined:
        anchor = ctx.config.anchor(LOADED, SIBLINGS)
        yield ctx.system_finding(anchor, f"{LOADED} is not set{ctx.on} but the SPEC requires {requirement}: {WHY_VSOCK}",
                          insert_binding_fix(ctx.config, anchor, LOADED, [VSOCK]))
        return
    if resolution.uncertain is not None or resolution.items is None:
        yield ctx.cannot_verify(resolution, requirement)
        return
    if VSOCK in resolution.value:
        return
    unknown = next((item for item in resolution.items if not isinstance(item.value, str)), None)
    if unknown is not None:
        yield ctx.cannot_verify(resolution, requirement)
        return
    yield ctx.system_finding(resolution.span,
                             f"{LOADED} is {nix_literal(resolution.value)} ({where(resolution.winner)}){ctx.on}, "
                             f"without {VSOCK}, but the SPEC requires {requirement}: {WHY_VSOCK}",
                             _append_fix(resolution.winner))


def _append_fix(definition) -> Fix | None:
    """Add the module after the last item of the list literal as written."""
    if definition is None or not isinstance(definition.value, v.ListV) or definition.value.span is None:
        return None
    written = definition.value.span
    literal = nix_literal(VSOCK)
    if not definition.value.items:
        return Fix(f"add {literal} to {LOADED}", (Edit(written, f"[ {literal} ]"),))
    last = v.force(definition.value.items[-1]).span
    if last is None or last.source is not written.source or not written.start <= last.start <= last.end <= written.end:
        return None
    return Fix(f"add {literal} to {LOADED}", (Edit(Span(last.source, last.end, last.end), f" {literal}"),))
