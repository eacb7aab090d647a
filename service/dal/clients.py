"""boto3 clients, created once per process with explicit timeouts and retries.

boto3 reads AWS_ENDPOINT_URL from the environment, which is how the same code reaches the local stack.
"""

from __future__ import annotations

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


@cache
def client(service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
    session = boto3.session.Session()
    return session.client(service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG)
