"""Every notebook opened, run and handled in JupyterLab in headless Chromium, as a student would.

Screenshots land in tests/browser/artifacts/ (or $DLTUTOR_SCREENSHOTS; the README's come from
`DLTUTOR_SCREENSHOTS=docs/screenshots ./setup.sh test tests/browser`).
"""
import json
import re

import pytest

from browser.harness import (WidgetDidNotRespond, change_slider_with_keyboard,
                             change_slider_with_mouse, choose_in_dropdown, error_outputs, explorers,
                             open_notebook, run_all, stop_training, wait_until)
from conftest import ROOT

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_student_runs_the_notebook_and_uses_its_widget(page, lab, name, screenshots):
    open_notebook(page, lab, name)
    run_all(page)
    assert error_outputs(page) == []

    widgets = explorers(page)
    assert widgets.count() >= 1, "every lesson has at least one explorer widget"
    root = widgets.first
    root.scroll_into_view_if_needed()

    old, new = change_slider_with_keyboard(root, index=0)
    assert float(new) > float(old)
    old, new = change_slider_with_mouse(page, root, index=1, dx=40)
    assert float(new) > float(old)
    if root.locator("select").count():
        options = root.locator("select").first.locator("option").all_inner_texts()
        current = root.locator("select").first.input_value()
        same = lambda a, b: a.replace("\xa0", " ") == b.replace("\xa0", " ")  # noqa: E731 - labels with spaces
        choose_in_dropdown(root, 0, next(o for o in options if not same(o, current)))
    train = root.get_by_role("button", name="Train")
    if train.count():
        wait_until(train.is_enabled, 60, "the training to finish")
    page.wait_for_timeout(500)
    stem = name.removesuffix(".ipynb")
    root.screenshot(path=str(screenshots / f"{stem}.png"))
    page.screenshot(path=str(screenshots / f"{stem}_page.png"))

    epochs = root.locator(".widget-slider", has_text="epochs").locator(".noUi-handle")
    if epochs.count():
        epochs.click()
        page.wait_for_timeout(500)
        epochs.focus()
        epochs.press("End")             # the longest training, so that Stop has time to act
        texts = stop_training(root)
        assert any("Stopped after" in t for t in texts), texts
        page.wait_for_timeout(300)
    assert error_outputs(page) == []


BROKEN = {
    "cells": [{"cell_type": "code", "execution_count": None, "id": "broken", "metadata": {},
               "outputs": [], "source": [
        "import ipywidgets as W\n",
        "from dltutor.plots import figure_to_png, new_figure\n",
        "fig, ax = new_figure()\n",
        "ax.plot([0, 1], [0, 1])\n",
        "slider = W.IntSlider(value=1, min=0, max=10, description='n')\n",
        "image = W.Image(value=figure_to_png(fig), format='png')\n",
        "def broken_callback(change):\n",
        "    raise RuntimeError('deliberately broken: the figure never updates')\n",
        "slider.observe(broken_callback, names='value')\n",
        "W.VBox([slider, image])\n"]}],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def test_the_suite_catches_a_widget_that_stops_responding(page, lab, lab_root):
    (lab_root / "zz_broken_widget.ipynb").write_text(json.dumps(BROKEN))
    try:
        open_notebook(page, lab, "zz_broken_widget.ipynb")
        run_all(page)
        root = explorers(page).first
        with pytest.raises(WidgetDidNotRespond, match=re.escape("the figure after a keyboard change")):
            change_slider_with_keyboard(root, index=0, timeout=6)
    finally:
        (lab_root / "zz_broken_widget.ipynb").unlink()
