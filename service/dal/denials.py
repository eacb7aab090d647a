"""AccessDenied from any AWS service, as the service's own error: the action and the resource in its message."""

from __future__ import annotations

from botocore.exceptions import ClientError

from service.domain.errors import AccessDenied

#: How services say "your role may not": S3 answers a HEAD with a bare 403.
_DENIED = {"AccessDenied", "AccessDeniedException", "403", "Forbidden"}


def is_denied(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code", "")) in _DENIED


def access_denied(error: ClientError, action: str, resource: str) -> AccessDenied:
    detail = str(error.response.get("Error", {}).get("Message") or "").strip()
    sentence = f"The function's role may not {action} on {resource}"
    return AccessDenied(f"{sentence}: {detail}" if detail and detail != "Forbidden" else f"{sentence}.")
