"""The review page: a small HTTP server on 127.0.0.1 in front of `service.pipeline.review_desk`.

    GET  /                  the page (static/index.html, review.js, review.css)
    GET  /api/pending       {"labels": [...], "shortcuts": {...}, "items": [PendingItem, ...]} (the grid: 24)
    GET  /api/image?key=K&version=U   the write U (an item's upload_id) of K, re-encoded as PNG; only for
                            writes that are waiting for review (&size=full: at full resolution, for the one view)
    POST /api/next          {} -> {"lease": Lease | null}: the next item, leased to this page's reviewer
    POST /api/renew         {"key": K, "version_id": U} -> {"lease": Lease} (renewed while the page shows it)
    POST /api/release       {"key": K, "version_id": U} -> {}
    POST /api/resolve       {"key": K, "version_id": U, "label": L} -> {"outcome": ..., "record": ...}
    POST /api/undo          {"key": K, "version_id": U} -> {"item": PendingItem} (within 10 s of the decision)

Every write of a key is an item of its own; `version_id` (the item's upload_id, or its S3 version) names one, and
may be left out when the key has only one.

The page is for the person at this machine: it binds to the loopback interface, answers only requests addressed
to it by name (no DNS rebinding), takes JSON posts from its own origin only (no cross-site form posts), caps every
request body, and never serves the uploaded bytes themselves: images are decoded and re-encoded first.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.dal.objects import read_object_capped
from service.domain.errors import SconesError
from service.images.decode import load_image
from service.pipeline.review_desk import MAX_KEY_LENGTH, ReviewDesk, ReviewError
from service.pipeline.settings import ToolSettings

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/review.js": ("review.js", "text/javascript; charset=utf-8"),
    "/review.css": ("review.css", "text/css; charset=utf-8"),
}
MAX_BODY_BYTES = 4096
#: Images are shown enlarged on the page; larger uploads are scaled down to this side before serving.
MAX_DISPLAY_SIDE = 512
IMAGE_CACHE_ENTRIES = 64
#: /api/image refreshes the list of pending keys at most this often when it meets a key it does not know.
PENDING_REFRESH_S = 1.0
PENDING_PAGE_SIZE = 24
#: The largest side served at "full" resolution (the pipeline's pixel cap bounds what is decoded).
MAX_FULL_SIDE = 4096
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


#: An S3 version id is at most 1024 bytes; an upload_id adds an ETag and a time.
MAX_VERSION_LENGTH = 1200


def _s3_version(version: str | None) -> str | None:
    """The version to read: none for an unversioned bucket ("null", or no version at all)."""
    return version if version and version != "null" else None


class ResolveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    version_id: str | None = Field(default=None, max_length=MAX_VERSION_LENGTH)
    label: str = Field(min_length=1, max_length=64)


class KeyBody(BaseModel):
    """One item: a key and, since every write of a key is an item of its own, which write (the page sends the
    item's `upload_id`; the CLI's `--version-id` is accepted too)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    version_id: str | None = Field(default=None, max_length=MAX_VERSION_LENGTH)


class EmptyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass
class ReviewPage:
    """What the page's handlers share: the desk, the intake bucket, and the keys known to be pending."""

    desk: ReviewDesk
    s3: Any
    intake_bucket: str
    reviewer: str
    settings: ToolSettings
    #: (key, upload_id) -> the S3 version of the writes known to be pending (the image shown is that version).
    _pending_keys: dict[tuple[str, str], str | None] = field(default_factory=dict)
    _pending_read_at: float = 0.0
    _images: OrderedDict[tuple[str, str, str], bytes] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def shortcuts(self) -> dict[str, str]:
        """One key per label: its first letter not taken yet (b = bicycle, m = motorcycle, o = other)."""
        taken: dict[str, str] = {}
        for label in self.desk.labels:
            letter = next((c for c in label.lower() if c.isalnum() and c not in taken), None)
            if letter:
                taken[letter] = label
        return taken

    def pending(self) -> dict[str, Any]:
        items = [i for i in self.desk.pending(limit=PENDING_PAGE_SIZE).items if i.bucket == self.intake_bucket]
        with self._lock:
            self._pending_keys = {(item.key, item.upload_id): item.version_id for item in items}
            self._pending_read_at = time.monotonic()
        return {
            "labels": list(self.desk.labels),
            "shortcuts": self.shortcuts(),
            "reviewer": self.reviewer,
            "items": [json.loads(item.model_dump_json()) for item in items],
        }

    def is_pending(self, key: str, upload: str) -> bool:
        with self._lock:
            known = (key, upload) in self._pending_keys
            stale = time.monotonic() - self._pending_read_at > PENDING_REFRESH_S
        if not known and stale:
            self.pending()
            with self._lock:
                known = (key, upload) in self._pending_keys
        return known

    def image_png(self, key: str, upload: str, size: str = "grid") -> bytes:
        """The pending write `upload` of `key` as a PNG (decoded with the pipeline's limits, then re-encoded):
        that write's own version, not whatever the key holds now."""
        cached = (key, upload, size)
        with self._lock:
            if cached in self._images:
                self._images.move_to_end(cached)
                return self._images[cached]
            version = self._pending_keys.get((key, upload))
        data, _ = read_object_capped(
            self.s3, self.intake_bucket, key, self.settings.max_image_bytes, version_id=_s3_version(version)
        )
        image = load_image(data, self.settings.max_image_pixels)
        side = MAX_FULL_SIDE if size == "full" else MAX_DISPLAY_SIDE
        image.thumbnail((side, side))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        png = buffer.getvalue()
        with self._lock:
            self._images[cached] = png
            while len(self._images) > IMAGE_CACHE_ENTRIES:
                self._images.popitem(last=False)
        return png

    def resolve(self, body: ResolveBody) -> dict[str, Any]:
        resolution = self.desk.resolve(body.key, body.label, self.reviewer, version_id=body.version_id)
        self.forget(body.key, body.version_id)
        return json.loads(resolution.model_dump_json(exclude_none=True))

    def next(self) -> dict[str, Any]:
        lease = self.desk.next(self.reviewer)
        if lease is None:
            return {"lease": None}
        with self._lock:
            self._pending_keys[(lease.item.key, lease.item.upload_id)] = lease.item.version_id
        return {"lease": json.loads(lease.model_dump_json())}

    def renew(self, body: KeyBody) -> dict[str, Any]:
        lease = self.desk.renew(body.key, self.reviewer, version_id=body.version_id)
        return {"lease": json.loads(lease.model_dump_json())}

    def release(self, body: KeyBody) -> dict[str, Any]:
        self.desk.release(body.key, self.reviewer, version_id=body.version_id)
        return {}

    def undo(self, body: KeyBody) -> dict[str, Any]:
        item = self.desk.undo(body.key, self.reviewer, version_id=body.version_id)
        with self._lock:
            self._pending_keys[(item.key, item.upload_id)] = item.version_id
        return {"item": json.loads(item.model_dump_json())}

    def forget(self, key: str, version_id: str | None = None) -> None:
        """Drops the key's writes (or the one `version_id` names) from what is known to be pending."""
        with self._lock:
            for known, version in list(self._pending_keys.items()):
                if known[0] == key and version_id in (None, known[1], version):
                    del self._pending_keys[known]
            for cached in [c for c in self._images if c[0] == key]:
                self._images.pop(cached, None)


class ReviewRequestHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "scones-review"
    sys_version = ""

    def do_GET(self) -> None:
        if self._addressed_to_us():
            self._answer(self._get)

    def do_POST(self) -> None:
        if self._addressed_to_us():
            self._answer(self._post)

    def _answer(self, handle: Callable[[], None]) -> None:
        try:
            handle()
        except (BotoCoreError, ClientError) as error:
            # The stack is down or refused: say so to the page rather than drop the connection.
            self._send_json(HTTPStatus.BAD_GATEWAY, {"error": f"The stack did not answer: {error}"})

    def _get(self) -> None:
        url = urlsplit(self.path)
        if url.path in STATIC_FILES:
            name, content_type = STATIC_FILES[url.path]
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), content_type)
        elif url.path == "/api/pending":
            self._send_json(HTTPStatus.OK, self.server.page.pending())
        elif url.path == "/api/image":
            try:
                query = parse_qs(url.query, max_num_fields=4)
            except ValueError:
                self._send_json(HTTPStatus.BAD_REQUEST, {"error": "Too many query fields."})
                return
            self._image(query.get("key", [""])[0], query.get("version", [""])[0], query.get("size", ["grid"])[0])
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "Not found."})

    def _post(self) -> None:
        path = urlsplit(self.path).path
        page = self.server.page
        actions: dict[str, tuple[type[BaseModel], Callable[[Any], dict[str, Any]], str]] = {
            "/api/resolve": (ResolveBody, page.resolve, '{"key": ..., "label": ...}'),
            "/api/next": (EmptyBody, lambda _: page.next(), "{}"),
            "/api/renew": (KeyBody, page.renew, '{"key": ...}'),
            "/api/release": (KeyBody, page.release, '{"key": ...}'),
            "/api/undo": (KeyBody, page.undo, '{"key": ...}'),
        }
        if path not in actions:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "Not found."})
            return
        model, action, shape = actions[path]
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.origins:
            self._send_json(HTTPStatus.FORBIDDEN, {"error": "Cross-origin requests are refused."})
            return
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            self._send_json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "Send application/json."})
            return
        try:
            length = int(self.headers.get("Content-Length") or "")
        except ValueError:
            self._send_json(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length is required."})
            return
        if not 0 < length <= MAX_BODY_BYTES:
            self.close_connection = True  # the unread body must not be taken for the next request
            self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"At most {MAX_BODY_BYTES} bytes."})
            return
        try:
            body = model.model_validate_json(self.rfile.read(length))
        except ValidationError:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": f"Expected {shape}."})
            return
        try:
            answer = action(body)
        except ReviewError as error:
            conflict, missing = HTTPStatus.CONFLICT, HTTPStatus.NOT_FOUND
            status = {2: HTTPStatus.BAD_REQUEST, 3: conflict, 4: missing, 7: conflict}
            if isinstance(body, ResolveBody):
                page.forget(body.key, body.version_id)
            self._send_json(status.get(error.exit_code, HTTPStatus.BAD_REQUEST), {"error": str(error)})
            return
        self._send_json(HTTPStatus.OK, answer)

    def _image(self, key: str, upload: str, size: str) -> None:
        page = self.server.page
        if not key or len(key.encode("utf-8")) > MAX_KEY_LENGTH or not page.is_pending(key, upload):
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "No such image waiting for review."})
            return
        try:
            png = page.image_png(key, upload, "full" if size == "full" else "grid")
        except SconesError as error:
            self._send_json(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(error)})
            return
        self._send(HTTPStatus.OK, png, "image/png")

    def _addressed_to_us(self) -> bool:
        # A page on another site that resolves its own name to 127.0.0.1 still sends its own Host header.
        if self.headers.get("Host") in self.server.hosts:
            return True
        self._send_json(HTTPStatus.MISDIRECTED_REQUEST, {"error": "Use http://127.0.0.1 or http://localhost."})
        return False

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json; charset=utf-8")

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: one line per request would drown the URL the reviewer needs to see."""


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, page: ReviewPage, port: int) -> None:
        super().__init__(("127.0.0.1", port), ReviewRequestHandler)
        self.page = page
        bound = self.server_address[1]
        self.hosts = {f"127.0.0.1:{bound}", f"localhost:{bound}"}
        self.origins = {f"http://{host}" for host in self.hosts}


def serve(page: ReviewPage, port: int) -> ReviewServer:
    """A server bound to 127.0.0.1:`port` (0: any free port); call `serve_forever()` on it."""
    return ReviewServer(page, port)
