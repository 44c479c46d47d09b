"""A deterministic generator of NixOS configuration repositories for the benchmark.

    python bench/generate_repos.py OUT_DIR [--seed 7] [--scale 1.0]

writes (for the default seed and scale) about 40 repositories, 5,000 `.nix` files,
in the shapes public NixOS configuration repositories have: a few systems each,
and most files fragments that no system imports.

- the entry point: `flake.nix` with `nixosConfigurations` written directly, built by
  a `mkHost` helper in `lib/`, over `readDir ./hosts`, through flake-parts, or a
  stereOS-style mixtape helper with image builds per architecture; a few
  repositories without a flake (`configuration.nix` and its hardware file);
- `hosts/<name>/`: `default.nix` (imports, host options, users) and
  `hardware-configuration.nix` (with `nixpkgs.hostPlatform`), a few host services;
- `modules/nixos/`: shared modules in short form and service modules in full form
  (`options` + `config = mkIf cfg.enable …`); `modules/default.nix` lists most of
  them, the rest are not imported (fragments);
- fragments: `home/<user>/**` home-manager configurations (the bulk), `pkgs/`
  package expressions (nixfmt's trailing commas in formals), overlays, `lib/`
  helpers, `shell.nix`.

File sizes and the mix follow a sample of seven public configuration flakes (301
files): sizes are drawn from a log-normal fitted to each kind's median and mean
(flake.nix 4.0k/3.9k characters, hosts 1.2k/1.6k, hardware 0.9k/1.4k, NixOS
modules 1.4k/2.4k, home-manager 1.4k/2.3k, packages 1.0k/1.6k, other 1.0k/1.5k),
reached by adding the settings, comments, packages and config text real files
carry; about half the files are NixOS modules reachable from hosts, a third
home-manager, the rest packages and other fragments.

The same seed and scale give the same bytes.  Every file parses as Nix.
"""
from __future__ import annotations

import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import HOST_OPTIONS, MAINTAINERS, Gen, main, write_corpus  # noqa: E402  (the package and module shapes)

MARKER = ".stereos-lint-bench-repos"
SHAPES = ["helper", "helper", "readdir", "direct", "direct", "parts", "stereos", "classic"]
HM_PROGRAMS = ["git", "zsh", "bash", "starship", "neovim", "tmux", "alacritty", "kitty", "firefox", "direnv",
               "fzf", "bat", "eza", "htop", "gpg", "ssh", "vscode", "helix", "zellij", "atuin", "yazi", "k9s"]
HM_SERVICES = ["gpg-agent", "dunst", "syncthing", "mako", "kanshi", "gammastep", "picom", "udiskie"]
# (median, mean) size in characters of each kind of file, from the sample above
SIZES = {"flake": (4034, 3911), "host": (1177, 1613), "hardware": (883, 1375), "module": (1421, 2416),
         "home": (1356, 2321), "package": (1023, 1605), "other": (966, 1537)}
COMMENTS = ["Keep this in sync with the router's DHCP reservations.", "See the upstream module for the defaults.",
            "TODO: move this to a shared profile once the other hosts need it.",
            "Needed since the last kernel update; remove when fixed upstream.",
            "Values below were tuned on the old machine.", "Disabled until the migration is done.",
            "This is what the wiki recommends for this hardware.", "Mirrors the settings of the previous setup."]
PACKAGES = ["ripgrep", "fd", "jq", "yq", "curl", "wget", "htop", "btop", "tree", "unzip", "zip", "gnupg", "age",
            "sops", "nil", "nixfmt", "go", "rustup", "nodejs", "python3", "gcc", "gnumake", "just", "tokei"]


class RepoGen(Gen):
    def size(self, kind: str) -> int:
        """A file size for this kind: log-normal with the sample's median and mean."""
        median, mean = SIZES[kind]
        sigma = math.sqrt(2 * math.log(max(mean, median * 1.01) / median))
        return min(20000, int(self.rng.lognormvariate(math.log(median), sigma)))

    def sized(self, text: str, kind: str, home: bool = False) -> str:
        """`text` (a set ending in `}\n`) grown to this kind's drawn size with what real files
        carry: comments, settings, package lists and config text -- each attribute new to the
        file (Nix refuses a set that defines one twice)."""
        target = self.size(kind)
        extra = []
        while len(text) + sum(map(len, extra)) < target:
            piece = self.filler(home)
            head = piece.strip().split("\n")[-1] if piece.strip().startswith("#") else piece.strip()
            name = head.split(" = ")[0].strip()
            if name and name not in text and not any(name in e for e in extra):
                extra.append(piece)
        if not extra:
            return text
        end = text.rstrip().rfind("}")
        return text[:end] + "".join(extra) + text[end:]

    def filler(self, home: bool) -> str:
        choice = self.rng.random()
        comment = f"\n  # {self.rng.choice(COMMENTS)}\n" if self.rng.random() < 0.6 else "\n"
        if choice < 0.3:
            owner = "programs" if home else "services"
            return (f"{comment}  {owner}.{self.word(3)}.settings = "
                    f"{self.deep_set('  ', self.rng.randint(1, 3), self.rng.randint(2, 5))};\n")
        if choice < 0.5:
            packages = " ".join(self.rng.sample(PACKAGES, self.rng.randint(3, 12)))
            where = "home.packages" if home else "environment.systemPackages"
            return f"{comment}  {where} = with pkgs; [\n    " + packages.replace(" ", "\n    ") + "\n  ];\n"
        if choice < 0.75:
            where = f'xdg.configFile."{self.word(2)}/config"' if home else f'environment.etc."{self.word(2)}.conf"'
            lines = "".join(f"    {self.word(2)} = {self.rng.choice([str(self.rng.randint(0, 999)), self.word(3)])}\n"
                            for _ in range(self.rng.randint(3, 25)))
            return f"{comment}  {where}.text = ''\n{lines}  '';\n"
        if home:
            return (f"{comment}  programs.{self.word(2)} = {{\n    enable = true;\n    extraConfig = ''\n"
                    + self.script("      ", self.rng.randint(2, 10), "pkgs.coreutils") + "\n    '';\n  };\n")
        unit = self.word(2)
        return (f"{comment}  systemd.services.{unit} = {{\n    description = \"{self.sentence(3)}\";\n"
                f"    wantedBy = [ \"multi-user.target\" ];\n    serviceConfig = {{\n"
                f"      Restart = \"on-failure\";\n      DynamicUser = true;\n    }};\n"
                f"    script = ''\n" + self.script("      ", self.rng.randint(2, 10), "pkgs.coreutils") + "\n    '';\n  };\n")

    def repo(self, root: str, shape: str) -> None:
        hosts = [self.name(2) for _ in range(self.rng.randint(2, 6) if shape != "classic" else 1)]
        users = self.rng.sample(MAINTAINERS, self.rng.randint(1, 3))
        shared = self.shared_modules(root)
        for host in hosts:
            self.host(root, host, users, shared, with_hardware=True)
        for user in users:
            self.home(root, user, hosts)
        self.packages(root)
        self.extras(root)
        getattr(self, f"entry_{shape}")(root, hosts)

    # -- NixOS modules -----------------------------------------------------------------------------

    def shared_modules(self, root: str) -> list[str]:
        listed, spare = [], []
        for _ in range(self.rng.randint(10, 30)):
            path = f"{root}/modules/nixos/{self.name(2)}.nix"
            if self.rng.random() < 0.35:
                self.service_module(path, "custom")
            else:
                self.profile(path)
                self.files[path] = self.sized(self.files[path], "module")
            (spare if self.rng.random() < 0.1 else listed).append(path)
        self.add(f"{root}/modules/nixos/default.nix",
                 "{\n  imports = [\n" + "".join(f"    ./{os.path.basename(p)}\n" for p in listed) + "  ];\n}\n")
        return listed

    def host(self, root: str, host: str, users: list[str], shared: list[str], with_hardware: bool) -> None:
        base = f"{root}/hosts/{host}"
        services = []
        for _ in range(self.rng.randint(0, 6)):
            path = f"{base}/services/{self.name(2)}.nix"
            self.profile(path)
            self.files[path] = self.sized(self.files[path], "module")
            services.append(os.path.relpath(path, base))
        if with_hardware:
            self.hardware(f"{base}/hardware-configuration.nix")
            hardware = f"{base}/hardware-configuration.nix"
            self.files[hardware] = self.sized(self.files[hardware], "hardware")
        imports = ["./hardware-configuration.nix", "../../modules/nixos", *(f"./{s}" for s in services)]
        chosen = self.rng.sample(HOST_OPTIONS, self.rng.randint(2, 6))
        body = "".join(f"  {option} = {value};\n" for option, value in chosen)
        body += "".join(f"  users.users.{u} = {{\n    isNormalUser = true;\n    extraGroups = [ \"wheel\" ];\n  }};\n"
                        for u in users)
        self.add(f"{base}/default.nix", self.sized(
            "{ config, lib, pkgs, ... }:\n\n{\n  imports = [\n" + "".join(f"    {i}\n" for i in imports)
            + f"  ];\n\n  networking.hostName = \"{host}\";\n{body}  system.stateVersion = \"24.11\";\n}}\n", "host"))

    # -- fragments -----------------------------------------------------------------------------------

    def home(self, root: str, user: str, hosts: list[str]) -> None:
        base = f"{root}/home/{user}"
        features = []
        for group in ("cli", "desktop", "dev"):
            for _ in range(self.rng.randint(2, 9)):
                path = f"{base}/features/{group}/{self.name(2)}.nix"
                self.hm_feature(path)
                features.append(os.path.relpath(path, base))
        self.add(f"{base}/global.nix", (
            "{ lib, pkgs, config, ... }:\n\n{\n"
            f"  home.username = lib.mkDefault \"{user}\";\n"
            f"  home.homeDirectory = lib.mkDefault \"/home/{user}\";\n  home.stateVersion = \"24.11\";\n"
            "  programs.home-manager.enable = true;\n  systemd.user.startServices = \"sd-switch\";\n}\n"))
        for host in hosts:
            chosen = self.rng.sample(features, min(len(features), self.rng.randint(3, 12)))
            self.add(f"{base}/{host}.nix", (
                "{\n  imports = [\n    ./global.nix\n" + "".join(f"    ./{c}\n" for c in chosen) + "  ];\n}\n"))

    def hm_feature(self, path: str) -> None:
        program = self.rng.choice(HM_PROGRAMS)
        settings = self.deep_set("      ", self.rng.randint(1, 4), self.rng.randint(2, 4))
        body = (f"  programs.{program} = {{\n    enable = true;\n    settings = {settings};\n  }};\n")
        if self.rng.random() < 0.5:
            packages = " ".join(self.rng.sample(PACKAGES, self.rng.randint(1, 6)))
            body += f"  home.packages = with pkgs; [ {packages} ];\n"
        if self.rng.random() < 0.3:
            body += f"  services.{self.rng.choice(HM_SERVICES)}.enable = true;\n"
        if self.rng.random() < 0.4:
            body += (f"  xdg.configFile.\"{self.word(2)}/config\".text = ''\n"
                     + "".join(f"    {self.word(2)} = {self.rng.randint(0, 99)}\n" for _ in range(self.rng.randint(2, 20)))
                     + "  '';\n")
        if self.rng.random() < 0.3:
            names = sorted({self.word(2).upper() for _ in range(self.rng.randint(1, 5))})
            body += ("  home.sessionVariables = {\n" + "".join(f"    {n} = \"{self.word(3)}\";\n" for n in names)
                     + "  };\n")
        self.add(path, self.sized("{ config, lib, pkgs, ... }:\n\n{\n" + body + "}\n", "home", home=True))

    def packages(self, root: str) -> None:
        paths = []
        for _ in range(self.rng.randint(2, 14)):
            written = self.package("tools")
            target = f"{root}/pkgs/{written.split('/')[-2]}/default.nix"
            self.files[target] = self.files.pop(written)
            paths.append(target)
        self.add(f"{root}/pkgs/default.nix", "{ pkgs }:\n\n{\n" + "".join(
            f"  {p.split('/')[-2]} = pkgs.callPackage ./{p.split('/')[-2]} {{ }};\n" for p in paths) + "}\n")

    def extras(self, root: str) -> None:
        self.add(f"{root}/overlays/default.nix", (
            "{ inputs, ... }:\n\n{\n  additions = final: _prev: import ../pkgs { pkgs = final; };\n"
            "  modifications = final: prev: {\n" + "".join(
                f"    {p} = prev.{p}.overrideAttrs (old: {{ patches = (old.patches or [ ]) ++ [ ./{p}.patch ]; }});\n"
                for p in self.rng.sample(PACKAGES, self.rng.randint(1, 4))) + "  };\n}\n"))
        self.add(f"{root}/shell.nix", (
            "{ pkgs ? import <nixpkgs> { } }:\n\npkgs.mkShell {\n"
            f"  packages = with pkgs; [ {' '.join(self.rng.sample(PACKAGES, 4))} ];\n"
            "  shellHook = ''\n    export NIX_CONFIG=\"experimental-features = nix-command flakes\"\n  '';\n}\n"))

    # -- entry points --------------------------------------------------------------------------------

    INPUTS = ("  inputs = {\n    nixpkgs.url = \"github:NixOS/nixpkgs/nixos-24.11\";\n"
              "    home-manager.url = \"github:nix-community/home-manager/release-24.11\";\n"
              "    home-manager.inputs.nixpkgs.follows = \"nixpkgs\";\n  };\n\n")

    def entry_direct(self, root: str, hosts: list[str]) -> None:
        configurations = "".join(
            f"      {h} = nixpkgs.lib.nixosSystem {{\n        specialArgs = {{ inherit inputs; }};\n"
            f"        modules = [ ./hosts/{h} home-manager.nixosModules.home-manager ];\n      }};\n" for h in hosts)
        self.add(f"{root}/flake.nix", (
            "{\n  description = \"my machines\";\n\n" + self.INPUTS
            + "  outputs = { self, nixpkgs, home-manager, ... }@inputs: {\n"
            + "    overlays = import ./overlays { inherit inputs; };\n"
            + f"    nixosConfigurations = {{\n{configurations}    }};\n  }};\n}}\n"))

    def entry_helper(self, root: str, hosts: list[str]) -> None:
        self.add(f"{root}/lib/default.nix", (
            "{ inputs }:\n\nlet\n  inherit (inputs.nixpkgs) lib;\nin\n{\n"
            "  mkHost = { name, system ? \"x86_64-linux\", extraModules ? [ ] }:\n"
            "    lib.nixosSystem {\n      inherit system;\n      specialArgs = { inherit inputs; };\n"
            "      modules = [\n        ../hosts/${name}\n        inputs.home-manager.nixosModules.home-manager\n"
            "        { networking.hostName = lib.mkDefault name; }\n      ] ++ extraModules;\n    };\n}\n"))
        configurations = "".join(f"      {h} = mylib.mkHost {{ name = \"{h}\"; }};\n" for h in hosts)
        self.add(f"{root}/flake.nix", (
            "{\n  description = \"hosts through a helper\";\n\n" + self.INPUTS
            + "  outputs = inputs@{ self, nixpkgs, ... }:\n    let\n      mylib = import ./lib { inherit inputs; };\n"
            + f"    in {{\n    nixosConfigurations = {{\n{configurations}    }};\n  }};\n}}\n"))

    def entry_readdir(self, root: str, hosts: list[str]) -> None:
        self.add(f"{root}/flake.nix", (
            "{\n  description = \"one host per folder\";\n\n" + self.INPUTS
            + "  outputs = { self, nixpkgs, home-manager, ... }@inputs:\n    let\n      inherit (nixpkgs) lib;\n"
            + "      hostNames = builtins.attrNames (lib.filterAttrs (_: t: t == \"directory\") (builtins.readDir ./hosts));\n"
            + "    in {\n      nixosConfigurations = lib.genAttrs hostNames (name: lib.nixosSystem {\n"
            + "        specialArgs = { inherit inputs; };\n        modules = [ ./hosts/${name} home-manager.nixosModules.home-manager ];\n"
            + "      });\n    };\n}\n"))

    def entry_parts(self, root: str, hosts: list[str]) -> None:
        configurations = "".join(
            f"    {h} = inputs.nixpkgs.lib.nixosSystem {{ modules = [ ../hosts/{h} ]; }};\n" for h in hosts)
        self.add(f"{root}/flake/hosts.nix", "{ inputs, ... }:\n\n{\n  flake.nixosConfigurations = {\n"
                 + configurations + "  };\n}\n")
        self.add(f"{root}/flake.nix", (
            "{\n  description = \"flake-parts\";\n\n" + self.INPUTS.replace("  };\n\n", "    flake-parts.url = \"github:hercules-ci/flake-parts\";\n  };\n\n")
            + "  outputs = inputs@{ flake-parts, ... }:\n    flake-parts.lib.mkFlake { inherit inputs; } {\n"
            + "      imports = [ ./flake/hosts.nix ];\n      systems = [ \"x86_64-linux\" \"aarch64-linux\" ];\n"
            + "      perSystem = { pkgs, ... }: { devShells.default = import ./shell.nix { inherit pkgs; }; };\n"
            + "    };\n}\n"))

    def entry_stereos(self, root: str, hosts: list[str]) -> None:
        """Mixtapes from a helper, and images of each for two architectures."""
        self.add(f"{root}/lib/mixtape.nix", (
            "{ inputs }:\n\n{\n  mkMixtape = { name, system ? \"aarch64-linux\", features ? [ ] }:\n"
            "    inputs.nixpkgs.lib.nixosSystem {\n      inherit system;\n"
            "      modules = [ ../modules/nixos { networking.hostName = name; } ] ++ features;\n    };\n}\n"))
        specs = "".join(f"        {{ name = \"{h}\"; features = [ ./hosts/{h} ]; }}\n" for h in hosts)
        self.add(f"{root}/flake.nix", (
            "{\n  description = \"mixtapes\";\n\n" + self.INPUTS
            + "  outputs = inputs@{ self, nixpkgs, ... }:\n    let\n"
            + "      mix = import ./lib/mixtape.nix { inherit inputs; };\n      specs = [\n" + specs + "      ];\n"
            + "      images = system: builtins.listToAttrs (map (spec: {\n        name = spec.name;\n"
            + "        value = (mix.mkMixtape { inherit system; inherit (spec) name features; }).config.system.build.raw;\n"
            + "      }) specs);\n    in {\n"
            + "      nixosConfigurations = builtins.listToAttrs (map (spec: { name = spec.name; value = mix.mkMixtape spec; }) specs);\n"
            + "      packages = nixpkgs.lib.genAttrs [ \"aarch64-linux\" \"x86_64-linux\" ] images;\n    };\n}\n"))

    def entry_classic(self, root: str, hosts: list[str]) -> None:
        self.add(f"{root}/configuration.nix", (
            "{ config, pkgs, ... }:\n\n{\n  imports = [ ./hosts/" + hosts[0] + " ];\n}\n"))

    def build_repos(self, count: int) -> dict[str, str]:
        for index in range(count):
            shape = SHAPES[index % len(SHAPES)]
            self.repo(f"repo-{index:02d}-{shape}", shape)
        return self.files


def generate(out: str, seed: int = 7, scale: float = 1.0) -> list[str]:
    """Write the repositories under `out` (replacing an earlier set there); return their files."""
    generator = RepoGen(seed, scale)
    written = write_corpus(out, MARKER, seed, scale, generator.build_repos(max(1, round(40 * scale))))
    for repo in sorted({rel.split("/")[0] for rel in generator.files}):
        os.makedirs(os.path.join(out, repo, ".git"), exist_ok=True)   # each is a repository of its own
    return written


if __name__ == "__main__":
    main(write=generate, description=__doc__, what="the repositories", scaled="repositories")
