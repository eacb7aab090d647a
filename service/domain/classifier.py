"""What every model backend offers the rest of the service."""

from collections.abc import Sequence
from typing import Protocol

from PIL import Image

from service.domain.models import Prediction


class Classifier(Protocol):
    """Classifies images already normalised by `service.domain.preprocessing.fit_to_input`."""

    @property
    def classes(self) -> tuple[str, ...]: ...

    @property
    def model_version(self) -> str: ...

    def predict(self, images: Sequence[Image.Image]) -> list[Prediction]: ...
