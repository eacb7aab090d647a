"""The CloudWatch metrics the handlers emit (namespace: settings.metrics_namespace).

The template's dashboard and alarms refer to these names; a test checks that they match.
"""

IMAGES_RECEIVED = "ImagesReceived"
IMAGES_REJECTED = "ImagesRejected"  # one series: the error code is a log field (`error`), not a dimension
IMAGES_CLASSIFIED = "ImagesClassified"  # dimension Label (bounded: the model's classes)
IMAGES_ACCEPTED = "ImagesAccepted"
IMAGES_SENT_TO_REVIEW = "ImagesSentToReview"
CONFIDENCE = "Confidence"
INFERENCE_LATENCY = "InferenceLatency"
IMAGE_BYTES = "ImageBytes"
COLD_START = "ColdStart"  # emitted by Powertools itself

LABEL_DIMENSION = "Label"

# Published by the review metrics function every 5 minutes, from the reviews table's pending index.
PENDING_REVIEWS = "PendingReviews"
OLDEST_PENDING_REVIEW_AGE = "OldestPendingReviewAge"  # seconds

# Counted by the state machine (CountUnpublished) and the review desk when an outcome's event could not be published.
OUTCOME_EVENTS_NOT_PUBLISHED = "OutcomeEventsNotPublished"
