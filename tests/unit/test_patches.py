"""moto's internals that the local stack replaces: all checked before any is applied, and the pin agrees."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from service.local import patches


def test_every_target_exists_in_the_installed_moto() -> None:
    for patch in patches._patches(with_faults=True):
        patches._owner_and_name(patch)  # raises if moto moved it


def test_a_missing_target_fails_with_the_versions_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.s3 import notifications

    before = notifications.send_event
    missing = patches.Patch("moto.s3.notifications", "no_such_function", lambda original: original, "a test")
    monkeypatch.setattr(patches, "_patches", lambda with_faults: [missing])
    monkeypatch.setattr(patches, "_installed", False)
    with pytest.raises(patches.MotoMismatchError) as raised:
        patches.install()
    message = str(raised.value)
    assert "moto.s3.notifications.no_such_function" in message
    assert version("moto") in message and f"moto {patches.BUILT_AGAINST}.x" in message
    assert notifications.send_event is before


def test_pyproject_pins_the_series_the_patches_were_written_against() -> None:
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    assert f"moto[server]=={patches.BUILT_AGAINST}.*" in pyproject["project"]["optional-dependencies"]["cli"]
    assert version("moto").startswith(f"{patches.BUILT_AGAINST}.")


def test_local_timeouts_are_the_definitions_stretched(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    from service.local import elastic

    evaluate = elastic.state_timeout(TimeoutSeconds._eval_seconds)
    monkeypatch.setenv("SCONES_LOCAL_TIMEOUT_FACTOR", "10")
    assert evaluate(TimeoutSeconds(timeout_seconds=15), None) == 150
    monkeypatch.setenv("SCONES_LOCAL_TIMEOUT_FACTOR", "1")
    assert evaluate(TimeoutSeconds(timeout_seconds=15), None) == 15
    monkeypatch.setenv("SCONES_LOCAL_TIMEOUT_FACTOR", "0.5")
    with pytest.raises(ValueError, match=">= 1"):
        evaluate(TimeoutSeconds(timeout_seconds=15), None)
