"""Runtime settings, read from the same environment variables the SAM template sets on the functions."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.paths import MODEL_CARD_PATH, MODEL_PATH

MiB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    results_table: str = Field(default="", alias="RESULTS_TABLE")
    review_queue_url: str = Field(default="", alias="REVIEW_QUEUE_URL")
    failed_queue_url: str = Field(default="", alias="FAILED_QUEUE_URL")
    # Claims of uploads, so a re-delivered event is processed once (empty: no claims, e.g. in unit tests).
    idempotency_table: str = Field(default="", alias="IDEMPOTENCY_TABLE")

    model_backend: Literal["onnx", "sagemaker"] = Field(default="onnx", alias="MODEL_BACKEND")
    sagemaker_endpoint_name: str = Field(default="", alias="SAGEMAKER_ENDPOINT_NAME")
    model_path: Path = Field(default=MODEL_PATH, alias="MODEL_PATH")
    model_card_path: Path = Field(default=MODEL_CARD_PATH, alias="MODEL_CARD_PATH")
    # Empty means "the model card's recommended threshold".
    confidence_threshold: float | None = Field(default=None, ge=0.0, le=1.0, alias="CONFIDENCE_THRESHOLD")

    # Limits on everything read from users.
    max_image_bytes: int = Field(default=10 * MiB, gt=0, alias="MAX_IMAGE_BYTES")
    max_image_pixels: int = Field(default=50_000_000, gt=0, alias="MAX_IMAGE_PIXELS")

    metrics_namespace: str = Field(default="Scones", alias="POWERTOOLS_METRICS_NAMESPACE")

    @field_validator("confidence_threshold", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        # The template passes an empty string when no threshold override is set.
        return None if value == "" else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process (per Lambda container)."""
    return Settings()
