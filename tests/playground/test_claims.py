"""Notebook 00's claims, for every seed 0-9 (a teacher may type any of them)."""
import numpy as np

from dltutor.playground import run_playground

SEEDS = range(10)


def test_no_straight_line_separates_the_circles_while_one_hidden_layer_does():
    # notebook 00, sections 2-3: a linear model fails on the circles, 8 tanh units reach >= 90%
    linear = [run_playground("circles", hidden_layers=0, seed=s).test_accuracy for s in SEEDS]
    hidden = [run_playground("circles", hidden_layers=1, hidden_units=8, seed=s).test_accuracy
              for s in SEEDS]
    assert max(linear) < 0.75, linear
    assert min(hidden) >= 0.9, hidden


def test_on_the_moons_two_hidden_layers_beat_the_linear_model():
    gains = [run_playground("moons", hidden_layers=2, hidden_units=8, seed=s).test_accuracy
             - run_playground("moons", hidden_layers=0, seed=s).test_accuracy for s in SEEDS]
    assert min(gains) > 0.02, np.round(gains, 3)
