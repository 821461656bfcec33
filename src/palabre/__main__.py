"""``python -m palabre`` runs the command line."""

from palabre.cli.main import main

main()
