"""The CLI reference as Markdown, walked from the command tree itself (the docs site builds it; nothing is pasted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from service.cli import app

# typer carries its own copy of click: its commands, contexts and parameters are read by duck typing.
Command = Any
Context = Any
Parameter = Any


def command_tree() -> Command:
    from service.cli import commands  # noqa: F401  (registers every command on the app)

    return typer.main.get_command(app)


def walk(command: Command, ctx: Context) -> Iterator[tuple[Command, Context]]:
    """Every command under `command`, depth first, in the order `--help` lists them."""
    yield command, ctx
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, sub.context_class(sub, info_name=name, parent=ctx))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _param_row(param: Parameter, ctx: Context) -> str | None:
    """The row `--help` prints for the parameter, as a table row."""
    record = None if getattr(param, "hidden", False) else param.get_help_record(ctx)
    if record is None:
        return None
    names, help_text = record
    return f"| `{_cell(names)}` | {_cell(help_text)} |"


def markdown(prog: str = "scones") -> str:
    """One section per command: what it does, its usage line, and a table of its arguments and options."""
    root = command_tree()
    parts: list[str] = []
    for command, ctx in walk(root, root.context_class(root, info_name=prog)):
        path = ctx.command_path
        depth = min(path.count(" ") + 2, 4)
        parts += [f"{'#' * depth} `{path}`", ""]
        if command.help:
            parts += [command.help.strip(), ""]
        usage = " ".join([path, *command.collect_usage_pieces(ctx)])
        parts += ["```", usage, "```", ""]
        rows = [row for p in command.get_params(ctx) if p.name != "help" and (row := _param_row(p, ctx))]
        if rows:
            parts += ["| argument or option | meaning |", "|---|---|", *rows, ""]
    return "\n".join(parts)
