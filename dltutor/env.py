"""What runs where, and reproducibility.

``doctor()`` reports versions, the device TensorFlow uses, the container's memory limit, and
whether the notebook runs on Binder or Colab. ``seed_everything(seed)`` seeds Python, NumPy and
TensorFlow in one call (and keeps float32 matrix products in full float32 on GPUs).
``perturbed(scale)`` stands in for another machine: every initial weight drawn inside it is
nudged by a relative ``scale``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import os
import platform
import sys

__all__ = ["Report", "doctor", "seed_everything", "perturbed", "perturbation", "jitter", "memory_limit_bytes",
           "on_binder", "on_colab"]

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
    tensor_float_32: bool | None = None   # TensorFlow's setting (used on Ampere+ GPUs only)

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
        if self.device == "GPU" and self.tensor_float_32 is not None:
            rows.append(("float32 matmuls", "TensorFloat-32 (about 1e-3; dltutor.seed_everything() turns "
                         "it off)" if self.tensor_float_32 else "full float32"))
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
    tf32 = None
    tf_version = versions["tensorflow"]
    if tf_version is None:
        problems.append("TensorFlow is not installed: pip install 'tensorflow>=2.16'.")
    elif import_tensorflow:
        from dltutor._backend import tf  # noqa: PLC0415 - heavy, only when asked

        devices = tuple(f"{d.device_type}:{d.name.rsplit(':', 1)[-1]}"
                        for d in tf.config.list_logical_devices())
        devices = tuple(d for d in devices if d.split(":")[0] in ("CPU", "GPU"))
        tf32 = tf.config.experimental.tensor_float_32_execution_enabled()
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
                  problems=tuple(problems), tensor_float_32=tf32)


def seed_everything(seed, *, deterministic=False):
    """Seed Python's ``random``, NumPy and TensorFlow in one call.

    Parameters
    ----------
    seed : int
        Any non-negative integer. The same seed gives the same numbers on the same machine.
    deterministic : bool, default False
        Also turn on TensorFlow's op determinism (``tf.config.experimental.enable_op_determinism``):
        bit-identical results even on a GPU, at some cost in speed. It stays on for the session.

    Notes
    -----
    It also turns TensorFloat-32 off for the session
    (``tf.config.experimental.enable_tensor_float_32_execution(False)``). On NVIDIA GPUs from
    Ampere on (A100, L4, H100: what Colab and cloud machines lend) TensorFlow otherwise rounds the
    inputs of every float32 matrix product to a 10-bit mantissa (about 1e-3 relative), a
    thousand times coarser than float32, and a lesson's claims are tested in float32 (and
    against nudges of 1e-6, :func:`perturbed`). The lessons' networks are tiny, so full float32
    costs them nothing. CPUs never use TensorFloat-32.

    Returns
    -------
    int
        The seed, so that ``seed = seed_everything(0)`` reads well in a notebook.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    from dltutor._backend import keras, tf  # noqa: PLC0415

    keras.utils.set_random_seed(seed)  # seeds random, numpy and the backend (TensorFlow)
    tf.config.experimental.enable_tensor_float_32_execution(False)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    return seed


# --- another machine, on this one -------------------------------------------------------------

_PERTURBATION = None      # (scale, seed) inside ``perturbed()``, else None


@contextlib.contextmanager
def perturbed(scale=1e-6, seed=1):
    """Inside the block, every initial weight dltutor draws is ``w * (1 + scale * N(0, 1))``.

    Another CPU, another BLAS or a GPU rounds differently: results agree to about 1e-7 at first,
    and a training run near a tipping point (a ReLU network that nearly dies, a learning rate at
    the edge of divergence) can turn that into another outcome. Running a claim again inside
    ``perturbed()``, with a few ``seed``\\ s, shows on one machine what another would do. The
    perturbation is itself seeded: the same ``(scale, seed)`` gives the same numbers, and two
    networks drawn from the same seed get the same nudge (so a deliberate one-bit difference
    between them stays the only one).

    It covers every weight the kit draws: :func:`dltutor.models.build_mlp`,
    :func:`~dltutor.models.reinitialize` and :class:`~dltutor.models.ModelPool` (Keras models)
    and :func:`dltutor.training.initial_weights` (:func:`~dltutor.training.train_many`); lessons
    that draw weights of their own pass them through :func:`jitter`.

    Parameters
    ----------
    scale : float, default 1e-6
        Relative size of the nudge: 1e-6 is a few float32 roundings; 1e-3 is the size of
        TensorFloat-32's rounding of a matrix product's inputs on recent NVIDIA GPUs.
    seed : int, default 1
        Which nudge.

    Examples
    --------
    >>> import numpy as np
    >>> with perturbed(1e-6, seed=1):
    ...     w = jitter(np.ones(3, "float32"), 0)
    >>> bool(np.all(w != 1) and np.all(abs(w - 1) < 1e-4))
    True
    """
    global _PERTURBATION
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    if not (isinstance(scale, (int, float)) and 0 <= scale <= 0.1):
        raise ValueError(f"scale must be a relative size between 0 and 0.1 (1e-6, say), got {scale!r}.")
    saved, _PERTURBATION = _PERTURBATION, (float(scale), seed)
    try:
        yield _PERTURBATION
    finally:
        _PERTURBATION = saved


def perturbation():
    """``(scale, seed)`` inside :func:`perturbed`, else None (for caches of trained results)."""
    return _PERTURBATION


def jitter(weights, *key):
    """``weights`` nudged as :func:`perturbed` says (unchanged outside it), as a NumPy array.

    ``key`` (whole numbers: the seed the weights were drawn from, a layer index) picks the nudge,
    so the same weights drawn twice get the same one.
    """
    if _PERTURBATION is None:
        return weights
    import numpy as np  # noqa: PLC0415 - env stays light to import

    scale, seed = _PERTURBATION
    w = np.asarray(weights)
    rng = np.random.default_rng([seed, *(int(k) % 2**32 for k in key), *w.shape])
    return (w * (1.0 + scale * rng.standard_normal(w.shape))).astype(w.dtype)
