"""`scones up`, `scones status`, `scones down`: the embedded local stack."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli import app
from service.cli.signals import stopped_like_ctrl_c
from service.cli.target import PortOption
from service.local import stack

console = Console()


@app.command()
def up(
    port: PortOption = stack.DEFAULT_PORT,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Return once the stack is ready.")] = False,
    parameter: Annotated[
        list[str] | None, typer.Option("--parameter", help="Template parameter Key=Value (repeatable).")
    ] = None,
    iam: Annotated[
        str,
        typer.Option(
            "--iam",
            help="enforce: each function and the state machine hold their own role (AccessDenied otherwise); "
            "soft: log each violation with the statement that would allow it, and let it through.",
        ),
    ] = "enforce",
    ephemeral: Annotated[
        bool, typer.Option("--ephemeral", help="Keep nothing: a throwaway stack, with no data directory.")
    ] = False,
) -> None:
    """Start a local stack: moto server, the template deployed, the handlers in worker processes.

    Its state (uploads, results, reviews, queues, reviewers, names and the review URL's port) is kept in its data
    directory (`data_dir` in `scones status --json`) across `down`, restarts and crashes, unless --ephemeral."""
    parameters = dict(item.split("=", 1) for item in parameter or [])
    if iam not in ("enforce", "soft"):
        console.print(f"[red]--iam is enforce or soft, not {iam!r}.[/red]")
        raise typer.Exit(2)
    try:
        found = stack.up(port, parameters=parameters, iam=iam, ephemeral=ephemeral)
    except stack.StackError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    _print_status(found)
    if detach:
        return
    console.print("Press Ctrl-C to stop.")
    try:
        # A service manager or `kill` stops it with SIGTERM: the stack stops with it, as on Ctrl-C.
        with stopped_like_ctrl_c():
            while True:
                time.sleep(1)
                stack.status(port)
    except KeyboardInterrupt:
        pass
    except stack.StackError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    finally:
        stack.down(port)
        console.print("Stopped.")


@app.command()
def status(
    port: PortOption = stack.DEFAULT_PORT,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Endpoint and resource names of the local stack."""
    try:
        found = stack.with_backlog(stack.status(port))
    except stack.StackError as error:
        if as_json:
            print(json.dumps({"error": str(error)}))
        else:
            console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    if as_json:
        print(found.model_dump_json(indent=2))
    else:
        _print_status(found)


@app.command()
def down(
    port: PortOption = stack.DEFAULT_PORT,
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete the stack's data directory: every upload, result, review.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before --purge deletes the data.")] = False,
) -> None:
    """Stop the local stack (its data is kept for the next `scones up` unless --purge)."""
    if purge and not yes and sys.stdin.isatty():
        where = stack.data_dir(port)
        if not typer.confirm(f"Delete every upload, result, review and reviewer kept in {where}?", default=False):
            raise typer.Exit(1)
    if stack.down(port):
        console.print(f"Stopped the local stack on port {port}.")
    else:
        console.print(f"No local stack on port {port}.")
    if purge:
        if stack.purge(port):
            console.print(f"Deleted its data ({stack.data_dir(port)}).")
        else:
            console.print("It had no data to delete.")


def _print_status(found: stack.LocalStackStatus) -> None:
    table = Table(title=f"scones local stack (pid {found.pid})", show_header=False)
    for name, value in found.model_dump().items():
        if name != "pid":
            table.add_row(name, str(value))
    console.print(table)


@app.command("export")
def export_data(
    directory: Annotated[Path, typer.Argument(help="An empty or new directory to write into.")],
    port: PortOption = stack.DEFAULT_PORT,
) -> None:
    """Write the running stack's kept state into DIRECTORY through the AWS APIs: objects, table items, queue
    messages, reviewers and groups (passwords cannot be read: `scones import` gives reviewers a temporary one)."""
    from service.local import persistence
    from service.local.persistence import transfer

    if directory.exists() and any(directory.iterdir()):
        console.print(f"[red]{directory} is not empty.[/red]")
        raise typer.Exit(1)
    found = _running(port)
    here = persistence.Manifest(port=port)
    counts = transfer.export(
        found, directory, {"scones": here.scones_version, "moto": here.moto_version, "format": str(here.format)}
    )
    console.print(f"Exported {_counts(counts)} into {directory}.")


@app.command("import")
def import_data(
    directory: Annotated[Path, typer.Argument(help="What `scones export` wrote.")],
    port: PortOption = stack.DEFAULT_PORT,
    password: Annotated[
        str | None, typer.Option("--password", help="The reviewers' temporary password (default: a random one).")
    ] = None,
) -> None:
    """Load what `scones export` wrote into the running stack (a new one: `scones up` on this version)."""
    from service.local.persistence import transfer

    if not (directory / transfer.INDEX).exists():
        console.print(f"[red]{directory} holds no export ({transfer.INDEX} is missing).[/red]")
        raise typer.Exit(1)
    loaded = transfer.load(_running(port), directory, password)
    console.print(f"Imported {_counts(loaded)}.")
    if loaded["temporary_password"]:
        console.print(
            "Cognito never gives out passwords: every reviewer must choose a new one at the next sign-in, with the "
            f"temporary password [bold]{loaded['temporary_password']}[/bold]."
        )


def _running(port: int) -> stack.LocalStackStatus:
    try:
        return stack.status(port)
    except stack.StackError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error


def _counts(counts: dict[str, object]) -> str:
    return ", ".join(f"{value} {name}" for name, value in counts.items() if isinstance(value, int))
