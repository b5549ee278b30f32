"""Lesson 01's phenomena, asserted on the compute layer (seeded), and its explorer."""
import numpy as np
import pytest

from dltutor import overfitting as o
from machines import MACHINES, SEEDS, on_every_machine   # every seed a teacher may type, on any machine


@pytest.fixture(scope="module")
def toolboxes():
    return on_every_machine(lambda s: o.run_toolbox(seed=s))


def test_the_large_model_overfits_the_small_set_and_validation_loss_turns_up(toolboxes):
    # section 1: train accuracy 100%, a gap of 10+ points; the validation loss falls, then rises
    for (machine, seed), box in toolboxes.items():
        fit = box.fits["baseline"]
        assert fit.train_accuracy >= 0.99 and fit.gap >= 10, (machine, seed, fit.summary())
        val = np.array(fit.history["val_loss"])
        assert val.argmin() < len(val) - 50 and val[-1] > 1.2 * val.min(), (machine, seed, val.argmin())


def test_gap_grows_with_capacity_and_shrinks_with_data():
    runs = on_every_machine(lambda seed: (o.run_capacity_sweep(widths=(2, 512), seed=seed),
                                          o.run_learning_curve(sizes=(20, 640), seed=seed)))
    for (machine, seed), (sweep, curve) in runs.items():
        assert sweep.gap[1] > sweep.gap[0] + 5, (machine, seed, sweep.gap)
        assert curve.gap[1] < curve.gap[0] - 5, (machine, seed, curve.gap)


def test_random_labels_are_memorized_while_validation_stays_at_chance():
    for (machine, seed), fit in on_every_machine(lambda seed: o.run_random_labels(seed=seed)).items():
        assert fit.train_accuracy >= 0.95, (machine, seed, fit.summary())
        # notebook: "near chance: 7% to 15% over seeds 0-9" (measured 7.3-15.3% with 1 or 2 threads)
        assert 0.06 <= fit.val_accuracy <= 0.165, (machine, seed, fit.summary())


@pytest.mark.parametrize("remedy, least", [("L2 weight decay", 2), ("early stopping", 4),
                                            ("augmentation", 1.5), ("dropout", 2)])
def test_each_remedy_narrows_the_gap_for_every_seed(toolboxes, remedy, least):
    # section 4: "Every remedy narrows the gap, whichever seed you pick"; the notebook states the
    # range measured over seeds 0-9 on three machines (printed here). With the cosine-decayed rate
    # the least narrowing is a property of the seed, not of rounding: over seven machines it was
    # L2 3.9, early stopping 7.3, augmentation 3.0, dropout 4.4 points; each bound is half or less
    narrowing = {key: box.gaps["baseline"] - box.gaps[remedy] for key, box in toolboxes.items()}
    print(f"{remedy}: narrows the gap by {min(narrowing.values()):.1f} to {max(narrowing.values()):.1f} points")
    for machine in MACHINES:
        mine = [n for (m, _), n in narrowing.items() if m is machine]
        assert len(mine) == len(SEEDS)
        assert min(mine) > least, (machine, np.round(mine, 1))


def test_double_descent_peaks_at_the_interpolation_threshold():
    # no training: a least-squares solve. Its random features are nudged like initial weights.
    runs = on_every_machine(lambda seed: o.run_double_descent(n_features=(400, 1347, 4000), seed=seed))
    for (machine, seed), dd in runs.items():
        small, peak, large = dd.test_error
        assert dd.peak == dd.n_train == 1347, (machine, seed)
        assert peak >= 3 * small and peak >= 3 * large, (machine, seed, dd.test_error)
        assert dd.train_error[1] == 0 and dd.train_error[2] == 0         # both interpolate


def test_one_split_misleads_more_than_k_fold():
    for (machine, seed), cv in on_every_machine(lambda seed: o.run_cross_validation(seed=seed)).items():
        spread = cv.single_split.max() - cv.single_split.min()
        assert spread >= 0.08, (machine, seed)                              # 8+ points between splits
        assert abs(cv.kfold_mean - cv.reference) < spread / 2, (machine, seed)


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


def test_explorer_runs_are_reproducible_and_match_run_fit():
    # issue 9's repros: dropout runs repeat exactly; 50 new seeds build no new model
    ex = o.OverfittingExplorer(epochs=40)
    first = ex.update(dropout=0.5)
    for seed in range(1, 51, 7):
        ex.update(seed=seed)
    again = ex.update(seed=0)
    assert again.history == first.history
    plain = o.run_fit(dropout=0.5, epochs=40)
    np.testing.assert_allclose(plain.history["val_loss"], first.history["val_loss"], rtol=1e-5)
    assert len(ex._pool) == 1
