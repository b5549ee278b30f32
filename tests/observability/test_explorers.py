"""Lesson 09's displays draw the compute layer's numbers; its explorers show them, scrub the days
without recomputing, refuse what cannot be inside the widget, keep what the student had, and
write logs where they can (and say so where they cannot)."""
import csv
import os

import numpy as np
import pytest

from dltutor import observability as obs
from dltutor.observability import compute as oc


def test_stream_explorer_scrubs_days_without_recomputing_and_says_when_the_alert_fired():
    ex = obs.StreamExplorer()
    first = ex.update()
    m = ex.monitoring
    assert first is not None and ex.error is None
    assert first.alert_day == m.alert_day(oc.ALPHA) == oc.START          # the thicker strokes, seed 0
    assert f"fired on <b>day {first.alert_day}</b>" in ex.summary.value
    before = ex.update(day=oc.START - 1)
    assert ex.monitoring is m                                             # a redraw, not a new stream
    assert "no alert yet" in ex.summary.value and before.day == oc.START - 1
    disp = obs.StreamDisplay(m, day=20, alpha=oc.ALPHA).plot()
    drawn = disp.lines_["accuracy"].get_ydata()                          # labels 3 days late
    assert np.isnan(drawn[20 - oc.LABEL_DELAY + 1:]).all()
    np.testing.assert_allclose(drawn[:20 - oc.LABEL_DELAY + 1], m.accuracy[:20 - oc.LABEL_DELAY + 1])
    late = ex.update(alpha=1e-12)
    assert late.alert_day >= first.alert_day


def test_stream_explorer_refuses_what_cannot_be_and_keeps_the_figure():
    ex = obs.StreamExplorer()
    ex.update(day=20)
    shown = ex.summary.value
    for bad in (dict(day=oc.DAYS), dict(day=-1), dict(alpha=1.0), dict(alpha=0.0), dict(drift="tsunami"),
                dict(seed=-1)):
        assert ex.update(**bad) is None, bad
        assert "role='alert'" in ex.status.value and ex.error, bad
    assert ex.summary.value == shown and ex.params["day"] == 20
    with pytest.raises(ValueError, match="below 1"):
        oc.first_alert(ex.monitoring.pixel_p, 1.0)


def test_an_empty_slice_is_said_in_the_widget():
    ex = obs.StreamExplorer()
    view = ex.update(slice="thin strokes", day=28)          # thick strokes everywhere by then
    assert ex.error is None and np.isnan(view.slice_accuracy_today)
    assert "holds no image on day 28" in ex.status.value
    ex.update(slice="digit 9")
    assert "holds no image" not in ex.status.value
    with pytest.raises(ValueError, match="holds no images"):
        oc.slice_accuracy(np.zeros(3), np.zeros(3), {"nothing": np.zeros(3, bool)})


def test_logs_are_written_where_asked_and_kept_in_memory_where_they_cannot_be(tmp_path):
    ex = obs.StreamExplorer()
    ex.update()
    logs = ex.write_logs(str(tmp_path / "logs"))
    assert logs.folder == tmp_path / "logs" and "Wrote 30 days" in ex.log_status.value
    rows = list(csv.DictReader(open(logs.csv_path)))
    assert len(rows) == oc.DAYS and float(rows[12]["accuracy"]) == pytest.approx(ex.monitoring.accuracy[12], abs=1e-4)
    assert int(rows[oc.START]["alert"]) == 1 and int(rows[0]["alert"]) == 0
    assert list(logs.tensorboard_dir.glob("events.out.tfevents.*"))
    locked = tmp_path / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        if os.access(locked, os.W_OK):          # root writes anywhere: use a path that cannot be a folder
            locked = tmp_path / "a-file"
            locked.write_text("")
        kept = ex.write_logs(str(locked / "logs"))
    finally:
        os.chmod(tmp_path / "locked", 0o700)
    assert kept.folder is None and len(kept.rows) == oc.DAYS and "kept in memory" in kept.message
    assert "Could not write the logs" in ex.log_status.value and "role='status'" in ex.log_status.value
    default = oc.write_logs(ex.monitoring)
    assert default.folder.name.startswith("dltutor-09-logs-") and str(default.folder).startswith(
        os.path.realpath(__import__("tempfile").gettempdir())[:4])


def test_calibration_explorer_moves_epoch_bins_and_scaling_without_retraining():
    ex = obs.CalibrationExplorer()
    opened = ex.update()
    model = ex.model
    c = oc.calibration_at(model, opened.epoch, bins=15, scaling="logits")
    assert opened.ece_before == pytest.approx(c.ece_before) and opened.ece_after == pytest.approx(c.ece_after)
    first = ex.update(epoch=oc.CAL_EPOCHS)
    assert ex.model is model and first.ece_before > opened.ece_before
    early = ex.update(epoch=10)
    assert ex.model is model and early.ece_before < first.ece_before       # longer training, worse calibration
    wrong = ex.update(epoch=oc.CAL_EPOCHS, scaling="probabilities")
    assert wrong.temperature < 1 < first.temperature and "(a mistake)" in ex.summary.value
    assert ex.update(bins=1) is None and "role='alert'" in ex.status.value


def test_the_calibration_display_draws_the_reliability_points():
    c = oc.calibration_at(oc.train_calibration(0), bins=10)
    disp = obs.CalibrationDisplay(c).plot()
    conf, acc, _ = oc.reliability(c.confidence_before, c.correct, 10)
    np.testing.assert_allclose(disp.lines_["before"].get_ydata(), acc)
    np.testing.assert_allclose(disp.lines_["before"].get_xdata(), conf)
