"""`python -m stereos_lint`."""
from .cli import main

main()
