"""The one place keys are decoded: EventBridge keys as delivered, classic S3 keys URL-decoded."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from aws_lambda_powertools.utilities.parser import parse

from service.domain.errors import InvalidEvent
from service.pipeline.events import ObjectCreatedEvent, object_ref
from tests.events import eventbridge_event, s3_records_event

KEYS = ["plain.jpg", "a dir/photo 1.jpg", "c++/a+b.png", "100%/50% off.png", "vélo/été ☀.jpeg", "deep/" * 8 + "x.png"]


@pytest.mark.parametrize("key", KEYS)
def test_eventbridge_key_is_taken_as_delivered(key: str) -> None:
    ref = object_ref(parse(eventbridge_event("intake", key, version_id="v1"), ObjectCreatedEvent))
    assert (ref.bucket, ref.key, ref.version_id, ref.etag, ref.size) == ("intake", key, "v1", "abc", 10)


@pytest.mark.parametrize("key", KEYS)
def test_classic_s3_key_is_url_decoded(key: str) -> None:
    encoded = quote_plus(key, safe="/")
    assert encoded != key or key == "plain.jpg" or key.startswith("deep/")
    ref = object_ref(parse(s3_records_event("intake", encoded), ObjectCreatedEvent))
    assert ref.key == key


def test_plus_in_classic_key_means_space_and_2b_means_plus() -> None:
    ref = object_ref(parse(s3_records_event("intake", "red+flower%2B1.jpg"), ObjectCreatedEvent))
    assert ref.key == "red flower+1.jpg"


def test_several_records_in_one_event_are_refused() -> None:
    with pytest.raises(InvalidEvent, match="one S3 record"):
        object_ref(parse(s3_records_event("intake", "a.jpg", records=2), ObjectCreatedEvent))
