"""Every notebook in notebooks/ runs top to bottom (widget callbacks for real) and shows its lesson."""
import copy
import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT
from dltutor.cli import _SOLUTION, make_student_copy, strip_solutions

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
_executed = {}


def executed(path):
    """The notebook run once, as a student gets it, with the teacher's solution cells run at the end.

    One execution serves both: the lesson's cells (identical in both copies) show the phenomena,
    the student's placeholder cells say "Not yet", and the appended solutions must all pass.
    ``nb.metadata["n_student_cells"]`` says where the student copy ends.
    """
    if path not in _executed:
        nb = nbformat.read(path, as_version=4)
        solutions = [copy.deepcopy(c) for c in nb.cells if c.cell_type == "code" and _SOLUTION.search(c.source)]
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = strip_solutions(cell.source)
        n_student = len(nb.cells)
        for k, cell in enumerate(solutions):
            cell.id = f"solution-{k}"
            nb.cells.append(cell)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
        nb.metadata["n_student_cells"] = n_student
        _executed[path] = nb
    return _executed[path]


def outputs(nb):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            yield cell, out


def text_of(out):
    if "text" in out:
        return out["text"]
    data = out.get("data", {})
    return data.get("text/plain", "") + data.get("text/html", "")


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_stripped_with_clean_metadata(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"][:1]
        assert not cell.get("metadata"), f"cell metadata should be empty: {cell.get('metadata')}"
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}
    first = "".join(nb["cells"][0]["source"])
    assert first.startswith("# ") and re.search(r"\*\*Runs\*\*.*CPU", first), "first cell: title and run time"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom_without_errors(path):
    nb = executed(path)
    errors = [text_of(o) or o.get("ename") for _, o in outputs(nb) if o["output_type"] == "error"]
    assert not errors, errors
    stderr = [o["text"] for _, o in outputs(nb) if o.get("name") == "stderr"]
    assert not stderr, f"no cell may print to stderr (warnings included): {stderr}"
    warned = [text_of(o) for _, o in outputs(nb) if re.search(r"Warning\b|WARNING", text_of(o))]
    assert not warned, warned
    if any("Explorer" in "".join(c.source) for c in nb.cells):
        state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
        assert any(m["model_name"] == "ImageModel" for m in state.values()), "widget state stored"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_runs_and_checks_say_not_yet(path, tmp_path):
    removed = make_student_copy(path, tmp_path / path.name)     # what `dltutor student` writes
    student = nbformat.read(tmp_path / path.name, as_version=4)
    nb = executed(path)                                         # that copy, run (solutions after it)
    n = nb.metadata["n_student_cells"]
    assert [c.source for c in nb.cells[:n]] == [c.source for c in student.cells]
    cells = [(c, o) for c in nb.cells[:n] for o in c.get("outputs", [])]
    assert not [o for _, o in cells if o["output_type"] == "error"]
    if removed:
        assert any("Not yet" in text_of(o) for _, o in cells), "an unsolved exercise says 'Not yet'"


@pytest.mark.notebook
def test_00_shows_a_network_learning_live():
    nb = executed(ROOT / "notebooks" / "00_start_here.ipynb")
    texts = [text_of(o) for _, o in outputs(nb)]
    widget = [o for _, o in outputs(nb) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget and "image/png" in widget[0]["data"], "widget with a static PNG for viewers"
    acc = re.search(r"PlaygroundExplorer: Epoch 200: .* test accuracy (\d+)%", widget[0]["data"]["text/plain"])
    assert acc and int(acc.group(1)) >= 90
    moons = re.search(r"linear model: (\d+)% test accuracy; 2 hidden layers: (\d+)%", "".join(texts))
    assert moons and int(moons.group(1)) + 8 <= int(moons.group(2)), "hidden layers beat a line on moons"
    assert any("&#10004; Correct" in t for t in texts), "the warm-up exercise's solution passes"
    assert any("device" in t and "tensorflow" in t for t in texts), "doctor's report"


@pytest.mark.notebook
def test_01_shows_overfitting_and_its_remedies():
    nb = executed(ROOT / "notebooks" / "01_overfitting.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    train, val = map(int, re.search(r"train accuracy (\d+)%, validation accuracy (\d+)%", text).groups())
    assert train >= 99 and train - val >= 10
    gap = re.search(r"generalization gap of (?:<b>)?(\d+) points", text)
    assert gap and int(gap.group(1)) >= 10, "the explorer names the gap"
    w2, w512, n20, n640 = map(int, re.search(
        r"gap at width 2: (-?\d+) pts, at 512: (-?\d+) pts; gap with 20 points: (-?\d+) pts, with 640: (-?\d+) pts", text).groups())
    assert w512 > w2 and n640 < n20
    memorized = re.search(r"100% random labels: train (\d+)%, validation (\d+)%", text)
    assert int(memorized.group(1)) >= 95 and 6 <= int(memorized.group(2)) <= 16
    gaps = dict((name.strip(), float(g)) for name, g in re.findall(r"^\s*([\w ]+): gap\s+(-?[\d.]+) points", text, re.M))
    assert all(gaps[name] < gaps["baseline"] for name in gaps if name != "baseline") and len(gaps) == 5
    e400, e1347, e4000 = map(int, re.search(r"test error: (\d+)% at p=400, (\d+)% at p=1347, (\d+)% at p=4000", text).groups())
    assert e1347 >= 3 * max(e400, e4000, 1)
    assert text.count("&#10004; Correct") == 4, "all four solutions pass their checks"


@pytest.mark.notebook
def test_02_shows_vanishing_and_exploding_gradients():
    nb = executed(ROOT / "notebooks" / "02_vanishing_gradients.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    norms = [float(v) for v in re.search(r"gradient norm, layer 1 to 10: ([\d.e+\- ]+)", text).group(1).split()]
    assert norms[0] * 1000 <= norms[-1], norms
    acc = {k.strip(): int(v) for k, v in re.findall(r"^\s*([\w +]+): validation accuracy (\d+)%", text, re.M)}
    assert acc["sigmoid + Glorot"] <= 20 and acc["ReLU + He"] >= 85 and acc["sigmoid + batch norm"] >= 85
    assert "without clipping: Training diverged at epoch 1: the loss became NaN" in text
    assert re.search(r"with clipnorm=1\.0: loss [\d.e+]+ -> [\d.e+]+", text)
    assert "GradientsExplorer: At initialization" in text
    # section 6, through time (its claims are asserted for every seed in tests/gradients/test_recurrent.py)
    sweep = {cell: [int(a) for a in re.findall(r"T=\d+: (\d+)%", line)]
             for cell, line in re.findall(r"^\s*(SimpleRNN|LSTM|GRU): (T=.*)$", text, re.M)}
    assert sweep["SimpleRNN"][-1] <= 30 and min(sweep["LSTM"][-1], sweep["GRU"][-1]) >= 90, sweep
    assert "RecurrentExplorer: SimpleRNN, T = 20" in text
    assert text.count("&#10004; Correct") == 6


@pytest.mark.notebook
def test_03_shows_the_accuracy_paradox_and_its_fixes():
    nb = executed(ROOT / "notebooks" / "03_class_imbalance.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    net, majority = map(float, re.search(r"accuracy: network ([\d.]+)%, always 'majority' ([\d.]+)%", text).groups())
    recall = int(re.search(r"minority recall \(share of minority cases it flags\): (\d+)%", text).group(1))
    assert net >= 95 and majority >= 96 and recall <= 40
    assert "ImbalanceExplorer: <b>" not in text and "ImbalanceExplorer: no fix at threshold 0.50" in text
    table = re.search(r"class weights.*", text)
    assert table, "the comparison table lists every method"
    assert all(label in text for label in ("SMOTE", "ADASYN", "NearMiss-1", "threshold moving", "focal loss"))
    before, after = map(float, re.search(r"bias 0 -> ([\d.]+), bias b0 -> ([\d.]+) \(the base", text).groups())
    assert after < before / 3
    assert text.count("&#10004; Correct") == 5, "all five solutions pass their checks"


@pytest.mark.notebook
def test_04_shows_evasion_defence_and_poisoning():
    nb = executed(ROOT / "notebooks" / "04_adversarial_noise.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    clean, noise, fgsm = map(float, re.search(
        r"at eps = 0\.1: clean ([\d.]+)%, random noise ([\d.]+)%, FGSM ([\d.]+)%", text).groups())
    assert clean - noise <= 3 and fgsm < 60
    assert "same as the package's FGSM: True" in text and "same as the package's PGD: True" in text
    pgd = float(re.search(r"PGD at eps = 0\.1: ([\d.]+)%", text).group(1))
    assert pgd <= fgsm
    standard, robust = map(float, re.search(
        r"PGD accuracy at eps = 0\.1: standard ([\d.]+)%, adversarially trained ([\d.]+)%", text).groups())
    assert robust - standard >= 30
    flips = [float(v) for v in re.findall(r"% labels flipped: clean test accuracy ([\d.]+)%", text)]
    assert len(flips) == 3 and flips[0] > flips[2]
    clean_p, base, success = map(float, re.search(
        r"5% poisoned: clean accuracy ([\d.]+)% \(clean training: ([\d.]+)%\), attack success ([\d.]+)%", text).groups())
    assert success >= 90 and abs(clean_p - base) <= 2
    for name in ("EvasionExplorer", "TargetedExplorer", "PoisoningExplorer"):
        assert f"{name}: " in text and f"{name}: not run yet" not in text
    assert text.count("&#10004; Correct") == 5, "all five solutions pass their checks"


@pytest.mark.notebook
def test_05_shows_seed_spread_drift_interactions_fractal_and_the_trap():
    nb = executed(ROOT / "notebooks" / "05_hyperparameter_butterfly.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    spread = float(re.search(r"range ([\d.]+) points; two seeds disagree", text).group(1))
    assert spread >= 0.5
    assert "same seed, same numbers, bit for bit: True" in text and "identical results: True" in text
    growth = int(re.search(r"learning rate x 1\.01: .*\(x(\d+)\)", text).group(1))
    assert growth >= 10
    low, high = map(float, re.search(r"dimension of the boundary: ([\d.]+) at zoom 1, ([\d.]+) at zoom 4", text).groups())
    assert low > 1.05 and high > 1.3          # as tests/butterfly/test_fractal.py asserts for seeds 0-9
    assert "distinct learning rates tried: grid 3, random 9" in text
    val, test = map(float, re.search(r"n =    100: best of 1000 scores ([\d.]+)% on validation, ([\d.]+)%", text).groups())
    assert val >= 60 and abs(test - 50) <= 5
    for name in ("SeedsExplorer", "NudgeExplorer", "FractalExplorer"):
        assert f"{name}: " in text and f"{name}: not run yet" not in text
    assert text.count("&#10004; Correct") == 4, "all four solutions pass their checks"


@pytest.mark.notebook
def test_06_shows_memorized_noise_found_labels_cleaning_curves_leaks_and_slices():
    nb = executed(ROOT / "notebooks" / "06_data_quality.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    train, test = map(float, re.search(
        r"noisy labels: train accuracy ([\d.]+)% \(given labels\), test accuracy ([\d.]+)%", text).groups())
    clean = float(re.search(r"true labels: +test accuracy ([\d.]+)%", text).group(1))
    assert train >= 95 and clean - test >= 10           # the Keras model memorizes the noise
    stopped = float(re.search(r"early stopping at epoch \d+: test accuracy ([\d.]+)%", text).group(1))
    assert stopped - test >= (clean - test) / 2          # and early stopping wins back half of it
    (n_cl, p_cl, r_cl), (n_loss, _, _) = [tuple(map(int, m)) for m in re.findall(
        r"(?:cleanlab|top loss): (\d+) flags, precision (\d+)%, recall (\d+)%", text)]
    assert n_cl == n_loss and r_cl >= 80 and p_cl >= 80
    exponent = float(re.search(r"error ≈ [\d.]+ · n\^\((-[\d.]+)\)", text).group(1))
    assert -0.7 <= exponent <= -0.4
    random_leak, group_leak = map(int, re.findall(r"split: (\d+)% of the test images have a copy", text))
    assert random_leak >= 80 and group_leak == 0
    for name in ("LabelNoiseExplorer", "SmallDataExplorer"):
        assert f"{name}: " in text and f"{name}: not run yet" not in text
    assert text.count("&#10004; Correct") == 5, "all five solutions pass their checks"


@pytest.mark.notebook
def test_07_shows_completeness_the_sanity_check_clever_hans_and_shap():
    nb = executed(ROOT / "notebooks" / "07_interpretability.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    assert float(re.search(r"digits CNN: test accuracy ([\d.]+)%", text).group(1)) >= 96
    share50 = float(re.search(r"  50 steps: median residual [\d.]+% \(mean [\d.]+%\), under 1% for ([\d.]+)%", text).group(1))
    median1 = float(re.search(r"   1 steps: median residual ([\d.]+)%", text).group(1))
    assert share50 >= 95 and median1 > 1
    rho = {m: float(v) for m, v in re.findall(r"(\w+) +Spearman with every layer random (-?[\d.]+)", text)}
    assert rho["gradient"] < rho["gradient_x_input"] - 0.4 and rho["gradient_x_input"] > 0.8
    as_trained, stamped = map(float, re.search(
        r"as trained: ([\d.]+)%, clean: [\d.]+%, watermark on every image: ([\d.]+)%", text).groups())
    assert as_trained >= 96 and stamped <= as_trained - 30
    assert float(re.search(r"SHAP additivity: max \|sum \+ base - f\(x\)\| = ([\d.e+-]+)", text).group(1)) < 1e-4
    assert re.search(r"base value -?[\d.]+ log-odds \(a probability of \d+%\)", text)
    assert "SaliencyExplorer: " in text and "SaliencyExplorer: not run yet" not in text
    assert sum("image/png" in o.get("data", {}) for _, o in outputs(nb)) >= 9       # the figures, the waterfall
    assert text.count("&#10004; Correct") == 5, "all five solutions pass their checks"


@pytest.mark.notebook
def test_08_shows_costs_pruning_int8_litert_precision_transfer_and_forgetting():
    nb = executed(ROOT / "notebooks" / "08_compute_efficiency.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    assert re.search(r"<td>CPU:0</td><td>64-32-32-10</td><td>3,466</td><td>6,784</td>", text)     # counted
    rows = {int(s): (float(a), float(b)) for s, a, b in
            re.findall(r"<tr><td>(\d+)%</td><td>([\d.]+)</td><td>([\d.]+)</td><td>\d+ kB</td></tr>", text)}
    assert set(rows) == {50, 80, 90, 95} and rows[80][1] > rows[80][0] + 0.03 and rows[90][1] > rows[90][0] + 0.1
    ratio = float(re.search(r"<td>88,656 \(([\d.]+)x\)</td>", text).group(1))
    assert ratio <= 0.3
    assert re.search(r"interpreter: ai_edge_litert\.interpreter\.Interpreter", text)
    assert "global policy after the demo: float32" in text
    assert re.search(r"<td>CPU:0</td><td>mixed_float16</td><td>off</td>", text)
    kept, rehearsed = map(float, re.search(r"keeps ([\d.]+)% on 0-4 \(it had [\d.]+%\); with 20 old images "
                                          r"per class mixed in, ([\d.]+)%", text).groups())
    assert kept <= 5 and rehearsed >= 80
    for name in ("BatchSizeExplorer", "PruningExplorer", "ReuseExplorer"):
        assert f"{name}: " in text and f"{name}: not run yet" not in text
    assert sum("image/png" in o.get("data", {}) for _, o in outputs(nb)) >= 6
    assert text.count("&#10004; Correct") == 5, "all five solutions pass their checks"


@pytest.mark.notebook
def test_09_tests_calibrates_monitors_analyses_errors_and_flags_ood():
    nb = executed(ROOT / "notebooks" / "09_testing_observability.ipynb")
    text = "\n".join(text_of(o) for _, o in outputs(nb))
    accuracy = float(re.search(r"test accuracy of the model: ([\d.]+)%", text).group(1))
    assert accuracy >= 95
    assert re.search(r"<code>test_one_pixel_shift_keeps_the_label</code></td><td style='color:#d55e00'>&#10008; FAIL", text)
    before, after = map(float, re.search(r"T fitted on logits +: T = [\d.]+, test ECE ([\d.]+)% -> ([\d.]+)%, NLL "
                                         r"[\d.]+ -> [\d.]+, every prediction unchanged: True", text).groups())
    assert after <= before / 2
    alerts = {name: int(day) for name, day in re.findall(r"(strokes get thicker|noise rises) +: pixel alert on day (\d+)", text)}
    assert set(alerts) == {"strokes get thicker", "noise rises"} and all(d >= 10 for d in alerts.values())
    assert re.search(r"no drift +: pixel alert on day None", text)
    assert "Could not write the logs to /proc/not-a-folder" in text and re.search(r"Wrote 30 days to \S+\.csv", text)
    rows = {k: (float(a), float(b)) for k, a, b in
            re.findall(r"<tr><td>([a-z ]+)</td><td>([\d.]+)</td><td>([\d.]+)</td></tr>", text)}
    assert rows["letters"][1] > rows["letters"][0] and rows["noise"][1] > rows["noise"][0]
    assert rows["rotated digits"][0] < 0.5
    assert re.search(r"thicker stream, days 10-26: accuracy [\d.]+%; top confusions", text)
    for name in ("CalibrationExplorer", "StreamExplorer"):
        assert f"{name}: " in text and f"{name}: not run yet" not in text
    assert sum("image/png" in o.get("data", {}) for _, o in outputs(nb)) >= 8
    assert text.count("&#10004; Correct") == 5, "all five solutions pass their checks"
