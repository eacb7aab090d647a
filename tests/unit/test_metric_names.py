"""Every metric the handlers emit is declared in service/metric_names.py, and every declared one is emitted."""

from __future__ import annotations

import ast
from pathlib import Path

from service.domain import metric_names

ROOT = Path(__file__).resolve().parents[2]
# Emitted by Powertools itself when a handler asks for it (capture_cold_start_metric=True), not by our code.
POWERTOOLS_METRICS = {"COLD_START"}


def declared() -> dict[str, str]:
    """Constant name → value, for the metric names (dimensions are the *_DIMENSION constants)."""
    return {
        name: value
        for name, value in vars(metric_names).items()
        if name.isupper() and isinstance(value, str) and not name.endswith("_DIMENSION")
    }


def used_by_handlers() -> set[str]:
    """The `metric_names.X` attributes the handlers' source refers to."""
    used = set()
    for path in sorted((ROOT / "handlers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "metric_names":
                used.add(node.attr)
    return used


def test_every_metric_the_handlers_name_is_declared() -> None:
    used = used_by_handlers()
    assert used, "the scan found no metric_names usages: has the import changed?"
    undeclared = used - set(vars(metric_names))
    assert undeclared == set()


def counted_by_the_state_machine() -> set[str]:
    """The declared metrics the state machine writes itself (PutMetricData tasks in its definition)."""
    definition = (ROOT / "infra" / "statemachine" / "pipeline.asl.json").read_text(encoding="utf-8")
    return {name for name, value in declared().items() if f'"{value}"' in definition}


def test_every_declared_metric_is_emitted_by_a_handler_or_the_state_machine() -> None:
    used = used_by_handlers()
    assert counted_by_the_state_machine() == {"OUTCOME_EVENTS_NOT_PUBLISHED"}
    assert set(declared()) - POWERTOOLS_METRICS - used - counted_by_the_state_machine() == set()
    dimensions = {name for name in vars(metric_names) if name.endswith("_DIMENSION")}
    assert dimensions - used == set()


def test_the_cold_start_metric_is_asked_for_by_every_handler() -> None:
    for path in sorted((ROOT / "handlers").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "def handler(" in source:
            assert "capture_cold_start_metric=True" in source, path.name
    assert metric_names.COLD_START == "ColdStart"  # the name Powertools writes


def test_handlers_emit_metrics_only_through_the_declared_names() -> None:
    """A literal name in add_metric/single_metric/count_with_dimension would bypass metric_names."""
    for path in sorted((ROOT / "handlers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "add_metric", "single_metric", "count_with_dimension",
            }:  # fmt: skip
                arguments = [*node.args, *(k.value for k in node.keywords if k.arg == "name")]
                assert not any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in arguments[:1]), (
                    f"{path.name}:{node.lineno} names a metric with a literal"
                )


def test_metric_names_are_unique() -> None:
    values = list(declared().values())
    assert len(values) == len(set(values))
