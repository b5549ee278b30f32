"""Lesson 01's phenomena, asserted on the compute layer (seeded), and its explorer."""
import numpy as np
import pytest

from dltutor import overfitting as o


@pytest.fixture(scope="module")
def toolbox():
    return o.run_toolbox(seed=0)


def test_the_largest_model_overfits_the_small_set():
    fit = o.run_fit(width=512, seed=0)
    assert fit.train_accuracy >= 0.99
    assert fit.gap >= 10, fit.summary()


def test_gap_grows_with_capacity_and_shrinks_with_data():
    sweep = o.run_capacity_sweep(widths=(2, 512), seed=0)
    assert sweep.gap[1] > sweep.gap[0] + 5
    curve = o.run_learning_curve(sizes=(20, 640), seed=0)
    assert curve.gap[1] < curve.gap[0] - 5 and curve.gap[1] < 5


def test_random_labels_are_memorized_while_validation_stays_at_chance():
    fit = o.run_random_labels(seed=0)
    assert fit.train_accuracy >= 0.95
    assert abs(fit.val_accuracy - fit.params["chance"]) <= 0.05, fit.summary()


@pytest.mark.parametrize("remedy", ["L2 weight decay", "dropout", "early stopping", "augmentation"])
def test_each_remedy_narrows_the_gap(toolbox, remedy):
    assert toolbox.gaps[remedy] < toolbox.gaps["baseline"] - 2, toolbox.gaps


def test_double_descent_peaks_at_the_interpolation_threshold():
    dd = o.run_double_descent(n_features=(300, 1347, 4000))
    small, peak, large = dd.test_error
    assert dd.peak == dd.n_train == 1347
    assert peak >= 3 * small and peak >= 3 * large, dd.test_error
    assert dd.train_error[1] == 0 and dd.train_error[2] == 0         # both interpolate


def test_one_split_misleads_more_than_k_fold():
    cv = o.run_cross_validation(seed=0)
    spread = cv.single_split.max() - cv.single_split.min()
    assert spread >= 0.08                                              # 8+ points between splits
    assert abs(cv.kfold_mean - cv.reference) < spread / 2


def test_label_noise_and_augmentation_helpers():
    y = np.arange(1000) % 10
    assert (o.add_label_noise(y, 0.0, n_classes=10) == y).all()
    noisy = o.add_label_noise(y, 1.0, n_classes=10, seed=1)
    assert 0.05 < (noisy == y).mean() < 0.15                           # random labels agree 10%
    X = np.random.default_rng(0).random((5, 64)).astype("float32")
    Xa, ya = o.augment(X, np.arange(5), copies=4)
    assert Xa.shape == (25, 64) and (ya[:5] == ya[5:10]).all()
    with pytest.raises(ValueError, match="label_noise must be between 0.0 and 1.0"):
        o.add_label_noise(y, 1.5, n_classes=10)


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="width must be between 1"):
        o.run_fit(width=0)
    with pytest.raises(ValueError, match="n_train must be between 10"):
        o.make_small_moons(5)


def test_explorer_names_the_gap_and_light_controls_do_not_retrain():
    ex = o.OverfittingExplorer(epochs=100)
    fit = ex.update(width=128)
    assert fit.params["width"] == 128 and "generalization gap" in ex.summary.value
    assert f"{fit.gap:.0f} points" in ex.summary.value
    runs = ex.runs
    ex.controls["metric"].value = "accuracy"                             # light: redraw only
    assert ex.runs == runs and ex._curves.metric == "accuracy"
    assert ex.update(metric="loss") is fit and ex.runs == runs
    ex.controls["early_stopping"].value = True                           # a checkbox retrains
    fit = ex.wait()
    assert fit.params["early_stopping"] and ex.runs == runs + 1


def test_explorer_bad_values_are_shown_in_the_widget():
    ex = o.OverfittingExplorer(epochs=40)
    assert ex.update(width=0) is None
    assert "width must be one of 2, 4, 8" in ex.error and "role='alert'" in ex.status.value
    assert ex.update(n_train=5000) is None
    assert "n_train must be one of 20, 40, 60, 80, 160, 320, 640; got 5000" in ex.error
    assert ex.update(width=8) is not None and ex.status.value == ""
