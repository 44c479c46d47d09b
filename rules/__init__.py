"""Rule packs shipped with stereos-lint."""
