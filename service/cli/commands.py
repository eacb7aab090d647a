"""Registers every command module on the app (import order is the help order)."""

from service.cli import metrics, results, stack, upload  # noqa: F401
