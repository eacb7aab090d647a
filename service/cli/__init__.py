"""The `scones` command line. Each sub-module registers its commands on `app`."""

from typing import Any

import typer

from service.cli.help import Command, Group


class Typer(typer.Typer):
    """A typer app whose commands and groups print help that reads whole at 80 columns (service.cli.help)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", Group)
        kwargs.setdefault("add_completion", False)
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


app = Typer(
    name="scones",
    help="Classify bicycle/motorcycle photos dropped into S3, locally or on AWS.",
    no_args_is_help=True,
)


def main() -> None:
    # Imported here so that `import service.cli` stays cheap and each module owns its commands.
    from service.cli import commands  # noqa: F401

    app()
