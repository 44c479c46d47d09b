"""A deterministic generator of a realistic Nix corpus for the benchmark.

    python bench/generate.py OUT_DIR [--seed 7] [--scale 1.0]

writes (for the default seed and scale) about 5,400 `.nix` files, about 8 MB,
in the shapes real repositories have:

- `configs/<team>/`: NixOS configuration trees -- hosts in full form
  (`{ imports = [ ./hardware.nix ../../profiles/… ]; … }`) whose `imports`
  chains reach profiles and a `modules/default.nix` that lists the team's
  modules; hardware files with `lib.mkDefault` and `isAarch64` branches.
- `nixos/modules/`: a nixpkgs-like module tree: service modules in full form
  (`options` + `config = mkIf cfg.enable (mkMerge [ … ])`, `with lib;` or
  `let inherit (lib) …; in`), short-form profiles, long `''` scripts, deep
  `settings` attribute sets, all listed by `module-list.nix`.
- `pkgs/`: package expressions with multi-line formals and trailing commas
  (`{ lib, stdenv, fetchurl, }:`), `stdenv.mkDerivation rec { … }`,
  `buildGoModule`, `buildPythonPackage`, long install phases, `meta`; and a
  `top-level/all-packages.nix` that `callPackage`s every one of them.
- a few large generated data files (hash tables, long lists), as nixpkgs has.

The same seed and scale give the same bytes.  Every file parses with
`nix-instantiate --parse` (free variables are bound or under `with`).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys

MARKER = ".stereos-lint-bench-corpus"

SYLLABLES = ["ab", "ar", "bel", "bo", "cor", "da", "el", "fen", "gal", "hu", "ix", "jo", "ka", "lin", "mo",
             "nu", "or", "pa", "qui", "ra", "sol", "ta", "ul", "ve", "wex", "yo", "zen", "tri", "flo", "gra"]
CATEGORIES = ["applications/networking", "applications/editors", "applications/misc", "development/libraries",
              "development/tools", "development/python-modules", "servers/http", "servers/monitoring",
              "tools/system", "tools/networking", "tools/text", "os-specific/linux", "data/fonts", "games"]
SERVICE_GROUPS = ["networking", "monitoring", "web-servers", "databases", "system", "security", "misc",
                  "hardware", "backup", "mail"]
EMPTY_DEFAULTS = ['""', "0", "false", "null"]
STRICT = '"strict"'
LICENSES = ["mit", "asl20", "gpl3Plus", "gpl2Only", "bsd3", "mpl20", "lgpl21Plus", "isc"]
MAINTAINERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
DEPS = ["openssl", "zlib", "curl", "libxml2", "sqlite", "libuv", "pcre2", "readline", "ncurses", "libffi",
        "glib", "gtk3", "systemd", "dbus", "libpng", "libjpeg", "freetype", "fontconfig", "expat", "icu"]
NATIVE = ["pkg-config", "cmake", "meson", "ninja", "autoreconfHook", "makeWrapper", "installShellFiles",
          "python3", "perl", "gettext"]
PY_DEPS = ["requests", "click", "pyyaml", "attrs", "jinja2", "pytest", "setuptools", "typing-extensions"]
SYSTEMD_KEYS = ["Restart", "RestartSec", "DynamicUser", "ProtectSystem", "ProtectHome", "PrivateTmp",
                "NoNewPrivileges", "StateDirectory", "RuntimeDirectory", "LimitNOFILE", "TimeoutStartSec",
                "CapabilityBoundingSet", "SystemCallFilter", "MemoryDenyWriteExecute"]
HOST_OPTIONS = [
    ("services.openssh.enable", "true"), ("services.openssh.settings.PasswordAuthentication", "false"),
    ("networking.firewall.enable", "true"), ("time.timeZone", '"UTC"'), ("i18n.defaultLocale", '"en_US.UTF-8"'),
    ("boot.loader.systemd-boot.enable", "true"), ("boot.loader.efi.canTouchEfiVariables", "true"),
    ("services.journald.extraConfig", '"SystemMaxUse=500M"'), ("nix.settings.auto-optimise-store", "true"),
    ("documentation.man.enable", "false"), ("security.sudo.wheelNeedsPassword", "false"),
    ("services.timesyncd.enable", "true"), ("networking.useNetworkd", "true"),
    ("systemd.network.wait-online.anyInterface", "true"), ("zramSwap.enable", "true"),
]


class Gen:
    def __init__(self, seed: int, scale: float):
        self.rng = random.Random(seed)
        self.scale = scale
        self.files: dict[str, str] = {}
        self.names: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------

    def n(self, count: int) -> int:
        return max(1, round(count * self.scale))

    def name(self, parts: int = 3) -> str:
        """A name not used before (packages, modules, hosts): a random word, numbered on a clash."""
        word = self.word(parts)
        while word in self.names:
            word = f"{self.word(parts)}{self.rng.randint(2, 99)}"
        self.names.add(word)
        return word

    def word(self, parts: int = 2) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, parts)))

    def sentence(self, words: int) -> str:
        return " ".join(self.rng.choice(SYLLABLES) + self.rng.choice(SYLLABLES) for _ in range(words))

    def hash(self) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        return "sha256-" + "".join(self.rng.choice(alphabet) for _ in range(43)) + "="

    def version(self) -> str:
        return f"{self.rng.randint(0, 9)}.{self.rng.randint(0, 30)}.{self.rng.randint(0, 12)}"

    def script(self, indent: str, lines: int, coreutils: str = "coreutils") -> str:
        commands = ["mkdir -p $out/bin", "install -Dm755 build/{n} $out/bin/{n}", "substituteInPlace Makefile \\",
                    "  --replace-fail /usr/local $out", "patchShebangs scripts/", "cp -r share $out/",
                    'echo "building {n}"', "make -j$NIX_BUILD_CORES PREFIX=$out", "wrapProgram $out/bin/{n} \\",
                    '  --prefix PATH : "${{lib.makeBinPath [ {cu} ]}}"', "ln -s $out/bin/{n} $out/bin/{n}-cli",
                    "rm -rf $out/share/doc", "if [ -d contrib ]; then", "  cp contrib/* $out/share/", "fi"]
        word = self.word(2)
        return "\n".join(indent + self.rng.choice(commands).format(n=word, cu=coreutils) for _ in range(lines))

    def deep_set(self, indent: str, depth: int, width: int) -> str:
        if depth == 0:
            choice = self.rng.random()
            if choice < 0.4:
                return str(self.rng.randint(0, 65535))
            if choice < 0.7:
                return f'"{self.sentence(2)}"'
            return self.rng.choice(["true", "false", "null"])
        inner = indent + "  "
        keys = sorted({self.rng.choice(SYLLABLES) + self.rng.choice(SYLLABLES) for _ in range(width)})
        body = "".join(f"{inner}{key} = {self.deep_set(inner, depth - 1, max(1, width - 1))};\n" for key in keys)
        return "{\n" + body + indent + "}"

    def add(self, path: str, text: str) -> None:
        assert path not in self.files, path
        self.files[path] = text

    # -- packages -----------------------------------------------------------------------------

    def package(self, category: str) -> str:
        pname = self.name()
        kind = self.rng.random()
        deps = self.rng.sample(DEPS, self.rng.randint(1, 6))
        native = self.rng.sample(NATIVE, self.rng.randint(1, 4))
        if kind < 0.15:
            text = self.go_package(pname, deps)
        elif kind < 0.3:
            text = self.python_package(pname)
        else:
            text = self.c_package(pname, deps, native)
        path = f"pkgs/{category}/{pname}/default.nix"
        self.add(path, text)
        return path

    def formals(self, names: list[str]) -> str:
        names = list(dict.fromkeys(names))
        if self.rng.random() < 0.7:  # nixfmt style: one per line, trailing comma
            return "{\n" + "".join(f"  {n},\n" for n in names) + "}:\n"
        return "{ " + ", ".join(names) + (", ... }:\n" if self.rng.random() < 0.3 else " }:\n")

    def meta(self, description: str) -> str:
        maint = " ".join(self.rng.sample(MAINTAINERS, self.rng.randint(1, 3)))
        return (f"  meta = with lib; {{\n    description = \"{description}\";\n"
                f"    homepage = \"https://example.org/{self.word(2)}\";\n"
                f"    license = licenses.{self.rng.choice(LICENSES)};\n"
                f"    maintainers = with maintainers; [ {maint} ];\n"
                f"    platforms = platforms.{self.rng.choice(['linux', 'unix', 'all'])};\n"
                f"    mainProgram = \"{self.word(2)}\";\n  }};\n")

    def c_package(self, pname: str, deps: list[str], native: list[str]) -> str:
        names = ["lib", "stdenv", "fetchurl", "fetchFromGitHub", "coreutils", *native, *deps]
        if self.rng.random() < 0.3:
            names.append("nixosTests")
        text = self.formals(names)
        fetch = (f"  src = fetchurl {{\n    url = \"https://example.org/releases/${{pname}}-${{version}}.tar.gz\";\n"
                 f"    hash = \"{self.hash()}\";\n  }};\n") if self.rng.random() < 0.5 else (
                 f"  src = fetchFromGitHub {{\n    owner = \"{self.word(2)}\";\n    repo = pname;\n"
                 f"    rev = \"v${{version}}\";\n    hash = \"{self.hash()}\";\n  }};\n")
        flags = "".join(f'    "--enable-{self.word(2)}"\n' for _ in range(self.rng.randint(0, 5)))
        body = (f"stdenv.mkDerivation rec {{\n  pname = \"{pname}\";\n  version = \"{self.version()}\";\n\n{fetch}\n"
                f"  nativeBuildInputs = [\n" + "".join(f"    {n}\n" for n in native) + "  ];\n\n"
                f"  buildInputs = [ {' '.join(deps)} ];\n\n"
                f"  configureFlags = [\n{flags}  ];\n\n"
                f"  enableParallelBuilding = {self.rng.choice(['true', 'false'])};\n\n")
        if self.rng.random() < 0.6:
            body += f"  postPatch = ''\n{self.script('    ', self.rng.randint(2, 8))}\n  '';\n\n"
        if self.rng.random() < 0.5:
            body += f"  installPhase = ''\n    runHook preInstall\n{self.script('    ', self.rng.randint(3, 14))}\n    runHook postInstall\n  '';\n\n"
        if "nixosTests" in names:
            body += f"  passthru.tests = {{ inherit (nixosTests) {self.word(2)}; }};\n\n"
        body += self.meta(self.sentence(self.rng.randint(3, 9)))
        return text + "\n" + body + "}\n"

    def go_package(self, pname: str, deps: list[str]) -> str:
        text = self.formals(["lib", "buildGoModule", "fetchFromGitHub", "installShellFiles"])
        ldflags = "".join(f'    "-X main.{self.word(2)}=${{version}}"\n' for _ in range(self.rng.randint(1, 3)))
        return (text + f"\nbuildGoModule rec {{\n  pname = \"{pname}\";\n  version = \"{self.version()}\";\n\n"
                f"  src = fetchFromGitHub {{\n    owner = \"{self.word(2)}\";\n    repo = pname;\n"
                f"    rev = \"v${{version}}\";\n    hash = \"{self.hash()}\";\n  }};\n\n"
                f"  vendorHash = \"{self.hash()}\";\n\n  nativeBuildInputs = [ installShellFiles ];\n\n"
                f"  ldflags = [\n    \"-s\"\n    \"-w\"\n{ldflags}  ];\n\n"
                f"  postInstall = ''\n    installShellCompletion --cmd {pname} \\\n"
                f"      --bash <($out/bin/{pname} completion bash)\n  '';\n\n"
                + self.meta(self.sentence(5)) + "}\n")

    def python_package(self, pname: str) -> str:
        deps = self.rng.sample(PY_DEPS, self.rng.randint(1, 5))
        text = self.formals(["lib", "buildPythonPackage", "fetchPypi", "pythonOlder", *deps])
        return (text + f"\nbuildPythonPackage rec {{\n  pname = \"{pname}\";\n  version = \"{self.version()}\";\n"
                f"  pyproject = true;\n\n  disabled = pythonOlder \"3.{self.rng.randint(8, 11)}\";\n\n"
                f"  src = fetchPypi {{\n    inherit pname version;\n    hash = \"{self.hash()}\";\n  }};\n\n"
                f"  dependencies = [\n" + "".join(f"    {d}\n" for d in deps) + "  ];\n\n"
                f"  pythonImportsCheck = [ \"{pname}\" ];\n\n" + self.meta(self.sentence(4)) + "}\n")

    def all_packages(self, paths: list[str]) -> None:
        lines = ["{ lib, noSysDirs, config, overlays, pkgs, callPackage, ... }:", "",
                 "with pkgs;", "", "{"]
        for path in paths:
            rel = os.path.relpath(os.path.dirname(path), "pkgs/top-level")
            attr = path.split("/")[-2]
            extra = " { }" if self.rng.random() < 0.9 else f" {{ inherit (darwin) {self.word(2)}; }}"
            lines.append(f"  {attr} = callPackage {rel}{extra};")
        lines.append("}")
        self.add("pkgs/top-level/all-packages.nix", "\n".join(lines) + "\n")

    # -- NixOS modules ----------------------------------------------------------------------------

    def service_module(self, path: str, prefix: str) -> None:
        svc = os.path.basename(path)[:-4]
        style = self.rng.random()
        header = "{ config, lib, pkgs, ... }:\n\n"
        if style < 0.6:
            header += "with lib;\n\n"
            bind = ""
        else:
            bind = "  inherit (lib) mkIf mkMerge mkOption mkEnableOption mkDefault mkForce types literalExpression;\n"
        options = [f"    enable = mkEnableOption \"the {svc} service\";\n",
                   f"    package = mkOption {{\n      type = types.package;\n      default = pkgs.{svc};\n"
                   f"      defaultText = literalExpression \"pkgs.{svc}\";\n      description = \"The {svc} package to use.\";\n    }};\n",
                   f"    port = mkOption {{\n      type = types.port;\n      default = {self.rng.randint(1024, 60000)};\n"
                   f"      description = ''\n        The port {svc} listens on.\n        {self.sentence(8)}\n      '';\n    }};\n",
                   "    openFirewall = mkOption {\n      type = types.bool;\n      default = false;\n"
                   "      description = \"Whether to open the port in the firewall.\";\n    };\n"]
        for _ in range(self.rng.randint(0, 4)):
            options.append(f"    {self.name(3)} = mkOption {{\n      type = types.{self.rng.choice(['str', 'int', 'bool', 'lines'])};\n"
                           f"      default = {self.rng.choice(EMPTY_DEFAULTS)};\n"
                           f"      description = \"{self.sentence(6)}\";\n    }};\n")
        settings = self.deep_set("        ", self.rng.randint(2, 5), self.rng.randint(2, 3))
        sysd = "".join(f"          {k} = {self.rng.choice(['true', 'false', STRICT, str(self.rng.randint(1, 90))])};\n"
                       for k in self.rng.sample(SYSTEMD_KEYS, self.rng.randint(3, 9)))
        script = self.script("          ", self.rng.randint(2, 12), "pkgs.coreutils")
        merge_extra = ""
        if self.rng.random() < 0.5:
            merge_extra = ("\n    (mkIf cfg.openFirewall {\n      networking.firewall.allowedTCPPorts = [ cfg.port ];\n    })\n")
        if self.rng.random() < 0.3:
            merge_extra += (f"\n    (mkIf pkgs.stdenv.hostPlatform.isAarch64 {{\n"
                            f"      boot.kernelParams = [ \"{svc}.arm=1\" ];\n    }})\n")
        imports = ""
        if self.rng.random() < 0.15:
            imports = f"  imports = [ ./{svc}-compat.nix ];\n\n"
            self.add(os.path.join(os.path.dirname(path), f"{svc}-compat.nix"),
                     f"{{ lib, ... }}:\n{{\n  options.{prefix}.{svc}.legacy = lib.mkOption {{\n"
                     f"    type = lib.types.bool;\n    default = false;\n    description = \"{self.sentence(5)}\";\n"
                     f"  }};\n}}\n")
        text = (header + f"let\n  cfg = config.{prefix}.{svc};\n{bind}in\n{{\n{imports}"
                f"  options.{prefix}.{svc} = {{\n" + "".join(options) + "  };\n\n"
                f"  config = mkIf cfg.enable (mkMerge [\n    {{\n"
                f"      systemd.services.{svc} = {{\n        description = \"{svc} daemon\";\n"
                f"        wantedBy = [ \"multi-user.target\" ];\n        after = [ \"network-online.target\" ];\n"
                f"        wants = [ \"network-online.target\" ];\n"
                f"        environment.{svc.upper()}_SETTINGS = builtins.toJSON {settings};\n"
                f"        serviceConfig = {{\n          ExecStart = \"${{cfg.package}}/bin/{svc} --port ${{toString cfg.port}}\";\n"
                f"{sysd}        }};\n        preStart = ''\n{script}\n        '';\n      }};\n"
                f"      users.groups.{svc} = {{ }};\n    }}\n{merge_extra}  ]);\n"
                f"\n  meta.maintainers = with lib.maintainers; [ {' '.join(self.rng.sample(MAINTAINERS, 2))} ];\n}}\n")
        self.add(path, text)

    def profile(self, path: str) -> None:
        chosen = self.rng.sample(HOST_OPTIONS, self.rng.randint(3, 9))
        body = ""
        for option, value in chosen:
            wrap = self.rng.random()
            if wrap < 0.15:
                value = f"lib.mkForce {value}"
            elif wrap < 0.35:
                value = f"lib.mkDefault {value}"
            body += f"  {option} = {value};\n"
        pkgs = " ".join(self.rng.sample(["git", "vim", "htop", "curl", "jq", "tmux", "ripgrep", "fd", "file",
                                         "strace", "lsof", "tcpdump", "rsync", "zstd"], self.rng.randint(2, 8)))
        body += f"  environment.systemPackages = with pkgs; [ {pkgs} ];\n"
        if self.rng.random() < 0.4:
            body += ("  boot.kernelParams = [\n    \"console=ttyS0,115200\"\n  ]\n"
                     "  ++ lib.optionals pkgs.stdenv.hostPlatform.isAarch64 [ \"console=ttyAMA0\" ];\n")
        if self.rng.random() < 0.4:
            body += (f"  environment.etc.\"{self.word(2)}.conf\".text = ''\n"
                     + "".join(f"    {self.word(2)} = {self.rng.randint(0, 99)}\n" for _ in range(self.rng.randint(2, 30)))
                     + "  '';\n")
        self.add(path, "{ config, lib, pkgs, ... }:\n\n{\n" + body + "}\n")

    def hardware(self, path: str) -> None:
        uuid = "-".join("".join(self.rng.choice("0123456789abcdef") for _ in range(k)) for k in (8, 4, 4, 4, 12))
        self.add(path, (
            "{ config, lib, pkgs, modulesPath, ... }:\n\n{\n"
            "  imports = [ \"${modulesPath}/installer/scan/not-detected.nix\" ];\n\n"
            f"  boot.initrd.availableKernelModules = [ \"xhci_pci\" \"nvme\" \"usb_storage\" \"sd_mod\" ];\n"
            f"  boot.kernelModules = if pkgs.stdenv.hostPlatform.isAarch64 then [ ] else [ \"kvm-intel\" ];\n\n"
            f"  fileSystems.\"/\" = {{\n    device = \"/dev/disk/by-uuid/{uuid}\";\n    fsType = \"ext4\";\n  }};\n\n"
            f"  fileSystems.\"/boot\" = {{\n    device = \"/dev/disk/by-label/BOOT\";\n    fsType = \"vfat\";\n"
            f"    options = [ \"fmask=0077\" \"dmask=0077\" ];\n  }};\n\n"
            f"  swapDevices = [ ];\n  networking.useDHCP = lib.mkDefault true;\n"
            f"  nixpkgs.hostPlatform = lib.mkDefault \"{self.rng.choice(['x86_64-linux', 'aarch64-linux'])}\";\n}}\n"))

    def config_tree(self, team: str) -> None:
        base = f"configs/{team}"
        modules = []
        for _ in range(self.n(self.rng.randint(70, 110))):
            group = self.rng.choice(SERVICE_GROUPS)
            path = f"{base}/modules/{group}/{self.name()}.nix"
            self.service_module(path, team.replace("-", ""))
            modules.append(path)
        self.add(f"{base}/modules/default.nix",
                 "{\n  imports = [\n" + "".join(f"    ./{os.path.relpath(m, base + '/modules')}\n" for m in modules)
                 + "  ];\n}\n")
        profiles = []
        for kind in ["base", "server", "desktop", "hardened", "monitoring", "dev"]:
            path = f"{base}/profiles/{kind}.nix"
            self.profile(path)
            profiles.append(path)
        for _ in range(self.rng.randint(3, 7)):
            host = self.name(2)
            hdir = f"{base}/hosts/{host}"
            self.hardware(f"{hdir}/hardware.nix")
            chosen = self.rng.sample(profiles, self.rng.randint(1, 3))
            imports = ["./hardware.nix", "../../modules"] + [f"../../profiles/{os.path.basename(p)}" for p in chosen]
            enabled = self.rng.sample(modules, min(len(modules), self.rng.randint(2, 8)))
            body = "".join(f"  {team.replace('-', '')}.{os.path.basename(m)[:-4]}.enable = true;\n" for m in enabled)
            users = "".join(
                f"  users.users.{u} = {{\n    isNormalUser = true;\n    extraGroups = [ \"wheel\" \"networkmanager\" ];\n"
                f"    openssh.authorizedKeys.keys = [ \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA{self.word(4)} {u}@{host}\" ];\n  }};\n"
                for u in self.rng.sample(MAINTAINERS, self.rng.randint(1, 4)))
            self.add(f"{hdir}/default.nix", (
                "{ config, lib, pkgs, ... }:\n\n{\n  imports = [\n" + "".join(f"    {i}\n" for i in imports)
                + f"  ];\n\n  networking.hostName = \"{host}\";\n{body}{users}"
                + f"  networking.firewall.allowedTCPPorts = lib.mkForce [ 22 {self.rng.randint(1000, 9999)} ];\n"
                + "  system.stateVersion = \"24.05\";\n}\n"))

    def nixos_tree(self) -> None:
        listed = []
        for _ in range(self.n(700)):
            group = self.rng.choice(SERVICE_GROUPS)
            path = f"nixos/modules/services/{group}/{self.name()}.nix"
            self.service_module(path, "services")
            listed.append(path)
        for _ in range(self.n(120)):
            path = f"nixos/modules/profiles/{self.name()}.nix"
            self.profile(path)
            listed.append(path)
        self.add("nixos/modules/module-list.nix",
                 "[\n" + "".join(f"  ./{os.path.relpath(p, 'nixos/modules')}\n" for p in listed) + "]\n")
        self.add("nixos/default.nix", ("{ configuration, system ? builtins.currentSystem }:\n\n"
                                       "let\n  eval = import ./lib/eval-config.nix { inherit system; modules = [ configuration ]; };\n"
                                       "in\n{\n  inherit (eval) config options;\n  system = eval.config.system.build.toplevel;\n}\n"))

    def data_files(self) -> None:
        entries = "".join(f"  \"{self.name(4)}-{self.version()}\" = {{ url = \"mirror://example/{i}.tar.xz\"; hash = \"{self.hash()}\"; }};\n"
                          for i in range(self.n(2600)))
        self.add("pkgs/data/misc/hashes.nix", "# generated: do not edit\n{\n" + entries + "}\n")
        words = " ".join(f'"{self.word(3)}"' for _ in range(self.n(6000)))
        self.add("pkgs/data/misc/wordlist.nix", "[ " + words + " ]\n")

    def build(self) -> dict[str, str]:
        for team in ["infra", "platform-a", "platform-b", "edge", "lab", "ci-fleet", "desk", "storage", "gpu",
                     "mail-ops", "iot", "branch"]:
            self.config_tree(team)
        self.nixos_tree()
        paths = [self.package(self.rng.choice(CATEGORIES)) for _ in range(self.n(3000))]
        self.all_packages(paths)
        self.data_files()
        return self.files


def generate(out: str, seed: int = 7, scale: float = 1.0) -> list[str]:
    """Write the corpus under `out` (replacing an earlier corpus there); return its files."""
    return write_corpus(out, MARKER, seed, scale, Gen(seed, scale).build())


def write_corpus(out: str, marker: str, seed: int, scale: float, files: dict[str, str]) -> list[str]:
    """Write `files` (relative path -> text) under `out`, replacing what an earlier run
    left there (recognised by `marker`, never a directory this script did not write)."""
    if os.path.exists(out):
        if os.listdir(out) and not os.path.exists(os.path.join(out, marker)):
            raise SystemExit(f"{out} exists and is not a corpus this script wrote; choose another directory")
        shutil.rmtree(out)
    os.makedirs(out)
    with open(os.path.join(out, marker), "w") as handle:
        handle.write(f"seed={seed} scale={scale}\n")
    written = []
    for rel, text in sorted(files.items()):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)
    return written


def main(argv: list[str] | None = None, write=generate, description: str = __doc__,
         what: str = "the corpus", scaled: str = "files") -> None:
    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    parser.add_argument("out", help=f"directory to write {what} to")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help=f"multiply the number of {scaled} by this")
    args = parser.parse_args(argv)
    files = write(args.out, args.seed, args.scale)
    size = sum(os.path.getsize(f) for f in files)
    print(f"wrote {len(files)} files, {size / 1e6:.1f} MB, to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
