"""Lesson 04's checkers fail on typical wrong answers (and say why), and pass the solutions."""
import numpy as np

from dltutor import adversarial as adv
from helpers import assert_wrong_answers_fail


def _fgsm_minus(model, x, y, epsilon):         # steps down the loss: makes the model *more* sure
    return np.clip(x - (adv.fgsm(model, x, epsilon, y=y) - x), 0, 1)


def _fgsm_unclipped(model, x, y, epsilon):
    import keras
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True)
    return x + epsilon * tf.sign(tape.gradient(loss, x))


def _pgd_no_projection(model, x, y, epsilon, steps, step_size):
    x_adv = x                                   # never pulled back into the ε-ball
    for _ in range(steps):
        x_adv = adv.fgsm(model, x_adv, step_size, y=y)
    return x_adv


def _pgd_one_step(model, x, y, epsilon, steps, step_size):
    return adv.fgsm(model, x, epsilon, y=y)


def test_wrong_answers_fail_with_a_reason():
    assert_wrong_answers_fail("04", {
        "q1": [_fgsm_minus, _fgsm_unclipped, lambda m, x, y, e: x, "fgsm"],
        "q2": [0.1, 0.2, 0.0, 0.11, "0.125"],
        "q3": [_pgd_no_projection, _pgd_one_step, "pgd"],
        "q4": [0.05, 0.01, 0.03, 1],
        "q5": ["a", "c", "d"],
    })
