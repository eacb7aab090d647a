"""What people's decisions measure: the precision of auto-accepted results, override rates, and the lowest
threshold that would have met a precision target.

Audits are a uniform sample of the accepted images (at the audit rate); the images below the threshold are
all reviewed. An audit therefore stands for 1/rate accepted images: precision over a mix of both weighs each
decision by that, so the sampled region is not under-counted against the census below the threshold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from service.domain.precision import CONFIDENCE, Proportion, clopper_pearson_lower, weighted_counts, wilson
from service.domain.review_items import ReviewItem
from service.domain.review_rate import DEFINITION as REVIEW_RATE_DEFINITION
from service.domain.review_rate import review_rate

#: `threshold suggest` refuses to recommend from fewer reviewed images than this.
MIN_REVIEWED = 30


class ClassOverrides(BaseModel):
    decided: int
    overridden: int
    rate: float | None


class ReviewStats(BaseModel):
    audits_decided: int
    audit_precision: Proportion = Field(description="Auto-accepted results people confirmed (95% Wilson interval).")
    decided: int
    pending: int
    sent_to_review: int = Field(description="Items ever sent to people because the model was unsure (no audits).")
    classified: int = Field(description="Accepted by the model plus sent to review.")
    review_rate: float | None = Field(description=f"The review rate: the {REVIEW_RATE_DEFINITION}.")
    overrides_by_class: dict[str, ClassOverrides] = Field(description="By the model's predicted label.")
    oldest_pending_age_seconds: float | None


def review_stats(
    decided: Sequence[ReviewItem],
    pending: int,
    pending_not_audits: int,
    accepted: int,
    oldest: ReviewItem | None,
    now: datetime | None = None,
) -> ReviewStats:
    now = now or datetime.now(UTC)
    audits = [d for d in decided if d.reason == "audit"]
    confirmed = sum(d.decided_label == d.label for d in audits)
    by_class: dict[str, list[ReviewItem]] = defaultdict(list)
    for d in decided:
        by_class[d.label].append(d)
    overrides = {}
    for label, items in sorted(by_class.items()):
        overridden = sum(d.decided_label != d.label for d in items)
        overrides[label] = ClassOverrides(decided=len(items), overridden=overridden, rate=overridden / len(items))
    sent = sum(d.reason != "audit" for d in decided) + pending_not_audits
    classified = accepted + sent
    return ReviewStats(
        audits_decided=len(audits),
        audit_precision=wilson(confirmed, len(audits)),
        decided=len(decided),
        pending=pending,
        sent_to_review=sent,
        classified=classified,
        review_rate=review_rate(accepted, sent),
        overrides_by_class=overrides,
        oldest_pending_age_seconds=(now - oldest.queued_at).total_seconds() if oldest else None,
    )


class ThresholdRow(BaseModel):
    threshold: float
    precision: float
    precision_lower: float | None = Field(
        default=None,
        description=f"One-sided {CONFIDENCE:.0%} Clopper-Pearson lower bound on the precision, on the effective "
        "count of the weighted decisions (the same bound as the model card's threshold table).",
    )
    reviewed: int = Field(description="Reviewed images at or above this threshold (what the precision rests on).")
    review_rate: float | None = Field(description="Share of classified images that would go to people.")


class ThresholdSuggestion(BaseModel):
    target_precision: float
    reviewed: int = Field(description="Reviewed images the suggestion rests on.")
    suggested: ThresholdRow | None
    reason: str | None = Field(default=None, description="Why nothing is suggested.")
    parameter: str | None = Field(default=None, description="Ready for sam deploy --parameter-overrides.")


def suggest_threshold(
    decided: Sequence[ReviewItem],
    confidences: Sequence[float],
    target_precision: float,
    min_reviewed: int = MIN_REVIEWED,
) -> ThresholdSuggestion:
    """The lowest threshold whose precision on reviewed images at or above it is certified to meet the target:
    its one-sided 95% Clopper-Pearson lower bound (service.domain.precision, as for the model card) does, on the
    decisions weighted as the module says and counted by their effective size (Kish: (sum w)^2 / sum w^2, so
    an audit standing for many images is not counted as many independent ones), with at least `min_reviewed`
    images above it. `confidences` are the model's confidences of every classified image, for the review rate
    the threshold would give."""
    usable = [d for d in decided if d.decided_label is not None]
    if len(usable) < min_reviewed:
        return ThresholdSuggestion(
            target_precision=target_precision,
            reviewed=len(usable),
            suggested=None,
            reason=f"Only {len(usable)} reviewed images; at least {min_reviewed} are needed.",
        )
    ordered = sorted(usable, key=lambda d: d.confidence, reverse=True)
    everyone = sorted(confidences)
    best: ThresholdRow | None = None
    weights: list[float] = []
    right: list[bool] = []
    # Walk down from the most confident: each distinct confidence is a candidate threshold.
    for n, item in enumerate(ordered, start=1):
        weights.append(1.0 / item.audit_rate if item.reason == "audit" and item.audit_rate else 1.0)
        right.append(item.decided_label == item.label)
        if n < len(ordered) and ordered[n].confidence == item.confidence:
            continue
        if n < min_reviewed:
            continue
        successes, trials = weighted_counts(weights, right)
        lower = clopper_pearson_lower(successes, trials)
        if lower is not None and lower >= target_precision:
            below = _count_below(everyone, item.confidence)
            rate = below / len(everyone) if everyone else None
            best = ThresholdRow(
                threshold=item.confidence,
                precision=successes / trials,
                precision_lower=lower,
                reviewed=n,
                review_rate=rate,
            )
    if best is None:
        return ThresholdSuggestion(
            target_precision=target_precision,
            reviewed=len(usable),
            suggested=None,
            reason=(
                f"No threshold has a {CONFIDENCE:.0%} lower precision bound of {target_precision} on "
                f"{min_reviewed}+ reviewed images (with no mistake, n images bound it at about 1 - 3/n)."
            ),
        )
    return ThresholdSuggestion(
        target_precision=target_precision,
        reviewed=len(usable),
        suggested=best,
        parameter=f"ConfidenceThreshold={best.threshold}",
    )


def _count_below(ordered: list[float], threshold: float) -> int:
    import bisect

    return bisect.bisect_left(ordered, threshold)
