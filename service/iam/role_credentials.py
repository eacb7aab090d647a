"""In a worker process, the AWS credentials of the function being invoked: its role's, from the local STS.

Lambda gives each function's code its execution role's credentials through the environment. A local worker runs
any of the functions, one invocation at a time, and AWS clients are created once per process (service/dal/
clients.py) and keep the credentials object they were created with. So the worker's sessions are given one
credentials object whose values are the current invocation's role: each request is signed with them (botocore
reads `get_frozen_credentials()` for every request).
"""

from __future__ import annotations

import threading

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, Credentials, ReadOnlyCredentials

from service.iam.access import Credentials as Issued

_current: Issued | None = None
_lock = threading.Lock()


class InvocationCredentials(Credentials):
    """Credentials that are the invoked function's role while an invocation runs (the environment's otherwise)."""

    def __init__(self, fallback: Credentials | None) -> None:
        self._fallback = fallback

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        issued = _current
        if issued is not None:
            return ReadOnlyCredentials(issued.access_key_id, issued.secret_access_key, issued.session_token)
        if self._fallback is None:
            return ReadOnlyCredentials(None, None, None)
        return self._fallback.get_frozen_credentials()

    @property
    def access_key(self) -> str | None:
        return self.get_frozen_credentials().access_key

    @property
    def secret_key(self) -> str | None:
        return self.get_frozen_credentials().secret_key

    @property
    def token(self) -> str | None:
        return self.get_frozen_credentials().token


class _Provider(CredentialProvider):
    METHOD = "scones-local-role"
    CANONICAL_NAME = "SconesLocalRole"

    def __init__(self, credentials: InvocationCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def _install_into(botocore_session: botocore.session.Session) -> None:
    fallback = botocore_session.get_credentials()
    resolver = botocore_session.get_component("credential_provider")
    resolver.insert_before("env", _Provider(InvocationCredentials(fallback)))
    # The session caches what it resolved first; resolve again through the new provider.
    botocore_session._credentials = None


def install() -> None:
    """Every client the worker creates from now on signs with the invoked function's role."""
    from service.dal import clients

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    _install_into(boto3.DEFAULT_SESSION._session)
    _install_into(clients._session())  # the functions' own: botocore's session


def assume(issued: Issued | None) -> None:
    global _current
    with _lock:
        _current = issued
