import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from service.cli import app, commands, predict  # noqa: F401  (importing them registers the commands)
from service.domain.model_card import load_model_card
from service.domain.paths import MODEL_CARD_PATH

runner = CliRunner()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    (tmp_path / "nested").mkdir()
    for name in ("a.png", "b.jpg", "nested/c.PNG"):
        pixels = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image, and not picked up from a folder")
    return tmp_path


def run(*args: str) -> tuple[int, list[dict]]:
    result = runner.invoke(app, ["predict", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, lines


def test_a_folder_gives_one_json_line_per_image(images: Path) -> None:
    code, lines = run(str(images), "--json")
    assert code == 0
    assert [Path(line["path"]).name for line in lines] == ["a.png", "b.jpg", "c.PNG"]
    for line in lines:
        assert set(line) == {"path", "label", "confidence", "probabilities", "decision", "reason", "recognition"}
        assert line["label"] in ("bicycle", "motorcycle")
        assert line["confidence"] == max(line["probabilities"].values())
        card = load_model_card(MODEL_CARD_PATH)
        if line["recognition"] < card.recognition_threshold:
            assert (line["decision"], line["reason"]) == ("review", "unrecognised")
        elif line["confidence"] < card.recommended_threshold:
            assert (line["decision"], line["reason"]) == ("review", "low_confidence")
        else:
            assert (line["decision"], line["reason"]) == ("accept", "confident")


def test_a_broken_file_gives_an_error_line_and_exit_status_1(images: Path) -> None:
    broken = images / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    code, lines = run(str(images / "a.png"), str(broken), str(images / "notes.txt"), str(images / "b.jpg"), "--json")
    assert code == 1
    assert [Path(line["path"]).name for line in lines] == ["a.png", "broken.jpg", "notes.txt", "b.jpg"]
    assert "label" in lines[0] and "label" in lines[3]
    assert set(lines[1]) == {"path", "error"}
    assert lines[1]["error"].startswith("CorruptImage: ")
    assert lines[2]["error"].startswith("NotAnImage: ")


def test_a_missing_file_is_an_error_not_a_crash(images: Path) -> None:
    code, lines = run(str(images / "absent.png"), "--json")
    assert code == 1
    assert lines[0]["error"].startswith("ObjectNotFound: ")


def test_the_threshold_flag_decides(images: Path) -> None:
    _, everything = run(str(images), "--json", "--threshold", "0", "--recognition-threshold", "0")
    _, nothing = run(str(images), "--json", "--threshold", "1", "--recognition-threshold", "0")
    assert {line["decision"] for line in everything} == {"accept"}
    # A confidence of exactly 1.0 would be accepted at 1.0; random noise never gets there.
    assert {(line["decision"], line["reason"]) for line in nothing} == {("review", "low_confidence")}


def test_random_noise_is_unrecognised_whatever_the_confidence_threshold(images: Path) -> None:
    _, lines = run(str(images), "--json", "--threshold", "0")
    assert {(line["decision"], line["reason"]) for line in lines} == {("review", "unrecognised")}


def test_the_threshold_must_be_a_probability(images: Path) -> None:
    result = runner.invoke(app, ["predict", str(images), "--threshold", "1.5"])
    assert result.exit_code == 2


def test_the_table_names_every_file(images: Path) -> None:
    result = runner.invoke(app, ["predict", str(images)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ("a.png", "b.jpg", "c.PNG"):
        assert name in result.stdout
