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
