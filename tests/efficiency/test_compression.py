"""Lesson 08: the claims about making the reference MLP smaller (pruning, int8, LiteRT,
distillation), for seeds 0-9 on every stand-in machine (tests/machines.py). Sizes and accuracies
only: times are measured in the notebook, never asserted. Each test prints the range it asserts.

One module-scoped run per (machine, seed) trains the reference once for all the asserts: pruning,
int8 and distillation (its teacher) all use that run's reference, remembered by train_reference.
"""
import numpy as np
import pytest

from dltutor.efficiency import compute as ec
from machines import MACHINES, on_every_machine


def _rng(values):
    values = np.asarray(values, float)
    return f"{values.min():.3f}-{values.max():.3f}"


@pytest.fixture(scope="module")
def runs():
    def run(seed):
        p = ec.run_pruning(seed, sparsities=(0.5, 0.8, 0.9), fine_tune_from=0.8)    # 50%: one-shot only
        q = ec.run_quantization(seed)
        d = ec.run_distillation((seed,))          # its teacher: the reference just trained, not a second one
        return dict(ref=ec.train_reference(seed), p=p, q=q, d=d)
    return on_every_machine(run)


def test_the_reference_learns_the_digits(runs):
    acc = [r["p"].dense_accuracy for r in runs.values()]
    print("dense accuracy", _rng(acc))
    assert min(acc) >= 0.96


def test_fine_tuned_pruning_beats_one_shot_at_80_percent_and_beyond(runs):
    for i, s in enumerate((0.5, 0.8, 0.9)):
        print(f"{s:.0%}: one-shot", _rng([r["p"].one_shot[i] for r in runs.values()]),
              "fine-tuned", _rng([r["p"].fine_tuned[i] for r in runs.values()]) if s >= 0.8 else "-")
    for key, r in runs.items():
        p = r["p"]
        assert p.one_shot[0] >= p.dense_accuracy - 0.05, key            # half the weights: a few points
        assert p.fine_tuned[1] >= p.one_shot[1] + 0.03, key             # 80%: fine-tuning wins
        assert p.fine_tuned[2] >= p.one_shot[2] + 0.10, key             # 90%: by far
        assert p.fine_tuned[1] >= p.dense_accuracy - 0.02, key          # "within a point or two"
        assert p.gzip[0] > p.gzip[1] > p.gzip[2] and p.gzip[1] < 0.4 * p.dense_gzip, key


def test_finetuned_weights_keep_their_mask(runs):
    ref = runs[MACHINES[0], 0]["ref"]           # train_reference(0) on this machine
    w = ec.finetune_pruned(ref, 0.8)
    for k in (x for x in w if x.ndim > 1):
        assert abs((k == 0).mean() - 0.8) < 1e-3


def test_int8_is_a_quarter_of_the_bytes_with_the_same_predictions(runs):
    qs = [r["q"] for r in runs.values()]
    print("int8/float32 bytes", _rng([q.ratio for q in qs]), "agreement", _rng([q.agreement for q in qs]),
          "accuracy change", _rng([q.int8_accuracy - q.float_accuracy for q in qs]))
    for key, r in runs.items():
        q = r["q"]
        assert q.ratio <= 0.3, key
        assert abs(q.int8_accuracy - q.float_accuracy) <= 0.01, key
        assert q.agreement >= 0.98, key
        assert q.float_ms > 0 and q.int8_ms > 0


def test_litert_export_is_smaller_and_agrees():
    lite = ec.run_litert(0)
    assert lite.available and lite.interpreter.startswith("ai_edge_litert"), lite   # a dependency here
    assert lite.file_bytes["int8 weights"] <= 0.35 * lite.file_bytes["float32"]
    assert abs(lite.accuracy["int8 weights"] - lite.accuracy["float32"]) <= 0.01
    assert lite.agreement["float32"] == 1.0 and lite.agreement["int8 weights"] >= 0.98


def test_without_an_interpreter_the_lesson_says_what_to_install(monkeypatch):
    monkeypatch.setattr(ec, "litert_interpreter", lambda: None)
    lite = ec.run_litert(0)
    assert not lite.available and "pip install ai-edge-litert" in lite.message
    from dltutor.efficiency.display import litert_table
    assert "pip install ai-edge-litert" in litert_table(lite)._repr_html_()


def test_without_ai_edge_litert_tensorflows_own_interpreter_is_used(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)      # as where it has no wheel
    assert ec.litert_interpreter() is ec.tf.lite.Interpreter
    lite = ec.run_litert(0)
    assert lite.available and lite.interpreter.startswith("tensorflow.lite") and lite.agreement["float32"] == 1.0


def test_distillation_gives_no_real_gain_here(runs):
    """The notebook says distillation does not help on the digits: the distilled student is no
    better than the label-trained one, within the seed spread."""
    gains = []
    for key, run in runs.items():
        r = run["d"]
        assert r.seeds == (key[1],), key
        gains.append(float(r.gain[0]))
        assert r.labels[0] >= 0.88 and r.distilled[0] >= 0.85, key
    gains = np.array(gains)
    print("distilled - labels", _rng(gains), "mean", f"{gains.mean():+.3f}")
    assert gains.mean() < 0.01 and np.median(gains) <= 0.01


def test_bad_input_says_what_to_do(runs):
    ref = runs[MACHINES[0], 0]["ref"]
    for bad in (1.0, -0.1, 1.5, float("nan"), "0.8", True):
        with pytest.raises(ValueError, match="sparsity must be at least 0 and below 1"):
            ec.prune(ref.weights, bad)
    with pytest.raises(ValueError, match="at least 0 and below 1"):
        ec.finetune_pruned(ref, 1.0)
