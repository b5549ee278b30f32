"""Lesson 09 · exercises: checkers (tested to fail on wrong answers), hints and solutions.

Checkers that need a trained model or a stream call the compute layer as the notebook does
(remembered per seed and per :func:`dltutor.env.perturbation`), so a second check is cheap.
"""
from __future__ import annotations

import functools
import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "09"

Q3_NLL_SLACK = 0.005     # q3: a temperature whose validation NLL is within 0.005 nats of the best passes
Q4_DAYS = 2              # q4: the alert fires at most two days after the drift starts ...
Q4_SEEDS = range(10)     # ... on the noise streams of seeds 0-9, and never on their clean streams
Q5_SLACK = 0.01          # q5: a slice within 1 point of the worst passes (slices of similar accuracy)


def _oc():
    from dltutor.observability import compute  # noqa: PLC0415

    return compute


# --- q1: the flip rate of an invariance test -----------------------------------------------------------

def _check_flip_rate(my_flip_rate):
    import numpy as np  # noqa: PLC0415

    oc = _oc()
    if not callable(my_flip_rate):
        raise Incorrect("`my_flip_rate` should be a function my_flip_rate(predict, X, transform) that returns a number.")
    model = oc.train_ensemble(0)
    X = oc.digits_split().X_test
    for name, transform in (("a one-pixel shift", lambda X: oc.shift(X, 1, 0)),
                            ("a fainter pen", lambda X: oc.brighten(X, 0.5)),
                            ("nothing", lambda X: X)):
        got = my_flip_rate(model.predict, X, transform)
        if isinstance(got, bool) or not isinstance(got, numbers.Real) and not np.ndim(got) == 0:
            raise Incorrect(f"For {name} your function returned {got!r:.60}; it should return one number, a share.")
        got, right = float(got), oc.flip_rate(model.predict, X, transform)
        if abs(got - right) < 1e-9:
            continue
        if abs(got - (1 - right)) < 1e-9:
            raise Incorrect(f"For {name} you return {got:.3f}, the share of labels that stay the same; the test "
                            "counts those that change.")
        if abs(got - right * len(X)) < 1e-6:
            raise Incorrect(f"For {name} you return {got:g}, a count; divide by the number of images.")
        raise Incorrect(f"For {name} you return {got:.3f}; the share of predictions that change is {right:.3f}. "
                        "Compare predict(transform(X)) with predict(X), image by image.")
    return (f"right. A one-pixel shift changes {oc.flip_rate(model.predict, X, lambda X: oc.shift(X, 1, 0)):.0%} "
            f"of this {model.test_accuracy:.1%}-accurate model's answers.")


# --- q2: expected calibration error ------------------------------------------------------------------

def _check_ece(my_ece):
    import numpy as np  # noqa: PLC0415

    oc = _oc()
    if not callable(my_ece):
        raise Incorrect("`my_ece` should be a function my_ece(confidence, correct, bins) that returns a number.")
    rng = np.random.default_rng(4)
    for n, bins in ((1000, 15), (300, 10), (50, 20)):
        conf = rng.uniform(0.1, 1.0, n) ** 0.3
        conf[:3] = (1.0, 0.5, 0.1)               # the edges: 1.0 goes in the top bin
        correct = rng.uniform(size=n) < conf ** 2
        got = float(my_ece(conf.copy(), correct.copy(), bins))
        right = oc.ece(conf, correct, bins)
        if abs(got - right) < 1e-6:
            continue
        which = np.minimum((conf * bins).astype(int), bins - 1)
        gaps = [abs(correct[which == b].mean() - conf[which == b].mean()) for b in range(bins) if (which == b).any()]
        if gaps and abs(got - float(np.mean(gaps))) < 1e-6:
            raise Incorrect(f"With {bins} bins you return {got:.4f}, the plain mean of the bins' gaps; weight each "
                            "bin by the share of predictions in it (a bin with 3 predictions counts little).")
        if not np.isfinite(got):
            raise Incorrect("Your ECE is NaN or infinite: an empty bin has no mean; skip empty bins.")
        if abs(got - abs(correct.mean() - conf.mean())) < 1e-6:
            raise Incorrect("You return |accuracy - mean confidence| over all predictions at once; ECE compares "
                            "them inside each confidence bin, where errors cannot cancel.")
        raise Incorrect(f"With {n} predictions and {bins} bins you return {got:.4f}; the ECE is {right:.4f}. Bins "
                        "are [0, 1/bins), [1/bins, 2/bins), ..., and a confidence of exactly 1 goes in the last one.")
    return "right: a weighted mean of |accuracy - confidence| over the bins."


# --- q3: the temperature -----------------------------------------------------------------------------

def _check_temperature(temperature):
    oc = _oc()
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
        raise Incorrect(f"`temperature` should be one positive number, got {temperature!r:.60}.")
    t = float(temperature)
    if not t > 0:
        raise Incorrect(f"A temperature must be positive (logits are divided by it); got {t:g}.")
    model = oc.train_calibration(0)
    sp = oc._mnist1d_split()
    z = model.logits(sp.X_val, oc.CAL_EPOCHS)
    best = oc.fit_temperature(z, sp.y_val)
    mine, least = oc.nll(z, sp.y_val, t), oc.nll(z, sp.y_val, best)
    if mine <= least + Q3_NLL_SLACK:
        c = oc.calibration_at(model, oc.CAL_EPOCHS)
        return (f"right: T = {t:.2f} (validation NLL {mine:.3f}; the least is {least:.3f} at T = {best:.2f}). Test "
                f"ECE {c.ece_before:.1%} -> {oc.ece(oc.softmax(model.logits(sp.X_test, oc.CAL_EPOCHS), t).max(1), c.correct):.1%}, "
                "and not one prediction changed.")
    wrong_way = abs(t - oc.fit_temperature(oc.softmax(z), sp.y_val)) < 0.05
    if wrong_way:
        raise Incorrect(f"T = {t:.2f} is the temperature fitted on probabilities; fit it on the logits "
                        "(softmax(logits / T)).")
    if t < 1:
        raise Incorrect(f"T = {t:.2f} sharpens the probabilities, but this network is already overconfident: it needs "
                        f"T > 1. Its validation NLL is {mine:.3f}, the least reachable is {least:.3f}.")
    raise Incorrect(f"At T = {t:.2f} the validation NLL is {mine:.3f}; the least reachable is {least:.3f}. Minimize "
                    "the NLL of softmax(logits / T) on the validation set over T.")


# --- q4: the alert threshold --------------------------------------------------------------------------

def _check_alpha(alpha):
    oc = _oc()
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise Incorrect(f"`alpha` should be one number between 0 and 1, got {alpha!r:.60}.")
    a = float(alpha)
    if not 0 < a < 1:
        raise Incorrect(f"`alpha` is a p-value threshold: it must be between 0 and 1 (not included); got {a:g}.")
    clean = {s: d for s, d in oc.alert_days(a, "none", seeds=Q4_SEEDS).items() if d is not None}
    if clean:
        s, d = next(iter(clean.items()))
        raise Incorrect(f"At alpha = {a:g} the clean stream of seed {s} raises an alert on day {d}: a false alarm "
                        f"({len(clean)} of {len(Q4_SEEDS)} clean streams have one). Lower alpha.")
    late = {s: d for s, d in oc.alert_days(a, "noise", seeds=Q4_SEEDS).items()
            if d is None or d > oc.START + Q4_DAYS}
    if late:
        s, d = next(iter(late.items()))
        when = "never fires" if d is None else f"fires only on day {d}"
        raise Incorrect(f"At alpha = {a:g} the noise stream of seed {s} {when}; the drift starts on day {oc.START}. "
                        "Raise alpha: the detector is too cautious.")
    return (f"right: at alpha = {a:g} no clean stream of seeds 0-9 raises an alert, and every noise stream does by "
            f"day {oc.START + Q4_DAYS}. A lower alpha waits longer, a higher one cries wolf.")


# --- q5: the slice to fix ------------------------------------------------------------------------------

def q5_analysis():
    """The error analysis of q5: seed 0's model on the labelled days 10-26 of the thicker stream."""
    oc = _oc()
    s = oc.simulate_stream(0, "thicker")
    days = slice(oc.START, oc.DAYS - oc.LABEL_DELAY)
    return oc.error_analysis(oc.train_ensemble(0), s.X[days].reshape(-1, 64), s.y[days].ravel())


def _check_slice(slice_to_fix):
    oc = _oc()
    if not isinstance(slice_to_fix, str) or slice_to_fix not in oc.SLICES:
        raise Incorrect(f"`slice_to_fix` should be one of the slices' names: {', '.join(oc.SLICES)}; got "
                        f"{slice_to_fix!r:.60}.")
    a = q5_analysis()
    worst = a.worst_slice()
    if slice_to_fix not in a.slices or a.slices[slice_to_fix][1] < 20:
        raise Incorrect(f"'{slice_to_fix}' holds fewer than 20 of these images: too few to decide on.")
    acc, n = a.slices[slice_to_fix]
    if acc > a.slices[worst][0] + Q5_SLACK:
        raise Incorrect(f"'{slice_to_fix}' is right {acc:.1%} of the time ({n} images); another slice does worse. "
                        "Sort the slices by accuracy.")
    return (f"right: '{slice_to_fix}' ({acc:.1%} of {n} images, against {a.accuracy:.1%} overall). More (or "
            "augmented) training images like these is where to start.")


@functools.lru_cache(maxsize=1)
def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("09")`` returns)."""
    return ExerciseSet("Lesson 09 — testing and observing a model", [
        Exercise(
            "q1",
            "Write `my_flip_rate(predict, X, transform)`: the share of the images of `X` whose predicted label "
            "changes when `transform` is applied (`predict` maps images to labels).",
            names=("my_flip_rate",), checker=_check_flip_rate, points=1,
            hint="predict(X) and predict(transform(X)) are two arrays of labels; compare them element by element.",
            solution="def my_flip_rate(predict, X, transform):\n"
                     "    return float(np.mean(predict(transform(X)) != predict(X)))"),
        Exercise(
            "q2",
            "Write `my_ece(confidence, correct, bins)`: the expected calibration error of predictions with these "
            "confidences (max softmax) and these True/False outcomes, over `bins` equal-width bins.",
            names=("my_ece",), checker=_check_ece, points=2,
            hint="Bin b holds the confidences in [b/bins, (b+1)/bins) (1.0 in the last). In each non-empty bin take "
                 "|accuracy - mean confidence| and weight it by the bin's share of all predictions.",
            graded_hint="A weighted mean over the bins of |accuracy - mean confidence|.",
            solution="def my_ece(confidence, correct, bins):\n"
                     "    confidence, correct = np.asarray(confidence), np.asarray(correct, float)\n"
                     "    which = np.minimum((confidence * bins).astype(int), bins - 1)\n"
                     "    total = 0.0\n"
                     "    for b in range(bins):\n"
                     "        inside = which == b\n"
                     "        if inside.any():\n"
                     "            total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())\n"
                     "    return total"),
        Exercise(
            "q3",
            "Fit the temperature of the calibration network (`obs.train_calibration(0)`, after its 200 epochs) on "
            "the validation logits, and set `temperature` to it.",
            names=("temperature",), checker=_check_temperature, points=1,
            hint="obs.nll(logits, y, T) is the validation NLL at T; try a grid of T (np.geomspace(0.1, 20, 400)) "
                 "and keep the best, or use obs.fit_temperature.",
            graded_hint="Minimize the validation NLL of softmax(logits / T) over T; obs.nll(logits, y, T) gives it "
                        "at one T.",
            solution="from dltutor import observability as obs\n"
                     "net = obs.train_calibration(0)\n"
                     "val = obs.compute._mnist1d_split()\n"
                     "grid = np.geomspace(0.1, 20, 400)\n"
                     "z = net.logits(val.X_val, obs.CAL_EPOCHS)\n"
                     "temperature = float(grid[np.argmin([obs.nll(z, val.y_val, t) for t in grid])])"),
        Exercise(
            "q4",
            "Choose the detector's threshold `alpha` so that the alert fires within two days of the noise drift "
            "(day 10 to 12) on the streams of seeds 0-9, and never on their clean streams "
            "(`obs.alert_days(alpha, drift, seeds=range(10))`).",
            names=("alpha",), checker=_check_alpha, points=1,
            hint="Try alpha = 0.05, 1e-3, 1e-6, 1e-10 with obs.alert_days for drift 'none' and 'noise': which "
                 "fail how?",
            solution="from dltutor import observability as obs\n"
                     "ok = [a for a in np.geomspace(1e-10, 0.1, 21)\n"
                     "      if all(d is None for d in obs.alert_days(a, 'none').values())\n"
                     "      and all(d is not None and d <= 12 for d in obs.alert_days(a, 'noise').values())]\n"
                     "alpha = float(np.sqrt(ok[0] * ok[-1]))      # the middle of the window that works"),
        Exercise(
            "q5",
            "On the labelled days of the thicker stream (`ex09.q5_analysis()`: seed 0's model on days 10-26), "
            "which slice should the next round of data collection target? Set `slice_to_fix` to its name.",
            names=("slice_to_fix",), checker=_check_slice, points=1,
            hint="analysis.slices is {slice: (accuracy, n)}: the slice with the lowest accuracy, among those with "
                 "enough images to trust it.",
            solution="from dltutor.observability import exercises as ex09\n"
                     "a = ex09.q5_analysis()\n"
                     "slice_to_fix = min((k for k, (acc, n) in a.slices.items() if n >= 20), key=lambda k: a.slices[k][0])"),
    ], written=[
        Written(
            "w1", after="**Alarm or not?**",
            prompt="The pixel detector fired on the first day of the thicker strokes, days before accuracy fell; "
                   "on the 'more 3s' stream it fires too, yet accuracy does not fall. What should an alert on "
                   "input drift make a team do, and why is accuracy on delayed labels not enough on its own?",
            answer="1 point: an input-drift alert says the data moved, not that the model got worse: it is a reason "
                   "to look (label a sample, check the slices, compare with the training data), not to retrain "
                   "blindly; the class-frequency drift changes the inputs but the model stays right (here it even "
                   "gets more accurate, 3s are easy). 1 point: labels arrive late (3 days here, weeks in practice) "
                   "and only for some predictions, so accuracy shows harm days after it began; the input and "
                   "confidence monitors react at once but cannot tell harm from harmless change: you need both, "
                   "on one timeline."),
    ])
