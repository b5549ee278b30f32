"""The one place dltutor imports TensorFlow and Keras (heavy: a few seconds on first import).

TensorFlow's C++ start-up log ("oneDNN custom operations are on", "could not find cuda
drivers", "failed call to cuInit" on machines without a GPU) is written straight to file
descriptor 2 and lands in notebook cells as alarming red text. Setting TF_CPP_MIN_LOG_LEVEL from
Python after start-up does not silence it with TensorFlow 2.21, so unless the user set that
variable themselves, those start-up lines are swallowed. Python exceptions still propagate, and
``dltutor.doctor()`` reports the device in words.
"""
import contextlib
import logging
import os
import sys
import tempfile


@contextlib.contextmanager
def quiet_native_stderr():
    """Hide what native code writes to fd 2 inside the block (unless TF_CPP_MIN_LOG_LEVEL is set)."""
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


class _NoRetracingWarning(logging.Filter):
    """Drop TensorFlow's "N out of the last M calls ... triggered tf.function retracing" warning.

    dltutor compiles one training function per model on purpose (and a pool keeps their number
    bounded), so the warning, which counts traces across all of them, is noise in a student's
    notebook. Every other TensorFlow log message passes.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


with quiet_native_stderr():
    import keras
    import tensorflow as tf

    tf.config.list_logical_devices()  # initialise devices now: the cuInit message comes here

if not any(isinstance(f, _NoRetracingWarning) for f in tf.get_logger().filters):
    tf.get_logger().addFilter(_NoRetracingWarning())

__all__ = ["keras", "tf", "quiet_native_stderr"]
