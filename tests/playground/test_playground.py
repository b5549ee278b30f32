"""Lesson 00: the playground's phenomenon on the compute layer, and its explorer."""
import time
import warnings

from dltutor.playground import PlaygroundExplorer, run_playground


def test_playground_shows_the_phenomenon():
    linear = run_playground("circles", hidden_layers=0, epochs=200, seed=0)
    hidden = run_playground("circles", hidden_layers=1, hidden_units=8, epochs=200, seed=0)
    assert linear.test_accuracy < 0.75          # no straight line separates a ring
    assert hidden.test_accuracy >= 0.9
    again = run_playground("circles", hidden_layers=1, hidden_units=8, epochs=200, seed=0)
    assert again.history == hidden.history      # same seed, same numbers


def test_playground_explorer_controls_retrain_and_stop_keeps_history():
    pg = PlaygroundExplorer(epochs=100)
    pg.controls["dataset"].value = "moons"
    result = pg.wait()
    assert result.dataset == "moons" and len(result.history["loss"]) == 100
    assert "test accuracy" in pg.summary.value

    pg.controls["epochs"].value = 1000           # long run in the background, like a click
    deadline = time.time() + 30
    while pg.progress.value < 20 and time.time() < deadline:
        time.sleep(0.05)
    pg.stop_button.click()
    result = pg.wait(timeout=30)
    assert result.stop_reason == "stopped"
    assert 0 < len(result.history["loss"]) < 1000
    assert "Stopped after" in pg.status.value
    assert not pg.train_button.disabled and pg.stop_button.disabled


def test_playground_divergence_is_explained_in_the_widget_which_stays_usable():
    pg = PlaygroundExplorer(epochs=50)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = pg.update(dataset="spirals", activation="linear", hidden_layers=2, optimizer="sgd",
                           learning_rate=10.0)
    assert not caught, [str(w.message) for w in caught]          # no NumPy overflow warning
    assert result.diverged and len(result.history["loss"]) < 50
    assert "diverged" in pg.status.value and "Lower the learning rate" in pg.status.value
    assert "clipnorm" not in pg.status.value                     # only this widget's own controls
    assert pg.error is None and not pg.train_button.disabled
    result = pg.update(learning_rate=0.03, optimizer="adam", activation="tanh")
    assert not result.diverged and pg.status.value == ""


def test_impossible_values_from_code_are_refused_by_the_control():
    pg = PlaygroundExplorer(epochs=20)
    pg.update()
    before = pg.result
    assert pg.update(dataset="mnist") is None       # a dropdown only takes its options
    assert "Unknown dataset 'mnist'. Choose one of: 'moons'" in pg.error
    assert "role='alert'" in pg.status.value and "mnist" in pg.status.value
    assert pg.update(hidden_units=0) is None        # outside the slider's range
    assert "hidden_units must be between 1 and 32, got 0" in pg.error
    assert "hidden_units must be between 1 and 32, got 0" in pg.status.value
    assert pg.result is before and pg.controls["hidden_units"].value == 8   # nothing changed
    assert pg.update(hidden_units=4).hidden_units == 4 and pg.status.value == ""
