import os

os.environ.setdefault("MPLBACKEND", "Agg")

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

