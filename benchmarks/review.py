"""The review API at volume: pending items seeded straight into the store (not through the pipeline) on a
throwaway local stack, then p50/p95 of every route through the local HTTP API with a reviewer's Cognito access
token (InitiateAuth, USER_PASSWORD_AUTH), and the token check's own cost: a token the function has confirmed
with the pool in the last minute (cached) against one it has never seen (GetUser + AdminListGroupsForUser).

    python benchmarks/review.py [--items 10000] [--runs 30] [--direct]

`--direct` also times the review desk called in-process (no HTTP, no token), as the earlier table did.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.dal.user_pool import UserPool  # noqa: E402
from service.domain.model_card import load_model_card  # noqa: E402
from service.local.stack import running  # noqa: E402
from service.review.desk import ReviewDesk  # noqa: E402
from service.runtime.settings import get_settings  # noqa: E402
from testkit.reviews import seed_pending  # noqa: E402

PASSWORD = "Bench-Password-1234!"
REVIEWER, ADMIN = "bench-reviewer@example.com", "bench-admin@example.com"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(action: Callable[[], object], runs: int) -> list[float]:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        took.append((time.perf_counter() - started) * 1000)
    return took


class Api:
    """The review API as a script calls it: one kept-alive connection, a bearer token, every answer checked."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/") + "/"
        self.token = token
        self.http = requests.Session()
        self.took: dict[str, list[float]] = {}

    def call(
        self, name: str, path: str, body: dict[str, Any] | None = None, token: str | None = None, timeout: float = 60
    ) -> Any:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        started = time.perf_counter()
        if body is None:
            answer = self.http.get(self.base + path, headers=headers, timeout=timeout)
        else:
            answer = self.http.post(self.base + path, json=body, headers=headers, timeout=timeout)
        self.took.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{name}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else None


def sign_in(cognito: Any, client_id: str, email: str) -> str:
    answer = cognito.initiate_auth(
        ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD}
    )
    return str(answer["AuthenticationResult"]["AccessToken"])


def through_the_api(info: Any, runs: int) -> dict[str, list[float]]:
    assert info.review_url and info.user_pool_id and info.user_pool_client_id
    cognito = info.client("cognito-idp")
    pool = UserPool(cognito, info.user_pool_id)
    pool.add(REVIEWER, password=PASSWORD)
    pool.add(ADMIN, admin=True, password=PASSWORD)
    reviewer = Api(info.review_url, sign_in(cognito, info.user_pool_client_id, REVIEWER))
    admin = Api(info.review_url, sign_in(cognito, info.user_pool_client_id, ADMIN))
    # One real image behind a pending item, for /api/image (the pipeline also sees the upload: one more item).
    first = reviewer.call("warm-up", "api/pending?limit=1")["items"][0]
    info.client("s3").put_object(
        Bucket=info.intake_bucket, Key=first["key"], Body=(ROOT / "samples" / "bicycle-1.png").read_bytes()
    )
    cursor = None
    for _ in range(20):  # a cursor 20 pages (480 items) into the list
        cursor = reviewer.call("warm-up", "api/pending" + (f"?cursor={cursor}" if cursor else ""))["cursor"]
    image = {"key": first["key"], "version": first["upload_id"]}
    for _ in range(runs):
        reviewer.call("GET /api/pending (first page)", "api/pending")
        reviewer.call("GET /api/pending?reason=audit", "api/pending?reason=audit")
        reviewer.http.params = {"cursor": cursor}
        reviewer.call("GET /api/pending?cursor= (page 21)", "api/pending")
        reviewer.http.params = {"key": image["key"], "version": image["version"]}
        reviewer.call("GET /api/image", "api/image")
        reviewer.http.params = {}
        reviewer.call("GET /api/me", "api/me")
        lease = reviewer.call("POST /api/next", "api/next", {})["lease"]
        item = {"key": lease["item"]["key"], "version_id": lease["item"]["upload_id"]}
        reviewer.call("POST /api/renew", "api/renew", item)
        reviewer.call("POST /api/release", "api/release", item)
        lease = reviewer.call("POST /api/next", "api/next", {})["lease"]
        item = {"key": lease["item"]["key"], "version_id": lease["item"]["upload_id"]}
        reviewer.call("POST /api/resolve", "api/resolve", {**item, "label": "bicycle"})
        reviewer.call("POST /api/undo", "api/undo", item)
    figures = {name: took for name, took in reviewer.took.items() if name != "warm-up"}
    # The figures read every pending item and every decision (not a hot path): a few runs, a long wait.
    for _ in range(min(runs, 3)):
        admin.call("GET /api/stats (admin)", "api/stats", timeout=600)
    figures.update(admin.took)
    # The token check: the same token again (the function's answer from the pool, kept <= 60 s) against a token it
    # has never seen (one sign-in each, so every call asks the pool: GetUser + AdminListGroupsForUser).
    fresh = [sign_in(cognito, info.user_pool_client_id, REVIEWER) for _ in range(runs)]
    check = Api(info.review_url, reviewer.token)
    for token in fresh:
        check.call("GET /api/me, token confirmed (cached)", "api/me")
        check.call("GET /api/me, token never seen (pool asked)", "api/me", token=token)
    figures.update(check.took)
    return figures


def directly(info: Any, keys: list[str], runs: int) -> dict[str, list[float]]:
    classes = load_model_card(get_settings().model_card_path).classes
    dynamodb, sqs = info.client("dynamodb"), info.client("sqs")
    desk = ReviewDesk(dynamodb, sqs, info.results_table, info.reviews_table, info.review_queue_url, classes)
    to_resolve = iter(keys[len(keys) // 2 :])
    reviewers = (f"bench-{n}@example.com" for n in range(10**9))  # one lease each: a busy desk
    return {
        "desk: list (first page of 50)": timed(lambda: desk.pending(limit=50), runs),
        "desk: list --sort uncertainty": timed(lambda: desk.pending(limit=50, sort="uncertainty"), runs),
        "desk: resolve": timed(lambda: desk.resolve(next(to_resolve), "bicycle", "bench"), runs),
        "desk: next": timed(lambda: desk.next(next(reviewers)), runs),
        "desk: pending count": timed(desk.reviews.count_pending, max(1, runs // 10)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--direct", action="store_true", help="also time the desk called in-process")
    args = parser.parse_args(argv)
    with running() as info:
        assert info.reviews_table
        dynamodb, sqs = info.client("dynamodb"), info.client("sqs")
        started = time.monotonic()
        keys = seed_pending(dynamodb, sqs, info.reviews_table, info.review_queue_url, args.items, info.intake_bucket)
        seeded_s = time.monotonic() - started
        figures = through_the_api(info, args.runs)
        if args.direct:
            figures.update(directly(info, keys, args.runs))
        pending = ReviewDesk(
            dynamodb, sqs, info.results_table, info.reviews_table, info.review_queue_url, ("a",)
        ).reviews.count_pending()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"{args.items} pending items seeded in {seeded_s:.1f} s; {args.runs} runs each; {pending} pending at the end")
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    print("| route | p50 (ms) | p95 (ms) |\n|---|---:|---:|")
    for name, samples in figures.items():
        print(f"| {name} | {statistics.median(samples):.1f} | {percentile(samples, 0.95):.1f} |")
    cached = statistics.median(figures["GET /api/me, token confirmed (cached)"])
    uncached = statistics.median(figures["GET /api/me, token never seen (pool asked)"])
    print(f"token check added (p50, never seen - confirmed): {uncached - cached:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
