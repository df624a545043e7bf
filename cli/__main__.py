"""``python -m cli`` is the same CLI as ``python main.py`` (the worker launcher starts it so)."""

from cli.app import app

app()
