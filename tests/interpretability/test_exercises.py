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


def _rescaled_gxi(model, X, targets, baseline, steps):         # right totals, wrong map
    from dltutor.interpretability import compute as ic

    a = interp.gradient_x_input(model, X, targets)
    rows = np.arange(len(X))
    gap = ic._logits(model, X)[rows, targets] - ic._logits(model, baseline)[rows, targets]
    return a * (gap / np.where(a.sum(1) == 0, 1, a.sum(1)))[:, None]


def _uniform(model, X, targets, baseline, steps):               # the gap spread evenly
    from dltutor.interpretability import compute as ic

    rows = np.arange(len(X))
    gap = ic._logits(model, X)[rows, targets] - ic._logits(model, baseline)[rows, targets]
    return np.repeat(gap[:, None] / 64, 64, axis=1)


def _left_riemann(model, X, targets, baseline, steps):          # a valid IG, too coarse at 50 steps
    alphas = np.linspace(0, 1, steps + 1, dtype=np.float32)[:-1]
    path = baseline[:, None] + alphas[None, :, None] * (X - baseline)[:, None]
    g = interp.logit_gradient(model, path.reshape(-1, 64), np.repeat(targets, steps)).reshape(path.shape)
    return (X - baseline) * g.mean(1)


def _q4():
    t = interp.run_tabular(0)
    row = t.example_row
    right = t.names[int(np.argmax(t.shap_values[row]))]
    return t, right, t.probability(row)


def test_wrong_answers_fail_with_a_reason():
    t, right, p = _q4()
    others = [n for n in t.names if n != right]
    assert 0.6 < p < 0.95               # a row the model is not sure of: 1.0 or 0.5 are wrong answers
    assert_wrong_answers_fail("07", {
        "q1": [_gradient_only, _no_difference, _zero_baseline_always, _wrong_shape, _rescaled_gxi, _uniform,
               interp.gradient_x_input, "integrated gradients", 3],
        "q2": ["gradient_x_input", "integrated_gradients", "occlusion", "gradiant", 0],
        "q3": [3, 0, 10, -1, "6", 6.5, True],
        "q5": ["b", "c", "d", 1],
    }, {"q4": [(others[0], p), (others[-1], p), (right, t.base_value), (right, t.log_odds[t.example_row]),
               (right, 1 - p), (right, 1.0), (right, 0.5), (right, True), (right, str(p)), (right, 100 * p),
               (right, 1 / (1 + np.exp(-100 * p))), (f"{right}s", p)]})


def test_messages_say_what_is_wrong():
    ex = lesson("07")
    assert "returned shape" in ex.q1.check(_wrong_shape).message
    assert "blurred baseline" in ex.q1.check(_zero_baseline_always).message
    assert "should be a function" in ex.q1.check("integrated gradients").message
    assert "do not look like integrated gradients" in ex.q1.check(_uniform).message
    assert "do not look like integrated gradients" in ex.q1.check(_rescaled_gxi).message
    assert "trapezoid rule" in ex.q1.check(_left_riemann).message
    assert "barely changed" in ex.q2.check("gradient_x_input").message
    assert "Stamp the watermark" in ex.q3.check(3).message
    t, right, p = _q4()
    assert "sigmoid" in ex.q4.check(right, 3.0).message
    assert "percentage" in ex.q4.check(right, 100 * p).message
    assert "Not that one" in ex.q5.check("b").message and "mean log-odds" not in ex.q5.check("b").message


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
    assert ex.q3.check(watermark_class=float(interp.compute._MYSTERY)).passed
    t = interp.run_tabular(0)
    assert abs(t.log_odds_of(t.background).mean() - t.base_value) < 1e-4              # q5's hint can be followed
    row = t.example_row
    read = 1 / (1 + np.exp(-round(float(t.log_odds[row]), 1)))           # f(x) as the waterfall prints it
    assert ex.q4.check(t.names[int(np.argmax(t.shap_values[row]))], read).passed
