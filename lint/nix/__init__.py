"""The Nix language: source bytes and spans, the tree-sitter parser, and a lazy static
interpreter with the values it computes (what cannot be known stays an explicit unknown)."""
