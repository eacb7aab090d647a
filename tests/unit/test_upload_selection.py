"""What `scones upload` takes from a folder: its images; every file with --all; a named file whatever it is."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from service.cli.upload import collect_files


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "nested").mkdir()
    for name in ("a.png", "B.JPG", "nested/c.webp", "README.md", "nested/notes.txt", ".hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def test_a_folder_gives_its_images_and_names_what_it_skipped(folder: Path) -> None:
    files, skipped = collect_files([folder])
    assert [key for _, key in files] == ["B.JPG", "a.png", "nested/c.webp"]
    assert sorted(p.name for p in skipped) == ["README.md", "notes.txt"]


def test_all_takes_every_file_but_hidden_ones(folder: Path) -> None:
    files, skipped = collect_files([folder], everything=True)
    assert [key for _, key in files] == ["B.JPG", "README.md", "a.png", "nested/c.webp", "nested/notes.txt"]
    assert skipped == []


def test_a_file_named_on_the_command_line_is_uploaded_whatever_it_is(folder: Path) -> None:
    files, skipped = collect_files([folder / "README.md"])
    assert files == [(folder / "README.md", "README.md")] and skipped == []


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(typer.BadParameter, match="does not exist"):
        collect_files([tmp_path / "nope"])
