"""Lesson 01 · exercises: checkers (tested to fail on wrong answers), hints and solutions."""
from __future__ import annotations

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "01"


def _check_early_stopping(early_stopping):
    from dltutor.overfitting import compute as of  # noqa: PLC0415
    from dltutor._backend import keras  # noqa: PLC0415

    if not isinstance(early_stopping, keras.callbacks.EarlyStopping):
        raise Incorrect("`early_stopping` should be a keras.callbacks.EarlyStopping(...) callback.")
    if not str(early_stopping.monitor).startswith("val_"):
        raise Incorrect(f"it monitors {early_stopping.monitor!r}, a training metric; overfitting "
                        "shows on the validation set, so monitor 'val_loss'.")
    if not early_stopping.restore_best_weights:
        raise Incorrect("training stops, but the model keeps the weights of the *last* epoch, "
                        "which are already overfit. One more argument brings back the best epoch.")
    fit = of.run_fit(callbacks=[early_stopping], epochs=600)
    best = min(fit.history["val_loss"])
    logits = fit.model(fit.data.X_test, training=False)
    now = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(fit.data.y_test, logits))
    if abs(now - best) > 1e-3 * best:
        raise Incorrect(f"after training the validation loss is {now:.3f}, not the best {best:.3f}.")
    return (f"training stopped at epoch {len(fit.history['loss'])} and the model was rolled back to "
            f"epoch {fit.best_epoch} (validation loss {best:.3f}).")


def _check_l2(l2):
    from dltutor.overfitting import compute as of  # noqa: PLC0415

    if l2 not in of.L2S:
        raise Incorrect(f"pick one of the slider's values: {', '.join(f'{v:g}' for v in of.L2S)}.")
    baseline = of.run_fit()
    fit = of.run_fit(l2=l2)
    if fit.val_accuracy < baseline.val_accuracy:
        raise Incorrect(f"with l2={l2:g} validation accuracy fell to {fit.val_accuracy:.0%} (baseline "
                        f"{baseline.val_accuracy:.0%}): the penalty is so strong that the model underfits.")
    if fit.gap >= 8:
        raise Incorrect(f"with l2={l2:g} the gap is still {fit.gap:.0f} points; it must be under 8.")
    smaller = [v for v in of.L2S if v < l2]
    if smaller:
        weaker = of.run_fit(l2=smaller[-1])
        if weaker.gap < 8 and weaker.val_accuracy >= baseline.val_accuracy:
            raise Incorrect(f"it works, but a smaller one does too (l2={smaller[-1]:g}: gap "
                            f"{weaker.gap:.0f} points). Use the smallest penalty that does the job.")
    return (f"l2={l2:g} closes the gap from {baseline.gap:.0f} to {fit.gap:.0f} points and lifts "
            f"validation accuracy from {baseline.val_accuracy:.0%} to {fit.val_accuracy:.0%}.")


def _check_peak(peak_features):
    n_train = 1347
    if not isinstance(peak_features, (int, float)) or isinstance(peak_features, bool):
        raise Incorrect("`peak_features` should be a number of features, like 500.")
    if abs(peak_features - n_train) > 0.1 * n_train:
        raise Incorrect(f"{peak_features} is not where the peak is. Think about the moment the model "
                        "has just enough parameters to fit every training point exactly.")
    return (f"the peak sits at the interpolation threshold: p = n = {n_train} features, the "
            "first size at which the model can fit all 1347 training images exactly, and only one "
            "way to do it.")


def _check_random_labels(y_random):
    import numpy as np  # noqa: PLC0415

    from dltutor.data import load_digits  # noqa: PLC0415

    y_train = load_digits().y_train
    y_random = np.asarray(y_random)
    if y_random.shape != y_train.shape:
        raise Incorrect(f"`y_random` needs one label per training image: shape {y_train.shape}, "
                        f"not {y_random.shape}.")
    if not np.isin(y_random, np.arange(10)).all():
        raise Incorrect("labels must be digits 0 to 9.")
    agree = float((y_random == y_train).mean())
    if agree > 0.2:
        raise Incorrect(f"{agree:.0%} of your labels still equal the true ones; random labels agree "
                        "with the truth only by chance (about 10%).")
    counts = np.bincount(y_random, minlength=10)
    if counts.min() < 0.5 * counts.mean():
        raise Incorrect("some digits almost never appear: shuffle the labels you have "
                        "(every class keeps its count) or draw them uniformly.")
    return f"only {agree:.0%} of the labels agree with the truth: no pattern left to learn, only to memorize."


def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("01")`` returns)."""
    return ExerciseSet("Lesson 01 — overfitting and generalization", [
        Exercise(
            "q1",
            "Create `early_stopping`, a Keras callback that stops training when the validation "
            "loss stops improving for 30 epochs AND gives back the weights of the best epoch.",
            names=("early_stopping",), checker=_check_early_stopping,
            points=2,
            hint="keras.callbacks.EarlyStopping(monitor=..., patience=..., restore_best_weights=...)",
            solution="early_stopping = keras.callbacks.EarlyStopping(\n"
                     "    monitor=\"val_loss\", patience=30, restore_best_weights=True)"),
        Exercise(
            "q2",
            "Set `l2` to the smallest weight decay from the slider (0, 1e-4, 1e-3, 1e-2, 0.1) that "
            "brings the gap of the 2x256 model under 8 points without lowering validation accuracy.",
            names=("l2",), checker=_check_l2,
            points=1,
            hint="Try them in the explorer, from small to large, and read the gap under the figure. "
                 "Too large a penalty flattens the model until it predicts one class for everything.",
            solution="l2 = 1e-2"),
        Exercise(
            "q3",
            "Before running the double-descent cell: at how many random features "
            "(`peak_features`) will the test error peak? The training set has 1347 images.",
            names=("peak_features",), checker=_check_peak,
            points=1,
            hint="With p features the least-squares fit has p unknowns per class and 1347 equations. "
                 "When can it first solve all of them exactly?",
            solution="peak_features = 1347"),
        Exercise(
            "q4",
            "Make `y_random`: the digits' training labels with every bit of information destroyed, "
            "for the memorization experiment.",
            names=("y_random",), checker=_check_random_labels,
            points=1,
            graded_hint="Keep every label, but give each image the label of another image: numpy's random "
                        "Generator has a method that reorders an array.",
            hint="np.random.default_rng(0).permutation(y_train) shuffles the labels among the images.",
            solution="y_random = np.random.default_rng(0).permutation(y_train)"),
    ], written=[
        Written(
            "w1", after="**Predict** the training accuracy after 150 epochs",
            prompt="Before you run the next cell: predict the training accuracy on random labels after "
                   "150 epochs, and the validation accuracy, each with a reason. After running it: "
                   "what does the result tell you about a network's training score?",
            answer="1 point: a committed prediction for both numbers with a reason (any prediction "
                   "with a reason earns it). 1 point: the lesson drawn. The network memorizes: "
                   "training accuracy reaches almost 100% because it has far more parameters than "
                   "there are 1347 images, while validation stays near chance (7-15% over seeds "
                   "0-9; chance is 10%). So a high training score proves nothing about "
                   "generalization: only held-out data can tell."),
    ])
