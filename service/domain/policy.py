"""The routing policy: confident predictions of a recognised photo are accepted, the rest go to people."""

from service.domain.models import Frozen, Prediction, Reason, Route


class Verdict(Frozen):
    route: Route
    reason: Reason


def verdict(prediction: Prediction, threshold: float, recognition_threshold: float | None = None) -> Verdict:
    """Unrecognised first: a photo of neither class goes to people however confident the class head is."""
    if (
        recognition_threshold is not None
        and prediction.recognition is not None
        and prediction.recognition < recognition_threshold
    ):
        return Verdict(route="review", reason="unrecognised")
    if prediction.confidence < threshold:
        return Verdict(route="review", reason="low_confidence")
    return Verdict(route="accept", reason="confident")


def route_for(prediction: Prediction, threshold: float, recognition_threshold: float | None = None) -> Route:
    return verdict(prediction, threshold, recognition_threshold).route
