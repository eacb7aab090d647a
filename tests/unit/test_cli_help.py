"""Every help screen reads whole at 80 columns: option names uncut, no `<bool>`, real metavars, every option said."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from service.cli import app, commands  # noqa: F401  (importing them registers the commands)

WIDTH = 80


def every_command() -> Iterator[tuple[tuple[str, ...], typer.core.TyperCommand | typer.core.TyperGroup]]:
    """(path, command) for the app, every command and every sub-command, depth first."""
    pending: list[tuple[tuple[str, ...], typer.core.TyperCommand | typer.core.TyperGroup]] = [
        ((), typer.main.get_command(app))  # type: ignore[list-item]
    ]
    while pending:
        path, command = pending.pop()
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items(), reverse=True):
            if not sub.hidden:
                pending.append(((*path, name), sub))


COMMANDS = dict(every_command())


def test_the_walk_reaches_the_sub_commands() -> None:
    assert {("predict",), ("cost",), ("review",), ("review", "release"), ("reviewers", "add")} <= set(COMMANDS)
    assert len(COMMANDS) > 25


def option_names(command: typer.core.TyperCommand | typer.core.TyperGroup) -> list[str]:
    names = [name for p in command.params if not p.hidden for name in (*p.opts, *p.secondary_opts)]
    return [name for name in names if name.startswith("-")] + ["--help"]


def help_screen(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(WIDTH)}, prog_name="scones")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda path: " ".join(path) or "scones")
def test_the_help_screen_is_whole_at_80_columns(path: tuple[str, ...]) -> None:
    command = COMMANDS[path]
    screen = help_screen(path)
    assert max(len(line) for line in screen.splitlines()) <= WIDTH
    for name in option_names(command):
        assert re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", screen), f"{name} is not whole in:\n{screen}"
    assert "…" not in screen, screen  # nothing cut: names, metavars and descriptions wrap instead
    assert "<bool>" not in screen and "<" not in screen.split("Usage:")[1].splitlines()[0]
    assert "{" not in screen.split("Usage:")[1].splitlines()[0], "usage reads PATHS..., not {paths}..."


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=lambda path: " ".join(path) or "scones")
def test_every_option_and_argument_is_described(path: tuple[str, ...]) -> None:
    undescribed = [p.name for p in COMMANDS[path].params if not p.hidden and not (p.help or "").strip()]  # type: ignore[attr-defined]
    assert undescribed == []


def test_flags_show_no_type_and_values_a_metavar() -> None:
    screen = help_screen(("predict",))
    assert re.search(r"--json\s{2,}One JSON object", screen), screen
    assert re.search(r"--recognition-threshold\s+FLOAT", screen), screen
    assert "Usage: scones predict [OPTIONS] PATHS..." in screen


@pytest.mark.parametrize("command", ["predict", "cost"])
def test_the_installed_entry_point_at_80_columns(command: str) -> None:
    """As a person types it: the real process, its terminal width from COLUMNS."""
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", command, "--help"],
        env={**os.environ, "COLUMNS": str(WIDTH)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "…" not in done.stdout and "<bool>" not in done.stdout
    assert {"--recognition-threshold", "--infrequent-access-days"} & set(re.findall(r"--[\w-]+", done.stdout))
