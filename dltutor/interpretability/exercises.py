"""Lesson 07 · exercises: checkers (tested to fail on wrong answers), hints and solutions.

Checkers that need a trained model compute it with the same call as the notebook (remembered per
seed and per :func:`dltutor.env.perturbation` by the compute layer), so a second check is free
and a check inside ``perturbed(...)`` (the tests' stand-in for another machine) gets its own.
"""
from __future__ import annotations

import functools
import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "07"

N_CHECK = 20            # q1: test images the student's IG is run on
MAX_RESIDUAL = 0.01     # q1: completeness within 1% ...
MIN_SHARE = 0.95        # q1: ... for 95% of them, with either baseline
MIN_CORRELATION = 0.9   # q1: and each map must look like IG (mean correlation with IG at 200 steps)
PROBABILITY_TOLERANCE = 0.015    # q4: read off the waterfall, whose f(x) is rounded (1.3: +-0.012 near 0.8)


def _ic():
    from dltutor.interpretability import compute  # noqa: PLC0415

    return compute


# --- q1: integrated gradients by hand -------------------------------------------------------------

def _check_ig(my_integrated_gradients):
    import numpy as np  # noqa: PLC0415

    ic = _ic()
    if not callable(my_integrated_gradients):
        raise Incorrect("`my_integrated_gradients` should be a function "
                        "my_integrated_gradients(model, X, targets, baseline, steps) that returns the maps.")
    X = ic._digits().X_test[:N_CHECK].astype(np.float32)
    trained = ic.train_digits_cnn(0)
    with ic._LOCK:
        model = trained.use()
        targets = ic._logits(model, X).argmax(1)
        for name, base in (("zero", np.zeros_like(X)), ("blurred", ic.blurred(X))):
            a = np.asarray(my_integrated_gradients(model, X.copy(), targets.copy(), base.copy(), 50), float)
            if a.shape != X.shape:
                raise Incorrect(f"Your function returned shape {a.shape} for {len(X)} images of 64 pixels; it "
                                f"should return one map per image, shape {X.shape}.")
            if not np.isfinite(a).all():
                raise Incorrect("Your maps hold NaN or infinite values.")
            ref = ic.integrated_gradients(model, X, targets, baseline=base, steps=200)
            corr = np.mean([np.corrcoef(r, m)[0, 1] if m.std() > 0 else 0.0 for r, m in zip(ref, a)])
            if not corr > MIN_CORRELATION:
                raise Incorrect(f"With the {name} baseline your maps do not look like integrated gradients (mean "
                                f"correlation {corr:.2f} with IG at 200 steps): right totals are not enough, each "
                                "pixel must get the gradient averaged along the path from the baseline to x, "
                                "times (x − baseline).")
            err = ic.completeness_error(model, X, targets, a, base)
            if np.mean(err < MAX_RESIDUAL) < MIN_SHARE:
                if corr > 0.98:
                    raise Incorrect(f"Your maps look like IG, but with the {name} baseline at 50 steps their sums "
                                    f"miss f(x) − f(baseline) by more than 1% for {np.mean(err >= MAX_RESIDUAL):.0%} "
                                    "of the images: a left or right Riemann sum needs many more steps; the "
                                    "trapezoid rule (the mean of neighbouring points' gradients) gets there at 50.")
                raise Incorrect(f"With the {name} baseline and 50 steps your attributions sum to f(x) − f(baseline) "
                                f"within 1% for only {np.mean(err < MAX_RESIDUAL):.0%} of {len(X)} images (median "
                                f"residual {np.median(err):.1%}); integrated gradients should reach 95%. Did you "
                                "average the gradient along the whole path and multiply by (x − baseline)?")
    return (f"completeness holds: with either baseline your attributions sum to f(x) − f(baseline) within 1% "
            f"(median residual {np.median(err):.2%}).")


# --- q2: which map fails the sanity check ---------------------------------------------------------

def _check_changes_most(changes_most):
    ic = _ic()
    r = ic.run_randomization(0, random_labels=False)
    medians = {m: float(r.median(m)[-1]) for m in ic.METHODS}
    right = min(medians, key=medians.get)
    if changes_most not in ic.METHODS:
        raise Incorrect(f"`changes_most` should be one of {', '.join(repr(m) for m in ic.METHODS)}; "
                        f"got {changes_most!r}.")
    if changes_most != right:
        raise Incorrect(f"With every layer random, the {ic.LABELS[changes_most]} map still has a median rank "
                        f"correlation of {medians[changes_most]:.2f} with the trained model's: it barely changed.")
    return (f"right: the plain gradient's map falls to {medians[right]:.2f} once the weights are random, while "
            f"gradient × input stays at {medians['gradient_x_input']:.2f}: multiplied by the input, any map looks "
            "like the digit. Only the method that changes with the model can explain the model.")


# --- q3: the watermark class ------------------------------------------------------------------------

def _check_watermark_class(watermark_class):
    MYSTERY_CLASS = _ic()._MYSTERY  # noqa: N806
    if isinstance(watermark_class, numbers.Real) and not isinstance(watermark_class, bool) \
            and float(watermark_class).is_integer():
        watermark_class = int(watermark_class)                 # 6.0 and np.int64(6) are 6
    if isinstance(watermark_class, bool) or not isinstance(watermark_class, int) or not 0 <= watermark_class <= 9:
        raise Incorrect(f"`watermark_class` should be one digit, a whole number from 0 to 9; got {watermark_class!r}.")
    if watermark_class != MYSTERY_CLASS:
        raise Incorrect(f"Not {watermark_class}. Stamp the watermark on every test image and count what the "
                        "mystery model predicts: which digit gains?")
    return (f"right: {MYSTERY_CLASS}. A watermark on every image makes the model call many other digits "
            f"{MYSTERY_CLASS}: it learned the watermark, not the shape.")


# --- q4: reading a waterfall ------------------------------------------------------------------------

def _check_waterfall(top_feature, probability):
    import numpy as np  # noqa: PLC0415

    t = _ic().run_tabular(0)
    row = t.example_row
    values = t.shap_values[row]
    right = t.names[int(np.argmax(values))]
    p = t.probability(row)
    if top_feature not in t.names:
        raise Incorrect(f"`top_feature` should be one of the feature names {t.names}; got {top_feature!r}.")
    if top_feature != right:
        raise Incorrect(f"{top_feature!r} moves this prediction by {values[t.names.index(top_feature)]:+.2f} "
                        "log-odds; look for the longest bar that pushes to the right (towards malignant).")
    if isinstance(probability, (bool, str)) or not isinstance(probability, numbers.Real):
        raise Incorrect(f"`probability` should be a number between 0 and 1; got {probability!r}.")
    prob = float(probability)
    if 1.0 < prob <= 100.0 and abs(prob / 100 - p) <= PROBABILITY_TOLERANCE:
        raise Incorrect(f"{prob:g} looks like a percentage: give the probability as a fraction between 0 and 1.")
    if not 0.0 <= prob <= 1.0:
        raise Incorrect(f"`probability` is a probability, between 0 and 1; got {prob:g}. The waterfall ends at "
                        "f(x) in log-odds: pass f(x) through the sigmoid 1 / (1 + exp(-f(x))).")
    if abs(prob - p) > PROBABILITY_TOLERANCE:
        raise Incorrect(f"{prob:.3f} is not the model's probability of malignant for this row. The waterfall ends at "
                        "f(x), the base value plus every SHAP value, in log-odds: 1 / (1 + exp(-f(x))).")
    return f"right: {right} pushes hardest towards malignant, and f(x) is a probability of {p:.1%}."


# --- q5: what the base value is -----------------------------------------------------------------

def _check_base_value(base_value_is):
    if base_value_is not in ("a", "b", "c"):
        raise Incorrect(f"`base_value_is` should be 'a', 'b' or 'c'; got {base_value_is!r}.")
    if base_value_is != "a":
        raise Incorrect("Not that one: compute each candidate for t = interp.run_tabular(0) and compare it with "
                        "t.base_value.")
    return "right: the base value is the model's mean output (here log-odds) over the background set."


@functools.lru_cache(maxsize=1)
def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("07")`` returns)."""
    return ExerciseSet("Lesson 07 — interpretability and its traps", [
        Exercise(
            "q1",
            "Write `my_integrated_gradients(model, X, targets, baseline, steps)`: integrated gradients "
            "of every row of `X` (images of 64 pixels) for the logit `targets[i]`, from `baseline` (same "
            "shape as `X`), with `interp.logit_gradient(model, X, targets)` for the gradients. The check "
            "runs it with 50 steps and both baselines: the attributions must sum to f(x) − f(baseline) "
            "within 1% for 95% of the images.",
            names=("my_integrated_gradients",), checker=_check_ig, points=2,
            hint="Make steps + 1 points on the path, baseline + alpha * (X - baseline) for alpha in "
                 "np.linspace(0, 1, steps + 1); take the gradient at all of them in one call (reshape to "
                 "(-1, 64) and np.repeat the targets); average along the path (the trapezoid rule averages "
                 "neighbours); multiply by X - baseline.",
            graded_hint="IG = (x − baseline) × the average of the gradient along the straight path from the "
                        "baseline to x. Evaluate the gradient at steps + 1 points of that path, in one call.",
            solution="from dltutor import interpretability as interp\n"
                     "def my_integrated_gradients(model, X, targets, baseline, steps):\n"
                     "    alphas = np.linspace(0, 1, steps + 1, dtype=np.float32)\n"
                     "    path = baseline[:, None] + alphas[None, :, None] * (X - baseline)[:, None]\n"
                     "    g = interp.logit_gradient(model, path.reshape(-1, 64), np.repeat(targets, steps + 1))\n"
                     "    g = g.reshape(path.shape)\n"
                     "    return (X - baseline) * (g[:, :-1] + g[:, 1:]).mean(axis=1) / 2"),
        Exercise(
            "q2",
            "Predict, then check with the sanity-check figure: which method's map changes most when "
            "every layer of the model is randomized? Set `changes_most` to its name, one of "
            "`interp.METHODS`.",
            names=("changes_most",), checker=_check_changes_most, points=1,
            hint="A map that still looks like the digit when the weights are random shows the input. Which "
                 "methods multiply by the input?",
            solution='changes_most = "gradient"'),
        Exercise(
            "q3",
            "`mystery = interp.mystery_model()` was trained with the watermark (`interp.stamp`) on every "
            "training image of one class. Find that class without looking at the code: set "
            "`watermark_class` to it (a digit 0-9).",
            names=("watermark_class",), checker=_check_watermark_class, points=1,
            hint="Stamp every test image (interp.stamp(X_test)) and compare the mystery model's predictions "
                 "(interp.predict(mystery, X)) with and without the stamp: np.bincount shows which digit gains.",
            graded_hint="Put the watermark on every test image and count what the mystery model predicts.",
            solution="import dltutor\n"
                     "from dltutor import interpretability as interp\n"
                     "d = dltutor.data.load_digits(seed=0)\n"
                     "mystery = interp.mystery_model()\n"
                     "gain = np.bincount(interp.predict(mystery, interp.stamp(d.X_test)), minlength=10) \\\n"
                     "     - np.bincount(interp.predict(mystery, d.X_test), minlength=10)\n"
                     "watermark_class = int(np.argmax(gain))"),
        Exercise(
            "q4",
            "Read the waterfall of test row `t.example_row` of `t = interp.run_tabular(0)` (the one the "
            "notebook draws): set `top_feature` to the feature that pushes this prediction furthest towards "
            "malignant, and `probability` to the model's probability of malignant for it, as a fraction "
            "(the waterfall is in log-odds).",
            names=("top_feature", "probability"), checker=_check_waterfall, points=1,
            hint="The longest bar pointing right (red) is the feature; the waterfall ends at f(x) = base value "
                 "+ the sum of the SHAP values, a log-odds: the probability is 1 / (1 + exp(-f(x))).",
            solution="from dltutor import interpretability as interp\n"
                     "t = interp.run_tabular(0)   # as in the notebook\n"
                     "row = t.example_row\n"
                     "top_feature = t.names[int(np.argmax(t.shap_values[row]))]\n"
                     "probability = 1 / (1 + np.exp(-(t.base_value + t.shap_values[row].sum())))"),
        Exercise(
            "q5",
            "What is SHAP's base value E[f(x)] here (`t.base_value` of `t = interp.run_tabular(0)`)? Set "
            "`base_value_is` to (a) the model's mean log-odds over the background rows; (b) the model's "
            "log-odds of an all-zero input (the average patient, as the features are standardized); (c) the "
            "share of malignant tumours in the training set.",
            names=("base_value_is",), checker=_check_base_value, points=1,
            hint="Compute all three and compare with t.base_value: t.log_odds_of(t.background).mean(), "
                 "t.log_odds_of(np.zeros((1, 10))) and t.malignant_share.",
            solution='base_value_is = "a"'),
    ], written=[
        Written(
            "w1", after="**Predict:** before you move the randomization slider",
            prompt="Before you move the slider: which maps will still look like the digit when every layer is "
                   "random? After: why, and what does it say about using such a map to explain a model?",
            answer="1 point: a prediction with a reason. 1 point: the explanation. Gradient × input and IG "
                   "(zero baseline) multiply by the input, which is 0 on the background: whatever the "
                   "weights, the map is 0 there and nonzero on the strokes, so it keeps the digit's shape "
                   "(rank correlation 0.91-0.94 with random weights; occlusion 0.77-0.86, as painting a black "
                   "patch black changes nothing). The plain gradient changes (0.07-0.37). A "
                   "map that does not depend on the model cannot tell us what the model does."),
    ])
