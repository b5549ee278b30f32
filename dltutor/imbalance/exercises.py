"""Lesson 03 · exercises: checkers (tested to fail on wrong answers), hints and solutions."""
from __future__ import annotations

import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "03"


def _plain_run():
    from dltutor.imbalance import compute as im  # noqa: PLC0415

    return im.fit_method(method="none", seed=0)


def _check_threshold(threshold):
    import numpy as np  # noqa: PLC0415
    from sklearn.metrics import precision_recall_curve  # noqa: PLC0415

    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise Incorrect("`threshold` should be a number between 0 and 1, like 0.2.")
    if not 0.0 <= threshold <= 1.0:
        raise Incorrect(f"{threshold} is not a probability: thresholds live between 0 and 1.")
    run = _plain_run()
    m = run.at(float(threshold))
    if m["recall"] < 0.8:
        raise Incorrect(f"at {threshold:.3f} the minority recall is {m['recall']:.0%}, below 80%: "
                        "lower the threshold so that more cases are flagged.")
    precision, recall, _ = precision_recall_curve(run.y_true, run.scores)
    best = float(precision[recall >= 0.8].max())
    if m["precision"] < best - 0.02:
        raise Incorrect(f"recall {m['recall']:.0%} is enough, but precision is only "
                        f"{m['precision']:.0%}; a higher threshold keeps recall at 80% or more with "
                        f"precision up to {best:.0%}.")
    return (f"recall {m['recall']:.0%} with precision {m['precision']:.0%}: the plain network, no "
            f"retraining, decided at {threshold:.3f} instead of 0.5.")


def _check_focal(focal_loss):
    import numpy as np  # noqa: PLC0415

    from dltutor._backend import keras  # noqa: PLC0415

    if not callable(focal_loss):
        raise Incorrect("`focal_loss` should be a function focal_loss(y_true, logits, gamma=2.0).")
    cases = [([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])]
    rng = np.random.default_rng(3)
    cases += [(rng.integers(0, 2, 64), rng.normal(0, 3, 64)) for _ in range(3)]
    for gamma in (2.0, 0.0, 5.0):
        reference = keras.losses.BinaryFocalCrossentropy(gamma=gamma, from_logits=True)
        for y, z in cases:
            y32, z32 = np.asarray(y, "float32"), np.asarray(z, "float32")
            try:
                got = float(np.asarray(focal_loss(y32, z32, gamma=gamma)))
            except Exception as exc:  # noqa: BLE001 - the student's code
                raise Incorrect(f"calling focal_loss(y_true, logits, gamma={gamma}) raised "
                                f"{type(exc).__name__}: {exc}") from None
            want = float(reference(y32[:, None], z32[:, None]))
            if not abs(got - want) <= 1e-5 + 1e-5 * abs(want):
                hint = (" With gamma=0 it must be plain binary cross-entropy."
                        if gamma == 0 else " Is the factor (1 - p_t) ** gamma, with p_t the "
                        "probability of the true class?")
                raise Incorrect(f"for y={list(y)[:4]}..., logits={list(np.round(z, 2))[:4]}..., "
                                f"gamma={gamma:g} you give {got:.5f}, Keras gives {want:.5f}.{hint}")
    return "it matches keras.losses.BinaryFocalCrossentropy to 1e-5 for gamma 0, 2 and 5."


def _check_class_weight(class_weight):
    import numpy as np  # noqa: PLC0415

    from dltutor.imbalance import compute as im  # noqa: PLC0415

    if not isinstance(class_weight, dict) or set(class_weight) != {0, 1}:
        raise Incorrect("`class_weight` should be a dict with one weight per class: {0: ..., 1: ...}.")
    w0, w1 = (float(class_weight[k]) for k in (0, 1))
    if not (np.isfinite([w0, w1]).all() and w0 > 0 and w1 > 0):
        raise Incorrect("both weights must be positive numbers.")
    y = im.make_data(seed=0).y_train
    neg, pos = int((y == 0).sum()), int((y == 1).sum())
    want = neg / pos
    if w1 < w0:
        raise Incorrect("the minority (class 1) should weigh *more*, not less: its few mistakes must "
                        "count as much as the majority's many.")
    if abs(w1 / w0 - want) > 0.05 * want:
        raise Incorrect(f"w1 / w0 = {w1 / w0:.1f}; to make both classes weigh the same in the loss it "
                        f"must be neg / pos = {neg} / {pos} = {want:.1f}.")
    return (f"each minority row now counts {w1 / w0:.1f} times a majority row: both classes weigh "
            f"the same in the loss ({neg} x {w0:.3g} = {pos} x {w1:.3g}).")


def _check_metric(metric, reason):
    if metric not in ("accuracy", "pr_auc"):
        raise Incorrect("`metric` should be 'accuracy' or 'pr_auc'.")
    if metric == "accuracy":
        raise Incorrect("a model that never flags anyone already scores 99.5% accuracy here: the "
                        "number cannot tell a useless screen from a good one.")
    if reason not in ("a", "b", "c"):
        raise Incorrect("`reason` should be 'a', 'b' or 'c'.")
    if reason == "a":
        raise Incorrect("PR AUC is not 'always higher'; at 0.5% positives it is often far lower than "
                        "accuracy. Look at what each number counts.")
    if reason == "c":
        raise Incorrect("PR AUC does not depend on one threshold (it sums over all of them), and it "
                        "is computed from the same predictions. Look at which cells of the confusion "
                        "matrix each number uses.")
    return ("PR AUC is built from precision and recall only, never the true negatives that make up "
            "99.5% of the cases, so it shows how well the rare positives are found; its chance "
            "level is the positive rate, 0.005.")


def _check_bias(b0):
    import numpy as np  # noqa: PLC0415

    from dltutor.imbalance import compute as im  # noqa: PLC0415

    if isinstance(b0, bool) or not isinstance(b0, (numbers.Real, np.floating)):
        raise Incorrect("`b0` should be one number, the initial bias of the minority logit.")
    y = im.make_data(seed=0).y_train
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    want = float(np.log(pos / neg))
    if abs(b0 + want) < 0.05:
        raise Incorrect(f"{b0:.3f} has the wrong sign: the network should start out saying "
                        "'minority is rare', a negative logit.")
    if abs(b0 - want) > 0.05:
        raise Incorrect(f"b0 = {b0:.3f}; it should make softmax/sigmoid give the base rate "
                        f"pos / (pos + neg) = {pos / (pos + neg):.3f} for every input.")
    return (f"b0 = log({pos}/{neg}) = {want:.2f}: the first prediction is the base rate "
            f"{pos / (pos + neg):.1%}, so the first epochs are not spent learning it.")


def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("03")`` returns)."""
    return ExerciseSet("Lesson 03 — class imbalance", [
        Exercise(
            "q1",
            "The plain network (`run = im.fit_method(method=\"none\")`, seed 0) flags too few "
            "minority cases at 0.5. Set `threshold` to the value that reaches minority recall of "
            "at least 0.8 with the best precision possible.",
            names=("threshold",), checker=_check_threshold,
            points=2,
            graded_hint="sklearn.metrics has a function that gives precision and recall at every "
                        "threshold of run.scores. Among the thresholds that keep recall at 0.8 or more, "
                        "which one is best?",
            hint="sklearn.metrics.precision_recall_curve(run.y_true, run.scores) gives precision, "
                 "recall and thresholds; keep the thresholds with recall >= 0.8 and take the one "
                 "with the highest precision.",
            solution="from sklearn.metrics import precision_recall_curve\n"
                     "from dltutor import imbalance as im\n"
                     "run = im.fit_method(method=\"none\", seed=0)   # as in the notebook\n"
                     "precision, recall, thresholds = precision_recall_curve(run.y_true, run.scores)\n"
                     "ok = recall[:-1] >= 0.8\n"
                     "threshold = thresholds[ok][np.argmax(precision[:-1][ok])]"),
        Exercise(
            "q2",
            "Write `focal_loss(y_true, logits, gamma=2.0)`: the mean binary focal loss for 0/1 "
            "labels and raw logits, in a few lines of TensorFlow. It must match "
            "`keras.losses.BinaryFocalCrossentropy(gamma=gamma, from_logits=True)`.",
            names=("focal_loss",), checker=_check_focal,
            points=3,
            hint="p = sigmoid(logits); p_t = p where y = 1, 1 - p where y = 0; the loss is "
                 "-(1 - p_t) ** gamma * log(p_t), averaged. Compute log(p_t) from the logits "
                 "(tf.nn.sigmoid_cross_entropy_with_logits is -log(p_t)) so that it never overflows.",
            solution="import tensorflow as tf\n\n"
                     "def focal_loss(y_true, logits, gamma=2.0):\n"
                     "    y = tf.cast(y_true, tf.float32)\n"
                     "    ce = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits)  # -log(p_t)\n"
                     "    p = tf.sigmoid(logits)\n"
                     "    p_t = y * p + (1 - y) * (1 - p)\n"
                     "    return tf.reduce_mean((1 - p_t) ** gamma * ce)"),
        Exercise(
            "q3",
            "Write `class_weight`, the dict for `model.fit(..., class_weight=class_weight)` that "
            "makes both classes of `data` (3% positives) weigh the same in the loss.",
            names=("class_weight",), checker=_check_class_weight,
            points=1,
            hint="Count the rows of each class in data.y_train. Each class's weight times its count "
                 "should be the same for both classes.",
            solution="from dltutor import imbalance as im\n"
                     "data = im.make_data(seed=0)   # as in the notebook\n"
                     "neg, pos = np.bincount(data.y_train)\n"
                     "class_weight = {0: (neg + pos) / (2 * neg), 1: (neg + pos) / (2 * pos)}"),
        Exercise(
            "q4",
            "A screening test for a disease 1 in 200 people have. You compare two models with one "
            "number. Set `metric` to 'accuracy' or 'pr_auc', and `reason` to the letter of why: "
            "(a) PR AUC is always higher; (b) it ignores the true negatives, which are 99.5% of the "
            "cases, and scores only how the rare positives are found; (c) it uses the best threshold.",
            names=("metric", "reason"), checker=_check_metric,
            points=1,
            hint="What accuracy does a model get that says 'healthy' to everyone?",
            solution="metric = \"pr_auc\"\nreason = \"b\""),
        Exercise(
            "q5",
            "The initial-bias trick: set `b0`, the starting bias of the minority logit (the other "
            "logit's bias stays 0) that makes the untrained network predict the base rate for "
            "`data` (3% positives).",
            names=("b0",), checker=_check_bias,
            points=1,
            hint="With two logits 0 and b, softmax gives the minority sigmoid(b). Which b makes "
                 "sigmoid(b) = pos / (pos + neg)?",
            solution="from dltutor import imbalance as im\n"
                     "data = im.make_data(seed=0)   # as in the notebook\n"
                     "neg, pos = np.bincount(data.y_train)\nb0 = np.log(pos / neg)"),
    ], written=[
        Written(
            "w1", after="**Predict:** as the minority share falls from 50% to 1%",
            prompt="Before you run the sweep: as the minority share falls from 50% to 1%, what "
                   "happens to accuracy and to minority recall? After it: why do the two disagree?",
            answer="1 point: a prediction for both with a reason. 1 point: the explanation. "
                   "Accuracy rises, tracking the always-majority line (1 - share), while minority "
                   "recall collapses: with few minority rows the loss is dominated by the "
                   "majority, and a model that says 'majority' almost always is rewarded by "
                   "accuracy. PR AUC falls with recall: it is the summary that notices."),
    ])
