"""The one place dltutor imports TensorFlow and Keras (heavy: a few seconds on first import)."""
import keras
import tensorflow as tf

__all__ = ["keras", "tf"]
