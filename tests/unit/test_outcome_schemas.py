"""The outcome events' contract: committed JSON Schemas generated from the models, and committed examples that are
real events (captured from a run by tests/event_examples.py; tests/e2e/test_outcome_events.py checks that a run
still publishes events of exactly their shape), which the docs include rather than copy."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from service.domain.outcome_events import DETAILS, IMAGE_ACCEPTED, SCHEMA_VERSION, OutcomeEvent, schema_file_name
from tests.event_examples import (
    EVENTS_PAGE,
    EXAMPLES_PATH,
    SCHEMAS_DIR,
    load_examples,
    schema_texts,
    snippet,
)


def test_the_committed_schemas_are_the_models() -> None:
    committed = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS_DIR.glob("image-*.json")}
    assert committed == schema_texts(), "regenerate: python -m tests.event_examples --schemas"
    assert set(committed) == {schema_file_name(kind) for kind in DETAILS}


def test_every_schema_requires_the_common_fields() -> None:
    for text in schema_texts().values():
        schema = json.loads(text)
        assert {"bucket", "key", "version_id", "upload_id", "outcome_id", "model_version"} <= set(schema["required"])
        assert schema["additionalProperties"] is False


def test_the_events_page_includes_the_committed_examples_and_schemas() -> None:
    assert list(load_examples()) == list(DETAILS)
    page = EVENTS_PAGE.read_text(encoding="utf-8")
    assert snippet(EXAMPLES_PATH) in page
    for kind in DETAILS:
        assert snippet(SCHEMAS_DIR / schema_file_name(kind)) in page
    assert '"detail-type": "Image Accepted"' not in page, "the page includes the examples file, never a copy"


@pytest.mark.parametrize("kind", list(DETAILS))
def test_each_example_is_a_valid_event_of_its_kind(kind: str) -> None:
    event = OutcomeEvent.model_validate(load_examples()[kind])
    assert event.detail_type == kind and event.source == "scones"
    detail = event.parsed_detail()
    assert isinstance(detail, DETAILS[kind]) and detail.schema_version == SCHEMA_VERSION


def test_a_detail_with_an_unknown_field_is_refused() -> None:
    detail = dict(load_examples()[IMAGE_ACCEPTED]["detail"], surprise=1)
    with pytest.raises(ValidationError):
        DETAILS[IMAGE_ACCEPTED].model_validate(detail)
