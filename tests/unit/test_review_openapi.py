"""The committed OpenAPI document is what the handler's routes generate."""

from __future__ import annotations

import json

from tests.review_openapi import OPENAPI_PATH, openapi_text


def test_the_committed_openapi_document_is_current() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == openapi_text(), "regenerate: python -m tests.review_openapi"


def test_the_document_describes_every_route_and_the_new_fields() -> None:
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert {"/api/me", "/api/pending", "/api/next", "/api/renew", "/api/release", "/api/resolve", "/api/undo"} <= set(
        document["paths"]
    )
    pending = {p["name"] for p in document["paths"]["/api/pending"]["get"]["parameters"]}
    assert {"cursor", "reason", "limit"} <= pending
    item = document["components"]["schemas"]["PendingItem"]["properties"]
    assert {"held_by", "held_until", "held_by_me", "lease_owner"} <= set(item)
