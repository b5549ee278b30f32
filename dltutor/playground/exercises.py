"""Lesson 00 · exercises: checkers (tested to fail on wrong answers), hints and solutions."""
from __future__ import annotations

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "00"


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


def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("00")`` returns)."""
    return ExerciseSet("Lesson 00 — warm-up", [
        Exercise(
            "q1",
            "Write `model`, a keras.Sequential for 2 input features and 2 output logits, that "
            "reaches at least 90% test accuracy on the circles data set.",
            names=("model",),
            points=2,
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
    ], written=[
        Written(
            "w1", after="**Predict first:** with `hidden layers = 0` the network is linear.",
            prompt="Before you try it: which of the three data sets can the linear network (hidden "
                   "layers = 0) separate, and why? Then try it and say in one sentence what you saw.",
            answer="Marked for reasoning, not for guessing right. 1 point: a prediction with a reason "
                   "(a network without hidden layers draws one straight boundary). 1 point: the "
                   "observation. None of the three is separated: measured over seeds 0-9 the linear "
                   "network reaches 83-89% on the moons (a line cuts most of each crescent), 47-52% "
                   "on the circles (chance: no line separates a ring from its centre) and 61-68% on "
                   "the spirals."),
    ])
