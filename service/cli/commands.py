"""Registers every command module on the app (`scones --help` lists commands in registration order)."""

import importlib

# One entry per module; add new command modules here.
COMMAND_MODULES = (
    "stack", "upload", "results", "metrics", "predict", "review", "threshold", "failed", "backfill", "logs", "report",
    "cost", "reviewers", "events", "doctor",
)  # fmt: skip

for _name in COMMAND_MODULES:
    importlib.import_module(f"service.cli.{_name}")
