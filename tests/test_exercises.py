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


def test_unknown_lesson_and_exercise():
    with pytest.raises(ValueError, match="Unknown lesson '99'"):
        lesson("99")
    with pytest.raises(AttributeError, match="No exercise 'q9'"):
        lesson("00").q9  # noqa: B018


# --- every lesson: solutions pass, typical wrong answers fail -----------------------------------

import numpy as np  # noqa: E402

from dltutor.data import load_digits  # noqa: E402
from dltutor.exercises import _LESSONS  # noqa: E402

WRONG = {
    ("01", "q1"): [keras.callbacks.EarlyStopping(monitor="val_loss", patience=30),
                   keras.callbacks.EarlyStopping(monitor="loss", restore_best_weights=True),
                   "early stopping"],
    ("01", "q2"): [0.0, 1e-3, 0.1, 0.5],
    ("01", "q3"): [500, 4000, "1347"],
    ("01", "q4"): [load_digits().y_train, np.zeros(1347, int), np.arange(10)],
    ("02", "q2"): [1.0, 0.5, "0.25"],
    ("02", "q3"): [5, 20, 2.5],
    ("02", "q4"): [keras.optimizers.SGD(learning_rate=0.01), "SGD"],
}
WRONG_MULTI = {
    ("02", "q1"): [("sigmoid", "glorot_uniform"), ("sigmoid", "lecun_normal"), ("relu", "he")],
}


@pytest.mark.parametrize("key, answers", list(WRONG_MULTI.items()), ids=lambda v: "-".join(v) if isinstance(v, tuple) and isinstance(v[0], str) and len(v[0]) == 2 else "")
def test_wrong_multi_answers_fail(key, answers):
    exercise = getattr(lesson(key[0]), key[1])
    for answer in answers:
        assert not exercise.check(*answer).passed, answer


def _all_exercises():
    for number in _LESSONS:
        for exercise in lesson(number):
            yield pytest.param(number, exercise.name, id=f"{number}-{exercise.name}")


@pytest.mark.parametrize("number, name", list(_all_exercises()))
def test_every_solution_passes_its_check(number, name):
    exercise = getattr(lesson(number), name)
    namespace = {"keras": keras, "np": np, "y_train": load_digits().y_train}
    exec(exercise.solution().text, namespace)  # noqa: S102 - our own solution text
    result = exercise.check(**{n: namespace[n] for n in exercise.names})
    assert result.passed, result.message


@pytest.mark.parametrize("key, answers", list(WRONG.items()), ids=lambda v: "-".join(v) if isinstance(v, tuple) else "")
def test_wrong_answers_fail_with_a_reason(key, answers):
    exercise = getattr(lesson(key[0]), key[1])
    for answer in answers:
        result = exercise.check(answer)
        assert not result.passed, f"{answer!r} should not pass"
        assert len(result.message) > 20


def test_every_exercise_has_a_wrong_answer_test():
    listed = {(n, ex.name) for n in _LESSONS for ex in lesson(n)} - {("00", "q1")}
    assert listed <= set(WRONG) | set(WRONG_MULTI), listed - set(WRONG) - set(WRONG_MULTI)
