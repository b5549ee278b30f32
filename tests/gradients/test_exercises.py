"""Lesson 02's checkers fail on typical wrong answers (and say why)."""
from dltutor._backend import keras
from helpers import assert_wrong_answers_fail


def test_wrong_answers_fail_with_a_reason():
    assert_wrong_answers_fail("02", {
        "q2": [1.0, 0.5, "0.25"],
        "q3": [5, 20, 2.5],
        "q4": [keras.optimizers.SGD(learning_rate=0.01), "SGD"],
        "q5": [1.0, 2.0, 4.0, "1.5", 0],
        "q6": [{"SimpleRNN"}, {"LSTM"}, {"SimpleRNN", "LSTM", "GRU"}, "LSTM", {"lstm", "GRU"}],
    }, {"q1": [("sigmoid", "glorot_uniform"), ("sigmoid", "lecun_normal"), ("relu", "he")]})
