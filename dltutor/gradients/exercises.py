"""Lesson 02 · exercises: checkers (tested to fail on wrong answers), hints and solutions."""
from __future__ import annotations

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "02"


def _check_healthy_init(activation, initializer):
    from dltutor.gradients import compute as gr  # noqa: PLC0415
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
    from dltutor.gradients import compute as gr  # noqa: PLC0415

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
    from dltutor.gradients.compute import run_exploding  # noqa: PLC0415

    # A copy: a Keras optimizer binds itself to the first model it trains, so checking the
    # student's own instance twice (check, then a graded test) would fail on the second run.
    optimizer = type(optimizer).from_config(optimizer.get_config())
    result = run_exploding(init_std=0.5, optimizer=optimizer, epochs=10)
    if result.diverged:
        raise Incorrect("with your optimizer the loss still became NaN: clip harder or lower the learning rate.")
    return f"the exploding network now trains: loss {result.history['loss'][0]:.3g} -> {result.history['loss'][-1]:.3g}, no NaN."


def _check_balanced_gain(gain):
    from dltutor.gradients import recurrent as rec  # noqa: PLC0415

    if not isinstance(gain, (int, float)) or isinstance(gain, bool) or not 0 < gain <= 10:
        raise Incorrect("give a number between 0 and 10 (the orthogonal recurrent kernel's gain).")
    ratio = rec.run_recurrent(("SimpleRNN",), length=20, epochs=0, gain=gain).ratio("SimpleRNN")
    if not 0.1 <= ratio <= 10:
        kind, direction = ("vanishes", "larger") if ratio < 0.1 else ("explodes", "smaller")
        raise Incorrect(f"with gain {gain:g} step 1 gets {ratio:.1e} x the gradient of step 20: it {kind}. "
                        f"Try a {direction} gain.")
    return (f"with gain {gain:g} step 1 gets {ratio:.2f} x step 20's gradient. But the window is narrow "
            "(about 1.25 to 1.75) and training moves the weights out of it: that is why gated cells exist.")


def _check_cells_that_learn(cells_that_learn):
    from dltutor.gradients.recurrent import CELLS  # noqa: PLC0415

    if isinstance(cells_that_learn, str) or not isinstance(cells_that_learn, (set, frozenset, list, tuple)):
        raise Incorrect('give a set of cell names, e.g. {"SimpleRNN"}.')
    chosen = set(cells_that_learn)
    unknown = chosen - set(CELLS)
    if unknown:
        raise Incorrect(f"{sorted(unknown)} is not a cell of this lesson; choose among {CELLS}.")
    if "SimpleRNN" in chosen:
        raise Incorrect("look at the SimpleRNN's accuracy at T = 40 in the sweep: does it leave chance (25%)?")
    if chosen != {"LSTM", "GRU"}:
        raise Incorrect("one cell that learns at T = 40 is missing; look at the sweep again.")
    return ("LSTM and GRU: their memory is a sum gated by a (nearly open) gate, so the gradient reaching step 1 "
            "is not multiplied by the recurrent weights and tanh' at every step.")


def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("02")`` returns)."""
    return ExerciseSet("Lesson 02 — vanishing and exploding gradients", [
        Exercise(
            "q1",
            "Choose `activation` and `initializer` so that a 10-layer network's first-layer "
            "gradient stays within 10x of the last layer's at initialization.",
            names=("activation", "initializer"), checker=_check_healthy_init,
            points=1,
            hint="ReLU's derivative is 1 where it is active; He initialization doubles the variance "
                 "to make up for the half of the units that are off.",
            solution='activation, initializer = "relu", "he_normal"'),
        Exercise(
            "q2",
            "What is the largest value the sigmoid's derivative can take? Set `max_sigmoid_derivative`.",
            names=("max_sigmoid_derivative",), checker=_check_max_derivative,
            points=1,
            hint="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)); a product p (1 - p) is largest at p = 1/2.",
            solution="max_sigmoid_derivative = 0.25"),
        Exercise(
            "q3",
            "How many sigmoid layers (Glorot, width 64) does it take until the first layer's gradient "
            "is a million times smaller than the last's? Set `layers_for_million`.",
            names=("layers_for_million",), checker=_check_million,
            points=1,
            hint="Read the ratio at depth 5, 10 and 20 from the plots: about how many decades does "
                 "each layer cost? Or use g.measure_gradients(depth=...).ratio.",
            solution="layers_for_million = 11"),
        Exercise(
            "q4",
            "The ReLU network with init std 0.5 explodes. Create `optimizer`, an SGD optimizer "
            "(learning rate 0.01) that keeps it finite by limiting the gradients.",
            names=("optimizer",), checker=_check_clipping,
            points=1,
            hint="Keras optimizers take clipnorm=...: every gradient is rescaled to at most that norm.",
            solution="optimizer = keras.optimizers.SGD(learning_rate=0.01, clipnorm=1.0)"),
        Exercise(
            "q5",
            "A SimpleRNN's recurrent kernel is `Orthogonal(gain=gain)`. Choose `gain` so that, at "
            "initialization and T = 20, the first time step gets between 0.1x and 10x the gradient "
            "of the last one (neither vanishing nor exploding).",
            names=("gain",), checker=_check_balanced_gain,
            points=1,
            hint="Gain 1 vanishes (about 0.007x) and gain 2 explodes (about 20x); the ratio changes "
                 "smoothly in between. g.run_recurrent(('SimpleRNN',), length=20, epochs=0, gain=...).ratio('SimpleRNN')",
            solution="gain = 1.5"),
        Exercise(
            "q6",
            "Which cells reach 90% or more at T = 40 in section 6? Set `cells_that_learn` to a set of "
            'names among "SimpleRNN", "LSTM", "GRU".',
            names=("cells_that_learn",), checker=_check_cells_that_learn,
            points=1,
            hint="The sweep's last point (T = 40): which lines are far above the chance line?",
            solution='cells_that_learn = {"LSTM", "GRU"}'),
    ], written=[
        Written(
            "w1", after="**Predict:** will the layer next to the input get a gradient",
            prompt="Before you run the next cell: will the first layer's gradient be as large as the "
                   "last layer's? Say why. After running it: explain the numbers you see.",
            answer="1 point: a prediction with a reason. 1 point: the explanation. Each sigmoid layer "
                   "multiplies the gradient on its way back by its derivative, at most 0.25, and "
                   "by Glorot-sized weights, so it shrinks by a roughly constant factor per layer: "
                   "the first layer's gradient is about 300,000 times smaller than the tenth's "
                   "(a ratio of 2-3e-6 for every seed 0-9), and those layers barely learn."),
    ])
