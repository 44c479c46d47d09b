"""Reporters: plain functions from findings to text.  The CLI picks one by name."""
from __future__ import annotations

from typing import Callable

from ...checking.findings import Finding
from . import github as github_reporter
from . import json as json_reporter
from . import sarif as sarif_reporter
from . import text as text_reporter

Reporter = Callable[..., str]

REPORTERS: dict[str, Reporter] = {
    "text": text_reporter.render,
    "concise": text_reporter.render_concise,
    "json": json_reporter.render,
    "sarif": sarif_reporter.render,
    "github": github_reporter.render,
}


def render(name: str, findings: list[Finding], **options) -> str:
    return REPORTERS[name](findings, **options)
