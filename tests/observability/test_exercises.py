"""Lesson 09's checkers fail on typical wrong answers (and say why), and pass the solutions."""
import numpy as np

from dltutor import observability as obs
from dltutor.exercises import lesson
from dltutor.observability import exercises as ex09
from helpers import assert_wrong_answers_fail


def _unweighted(conf, correct, bins):
    which = np.minimum((np.asarray(conf) * bins).astype(int), bins - 1)
    correct = np.asarray(correct, float)
    return float(np.mean([abs(correct[which == b].mean() - conf[which == b].mean())
                          for b in range(bins) if (which == b).any()]))


def test_wrong_answers_fail_with_a_reason():
    a = ex09.q5_analysis()
    best = a.worst_slice()
    good = max(a.slices, key=lambda k: a.slices[k][0])
    assert_wrong_answers_fail("09", {
        "q1": [lambda p, X, t: float(np.mean(p(t(X)) == p(X))), lambda p, X, t: int(np.sum(p(t(X)) != p(X))),
               lambda p, X, t: 0.5, lambda p, X, t: "half"],
        "q2": [_unweighted, lambda c, k, b: abs(np.mean(c) - np.mean(k)), lambda c, k, b: np.nan,
               lambda c, k, b: obs.ece(c, k, b + 1)],
        "q3": [1.0, 0.3, 0.5, 20.0, -4.0, "4", None],
        "q4": [0.05, 0.5, 1e-12, 0.0, 1.0, "1e-4"],
        "q5": [good, "digit 42", 9, None],
    })
    assert best != good


def test_messages_say_what_is_wrong():
    ex = lesson("09")
    assert "stay the same" in ex.q1.check(lambda p, X, t: float(np.mean(p(t(X)) == p(X)))).message
    assert "a count" in ex.q1.check(lambda p, X, t: int(np.sum(p(t(X)) != p(X)))).message
    assert "weight each bin" in ex.q2.check(_unweighted).message
    assert "fitted on probabilities" in ex.q3.check(temperature=0.3).message
    assert "T > 1" in ex.q3.check(temperature=0.5).message
    assert "false alarm" in ex.q4.check(alpha=0.05).message
    assert "too cautious" in ex.q4.check(alpha=1e-12).message
