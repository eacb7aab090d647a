"""`scones upload`: put files and folders into the intake bucket, as any S3 client would."""

from __future__ import annotations

import mimetypes
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated, NamedTuple

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from service.cli import app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.images.files import is_image_name
from service.local.stack import DEFAULT_PORT

console = Console()


class Selection(NamedTuple):
    files: list[tuple[Path, str]]
    skipped: list[Path]


def collect_files(paths: list[Path], everything: bool = False) -> Selection:
    """(file, key relative to the argument) for the files given, and for the image files under the folders given
    (every file with `everything`); hidden files never. `skipped`: the files left out for not being images."""
    found: list[tuple[Path, str]] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                if not file.is_file() or file.name.startswith("."):
                    continue
                if everything or is_image_name(file):
                    found.append((file, file.relative_to(path).as_posix()))
                else:
                    skipped.append(file)
        elif path.is_file():
            found.append((path, path.name))  # named on purpose: uploaded whatever its suffix
        else:
            raise typer.BadParameter(f"{path} does not exist.", param_hint="PATHS")
    return Selection(found, skipped)


@app.command()
def upload(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files (uploaded whatever they are) and folders (their image files, searched recursively)."
        ),
    ],
    prefix: Annotated[str, typer.Option(help="Key prefix, e.g. 'uploads/2026/'.")] = "",
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Files uploaded at the same time.")] = 8,
    everything: Annotated[
        bool,
        typer.Option("--all", help="Upload every file under the folders, not only images (.jpg, .png, ...)."),
    ] = False,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Upload images into the intake bucket; each one starts the pipeline. Under a folder, files that are not
    images by their name (README.md, notes.txt) are skipped and listed, unless --all."""
    files, skipped = collect_files(paths, everything)
    if skipped:
        names = ", ".join(str(file) for file in skipped[:5]) + (
            f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        )
        # soft_wrap: a long path stays whole (the terminal folds it), so it can be copied and searched for.
        console.print(
            f"Skipped {len(skipped)} file(s) that are not images: {escape(names)} (--all uploads them).", soft_wrap=True
        )
    info = resolve(port, aws_stack)
    s3 = client(info, "s3")

    def put(file: Path, key: str) -> str:
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        s3.upload_file(str(file), info.intake_bucket, key, ExtraArgs={"ContentType": content_type})
        return key

    failures = 0
    with (
        Progress(
            TextColumn("[bold]Uploading"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress,
        ThreadPoolExecutor(max_workers=concurrency) as pool,
    ):
        task = progress.add_task("upload", total=len(files))
        futures = {pool.submit(put, file, prefix + key): file for file, key in files}
        for future in as_completed(futures):
            try:
                future.result()
            except Exception as error:
                failures += 1
                console.print(f"[red]{futures[future]}: {error}[/red]")
            progress.advance(task)
    console.print(f"Uploaded {len(files) - failures} of {len(files)} to s3://{info.intake_bucket}/{prefix}")
    if failures:
        raise typer.Exit(1)
