"""Lesson 08's displays draw the compute layer's numbers; its explorers show them, refuse what
cannot be inside the widget, and keep what the student had."""
import numpy as np

from dltutor import efficiency as eff
from dltutor.efficiency import compute as ec


def test_pruning_explorer_moves_without_retraining_and_fine_tunes_on_demand():
    ec._FINETUNED.store.clear()           # nothing fine-tuned yet, as in a new kernel
    ex = eff.PruningExplorer()
    first = ex.update()
    ref = ec.train_reference(0)
    assert first is not None and ex.error is None and "without retraining" in ex.summary.value
    assert np.isclose(first.one_shot[0], ec.evaluate(ec.prune(ref.weights, 0.8)[0]))
    assert np.isnan(first.fine_tuned[0]) and "Tick fine-tune" in ex.summary.value
    tuned = ex.update(fine_tune=True)
    assert np.isclose(tuned.fine_tuned[0], ec.evaluate(ec.finetune_pruned(ref, 0.8)))
    assert tuned.fine_tuned[0] > tuned.one_shot[0]
    moved = ex.update(sparsity=0.9, fine_tune=False)
    assert "Fine-tuned" not in ex.summary.value and moved.one_shot[0] < first.one_shot[0]
    before = ex.summary.value
    for bad in (dict(sparsity=1.0), dict(sparsity=-0.05), dict(seed=-1)):
        assert ex.update(**bad) is None, bad
        assert "role='alert'" in ex.status.value and ex.error, bad
    assert ex.summary.value == before and ex.params["sparsity"] == 0.9


def test_the_pruning_display_draws_the_one_shot_curve_and_the_cut():
    ref = ec.train_reference(0)
    grid = [0.0, 0.5, 0.9]
    acc = [ec.evaluate(ec.prune(ref.weights, s)[0]) for s in grid]
    disp = eff.PruningDisplay(grid, acc, [3, 2, 1], {0.9: 0.95}, 0.5, ref.weights[0], ref.test_accuracy).plot()
    np.testing.assert_allclose(disp.lines_["one-shot"].get_ydata(), acc)
    np.testing.assert_allclose(disp.lines_["fine-tuned"].get_ydata(), [0.95])


def test_batch_size_explorer_keeps_the_curves_of_the_sizes_tried():
    ex = eff.BatchSizeExplorer()
    a = ex.update(batch_size=16)
    b = ex.update(batch_size=1347)
    assert a.batch_size == 16 and b.batch_size == 1347 and ex.error is None and len(b.accuracy) == 20
    np.testing.assert_array_equal(b.accuracy, ec.run_batch_size(1347).accuracy)
    assert "1 steps an epoch" in ex.summary.value and "did not reach 95%" in ex.summary.value
    assert ex.update(batch_size=100) is None and "must be one of" in ex.error


def test_reuse_explorer_shows_transfer_and_forgetting():
    ex = eff.ReuseExplorer()
    r = ex.update(labels_per_class=10, rehearsal=0)
    t, f = ec.run_transfer(0, k=10), ec.run_forgetting(0, rehearsal=0)
    assert r.scratch == t.accuracy["scratch"] and r.rehearsed == f.after_b_rehearsed[0]
    assert r.forgotten <= 0.05 and r.rehearsed <= 0.05           # no rehearsal: forgotten
    r = ex.update(rehearsal=30)
    assert r.rehearsed >= 0.8 and "30 old images per class" in ex.summary.value


def test_the_tables_show_what_was_measured():
    rows = ec.run_cost_table(widths=(16,), seconds=0.05)
    html = eff.cost_table(rows)._repr_html_()
    assert "64-16-16-10" in html and f"{rows[0].flops:,}" in html
    q = ec.run_quantization(0)
    assert f"{q.int8_bytes:,}" in eff.quantization_table(q)._repr_html_()
    assert "float32" in str(eff.precision_table(ec.run_mixed_precision(("float32",), n_examples=64, width=8)))


def test_a_blow_up_is_said_in_the_widget_and_the_curves_so_far_are_kept(monkeypatch):
    # Adam on this MLP does not blow up within the slider's rates (even 100 only kills the ReLUs),
    # so the diverged run train() would return is handed to the explorer directly.
    import dataclasses

    real = ec.run_batch_size(8, epochs=20)
    blown = dataclasses.replace(real, accuracy=real.accuracy[:3], epochs_run=3, stop_reason="diverged",
                                message="Training diverged at epoch 3: the loss became NaN or infinite. Lower the "
                                        "learning rate.")
    monkeypatch.setattr(ec, "run_batch_size", lambda *a, **k: blown)
    ex = eff.BatchSizeExplorer()
    assert ex.update(batch_size=8) is blown and ex.error is None
    assert "diverged" in ex.status.value and "Lower the learning rate" in ex.status.value
