"""The intake bucket's objects: which key an event means, and reads with a byte cap enforced before the body."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from service.dal.denials import access_denied, is_denied
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


_MISSING = {"NoSuchKey", "NoSuchVersion", "404", "NotFound"}


def resolve_key(
    s3_client: Any, bucket: str, candidates: Sequence[str], version_id: str | None, etag: str | None
) -> str:
    """The candidate key (see `service.pipeline.events.key_candidates`) that holds the event's write.

    The bucket is asked, by the event's own version id (else by its ETag), about each candidate in turn, the key
    as delivered first; the first that holds that write wins. With both `a+b.jpg` and `a b.jpg` in a versioned
    bucket the version id tells them apart; unversioned, two keys with the same content both match and the key
    as delivered is taken. A single candidate is returned unasked (reading it reports a missing object). None
    matching is `ObjectNotFound`.
    """
    if len(candidates) == 1:
        return candidates[0]
    for key in candidates:
        if _holds(s3_client, bucket, key, version_id, etag):
            return key
    wanted = f"version {version_id}" if version_id and version_id != "null" else f"ETag {etag}"
    names = " nor ".join(repr(key) for key in candidates)
    raise ObjectNotFound(
        f"Neither {names} in s3://{bucket} holds the uploaded object ({wanted}); it was deleted or replaced "
        "before it could be read."
    )


def _holds(s3_client: Any, bucket: str, key: str, version_id: str | None, etag: str | None) -> bool:
    request: dict[str, str] = {"Bucket": bucket, "Key": key}
    versioned = bool(version_id) and version_id != "null"
    if versioned and version_id:
        request["VersionId"] = version_id
    try:
        head = s3_client.head_object(**request)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if is_denied(exc):
            # S3 answers 403, not 404, for a missing key too when the role may not list the bucket: denied is
            # never taken for "not this key".
            raise _denied_read(exc, bucket, key, version_id if versioned else None) from exc
        # A version id of another key can be refused as malformed (400) rather than unknown (404).
        if code in _MISSING or (versioned and code in {"400", "InvalidArgument", "BadRequest"}):
            return False
        raise
    if versioned and head.get("VersionId") != version_id:
        return False
    return not etag or (head.get("ETag") or "").strip('"') == etag


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
        if code in _MISSING:
            what = f"s3://{bucket}/{key}" + (f" (version {version_id})" if version_id else "")
            raise ObjectNotFound(
                f"The object {what} no longer exists; it was deleted before it could be read."
            ) from exc
        if is_denied(exc):
            raise _denied_read(exc, bucket, key, version_id) from exc
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


def _denied_read(error: ClientError, bucket: str, key: str, version_id: str | None) -> Exception:
    action = "s3:GetObjectVersion" if version_id else "s3:GetObject"
    denied = access_denied(error, action, f"arn:aws:s3:::{bucket}/{key}")
    hint = " (S3 also answers so for a missing key when the role may not s3:ListBucket)"
    return type(denied)(str(denied) + hint)


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
