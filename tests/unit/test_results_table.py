"""`scones results` at 80 columns: keys are never cut; the other columns wrap first."""

from __future__ import annotations

import re

from rich.console import Console

from service.cli.results import results_table
from service.domain.models import ResultRecord, utc_now


def record(key: str) -> ResultRecord:
    now = utc_now()
    return ResultRecord(
        bucket="b", key=key, label="motorcycle", confidence=0.98765, probabilities={"motorcycle": 0.98765},
        model_version="m", route="accept", threshold=0.9, uploaded_at=now, completed_at=now,
    )  # fmt: skip


def shown(records: list[ResultRecord], width: int = 80) -> str:
    console = Console(width=width, record=True)
    console.print(results_table(records, width=width))
    return console.export_text()


def test_keys_that_fit_are_shown_whole_on_one_line() -> None:
    keys = [f"try/motorcycle-m00{i}-phone-12.png" for i in range(3)]  # 32 characters
    text = shown([record(k) for k in keys])
    assert "…" not in text
    for key in keys:
        assert key in text
    assert "0.988" in text and "motorcycle" in text


def test_a_key_wider_than_the_room_folds_every_character_shown() -> None:
    key = "uploads/" + "x" * 150 + "/last.png"
    text = shown([record(key), record("short.png")])
    assert "…" not in text
    key_column = "".join(re.findall(r"^│ (\S+)", text, flags=re.MULTILINE))
    assert key in key_column
    assert max(len(line) for line in text.splitlines()) <= 80
