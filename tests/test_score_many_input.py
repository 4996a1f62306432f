"""score_many takes 1-D sequences and plain 1-D NumPy arrays; anything whose order or shape
it would lose is a TypeError naming what was passed."""

from __future__ import annotations

import collections
from collections.abc import Sequence

import numpy as np
import pytest
from claude_pm._core import Scorer
from claude_pm.services.task_complexity_analyzer import TaskComplexityAnalyzer, score_many

TASKS = ["List files", "Implement feature", "Refactor the billing system", ""]


class TextSequence(Sequence):
    """A user-defined Sequence: not a list or tuple, registered through the ABC."""

    def __init__(self, items: list[str]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):  # type: ignore[override]
        return self._items[index]


@pytest.fixture(scope="module")
def expected() -> list[int]:
    analyzer = TaskComplexityAnalyzer()
    return [analyzer.analyze_task(task).complexity_score for task in TASKS]


ACCEPTED = {
    "list": lambda: list(TASKS),
    "tuple": lambda: tuple(TASKS),
    "deque": lambda: collections.deque(TASKS),
    "user Sequence": lambda: TextSequence(list(TASKS)),
    "unicode array": lambda: np.array(TASKS),
    "object array": lambda: np.array(TASKS, dtype=object),
    "strided unicode array": lambda: np.array([t for task in TASKS for t in (task, "padding")])[::2],
    "byte-swapped unicode array": lambda: np.array(TASKS).astype(np.array(TASKS).dtype.newbyteorder()),
}


@pytest.mark.parametrize("kind", sorted(ACCEPTED))
def test_one_dimensional_inputs_are_scored_in_order(kind, expected):
    for score in (Scorer().score_many, TaskComplexityAnalyzer().score_many, score_many):
        scores, levels = score(ACCEPTED[kind]())
        assert scores.tolist() == expected
        assert scores.shape == levels.shape == (len(TASKS),)


REJECTED = {
    # (input, what the message must name)
    "2-D unicode array": (lambda: np.array(TASKS).reshape(2, 2), r"2-D numpy\.ndarray of shape \(2, 2\)"),
    "3-D object array": (
        lambda: np.array(TASKS, dtype=object).reshape(1, 2, 2),
        r"3-D numpy\.ndarray of shape \(1, 2, 2\)",
    ),
    "0-D array": (lambda: np.array("List files"), r"0-D numpy\.ndarray of shape \(\)"),
    "masked array": (lambda: np.ma.masked_array(TASKS, mask=[0, 1, 0, 0]), r"MaskedArray"),
    "dict": (lambda: dict.fromkeys(TASKS, 1), r"\bdict\b"),
    "ordered dict": (lambda: collections.OrderedDict.fromkeys(TASKS), r"OrderedDict"),
    "dict values": (lambda: dict.fromkeys(TASKS, "x").values(), r"dict_values"),
    "set": (lambda: set(TASKS), r"\bset\b"),
    "frozenset": (lambda: frozenset(TASKS), r"frozenset"),
    "generator": (lambda: (task for task in TASKS), r"generator"),
    "iterator": (lambda: iter(TASKS), r"list_iterator"),
    "bytes": (lambda: b"List files", r"\bbytes\b"),
    "bytearray": (lambda: bytearray(b"List files"), r"bytearray"),
    "str": (lambda: "List files", r"single str"),
    "int": (lambda: 5, r"\bint\b"),
    "None": (lambda: None, r"NoneType"),
}


@pytest.mark.parametrize("kind", sorted(REJECTED))
def test_inputs_that_would_lose_shape_or_order_are_type_errors(kind):
    make, named = REJECTED[kind]
    for score in (Scorer().score_many, TaskComplexityAnalyzer().score_many, score_many):
        with pytest.raises(TypeError, match=named):
            score(make())


def test_a_masked_array_names_the_way_to_score_the_unmasked_elements():
    masked = np.ma.masked_array(TASKS, mask=[0, 1, 0, 0])
    with pytest.raises(TypeError, match=r"compressed\(\)"):
        Scorer().score_many(masked)
    scores, _ = Scorer().score_many(masked.compressed())
    assert scores.tolist() == Scorer().score_many([TASKS[0], TASKS[2], TASKS[3]])[0].tolist()


def test_an_n_d_array_error_says_how_to_score_every_element():
    with pytest.raises(TypeError, match=r"ravel\(\)"):
        Scorer().score_many(np.array(TASKS).reshape(2, 2))


def test_sequences_of_non_str_still_name_the_index():
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, not int"):
        Scorer().score_many(["x", 2])
    with pytest.raises(TypeError, match=r"texts\[0\] must be str, not int"):
        Scorer().score_many(range(3))
