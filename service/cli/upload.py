"""`scones upload`: put files and folders into the intake bucket, as any S3 client would."""

from __future__ import annotations

import mimetypes
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from service.cli import app
from service.cli.target import AwsStackOption, PortOption, client, resolve
from service.local.stack import DEFAULT_PORT

console = Console()


def collect_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """(file, key relative to the argument) for every file under the given files and folders."""
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                (file, file.relative_to(path).as_posix())
                for file in sorted(path.rglob("*"))
                if file.is_file() and not file.name.startswith(".")
            )
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise typer.BadParameter(f"{path} does not exist.", param_hint="PATH")
    return found


@app.command()
def upload(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders to upload.")],
    prefix: Annotated[str, typer.Option(help="Key prefix, e.g. 'uploads/2026/'.")] = "",
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Files uploaded at the same time.")] = 8,
    port: PortOption = DEFAULT_PORT,
    aws_stack: AwsStackOption = None,
) -> None:
    """Upload images into the intake bucket; each one starts the pipeline."""
    info = resolve(port, aws_stack)
    s3 = client(info, "s3")
    files = collect_files(paths)

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
