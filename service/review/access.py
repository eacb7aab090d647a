"""Whether the user pool still honours a caller's access token, and with which groups, checked at most once a TTL.

API Gateway's JWT authorizer (and the local stack's) checks a token's signature, issuer, audience and expiry,
not whether it was revoked: a reviewer removed, disabled or signed out everywhere keeps a valid-looking token for
its whole lifetime (an hour), with the groups it had when it was issued. So the function asks the pool itself:
GetUser with the access token (it fails for a revoked token and for a disabled or deleted user) and the user's
current groups (AdminListGroupsForUser). The answer is cached per token for `ttl_s` (at most 60 s), so revocation
reaches every route within that time while a reviewer's steady stream of requests costs the pool two calls a
minute.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from pydantic import BaseModel

from service.dal.user_pool import TokenRefusedError, UserPool

#: The longest a pool's answer is trusted: revocation must take effect within a minute.
MAX_TTL_S = 60.0
#: Tokens remembered at once (the oldest answer is forgotten first): bounds memory under a flood of tokens.
MAX_ENTRIES = 10_000


class Access(BaseModel):
    """The pool's answer for one token: its user and their current groups; `username` None when refused."""

    username: str | None
    groups: frozenset[str] = frozenset()


class AccessCheck:
    def __init__(
        self,
        pool: UserPool,
        ttl_s: float = MAX_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._pool = pool
        self.ttl_s = min(ttl_s, MAX_TTL_S)
        self._clock = clock
        self._max_entries = max_entries
        self._answers: OrderedDict[str, tuple[float, Access]] = OrderedDict()
        self._lock = threading.Lock()

    def of(self, access_token: str) -> Access:
        """What the pool says about `access_token` now, or at most `ttl_s` ago."""
        digest = hashlib.sha256(access_token.encode("utf-8")).hexdigest()  # no token is kept in memory
        now = self._clock()
        with self._lock:
            cached = self._answers.get(digest)
            if cached is not None and now - cached[0] < self.ttl_s:
                return cached[1]
        answer = self._ask(access_token)
        with self._lock:
            self._answers[digest] = (now, answer)
            self._answers.move_to_end(digest)
            while len(self._answers) > self._max_entries:
                self._answers.popitem(last=False)
        return answer

    def _ask(self, access_token: str) -> Access:
        try:
            username = self._pool.token_user(access_token)
        except TokenRefusedError:
            return Access(username=None)
        return Access(username=username, groups=self._pool.groups_of(username))
