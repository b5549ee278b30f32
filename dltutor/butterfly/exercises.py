"""Lesson 05 · exercises: checkers (tested to fail on wrong answers), hints and solutions."""
from __future__ import annotations

import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "05"


def _call(fn, name, *args):
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the student's code
        raise Incorrect(f"calling {name} raised {type(exc).__name__}: {exc}") from None


def _check_disagreement(disagreement):
    import numpy as np  # noqa: PLC0415

    if not callable(disagreement):
        raise Incorrect("`disagreement` should be a function disagreement(pred_a, pred_b).")
    rng = np.random.default_rng(5)
    cases = [(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4]), 0.25), (np.arange(10), np.arange(10), 0.0)]
    for _ in range(3):
        a, b = rng.integers(0, 10, 200), rng.integers(0, 10, 200)
        cases.append((a, b, float((a != b).mean())))
    for a, b, want in cases:
        got = _call(disagreement, "disagreement(pred_a, pred_b)", a, b)
        if isinstance(got, bool) or not isinstance(got, numbers.Real) and np.ndim(got) != 0:
            raise Incorrect(f"disagreement should return one number (a share), got {got!r}.")
        if not abs(float(got) - want) <= 1e-9:
            hint = " A share, not a count: divide by the number of images." if float(got) > 1 else ""
            raise Incorrect(f"for {a[:4].tolist()}... and {b[:4].tolist()}... you give {float(got):.4f}, "
                            f"the share of differing labels is {want:.4f}.{hint}")
    return "it matches the mean of pred_a != pred_b."


def _check_flip(flip_bit):
    import numpy as np  # noqa: PLC0415

    if not callable(flip_bit):
        raise Incorrect("`flip_bit` should be a function flip_bit(x) returning a float32.")
    for x in (np.float32(0.5), np.float32(-0.123), np.float32(3.0e-3), np.float32(1.0)):
        want = np.array([x], np.float32).view(np.uint32) ^ np.uint32(1)
        got = _call(flip_bit, f"flip_bit({x!r})", x)
        got32 = np.asarray(got, dtype=np.float32).reshape(-1)
        if got32.size != 1:
            raise Incorrect(f"flip_bit should return one float32, got {got!r}.")
        if got32.view(np.uint32)[0] != want[0]:
            diff = float(got32[0]) - float(x)
            raise Incorrect(f"flip_bit({float(x)!r}) gives {float(got32[0])!r} (a change of {diff:.3g}); "
                            "flipping the lowest bit changes it by one unit in the last place, about "
                            f"{float(np.spacing(x)):.3g}.")
    return "one bit, the smallest change a float32 can make."


def _check_batch(answer):
    if not isinstance(answer, str) or answer.strip().lower() not in {"a", "b", "c"}:
        raise Incorrect("`answer` should be one of the letters 'a', 'b' or 'c'.")
    if answer.strip().lower() != "b":
        raise Incorrect("look at the heatmap again: along each row, where does accuracy first reach "
                        "90%, and where does the dark chance-level (or NaN) region start?")
    return ("larger batches take fewer, less noisy steps per epoch and need a larger learning rate; "
            "the cliff is set by the curvature of the loss, which batch size does not change.")


def _check_best_of_k(best_of_k):
    import numpy as np  # noqa: PLC0415

    if not callable(best_of_k):
        raise Incorrect("`best_of_k` should be a function best_of_k(y_val, y_test, k, seed).")
    rng = np.random.default_rng(11)
    y_val, y_test = rng.integers(0, 2, 100), rng.integers(0, 2, 5000)
    vals, tests = [], []
    for seed in range(4):
        got = _call(best_of_k, "best_of_k(y_val, y_test, 1000, seed)", y_val, y_test, 1000, seed)
        try:
            val, test = (float(v) for v in got)
        except (TypeError, ValueError):
            raise Incorrect(f"best_of_k should return two numbers (validation, test), got {got!r}.") from None
        vals.append(val)
        tests.append(test)
    if min(vals) < 0.6:
        raise Incorrect(f"the best of 1000 coin-flip models should score well above 50% on 100 validation "
                        f"labels (about 66%), yours: {vals}. Do you keep the model with the highest "
                        "validation accuracy?")
    if max(abs(t - 0.5) for t in tests) > 0.05:
        raise Incorrect(f"its test accuracy should be about 50% (the models are coin flips), yours: {tests}. "
                        "Do you measure the test accuracy of the model you picked on validation, with "
                        "its own predictions on the test set?")
    if len(set(vals)) == 1:
        raise Incorrect("every seed gives the same validation accuracy: use `seed` for the random models.")
    one = _call(best_of_k, "best_of_k(y_val, y_test, 1, 0)", y_val, y_test, 1, 0)
    if float(one[0]) > 0.7:
        raise Incorrect("with k = 1 there is nothing to choose from: the one model's validation score "
                        f"should be near 50%, yours is {float(one[0]):.0%}.")
    return (f"validation {np.mean(vals):.0%} on average, test {np.mean(tests):.1%}: the choice fitted "
            "the noise of 100 labels.")


def exercises():
    return ExerciseSet("Lesson 05 · the butterfly effect", [
        Exercise(
            "q1",
            "Write `disagreement(pred_a, pred_b)`: the share of test images on which two models' "
            "predicted labels differ (a number between 0 and 1).",
            names=("disagreement",), checker=_check_disagreement,
            points=1,
            hint="Compare the two arrays element by element; the mean of a boolean array is the share "
                 "of True.",
            solution="import numpy as np\n\n"
                     "def disagreement(pred_a, pred_b):\n"
                     "    return float(np.mean(np.asarray(pred_a) != np.asarray(pred_b)))"),
        Exercise(
            "q2",
            "Write `flip_bit(x)`: the float32 `x` with the lowest bit of its mantissa flipped, the "
            "smallest change a float32 can make (the lesson's 'one bit of one weight').",
            names=("flip_bit",), checker=_check_flip,
            points=2,
            graded_hint="A float32 is four bytes. numpy can view the same bytes as an unsigned integer, "
                        "where flipping the lowest bit is one bitwise operation.",
            hint="View the float32's four bytes as an unsigned integer (`.view(np.uint32)`), XOR it "
                 "with 1, and view it back as float32.",
            solution="import numpy as np\n\n"
                     "def flip_bit(x):\n"
                     "    bits = np.array([x], dtype=np.float32).view(np.uint32) ^ np.uint32(1)\n"
                     "    return bits.view(np.float32)[0]"),
        Exercise(
            "q3",
            "From the learning-rate × batch-size heatmap, set `answer` to the letter that is true: "
            "(a) the best learning rate is the same for every batch size; (b) larger batches need a "
            "larger learning rate to train well, yet fail at about the same learning rate; (c) larger "
            "batches tolerate much larger learning rates before training fails.",
            names=("answer",), checker=_check_batch,
            points=1,
            hint="Read each row from the left: where does accuracy reach 90%? Then: where do all rows "
                 "turn to chance or NaN?",
            solution='answer = "b"'),
        Exercise(
            "q4",
            "Write `best_of_k(y_val, y_test, k, seed)`: make `k` models that guess each label by a "
            "coin flip (numpy's default_rng(seed)), keep the one with the best accuracy on `y_val`, "
            "and return its (validation accuracy, test accuracy on `y_test`).",
            names=("best_of_k",), checker=_check_best_of_k,
            points=2,
            hint="rng.integers(0, 2, (k, len(y_val))) gives every model's validation guesses at once; "
                 "np.argmax picks the best. Its test guesses are more coin flips, as for any model.",
            solution="import numpy as np\n\n"
                     "def best_of_k(y_val, y_test, k, seed):\n"
                     "    rng = np.random.default_rng(seed)\n"
                     "    val_acc = (rng.integers(0, 2, (k, len(y_val))) == y_val).mean(axis=1)\n"
                     "    test_guesses = rng.integers(0, 2, len(y_test))   # the chosen model on the test set\n"
                     "    return val_acc.max(), (test_guesses == y_test).mean()"),
    ], written=[
        Written(
            "w1", after="Only the seed changes: it draws the initial weights",
            prompt="Before you run the next cell: how many points of test accuracy will separate the "
                   "best and the worst of these 20 seeds? After it: what does this mean for a "
                   "paper that reports a 0.5-point improvement from one run of each method?",
            answer="1 point: a committed number with a reason. 1 point: the consequence. Over the "
                   "groups of 20 seeds starting at 0-9 the range is 1.3-3.6 points (SD 0.4-0.9), "
                   "so a 0.5-point gain from one seed each is within the noise: compare over many "
                   "seeds and report the spread."),
    ])
