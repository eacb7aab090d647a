"""The review API's handler with API Gateway's HTTP API events (payload 2.0), on moto in-process."""

from __future__ import annotations

import base64
import json
import os
import time
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
PASSWORD = "Correct-Horse-Battery-9"
#: Each user's access token from the pool (the function confirms it with the pool), by user name.
TOKENS: dict[str, str] = {}


def team_pool(cognito: Any) -> str:
    """A pool with Ann (reviewers) and Bob (admins), signed in; their tokens in TOKENS."""
    pool = cognito.create_user_pool(PoolName="reviewers")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="page", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    for claims, group in ((ANN, "reviewers"), (BOB, "admins")):
        name = claims["username"]
        cognito.create_group(UserPoolId=pool, GroupName=group)
        cognito.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True)
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=group)
        TOKENS[name] = cognito.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD}
        )["AuthenticationResult"]["AccessToken"]
    return str(pool)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mock_aws():
        sqs = boto3.client("sqs")
        dynamodb = boto3.client("dynamodb")
        queue = sqs.create_queue(QueueName="review")["QueueUrl"]
        pool = team_pool(boto3.client("cognito-idp"))
        for name, value in {**SETTINGS, "REVIEW_QUEUE_URL": queue, "USER_POOL_ID": pool}.items():
            monkeypatch.setenv(name, value)
        create_reviews_table(dynamodb, "reviews")
        create_results_table(dynamodb, "results")
        seed_pending(dynamodb, sqs, "reviews", queue, 3, "intake")
        from handlers import review_api

        review_api._service = None  # a new desk for this test's moto
        yield review_api
        review_api._service = None


def call(
    api: Any,
    method: str,
    path: str,
    claims: dict[str, str] | None,
    body: Any = None,
    query: str = "",
    base64_body: bool = False,
) -> Any:
    context: dict[str, Any] = {
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1"},
        "routeKey": f"{method} {path}",
        "stage": "$default",
        "requestId": "r",
    }
    token: dict[str, str] = {}
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        token = {"authorization": f"Bearer {TOKENS[claims['username']]}"}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"content-type": "application/json", **token},
        "requestContext": context,
        "isBase64Encoded": base64_body,
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
    assert call(api, "POST", "/api/resolve", ANN, "{not json")[0] == 400
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


def test_hostile_bodies_get_4xx_json_answers_never_500(api: Any) -> None:
    nested = "[" * 2000 + "]" * 2000  # 4,000 bytes of brackets: a recursive parser's RecursionError
    status, answer, headers = call(api, "POST", "/api/resolve", ANN, nested)
    assert status == 400 and "nested" in answer["message"] and headers["X-Content-Type-Options"] == "nosniff"
    status, answer, _ = call(api, "POST", "/api/resolve", ANN, '{"key": ' + "{" * 50 + "}" * 50 + "}")
    assert status == 400
    not_utf8 = base64.b64encode(b'{"key": "\xff\xfe", "label": "bicycle"}').decode()
    status, answer, _ = call(api, "POST", "/api/resolve", ANN, not_utf8, base64_body=True)
    assert status == 400 and "UTF-8" in answer["message"]
    wide = json.dumps({"key": "é" * 4096, "label": "bicycle"}, ensure_ascii=False)  # 4,100 characters, 8 KB
    assert len(wide) < 4200 and len(wide.encode()) > 8000
    status, answer, _ = call(api, "POST", "/api/resolve", ANN, wide)
    assert status == 413 and "bytes" in answer["message"]
    assert call(api, "POST", "/api/resolve", ANN, "\ud800")[0] == 400  # a lone surrogate is not UTF-8


def test_a_token_the_pool_no_longer_honours_loses_every_route(api: Any) -> None:
    cognito = boto3.client("cognito-idp")
    pool = os.environ["USER_POOL_ID"]
    assert call(api, "GET", "/api/me", ANN)[0] == 200
    cognito.admin_user_global_sign_out(UserPoolId=pool, Username=ANN["username"])
    api.service().access.ttl_s = 0.001  # the cached answer has run out (the clock's own test is below)
    time.sleep(0.01)
    for method, path in ROUTES:
        assert call(api, method, path, ANN, {} if method == "POST" else None)[0] == 401, path
    # Groups taken away reach the function although the token still lists them.
    assert call(api, "GET", "/api/stats", BOB)[0] == 200
    cognito.admin_remove_user_from_group(UserPoolId=pool, Username=BOB["username"], GroupName="admins")
    time.sleep(0.01)
    assert call(api, "GET", "/api/stats", BOB)[0] == 403 and call(api, "GET", "/api/me", BOB)[0] == 403


ROUTES = [
    ("GET", "/api/me"),
    ("GET", "/api/pending"),
    ("GET", "/api/image"),
    ("GET", "/api/stats"),
    ("POST", "/api/next"),
    ("POST", "/api/renew"),
    ("POST", "/api/release"),
    ("POST", "/api/resolve"),
    ("POST", "/api/undo"),
]
