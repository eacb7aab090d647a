"""The review API's OpenAPI document (schemas/review-api.openapi.json), generated from the handler's routes by
Powertools' resolver; a test keeps the committed file current.

    python -m tests.review_openapi     # rewrite schemas/review-api.openapi.json
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OPENAPI_PATH = ROOT / "schemas" / "review-api.openapi.json"
TITLE = "scones review API"
VERSION = "1"
#: The handler reads its settings when imported; the document does not depend on their values.
_SETTINGS = {
    "RESULTS_TABLE": "results",
    "REVIEWS_TABLE": "reviews",
    "REVIEW_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/review",
    "INTAKE_BUCKET": "intake",
    "USER_POOL_CLIENT_ID": "client",
    "USER_POOL_ID": "us-east-1_pool",
    "AWS_REGION": "us-east-1",
}


def openapi_text() -> str:
    for name, value in _SETTINGS.items():
        os.environ.setdefault(name, value)
    from handlers.review_api import app

    document = json.loads(
        app.get_openapi_json_schema(
            title=TITLE,
            version=VERSION,
            description=(
                "The review desk's API. Every /api/ route needs `Authorization: Bearer <Cognito access token>` "
                "of the stack's user pool and app client; 401 for a token that is bad or no longer honoured, 403 "
                "for a user in neither the reviewers nor the admins group. See docs/review-api.md."
            ),
        )
    )
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    OPENAPI_PATH.write_text(openapi_text(), encoding="utf-8")
