"""The review API's handler with API Gateway's HTTP API events (payload 2.0), on moto in-process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import boto3
import pytest
from moto import mock_aws

from service.local.lambdas import LambdaContext
from testkit.reviews import create_results_table, create_reviews_table, seed_pending

SETTINGS = {
    "RESULTS_TABLE": "results",
    "REVIEWS_TABLE": "reviews",
    "INTAKE_BUCKET": "intake",
    "USER_POOL_CLIENT_ID": "page-client",
}
ANN = {"username": "ann@example.com", "sub": "sub-ann", "cognito:groups": "[reviewers]"}
BOB = {"username": "bob@example.com", "sub": "sub-bob", "cognito:groups": "[admins]"}


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mock_aws():
        sqs = boto3.client("sqs")
        dynamodb = boto3.client("dynamodb")
        queue = sqs.create_queue(QueueName="review")["QueueUrl"]
        for name, value in {**SETTINGS, "REVIEW_QUEUE_URL": queue}.items():
            monkeypatch.setenv(name, value)
        create_reviews_table(dynamodb, "reviews")
        create_results_table(dynamodb, "results")
        seed_pending(dynamodb, sqs, "reviews", queue, 3, "intake")
        from handlers import review_api

        review_api._service = None  # a new desk for this test's moto
        yield review_api
        review_api._service = None


def call(api: Any, method: str, path: str, claims: dict[str, str] | None, body: Any = None, query: str = "") -> Any:
    context: dict[str, Any] = {
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
        "routeKey": f"{method} {path}",
        "stage": "$default",
        "requestId": "r",
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"content-type": "application/json"},
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(parse_qsl(query))
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    context_object = LambdaContext("scones-review-api", "arn:aws:lambda:us-east-1:123456789012:function:r", 512, 10)
    answer = api.handler(event, context_object)
    return answer["statusCode"], json.loads(answer["body"]) if answer.get("body") else None, answer["headers"]


def test_a_reviewer_lists_leases_and_decides_under_their_own_name(api: Any) -> None:
    status, pending, headers = call(api, "GET", "/api/pending", ANN)
    assert status == 200 and len(pending["items"]) == 3 and pending["reviewer"] == "ann@example.com"
    assert pending["shortcuts"] == {"b": "bicycle", "m": "motorcycle", "o": "other"}
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]

    status, leased, _ = call(api, "POST", "/api/next", ANN, {})
    item = leased["lease"]["item"]
    assert status == 200 and leased["lease"]["reviewer"] == "ann@example.com"
    assert call(api, "POST", "/api/next", BOB, {})[1]["lease"]["item"]["key"] != item["key"]

    body = {"key": item["key"], "version_id": item["upload_id"], "label": "other", "reviewer": "someone-else"}
    status, resolved, _ = call(api, "POST", "/api/resolve", ANN, body)
    assert status == 200, resolved
    record = resolved["record"]
    assert (record["reviewer"], record["reviewer_sub"], record["label"]) == ("ann@example.com", "sub-ann", "other")
    assert call(api, "GET", "/api/me", ANN)[1]["decisions_today"] == 1
    assert call(api, "GET", "/api/me", BOB)[1]["decisions_today"] == 0  # each counts their own
    status, again, _ = call(api, "POST", "/api/resolve", BOB, {**body, "label": "bicycle"})
    assert status == 409 and "ann@example.com" in again["message"]


def test_bad_requests_get_clear_statuses(api: Any) -> None:
    assert call(api, "POST", "/api/resolve", ANN, {"key": 1})[0] == 422
    assert call(api, "POST", "/api/resolve", ANN, "{not json")[0] == 422
    status, answer, _ = call(api, "POST", "/api/resolve", ANN, {"key": "nope.png", "label": "truck"})
    assert status == 400 and "truck" in answer["message"]
    assert call(api, "POST", "/api/resolve", ANN, {"key": "nope.png", "label": "bicycle"})[0] == 404
    assert call(api, "GET", "/api/image", ANN, query="key=nope.png&version=x")[0] == 404
    assert call(api, "GET", "/api/image", ANN, query="key=nope.png")[0] == 422  # which write is missing
    assert call(api, "GET", "/api/stats", ANN)[0] == 403
    status, figures, _ = call(api, "GET", "/api/stats", BOB)
    assert status == 200 and figures["pending"] == 3


def test_the_page_and_its_settings_need_no_token_and_the_api_describes_itself(api: Any) -> None:
    status, config, _ = call(api, "GET", "/config.json", None)
    assert status == 200 and config["user_pool_client_id"] == "page-client"
    assert config["cognito_endpoint"] == "https://cognito-idp.us-east-1.amazonaws.com/"
    schema = json.loads(api.app.get_openapi_json_schema(title="scones review"))
    assert {"/api/me", "/api/pending", "/api/image", "/api/next", "/api/resolve", "/api/stats"} <= set(schema["paths"])
    assert "ResolveBody" in schema["components"]["schemas"]
