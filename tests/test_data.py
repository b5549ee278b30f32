import shutil
import socket

import numpy as np
import pytest

from dltutor import data


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_every_dataset_loads_with_consistent_shapes(name):
    d = data.load_dataset(name)
    assert d.X_train.dtype == np.float32 and d.y_train.dtype == np.int32
    assert d.X_train.ndim == 2 and d.X_test.shape[1] == d.X_train.shape[1]
    assert len(d.X_train) == len(d.y_train) and len(d.X_test) == len(d.y_test)
    assert set(np.unique(d.y_train)) == set(range(d.n_classes))
    assert np.isfinite(d.X_train).all()
    assert name in repr(d)


@pytest.mark.parametrize("name", ["moons", "circles", "spirals", "imbalanced"])
def test_generated_sets_are_reproducible_and_seeded(name):
    a = data.load_dataset(name, seed=3)
    b = data.load_dataset(name, seed=3)
    c = data.load_dataset(name, seed=4)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.X_train, c.X_train)


def test_unknown_dataset_names_the_choices_and_the_closest():
    with pytest.raises(ValueError, match=r"Unknown dataset 'mnist'.*'digits'.*Did you mean 'mnist1d'"):
        data.load_dataset("mnist")


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_samples=5), "n_samples must be at least 20"),
    (dict(noise=-0.1), "noise must be between"),
    (dict(test_size=1.5), "test_size must be between"),
])
def test_bad_arguments_say_what_is_allowed(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.make_moons(**kwargs)


def test_digits_subset_and_its_limits():
    d = data.load_digits(n_train=200, seed=1)
    assert len(d.X_train) == 200 and len(d.X_test) == 450
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    assert np.bincount(d.y_train).min() >= 15          # stratified: every class present
    with pytest.raises(ValueError, match="n_train must be between 10 and 1347"):
        data.load_digits(n_train=5000)


@pytest.mark.parametrize("ratio", [0.02, 0.1, 0.3])
def test_imbalanced_ratio_is_what_was_asked(ratio):
    d = data.make_imbalanced(4000, ratio=ratio)
    assert abs(d.y_train.mean() - ratio) < 0.01
    assert abs(d.y_test.mean() - ratio) < 0.01
    assert d.chance == pytest.approx(1 - d.y_train.mean())


def test_imbalanced_too_few_minority_samples_is_explained():
    with pytest.raises(ValueError, match="fewer than 2 minority samples"):
        data.make_imbalanced(100, ratio=0.01)


def test_shipped_mnist1d_matches_its_checksum_and_regenerates(tmp_path):
    d = data.load_mnist1d()
    assert d.X_train.shape == (4000, 40) and d.X_test.shape == (1000, 40)
    assert np.bincount(d.y_train).min() >= 350
    fresh = data.make_mnist1d(5000, test_size=0.2, seed=0)   # what datasets/make_mnist1d.py runs
    np.testing.assert_allclose(fresh.X_train, d.X_train, atol=2e-2, rtol=2e-3)   # float16 storage
    np.testing.assert_array_equal(fresh.y_train, d.y_train)


def test_corrupted_mnist1d_is_refused_with_the_fix(tmp_path, monkeypatch):
    src = data._datasets_dir()
    for name in ("manifest.json", "mnist1d.npz"):
        shutil.copy(src / name, tmp_path / name)
    blob = bytearray((tmp_path / "mnist1d.npz").read_bytes())
    blob[100] ^= 0xFF
    (tmp_path / "mnist1d.npz").write_bytes(bytes(blob))
    monkeypatch.setattr(data, "_datasets_dir", lambda: tmp_path)
    with pytest.raises(OSError, match="corrupted.*make_mnist1d.py"):
        data.load_mnist1d()


def test_mnist1d_is_learnable_but_not_trivial():
    from sklearn.linear_model import LogisticRegression

    d = data.load_mnist1d()
    acc = LogisticRegression(max_iter=500).fit(d.X_train, d.y_train).score(d.X_test, d.y_test)
    assert 0.25 < acc < 0.9, acc     # a linear model is well above chance (0.1) yet far from perfect


def test_nothing_touches_the_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for name in data.DATASETS:
        assert len(data.load_dataset(name).X_train) > 0
