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
    "USER_POOL_ID": "us-east-1_pool",
    "POWERTOOLS_METRICS_NAMESPACE": "Scones",
    "POWERTOOLS_TRACE_DISABLED": "false",
}
#: Never imported by any handler: the settings are read without pydantic-settings (and its asyncio and dotenv).
NOWHERE = ("pydantic_settings", "dotenv")
#: Only the functions that call AWS load the SDK: the X-Ray SDK patches botocore when botocore is imported.
NO_AWS_SDK = ("botocore.client", "botocore.session", "boto3")
#: The functions' clients come from botocore's session: boto3 (and s3transfer with it) is for the operator tools.
NO_BOTO3 = ("boto3", "s3transfer")
#: Pillow plugins of formats the service neither accepts nor writes: loaded together only by `Image.init`, which
#: runs when a format Pillow has not registered is opened or saved.
UNUSED_PILLOW = ("PIL.PdfImagePlugin", "PIL.IcoImagePlugin", "PIL.PsdImagePlugin")
EXCLUDED = {
    "serialize": (*NOWHERE, *NO_BOTO3, "onnxruntime", "numpy", "service.domain.model_card"),
    "classify": (*NOWHERE, *NO_AWS_SDK, *UNUSED_PILLOW),
    "filter": (*NOWHERE, *NO_AWS_SDK, "onnxruntime", "numpy", "PIL"),
    "review_metrics": (*NOWHERE, *NO_BOTO3, "onnxruntime", "numpy", "PIL"),
    "review_api": (*NOWHERE, *NO_BOTO3, "onnxruntime", "numpy"),
}


def loaded_by(handler: str, first_call: str = "") -> set[str]:
    """The modules loaded once `handlers.<handler>` is imported and `first_call` (code) has run."""
    code = f"import json, sys\nimport handlers.{handler}\n{first_call}\nprint(json.dumps(sorted(sys.modules)))"
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


CONTEXT = (
    "class Context:\n"
    "    function_name, function_version, aws_request_id, memory_limit_in_mb = 'f', '1', 'r', 512\n"
    "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:f'\n"
    "context = Context()\n"
)
STATE_IMAGE = (
    "from PIL import Image\n"
    "from service.images.payload import encode_state_image\n"
    "image = {'bucket': 'b', 'key': 'k.png', 'uploaded_at': '2026-12-02T10:00:00Z', 'format': 'PNG', 'width': 128,\n"
    "         'height': 128, 'pixels_png_b64': encode_state_image(Image.new('RGB', (128, 128), 'white'))}\n"
)


def test_filters_first_call_writes_its_items_without_the_aws_sdk() -> None:
    prediction = {"label": "bicycle", "confidence": 0.5, "probabilities": {"bicycle": 0.5, "motorcycle": 0.5},
                  "model_version": "m"}  # fmt: skip
    call = (
        f"{CONTEXT}image = {{'bucket': 'b', 'key': 'k.png', 'uploaded_at': '2026-12-02T10:00:00Z', 'format': 'PNG',\n"
        "         'width': 1, 'height': 1, 'pixels_png_b64': ''}\n"
        f"out = handlers.filter.handler({{'image': image, 'prediction': {prediction!r}}}, context)\n"
        "assert out['route'] == 'review' and out['item']['confidence'] == {'N': '0.5'}, out"
    )
    loaded = loaded_by("filter", call)
    assert sorted(name for name in (*NO_AWS_SDK, "numpy", "PIL") if name in loaded) == []


def test_serializes_clients_and_images_load_neither_boto3_nor_every_pillow_plugin() -> None:
    call = (
        f"{STATE_IMAGE}from service.dal.clients import client\n"
        "client('s3', region='us-east-1'), client('dynamodb', region='us-east-1')\n"
        "from service.images.decode import decode_for_model\n"
        "decode_for_model(open('samples/bicycle-1.png', 'rb').read(), 10**8)"
    )
    loaded = loaded_by("serialize", call)
    assert {"botocore.client", "PIL.WebPImagePlugin"} <= loaded  # the first call did what Serialize does
    assert sorted(name for name in (*NO_BOTO3, *UNUSED_PILLOW, "numpy") if name in loaded) == []


def test_classifys_first_call_loads_only_the_pillow_plugins_it_reads() -> None:
    call = f"{CONTEXT}{STATE_IMAGE}out = handlers.classify.handler({{'image': image}}, context)\nassert out['label']"
    loaded = loaded_by("classify", call)
    assert {"onnxruntime", "PIL.WebPImagePlugin"} <= loaded
    assert sorted(name for name in (*NO_AWS_SDK, *UNUSED_PILLOW) if name in loaded) == []


def test_a_local_workers_clients_sign_with_the_invoked_functions_role() -> None:
    # The local stack's workers hand each invocation's role to the functions' own (botocore) session.
    code = (
        "from service.iam import role_credentials\n"
        "from service.iam.access import Credentials\n"
        "from service.dal.clients import client\n"
        "role_credentials.install()\n"
        "s3 = client('s3', region='us-east-1')\n"
        "role_credentials.assume(Credentials('AKIAROLE', 'secret', 'token', 'arn:aws:iam::1:role/fn'))\n"
        "print(s3._request_signer._credentials.get_frozen_credentials().access_key)"
    )
    env = {**os.environ, **ENVIRONMENT, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "AKIAOPERATOR",
           "AWS_SECRET_ACCESS_KEY": "x"}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AKIAROLE"
