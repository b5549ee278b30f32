"""Lesson 00 · compute: :func:`run_playground`, a tiny network on a 2-D toy set (pure, seeded)."""
from __future__ import annotations

import dataclasses

from dltutor import data as _data
from dltutor._checks import check_choice, check_int
from dltutor.models import build_mlp
from dltutor.training import train

TOY_SETS = ("moons", "circles", "spirals")
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


@dataclasses.dataclass(frozen=True)
class PlaygroundResult:
    """One playground run. ``history`` has Keras' keys; accuracies are fractions."""

    dataset: str
    hidden_layers: int
    hidden_units: int
    activation: str
    learning_rate: float
    history: dict
    train_accuracy: float
    test_accuracy: float
    stop_reason: str | None
    message: str
    model: object = dataclasses.field(repr=False, compare=False)
    data: object = dataclasses.field(repr=False, compare=False)

    @property
    def diverged(self):
        return self.stop_reason == "diverged"


def run_playground(dataset="circles", *, hidden_layers=1, hidden_units=8, activation="tanh",
                   learning_rate=0.03, optimizer="adam", epochs=200, noise=0.1, n_samples=300,
                   seed=0, callbacks=(), stop=None):
    """Train a small MLP on a 2-D toy set (full batch, Adam) and return the curves.

    Parameters
    ----------
    dataset : {"moons", "circles", "spirals"}
    hidden_layers : int, 0..4
        0 gives a linear model: it can only draw a straight boundary.
    hidden_units : int, 1..64
    activation : {"tanh", "relu", "sigmoid", "linear"}
    learning_rate : float
    optimizer : {"adam", "sgd"}
        Plain SGD (as in TensorFlow Playground) diverges at large learning rates; Adam rarely does.
    epochs : int
    noise : float
        Noise of the toy set, in the same units as its coordinates.
    n_samples : int
        Half train, half test.
    seed : int
        Seeds the data, the initial weights and the shuffling.

    Returns
    -------
    PlaygroundResult
    """
    check_choice("dataset", dataset, TOY_SETS)
    hidden_layers = check_int("hidden_layers", hidden_layers, low=0, high=4)
    hidden_units = check_int("hidden_units", hidden_units, low=1, high=64)
    data = _data.load_dataset(dataset, n_samples=n_samples, noise=noise, seed=seed)
    model = build_mlp(2, 2, depth=hidden_layers, width=hidden_units, activation=activation,
                      seed=seed)
    result = train(model, data.X_train, data.y_train, epochs=epochs, learning_rate=learning_rate,
                   optimizer=optimizer, validation_data=(data.X_test, data.y_test),
                   callbacks=callbacks, seed=seed, stop=stop)
    hist = {k: list(v) for k, v in result.history.history.items()}
    acc = hist.get("accuracy", [float("nan")])[-1] if hist else float("nan")
    val_acc = hist.get("val_accuracy", [float("nan")])[-1] if hist else float("nan")
    return PlaygroundResult(dataset, hidden_layers, hidden_units, activation, float(learning_rate),
                            hist, acc, val_acc, result.stop_reason, result.message, model, data)


