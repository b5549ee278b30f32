"""Lesson 05's claims, over seeds 0-9 (all ten seeds must hold unless a test says otherwise)."""
import threading

import numpy as np
import pytest

from dltutor import butterfly as bf
from machines import MACHINES, SEEDS, on_every_machine


def test_one_recipe_many_seeds_spreads_and_repeats_bit_for_bit():
    # one batched run holds every group of 20 seeds starting at 0..9 (models do not interact)
    for machine in MACHINES:
        with machine:
            many = bf.run_seed_spread(29, seed=0)
        if machine.scale is None:
            allseeds = many
        for s in SEEDS:
            acc = many.accuracy[s:s + 20]
            pred = many.predictions[s:s + 20]
            spread = 100 * (acc.max() - acc.min())
            sd = 100 * acc.std(ddof=1)
            dis = (pred[:, None] != pred[None]).mean(-1)[~np.eye(20, dtype=bool)].mean()
            print(f"{machine}, seeds {s}-{s + 19}: range {spread:.2f} SD {sd:.2f} disagreement {dis:.4f}")
            assert 1.3 <= spread <= 3.6 and 0.38 <= sd <= 0.9, (machine, s)     # the notebook's stated spread
            assert 0.014 <= dis <= 0.022, (machine, s)
            assert acc.min() >= 0.93, (machine, s)
    first, again = bf.run_seed_spread(20, seed=0), bf.run_seed_spread(20, seed=0)
    np.testing.assert_array_equal(again.history["loss"], first.history["loss"])
    np.testing.assert_array_equal(again.predictions, first.predictions)
    # in a batch of another size the float sums differ in the last bits (BLAS blocking), no more
    np.testing.assert_allclose(first.history["loss"], allseeds.history["loss"][:20], rtol=1e-5)


def test_determinism_cost_is_measured_and_switched_back():
    from tensorflow.python.framework import config as tf_config

    cost = bf.determinism_cost(n_seeds=3, repeats=1)
    assert cost["default"] > 0 and cost["deterministic"] > 0 and cost["identical"]
    assert not tf_config.is_op_determinism_enabled()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_1_percent_learning_rate_change_drifts_10x(seed):
    # the notebook: "the 1% learning-rate change grew the distance 33-207x ..., and the flipped
    # bit 466x to 2.6 million x"; asserted with room: >= 10x and >= 100x
    for machine in MACHINES:
        with machine:
            lr = bf.run_nudge("learning_rate", seed=seed)
            bit = bf.run_nudge("bit", seed=seed)
        print(f"{machine}, seed {seed}: learning rate x{lr.growth:.0f}, bit x{bit.growth:.0f}")
        assert lr.growth >= 10, (machine, lr.growth)
        assert abs(lr.val_accuracy[0] - lr.val_accuracy[1]) <= 0.02, machine   # different models, equally good
        assert bit.distance[0] < 2e-8 and bit.growth >= 100, (machine, bit.distance[0], bit.growth)


def test_flip_lowest_bit_is_one_ulp():
    for x in (0.1234, -3.0, 1e-6):
        y = bf.flip_lowest_bit(x)
        assert y != np.float32(x) and abs(y - np.float32(x)) <= abs(np.spacing(np.float32(x))) * 1.0001


def test_best_learning_rate_moves_with_batch_size_and_the_cliff_does_not():
    for machine in MACHINES:
        with machine:
            grid = bf.run_lr_batch(seeds=SEEDS)
        assert grid.batch_sizes == (16, 64, 256)
        lrs = np.asarray(grid.learning_rates)
        acc = np.nan_to_num(grid.accuracy, nan=0.0)           # (seed, batch, lr)
        smallest = grid.smallest_lr(0.9)                      # (seed, batch)
        print(machine, "smallest lr reaching 90%:", smallest.tolist(), "cliff:", grid.cliff().tolist())
        print("  margins: batch 16 at 0.01 >=", acc[:, 0, 0].min(), "; batch 256 at 0.046 <=", acc[:, 2, 2].max(),
              "; at 2.15:", acc[:, :, 7].max(axis=0))
        # the notebook: "With batch 16 a learning rate of 0.01 already reaches 90%; batch 256 ...
        # needs 10-22x more (0.1-0.22)"
        assert (smallest[:, 0] == 0.01).all(), machine
        ratio = smallest[:, 2] / smallest[:, 0]
        assert ((ratio >= 10) & (ratio <= 22)).all(), (machine, ratio)
        # "from 4.6 up every run fails, for every batch size and seed; at 2.15 batches of 16 and 64
        # fail too, while batch 256 now and then limps on (at most about a third right)"
        assert (acc[:, :, lrs >= 4.0] <= 0.2).all(), machine
        at_2 = acc[:, :, np.isclose(lrs, 2.1544)][..., 0]
        assert (at_2[:, :2] <= 0.2).all(), (machine, at_2)
        assert (at_2[:, 2] <= 0.4).all() and (at_2[:, 2] <= 0.2).mean() >= 0.6, (machine, at_2[:, 2])
        assert ((grid.cliff() >= 1.0) & (grid.cliff() <= 4.7)).all(), machine


def test_grid_tries_3_learning_rates_random_9_and_both_find_good_ones():
    # the notebook: "the best grid trial scored 95.1-97.3%, the best random one 87.3-97.1%"
    for (machine, seed), s in on_every_machine(lambda seed: bf.run_search(seed=seed)).items():
        assert s.distinct_lr == (3, 9)
        grid, random = s.best
        print(f"{machine}, seed {seed}: best grid {grid:.3f}, best random {random:.3f}")
        assert 0.945 <= grid <= 0.978 and 0.865 <= random <= 0.978, (machine, seed, grid, random)


def test_the_best_of_1000_coin_flips_fools_a_small_validation_set():
    # no network and no float sums: coin flips counted exactly, the same on every machine
    for seed in SEEDS:
        t = bf.run_validation_trap(n_val=100, k=1000, seed=seed)
        assert 0.63 <= t.best_val <= 0.69 and abs(t.best_test - 0.5) <= 0.01, (seed, t)
    big = bf.run_validation_trap(n_val=10_000, k=1000, seed=0)
    assert big.optimism < 0.03


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="Unknown change .weights.. Choose one of"):
        bf.run_nudge("weights")
    with pytest.raises(ValueError, match="number of seeds must be between 2"):
        bf.run_seed_spread(1)
    with pytest.raises(ValueError, match="square number of trials"):
        bf.run_search(n_trials=8)
    with pytest.raises(ValueError, match="zoom must be between 1"):
        bf.run_fractal(zoom=0.5)
    with pytest.raises(ValueError, match="steps must be a multiple of 20"):
        bf.run_fractal(steps=30)


def test_explorers_explain_refusals_and_stop():
    ex = bf.FractalExplorer(resolution=32)
    assert ex.zoom_in() is None and "Train first" in ex.status.value
    assert ex.update(zoom=3) is None and "zoom must be one of" in ex.status.value
    first = ex.update()
    assert first is not None and first.both_outcomes
    zoomed = ex.zoom_in()
    assert ex.params["zoom"] == 4 and zoomed.both_outcomes
    stop = threading.Event()
    stop.set()
    partial = bf.run_fractal(resolution=16, stop=stop)
    assert not partial.complete
    seeds = bf.SeedsExplorer(n_seeds=5)
    assert seeds.update() is not None and "SD" in seeds.describe()
    assert seeds.update(n_seeds=3) is None and "seeds must be between 5" in seeds.status.value
