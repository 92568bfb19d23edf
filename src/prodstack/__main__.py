"""`python -m prodstack` runs the CLI."""

from prodstack.cli import main

main()
