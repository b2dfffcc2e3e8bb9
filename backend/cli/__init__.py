"""``provenant``: the platform from a terminal (typer + rich). See docs/cli.md.

``app`` is the command line (``backend/cli/app.py``: the root, ``demo``, ``deploy`` and the groups, one module
each: ``models``, ``licences``, ``usage``, ``contributions``, ``rewards``, ``dao``, ``epochs``, sharing
``common``); ``api`` and ``wallet`` are how it talks to the HTTP API and signs transactions, shared with the
demo world (backend/devworld.py).
"""

from backend.cli.app import app

__all__ = ["app"]
