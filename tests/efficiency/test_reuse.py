"""Lesson 08: transfer learning and forgetting, for seeds 0-9 on every stand-in machine.

The notebook's honest claim: on these digits a body pretrained on 0-4, frozen, is *worse* than
training on 5-9 from scratch at 10 labels per class, fine-tuning is within a few points of
scratch, and the frozen body trains 325 weights instead of 8,645. Training on 5-9 alone makes
the network forget 0-4; rehearsal keeps most of it.
"""
import numpy as np
import pytest

from dltutor.efficiency import compute as ec
from machines import on_every_machine


def _rng(values):
    values = np.asarray(values, float)
    return f"{values.min():.3f}-{values.max():.3f}"


@pytest.fixture(scope="module")
def runs():
    return on_every_machine(lambda seed: dict(t=ec.run_transfer(seed, k=10), f=ec.run_forgetting(seed, rehearsal=20)))


def test_a_frozen_body_from_digits_0_4_is_worse_than_scratch_on_5_9(runs):
    for mode in ec.TRANSFER_MODES:
        print(mode, _rng([r["t"].accuracy[mode] for r in runs.values()]))
    for key, r in runs.items():
        a = r["t"].accuracy
        assert a["scratch"] >= a["frozen body"] + 0.10, (key, a)
        assert abs(a["fine-tuned"] - a["scratch"]) <= 0.06, (key, a)
        assert a["scratch"] >= 0.85, (key, a)
        assert r["t"].trainable == {"frozen body": 325, "fine-tuned": 8645, "scratch": 8645}


def test_training_on_b_alone_forgets_a_and_rehearsal_keeps_most_of_it(runs):
    f = [r["f"] for r in runs.values()]
    print("A after A", _rng([x.after_a[0] for x in f]), "| after B alone", _rng([x.after_b[0] for x in f]),
          "| with rehearsal", _rng([x.after_b_rehearsed[0] for x in f]),
          "| B with rehearsal", _rng([x.after_b_rehearsed[1] for x in f]))
    for key, r in runs.items():
        x = r["f"]
        assert x.after_a[0] >= 0.95 and x.after_b[1] >= 0.95, key
        assert x.after_b[0] <= x.after_a[0] - 0.30 and x.after_b[0] <= 0.05, key     # "falls to about 0"
        recovered = (x.after_b_rehearsed[0] - x.after_b[0]) / (x.after_a[0] - x.after_b[0])
        assert recovered >= 0.7 and x.after_b_rehearsed[1] >= 0.93, (key, recovered)


def test_the_transfer_model_is_the_pretrained_body_with_a_new_head():
    model = ec.transfer_model(0)
    body = ec.pretrain(0)
    for got, want in zip(model.get_weights()[:4], body[:4]):
        np.testing.assert_array_equal(got, want)
    assert model.output_shape == (None, 5) and all(layer.trainable for layer in model.layers)


def test_bad_input_says_what_to_do():
    with pytest.raises(ValueError, match="labels per class"):
        ec.run_transfer(0, k=1000)
    with pytest.raises(ValueError, match="rehearsal images per class"):
        ec.run_forgetting(0, rehearsal=-1)
