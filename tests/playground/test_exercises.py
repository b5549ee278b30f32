"""Lesson 00's warm-up exercise, and the check/hint/solution machinery on it."""
import re

import pytest

from dltutor._backend import keras
from dltutor.exercises import CheckResult, lesson


@pytest.fixture(scope="module")
def ex():
    return lesson("00")


def _solution_namespace(exercise):
    namespace = {"keras": keras}
    exec(exercise.solution().text, namespace)  # noqa: S102 - our own solution text
    return namespace


def test_q1_passes_on_its_own_solution(ex):
    ns = _solution_namespace(ex.q1)
    result = ex.q1.check(model=ns["model"])
    assert isinstance(result, CheckResult) and result.passed, result.message
    assert "Correct" in result._repr_html_()


def test_q1_passes_on_another_right_answer(ex):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2)])
    assert ex.q1.check(model)


@pytest.mark.parametrize("model, reason", [
    (lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)]), "needs 90%"),
    (lambda: keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="tanh"),
                               keras.layers.Dense(1)]), "2 units"),
    (lambda: keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), "2 features"),
    (lambda: "a model", "should be a keras model"),
])
def test_q1_fails_on_wrong_answers_and_says_why(ex, model, reason):
    result = ex.q1.check(model=model())
    assert not result.passed
    assert reason in result.message and "hint()" in result.message


def test_check_reads_the_notebook_namespace_and_handles_placeholders(ex):
    globals()["model"] = None   # check() without arguments reads the caller's globals
    try:
        assert "placeholder" in ex.q1.check().message
        del globals()["model"]
        assert "define model first" in ex.q1.check().message
    finally:
        globals().pop("model", None)


def test_hint_and_solution_are_shown(ex):
    assert "hidden" in str(ex.q1.hint())
    assert "keras.Sequential" in ex.q1.solution()._repr_html_()
    assert re.search(r"q1: Write `model`", repr(ex))
