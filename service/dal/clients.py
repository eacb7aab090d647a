"""AWS clients of the functions, created once per process with explicit timeouts and retries.

botocore reads AWS_ENDPOINT_URL from the environment, which is how the same code reaches the local stack.

The clients come from botocore's own session, not boto3's: boto3 adds resources, s3transfer's upload and download
helpers and nothing that a plain client call uses, and importing it is a tenth of a second of a cold Serialize or
review API (benchmarks/coldstart.py). The operator tools, which upload files, keep boto3 (`service.dal.stack`).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from botocore.config import Config
from botocore.session import Session, get_session

_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 3},
    max_pool_connections=32,
)


_LOCK = threading.Lock()


@cache
def _session() -> Session:
    return get_session()


@cache
def client(service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
    # One session for every client: its loader reads the shared data files (endpoints, partitions, retry rules)
    # once, where a session per client reads them again each time (a cold start cost). A session is not
    # thread-safe, so clients are created under a lock; the clients themselves are.
    with _LOCK:
        return _session().create_client(service, region_name=region, endpoint_url=endpoint_url, config=_CONFIG)


@cache
def unsigned_client(service: str, region: str | None = None) -> Any:
    """A client whose requests carry no AWS signature: for the calls whose credential is in the request itself
    (Cognito's GetUser takes the user's access token; AWS evaluates no IAM policy for it)."""
    from botocore import UNSIGNED

    with _LOCK:
        unsigned = _CONFIG.merge(Config(signature_version=UNSIGNED))
        return _session().create_client(service, region_name=region, config=unsigned)
