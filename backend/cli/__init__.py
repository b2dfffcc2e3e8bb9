"""``provenant``: the platform from a terminal (typer + rich). See docs/cli.md.

``app`` is the command line (``backend/cli/app.py``); ``api`` and ``wallet`` are how it talks to the HTTP
API and signs transactions, shared with the demo world (backend/devworld.py).
"""

from backend.cli.app import app

__all__ = ["app"]
