"""The command line (`tdkt …`), the terminal demo and the local server with its scheduler."""

from tdkt.cli.commands import app, main

__all__ = ["app", "main"]
