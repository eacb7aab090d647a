"""How `scones review` commands answer: a refusal is its message on stderr and its exit code; an answer is JSON or
text, and keys are printed as they are (never read as markup)."""

from __future__ import annotations

import pytest
import typer

from service.cli import review
from service.review.desk import NotPendingError
from service.review.stats import ReviewStats, review_stats


def test_a_refusal_ends_the_command_with_its_exit_code_and_message(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as ended, review.refusals_exit():
        raise NotPendingError("'[red]a.png' is not waiting for review.")
    assert ended.value.exit_code == NotPendingError.exit_code == 4
    captured = capsys.readouterr()
    assert "'[red]a.png' is not waiting for review." in captured.err and captured.out == ""


def test_an_answer_is_json_or_text_with_keys_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    figures = review_stats([], pending=0, pending_not_audits=0, accepted=0, oldest=None)
    review.show(figures, True, "not printed")
    assert ReviewStats.model_validate_json(capsys.readouterr().out) == figures
    review.show(figures, False, "'[bold]b.png' is waiting for review again.")
    assert capsys.readouterr().out == "'[bold]b.png' is waiting for review again.\n"
