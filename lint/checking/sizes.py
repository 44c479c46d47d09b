"""Sizes as systemd and journald write them (`32M`, `1G`, `512K`, `4096`): base 1024."""
from __future__ import annotations

import re

_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTPE]?)(i?B)?\s*", re.IGNORECASE)
_FACTORS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60}


def parse_size(text: str) -> int | None:
    """Bytes, or None when `text` is not a size."""
    match = _SIZE.fullmatch(text)
    if not match:
        return None
    return int(float(match.group(1)) * _FACTORS[match.group(2).upper()])
