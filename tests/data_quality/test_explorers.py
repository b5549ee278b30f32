"""Lesson 06's displays draw the numbers of the compute layer, and its explorers show them, refuse
impossible settings inside the widget and keep what the student had."""
import numpy as np

from dltutor import data_quality as dq


def test_memorization_display_draws_the_curves_and_the_early_stopping_epoch():
    m = dq.run_memorization(0.3, epochs=30, seed=1)
    disp = dq.MemorizationDisplay(m).plot()
    np.testing.assert_array_equal(disp.lines_["flipped"].get_ydata(), m.train_accuracy_flipped)
    np.testing.assert_array_equal(disp.lines_["test"].get_ydata(), m.test_accuracy)
    assert disp.stop_line_.get_xdata()[0] == m.best_epoch
    bars = dq.PerClassDisplay(dq.run_memorization(0.3, kind="systematic", epochs=30, seed=1)).plot().bars_
    hatched = [k for k, bar in enumerate(bars) if bar.get_hatch()]
    assert hatched == [1, 3, 4, 7, 8, 9]          # the confused pairs, and only them


def test_flags_and_cleaning_displays_draw_the_measured_shares():
    issues = dq.run_find_label_issues(0.3, seed=1)
    disp = dq.FlagsDisplay(issues).plot()
    assert [b.get_height() for b in disp.bars_["cleanlab"]] == [issues.precision, issues.recall]
    assert [b.get_height() for b in disp.bars_["loss"]] == [issues.baseline_precision, issues.baseline_recall]
    gallery = dq.FlagGalleryDisplay(issues, n=6, which="not_flipped").plot()
    assert len(gallery.rows) == 6 and not any(r["flipped"] for r in gallery.rows)
    cleaning = dq.run_cleaning(0.3, epochs=30, seed=1, issues=issues)
    heights = [b.get_height() for b in dq.CleaningDisplay(cleaning).plot().bars_]
    assert heights == [cleaning.test_accuracy[k] for k in ("noisy", "removed", "relabelled", "clean")]


def test_label_noise_explorer_shows_the_run_and_refuses_impossible_settings():
    ex = dq.LabelNoiseExplorer(epochs=30)
    m = ex.update()
    assert m.final_test == dq.run_memorization(0.3, epochs=30).final_test
    assert f"scores <b>{m.final_test:.0%}</b>" in ex.summary.value
    cleaning = ex.update(clean=True)
    assert isinstance(cleaning, dq.Cleaning) and "cleanlab flags" in ex.summary.value
    before = ex.summary.value
    assert ex.update(kind="sistematic") is None
    assert "Did you mean 'systematic'" in ex.error and "role='alert'" in ex.status.value
    assert ex.update(rate=0.9) is None and "between 0 and" in ex.error
    assert ex.summary.value == before and ex.controls["kind"].value == "symmetric"   # nothing half-applied


def test_small_data_explorer_shows_the_three_ways_for_five_seeds():
    ex = dq.SmallDataExplorer()
    small = ex.update(n_labelled=30)
    ref = dq.run_small_data(30, seeds=range(5))
    for method in ("none", "augment", "pseudo"):
        np.testing.assert_array_equal(small.accuracy[method], ref.accuracy[method])
    assert f"{np.mean(ref.accuracy['none']):.1%}" in ex.summary.value
    dots = [line for line in ex.ax.lines if len(line.get_xdata()) == 5]
    assert len(dots) == 3                          # one dot per seed, for each way


def test_label_noise_explorer_stopped_while_finding_the_wrong_labels_shows_no_numbers_from_them(monkeypatch):
    """Stopped in the k-fold step, the folds are half trained and flag the wrong labels wrongly
    (a probe saw 'precision 26%, recall 63%, trained without them: 14%' shown as a result)."""
    import threading

    from dltutor.data_quality import explorer

    ex = dq.LabelNoiseExplorer(epochs=20)
    stop = threading.Event()
    real = explorer.dq.run_find_label_issues

    def find_then_stop(*args, **kwargs):
        issues = real(*args, **kwargs)
        stop.set()                               # the student presses Stop during this step
        return issues

    monkeypatch.setattr(explorer.dq, "run_find_label_issues", find_then_stop)
    ex._guarded(dict(ex.params, clean=True), stop)
    assert ex.error is None and isinstance(ex.result, dq.Memorization)
    assert "Stopped while finding" in ex.status.value and "cleanlab flags" not in ex.summary.value
