"""The SageMaker backend against a stubbed sagemaker-runtime client: requests, answers and error mapping."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from PIL import Image

from service.domain.classifier import Classifier
from service.domain.errors import ModelError, ModelUnavailable
from service.pipeline.backends.sagemaker import CLIENT_CONFIG, SageMakerClassifier

ENDPOINT = "scones-image-classification"
CLASSES = ("bicycle", "motorcycle")
VERSION = "sagemaker-ic-2024-01"


@functools.cache
def _boto_session() -> boto3.session.Session:
    # Shared, so the service model is loaded once rather than for every test's client.
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")


def _runtime_client(config: Config | None = None) -> Any:
    # No retries unless a test asks for the production config, so error tests answer at once.
    return _boto_session().client("sagemaker-runtime", config=config or Config(retries={"total_max_attempts": 1}))


def _body(payload: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(payload), len(payload))


def _image(color: tuple[int, int, int] = (200, 30, 30)) -> Image.Image:
    return Image.new("RGB", (32, 32), color)


@pytest.fixture
def runtime() -> Iterator[tuple[Any, Stubber]]:
    client = _runtime_client()
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _classifier(client: Any) -> SageMakerClassifier:
    return SageMakerClassifier(ENDPOINT, CLASSES, VERSION, client=client)


def test_is_a_classifier(runtime: tuple[Any, Stubber]) -> None:
    client, _ = runtime
    classifier: Classifier = _classifier(client)
    assert classifier.classes == CLASSES
    assert classifier.model_version == VERSION


def test_predict_sends_one_png_per_image_and_reads_json_probabilities(runtime: tuple[Any, Stubber]) -> None:
    client, stubber = runtime
    sent: list[dict[str, Any]] = []
    client.meta.events.register(
        "before-parameter-build.sagemaker-runtime.InvokeEndpoint",
        lambda params, **_: sent.append(dict(params)),
    )
    for answer in ([0.9, 0.1], [0.25, 0.75]):
        stubber.add_response(
            "invoke_endpoint",
            {"Body": _body(json.dumps(answer).encode()), "ContentType": "application/json"},
        )

    images = [_image((250, 0, 0)), _image((0, 0, 250)).convert("L")]
    predictions = _classifier(client).predict(images)

    assert [p.label for p in predictions] == ["bicycle", "motorcycle"]
    assert [p.confidence for p in predictions] == [0.9, 0.75]
    assert predictions[1].probabilities == {"bicycle": 0.25, "motorcycle": 0.75}
    assert {p.model_version for p in predictions} == {VERSION}
    assert len(sent) == 2
    for request, original in zip(sent, images, strict=True):
        assert request["EndpointName"] == ENDPOINT
        assert request["ContentType"] == "application/x-image"
        assert request["Accept"] == "application/json"
        decoded = Image.open(io.BytesIO(request["Body"]))
        assert decoded.format == "PNG"
        assert decoded.mode == "RGB"
        assert decoded.tobytes() == original.convert("RGB").tobytes()


def test_no_images_no_requests(runtime: tuple[Any, Stubber]) -> None:
    client, _ = runtime
    assert _classifier(client).predict([]) == []


@pytest.mark.parametrize(
    ("code", "status", "modeled"),
    [
        ("ThrottlingException", 400, None),
        ("ServiceUnavailable", 503, None),
        ("InternalFailure", 500, None),
        ("InternalDependencyException", 530, None),
        ("ModelNotReadyException", 429, None),
        ("ModelError", 424, {"OriginalStatusCode": 500, "OriginalMessage": "worker died"}),
        ("ModelError", 424, {"OriginalStatusCode": 503, "OriginalMessage": "busy"}),
    ],
)
def test_transient_errors_are_model_unavailable(
    runtime: tuple[Any, Stubber], code: str, status: int, modeled: dict[str, Any] | None
) -> None:
    client, stubber = runtime
    stubber.add_client_error(
        "invoke_endpoint", service_error_code=code, service_message="try later", http_status_code=status,
        modeled_fields=modeled,
    )  # fmt: skip
    with pytest.raises(ModelUnavailable, match=ENDPOINT) as caught:
        _classifier(client).predict([_image()])
    assert caught.value.retryable
    assert caught.value.code == "ModelUnavailable"


@pytest.mark.parametrize(
    ("code", "status", "modeled"),
    [
        ("ModelError", 424, {"OriginalStatusCode": 400, "OriginalMessage": "bad image"}),
        ("ValidationError", 400, None),
    ],
)
def test_rejections_are_model_errors(
    runtime: tuple[Any, Stubber], code: str, status: int, modeled: dict[str, Any] | None
) -> None:
    client, stubber = runtime
    stubber.add_client_error(
        "invoke_endpoint", service_error_code=code, service_message="no", http_status_code=status,
        modeled_fields=modeled,
    )  # fmt: skip
    with pytest.raises(ModelError, match=ENDPOINT) as caught:
        _classifier(client).predict([_image()])
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>oops</html>", "not JSON"),
        (b'{"bicycle": 0.5, "motorcycle": 0.5}', "dict, not a list"),
        (b"[0.2, 0.3, 0.5]", "3 probabilities for 2 classes"),
        (b"[1.0]", "1 probabilities for 2 classes"),
        (b'["0.5", "0.5"]', "non-numeric"),
        (b"[true, false]", "non-numeric"),
        (b"[1.5, -0.5]", r"outside \[0, 1\]"),
        (b"[0.2, 0.2]", "sum to 0.4000"),
    ],
)
def test_malformed_answers_are_model_errors(runtime: tuple[Any, Stubber], body: bytes, reason: str) -> None:
    client, stubber = runtime
    stubber.add_response("invoke_endpoint", {"Body": _body(body)})
    with pytest.raises(ModelError, match=reason) as caught:
        _classifier(client).predict([_image()])
    assert not caught.value.retryable


def test_a_single_nested_list_is_accepted(runtime: tuple[Any, Stubber]) -> None:
    client, stubber = runtime
    stubber.add_response("invoke_endpoint", {"Body": _body(b"[[0.3, 0.7]]")})
    [prediction] = _classifier(client).predict([_image()])
    assert prediction.label == "motorcycle"


@pytest.mark.parametrize(
    "failure",
    [
        ReadTimeoutError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"),
        EndpointConnectionError(endpoint_url="https://runtime.sagemaker.us-east-1.amazonaws.com"),
    ],
    ids=["read-timeout", "connect-timeout", "connection"],
)
def test_network_failures_are_model_unavailable(failure: Exception) -> None:
    # Raised where the HTTP request would be sent, so botocore's own error handling sees them as on the wire.
    client = _runtime_client()

    def fail(**_: Any) -> None:
        raise failure

    client.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint", fail)
    with pytest.raises(ModelUnavailable, match=f"{ENDPOINT} could not be reached") as caught:
        _classifier(client).predict([_image()])
    assert caught.value.retryable


def test_production_client_config_retries_once_then_gives_up() -> None:
    assert CLIENT_CONFIG.connect_timeout + CLIENT_CONFIG.read_timeout < 15
    client = _runtime_client(CLIENT_CONFIG)
    attempts: list[str] = []

    def time_out(request: Any, **_: Any) -> None:
        attempts.append(request.url)
        raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register("before-send.sagemaker-runtime.InvokeEndpoint", time_out)
    with pytest.raises(ModelUnavailable):
        _classifier(client).predict([_image()])
    assert len(attempts) == 2
    assert attempts[0].endswith(f"/endpoints/{ENDPOINT}/invocations")


@pytest.mark.parametrize(("endpoint", "classes"), [("", CLASSES), (ENDPOINT, ("bicycle",))])
def test_rejects_an_unusable_configuration(endpoint: str, classes: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        SageMakerClassifier(endpoint, classes, VERSION, client=object())
