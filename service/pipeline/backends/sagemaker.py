"""A SageMaker real-time endpoint as the model: InvokeEndpoint with the image, JSON probabilities back.

The endpoint runs SageMaker's built-in image-classification algorithm, which takes `application/x-image`
(an encoded image) and answers `application/json`: a list of probabilities in class-index order. Only boto3 is
needed here; the SageMaker SDK is for launching training (training/sagemaker_job.py).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError
from PIL import Image

from service.domain.errors import ModelError, ModelUnavailable
from service.domain.models import Prediction

CONTENT_TYPE = "application/x-image"
ACCEPT = "application/json"
# Probabilities from a float32 softmax sum to 1 within rounding; anything further off is not a distribution.
PROBABILITY_SUM_TOLERANCE = 1e-3

# The Classify function has a 30 s timeout and the state machine retries ModelUnavailable with backoff, so
# the client fails fast rather than outlive the Lambda: 2 attempts x (2 s connect + 10 s read) < 30 s.
# A 32x32 image is classified in milliseconds, so 10 s only trips on a stuck endpoint. Standard retry mode
# retries throttling, 5xx and timeouts once, with jitter; longer backoff is the state machine's job.
CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=10,
    retries={"mode": "standard", "total_max_attempts": 2},
)

# Error codes that mean "try again later", whatever their HTTP status.
TRANSIENT_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "InternalDependencyException",
        "ModelNotReadyException",
        "RequestTimeout",
    }
)


class SageMakerClassifier:
    """`service.domain.classifier.Classifier` backed by a SageMaker endpoint (one InvokeEndpoint per image)."""

    def __init__(
        self,
        endpoint_name: str,
        classes: tuple[str, ...],
        model_version: str,
        client: Any | None = None,
    ) -> None:
        if not endpoint_name:
            raise ValueError("a SageMaker endpoint name is required (SAGEMAKER_ENDPOINT_NAME)")
        if len(classes) < 2:
            raise ValueError(f"a classifier needs at least two classes, got {classes}")
        self._endpoint_name = endpoint_name
        self._classes = tuple(classes)
        self._model_version = model_version
        self._client = client or boto3.client("sagemaker-runtime", config=CLIENT_CONFIG)

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    @property
    def model_version(self) -> str:
        return self._model_version

    @property
    def endpoint_name(self) -> str:
        return self._endpoint_name

    def predict(self, images: Sequence[Image.Image]) -> list[Prediction]:
        return [self._predict_one(image) for image in images]

    def _predict_one(self, image: Image.Image) -> Prediction:
        body = self._invoke(encode_png(image))
        probabilities = parse_probabilities(body, len(self._classes), self._endpoint_name)
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        return Prediction(
            label=self._classes[best],
            confidence=probabilities[best],
            probabilities=dict(zip(self._classes, probabilities, strict=True)),
            model_version=self._model_version,
        )

    def _invoke(self, payload: bytes) -> bytes:
        try:
            response = self._client.invoke_endpoint(
                EndpointName=self._endpoint_name,
                ContentType=CONTENT_TYPE,
                Accept=ACCEPT,
                Body=payload,
            )
            return response["Body"].read()
        except ClientError as error:
            raise _map_client_error(error, self._endpoint_name) from error
        except (HTTPClientError, BotocoreConnectionError) as error:
            # Read/connect timeouts, refused or dropped connections: the endpoint may answer on a retry.
            raise ModelUnavailable(
                f"The SageMaker endpoint {self._endpoint_name} could not be reached ({type(error).__name__})."
            ) from error


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    (image if image.mode == "RGB" else image.convert("RGB")).save(buffer, format="PNG")
    return buffer.getvalue()


def _map_client_error(error: ClientError, endpoint_name: str) -> ModelUnavailable | ModelError:
    details = error.response.get("Error", {})
    code = str(details.get("Code", "Unknown"))
    message = str(details.get("Message", "")).strip() or "no message"
    http_status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code == "ModelError":
        # The container's own status: 5xx (or 429) is the model failing or overloaded, 4xx rejects the input.
        original = int(error.response.get("OriginalStatusCode") or 0)
        if original >= 500 or original == 429:
            return ModelUnavailable(
                f"The model behind SageMaker endpoint {endpoint_name} failed ({original}): {message}"
            )
        return ModelError(f"The model behind SageMaker endpoint {endpoint_name} rejected the image: {message}")
    if code in TRANSIENT_ERROR_CODES or http_status >= 500:
        return ModelUnavailable(f"SageMaker endpoint {endpoint_name} is unavailable ({code}): {message}")
    return ModelError(f"SageMaker endpoint {endpoint_name} refused the request ({code}): {message}")


def parse_probabilities(body: bytes, n_classes: int, endpoint_name: str) -> list[float]:
    """The endpoint's JSON answer as a probability per class, or ModelError saying what is wrong with it."""
    who = f"SageMaker endpoint {endpoint_name}"
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise ModelError(f"{who} answered something that is not JSON.") from error
    # Some containers wrap a single prediction in an outer list: [[p0, p1]].
    if isinstance(answer, list) and len(answer) == 1 and isinstance(answer[0], list):
        answer = answer[0]
    if not isinstance(answer, list):
        raise ModelError(f"{who} answered a {type(answer).__name__}, not a list of probabilities.")
    if len(answer) != n_classes:
        raise ModelError(f"{who} answered {len(answer)} probabilities for {n_classes} classes.")
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in answer):
        raise ModelError(f"{who} answered non-numeric probabilities: {answer!r:.200}")
    probabilities = [float(value) for value in answer]
    if not all(math.isfinite(value) and 0.0 <= value <= 1.0 for value in probabilities):
        raise ModelError(f"{who} answered values outside [0, 1]: {probabilities!r:.200}")
    if abs(sum(probabilities) - 1.0) > PROBABILITY_SUM_TOLERANCE:
        raise ModelError(f"{who} answered probabilities that sum to {sum(probabilities):.4f}, not 1.")
    return probabilities
