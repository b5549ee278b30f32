import os

os.environ.setdefault("MPLBACKEND", "Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # The suite runs in two workers (pyproject's addopts): one thread each for BLAS and for
    # TensorFlow's ops, inherited by the notebook kernels they start, so that two workers do not
    # oversubscribe the cores (notebook 01's least-squares cell ran 5x slower that way).
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ.setdefault(_var, "1")

import pathlib  # noqa: E402

import pytest  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def digits():
    from dltutor.data import load_digits

    return load_digits()

