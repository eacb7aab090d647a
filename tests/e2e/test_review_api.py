"""The review API for a team on a real local stack: reviewers added with `scones reviewers`, tokens from Cognito's
InitiateAuth with the AWS SDK, and `Authorization: Bearer` on `review_url`, as a team's page or script calls it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.e2e.conftest import StackClients
from tests.e2e.test_pipeline import wait

# Every prediction goes to review here, whatever the model says; the pool's answer about a token is trusted 2 s (the
# default is 60 s, which a unit test with a clock covers), so revocation shows within the test's patience.
STACK_PARAMETERS = {"ConfidenceThreshold": "1.0", "TokenCheckSeconds": "2"}
PASSWORD = "Correct-Horse-Battery-9"
ANN, BOB, CARL, EVE = "ann@example.com", "Bob@Example.com", "carl@example.com", "eve@example.com"


def scones(stack: StackClients, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args], check=check, env=stack.cli_env(), capture_output=True, text=True
    )


def cognito(stack: StackClients) -> Any:
    return stack.info.client("cognito-idp")


def sign_in(stack: StackClients, email: str, password: str = PASSWORD, client_id: str | None = None) -> str:
    answer = cognito(stack).initiate_auth(
        ClientId=client_id or stack.info.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def call(stack: StackClients, path: str, token: str | None, body: dict[str, Any] | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    url = str(stack.info.review_url) + path.lstrip("/")
    if body is None:
        return requests.get(url, headers=headers, timeout=30)
    return requests.post(url, json=body, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def team(local_stack: StackClients) -> dict[str, str]:
    """Ann reviews, Bob is an admin, Eve is in the pool but in neither group; tokens by email."""
    status = json.loads(scones(local_stack, "status", "--json").stdout)
    assert status["review_url"] == local_stack.info.review_url and status["review_url"].startswith("http://127.0.0.1:")
    assert status["user_pool_id"] and status["user_pool_client_id"]
    scones(local_stack, "reviewers", "add", ANN, "--password", PASSWORD)
    scones(local_stack, "reviewers", "add", BOB, "--admin", "--password", PASSWORD)
    scones(local_stack, "reviewers", "add", EVE, "--password", PASSWORD)
    cognito(local_stack).admin_remove_user_from_group(
        UserPoolId=local_stack.info.user_pool_id, Username=EVE, GroupName="reviewers"
    )
    return {email: sign_in(local_stack, email) for email in (ANN, BOB.lower(), EVE)}


def test_reviewers_are_listed_with_their_groups(local_stack: StackClients, team: dict[str, str]) -> None:
    listed = {u["email"]: u for u in map(json.loads, scones(local_stack, "reviewers", "list", "--json").stdout.split())}
    assert listed[ANN]["groups"] == ["reviewers"]
    assert listed["bob@example.com"]["groups"] == ["admins", "reviewers"]  # the user name is the email, lowercased
    assert listed[EVE]["groups"] == []
    assert scones(local_stack, "reviewers", "add", ANN, check=False).returncode == 1  # already there


def test_bad_tokens_get_401_before_any_function_runs(local_stack: StackClients, team: dict[str, str]) -> None:
    good = team[ANN]
    assert call(local_stack, "api/me", good).status_code == 200
    assert call(local_stack, "api/me", None).status_code == 401
    assert call(local_stack, "api/me", "garbage").status_code == 401
    assert call(local_stack, "api/pending", "a.b.c").status_code == 401

    # The same claims, signed with a key that is not the pool's.
    claims = jwt.decode(good, KeySet.import_key_set(_jwks(local_stack))).claims
    forged = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, RSAKey.generate_key(2048))
    assert call(local_stack, "api/me", forged).status_code == 401

    # Another user pool: moto signs it with the very same key, and only the issuer tells them apart.
    idp = cognito(local_stack)
    other = idp.create_user_pool(PoolName="elsewhere")["UserPool"]["Id"]
    other_client = idp.create_user_pool_client(
        UserPoolId=other, ClientName="x", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=other, Username=ANN, MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=other, Username=ANN, Password=PASSWORD, Permanent=True)
    foreign = sign_in(local_stack, ANN, client_id=other_client)
    assert jwt.decode(foreign, KeySet.import_key_set(_jwks(local_stack))).claims["username"] == ANN
    assert call(local_stack, "api/me", foreign).status_code == 401

    # Another app client of the same pool.
    second_client = idp.create_user_pool_client(
        UserPoolId=local_stack.info.user_pool_id,
        ClientName="not-the-page",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
    )["UserPoolClient"]["ClientId"]
    assert call(local_stack, "api/me", sign_in(local_stack, ANN, client_id=second_client)).status_code == 401

    # An ID token of the page's client passes API Gateway's authorizer (its `aud` is the client), but names no
    # `username`: the function refuses it.
    id_token = idp.initiate_auth(
        ClientId=local_stack.info.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": ANN, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    assert call(local_stack, "api/me", id_token).status_code == 401
    # No route answers a preflight: no CORS, as the template declares none.
    preflight = requests.options(
        str(local_stack.info.review_url) + "api/me",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert preflight.status_code == 404 and "Access-Control-Allow-Origin" not in preflight.headers

    # Signed with the pool's key, but past its expiry.
    expired = dict(claims, exp=int(time.time()) - 60, iat=int(time.time()) - 3660)
    assert (
        call(local_stack, "api/me", jwt.encode({"alg": "RS256", "kid": "dummy"}, expired, _moto_key())).status_code
        == 401
    )
    # The same claims under the pool's key pass the gateway, but the pool never issued that token: the function,
    # which confirms every token with the pool, refuses it.
    resigned = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, _moto_key())
    assert call(local_stack, "api/me", resigned).status_code == 401
    # A claim of the wrong shape is a 401 from the gateway, never a 500; its answers carry the security headers.
    listed = jwt.encode({"alg": "RS256", "kid": "dummy"}, dict(claims, client_id=[claims["client_id"]]), _moto_key())
    refused = call(local_stack, "api/me", listed)
    assert refused.status_code == 401 and refused.json() == {"message": "Unauthorized"}
    assert refused.headers["X-Content-Type-Options"] == "nosniff" and refused.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]


def _jwks(stack: StackClients) -> dict[str, Any]:
    answer = requests.get(f"{stack.info.endpoint_url}/{stack.info.user_pool_id}/.well-known/jwks.json", timeout=10)
    return dict(answer.json())


def _moto_key() -> Any:
    """The private half of the key moto signs every pool's tokens with (it ships in moto's package)."""
    import gzip

    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    return RSAKey.import_key(json.loads(gzip.decompress(path.read_bytes())))


def test_groups_decide_what_a_user_may_do(local_stack: StackClients, team: dict[str, str]) -> None:
    for path in ("api/me", "api/pending", "api/stats"):
        assert call(local_stack, path, team[EVE]).status_code == 403, path
    assert call(local_stack, "api/next", team[EVE], {}).status_code == 403
    assert call(local_stack, "api/stats", team[ANN]).status_code == 403
    stats = call(local_stack, "api/stats", team[BOB.lower()])
    assert stats.status_code == 200 and {"decided", "pending", "audit_precision"} <= stats.json().keys()
    me = call(local_stack, "api/me", team[BOB.lower()]).json()
    assert me["email"] == "bob@example.com" and me["groups"] == ["admins", "reviewers"] and me["sub"]


def test_two_reviewers_get_different_items_and_decisions_carry_the_signed_in_email(
    local_stack: StackClients, samples_dir: Path, team: dict[str, str]
) -> None:
    bucket = local_stack.info.intake_bucket
    keys = {"team/bicycle-1.png", "team/motorcycle-1.png", "team/bicycle-2.png"}
    for key in keys:
        local_stack.s3.upload_file(str(samples_dir / key.split("/")[1]), bucket, key)
    assert {o.key for o in wait(local_stack, keys).by_place("review")} == keys

    ann = call(local_stack, "api/next", team[ANN], {}).json()["lease"]
    bob = call(local_stack, "api/next", team[BOB.lower()], {}).json()["lease"]
    assert ann["item"]["key"] != bob["item"]["key"]
    assert (ann["reviewer"], bob["reviewer"]) == (ANN, "bob@example.com")

    # The image is the pending write, decoded and re-encoded; nothing else in the bucket is served.
    image = requests.get(
        str(local_stack.info.review_url) + "api/image",
        params={"key": ann["item"]["key"], "version": ann["item"]["upload_id"]},
        headers={"Authorization": f"Bearer {team[ANN]}"},
        timeout=30,
    )
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert image.content != (samples_dir / ann["item"]["key"].split("/")[1]).read_bytes()
    assert call(local_stack, "api/image?key=secret.txt&version=x", team[ANN]).status_code == 404

    # The body names someone else: the decision is still Ann's.
    body = {"key": ann["item"]["key"], "version_id": ann["item"]["upload_id"], "label": "motorcycle"}
    resolved = call(local_stack, "api/resolve", team[ANN], {**body, "reviewer": "someone-else"})
    assert resolved.status_code == 200, resolved.text
    results = [
        json.loads(line)
        for line in scones(local_stack, "results", "--source", "human", "--json").stdout.split("\n")
        if line
    ]
    mine = [r for r in results if r["key"] == ann["item"]["key"]]
    ann_sub = call(local_stack, "api/me", team[ANN]).json()["sub"]
    assert [(r["reviewer"], r["reviewer_sub"], r["label"]) for r in mine] == [(ANN, ann_sub, "motorcycle")]
    assert call(local_stack, "api/me", team[ANN]).json()["decisions_today"] == 1
    assert call(local_stack, "api/release", team[BOB.lower()], {"key": bob["item"]["key"]}).json() == {"released": 1}
    # A body too large for a key and a label is refused before it is read.
    assert call(local_stack, "api/resolve", team[ANN], {**body, "label": "x" * 5000}).status_code == 413


def test_a_new_reviewer_sets_a_password_and_a_removed_one_is_signed_out(
    local_stack: StackClients, team: dict[str, str]
) -> None:
    added = scones(local_stack, "reviewers", "add", CARL)
    temporary = added.stdout.strip().splitlines()[-1]
    idp = cognito(local_stack)
    challenge = idp.initiate_auth(
        ClientId=local_stack.info.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": CARL, "PASSWORD": temporary},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = idp.respond_to_auth_challenge(
        ClientId=local_stack.info.user_pool_client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": CARL, "NEW_PASSWORD": PASSWORD + "!"},
    )
    token = done["AuthenticationResult"]["AccessToken"]
    assert call(local_stack, "api/me", token).json()["email"] == CARL

    refresh = idp.initiate_auth(
        ClientId=local_stack.info.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": CARL, "PASSWORD": PASSWORD + "!"},
    )["AuthenticationResult"]["RefreshToken"]
    scones(local_stack, "reviewers", "remove", CARL)
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        idp.initiate_auth(
            ClientId=local_stack.info.user_pool_client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh},
        )
    listed = scones(local_stack, "reviewers", "list", "--json").stdout
    assert CARL not in listed


def test_a_lease_holds_against_other_reviewers_and_each_reviewer_holds_one_item(
    local_stack: StackClients, samples_dir: Path, team: dict[str, str]
) -> None:
    bucket = local_stack.info.intake_bucket
    keys = {"lease/bicycle-1.png", "lease/motorcycle-1.png"}
    for key in keys:
        local_stack.s3.upload_file(str(samples_dir / key.split("/")[1]), bucket, key)
    wait(local_stack, keys)
    ann, bob = team[ANN], team[BOB.lower()]
    for token in (ann, bob):  # nothing held from earlier tests
        for item in call(local_stack, "api/pending?limit=100", token).json()["items"]:
            if item["held_by_me"]:
                call(local_stack, "api/release", token, {"key": item["key"], "version_id": item["upload_id"]})

    first = call(local_stack, "api/next", ann, {}).json()["lease"]
    again = call(local_stack, "api/next", ann, {}).json()["lease"]
    assert again["via"] == "held" and again["item"]["upload_id"] == first["item"]["upload_id"]
    body = {"key": first["item"]["key"], "version_id": first["item"]["upload_id"], "label": "motorcycle"}
    refused = call(local_stack, "api/resolve", bob, body)
    assert refused.status_code == 409 and f"held by {ANN} until" in refused.json()["message"]

    listed = call(local_stack, "api/pending?limit=100", bob).json()
    held = {i["upload_id"]: i for i in listed["items"]}[first["item"]["upload_id"]]
    assert (held["held_by"], held["held_by_me"]) == (ANN, False) and held["held_until"]
    assert listed["waiting"] >= len(keys) and listed["max_leases"] == 1
    assert call(local_stack, "api/pending?reason=audit", bob).json()["items"] == []
    assert call(local_stack, "api/pending?reason=nonsense", bob).status_code == 422

    resolved = call(local_stack, "api/resolve", ann, {**body, "label": "bicycle"})
    assert resolved.status_code == 200 and resolved.json()["record"]["reviewer"] == ANN


ROUTES = [
    ("api/me", None),
    ("api/pending", None),
    ("api/image?key=k&version=v", None),
    ("api/stats", None),
    ("api/next", {}),
    ("api/renew", {"key": "k"}),
    ("api/release", {"key": "k"}),
    ("api/resolve", {"key": "k", "label": "bicycle"}),
    ("api/undo", {"key": "k"}),
]


def refused_everywhere(stack: StackClients, token: str) -> bool:
    return all(call(stack, path, token, body).status_code in (401, 403) for path, body in ROUTES)


@pytest.mark.parametrize("revoke", ["remove", "disable", "global sign-out", "groups"])
def test_a_revoked_reviewer_loses_every_route_within_a_minute(local_stack: StackClients, revoke: str) -> None:
    email = f"gone-{revoke.replace(' ', '-')}@example.com"
    scones(local_stack, "reviewers", "add", email, "--admin", "--password", PASSWORD)
    token = sign_in(local_stack, email)
    assert call(local_stack, "api/me", token).status_code == 200
    assert call(local_stack, "api/stats", token).status_code == 200
    idp, pool = cognito(local_stack), local_stack.info.user_pool_id
    if revoke == "remove":
        scones(local_stack, "reviewers", "remove", email)
    elif revoke == "disable":
        idp.admin_disable_user(UserPoolId=pool, Username=email)
    elif revoke == "global sign-out":
        idp.admin_user_global_sign_out(UserPoolId=pool, Username=email)
    else:
        for group in ("admins", "reviewers"):
            idp.admin_remove_user_from_group(UserPoolId=pool, Username=email, GroupName=group)
    started = time.monotonic()
    while not refused_everywhere(local_stack, token):
        assert time.monotonic() - started < 60, f"{revoke}: the old token still works after 60 s"
        time.sleep(0.5)
