"""Start JupyterLab and headless Chromium, and drive notebooks the way a student does.

Used by the browser tests and by `python -m tests.browser.harness --screenshots DIR`.
Everything started here is stopped through its own process handle.
"""
from __future__ import annotations

import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class WidgetDidNotRespond(AssertionError):
    """A control was changed but the figure it drives did not change."""


def find_chromium():
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on loopback serving ``root``, with its state in ``state_dir``."""

    def __init__(self, root, state_dir):
        self.root = pathlib.Path(root)
        self.state = pathlib.Path(state_dir)
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.proc = None
        self.log_path = self.state / "jupyterlab.log"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=90):
        env = dict(os.environ)
        for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                         ("IPYTHONDIR", "ipython"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                         ("JUPYTERLAB_SETTINGS_DIR", "settings")):
            path = self.state / sub
            path.mkdir(parents=True, exist_ok=True)
            env[var] = str(path)
        env["MPLBACKEND"] = "Agg"
        # no "news" pop-up, no update checks: nothing to click away, nothing to fetch
        settings = self.state / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            '{"fetchNews": "false", "checkForUpdates": false, "doNotDisturbMode": true}')
        # render every cell (no virtual scrolling), so outputs far down the page can be found
        tracker = self.state / "settings" / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True, exist_ok=True)
        (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
        args = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}",
                "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}", "--ServerApp.open_browser=False",
                "--LabApp.news_url=", "--ContentsManager.allow_hidden=False"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=self.root)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start in {timeout} s: {self.log_path.read_text()[-2000:]}")

    def stop(self):
        if self.proc is None:
            return
        import psutil  # noqa: PLC0415

        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)  # the kernels
        except psutil.Error:
            children = []
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        for child in children:
            try:
                child.terminate()
                child.wait(timeout=5)
            except psutil.NoSuchProcess:
                pass
            except psutil.TimeoutExpired:
                child.kill()
        self._log.close()
        self.proc = None


class Browser:
    """Headless Debian Chromium driven by Playwright."""

    def __init__(self, executable):
        self.executable = executable
        self._pw = self.browser = None

    def start(self):
        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=self.executable, headless=True,
                                                args=CHROMIUM_FLAGS)
        return self

    def new_page(self):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page

    def stop(self):
        if self.browser is not None:
            self.browser.close()
        if self._pw is not None:
            self._pw.stop()
        self.browser = self._pw = None


# --- what a student does ------------------------------------------------------------------------

def wait_until(predicate, timeout, what, interval=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def kernel_status(page):
    return page.locator("#jp-main-statusbar").inner_text()


def open_notebook(page, lab, name):
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}&reset")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    wait_until(lambda: "| Idle" in kernel_status(page), 120, "the kernel to be idle")


def run_all(page, timeout=300):
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt")

    def done():
        texts = prompts.all_inner_texts()
        return (texts and all(t.strip().startswith("[") and "*" not in t and t.strip() != "[ ]:"
                              for t in texts) and "| Idle" in kernel_status(page))

    wait_until(done, timeout, "Run All Cells to finish", interval=0.5)


def error_outputs(page):
    """Texts of error outputs and of error messages shown inside widgets."""
    found = []
    for text in page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts():
        if "Traceback" in text or "Error" in text:
            found.append(text[:500])
    found += page.locator(".widget-html-content [role=alert]").all_inner_texts()
    return found


def explorers(page):
    """The explorer widgets on the page: a VBox holding a live image."""
    return page.locator(".widget-vbox", has=page.locator("img.widget-image"))


def _wait_changed(get, before, timeout, what):
    try:
        return wait_until(lambda: (lambda v: v if v != before else None)(get()), timeout, what)
    except TimeoutError as exc:
        raise WidgetDidNotRespond(f"{what}: nothing changed in {timeout} s") from exc


def figure_src(root):
    return root.locator("img.widget-image").first.get_attribute("src")


def change_slider_with_keyboard(root, index=0, key="ArrowRight", timeout=30):
    """Focus a slider, press a key; return (old, new) slider values once the figure changed."""
    handle = root.locator(".noUi-handle").nth(index)
    before_value = handle.get_attribute("aria-valuetext")
    before_src = figure_src(root)
    # A click into an output of a cell that is not active makes JupyterLab activate the cell and
    # take the focus, so (as for a student) the key goes to the slider after that first click.
    handle.click()
    handle.page.wait_for_timeout(500)
    handle.focus()
    handle.press(key)
    after = _wait_changed(lambda: handle.get_attribute("aria-valuetext"), before_value, 5,
                          "the slider value after a key press")
    _wait_changed(lambda: figure_src(root), before_src, timeout, "the figure after a keyboard change")
    return before_value, after


def change_slider_with_mouse(page, root, index=0, dx=60, timeout=30):
    """Drag a slider's handle by dx pixels; return (old, new) values once the figure changed."""
    handle = root.locator(".noUi-handle").nth(index)
    handle.scroll_into_view_if_needed()
    before_value = handle.get_attribute("aria-valuetext")
    before_src = figure_src(root)
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y, steps=5)
    page.mouse.move(x + dx, y, steps=5)
    page.mouse.up()
    after = _wait_changed(lambda: handle.get_attribute("aria-valuetext"), before_value, 5,
                          "the slider value after a drag")
    _wait_changed(lambda: figure_src(root), before_src, timeout, "the figure after a mouse drag")
    return before_value, after


def choose_in_dropdown(root, index, label, timeout=30):
    before_src = figure_src(root)
    root.locator("select").nth(index).select_option(label=label)
    _wait_changed(lambda: figure_src(root), before_src, timeout, f"the figure after choosing {label!r}")


def stop_training(root, timeout=60):
    """Start a long training with the Train button, press Stop, and wait until it has stopped."""
    train = root.get_by_role("button", name="Train")
    stop = root.get_by_role("button", name="Stop")
    train.click()
    wait_until(lambda: stop.is_enabled(), 10, "the Stop button to be enabled")
    stop.click()
    wait_until(lambda: train.is_enabled() and not stop.is_enabled(), timeout,
               "training to stop after Stop was pressed")
    return root.locator(".widget-html-content").all_inner_texts()
