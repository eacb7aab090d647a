"""`python -m service.cli` is `scones`."""

from service.cli import main

main()
