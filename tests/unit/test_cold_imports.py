"""What each Lambda handler does not import when its module loads: the cold start's biggest avoidable costs
(benchmarks/coldstart.py measures them; this checks the import graph, never a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: As the template sets them, with tracing on as on Lambda (the X-Ray SDK patches only on a Lambda environment).
ENVIRONMENT = {
    "AWS_LAMBDA_FUNCTION_NAME": "scones",
    "LAMBDA_TASK_ROOT": str(ROOT),
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "IDEMPOTENCY_TABLE": "claims",
    "REVIEWS_TABLE": "reviews",
    "RESULTS_TABLE": "results",
    "REVIEW_QUEUE_URL": "http://localhost/123456789012/review",
    "INTAKE_BUCKET": "intake",
    "USER_POOL_CLIENT_ID": "client",
    "POWERTOOLS_METRICS_NAMESPACE": "Scones",
    "POWERTOOLS_TRACE_DISABLED": "false",
}
#: Never imported by any handler: the settings are read without pydantic-settings (and its asyncio and dotenv).
NOWHERE = ("pydantic_settings", "dotenv")
#: Only the functions that call AWS load the SDK: the X-Ray SDK patches botocore when botocore is imported.
NO_AWS_SDK = ("botocore.client", "botocore.session", "boto3")
EXCLUDED = {
    "serialize": (*NOWHERE, "onnxruntime", "numpy", "service.domain.model_card"),
    "classify": (*NOWHERE, *NO_AWS_SDK),
    "filter": (*NOWHERE, *NO_AWS_SDK, "onnxruntime", "numpy", "PIL"),
    "review_metrics": (*NOWHERE, "onnxruntime", "numpy", "PIL"),
}


def loaded_by(handler: str) -> set[str]:
    code = f"import json, sys\nimport handlers.{handler}\nprint(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("handler", sorted(EXCLUDED))
def test_a_handler_module_loads_without_what_it_does_not_need(handler: str) -> None:
    loaded = loaded_by(handler)
    assert "aws_xray_sdk.core" in loaded  # the tracer is set up at import, as deployed
    assert sorted(name for name in EXCLUDED[handler] if name in loaded) == []


def test_the_aws_sdk_is_traced_once_it_is_imported() -> None:
    code = (
        "import handlers.filter, sys\n"
        "assert 'botocore.client' not in sys.modules\n"
        "import boto3, botocore.client\n"
        "print(getattr(botocore.client, '_xray_enabled', False))"
    )
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
