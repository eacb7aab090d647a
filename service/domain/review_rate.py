"""The review rate: one definition, shared by `scones results --stats`, `scones review stats` and the docs.

The share of classified images that the model sent to people because it was unsure (low confidence or not
recognised as a two-wheeler), whether a person has decided them yet or they still wait. Audits, the sampled share
of confident answers people check, are accepted images and do not count as sent to review; failed images were
never classified.
"""

from __future__ import annotations

#: The definition as help texts and field descriptions state it.
DEFINITION = (
    "share of classified images the model sent to people because it was unsure (low confidence or unrecognised), "
    "decided or still pending: sent to review / (accepted + sent to review); audits count as accepted"
)


def review_rate(accepted: int, sent_to_review: int) -> float | None:
    """sent_to_review / (accepted + sent_to_review); None before anything was classified."""
    if accepted < 0 or sent_to_review < 0:
        raise ValueError(f"counts cannot be negative: accepted={accepted}, sent_to_review={sent_to_review}")
    classified = accepted + sent_to_review
    return sent_to_review / classified if classified else None
