"""Errors with machine-readable codes.

The class name *is* the code: Lambda reports it as `errorType`, Step Functions as the state's `Error`, and the
failed-queue message carries it as `error`. The message is the human sentence (`cause`).
"""


class SconesError(Exception):
    """Base of every error the service raises on purpose."""

    #: Transient errors are retried by the state machine before the object is failed.
    retryable: bool = False

    @property
    def code(self) -> str:
        return type(self).__name__


class InvalidEvent(SconesError):
    """The event is not an S3 "Object Created" notification this service understands."""


class ObjectNotFound(SconesError):
    """The object was deleted (or never existed) before it could be read."""


class ObjectTooLarge(SconesError):
    """The object is larger than the configured byte cap; it was not read."""


class EmptyObject(SconesError):
    """The object has zero bytes."""


class NotAnImage(SconesError):
    """The bytes are not an image in any supported format (text, HTML, random bytes...)."""


class UnsupportedImageFormat(SconesError):
    """An image format that the service does not accept."""


class CorruptImage(SconesError):
    """A recognised image whose data is truncated or damaged."""


class ImageTooManyPixels(SconesError):
    """The image declares more pixels than the cap (a decompression bomb, or simply too big)."""


class ModelUnavailable(SconesError):
    """The model backend is temporarily unavailable (throttled, 5xx, timeout)."""

    retryable = True


class ModelError(SconesError):
    """The model backend answered with something that is not a valid prediction."""


class DuplicateDelivery(SconesError):
    """The same upload was delivered again; another execution has claimed it (not a failure: no outcome)."""


class ConfigurationError(SconesError):
    """The function's environment is missing or has an invalid setting (a deployment fault, not the upload's)."""


class AccessDenied(SconesError):
    """The function's role does not allow a call its step needs (a deployment fault: the role in the template
    lacks a permission). The message names the action and the resource."""
