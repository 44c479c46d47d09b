"""How a flake library is known from its input's URL: by its repository's name, whoever
owns it (`github:numtide/flake-utils`, `git+https://git.clan.lol/clan/clan-core`, a
fork such as `github:someone/ez-configs/branch`) -- never by the name the flake gives
the input, which is the flake's own choice."""
from __future__ import annotations

import re


def named(repository: str) -> re.Pattern[str]:
    """A URL naming a repository called `repository` (any owner, any host), or the flake
    registry's entry of that name (`nixpkgs/nixos-unstable`, `flake:flake-utils`), which
    names the project's own repository."""
    name = re.escape(repository)
    return re.compile(rf"(?:^|[:/])[\w.-]+/{name}(?:$|[/?#.])|^(?:flake:)?{name}(?:$|[/?#])")
