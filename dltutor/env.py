"""What runs where, and reproducibility.

``doctor()`` reports versions, the device TensorFlow uses, the container's memory limit, and
whether the notebook runs on Binder or Colab. ``seed_everything(seed)`` seeds Python, NumPy and
TensorFlow in one call.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import sys

__all__ = ["Report", "doctor", "seed_everything", "memory_limit_bytes", "on_binder", "on_colab"]

_PACKAGES = ("tensorflow", "keras", "numpy", "ipywidgets", "matplotlib", "seaborn",
             "scikit-learn", "imbalanced-learn", "jupyterlab")
_TF_BUILDS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly", "tensorflow-intel")


def _version(name):
    names = _TF_BUILDS if name == "tensorflow" else (name,)
    for n in names:
        try:
            return importlib.metadata.version(n)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def memory_limit_bytes(root="/sys/fs/cgroup"):
    """The container's memory limit from cgroup v2 or v1, or None when there is none.

    Binder caps a whole container at about 2 GB; a kernel that grows past it is killed.
    """
    candidates = (os.path.join(root, "memory.max"),                      # cgroup v2
                  os.path.join(root, "memory", "memory.limit_in_bytes"))  # cgroup v1
    for path in candidates:
        try:
            with open(path) as fh:
                text = fh.read().strip()
        except OSError:
            continue
        if text == "max":
            return None
        try:
            value = int(text)
        except ValueError:
            continue
        # cgroup v1 says "no limit" with a huge number (PAGE_COUNTER_MAX).
        return None if value >= 2**60 else value
    return None


def on_binder(environ=None):
    """True inside a mybinder.org session (repo2docker sets these variables)."""
    environ = os.environ if environ is None else environ
    return any(k in environ for k in ("BINDER_SERVICE_HOST", "BINDER_REQUEST", "BINDER_LAUNCH_HOST"))


def on_colab(environ=None):
    """True inside Google Colab."""
    environ = os.environ if environ is None else environ
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in environ


@dataclasses.dataclass(frozen=True, repr=False)
class Report:
    """What ``doctor()`` found. ``str(report)`` is a plain-text table; notebooks show HTML."""

    python: str
    platform: str
    versions: dict
    devices: tuple
    memory_limit: int | None
    host: str
    problems: tuple

    @property
    def device(self):
        """The device TensorFlow places new ops on: ``"GPU"`` or ``"CPU"``."""
        return "GPU" if any(d.startswith("GPU") for d in self.devices) else "CPU"

    @property
    def ok(self):
        return not self.problems

    def rows(self):
        limit = "none" if self.memory_limit is None else f"{self.memory_limit / 2**30:.1f} GiB"
        rows = [("python", self.python), ("platform", self.platform), ("running on", self.host),
                ("device", ", ".join(self.devices) or "CPU"), ("memory limit", limit)]
        rows += [(k, v or "not installed") for k, v in self.versions.items()]
        return rows

    def __str__(self):
        width = max(len(k) for k, _ in self.rows())
        lines = [f"{k:<{width}}  {v}" for k, v in self.rows()]
        lines += ["", "All good." if self.ok else "Problems:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        cells = "".join(f"<tr><th style='text-align:left'>{k}</th><td style='text-align:left'>{v}</td></tr>"
                        for k, v in self.rows())
        verdict = ("<p>&#10004; All good: every lesson can run here.</p>" if self.ok else
                   "<p><b>&#9888; Problems:</b></p><ul>"
                   + "".join(f"<li>{p}</li>" for p in self.problems) + "</ul>")
        return f"<table>{cells}</table>{verdict}"


def doctor(*, import_tensorflow=True):
    """Check the environment every lesson relies on.

    Parameters
    ----------
    import_tensorflow : bool, default True
        Import TensorFlow to list its devices (takes a few seconds the first time).

    Returns
    -------
    Report
        Printable (``print(report)``) and shown as a table in notebooks.

    Examples
    --------
    >>> report = doctor()
    >>> report.device in ("CPU", "GPU")
    True
    """
    versions = {name: _version(name) for name in _PACKAGES}
    problems = []
    if sys.version_info < (3, 10):
        problems.append("Python 3.10 or newer is needed.")
    devices = ()
    tf_version = versions["tensorflow"]
    if tf_version is None:
        problems.append("TensorFlow is not installed: pip install 'tensorflow>=2.16'.")
    elif import_tensorflow:
        from dltutor._backend import tf  # noqa: PLC0415 - heavy, only when asked

        devices = tuple(f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}"
                        for d in tf.config.list_logical_devices())
        devices = tuple(d for d in devices if d.split(":")[0] in ("CPU", "GPU"))
    keras_version = versions["keras"]
    if keras_version and int(keras_version.split(".")[0]) < 3:
        problems.append(f"Keras {keras_version} found; the lessons need Keras 3 (TensorFlow >= 2.16).")
    ipw = versions["ipywidgets"]
    if ipw is None:
        problems.append("ipywidgets is not installed: pip install 'ipywidgets>=7.7,<9'.")
    limit = memory_limit_bytes()
    if limit is not None and limit < 1.5 * 2**30:
        problems.append(f"Only {limit / 2**30:.1f} GiB of memory: close other notebooks' kernels first.")
    host = "Binder" if on_binder() else "Colab" if on_colab() else "local"
    return Report(python=platform.python_version(), platform=platform.platform(terse=True),
                  versions=versions, devices=devices, memory_limit=limit, host=host,
                  problems=tuple(problems))


def seed_everything(seed, *, deterministic=False):
    """Seed Python's ``random``, NumPy and TensorFlow in one call.

    Parameters
    ----------
    seed : int
        Any non-negative integer. The same seed gives the same numbers on the same machine.
    deterministic : bool, default False
        Also turn on TensorFlow's op determinism (``tf.config.experimental.enable_op_determinism``):
        bit-identical results even on a GPU, at some cost in speed. It stays on for the session.

    Returns
    -------
    int
        The seed, so that ``seed = seed_everything(0)`` reads well in a notebook.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    from dltutor._backend import keras  # noqa: PLC0415

    keras.utils.set_random_seed(seed)  # seeds random, numpy and the backend (TensorFlow)
    if deterministic:
        from dltutor._backend import tf  # noqa: PLC0415

        tf.config.experimental.enable_op_determinism()
    return seed
