"""boto3 clients, created once per process with explicit timeouts and retries.

boto3 reads AWS_ENDPOINT_URL from the environment, which is how the same code reaches the local stack.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 3},
    max_pool_connections=32,
)


_LOCK = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


@cache
def client(service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
    # One session for every client: its loader reads the shared data files (endpoints, partitions, retry rules)
    # once, where a session per client reads them again each time (a cold start cost). A session is not
    # thread-safe, so clients are created under a lock; the clients themselves are.
    with _LOCK:
        return _session().client(service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG)


@cache
def unsigned_client(service: str, region: str | None = None) -> Any:
    """A client whose requests carry no AWS signature: for the calls whose credential is in the request itself
    (Cognito's GetUser takes the user's access token; AWS evaluates no IAM policy for it)."""
    from botocore import UNSIGNED

    with _LOCK:
        return _session().client(service, region_name=region, config=_CONFIG.merge(Config(signature_version=UNSIGNED)))
