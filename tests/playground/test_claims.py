"""Notebook 00's claims, for every seed 0-9 (a teacher may type any of them), on any machine."""
import numpy as np

from dltutor.playground import run_playground
from machines import on_every_machine


def test_no_straight_line_separates_the_circles_while_one_hidden_layer_does():
    # notebook 00, sections 2-3: a linear model fails on the circles, 8 tanh units reach >= 90%
    runs = on_every_machine(lambda s: (run_playground("circles", hidden_layers=0, seed=s).test_accuracy,
                                       run_playground("circles", hidden_layers=1, hidden_units=8, seed=s).test_accuracy))
    linear = [a for a, _ in runs.values()]
    hidden = [b for _, b in runs.values()]
    assert max(linear) < 0.75, linear
    assert min(hidden) >= 0.9, hidden


def test_on_the_moons_two_hidden_layers_beat_the_linear_model():
    runs = on_every_machine(lambda s: run_playground("moons", hidden_layers=2, hidden_units=8, seed=s).test_accuracy
                            - run_playground("moons", hidden_layers=0, seed=s).test_accuracy)
    assert min(runs.values()) > 0.02, {key: round(g, 3) for key, g in runs.items()}
