"""The review API's revocation check: the pool's answer about a token is trusted for at most a minute."""

from __future__ import annotations

from typing import Any

from service.dal.user_pool import TokenRefusedError
from service.review.access import MAX_TTL_S, AccessCheck


class Pool:
    """The user pool as the check sees it: who a token belongs to, and their groups; counts the calls."""

    def __init__(self) -> None:
        self.revoked: set[str] = set()
        self.groups = {"ann": frozenset({"reviewers"})}
        self.calls = 0

    def token_user(self, token: str) -> str:
        self.calls += 1
        if token in self.revoked:
            raise TokenRefusedError("Access Token has been revoked")
        return "ann"

    def groups_of(self, username: str) -> frozenset[str]:
        return self.groups[username]


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_revoked_token_is_refused_within_the_default_minute_and_answers_are_cached_until_then() -> None:
    pool, clock = Pool(), Clock()
    check = AccessCheck(pool, clock=clock)  # type: ignore[arg-type]  # the pool's two calls, nothing else
    assert check.ttl_s == MAX_TTL_S == 60
    assert check.of("t").username == "ann" and pool.calls == 1
    pool.revoked.add("t")
    pool.groups["ann"] = frozenset()
    clock.t += 59.9
    cached = check.of("t")
    assert (cached.username, cached.groups, pool.calls) == ("ann", frozenset({"reviewers"}), 1)
    clock.t += 0.1  # 60 s after the pool was asked: asked again
    assert check.of("t").username is None and pool.calls == 2


def test_groups_taken_away_count_after_the_ttl_and_a_longer_ttl_is_capped() -> None:
    pool, clock = Pool(), Clock()
    check = AccessCheck(pool, ttl_s=3600, clock=clock)  # type: ignore[arg-type]
    assert check.ttl_s == 60
    assert check.of("t").groups == {"reviewers"}
    pool.groups["ann"] = frozenset()
    clock.t += 60
    assert check.of("t").groups == frozenset()


def test_memory_is_bounded_under_many_tokens() -> None:
    pool, clock = Pool(), Clock()
    check = AccessCheck(pool, clock=clock, max_entries=10)  # type: ignore[arg-type]
    for n in range(100):
        check.of(f"t{n}")
    answers: Any = check._answers
    assert len(answers) == 10
