"""`scones reviewers add|list|remove`: the people who may sign in to the review desk (the stack's user pool)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service.cli import Typer, app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.dal.user_pool import UserPool, UserPoolError
from service.local.stack import DEFAULT_PORT

console = Console()
error_console = Console(stderr=True)
reviewers_app = Typer(help="Who may sign in to the review desk.", no_args_is_help=True)
app.add_typer(reviewers_app, name="reviewers")


def _pool(port: int, aws_stack: str | None) -> UserPool:
    info = resolve(port, aws_stack)
    if not info.user_pool_id:
        raise typer.BadParameter("This stack has no reviewers' user pool (UserPoolId output); deploy the template.")
    return UserPool(client(info, "cognito-idp"), info.user_pool_id)


def _fail(error: UserPoolError) -> typer.Exit:
    error_console.print(f"[red]{error}[/red]")
    return typer.Exit(1)


@reviewers_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The reviewer's email address: their user name.")],
    admin: Annotated[bool, typer.Option("--admin", help="Also in the admins group (reads the figures).")] = False,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="SCONES_REVIEWER_PASSWORD",
            help="A permanent password (for scripts). Without it: a temporary one, shown once, changed at first "
            "sign-in.",
        ),
    ] = None,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Add a reviewer (group reviewers; with --admin, admins too)."""
    try:
        temporary = _pool(port, aws_stack).add(email, admin=admin, password=password)
    except UserPoolError as error:
        raise _fail(error) from error
    groups = "reviewers, admins" if admin else "reviewers"
    console.print(f"Added {email.strip().lower()} ({groups}).")
    if temporary:
        console.print("Temporary password (shown once; a new one is chosen at the first sign-in):")
        print(temporary)


@reviewers_app.command("list")
def list_reviewers(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """The pool's users, their groups and status."""
    users = _pool(port, aws_stack).list()
    if as_json:
        for user in users:
            print(user.model_dump_json())
        return
    table = Table(title=f"Reviewers ({len(users)})")
    for column in ("email", "groups", "status", "enabled"):
        table.add_column(column)
    for user in users:
        table.add_row(user.email, ", ".join(user.groups), user.status, "yes" if user.enabled else "no")
    console.print(table)


@reviewers_app.command("remove")
def remove(
    email: Annotated[str, typer.Argument(help="The reviewer's email address.")],
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Sign a reviewer out everywhere and delete them from the pool."""
    try:
        _pool(port, aws_stack).remove(email)
    except UserPoolError as error:
        raise _fail(error) from error
    console.print(f"Removed {email.strip().lower()} (signed out everywhere).")
