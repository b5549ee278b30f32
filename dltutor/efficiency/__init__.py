"""Lesson 08 · compute, efficiency and reuse (``from dltutor import efficiency as eff``).

* ``compute``: the cost of a model (:func:`count_flops`, :func:`run_cost_table`: eager,
  ``tf.function`` and XLA), batch size (:func:`run_batch_size`), pruning written out
  (:func:`magnitude_mask`, :func:`prune`, :func:`finetune_pruned`, :func:`run_pruning`), int8
  (:func:`run_quantization`), LiteRT (:func:`run_litert`), distillation (:func:`run_distillation`),
  mixed precision (:func:`dtype_policy`, :func:`run_mixed_precision`), transfer and forgetting
  (:func:`pretrain`, :func:`run_transfer`, :func:`transfer_model`, :func:`run_forgetting`);
* ``display``: the tables (:func:`cost_table`, :func:`quantization_table`, ...) and figures
  (:class:`CostDisplay`, :class:`BatchSizeDisplay`, :class:`PruningDisplay`, ...);
* explorers: :class:`BatchSizeExplorer`, :class:`PruningExplorer`, :class:`ReuseExplorer`;
* ``exercises``: ``dltutor.exercises.lesson("08")``.
"""
from dltutor.efficiency import compute as _compute
from dltutor.efficiency import display as _display
from dltutor.efficiency.compute import *  # noqa: F403
from dltutor.efficiency.display import *  # noqa: F403
from dltutor.efficiency.explorer import BatchSizeExplorer, PruningExplorer, ReuseExplorer

__all__ = [*_compute.__all__, *_display.__all__, "BatchSizeExplorer", "PruningExplorer", "ReuseExplorer"]
