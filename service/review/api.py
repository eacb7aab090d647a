"""What the review API does beyond the review desk's rules: who is calling (from the token's claims, never the
request), what they may do (the user pool's groups), the page's files and settings, and the images, decoded and
re-encoded (never the uploaded bytes).

The caller is named by the access token: its `username`, which is the reviewer's email (the user pool's user
names are email addresses, set by `scones reviewers add`), with its `sub` kept beside it. An access token carries
no `email` claim, and the pool does not use email as an alias (then `username` would be a generated id), so the
user name is the one claim that is both the email and in every access token.
"""

from __future__ import annotations

import base64
import io
import json
import time
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.dal.clients import client, unsigned_client
from service.dal.event_bus import EventBus
from service.dal.objects import read_object_capped
from service.dal.user_pool import ADMINS_GROUP, REVIEWERS_GROUP, UserPool
from service.domain.model_card import load_model_card
from service.domain.paths import REVIEW_PAGE_DIR
from service.review.access import AccessCheck
from service.review.desk import MAX_KEY_LENGTH, PendingItem, ReviewDesk
from service.runtime.outcome_publisher import OutcomePublisher
from service.runtime.settings import ReviewApiSettings

#: Request bodies are a key, a version and a label: anything larger is refused before it is parsed.
MAX_BODY_BYTES = 4096
#: A body is a flat object: deeper nesting is refused before any parser recurses into it.
MAX_BODY_DEPTH = 8
#: An S3 version id is at most 1024 bytes; an upload_id adds an ETag and a time.
MAX_VERSION_LENGTH = 1200
PENDING_PAGE_SIZE = 24
#: How old the list's `waiting` count may be.
WAITING_TTL_S = 15.0
#: Images are shown enlarged on the page; larger uploads are scaled down to this side before serving.
MAX_DISPLAY_SIDE = 512
#: The largest side served at "full" resolution (the pipeline's pixel cap bounds what is decoded).
MAX_FULL_SIDE = 4096
PAGE_FILES: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/review.js": ("review.js", "text/javascript; charset=utf-8"),
    "/review.css": ("review.css", "text/css; charset=utf-8"),
}


class Reviewer(BaseModel):
    """The signed-in person, as the token names them."""

    email: str
    sub: str
    groups: frozenset[str] = frozenset()

    @property
    def may_review(self) -> bool:
        return bool(self.groups & {REVIEWERS_GROUP, ADMINS_GROUP})

    @property
    def is_admin(self) -> bool:
        return ADMINS_GROUP in self.groups

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Reviewer | None:
        """None when the claims do not name a user (a token of another kind)."""
        email, sub = claims.get("username"), claims.get("sub")
        if not isinstance(email, str) or not email or not isinstance(sub, str) or not sub:
            return None
        return cls(email=email.strip().lower(), sub=sub, groups=frozenset(_groups(claims.get("cognito:groups"))))


def _groups(value: Any) -> list[str]:
    """API Gateway's HTTP API hands a list claim to the function as one string, "[admins reviewers]"; a list is
    taken as it is."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        return value.strip().strip("[]").replace(",", " ").split()
    return []


class ResolveBody(BaseModel):
    # Extra fields (a `reviewer`, say) are ignored: the reviewer is the signed-in user.
    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    version_id: str | None = Field(default=None, max_length=MAX_VERSION_LENGTH)
    label: str = Field(min_length=1, max_length=64)


class KeyBody(BaseModel):
    """One item: a key and, since every write of a key is an item of its own, which write (the page sends the
    item's `upload_id`; an S3 version id is accepted too)."""

    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    version_id: str | None = Field(default=None, max_length=MAX_VERSION_LENGTH)


class PendingList(BaseModel):
    labels: list[str]
    shortcuts: dict[str, str] = Field(description="One key per label (b = bicycle, m = motorcycle, o = other).")
    reviewer: str
    items: list[PendingItem]
    cursor: str | None = Field(
        default=None, description="Pass back as `cursor` for the next page (same `reason`); null on the last page."
    )
    waiting: int = Field(
        default=0, description="How many items wait for review in all (every reason, held or not; up to 15 s old)."
    )
    max_leases: int = Field(default=1, description="How many items one reviewer may hold at once.")


class Me(BaseModel):
    email: str
    sub: str
    groups: list[str]
    decisions_today: int = Field(description="This reviewer's decisions since midnight UTC.")


class PasswordPolicy(BaseModel):
    """The reviewer pool's password rules, as infra/template.yaml declares them (ReviewerPool, Policies): the page
    names each unmet rule before the pool is asked. A test keeps these equal to the template's."""

    minimum_length: int = 14
    require_lowercase: bool = True
    require_uppercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = True


class PageConfig(BaseModel):
    """What the page needs to sign in: served from its own origin, read before anything else."""

    region: str
    user_pool_client_id: str
    cognito_endpoint: str
    api_base: str = ""
    password_policy: PasswordPolicy = Field(default_factory=PasswordPolicy)


class NotWaitingError(Exception):
    """The image asked for is not a write waiting for review."""


class ReviewService:
    """The review desk and the intake bucket, as the API's routes use them."""

    def __init__(self, settings: ReviewApiSettings, dynamodb: Any = None, sqs: Any = None, s3: Any = None) -> None:
        self.settings = settings
        self.desk = ReviewDesk(
            dynamodb or client("dynamodb"),
            sqs or client("sqs"),
            settings.results_table,
            settings.reviews_table,
            settings.review_queue_url,
            load_model_card(settings.model_card_path).classes,
            outcomes=_publisher(settings),
            max_leases=settings.max_leases,
            max_lease_age_s=settings.max_lease_age_s,
        )
        self._s3 = s3 or client("s3")
        self._waiting: tuple[float, int] | None = None
        pool = UserPool(client("cognito-idp"), settings.user_pool_id, public=unsigned_client("cognito-idp"))
        self.access = AccessCheck(pool, settings.token_check_ttl_s)

    def waiting(self) -> int:
        """How many items wait, counted at most once every WAITING_TTL_S per container: a count reads the whole
        pending index (at 10,000 items, many pages), where a page of the list reads one."""
        now = time.monotonic()
        if self._waiting is None or now - self._waiting[0] >= WAITING_TTL_S:
            self._waiting = (now, self.desk.reviews.count_pending())
        return self._waiting[1]

    def shortcuts(self) -> dict[str, str]:
        taken: dict[str, str] = {}
        for label in self.desk.labels:
            letter = next((c for c in label.lower() if c.isalnum() and c not in taken), None)
            if letter:
                taken[letter] = label
        return taken

    def pending(
        self,
        reviewer: Reviewer,
        cursor: str | None = None,
        reason: str | None = None,
        limit: int = PENDING_PAGE_SIZE,
    ) -> PendingList:
        page = self.desk.pending(limit=limit, cursor=cursor, reason=reason, viewer=reviewer.email)
        items = [i for i in page.items if i.bucket == self.settings.intake_bucket]
        return PendingList(
            labels=list(self.desk.labels),
            shortcuts=self.shortcuts(),
            reviewer=reviewer.email,
            items=items,
            cursor=page.cursor,
            waiting=self.waiting(),
            max_leases=self.desk.max_leases,
        )

    def me(self, reviewer: Reviewer, now: datetime | None = None) -> Me:
        midnight = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
        today = self.desk.reviews.decided_count(reviewer.email, midnight)
        return Me(email=reviewer.email, sub=reviewer.sub, groups=sorted(reviewer.groups), decisions_today=today)

    def image_png(self, key: str, upload_id: str, full: bool = False) -> bytes:
        """The pending write `upload_id` of `key` as a PNG (decoded with the pipeline's limits, then re-encoded):
        that write's own version, not whatever the key holds now. Only writes waiting for review are served."""
        if not key or len(key.encode("utf-8")) > MAX_KEY_LENGTH or not upload_id:
            raise NotWaitingError(key)
        item = self.desk.reviews.get(key, upload_id)
        if item is None or item.status != "pending" or item.bucket != self.settings.intake_bucket:
            raise NotWaitingError(key)
        # Imported on the first image: decoding brings numpy and Pillow's plugins, which the other routes (and a
        # cold start that only lists or decides) do without.
        from service.images.decode import load_image

        version = item.version_id if item.version_id and item.version_id != "null" else None
        data, _ = read_object_capped(self._s3, item.bucket, key, self.settings.max_image_bytes, version_id=version)
        image = load_image(data, self.settings.max_image_pixels)
        side = MAX_FULL_SIDE if full else MAX_DISPLAY_SIDE
        image.thumbnail((side, side))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()


def page_config(settings: ReviewApiSettings) -> PageConfig:
    return PageConfig(
        region=settings.region,
        user_pool_client_id=settings.user_pool_client_id,
        cognito_endpoint=settings.sign_in_endpoint(),
    )


def page_file(path: str) -> tuple[bytes, str] | None:
    found = PAGE_FILES.get(path)
    if found is None:
        return None
    name, content_type = found
    return (REVIEW_PAGE_DIR / name).read_bytes(), content_type


def security_headers(settings: ReviewApiSettings) -> dict[str, str]:
    """The page's strict policy: its own scripts and styles only, images it made itself (blob: URLs of what the API
    returned), and connections to its own origin and to the sign-in endpoint alone."""
    sign_in = settings.sign_in_endpoint().rstrip("/")
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
            f"connect-src 'self' {sign_in}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    }


def _answer(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": message}),
        "isBase64Encoded": False,
    }


def refusal(event: dict[str, Any], access: AccessCheck | None = None) -> dict[str, Any] | None:
    """The answer to a request that must not reach a route (before its body is even parsed), else None: 413 for
    a body above the cap (in bytes); on every /api/ route 401 without a user in the claims (the authorizer lets
    none through on AWS) or, with `access`, when the pool no longer honours the token, 403 for a user in neither
    group (their groups now, with `access`) and for a non-admin on /api/stats; then 400 for a body that is not
    UTF-8 JSON of a sane depth."""
    path = str(event.get("rawPath") or "")
    raw = _raw_body(event)
    if isinstance(raw, dict):
        return raw
    if path.startswith("/api/"):
        reviewer = current_reviewer(event, access)
        if reviewer is None:
            return _answer(401, "Unauthorized")
        if not reviewer.may_review:
            return _answer(403, f"{reviewer.email} is in neither the {REVIEWERS_GROUP} nor the {ADMINS_GROUP} group.")
        if path == "/api/stats" and not reviewer.is_admin:
            return _answer(403, f"The review figures are for the {ADMINS_GROUP} group.")
    return _body_problem(raw)


def current_reviewer(event: dict[str, Any], access: AccessCheck | None) -> Reviewer | None:
    """The caller as the token's claims name them; with `access`, only if the pool still honours the token, and
    with the groups the pool gives them now. None: not a user, or no longer one."""
    claims = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt", {}).get("claims") or {}
    reviewer = Reviewer.from_claims(claims) if isinstance(claims, dict) else None
    if reviewer is None or access is None:
        return reviewer
    headers = event.get("headers") or {}
    authorization = next((str(v) for k, v in headers.items() if str(k).lower() == "authorization"), "")
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        return None
    answer = access.of(token)
    if answer.username is None or answer.username.strip().lower() != reviewer.email:
        return None
    return reviewer.model_copy(update={"groups": answer.groups})


def _raw_body(event: dict[str, Any]) -> bytes | dict[str, Any]:
    """The body's bytes, or the answer to a body above MAX_BODY_BYTES (counted in bytes, not characters)."""
    text = str(event.get("body") or "")
    too_large = _answer(413, f"A request body is at most {MAX_BODY_BYTES} bytes.")
    if event.get("isBase64Encoded"):
        if len(text) > MAX_BODY_BYTES * 4 // 3 + 4:
            return too_large
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            return _answer(400, "The request body is not valid base64.")
    else:
        raw = text.encode("utf-8", errors="surrogatepass")
    return too_large if len(raw) > MAX_BODY_BYTES else raw


def _body_problem(raw: bytes) -> dict[str, Any] | None:
    """400 for a body that is not UTF-8 JSON nested at most MAX_BODY_DEPTH deep; None for none or a sound one."""
    if not raw:
        return None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _answer(400, "The request body is not UTF-8 text.")
    if _depth(decoded) > MAX_BODY_DEPTH:
        return _answer(400, "The request body is nested too deeply (it is one object: a key, a version, a label).")
    try:
        json.loads(decoded)
    except ValueError:
        return _answer(400, "The request body is not JSON.")
    return None


def _depth(text: str) -> int:
    """The deepest bracket nesting in `text`, strings skipped (no recursion, so no RecursionError)."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _publisher(settings: ReviewApiSettings) -> OutcomePublisher | None:
    """Decisions made through the API are announced like the CLI's (Image Reviewed on the stack's bus)."""
    if not settings.event_bus_name:
        return None
    bus = EventBus(client("events"), settings.event_bus_name)
    return OutcomePublisher(bus, client("cloudwatch"), namespace=settings.metrics_namespace)
