"""Shared fixtures: fake AWS credentials for every test, and settings read afresh."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from service.runtime.settings import clear_caches
from tests.claims import CLAIMS_TABLE

# Set before any test module imports a handler (handlers validate their settings on import).
os.environ.setdefault("IDEMPOTENCY_TABLE", CLAIMS_TABLE)
os.environ.setdefault("REVIEWS_TABLE", "scones-reviews-test")


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # No test may reach a real AWS account, whatever the developer's shell holds.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Scones",
        "IDEMPOTENCY_TABLE": CLAIMS_TABLE,
        "REVIEWS_TABLE": "scones-reviews-test",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "CONFIDENCE_THRESHOLD", "RECOGNITION_THRESHOLD", "MODEL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    clear_caches()
    yield
    clear_caches()
