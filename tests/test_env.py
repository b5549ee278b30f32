import numpy as np
import pytest

from dltutor import env


def test_doctor_reports_versions_and_device():
    report = env.doctor()
    assert report.versions["tensorflow"] and report.versions["keras"].startswith("3.")
    assert report.device in ("CPU", "GPU")
    assert report.devices, "TensorFlow should list at least one device"
    text = str(report)
    assert "tensorflow" in text and "device" in text
    assert "<table>" in report._repr_html_()


def test_doctor_without_tensorflow_import_is_fast_path():
    report = env.doctor(import_tensorflow=False)
    assert report.devices == ()
    assert report.device == "CPU"


@pytest.mark.parametrize("files, expected", [
    ({"memory.max": "max\n"}, None),
    ({"memory.max": "2147483648\n"}, 2147483648),
    ({"memory/memory.limit_in_bytes": "9223372036854771712\n"}, None),   # cgroup v1: no limit
    ({"memory/memory.limit_in_bytes": "1073741824\n"}, 1073741824),
    ({}, None),
])
def test_memory_limit_from_cgroup(tmp_path, files, expected):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert env.memory_limit_bytes(root=str(tmp_path)) == expected


def test_binder_and_colab_detection():
    assert env.on_binder({"BINDER_SERVICE_HOST": "x"})
    assert not env.on_binder({})
    assert env.on_colab({"COLAB_RELEASE_TAG": "release-colab_20250101-060000_RC00"})
    assert not env.on_colab({})


def test_seed_everything_gives_same_numbers():
    import tensorflow as tf

    def draw():
        env.seed_everything(123)
        import random

        return random.random(), np.random.rand(), float(tf.random.uniform(()))

    assert draw() == draw()
    env.seed_everything(124)
    assert np.random.rand() != draw()[1]


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        env.seed_everything(bad)


def test_seed_everything_keeps_float32_matmuls_in_float32():
    from dltutor._backend import tf

    tf.config.experimental.enable_tensor_float_32_execution(True)     # TensorFlow's default
    try:
        env.seed_everything(0)
        assert not tf.config.experimental.tensor_float_32_execution_enabled()
        assert env.doctor().tensor_float_32 is False
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(True)


def test_perturbed_nudges_every_initial_weight_the_kit_draws_and_nothing_else():
    from dltutor.models import ModelPool, build_mlp
    from dltutor.training import initial_weights

    plain = build_mlp(64, 10, depth=2, width=16, seed=3).get_weights()
    with env.perturbed(1e-6, seed=1) as p:
        assert p == (1e-6, 1) and env.perturbation() == (1e-6, 1)
        nudged = build_mlp(64, 10, depth=2, width=16, seed=3).get_weights()
        again = build_mlp(64, 10, depth=2, width=16, seed=3).get_weights()
        pooled = ModelPool(tunable=False).get(64, 10, depth=2, width=16, seed=3).get_weights()
        many = initial_weights([3, 3, 4], (64, 16, 10))
        with env.perturbed(1e-6, seed=2):
            other = build_mlp(64, 10, depth=2, width=16, seed=3).get_weights()
        assert env.perturbation() == (1e-6, 1)              # the inner block restored the outer
    assert env.perturbation() is None
    for w, n, a, q, o in zip(plain, nudged, again, pooled, other):
        if not w.any():                                    # biases start at 0 and stay 0
            assert not n.any()
            continue
        rel = np.abs(n / w - 1)
        assert 0 < rel.max() < 1e-5 and 1e-7 < rel.mean() < 2e-6
        np.testing.assert_array_equal(n, a)                # the same nudge twice: reproducible
        np.testing.assert_array_equal(n, q)                # ModelPool's reinitialize too
        assert not np.array_equal(n, o)                    # another nudge seed, another machine
    np.testing.assert_array_equal(many[0][0], many[0][1])  # same seed, same nudge (a flipped bit stays alone)
    base = initial_weights([3], (64, 16, 10))[0][0]
    assert 0 < np.abs(many[0][0] / base - 1).max() < 1e-5
    np.testing.assert_array_equal(build_mlp(64, 10, depth=2, width=16, seed=3).get_weights()[0], plain[0])


@pytest.mark.parametrize("kwargs, match", [(dict(scale=1.0), "scale must be"), (dict(scale=-1e-6), "scale must be"),
                                           (dict(seed=-1), "seed must be"), (dict(seed=1.5), "seed must be")])
def test_perturbed_refuses_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        with env.perturbed(**kwargs):
            pass
    assert env.perturbation() is None
