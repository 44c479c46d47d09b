"""`python -m stereos_lint`."""
from .interfaces.cli import entry_point

entry_point()
