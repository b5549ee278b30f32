"""Lesson 07's checkers fail on typical wrong answers (and say why), pass the solutions, and pass
on every stand-in machine."""
import numpy as np

import dltutor
from dltutor import interpretability as interp
from dltutor.exercises import lesson
from helpers import assert_wrong_answers_fail
from machines import MACHINES


def _gradient_only(model, X, targets, baseline, steps):          # forgot the path
    return (X - baseline) * interp.logit_gradient(model, X, targets)


def _no_difference(model, X, targets, baseline, steps):          # forgot "times (x - baseline)"
    return interp.integrated_gradients(model, X, targets, baseline=baseline, steps=steps) / np.where(
        X - baseline == 0, 1, X - baseline)


def _zero_baseline_always(model, X, targets, baseline, steps):   # ignores the baseline it is given
    return interp.integrated_gradients(model, X, targets, steps=steps)


def _wrong_shape(model, X, targets, baseline, steps):
    return interp.integrated_gradients(model, X, targets, baseline=baseline, steps=steps).sum(1)


def test_wrong_answers_fail_with_a_reason():
    t = interp.run_tabular(0)
    right = t.names[int(np.argmax(t.shap_values[0]))]
    p = 1 / (1 + np.exp(-(t.base_value + t.shap_values[0].sum())))
    others = [n for n in t.names if n != right]
    assert_wrong_answers_fail("07", {
        "q1": [_gradient_only, _no_difference, _zero_baseline_always, _wrong_shape, interp.gradient_x_input,
               "integrated gradients", 3],
        "q2": ["gradient_x_input", "integrated_gradients", "occlusion", "gradiant", 0],
        "q3": [3, 0, 10, -1, "6", 6.0, True],
        "q5": ["b", "c", "d", 1],
    }, {"q4": [(others[0], p), (others[-1], p), (right, t.base_value), (right, t.log_odds[0]),
               (right, 1 - p if abs(1 - 2 * p) > 0.02 else 0.5), (right, "high"), (f"{right}s", p)]})


def test_messages_say_what_is_wrong():
    ex = lesson("07")
    assert "returned shape" in ex.q1.check(_wrong_shape).message
    assert "blurred baseline" in ex.q1.check(_zero_baseline_always).message
    assert "should be a function" in ex.q1.check("integrated gradients").message
    assert "barely changed" in ex.q2.check("gradient_x_input").message
    assert "Stamp the watermark" in ex.q3.check(3).message
    t = interp.run_tabular(0)
    right = t.names[int(np.argmax(t.shap_values[0]))]
    assert "sigmoid" in ex.q4.check(right, 3.0).message


def test_solutions_pass_on_every_machine():
    ex = lesson("07")
    for machine in MACHINES:
        with machine:
            for exercise in ex:
                namespace = {"np": np, "interp": interp, "dltutor": dltutor}
                exec(exercise._solution, namespace)  # noqa: S102 - our own solution text
                result = exercise.check(**{n: namespace[n] for n in exercise.names})
                assert result.passed, (machine, exercise.name, result.message)
    assert [w.name for w in ex.written] == ["w1"] and sum(e.points for e in ex) == 6
    assert ex.q3.check(watermark_class=np.int64(interp.compute._MYSTERY)).passed      # np.argmax's answer
