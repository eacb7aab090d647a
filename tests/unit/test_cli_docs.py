"""docs/cli.md states what the code does: the review rate's definition, every metric's unit, what upload takes."""

from __future__ import annotations

import re
from pathlib import Path

from service.domain.review_rate import DEFINITION
from service.images.files import IMAGE_SUFFIXES
from service.ops.metrics import UNITS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def text() -> str:
    return re.sub(r"[\s>]+", " ", PAGE.read_text(encoding="utf-8"))


def test_the_review_rate_is_quoted_from_its_one_definition() -> None:
    assert DEFINITION.split(";")[0] in text()


def test_every_metric_with_a_unit_is_in_the_table() -> None:
    rows = [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for name in UNITS:
        assert any(f"`{name}`" in row for row in rows), name


def test_the_image_suffixes_upload_takes_are_listed() -> None:
    for suffix in IMAGE_SUFFIXES:
        assert f"`{suffix}`" in text(), suffix
