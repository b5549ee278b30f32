"""The exercise machinery, over every lesson it finds: each solution passes its own check."""
import numpy as np
import pytest

from dltutor._backend import keras
from dltutor.data import load_digits
from dltutor.exercises import _lesson_modules, lesson, regrade


def test_lessons_are_found_from_their_folders():
    modules = _lesson_modules()
    assert {"00", "01", "02"} <= set(modules)
    assert modules["01"] == "dltutor.overfitting.exercises"
    assert lesson(1).title == lesson("01").title


def test_unknown_lesson_and_exercise():
    with pytest.raises(ValueError, match="Unknown lesson '99'"):
        lesson("99")
    with pytest.raises(AttributeError, match="No exercise 'q9'"):
        lesson("00").q9  # noqa: B018


def _all_exercises():
    for number in _lesson_modules():
        for exercise in lesson(number):
            yield pytest.param(number, exercise.name, id=f"{number}-{exercise.name}")


@pytest.mark.parametrize("number, name", list(_all_exercises()))
def test_every_solution_passes_its_check(number, name):
    exercise = getattr(lesson(number), name)
    namespace = {"keras": keras, "np": np, "y_train": load_digits().y_train}
    exec(exercise.solution().text, namespace)  # noqa: S102 - our own solution text
    result = exercise.check(**{n: namespace[n] for n in exercise.names})
    assert result.passed, result.message
    # a course's graded test cell checks the same objects again, with a fresh copy of the checker
    assert regrade(number, name, namespace).passed


def test_grade_raises_on_wrong_or_blank_answers_and_solutions_hide_when_graded(monkeypatch):
    from dltutor.exercises import graded, lesson

    ex = lesson("05")
    with pytest.raises(AssertionError, match=r"Not yet \(q3\)"):
        ex.q3.grade(answer="a")
    with pytest.raises(AssertionError, match="replace the placeholder"):
        ex.q3.grade(answer=None)                                    # the blank notebook's value
    with pytest.raises(AssertionError, match="define answer first"):
        ex.q3.grade()                                               # no `answer` in this module
    assert ex.q3.grade("b").passed and ex.q3.grade(answer="b").passed
    assert not ex.q3.check(answer="c").passed                       # practice: check() never raises
    assert "answer = " in str(ex.q3.solution())
    assert graded({"DLTUTOR_GRADED": "1"}) and not graded({})
    monkeypatch.setenv("DLTUTOR_GRADED", "1")
    assert "hidden while this course is graded" in str(ex.q3.solution())
    assert 'answer = "b"' not in str(ex.q3.solution())
