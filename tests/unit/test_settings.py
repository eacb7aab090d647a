"""Settings read from the environment as pydantic-settings' BaseSettings read them with the options used here: no
prefix, names in any case, constructor values first, defaults validated, unknown variables ignored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from service.domain.errors import ConfigurationError
from service.runtime import settings
from service.runtime.settings import FilterSettings, SerializeSettings


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IDEMPOTENCY_TABLE", "MAX_IMAGE_BYTES", "CONFIDENCE_THRESHOLD", "AUDIT_RATE", "MODEL_CARD_PATH"):
        monkeypatch.delenv(name, raising=False)
    settings.clear_caches()


def test_each_field_comes_from_its_variable_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("idempotency_table", "claims")
    monkeypatch.setenv("Max_Image_Bytes", "1024")
    monkeypatch.setenv("UNRELATED_VARIABLE", "x")
    loaded = settings.serialize_settings()
    assert (loaded.idempotency_table, loaded.max_image_bytes, loaded.max_image_pixels) == ("claims", 1024, 50_000_000)


def test_given_values_win_by_alias_or_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "from-environment")
    assert SerializeSettings(IDEMPOTENCY_TABLE="by-alias").idempotency_table == "by-alias"
    assert SerializeSettings(idempotency_table="by-name").idempotency_table == "by-name"


def test_values_are_validated_and_converted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONFIDENCE_THRESHOLD", "")  # the template's "no override"
    monkeypatch.setenv("AUDIT_RATE", "0.25")
    monkeypatch.setenv("MODEL_CARD_PATH", str(tmp_path / "card.json"))
    loaded = FilterSettings()
    assert (loaded.confidence_threshold, loaded.audit_rate, loaded.model_card_path) == (
        None,
        0.25,
        tmp_path / "card.json",
    )


@pytest.mark.parametrize(
    ("variables", "named"),
    [({}, "IDEMPOTENCY_TABLE"), ({"IDEMPOTENCY_TABLE": "c", "MAX_IMAGE_BYTES": "0"}, "MAX_IMAGE_BYTES")],
)
def test_a_missing_or_invalid_variable_is_named(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], named: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=named):
        settings.serialize_settings()


def test_a_models_validator_is_built_when_it_is_first_loaded() -> None:
    # defer_build: importing the module builds none of them, and a function pays only for its own.
    code = (
        "from service.runtime import settings as s\n"
        "models = (s.FilterSettings, s.SerializeSettings, s.ReviewApiSettings, s.ToolSettings)\n"
        "print([m.__pydantic_complete__ for m in models])\n"
        "s.FilterSettings()\n"
        "print([m.__pydantic_complete__ for m in models])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[:2] == ["[False, False, False, False]", "[True, False, False, False]"]
