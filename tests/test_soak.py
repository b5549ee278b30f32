"""A restless student: every lesson's explorer driven through a long seeded run of control moves.

Asserted for each explorer: nothing escapes (every move ends with a result or a message shown in
the widget), the same settings give the same numbers whatever ran in between, and the kernel's
memory stays within a fixed budget (the pools are bounded; new seeds build no new model).
"""
import ctypes
import dataclasses
import gc
import random

import numpy as np
import psutil
import pytest

from dltutor.widgets import explorer_classes, random_move

MOVES = 30
RSS_BUDGET_MB = 150   # growth allowed after the first 10 moves (benchmarks/ runs 200 moves)


def _explorers():
    return [pytest.param(cls, id=cls.__name__) for cls in explorer_classes()]


def _numbers(result):
    """The curves a run produced, or else every number in its result, as one array."""
    history = getattr(result, "history", None)
    if history is None and hasattr(result, "training"):
        history = result.training.history
    if history is not None:
        history = getattr(history, "history", history)
        return np.concatenate([np.asarray(history[k], float) for k in sorted(history)])
    values = []
    for field in dataclasses.fields(result):
        if field.name.endswith(("seconds", "_per_s", "_ms")):       # a timing, not a result
            continue
        value = getattr(result, field.name)
        for v in (value.values() if isinstance(value, dict) else [value]):
            if isinstance(v, (int, float, np.ndarray)) and not isinstance(v, bool):
                values.append(np.ravel(np.asarray(v, float)))
    return np.concatenate(values)


def _rss_mb():
    """The kernel's resident memory after a collection, with glibc's free pages handed back.

    Without ``malloc_trim`` the number also counts memory already freed but still cached by the
    allocator's per-thread arenas, which depends on what ran earlier in the same process; with it,
    what grows is what is still held (a leak, an unbounded cache)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):    # not glibc (macOS, musl): RSS as it is
        pass
    return psutil.Process().memory_info().rss / 2**20


@pytest.mark.parametrize("cls", list(_explorers()))
def test_restless_student(cls):
    ex = cls()
    start = {"epochs": ex.controls["epochs"].min} if "epochs" in ex.controls else {}
    start.update(cls.cheap)
    assert ex.update(**start) is not None, ex.error    # short runs: the test's budget
    rng = random.Random(0)
    seen = {}
    rss_after_10 = None
    for move_number in range(MOVES):
        move = random_move(ex, rng, skip=("epochs", *cls.cheap))
        result = ex.update(**move)
        if result is None:
            assert ex.error and "role='alert'" in ex.status.value, move
            continue
        assert ex.error is None and ex.live.n_draws > 0, move
        settings = tuple(sorted(ex.params.items()))
        numbers = _numbers(result)
        if settings in seen:
            np.testing.assert_array_equal(numbers, seen[settings], err_msg=str(settings))
        seen[settings] = numbers
        if move_number == 9:
            rss_after_10 = _rss_mb()
        if move_number % 7 == 3:     # go back to a setting seen before: the same numbers again
            old = rng.choice(list(seen))
            again = ex.update(**dict(old))
            assert again is not None, ex.error
            np.testing.assert_array_equal(_numbers(again), seen[old], err_msg=str(old))
    growth = _rss_mb() - rss_after_10
    assert growth < RSS_BUDGET_MB, f"{cls.__name__}: RSS grew {growth:.0f} MB over {MOVES - 10} moves"
