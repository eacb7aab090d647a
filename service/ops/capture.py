"""A SageMaker endpoint's data capture, read back: what the endpoint answered, and when.

Model Monitor writes JSON lines under the capture prefix, one file per few minutes, at
`<prefix>/<endpoint>/<variant>/yyyy/mm/dd/hh/<id>.jsonl`. Each line holds one request and its response:

    {"captureData": {"endpointInput": {"observedContentType": "application/x-image", "mode": "INPUT",
                                       "data": "<base64>", "encoding": "BASE64"},
                     "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT",
                                        "data": "<base64 of [0.1, 0.9]>", "encoding": "BASE64"}},
     "eventMetadata": {"eventId": "...", "inferenceTime": "2026-11-22T10:00:00Z"}, "eventVersion": "0"}

The built-in image-classification algorithm answers a JSON list of probabilities in class-index order.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

_S3_URI = re.compile(r"^s3://([^/]+)/?(.*)$")


class CapturedInference(BaseModel):
    """One captured endpoint answer."""

    event_id: str
    inference_time: datetime
    label: str
    confidence: float = Field(ge=0.0, le=1.0)


class CapturePayload(BaseModel):
    observed_content_type: str = Field(default="", alias="observedContentType")
    data: str
    encoding: str = "BASE64"

    def text(self) -> str:
        # CSV and JSON payloads are stored as they were; anything else (images, binary answers) as base64.
        return base64.b64decode(self.data).decode("utf-8") if self.encoding.upper() == "BASE64" else self.data


def split_s3_uri(uri: str) -> tuple[str, str]:
    match = _S3_URI.match(uri)
    if not match:
        raise ValueError(f"{uri!r} is not an s3://bucket/prefix URI")
    return match.group(1), match.group(2)


def parse_capture_line(line: str, classes: tuple[str, ...]) -> CapturedInference | None:
    """One capture record; None for a record without a usable probability list (e.g. an error answer)."""
    try:
        record = json.loads(line)
        output = CapturePayload.model_validate(record["captureData"]["endpointOutput"])
        probabilities = json.loads(output.text())
        metadata = record["eventMetadata"]
    except (ValueError, KeyError, TypeError):
        return None
    if isinstance(probabilities, dict):  # some containers answer {"prediction": [...]}
        probabilities = probabilities.get("prediction") or probabilities.get("probabilities")
    if not isinstance(probabilities, list) or not probabilities:
        return None
    best = max(range(len(probabilities)), key=lambda i: float(probabilities[i]))
    moment = datetime.fromisoformat(str(metadata["inferenceTime"]).replace("Z", "+00:00"))
    return CapturedInference(
        event_id=str(metadata.get("eventId", "")),
        inference_time=moment if moment.tzinfo else moment.replace(tzinfo=UTC),
        label=classes[best] if best < len(classes) else str(best),
        confidence=min(1.0, max(0.0, float(probabilities[best]))),
    )


def read_capture(
    s3: Any, uri: str, classes: tuple[str, ...], since: datetime | None = None, limit: int = 10_000
) -> list[CapturedInference]:
    """The most recent captured answers under `uri` (at most `limit`), oldest first."""
    bucket, prefix = split_s3_uri(uri)
    objects = [
        item
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for item in page.get("Contents", [])
        if item["Key"].endswith(".jsonl") and (since is None or item["LastModified"] >= since)
    ]
    found: list[CapturedInference] = []
    # Newest files first, so that `limit` keeps the most recent answers without reading everything (the key,
    # yyyy/mm/dd/hh/..., orders files written within the same second).
    for item in sorted(objects, key=lambda o: (o["LastModified"], o["Key"]), reverse=True):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8")
        for line in body.splitlines():
            captured = parse_capture_line(line, classes) if line.strip() else None
            if captured is not None and (since is None or captured.inference_time >= since):
                found.append(captured)
        if len(found) >= limit:
            break
    return sorted(found, key=lambda c: c.inference_time)[-limit:]
