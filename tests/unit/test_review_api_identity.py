"""Who the review API's caller is, and what it refuses before a route runs."""

from __future__ import annotations

import json
from typing import Any

from service.local.http_api import as_api_gateway_claims
from service.review.api import MAX_BODY_BYTES, Reviewer, refusal


def event(path: str, claims: dict[str, Any] | None, body: str = "") -> dict[str, Any]:
    context: dict[str, Any] = {"http": {"method": "GET", "path": path}}
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {"rawPath": path, "requestContext": context, "body": body, "isBase64Encoded": False}


def test_the_reviewer_is_the_token_s_user_name_and_groups_come_as_api_gateway_flattens_them() -> None:
    claims = {"username": "Ann@Example.com", "sub": "abc", "cognito:groups": ["reviewers", "admins"], "exp": 1}
    flattened = as_api_gateway_claims(claims)
    assert flattened["cognito:groups"] == "[reviewers admins]" and flattened["exp"] == "1"
    for given in (claims, flattened):
        reviewer = Reviewer.from_claims(given)
        assert reviewer is not None
        assert (reviewer.email, reviewer.sub, reviewer.is_admin, reviewer.may_review) == (
            "ann@example.com", "abc", True, True
        )  # fmt: skip
    assert Reviewer.from_claims({"sub": "abc"}) is None


def test_refusals_come_before_any_route() -> None:
    reviewer = {"username": "ann@example.com", "sub": "a", "cognito:groups": "[reviewers]"}
    admin = {**reviewer, "cognito:groups": "[admins]"}
    nobody = {"username": "eve@example.com", "sub": "e"}
    assert refusal(event("/", None)) is None  # the page itself is public
    assert refusal(event("/api/me", reviewer)) is None
    assert refusal(event("/api/stats", admin)) is None
    assert _status(refusal(event("/api/me", None))) == 401
    assert _status(refusal(event("/api/me", nobody))) == 403
    assert _status(refusal(event("/api/resolve", nobody, body="{not json"))) == 403
    assert _status(refusal(event("/api/stats", reviewer))) == 403
    assert _status(refusal(event("/api/resolve", reviewer, body="x" * (MAX_BODY_BYTES + 1)))) == 413


def _status(answer: dict[str, Any] | None) -> int:
    assert answer is not None
    assert json.loads(answer["body"])["message"]
    return int(answer["statusCode"])
