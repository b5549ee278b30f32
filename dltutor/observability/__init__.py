"""Lesson 09 · testing and observing a model (``from dltutor import observability as obs``).

* ``compute``: the models (:func:`train_ensemble`, :func:`train_calibration`); behavioural tests
  (:func:`shift`, :func:`brighten`, :func:`thicken`, :func:`add_noise`, :func:`flip_rate`,
  :func:`run_checks`); calibration (:func:`ece`, :func:`reliability`, :func:`fit_temperature`,
  :func:`calibration_at`); a monitored stream (:func:`simulate_stream`, :func:`monitor`,
  :func:`drift_pvalues`, :func:`first_alert`, :func:`false_alarm_rate`, :func:`write_logs`);
  error analysis (:func:`error_analysis`, :func:`slice_accuracy`); out-of-distribution inputs
  (:func:`run_ood`, :func:`mutual_information`, :func:`auroc`);
* ``display``: :func:`checks_table`, :class:`CalibrationDisplay`, :class:`StreamDisplay`,
  :class:`ErrorDisplay`, :class:`OODDisplay`;
* explorers: :class:`StreamExplorer`, :class:`CalibrationExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("09")``.
"""
from dltutor.observability import compute as _compute
from dltutor.observability import display as _display
from dltutor.observability.compute import *  # noqa: F403
from dltutor.observability.display import *  # noqa: F403
from dltutor.observability.explorer import CalibrationExplorer, StreamExplorer

__all__ = [*_compute.__all__, *_display.__all__, "StreamExplorer", "CalibrationExplorer"]
