"""Argument checks that say what to do. Private: the public functions call them."""
from __future__ import annotations

import difflib
import numbers


def check_choice(name, value, choices):
    """Raise a ValueError naming the choices (and the closest one) if ``value`` is not one."""
    if value in choices:
        return value
    if all(isinstance(c, numbers.Number) for c in choices):
        listed = ", ".join(f"{c:g}" for c in choices)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}.")
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(repr(c) for c in choices)
    raise ValueError(f"Unknown {name} {value!r}. Choose one of: {listed}.{hint}")


def check_int(name, value, *, low=None, high=None):
    """An integer in [low, high], or a ValueError that says which range is allowed."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}.")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {_range(low, high)}, got {value}.")
    return value


def check_float(name, value, *, low=None, high=None, low_open=False):
    """A finite number in [low, high] ((low, high] with ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}.")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and value > high
    if value != value or too_low or too_high:  # value != value: NaN
        raise ValueError(f"{name} must be {_range(low, high, low_open)}, got {value}.")
    return value


def _range(low, high, low_open=False):
    if low is not None and high is not None:
        return f"between {low} and {high}" + (f" (more than {low})" if low_open else "")
    if low is not None:
        return f"more than {low}" if low_open else f"at least {low}"
    return f"at most {high}"
