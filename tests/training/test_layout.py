"""training/ has no import circle, lazy imports inside functions included (import-linter's layers do not see a
circle between two modules of one package)."""

import ast
import importlib
from pathlib import Path

import pytest

from training.__main__ import VERBS, main

TRAINING = Path(__file__).resolve().parents[2] / "training"


def _module(path: Path) -> str:
    parts = path.relative_to(TRAINING.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        found.update(name for name in names if name in known)
    return found


def graph() -> dict[str, set[str]]:
    files = {_module(path): path for path in TRAINING.rglob("*.py")}
    known = set(files)
    return {name: _imports(path, known) - {name} for name, path in files.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return found


def test_the_check_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_training_has_no_import_circle() -> None:
    edges = graph()
    assert "training.evaluate" in edges and "training.scoring" in edges["training.compare"]
    assert circles(edges) == []


def test_one_entry_point_names_every_verb_and_dispatches_to_its_module(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    listed = capsys.readouterr().out
    assert all(verb in listed for verb in ("stage", "train", "evaluate", "export", "recertify", "sagemaker"))
    assert all(callable(importlib.import_module(module).main) for module, _ in VERBS.values())
    assert main(["no-such-verb"]) == 2 and "unknown verb" in capsys.readouterr().err
    with pytest.raises(SystemExit) as shown:
        main(["evaluate", "--help"])
    assert shown.value.code == 0 and "--compare" in capsys.readouterr().out
