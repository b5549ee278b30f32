"""Lesson 06, how much data and which data: the claims of the notebook's text over seeds 0-9 on
every machine (each call batches the ten seeds into one ``train_many`` run), and the helpers."""
import numpy as np
import pytest

from dltutor.data_quality import quantity as q
from machines import MACHINES, SEEDS

SHARES = (0.02, 0.1, 0.5)


def _span(a):
    a = np.asarray(a)
    return f"{a.min():.3f}-{a.max():.3f}"


@pytest.fixture(scope="module")
def curves():
    """``{machine: LearningCurve}`` at the default sizes, seeds 0-9."""
    out = {}
    for machine in MACHINES:
        with machine:
            out[machine] = q.run_learning_curve(seeds=SEEDS)
    return out


@pytest.fixture(scope="module")
def small():
    out = {}
    for machine in MACHINES:
        with machine:
            out[machine] = q.run_small_data(seeds=SEEDS)
    return out


@pytest.fixture(scope="module")
def leaks():
    out = {}
    for machine in MACHINES:
        with machine:
            out[machine] = q.run_leakage(seeds=SEEDS)
    return out


@pytest.fixture(scope="module")
def slices():
    out = {}
    for machine in MACHINES:
        with machine:
            out[machine] = q.run_slices(SHARES, seeds=SEEDS)
    return out


# --- the claims -------------------------------------------------------------------------------

def test_learning_curve_rises_and_follows_a_power_law(curves):
    # every machine: the mean test accuracy over seeds 0-9 rises at every size; the rise from
    # each size to four times it exceeds the seeds' spread; error ~ a * n**-b with b in
    # [0.4, 0.7], so doubling the data removes 24-38% of the errors
    for machine, c in curves.items():
        print(machine, "mean", np.round(c.mean, 3).tolist(), "SD", np.round(c.std, 3).tolist(),
              f"b {c.b:.3f} a {c.a:.3f} doubling gain {c.doubling_gain:.4f}",
              "train acc min", np.round(c.train_accuracy.min(1), 3).tolist())
        assert (np.diff(c.mean) > 0).all(), (machine, c.mean)
        for i in range(len(c.sizes) - 2):
            assert c.mean[i + 2] - c.mean[i] > c.std[i] + c.std[i + 2], (machine, c.sizes[i], c.mean, c.std)
        assert 0.4 <= c.b <= 0.7, (machine, c.b)
        assert 0.0 < c.doubling_gain < 0.03, (machine, c.doubling_gain)


def test_augmentation_and_pseudo_labels_help_a_little_at_50_labels(small):
    # every machine, 50 labelled images: the mean gain over seeds 0-9 is at least 1.5 points for
    # augmentation and for pseudo-labels; no seed loses more than a point; the pseudo-labels
    # kept are at least 90% right
    for machine, r in small.items():
        print(machine, "none", _span(r.accuracy["none"]), "augment gain", _span(r.gain("augment")),
              "mean", round(r.gain("augment").mean(), 4), "pseudo gain", _span(r.gain("pseudo")),
              "mean", round(r.gain("pseudo").mean(), 4), "kept", _span(r.n_pseudo),
              "precision", _span(r.pseudo_precision))
        for method in ("augment", "pseudo"):
            gain = r.gain(method)
            assert gain.mean() >= 0.015, (machine, method, gain)
            assert gain.min() >= -0.01, (machine, method, gain)
        assert r.pseudo_precision.min() >= 0.9, (machine, r.pseudo_precision)


def test_leaked_split_scores_higher_than_the_group_split(leaks):
    # every machine and seed: the random split scores at least 5 points above the group split
    # (mean at least 10); almost every test image of the random split has a near-duplicate in
    # training, none of the group split's
    for machine, r in leaks.items():
        print(machine, "leaked", _span(r.leaked_accuracy), "group", _span(r.group_accuracy),
              "gap", _span(r.gap), "mean", round(r.gap.mean(), 4), "leaked images", _span(r.n_leaked / r.n_test))
        assert r.gap.min() >= 0.05 and r.gap.mean() >= 0.10, (machine, r.gap)
        assert (r.n_leaked >= 0.8 * r.n_test).all() and (r.n_leaked_group == 0).all(), machine


def test_an_under_represented_slice_lags_and_more_of_it_closes_the_gap(slices):
    # every machine and seed: at 2% of the training set the slice is at least 25 points below the
    # rest while the overall accuracy stays at least 0.92; the slice's accuracy rises with its
    # share; at 50% the gap is at most 6 points (at most 2.5 on average)
    for machine, r in slices.items():
        for share, sl, rest, ov in zip(r.shares, r.slice_accuracy, r.rest_accuracy, r.overall_accuracy):
            print(machine, f"share {share:.2f}: slice {_span(sl)} rest {_span(rest)} overall {_span(ov)} "
                  f"gap {_span(rest - sl)} (mean {(rest - sl).mean():.4f})")
        assert (r.gap[0] >= 0.25).all() and (r.overall_accuracy[0] >= 0.92).all(), (machine, r.gap[0])
        assert (np.diff(r.slice_accuracy, axis=0) > 0).all(), (machine, r.slice_accuracy)
        assert (r.gap[-1] <= 0.06).all() and r.gap[-1].mean() <= 0.025, (machine, r.gap[-1])


# --- the helpers --------------------------------------------------------------------------------

def test_shift_images_moves_pixels_and_fills_with_zeros():
    X = np.arange(64, dtype="float32").reshape(1, 64) + 1
    img = X.reshape(8, 8)
    right = q.shift_images(X, dx=1).reshape(8, 8)
    assert (right[:, 0] == 0).all() and (right[:, 1:] == img[:, :-1]).all()
    up = q.shift_images(X, dy=-1).reshape(8, 8)
    assert (up[-1] == 0).all() and (up[:-1] == img[1:]).all()
    assert (q.shift_images(X, dx=-1, dy=1).reshape(8, 8)[1:, :-1] == img[:-1, 1:]).all()
    assert (q.shift_images(X) == X).all()


def test_augment_makes_four_moved_noisy_copies_in_range():
    X = np.random.default_rng(0).random((6, 64)).astype("float32")
    out = q.augment(X, shift=1.0, noise=0.0)
    assert out.shape == (5, 6, 64) and (out[0] == X).all()
    for k, (dx, dy) in enumerate(q.SHIFTS, start=1):
        assert np.allclose(out[k], q.shift_images(X, dx, dy))
    half = q.augment(X, shift=0.5, noise=0.0)
    assert np.allclose(half[4], 0.5 * X + 0.5 * q.shift_images(X, 1, 0))
    noisy = q.augment(X, noise=0.3, seed=1)
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert (noisy == q.augment(X, noise=0.3, seed=1)).all() and not (noisy == q.augment(X, noise=0.3, seed=2)).all()


def test_scanner_b_thickens_and_lowers():
    X = np.zeros((1, 64), "float32")
    X[0, 8 * 2 + 3] = 1.0                       # row 2, column 3
    out = q.scanner_b(X).reshape(8, 8)
    assert set(zip(*np.nonzero(out))) == {(3, 3), (3, 4)}


def test_stratified_order_is_nested_and_stratified():
    from sklearn.datasets import load_digits

    y = load_digits().target[:1347]
    order = q.stratified_order(y, 3)
    assert sorted(order) == list(range(len(y)))
    share = np.bincount(y, minlength=10) / len(y)
    for n in (10, 20, 50, 200):
        counts = np.bincount(y[order[:n]], minlength=10)
        assert (np.abs(counts - n * share) <= 1.5).all(), (n, counts)
    assert not (q.stratified_order(y, 4) == order).all()


def test_power_law_fit_recovers_a_and_b():
    n = np.array([20, 40, 80, 160, 320])
    a, b = q.power_law_fit(n, 1.7 * n ** -0.6)
    assert a == pytest.approx(1.7) and b == pytest.approx(0.6)


def test_result_helpers_agree_with_their_arrays(curves, small, leaks):
    c = curves[MACHINES[0]]
    assert c.accuracy.shape == (7, 10) and c.sizes[-1] == q.MAX_TRAIN
    assert c.predicted_accuracy(2 * c.sizes[-1]) - c.predicted_accuracy(c.sizes[-1]) == pytest.approx(c.doubling_gain)
    assert c.error_ratio_per_doubling == pytest.approx(2 ** -c.b)
    a, b = q.power_law_fit(c.sizes, 1 - c.mean)
    assert (a, b) == pytest.approx((c.a, c.b))
    r = small[MACHINES[0]]
    assert r.n_unlabelled == q.MAX_TRAIN - 50 and (r.n_pseudo <= r.n_unlabelled).all()
    frame = r.to_frame()
    assert frame.loc[q.SMALL_METHODS["augment"], "mean"] == pytest.approx(r.accuracy["augment"].mean(), abs=5e-4)
    lk = leaks[MACHINES[0]]
    assert (lk.n_test == 250).all() and lk.copies == 4


def test_near_duplicates_share_a_group_and_a_label():
    X, y, groups = q.make_near_duplicates(30, seed=1)
    assert X.shape == (150, 64) and np.bincount(groups).tolist() == [5] * 30
    for g in range(30):
        assert len(set(y[groups == g])) == 1
    first = X[groups == 0]
    assert np.abs(first[1:] - first[0]).mean() < 0.1      # near, not equal
    assert not (first[1:] == first[0]).all(axis=1).any()


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="larger than the data.*Choose sizes up to 1347"):
        q.run_learning_curve((20, 2000))
    with pytest.raises(ValueError, match="training-set size must be between 10 and 1347"):
        q.run_learning_curve((5, 100))
    with pytest.raises(ValueError, match="at least two training-set sizes"):
        q.run_learning_curve((100, 100))
    with pytest.raises(TypeError, match="sizes must be a list"):
        q.run_learning_curve(100)
    with pytest.raises(ValueError, match="at least one network"):
        q.run_learning_curve(seeds=[])
    with pytest.raises(ValueError, match="n_labelled must be between 20 and 1000"):
        q.run_small_data(5000)
    with pytest.raises(ValueError, match="threshold"):
        q.run_small_data(threshold=1.5)
    with pytest.raises(ValueError, match="shift must be between 0.0 and 1.0"):
        q.augment(np.zeros((2, 64)), shift=0)
    with pytest.raises(ValueError, match="test_size"):
        q.run_leakage(test_size=1.0)
    with pytest.raises(ValueError, match="share must be between 0.0 and 1.0"):
        q.run_slices((0.1, 1.5))
    with pytest.raises(ValueError, match="n_train must be between 50 and 673"):
        q.run_slices(n_train=1000)
    r = q.SmallData(50, np.arange(2), {m: np.zeros(2) for m in q.SMALL_METHODS}, 0.9, 1297,
                    np.zeros(2), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="Did you mean 'augment'"):
        r.gain("augmnt")
