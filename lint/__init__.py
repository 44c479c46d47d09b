"""stereos-lint: a static linter for NixOS configurations."""

__version__ = "0.1.0"
