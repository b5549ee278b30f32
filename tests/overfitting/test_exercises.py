"""Lesson 01's checkers fail on typical wrong answers (and say why)."""
import numpy as np

from dltutor._backend import keras
from dltutor.data import load_digits
from helpers import assert_wrong_answers_fail


def test_wrong_answers_fail_with_a_reason():
    assert_wrong_answers_fail("01", {
        "q1": [keras.callbacks.EarlyStopping(monitor="val_loss", patience=30),
               keras.callbacks.EarlyStopping(monitor="loss", restore_best_weights=True),
               "early stopping"],
        "q2": [0.0, 1e-3, 0.1, 0.5],
        "q3": [500, 4000, "1347"],
        "q4": [load_digits().y_train, np.zeros(1347, int), np.arange(10)],
    })
