"""The intake bucket's objects, read with a byte cap enforced before the body is read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from service.domain.errors import ObjectNotFound, ObjectTooLarge
from service.domain.models import ObjectRef
from service.domain.sizes import format_bytes


class ObjectMeta(ObjectRef):
    """What S3 told us about the object we read (the ETag without its quotes)."""

    size: int
    last_modified: datetime | None = None
    content_type: str | None = None


def _too_large(size: int | None, max_bytes: int) -> ObjectTooLarge:
    if size is None:
        return ObjectTooLarge(f"The object is larger than the limit of {format_bytes(max_bytes)}.")
    exact = f" ({size:,} bytes)" if size >= 1024 else ""
    limit = format_bytes(max_bytes)
    return ObjectTooLarge(f"The object is {format_bytes(size)}{exact}; the limit is {limit}.")


def read_object_capped(
    s3_client: Any, bucket: str, key: str, max_bytes: int, version_id: str | None = None
) -> tuple[bytes, ObjectMeta]:
    """Read an object's bytes, refusing anything above `max_bytes` without reading its body.

    A single GetObject gives the headers (size, ETag, version) of exactly the version whose body follows, so
    there is no window between a HEAD and a GET in which the object can be replaced. The declared length is
    checked before the body is touched; the body is then read to at most `max_bytes + 1` bytes, so memory
    stays bounded even if the declared length is wrong.
    """
    request: dict[str, str] = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    try:
        response = s3_client.get_object(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in {"NoSuchKey", "NoSuchVersion", "404", "NotFound"}:
            what = f"s3://{bucket}/{key}" + (f" (version {version_id})" if version_id else "")
            raise ObjectNotFound(
                f"The object {what} no longer exists; it was deleted before it could be read."
            ) from exc
        raise

    body = response["Body"]
    declared = response.get("ContentLength")
    try:
        if declared is not None and declared > max_bytes:
            raise _too_large(declared, max_bytes)
        data = _read_at_most(body, max_bytes + 1)
    finally:
        # Closing an unread body drops the connection instead of draining a possibly huge stream.
        body.close()
    if len(data) > max_bytes:
        raise _too_large(declared if declared and declared > max_bytes else None, max_bytes)

    meta = ObjectMeta(
        bucket=bucket,
        key=key,
        version_id=response.get("VersionId") or version_id,
        etag=(response.get("ETag") or "").strip('"') or None,
        size=len(data),
        last_modified=response.get("LastModified"),
        content_type=response.get("ContentType"),
    )
    return data, meta


def _read_at_most(body: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = body.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
