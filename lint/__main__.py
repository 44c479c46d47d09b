"""`python -m stereos_lint`."""
from .interfaces.cli import main

main()
