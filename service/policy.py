"""The confidence threshold policy: confident predictions are accepted, the rest go to people."""

from service.models import Prediction, Route


def route_for(prediction: Prediction, threshold: float) -> Route:
    return "accept" if prediction.confidence >= threshold else "review"
