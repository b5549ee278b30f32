"""Exercises with ``check()``, ``hint()`` and ``solution()``, as in Kaggle Learn.

In a notebook::

    from dltutor.exercises import lesson
    ex = lesson("00")
    model = ...            # the student's answer
    ex.q1.check()          # reads `model` from the notebook, or ex.q1.check(model=model)
    ex.q1.hint()
    ex.q1.solution()

Checkers test a *property* (accuracy reached, gap closed), tolerant to seed noise, and never
raise on a wrong answer: they say what is wrong and what to try. Solutions in the notebooks sit
between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers.
"""
from __future__ import annotations

import dataclasses
import html
import inspect

__all__ = ["Exercise", "ExerciseSet", "CheckResult", "Incorrect", "lesson"]

_MISSING = object()


class Incorrect(Exception):
    """Raised by a checker function to say what is wrong with an answer."""


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of ``check()``: truthy when correct; shows as a coloured line in notebooks."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __str__(self):
        mark = "Correct" if self.passed else "Not yet"
        return f"{mark} ({self.exercise}): {self.message}"

    def _repr_html_(self):
        colour, mark = ("#029e73", "&#10004; Correct") if self.passed else ("#d55e00", "&#10008; Not yet")
        return (f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
                f"<b style='color:{colour}'>{mark}</b> ({self.exercise}): {html.escape(self.message)}</div>")


class Exercise:
    """One question.

    Parameters
    ----------
    name : str
        "q1", shown in messages.
    prompt : str
        What to do, in one or two sentences.
    names : tuple of str
        The notebook variables the checker takes (looked up in the caller's namespace when
        ``check()`` gets no arguments).
    checker : callable
        ``checker(**answers) -> str`` returns a success message or raises :class:`Incorrect`.
    hint : str
    solution : str
        Code, shown by ``solution()``.
    """

    def __init__(self, name, prompt, *, names, checker, hint, solution):
        self.name, self.prompt, self.names = name, prompt, tuple(names)
        self._checker, self._hint, self._solution = checker, hint, solution

    def check(self, *args, **answers):
        """Check the answer; returns a :class:`CheckResult` (never raises on a wrong answer)."""
        if args:
            if len(args) > len(self.names):
                raise TypeError(f"{self.name}.check() takes {len(self.names)} answer(s): {', '.join(self.names)}.")
            answers.update(zip(self.names, args))
        if not answers:
            caller = inspect.currentframe().f_back.f_globals
            answers = {n: caller.get(n, _MISSING) for n in self.names}
        missing = [n for n in self.names if answers.get(n, _MISSING) is _MISSING]
        if missing:
            return CheckResult(self.name, False, f"define {', '.join(missing)} first, then run check() again.")
        placeholder = [n for n in self.names if answers[n] is None or answers[n] is Ellipsis]
        if placeholder:
            return CheckResult(self.name, False, f"replace the placeholder in {', '.join(placeholder)} "
                                                 "with your answer.")
        try:
            message = self._checker(**{n: answers[n] for n in self.names})
        except Incorrect as exc:
            return CheckResult(self.name, False, f"{exc} Try {self.name}.hint() if stuck.")
        except Exception as exc:  # noqa: BLE001 - a broken answer is a wrong answer, said kindly
            return CheckResult(self.name, False, f"running your answer raised {type(exc).__name__}: {exc}")
        return CheckResult(self.name, True, message or "well done.")

    def hint(self):
        return _Note(f"Hint ({self.name})", self._hint)

    def solution(self):
        return _Note(f"Solution ({self.name})", self._solution, code=True)

    def __repr__(self):
        return f"{self.name}: {self.prompt}"


@dataclasses.dataclass(frozen=True)
class _Note:
    title: str
    text: str
    code: bool = False

    def __str__(self):
        return f"{self.title}:\n{self.text}"

    def _repr_html_(self):
        body = f"<pre>{html.escape(self.text)}</pre>" if self.code else html.escape(self.text)
        return f"<div style='border-left:4px solid #0173b2;padding:4px 10px'><b>{self.title}</b><br>{body}</div>"


class ExerciseSet:
    """The exercises of one lesson, as attributes ``q1``, ``q2``, ..."""

    def __init__(self, title, exercises):
        self.title = title
        self._exercises = {ex.name: ex for ex in exercises}

    def __getattr__(self, name):
        try:
            return self.__dict__["_exercises"][name]
        except KeyError:
            raise AttributeError(f"No exercise {name!r}; this set has {', '.join(self._exercises)}.") from None

    def __iter__(self):
        return iter(self._exercises.values())

    def __repr__(self):
        return "\n".join([self.title, *(f"  {ex!r}" for ex in self)])


# --- lesson 00 ---------------------------------------------------------------------------------

def _check_circle_model(model):
    from dltutor._backend import keras  # noqa: PLC0415
    from dltutor.data import make_circles  # noqa: PLC0415
    from dltutor.training import train  # noqa: PLC0415

    if not isinstance(model, keras.Model):
        raise Incorrect(f"`model` should be a keras model (keras.Sequential([...])), not {type(model).__name__}.")
    if model.inputs and model.input_shape[-1] != 2:
        raise Incorrect(f"the input must have 2 features (x and y), yours has {model.input_shape[-1]}: "
                        "start with keras.Input((2,)).")
    if model.output_shape[-1] != 2:
        raise Incorrect(f"the last layer needs 2 units (one logit per class), yours has {model.output_shape[-1]}.")
    fresh = keras.models.clone_model(model)  # the student's architecture, fresh weights
    data = make_circles(300, noise=0.1, seed=1)
    accuracies = []
    for seed in (0, 1):
        keras.utils.set_random_seed(seed)
        candidate = keras.models.clone_model(fresh)
        result = train(candidate, data.X_train, data.y_train, epochs=300, learning_rate=0.03,
                       validation_data=(data.X_test, data.y_test), seed=seed)
        accuracies.append(result.final("val_accuracy"))
    best = max(accuracies)
    if best < 0.9:
        raise Incorrect(f"trained for 300 epochs your model reached {best:.0%} test accuracy on the "
                        "circles; it needs 90%. A straight line cannot separate a ring from its centre.")
    return f"your model separates the circles: {best:.0%} test accuracy after 300 epochs."


def _lesson_00():
    return ExerciseSet("Lesson 00 — warm-up", [
        Exercise(
            "q1",
            "Write `model`, a keras.Sequential for 2 input features and 2 output logits, that "
            "reaches at least 90% test accuracy on the circles data set.",
            names=("model",),
            checker=_check_circle_model,
            hint="A model with no hidden layer draws a straight boundary, and no straight line "
                 "separates a ring from its centre. Add one hidden Dense layer with a few units "
                 "and a non-linear activation (tanh or relu) before the 2-unit output layer.",
            solution="model = keras.Sequential([\n"
                     "    keras.Input((2,)),\n"
                     "    keras.layers.Dense(8, activation=\"tanh\"),\n"
                     "    keras.layers.Dense(2),   # logits: no activation\n"
                     "])",
        ),
    ])


# --- lesson 01 ---------------------------------------------------------------------------------

def _check_early_stopping(early_stopping):
    from dltutor import overfitting as of  # noqa: PLC0415
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
    from dltutor import overfitting as of  # noqa: PLC0415

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


def _lesson_01():
    return ExerciseSet("Lesson 01 — overfitting and generalization", [
        Exercise(
            "q1",
            "Create `early_stopping`, a Keras callback that stops training when the validation "
            "loss stops improving for 30 epochs AND gives back the weights of the best epoch.",
            names=("early_stopping",), checker=_check_early_stopping,
            hint="keras.callbacks.EarlyStopping(monitor=..., patience=..., restore_best_weights=...)",
            solution="early_stopping = keras.callbacks.EarlyStopping(\n"
                     "    monitor=\"val_loss\", patience=30, restore_best_weights=True)"),
        Exercise(
            "q2",
            "Set `l2` to the smallest weight decay from the slider (0, 1e-4, 1e-3, 1e-2, 0.1) that "
            "brings the gap of the 2x256 model under 8 points without lowering validation accuracy.",
            names=("l2",), checker=_check_l2,
            hint="Try them in the explorer, from small to large, and read the gap under the figure. "
                 "Too large a penalty flattens the model until it predicts one class for everything.",
            solution="l2 = 1e-2"),
        Exercise(
            "q3",
            "Before running the double-descent cell: at how many random features "
            "(`peak_features`) will the test error peak? The training set has 1347 images.",
            names=("peak_features",), checker=_check_peak,
            hint="With p features the least-squares fit has p unknowns per class and 1347 equations. "
                 "When can it first solve all of them exactly?",
            solution="peak_features = 1347"),
        Exercise(
            "q4",
            "Make `y_random`: the digits' training labels with every bit of information destroyed, "
            "for the memorization experiment.",
            names=("y_random",), checker=_check_random_labels,
            hint="np.random.default_rng(0).permutation(y_train) shuffles the labels among the images.",
            solution="y_random = np.random.default_rng(0).permutation(y_train)"),
    ])


# --- lesson 02 ---------------------------------------------------------------------------------

def _check_healthy_init(activation, initializer):
    from dltutor import gradients as gr  # noqa: PLC0415
    from dltutor.models import ACTIVATIONS, INITIALIZERS  # noqa: PLC0415

    if activation not in ACTIVATIONS or initializer not in INITIALIZERS:
        raise Incorrect(f"use names build_mlp knows: activation in {ACTIVATIONS}, initializer in {INITIALIZERS}.")
    ratio = gr.measure_gradients(depth=10, activation=activation, initializer=initializer).ratio
    if not 0.1 <= ratio <= 10:
        raise Incorrect(f"with {activation} + {initializer} the first layer's gradient is {ratio:.1e} x "
                        "the last's; it must stay within 10x (between 0.1 and 10).")
    return f"{activation} + {initializer}: the first layer gets {ratio:.2f} x the last layer's gradient."


def _check_max_derivative(max_sigmoid_derivative):
    if not isinstance(max_sigmoid_derivative, (int, float)) or isinstance(max_sigmoid_derivative, bool):
        raise Incorrect("give a number.")
    if abs(max_sigmoid_derivative - 0.25) > 1e-3:
        raise Incorrect(f"{max_sigmoid_derivative} is not it. sigmoid'(z) = s(z) (1 - s(z)); where is it "
                        "largest, and what is s there?")
    return "sigmoid'(0) = 0.5 x 0.5 = 1/4: every sigmoid layer shrinks the gradient by 4x or more (unless the weights are large)."


def _check_million(layers_for_million):
    from dltutor import gradients as gr  # noqa: PLC0415

    if not isinstance(layers_for_million, int) or isinstance(layers_for_million, bool) or not 2 <= layers_for_million <= 40:
        raise Incorrect("give a whole number of layers between 2 and 40.")
    crossing = next(d for d in range(2, 41) if gr.measure_gradients(depth=d).ratio <= 1e-6)
    if abs(layers_for_million - crossing) > 1:
        measured = gr.measure_gradients(depth=layers_for_million).ratio
        direction = "more" if measured > 1e-6 else "fewer"
        raise Incorrect(f"at {layers_for_million} layers the ratio is {measured:.1e}; try {direction} layers.")
    return f"the first layer's gradient falls below a millionth of the last's at {crossing} sigmoid layers."


def _check_clipping(optimizer):
    from dltutor._backend import keras  # noqa: PLC0415

    if not isinstance(optimizer, keras.optimizers.Optimizer):
        raise Incorrect("`optimizer` should be a Keras optimizer, e.g. keras.optimizers.SGD(...).")
    if not (optimizer.clipnorm or optimizer.global_clipnorm or optimizer.clipvalue):
        raise Incorrect("this optimizer does not limit the gradients; one more argument does.")
    from dltutor.gradients import run_exploding  # noqa: PLC0415

    result = run_exploding(init_std=0.5, optimizer=optimizer, epochs=10)
    if result.diverged:
        raise Incorrect("with your optimizer the loss still became NaN: clip harder or lower the learning rate.")
    return f"the exploding network now trains: loss {result.history['loss'][0]:.3g} -> {result.history['loss'][-1]:.3g}, no NaN."


def _lesson_02():
    return ExerciseSet("Lesson 02 — vanishing and exploding gradients", [
        Exercise(
            "q1",
            "Choose `activation` and `initializer` so that a 10-layer network's first-layer "
            "gradient stays within 10x of the last layer's at initialization.",
            names=("activation", "initializer"), checker=_check_healthy_init,
            hint="ReLU's derivative is 1 where it is active; He initialization doubles the variance "
                 "to make up for the half of the units that are off.",
            solution='activation, initializer = "relu", "he_normal"'),
        Exercise(
            "q2",
            "What is the largest value the sigmoid's derivative can take? Set `max_sigmoid_derivative`.",
            names=("max_sigmoid_derivative",), checker=_check_max_derivative,
            hint="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)); a product p (1 - p) is largest at p = 1/2.",
            solution="max_sigmoid_derivative = 0.25"),
        Exercise(
            "q3",
            "How many sigmoid layers (Glorot, width 64) does it take until the first layer's gradient "
            "is a million times smaller than the last's? Set `layers_for_million`.",
            names=("layers_for_million",), checker=_check_million,
            hint="Read the ratio at depth 5, 10 and 20 from the plots: about how many decades does "
                 "each layer cost? Or use g.measure_gradients(depth=...).ratio.",
            solution="layers_for_million = 11"),
        Exercise(
            "q4",
            "The ReLU network with init std 0.5 explodes. Create `optimizer`, an SGD optimizer "
            "(learning rate 0.01) that keeps it finite by limiting the gradients.",
            names=("optimizer",), checker=_check_clipping,
            hint="Keras optimizers take clipnorm=...: every gradient is rescaled to at most that norm.",
            solution="optimizer = keras.optimizers.SGD(learning_rate=0.01, clipnorm=1.0)"),
    ])


_LESSONS = {"00": _lesson_00, "01": _lesson_01, "02": _lesson_02}


def lesson(number):
    """The exercise set of a lesson: ``ex = lesson("00")``."""
    from dltutor._checks import check_choice  # noqa: PLC0415

    check_choice("lesson", str(number), tuple(_LESSONS))
    return _LESSONS[str(number)]()
