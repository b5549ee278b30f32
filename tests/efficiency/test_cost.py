"""Lesson 08: counting what a model costs, batch size, and precision policies. Counts and
orderings of accuracies only; the measured speeds are checked to be numbers, never compared."""
import numpy as np
import pytest

from dltutor._backend import keras, tf
from dltutor.efficiency import compute as ec
from dltutor.models import build_mlp
from machines import on_every_machine


def test_flops_are_counted_from_the_layers():
    assert ec.count_flops(build_mlp(64, 10, depth=2, width=256)) == 2 * (64 * 256 + 256 * 256 + 256 * 10)
    L = keras.layers
    cnn = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(16, 3, padding="same"), L.Flatten(), L.Dense(10)])
    assert ec.count_flops(cnn) == 2 * 3 * 3 * 1 * 16 * 8 * 8 + 2 * 1024 * 10
    assert ec.count_params(cnn) == 16 * 9 + 16 + 1024 * 10 + 10


def test_the_cost_table_measures_every_mode_on_this_device():
    rows = ec.run_cost_table(widths=(16,), seconds=0.05)
    assert rows[0].device == ec.devices()[0] == "CPU:0" or rows[0].device.startswith("GPU")
    assert set(rows[0].examples_per_s) == set(ec.MODES) and all(v > 0 for v in rows[0].examples_per_s.values())


def test_small_batches_learn_more_per_epoch_and_the_whole_set_never_reaches_95():
    def run(seed):
        return {b: ec.run_batch_size(b, seed=seed) for b in (16, 256, 1347)}

    runs = on_every_machine(run)
    for b in (16, 256, 1347):
        acc1 = [r[b].accuracy[0] for r in runs.values()]
        print(f"batch {b}: accuracy after epoch 1 {min(acc1):.2f}-{max(acc1):.2f}, epochs to 95%",
              sorted({r[b].epochs_to() for r in runs.values()}, key=str))
    for key, r in runs.items():
        first = [r[b].accuracy[0] for b in (16, 256, 1347)]
        assert first[0] >= first[1] + 0.2 and first[1] > first[2] and first[0] >= first[2] + 0.5, (key, first)
        assert r[16].epochs_to() is not None and r[16].epochs_to() <= 8, key
        assert r[1347].epochs_to() is None and r[1347].accuracy[-1] < 0.93, key
        assert r[16].examples_per_s > 0 and r[16].time_to() > 0


def test_a_batch_larger_than_the_data_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="larger than the training set"):
        ec.run_batch_size(5000)
    from dltutor.efficiency import BatchSizeExplorer

    ex = BatchSizeExplorer()
    assert ex.update(batch_size=5000) is None and "must be one of" in ex.error


def test_policies_are_restored_even_when_the_block_fails():
    before = keras.mixed_precision.global_policy().name
    with pytest.raises(ValueError, match="Unknown dtype policy 'float16'"):
        with ec.dtype_policy("float16"):
            pass
    with pytest.raises(RuntimeError):
        with ec.dtype_policy("mixed_float16"):
            assert keras.mixed_precision.global_policy().name == "mixed_float16"
            raise RuntimeError("a failing cell")
    assert keras.mixed_precision.global_policy().name == before
    options = tf.config.optimizer.get_experimental_options()
    with ec.remapping(False):
        assert tf.config.optimizer.get_experimental_options()["remapping"] is False
    assert tf.config.optimizer.get_experimental_options().get("remapping", True) == options.get("remapping", True)


def test_the_mixed_precision_demo_runs_every_policy_and_puts_float32_back():
    rows = ec.run_mixed_precision(n_examples=64, width=16)
    assert [(r.policy, r.remapping) for r in rows] == [("float32", True), ("mixed_float16", True),
                                                       ("mixed_bfloat16", True), ("mixed_float16", False)]
    assert all(r.examples_per_s > 0 and np.isfinite(r.final_loss) for r in rows)
    assert keras.mixed_precision.global_policy().name == "float32"
    with pytest.raises(ValueError, match="Unknown dtype policy"):
        ec.run_mixed_precision(policies=("float32", "int8"))
