"""The `scones` command line. Each sub-module registers its commands on `app`."""

import typer

app = typer.Typer(
    name="scones",
    help="Classify bicycle/motorcycle photos dropped into S3, locally or on AWS.",
    no_args_is_help=True,
    add_completion=False,
)


def main() -> None:
    # Imported here so that `import service.cli` stays cheap and each module owns its commands.
    from service.cli import commands  # noqa: F401

    app()
