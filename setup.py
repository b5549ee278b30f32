"""Build hook: depend on TensorFlow only when no TensorFlow build is installed yet.

pip builds this project in an isolated environment that hides the target's site-packages, so the
check runs the target interpreter itself in isolated mode (``-I`` ignores the PYTHONPATH that
pip's isolation injects). It also lists the packages (every lesson folder is one). Everything else is plain static
metadata in pyproject.toml.
"""
import subprocess
import sys

from setuptools import find_packages, setup

BASE_DEPENDENCIES = [
    "keras>=3.0",
    "ipywidgets>=7.7,<9",
    "matplotlib>=3.6",
    "seaborn>=0.12",
    "scikit-learn>=1.2",
    "imbalanced-learn>=0.11",
    "cleanlab>=2.6",      # lesson 06: cleanlab.filter.find_label_issues
    "shap>=0.46",         # lesson 07: SHAP values and plots (0.46 is the first with NumPy 2; newer ones need newer Pythons)
    # lesson 08: the LiteRT interpreter (wheels for Python 3.10-3.13 on Linux, Windows and Apple silicon,
    # where TensorFlow 2.21 has them too; not for Intel Macs, where the lesson falls back on tf.lite)
    "ai-edge-litert>=2.3; sys_platform != 'darwin' or platform_machine != 'x86_64'",
    "tensorboard>=2.16",        # lesson 09 writes TensorBoard event files (tf.summary needs it)
    "tqdm>=4.64",
    "threadpoolctl>=3",   # one BLAS thread for lesson 01's least-squares solves (ships with scikit-learn)
    "numpy>=1.23",
]
TENSORFLOW = "tensorflow>=2.16"
# Distributions that provide the `tensorflow` module.
TENSORFLOW_BUILDS = ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos",
                     "tensorflow-intel", "tensorflow-rocm", "tf-nightly", "tf-nightly-cpu",
                     "intel-tensorflow")

_PROBE = (
    "import importlib.metadata as m, sys\n"
    "names = sys.argv[1:]\n"
    "for n in names:\n"
    "    try:\n"
    "        print(n, m.version(n)); break\n"
    "    except m.PackageNotFoundError:\n"
    "        pass\n"
)


def installed_tensorflow():
    """Return ``"name version"`` of the TensorFlow build in the target interpreter, or ''."""
    try:
        out = subprocess.run([sys.executable, "-I", "-c", _PROBE, *TENSORFLOW_BUILDS],
                             capture_output=True, text=True, timeout=60)
        return out.stdout.strip()
    except Exception:  # noqa: BLE001 - no probe, no guess: depend on tensorflow
        return ""


def _new_enough(version, minimum=(2, 16)):
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts) >= minimum


def dependencies(found=None):
    """The install requirements: TensorFlow only if no recent-enough build is there already."""
    found = installed_tensorflow() if found is None else found
    if found and _new_enough(found.split()[-1]):
        return list(BASE_DEPENDENCIES)
    return [TENSORFLOW, *BASE_DEPENDENCIES]


def packages():
    """dltutor and its lesson folders (found, so a new lesson needs no edit), plus the data."""
    return [*find_packages(include=["dltutor", "dltutor.*"]), "dltutor.datasets"]


setup(install_requires=dependencies(), packages=packages())
