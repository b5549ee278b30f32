"""Lesson 04 · exercises: checkers (tested to fail on wrong answers), hints and solutions."""
from __future__ import annotations

import numbers

from dltutor.exercises import Exercise, ExerciseSet, Incorrect, Written

LESSON = "04"


def _reference():
    """The seed-0 standard model, its data and a fixed batch of test images (cached by compute)."""
    from dltutor.adversarial import compute as C  # noqa: PLC0415

    data = C.make_data(0)
    model, _ = C.train_classifier(data.X_train, data.y_train, seed=0)
    return C, model, data


def _call(fn, *args, name):
    import numpy as np  # noqa: PLC0415

    try:
        out = fn(*args)
    except Exception as exc:  # noqa: BLE001 - the student's code
        raise Incorrect(f"calling {name} raised {type(exc).__name__}: {exc}") from None
    return np.asarray(out, dtype="float32")


def _compare(got, want, x, epsilon, what):
    import numpy as np  # noqa: PLC0415

    if got.shape != want.shape:
        raise Incorrect(f"{what} returns shape {got.shape}; it should keep the images' shape {want.shape}.")
    if got.min() < -1e-6 or got.max() > 1 + 1e-6:
        raise Incorrect("some pixels leave [0, 1]: clip the result with tf.clip_by_value(x_adv, 0, 1).")
    if np.abs(got - x).max() > epsilon + 1e-5:
        raise Incorrect(f"a pixel moved by {np.abs(got - x).max():.3f}, more than ε = {epsilon}: "
                        "clip to [x - ε, x + ε] as well.")
    wrong = np.abs(got - want) > 1e-4      # a gradient within rounding of 0 may flip its sign
    if wrong.mean() > 0.005:
        raise Incorrect(f"{wrong.sum()} of {wrong.size} pixels differ from the reference (largest "
                        f"difference {np.abs(got - want).max():.3f}). Is it the sign of the gradient of "
                        "the loss with respect to the *input*, added (not subtracted)?")


def _check_fgsm(fgsm):
    C, model, data = _reference()
    if not callable(fgsm):
        raise Incorrect("`fgsm` should be a function fgsm(model, x, y, epsilon).")
    x, y = data.X_test[:64], C.predict(model, data.X_test[:64])
    for epsilon in (0.1, 0.03):
        got = _call(fgsm, model, x, y, epsilon, name=f"fgsm(model, x, y, {epsilon})")
        _compare(got, C.fgsm(model, x, epsilon, y=y), x, epsilon, "fgsm")
    return "it matches the reference FGSM on 64 images at ε = 0.1 and 0.03."


def _check_pgd(pgd):
    C, model, data = _reference()
    if not callable(pgd):
        raise Incorrect("`pgd` should be a function pgd(model, x, y, epsilon, steps, step_size).")
    x, y = data.X_test[:64], C.predict(model, data.X_test[:64])
    for epsilon, steps in ((0.1, 10), (0.05, 3)):
        step_size = 2.5 * epsilon / steps
        got = _call(pgd, model, x, y, epsilon, steps, step_size, name=f"pgd(model, x, y, {epsilon}, {steps}, ...)")
        _compare(got, C.pgd(model, x, epsilon, y=y, steps=steps, step_size=step_size), x, epsilon, "pgd")
    return "it matches the reference PGD (projected onto the ε-ball and [0, 1] after every step)."


def _check_eps_break(eps_break):
    C, model, data = _reference()
    if isinstance(eps_break, bool) or not isinstance(eps_break, numbers.Real):
        raise Incorrect(f"`eps_break` should be one of the ε values {C.EPSILONS}.")
    if not any(abs(eps_break - e) < 1e-9 for e in C.EPSILONS):
        raise Incorrect(f"choose `eps_break` from the grid {C.EPSILONS}.")
    curve = C.run_robustness(model, data, attacks=("fgsm",)).accuracy["fgsm"]
    want = next(e for e, a in zip(C.EPSILONS, curve) if a < 0.5)
    at = dict(zip(C.EPSILONS, curve))
    if eps_break > want:
        raise Incorrect(f"at ε = {eps_break:g} the model is long broken; already at a smaller ε FGSM "
                        "leaves less than half right. Look at the curve's first point below 50%.")
    if eps_break < want:
        raise Incorrect(f"at ε = {eps_break:g} FGSM still leaves {at[eps_break]:.0%} right. Go one step further.")
    return (f"at ε = {want:g} FGSM leaves {at[want]:.0%} of the test digits right: every pixel moved by "
            f"at most {want:g} of its range, a change a person barely sees.")


def _check_rate(rate):
    C, _, _ = _reference()
    from dltutor.adversarial.explorer import RATES  # noqa: PLC0415

    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not any(abs(rate - r) < 1e-9 for r in RATES):
        raise Incorrect(f"`rate` should be one of the slider's rates {RATES}.")
    success = {r: C.run_poisoning("backdoor", r, seed=0).attack_success for r in RATES if r > 0}
    want = next(r for r, s in success.items() if s >= 0.9)
    if rate < want:
        raise Incorrect(f"at {rate:.1%} the trigger works on {success.get(rate, 0):.0%} of the other digits: "
                        "not yet 90%. Try the next rate up.")
    if rate > want:
        raise Incorrect(f"{rate:.1%} works, but a smaller rate already reaches 90%. Try lower ones.")
    return (f"{rate:.1%} of the training images ({round(rate * 1347)} of 1347) are enough: the trigger then "
            f"sends {success[rate]:.0%} of the other digits to 0.")


def _check_masking(answer):
    if answer not in ("a", "b", "c"):
        raise Incorrect("`answer` should be 'a', 'b' or 'c'.")
    if answer == "a":
        raise Incorrect("a defence that holds against a weak attack and falls to a strong one is not "
                        "robust: the attacker picks the attack.")
    if answer == "c":
        raise Incorrect("PGD starts inside the same ε-ball and only takes more, smaller steps: it "
                        "cannot be the unfair one. What is FGSM's single step relying on?")
    return ("FGSM trusts one gradient; a defence that flattens or scrambles the gradient near the data "
            "(gradient masking) fools FGSM without being robust. Test defences with a stronger, "
            "adaptive attack than they were trained against.")


def exercises():
    """This lesson's :class:`~dltutor.exercises.ExerciseSet` (what ``lesson("04")`` returns)."""
    return ExerciseSet("Lesson 04 — adversarial noise", [
        Exercise(
            "q1",
            "Write `fgsm(model, x, y, epsilon)`: one step of size ε along the sign of the gradient "
            "of the cross-entropy loss (from logits) with respect to the images `x`, clipped to "
            "[0, 1]. It is checked against the lesson's reference on a trained model.",
            names=("fgsm",), checker=_check_fgsm,
            points=1,
            graded_hint="Watch x with a tf.GradientTape, take the gradient of the cross-entropy (from "
                        "logits) with respect to x, step ε along its sign, and keep the pixels in [0, 1].",
            hint="x = tf.convert_to_tensor(x); inside tf.GradientTape() call tape.watch(x), compute "
                 "keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True), then "
                 "tape.gradient(loss, x). Return tf.clip_by_value(x + epsilon * tf.sign(grad), 0, 1).",
            solution="import tensorflow as tf\nimport keras\n\n"
                     "def fgsm(model, x, y, epsilon):\n"
                     "    x = tf.convert_to_tensor(x, tf.float32)\n"
                     "    with tf.GradientTape() as tape:\n"
                     "        tape.watch(x)\n"
                     "        loss = keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True)\n"
                     "    grad = tape.gradient(loss, x)\n"
                     "    return tf.clip_by_value(x + epsilon * tf.sign(grad), 0.0, 1.0)"),
        Exercise(
            "q2",
            "Predict, then measure: `eps_break` is the smallest ε of `adv.EPSILONS` at which FGSM "
            "leaves fewer than half of the test digits correctly classified (seed 0's standard model).",
            names=("eps_break",), checker=_check_eps_break,
            points=1,
            hint="adv.run_robustness(seed=0, attacks=('fgsm',)) gives accuracy[\"fgsm\"] at each ε of "
                 "adv.EPSILONS; find the first value below 0.5.",
            solution="from dltutor import adversarial as adv\n"
                     "curve = adv.run_robustness(seed=0, attacks=('fgsm',)).accuracy['fgsm']\n"
                     "eps_break = next(e for e, a in zip(adv.EPSILONS, curve) if a < 0.5)"),
        Exercise(
            "q3",
            "Write `pgd(model, x, y, epsilon, steps, step_size)`: `steps` signed-gradient steps of "
            "`step_size`, starting at `x`, each followed by a projection onto the ε-ball around the "
            "original images and onto [0, 1].",
            names=("pgd",), checker=_check_pgd,
            points=2,
            graded_hint="Each step is an FGSM step of size step_size from the current image; after it, "
                        "clip back into the ε-ball around the *original* images, then into [0, 1].",
            hint="Loop `steps` times: take an FGSM-like step of size step_size from the current "
                 "x_adv, then x_adv = tf.clip_by_value(x_adv, x - epsilon, x + epsilon) and "
                 "tf.clip_by_value(x_adv, 0, 1).",
            solution="import tensorflow as tf\nimport keras\n\n"
                     "def pgd(model, x, y, epsilon, steps, step_size):\n"
                     "    x = tf.convert_to_tensor(x, tf.float32)\n"
                     "    x_adv = x\n"
                     "    for _ in range(steps):\n"
                     "        with tf.GradientTape() as tape:\n"
                     "            tape.watch(x_adv)\n"
                     "            loss = keras.losses.sparse_categorical_crossentropy(y, model(x_adv), from_logits=True)\n"
                     "        x_adv = x_adv + step_size * tf.sign(tape.gradient(loss, x_adv))\n"
                     "        x_adv = tf.clip_by_value(x_adv, x - epsilon, x + epsilon)\n"
                     "        x_adv = tf.clip_by_value(x_adv, 0.0, 1.0)\n"
                     "    return x_adv"),
        Exercise(
            "q4",
            "Set `rate` to the smallest poison rate on the poisoning explorer's slider whose backdoor "
            "(2×2 trigger, target 0, seed 0) sends at least 90% of the other test digits to 0.",
            names=("rate",), checker=_check_rate,
            points=1,
            hint="adv.run_poisoning('backdoor', r, seed=0).attack_success for each r in "
                 "adv.RATES; keep the first that reaches 0.9.",
            solution="from dltutor import adversarial as adv\n"
                     "rate = next(r for r in adv.RATES[1:]\n"
                     "            if adv.run_poisoning('backdoor', r, seed=0).attack_success >= 0.9)"),
        Exercise(
            "q5",
            "A paper's defence keeps 90% accuracy under FGSM at ε = 0.1, but PGD-50 at the same ε "
            "brings it to 5%. Set `answer`: (a) the defence is robust, PGD-50 is simply too strong a "
            "test; (b) the defence masks gradients: it fools the one-step attack without being "
            "robust; (c) PGD is unfair because it may leave the ε-ball.",
            names=("answer",), checker=_check_masking,
            points=1,
            hint="Both attacks stay within the same ε. Which one relies on a single gradient being "
                 "informative?",
            solution="answer = \"b\""),
    ], written=[
        Written(
            "w1", after="**Explain:** random ±0.1 noise costs about one point",
            prompt="In your own words: why does a change of at most ε per pixel along the gradient's "
                   "sign lower accuracy so much more than random ±ε noise of the same size?",
            answer="2 points for the linear argument (Goodfellow et al. 2015), 1 for a partial one. "
                   "Near an input the loss is close to linear: a change d raises it by about "
                   "gradient · d. With d = ε sign(gradient) every one of the 64 pixel terms adds up "
                   "(ε times the gradient's L1 norm); random signs mostly cancel (on the order of "
                   "ε times the L2 norm, up to the square root of 64 = 8 times smaller). Many small "
                   "aligned changes in a high-dimensional input add up to a large one."),
    ])
