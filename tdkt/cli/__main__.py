"""`python -m tdkt.cli`: the command line, as the `tdkt` script runs it."""

from tdkt.cli.commands import main

main()
