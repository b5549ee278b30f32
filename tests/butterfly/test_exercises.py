"""Lesson 05's checkers fail on typical wrong answers (and say why), and pass the solutions."""
import numpy as np

from dltutor.exercises import lesson
from helpers import assert_wrong_answers_fail


def _best_of_k_by_test(y_val, y_test, k, seed):         # picks on the test set: the trap itself
    rng = np.random.default_rng(seed)
    guesses = rng.integers(0, 2, (k, len(y_test)))
    return 0.5, (guesses == y_test).mean(axis=1).max()


def test_wrong_answers_fail_with_a_reason():
    assert_wrong_answers_fail("05", {
        "q1": [lambda a, b: int((np.asarray(a) != b).sum()), lambda a, b: float(np.mean(np.asarray(a) == b)),
               "disagree"],
        "q2": [lambda x: np.float32(x) + np.float32(1e-7), lambda x: -x, lambda x: x, 3.0],
        "q3": ["a", "c", "B2", 2],
        "q4": [lambda yv, yt, k, s: (0.5, 0.5), _best_of_k_by_test,
               lambda yv, yt, k, s: (0.66, 0.66), "best"],
    }, {})


def test_solutions_pass():
    ex = lesson("05")
    for q in ex:
        namespace = {"np": np}
        exec(q._solution, namespace)
        result = q.check(**{n: namespace[n] for n in q.names})
        assert result.passed, (q.name, result.message)
