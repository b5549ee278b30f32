"""Lesson 07 · interpretability and its traps (``from dltutor import interpretability as interp``)."""
from dltutor.interpretability.compute import *  # noqa: F401,F403
