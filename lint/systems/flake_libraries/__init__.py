"""Flake libraries whose functions discovery follows, known by the URL the flake gives
the input (by the repository's name, whoever owns it: urls.py).

Any other input is opaque but for its `lib` (see builders.Builders.input).  These are
libraries a flake's outputs are commonly built with, so a flake using them would
otherwise have outputs -- and systems -- that cannot be known.  One module each says
what it models: import_tree, flake_utils, flake_utils_plus, colmena, snowfall, haumea,
clan, easy_hosts, ez_configs, blueprint, nixos_unified, input_patcher.
"""
from __future__ import annotations

import re

from ...nix import values as v
from . import (blueprint, clan, colmena, easy_hosts, ez_configs, flake_utils, flake_utils_plus, haumea, import_tree,
               input_patcher, nixos_unified, snowfall)
from .urls import named

# flake-parts, whose `lib.mkFlake` discovery models (flake_parts.py); another input's
# `mkFlake` is its own (flake-utils-plus', digga's), not flake-parts'.
FLAKE_PARTS = named("flake-parts")
NIXPKGS = named("nixpkgs")
CHANNEL = re.compile(r"channels\.nixos\.org|releases\.nixos\.org|nixexprs\.tar|[:/][\w.-]+/nixpkgs-channels(?:$|[/?#.])")
LIBRARIES = (import_tree, flake_utils, flake_utils_plus, colmena, snowfall, haumea, clan, easy_hosts, ez_configs,
             blueprint, nixos_unified, input_patcher)


def known_input(url: str | None, builders, repository: str) -> v.Value | None:
    """The value of the input at `url` where discovery knows it, else None."""
    for library in LIBRARIES:
        if url is not None and library.URL.search(url):
            return library.value(builders, repository)
    return None


def is_flake_parts(url: str) -> bool:
    return FLAKE_PARTS.search(url) is not None


def is_nixpkgs_url(url: str) -> bool:
    """nixpkgs itself: its repository, a mirror or fork of it, a channel."""
    return NIXPKGS.search(url) is not None or CHANNEL.search(url) is not None
