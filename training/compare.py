"""Two models side by side on the same images, through the serving path, each at its own card's thresholds.

    python -m training.evaluate --compare OLD_DIR NEW_DIR --validation CIFAR_DIR [--photos DIR] [--json]

Each DIR holds model.onnx and model_card.json. The CIFAR images compared on are those that neither card's split
trained on (the held-out images both models share); the photos are every image of --photos. Every figure is a
count with its 95% Wilson interval: accuracy per class, coverage (two-wheelers auto-accepted), accepted
precision, and for photos of neither class the share auto-accepted (lower is better). The verdict:
- worse: some figure of the candidate lies beyond the current model's interval on the wrong side;
- better: none does, and some figure lies beyond it on the right side;
- as good: neither (the differences are within what these counts can tell apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from service.domain.model_card import ModelCard, read_model_card
from service.domain.precision import Proportion, wilson
from service.pipeline.backends.onnx import OnnxClassifier
from training.dataset import LabelledImage

Verdict = Literal["better", "as good", "worse"]


@dataclass
class Loaded:
    folder: Path
    card: ModelCard
    classifier: OnnxClassifier


def load(folder: Path) -> Loaded:
    card = read_model_card(folder / "model_card.json")
    return Loaded(folder=folder, card=card, classifier=OnnxClassifier(folder / "model.onnx", card))


class Figure(BaseModel):
    name: str
    higher_is_better: bool
    current: Proportion
    candidate: Proportion
    worse: bool
    better: bool


class SetComparison(BaseModel):
    name: str
    images: int
    figures: list[Figure]


class Comparison(BaseModel):
    current: str
    candidate: str
    sets: list[SetComparison]
    verdict: Verdict
    worse: list[str]
    better: list[str]


def counts(items: list[LabelledImage], model: Loaded) -> dict[str, tuple[int, int]]:
    """(successes, trials) per figure for one model on `items` (class names; anything else is neither)."""
    from training.scoring import routed, score

    classes = model.classifier.classes
    decided = routed(
        score(items, model.classifier), classes, model.card.recommended_threshold, model.card.recognition_threshold
    )
    rows = [(item.class_name, label, route == "accept") for item, (label, route, _) in zip(items, decided, strict=True)]
    figures: dict[str, tuple[int, int]] = {}
    for name in classes:
        mine = [row for row in rows if row[0] == name]
        if mine:
            figures[f"accuracy {name}"] = (sum(row[1] == name for row in mine), len(mine))
    two = [row for row in rows if row[0] in classes]
    taken = [row for row in two if row[2]]
    if two:
        figures["coverage"] = (len(taken), len(two))
    if taken:
        figures["accepted precision"] = (sum(row[0] == row[1] for row in taken), len(taken))
    other = [row for row in rows if row[0] not in classes]
    if other:
        figures["neither auto-accepted"] = (sum(row[2] for row in other), len(other))
    return figures


# Intervals are computed in floating point: a value equal to the interval's end is inside it.
_EPSILON = 1e-9


def judge(name: str, before: tuple[int, int], after: tuple[int, int]) -> Figure:
    """One figure of both models: worse or better if the candidate's value lies beyond the current model's 95%
    Wilson interval (on the wrong or the right side)."""
    old, new = wilson(*before), wilson(*after)
    assert old.low is not None and old.high is not None and new.value is not None
    higher = name != "neither auto-accepted"
    below, above = new.value < old.low - _EPSILON, new.value > old.high + _EPSILON
    return Figure(
        name=name,
        higher_is_better=higher,
        current=old,
        candidate=new,
        worse=below if higher else above,
        better=above if higher else below,
    )


def compare_on(name: str, items: list[LabelledImage], current: Loaded, candidate: Loaded) -> SetComparison:
    before, after = counts(items, current), counts(items, candidate)
    figures = [judge(figure, before[figure], after[figure]) for figure in before if figure in after]
    return SetComparison(name=name, images=len(items), figures=figures)


def shared_holdout(data: Path, current: ModelCard, candidate: ModelCard) -> list[LabelledImage]:
    """The images of `data` that both cards held out (neither model trained on)."""
    from training.scoring import validation_items

    theirs = {item.path for item in validation_items(data, candidate)}
    shared = [item for item in validation_items(data, current) if item.path in theirs]
    if not shared:
        raise ValueError(f"the two models share no held-out image of {data}")
    return shared


def compare(
    current_dir: Path, candidate_dir: Path, validation: Path | None = None, photos: Path | None = None
) -> Comparison:
    from training.scoring import photo_items

    current, candidate = load(current_dir), load(candidate_dir)
    if current.classifier.classes != candidate.classifier.classes:
        raise ValueError(
            f"the models have other classes: {current.classifier.classes} and {candidate.classifier.classes}"
        )
    sets = []
    if validation:
        held = shared_holdout(validation, current.card, candidate.card)
        sets.append(compare_on(f"held-out images of {validation.name}", held, current, candidate))
    if photos:
        sets.append(
            compare_on(f"photos of {photos.name}", photo_items(photos, current.classifier.classes), current, candidate)
        )
    if not sets:
        raise ValueError("give --validation and/or --photos to compare on")
    worse = [f"{s.name}: {f.name}" for s in sets for f in s.figures if f.worse]
    better = [f"{s.name}: {f.name}" for s in sets for f in s.figures if f.better]
    outcome: Verdict = "worse" if worse else "better" if better else "as good"
    return Comparison(
        current=f"{current_dir} ({current.card.model_version})",
        candidate=f"{candidate_dir} ({candidate.card.model_version})",
        sets=sets,
        verdict=outcome,
        worse=worse,
        better=better,
    )


def _cell(p: Proportion) -> str:
    if p.value is None or p.low is None or p.high is None:
        return "-"
    return f"{p.value:.3f} [{p.low:.3f}, {p.high:.3f}] ({p.successes:.0f}/{p.trials:.0f})"


def comparison_report(result: Comparison) -> str:
    lines = [f"current:   {result.current}", f"candidate: {result.candidate}", ""]
    for s in result.sets:
        lines.append(f"{s.name} ({s.images} images): value [95% Wilson interval] (count)")
        lines.append(f"  {'':<24}{'current':<36}{'candidate':<36}")
        for f in s.figures:
            mark = "  worse" if f.worse else "  better" if f.better else ""
            lines.append(f"  {f.name:<24}{_cell(f.current):<36}{_cell(f.candidate):<36}{mark}")
        lines.append("")
    if result.verdict == "worse":
        lines.append("verdict: the candidate is WORSE: " + "; ".join(result.worse))
    elif result.verdict == "better":
        lines.append("verdict: the candidate is better (" + "; ".join(result.better) + "), and worse nowhere")
    else:
        lines.append("verdict: as good: no figure differs beyond the current model's interval")
    return "\n".join(lines)
