import threading

import numpy as np
import pytest

from dltutor._backend import keras
from dltutor.models import build_mlp
from dltutor.training import StopTraining, train, train_many


def fit(digits, **kwargs):
    kwargs.setdefault("epochs", 20)
    model = kwargs.pop("model", None) or build_mlp(64, 10, width=64, seed=0)
    return train(model, digits.X_train, digits.y_train,
                 validation_data=(digits.X_test, digits.y_test), **kwargs)


def test_learns_digits_with_keras_history_names(digits):
    result = fit(digits, batch_size=128)
    assert sorted(result.history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert result.history.epoch == list(range(20))
    assert result.final("val_accuracy") >= 0.95
    assert result.history["loss"][-1] < result.history["loss"][0] / 5
    assert result.stop_reason is None and "Trained 20 epochs" in result.message


def test_same_accuracy_as_model_fit(digits):
    ours = fit(digits, batch_size=128, learning_rate=0.01)
    model = build_mlp(64, 10, width=64, seed=0)
    model.compile(keras.optimizers.Adam(0.01),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    h = model.fit(digits.X_train, digits.y_train, epochs=20, batch_size=128, verbose=0,
                  validation_data=(digits.X_test, digits.y_test))
    assert abs(ours.final("val_accuracy") - h.history["val_accuracy"][-1]) <= 0.02


def test_same_seed_same_numbers(digits):
    a = fit(digits, batch_size=64, seed=1, model=build_mlp(64, 10, seed=1))
    b = fit(digits, batch_size=64, seed=1, model=build_mlp(64, 10, seed=1))
    c = fit(digits, batch_size=64, seed=2, model=build_mlp(64, 10, seed=1))
    assert a.history.history == b.history.history
    assert a.history.history != c.history.history      # other shuffling


def test_training_again_continues_like_fit(digits):
    model = build_mlp(64, 10, seed=0)
    first = fit(digits, model=model, epochs=3)
    second = fit(digits, model=model, epochs=3)
    assert second.history["loss"][0] < first.history["loss"][0]


def test_zero_epochs_and_negative_epochs(digits):
    assert fit(digits, epochs=0).epochs_run == 0
    with pytest.raises(ValueError, match="epochs must be between 0"):
        fit(digits, epochs=-1)


def test_stop_event_keeps_the_partial_history(digits):
    stop = threading.Event()

    def stop_at_5(epoch, logs):
        if epoch == 4:
            stop.set()

    result = fit(digits, epochs=50, stop=stop, callbacks=[stop_at_5])
    assert result.stop_reason == "stopped" and result.epochs_run == 5
    assert len(result.history["val_loss"]) == 5


def test_stop_training_from_a_callback(digits):
    def cb(epoch, logs):
        if epoch == 2:
            raise StopTraining

    result = fit(digits, epochs=50, callbacks=[cb])
    assert result.stop_reason == "stopped" and result.epochs_run == 3


def test_keras_early_stopping_restores_the_best_weights(digits):
    small = digits.X_train[:100], digits.y_train[:100]
    model = build_mlp(64, 10, width=256, seed=0)
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    result = train(model, *small, epochs=500, learning_rate=0.01,
                   validation_data=(digits.X_test, digits.y_test), callbacks=[early])
    assert result.stop_reason == "early_stopping" and result.epochs_run < 500
    logits = model(digits.X_test, training=False)
    val_loss = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(digits.y_test, logits))
    assert val_loss == pytest.approx(min(result.history["val_loss"]), rel=1e-4)


def test_nan_loss_stops_and_explains(digits):
    model = build_mlp(64, 10, depth=6, width=64, initializer="random_normal", init_std=5.0, seed=0)
    result = fit(digits, model=model, optimizer="sgd", learning_rate=10.0, epochs=50)
    assert result.diverged and result.epochs_run < 50 and result.stop_reason == "diverged"
    assert "Lower the learning rate" in result.message and "diverged at epoch" in result.message


def test_divergence_hidden_behind_a_finite_loss_is_caught(digits):
    # the repro of issue 9: the loss reads 2.3026 while most weights are already NaN
    model = build_mlp(64, 10, depth=20, width=64, activation="relu", initializer="random_normal",
                      init_std=1.0, seed=0)
    result = train(model, digits.X_train, digits.y_train, epochs=5, batch_size=32, optimizer="sgd",
                   learning_rate=0.001, validation_data=(digits.X_test, digits.y_test))
    assert result.diverged and result.epochs_run == 1, result.history.history
    assert "NaN or infinite" in result.message
    assert "Trained" not in result.message


def test_a_loss_that_jumps_by_orders_of_magnitude_counts_as_diverged():
    from dltutor.training import _divergence

    assert _divergence({"loss": 2.0e5}, True, 0.5).startswith("the loss jumped from 0.5 to 2e+05")
    assert _divergence({"loss": 50.0}, True, 0.001) == ""        # below the floor: a spike
    assert _divergence({"loss": 0.4}, False, 0.5) != ""          # NaN weights behind a fine loss


def test_train_many_flags_each_diverged_model_alone(digits):
    many = train_many(digits.X_train, digits.y_train, seeds=[0, 1, 2], learning_rates=[0.01, 50.0, 0.01],
                      optimizer="sgd", hidden=(64, 64), epochs=5)
    assert list(many.diverged) == [False, True, False], many.history["loss"]
    assert many.diverged_at[1] >= 0 and "1 of 3 models diverged" in many.message
    good = many.history["loss"][[0, 2]]
    assert np.isfinite(good).all() and (good[:, -1] < good[:, 0]).all()     # the others still learn


def test_gradient_logging_one_norm_per_kernel_per_epoch(digits):
    result = fit(digits, model=build_mlp(64, 10, depth=3, width=16), epochs=4, log_gradients=True)
    assert result.grad_norms.shape == (4, 4)
    assert (result.grad_norms > 0).all()


@pytest.mark.parametrize("X, y, match", [
    (np.zeros((10, 3)), np.zeros(10), "model expects 64"),
    (np.zeros((10, 64)), np.zeros(9), "one label per row"),
    (np.full((10, 64), np.nan), np.zeros(10), "NaN"),
    (np.zeros((0, 64)), np.zeros(0), "X is empty"),
    (np.zeros((3, 64)), np.array([0, 12, 3]), "label 12, but the model has 10 outputs"),
    (np.zeros((3, 64)), np.array([0, -1, 3]), "label -1"),
    (np.zeros((3, 64)), np.array([0.5, 1.0, 2.0]), "whole-number class labels"),
    (np.zeros((3, 64)), np.array(["a", "b", "c"]), "whole-number class labels.*LabelEncoder"),
])
def test_bad_data_is_explained(X, y, match):
    with pytest.raises(ValueError, match=match):
        train(build_mlp(64, 10), X, y, epochs=1)


def test_whole_float_labels_are_taken_and_bad_validation_data_is_explained(digits):
    X, y = digits.X_train[:50], digits.y_train[:50]
    assert train(build_mlp(64, 10), X, y.astype(float), epochs=1).epochs_run == 1
    with pytest.raises(ValueError, match=r"validation_data must be a pair \(X_val, y_val\)"):
        train(build_mlp(64, 10), X, y, epochs=1, validation_data=digits.X_test)
    with pytest.raises(ValueError, match="X_val has 3 features"):
        train(build_mlp(64, 10), X, y, epochs=1, validation_data=(np.zeros((5, 3)), np.zeros(5)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(hidden=(-1,)), "hidden layer width must be between 1"),
    (dict(hidden=64), r"hidden must be a tuple of layer widths, e.g. \(64,\)"),
    (dict(seeds=5), r"seeds must be a list of whole numbers.*range\(5\)"),
])
def test_train_many_bad_arguments_are_explained(digits, kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        train_many(digits.X_train, digits.y_train, epochs=1, **kwargs)


def test_unknown_optimizer(digits):
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw'.*Did you mean 'adam'"):
        fit(digits, optimizer="adamw")


def test_train_many_models_are_independent_and_reproducible(digits):
    lrs = [0.001, 0.01, 0.01, 0.05]
    kw = dict(epochs=8, batch_size=128, validation_data=(digits.X_test, digits.y_test))
    many = train_many(digits.X_train, digits.y_train, seeds=[0, 1, 2, 3], learning_rates=lrs, **kw)
    assert many.history["val_accuracy"].shape == (4, 8)
    again = train_many(digits.X_train, digits.y_train, seeds=[0, 1, 2, 3], learning_rates=lrs, **kw)
    np.testing.assert_array_equal(many.history["loss"], again.history["loss"])
    alone = train_many(digits.X_train, digits.y_train, seeds=[2], learning_rates=[0.01], **kw)
    np.testing.assert_allclose(alone.history["val_loss"][0], many.history["val_loss"][2], rtol=1e-4)
    assert many.final("val_accuracy")[1:].min() >= 0.9            # they learn
    assert many.final("val_loss")[1] != many.final("val_loss")[2]  # seeds matter


def test_train_many_checks_learning_rates(digits):
    with pytest.raises(ValueError, match="one per seed"):
        train_many(digits.X_train, digits.y_train, seeds=[0, 1], learning_rates=[0.1, 0.2, 0.3])


def test_train_many_with_masks_is_cross_validation(digits):
    from sklearn.model_selection import KFold

    X, y = digits.X_train[:500], digits.y_train[:500]
    masks = np.zeros((5, len(X)), bool)
    for k, (train_idx, _) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
        masks[k, train_idx] = True
    cv = train_many(X, y, seeds=range(5), train_masks=masks, epochs=60)
    assert cv.history["val_accuracy"].shape == (5, 60)
    assert (cv.final("accuracy") > cv.final("val_accuracy")).all()     # held-out rows are harder
    assert 0.8 < cv.final("val_accuracy").mean() < 1.0
    # a model that trains on everything but validates on nothing is refused
    with pytest.raises(ValueError, match="both training and validation"):
        train_many(X, y, seeds=[0], train_masks=np.ones((1, len(X)), bool))
