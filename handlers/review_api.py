"""The review API: the review desk behind an HTTP API whose JWT authorizer has checked the caller's Cognito access
token. The reviewer is the token's user (API Gateway hands the claims over), never a name in the request.

Powertools' APIGatewayHttpResolver does the routing, validates bodies and query strings against Pydantic models
and describes the API as OpenAPI; the page's own files and settings are served from the same origin, so the page
needs no CORS at all.
"""

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from service.domain.errors import SconesError
from service.review.api import (
    MAX_VERSION_LENGTH,
    PENDING_PAGE_SIZE,
    KeyBody,
    Me,
    NotWaitingError,
    PageConfig,
    PendingList,
    ResolveBody,
    Reviewer,
    ReviewService,
    current_reviewer,
    page_config,
    page_file,
    refusal,
    security_headers,
)
from service.review.desk import MAX_KEY_LENGTH, Lease, PendingItem, ReviewError
from service.review.stats import ReviewStats
from service.runtime.observability import logger, metrics, tracer
from service.runtime.settings import review_api_settings

review_api_settings()  # a misconfigured function fails at start-up, naming the variable

app = APIGatewayHttpResolver(enable_validation=True)
_service: ReviewService | None = None
#: ReviewError's exit codes as HTTP statuses: unknown label, already decided, not pending, ambiguous key.
#: Held by another reviewer, and a renewal past the longest lease: 409 too.
_STATUS = {2: 400, 3: 409, 4: 404, 7: 409, 8: 409, 9: 409}


def service() -> ReviewService:
    global _service
    if _service is None:
        _service = ReviewService(review_api_settings())
    return _service


def caller() -> Reviewer:
    """The signed-in reviewer with their groups now (the pool's answer, cached at most a minute)."""
    reviewer = current_reviewer(app.current_event.raw_event, service().access)
    assert reviewer is not None, "refusal() lets no request without a current user reach a route"
    return reviewer


@app.get("/")
@app.get("/review.js")
@app.get("/review.css")
def page():  # no return annotation: the validator would JSON-encode the bytes
    found = page_file(app.current_event.path)
    assert found is not None
    body, content_type = found
    return Response(status_code=200, content_type=content_type, body=body)


@app.get("/config.json")
def config() -> PageConfig:
    return page_config(review_api_settings())


@app.get("/api/me")
def me() -> Me:
    return service().me(caller())


@app.get("/api/pending")
def pending(
    cursor: Annotated[str | None, Query(max_length=4096)] = None,
    reason: Annotated[Literal["low_confidence", "unrecognised", "audit"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = PENDING_PAGE_SIZE,
) -> PendingList:
    return service().pending(caller(), cursor=cursor, reason=reason, limit=limit)


@app.get("/api/image")
def image(
    key: Annotated[str, Query(min_length=1, max_length=MAX_KEY_LENGTH)],
    version: Annotated[str, Query(min_length=1, max_length=MAX_VERSION_LENGTH)],
    size: Annotated[Literal["grid", "full"], Query()] = "grid",
):  # no return annotation: the validator would JSON-encode the PNG
    png = service().image_png(key, version, full=size == "full")
    return Response(status_code=200, content_type="image/png", body=png)


@app.post("/api/next")
def next_item() -> dict[str, Lease | None]:
    return {"lease": service().desk.next(caller().email)}


@app.post("/api/renew")
def renew(body: KeyBody) -> dict[str, Lease]:
    return {"lease": service().desk.renew(body.key, caller().email, version_id=body.version_id)}


@app.post("/api/release")
def release(body: KeyBody) -> dict[str, int]:
    reviewer = caller()  # an admin may release anyone's lease; a reviewer only their own
    released = service().desk.release(body.key, reviewer.email, version_id=body.version_id, admin=reviewer.is_admin)
    return {"released": released}


@app.post("/api/resolve")
def resolve(body: ResolveBody) -> dict[str, Any]:
    reviewer = caller()
    resolution = service().desk.resolve(
        body.key, body.label, reviewer.email, version_id=body.version_id, reviewer_sub=reviewer.sub
    )
    return resolution.model_dump(mode="json", exclude_none=True)


@app.post("/api/undo")
def undo(body: KeyBody) -> dict[str, PendingItem]:
    return {"item": service().desk.undo(body.key, caller().email, version_id=body.version_id)}


@app.get("/api/stats")
def stats() -> ReviewStats:
    return service().desk.stats()


@app.exception_handler(ReviewError)
def review_error(error: ReviewError) -> Response[dict[str, str]]:
    return Response(status_code=_STATUS.get(error.exit_code, 400), content_type="application/json",
                    body={"message": str(error)})  # fmt: skip


@app.exception_handler(NotWaitingError)
def not_waiting(_: NotWaitingError) -> Response[dict[str, str]]:
    return Response(status_code=404, content_type="application/json",
                    body={"message": "No such image waiting for review."})  # fmt: skip


@app.exception_handler(SconesError)
def unreadable(error: SconesError) -> Response[dict[str, str]]:
    return Response(status_code=422, content_type="application/json", body={"message": str(error)})


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = refusal(event, service().access) or app.resolve(event, context)
    answer.setdefault("headers", {}).update(security_headers(review_api_settings()))
    return answer
