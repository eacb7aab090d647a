"""Runtime settings, read from the same environment variables the SAM template sets on the functions.

One model per function, holding exactly what that function reads, with required fields where a missing value
would silently change behaviour (no claims table means no de-duplication): each handler loads its model when its
module is imported, so a misconfigured function fails at start-up with the variable's name, never mid-flight.
`ToolSettings` is the union, for the operator tools (`scones predict`, the review desk, training's evaluation).

Why not pydantic-settings: importing it costs 75-80 ms even once pydantic, Powertools and the X-Ray SDK are loaded
(`import pydantic_settings` in fresh interpreters, median of 5, load average 13), a tenth of a cold Filter, for
what `_FromEnvironment` does in a dozen lines with the options used here: no prefix, names in any case, no .env
file (tests/unit/test_settings.py).
"""

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from service.domain.errors import ConfigurationError
from service.domain.paths import MODEL_CARD_PATH, MODEL_PATH
from service.domain.sizes import MiB


class _FromEnvironment(BaseModel):
    """Each field from the environment variable its alias names (in any case), unless given to the constructor
    (by alias or name); defaults validated too.

    Each model's validator is built when it is first loaded, not when this module is imported: a function loads one
    of these, and building all of them is a cold start cost for nothing."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, validate_default=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, given: Any) -> Any:
        if not isinstance(given, dict):
            return given
        environment = {name.lower(): value for name, value in os.environ.items()}
        values = dict(given)
        for name, field in cls.model_fields.items():
            alias = field.alias or name
            if alias not in values and name not in values and alias.lower() in environment:
                values[alias] = environment[alias.lower()]
        return values


class ImageLimits(_FromEnvironment):
    """Limits on everything read from users."""

    # Phone and camera photos run to 10-25 MB (a 48-megapixel JPEG is about 25 MB).
    max_image_bytes: int = Field(default=30 * MiB, gt=0, alias="MAX_IMAGE_BYTES")
    max_image_pixels: int = Field(default=50_000_000, gt=0, alias="MAX_IMAGE_PIXELS")


class ModelFiles(_FromEnvironment):
    model_path: Path = Field(default=MODEL_PATH, alias="MODEL_PATH")
    model_card_path: Path = Field(default=MODEL_CARD_PATH, alias="MODEL_CARD_PATH")


class SerializeSettings(ImageLimits):
    # Claims of uploads, so a re-delivered event is processed once.
    idempotency_table: str = Field(min_length=1, alias="IDEMPOTENCY_TABLE")


class ClassifySettings(ModelFiles):
    model_backend: Literal["onnx", "sagemaker"] = Field(default="onnx", alias="MODEL_BACKEND")
    sagemaker_endpoint_name: str = Field(default="", alias="SAGEMAKER_ENDPOINT_NAME")

    @model_validator(mode="after")
    def _endpoint_with_sagemaker(self) -> Self:
        if self.model_backend == "sagemaker" and not self.sagemaker_endpoint_name:
            raise ValueError("SAGEMAKER_ENDPOINT_NAME is required when MODEL_BACKEND is sagemaker")
        return self


class FilterSettings(ModelFiles):
    # Empty means "the model card's recommended threshold".
    confidence_threshold: float | None = Field(default=None, ge=0.0, le=1.0, alias="CONFIDENCE_THRESHOLD")
    # Empty means "the model card's recognition threshold" (below it: review, reason unrecognised).
    recognition_threshold: float | None = Field(default=None, ge=0.0, le=1.0, alias="RECOGNITION_THRESHOLD")
    # The share of auto-accepted images also queued for a person to check (how precision is measured).
    audit_rate: float = Field(default=0.0, ge=0.0, le=1.0, alias="AUDIT_RATE")

    @field_validator("confidence_threshold", "recognition_threshold", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # The template passes an empty string when no threshold override is set.
        return None if value == "" else value

    def threshold(self) -> float:
        """The configured threshold, else the one the model card recommends."""
        if self.confidence_threshold is not None:
            return self.confidence_threshold
        from service.domain.model_card import load_model_card  # Filter's only: not on every function's import

        return load_model_card(self.model_card_path).recommended_threshold

    def recognition(self) -> float:
        """The configured recognition threshold, else the model card's (0 for a model without the score)."""
        if self.recognition_threshold is not None:
            return self.recognition_threshold
        from service.domain.model_card import load_model_card

        return load_model_card(self.model_card_path).recognition_threshold


class ReviewMetricsSettings(_FromEnvironment):
    reviews_table: str = Field(min_length=1, alias="REVIEWS_TABLE")


class ObservabilitySettings(_FromEnvironment):
    metrics_namespace: str = Field(default="Scones", alias="POWERTOOLS_METRICS_NAMESPACE")


class ToolSettings(ImageLimits, ClassifySettings, FilterSettings):
    """Everything but the function-only resources, for the tools that classify and review on a laptop."""


_Settings = TypeVar("_Settings", bound=_FromEnvironment)


def _load(model: type[_Settings]) -> _Settings:
    try:
        return model()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        raise ConfigurationError(f"{model.__name__} from the environment is invalid: {problems}.") from error


# Read once per process (per Lambda container); tests clear the caches to re-read the environment.
@lru_cache(maxsize=1)
def serialize_settings() -> SerializeSettings:
    return _load(SerializeSettings)


@lru_cache(maxsize=1)
def classify_settings() -> ClassifySettings:
    return _load(ClassifySettings)


@lru_cache(maxsize=1)
def filter_settings() -> FilterSettings:
    return _load(FilterSettings)


@lru_cache(maxsize=1)
def review_metrics_settings() -> ReviewMetricsSettings:
    return _load(ReviewMetricsSettings)


@lru_cache(maxsize=1)
def observability_settings() -> ObservabilitySettings:
    return _load(ObservabilitySettings)


@lru_cache(maxsize=1)
def get_settings() -> ToolSettings:
    return _load(ToolSettings)


def clear_caches() -> None:
    for loader in (
        serialize_settings,
        classify_settings,
        filter_settings,
        review_metrics_settings,
        observability_settings,
        get_settings,
        review_api_settings,
    ):
        loader.cache_clear()


class ReviewApiSettings(ImageLimits, ModelFiles):
    """The review API's function: the review desk's resources and the user pool whose tokens it is given."""

    results_table: str = Field(min_length=1, alias="RESULTS_TABLE")
    reviews_table: str = Field(min_length=1, alias="REVIEWS_TABLE")
    review_queue_url: str = Field(min_length=1, alias="REVIEW_QUEUE_URL")
    intake_bucket: str = Field(min_length=1, alias="INTAKE_BUCKET")
    user_pool_client_id: str = Field(min_length=1, alias="USER_POOL_CLIENT_ID")
    #: The pool asked whether a token still counts (revocation) and for its user's current groups.
    user_pool_id: str = Field(min_length=1, alias="USER_POOL_ID")
    #: How long the pool's answer about one token is trusted: revocation takes effect within this time.
    token_check_ttl_s: float = Field(default=60.0, gt=0, le=60, alias="TOKEN_CHECK_TTL_S")
    region: str = Field(min_length=1, alias="AWS_REGION")
    #: Where the page signs in: Cognito's regional endpoint unless set (the local stack's sets its own).
    cognito_endpoint: str = Field(default="", alias="COGNITO_ENDPOINT")
    #: Where decisions are announced (Image Reviewed); empty for a stack without an outcome bus.
    event_bus_name: str = Field(default="", alias="EVENT_BUS_NAME")
    metrics_namespace: str = Field(default="Scones", alias="POWERTOOLS_METRICS_NAMESPACE")
    #: How many items one reviewer may hold at once (template parameter MaxLeasesPerReviewer).
    max_leases: int = Field(default=1, ge=1, le=100, alias="MAX_LEASES_PER_REVIEWER")
    #: The longest one lease may last, renewals included.
    max_lease_age_s: int = Field(default=3600, ge=60, le=43_200, alias="MAX_LEASE_AGE_S")

    def sign_in_endpoint(self) -> str:
        return self.cognito_endpoint or f"https://cognito-idp.{self.region}.amazonaws.com/"


@lru_cache(maxsize=1)
def review_api_settings() -> ReviewApiSettings:
    return _load(ReviewApiSettings)
