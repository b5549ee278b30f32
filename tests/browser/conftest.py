import os
import pathlib
import shutil

import pytest

from browser.harness import Browser, JupyterLab, find_chromium

ROOT = pathlib.Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    path = find_chromium()
    if path is None:
        reason = "Chromium not found (apt-get install chromium); browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and in CI a missing browser is a failure.")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory):
    """A copy of notebooks/ (so JupyterLab never writes into the repository's notebooks)."""
    root = tmp_path_factory.mktemp("lab") / "notebooks"
    shutil.copytree(ROOT / "notebooks", root)
    return root


@pytest.fixture(scope="session")
def lab(chromium, lab_root, tmp_path_factory):
    server = JupyterLab(lab_root, tmp_path_factory.mktemp("jupyter-state")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(chromium):
    b = Browser(chromium).start()
    yield b
    b.stop()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.context.close()


@pytest.fixture(scope="session")
def screenshots():
    out = pathlib.Path(os.environ.get("DLTUTOR_SCREENSHOTS", ROOT / "tests" / "browser" / "artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out
