"""The README is a front door into the docs site, and the commands both show run as shown: every `scones` line
names a real command with real options (the README's are parsed in full, as the CLI would parse them), every `make`
target exists, every linked page exists, and every file a page includes is there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.cli.reference import command_tree, markdown, walk

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MAX_README_LINES = 200


def shell_lines(text: str) -> list[str]:
    """The lines of the ```sh blocks, continuation lines joined."""
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M):
        lines += block.replace("\\\n", " ").splitlines()
    return lines


def scones_invocations(text: str) -> list[list[str]]:
    """Every command line that runs `scones` (alone, or after `&&`), as the shell would split it."""
    found = []
    for line in shell_lines(text):
        for part in line.split("&& "):
            if part.lstrip().startswith("scones "):
                found.append(shlex.split(part, comments=True)[1:])
    return found


def resolve(words: list[str]) -> tuple[Any, list[str]]:
    """The command the words name (descending through groups), and the words left for it."""
    command = command_tree()
    ctx = command.context_class(command, info_name="scones")
    while hasattr(command, "list_commands") and words and words[0] in command.list_commands(ctx):
        command = command.get_command(ctx, words[0])
        ctx = command.context_class(command, info_name=words[0], parent=ctx)
        words = words[1:]
    assert not hasattr(command, "list_commands"), f"no such command: scones {' '.join(words)}"
    return command, words


def option_names(command: Any) -> set[str]:
    return {name for p in command.params if p.param_type_name == "option" for name in [*p.opts, *p.secondary_opts]}


def check(words: list[str], synopsis: bool) -> None:
    command, rest = resolve(words)
    if synopsis:  # `[--label L] [--json|--csv]`: only the names can be checked
        used = {w.strip("[]").split("=")[0] for word in rest for w in word.split("|") if w.strip("[]").startswith("-")}
        assert used <= option_names(command), f"scones {' '.join(words)}: {sorted(used - option_names(command))}"
    else:  # parsed as the CLI parses it: names, values, types and required arguments
        command.make_context(command.name, list(rest))


def test_the_readme_is_a_front_door() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= MAX_README_LINES


def test_every_page_the_readme_links_exists_and_the_main_ones_are_linked() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)", README.read_text(encoding="utf-8"))
    assert links
    for link in links:
        assert (ROOT / link).is_file(), link
    assert {p.relative_to(ROOT).as_posix() for p in PAGES} <= set(links), "every page is reachable from the README"


def test_the_site_has_its_pages_and_navigates_to_every_one() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    in_nav = {next(iter(entry.values())) for entry in config["nav"]}
    assert in_nav == {p.name for p in PAGES}
    assert len(PAGES) >= 8
    for name in ("index", "local-stack", "review-desk", "review-api", "events", "deploy", "operate", "model"):
        assert DOCS / f"{name}.md" in PAGES


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_the_scones_commands_shown_exist_with_those_options(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for words in scones_invocations(text):
        check(words, synopsis=page != README and any(c in " ".join(words) for c in "[|"))


def test_the_readme_tour_shows_the_commands_that_matter() -> None:
    shown = [" ".join(words) for words in scones_invocations(README.read_text(encoding="utf-8"))]
    tour = ("up --detach", "upload samples/", "results --since", "review web", "events --follow", "doctor", "down")
    for start in tour:
        assert any(line.startswith(start) for line in shown), start


def test_a_wrong_option_in_a_page_would_fail() -> None:
    with pytest.raises(AssertionError):
        check(["review", "list", "[--colour", "C]"], synopsis=True)
    with pytest.raises(Exception, match="No such option"):
        check(["results", "--colour", "red"], synopsis=False)
    with pytest.raises(AssertionError, match="no such command"):
        check(["review"], synopsis=False)


def test_the_make_targets_shown_exist() -> None:
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), flags=re.M))
    for page in [README, *PAGES]:
        for line in shell_lines(page.read_text(encoding="utf-8")):
            if line.startswith("make "):
                assert set(shlex.split(line, comments=True)[1:]) <= targets, (page.name, line)


def test_every_included_file_exists() -> None:
    for page in PAGES:
        for path in re.findall(r'--8<-- "([^"]+)"', page.read_text(encoding="utf-8")):
            assert (ROOT / path).is_file(), (page.name, path)


def test_the_cli_reference_covers_every_command() -> None:
    root = command_tree()
    reference = markdown()
    paths = [ctx.command_path for _, ctx in walk(root, root.context_class(root, info_name="scones"))]
    assert len(paths) > 20
    for path in paths:
        assert f"`{path}`" in reference, path
    assert "<!-- cli-reference -->" in (DOCS / "cli.md").read_text(encoding="utf-8")
