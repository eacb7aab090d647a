import pytest

from training.compare import judge


def test_a_figure_is_worse_or_better_only_beyond_the_current_interval() -> None:
    same = judge("accuracy bicycle", (80, 80), (80, 80))
    assert not same.worse and not same.better  # 1.0 against an interval ending at 1.0
    assert judge("accuracy bicycle", (95, 100), (93, 100)).worse is False  # inside [0.888, 0.978]
    assert judge("accuracy bicycle", (95, 100), (80, 100)).worse is True
    assert judge("coverage", (150, 200), (190, 200)).better is True
    assert judge("coverage", (229, 250), (235, 250)).better is False  # 0.940 inside [0.875, 0.944]


def test_for_neither_auto_accepted_lower_is_better() -> None:
    figure = judge("neither auto-accepted", (0, 60), (10, 60))
    assert figure.worse and not figure.better and not figure.higher_is_better
    assert judge("neither auto-accepted", (20, 60), (0, 60)).better is True
    assert figure.current.high == pytest.approx(0.0602, abs=1e-3)
