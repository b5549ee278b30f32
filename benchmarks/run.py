"""dltutor benchmarks: one run, one table, ratios measured in the same run.

    .venv/bin/python benchmarks/run.py            # everything (about 5 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --only training,notebooks

Rows: import time; kernel start to the first live plot of notebook 00; dltutor.train against
model.fit (same model, data, epochs and batch size; cold = fresh model, trace included, and warm
= the same model trained again); each explorer's control response (to the first redraw and to
the final figure; ``response``: every retraining control of every explorer, three moves each,
as benchmarks/explorer_response.py measures them); RSS over 200 random control moves per explorer; each notebook's wall time,
slowest cell and the kernel's peak RSS (VmHWM), on both cores and pinned to one (Binder);
``nbgrader autograde`` of one student's lesson (``--only grading``; lessons 00 and 01 unless
``--notebooks`` names others), with its slowest cell.
Machines are shared and noisy: read the ratios, not the seconds.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
rows = []


def row(name, value, unit, note=""):
    rows.append((name, value, unit, note))
    print(f"  {name}: {value:.3g} {unit} {note}", file=sys.stderr, flush=True)


def bench_import(repeats=3):
    def timed(code):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    base = timed("pass")
    row("import dltutor", timed("import dltutor") - base, "s", "(interpreter start subtracted)")
    row("import dltutor.training (loads TensorFlow)", timed("import dltutor.training") - base, "s")


def bench_training(epochs=20, repeats=3):
    sys.path.insert(0, str(ROOT))
    from dltutor._backend import keras
    from dltutor.data import load_digits
    from dltutor.models import build_mlp
    from dltutor.training import train

    d = load_digits()
    val = (d.X_test, d.y_test)
    for batch_size in (128, None):
        label = f"batch {batch_size}" if batch_size else "full batch"
        cold_ours, cold_fit, warm_ours, warm_fit, acc_ours, acc_fit = [], [], [], [], [], []
        for rep in range(repeats):
            model = build_mlp(64, 10, width=64, seed=rep)
            t = time.perf_counter()
            r = train(model, d.X_train, d.y_train, epochs=epochs, batch_size=batch_size,
                      learning_rate=0.01, validation_data=val, seed=rep)
            cold_ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            train(model, d.X_train, d.y_train, epochs=epochs, batch_size=batch_size,
                  learning_rate=0.01, validation_data=val, seed=rep)
            warm_ours.append(time.perf_counter() - t)
            acc_ours.append(r.final("val_accuracy"))

            model = build_mlp(64, 10, width=64, seed=rep)
            model.compile(keras.optimizers.Adam(0.01),
                          keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                          metrics=["accuracy"])
            kw = dict(epochs=epochs, batch_size=batch_size or len(d.X_train), verbose=0,
                      validation_data=val)
            t = time.perf_counter()
            h = model.fit(d.X_train, d.y_train, **kw)
            cold_fit.append(time.perf_counter() - t)
            t = time.perf_counter()
            model.fit(d.X_train, d.y_train, **kw)
            warm_fit.append(time.perf_counter() - t)
            acc_fit.append(h.history["val_accuracy"][-1])
        med = statistics.median
        row(f"model.fit, {epochs} epochs, {label}, cold", med(cold_fit), "s")
        row(f"dltutor.train, {epochs} epochs, {label}, cold", med(cold_ours), "s",
            f"ratio fit/train {med(cold_fit) / med(cold_ours):.1f}x")
        row(f"model.fit, {epochs} epochs, {label}, warm", med(warm_fit), "s")
        row(f"dltutor.train, {epochs} epochs, {label}, warm", med(warm_ours), "s",
            f"ratio fit/train {med(warm_fit) / med(warm_ours):.1f}x")
        row(f"val accuracy difference (train - fit), {label}", 100 * (med(acc_ours) - med(acc_fit)),
            "points", f"train {med(acc_ours):.3f}, fit {med(acc_fit):.3f}")


def bench_playground(repeats=5):
    sys.path.insert(0, str(ROOT))
    from dltutor.playground import PlaygroundExplorer

    pg = PlaygroundExplorer()
    pg.update()  # first run: imports and first trace
    settings = [dict(dataset="moons"), dict(hidden_units=4), dict(noise=0.3), dict(dataset="circles"),
                dict(activation="relu"), dict(hidden_layers=2), dict(learning_rate=0.1)]
    times = []
    for kw in (settings * repeats)[: max(repeats, len(settings))]:
        t = time.perf_counter()
        pg.update(**kw)
        times.append(time.perf_counter() - t)
    row("playground: control change -> final figure (200 epochs), median", statistics.median(times), "s",
        f"max {max(times):.2f} s over {len(times)} changes")


def _control_response(explorer, changes, label):
    """Time from setting a control (as the page does) to the first redraw and to the final figure."""
    first, final = [], []
    for name, value in changes:
        draws = explorer.live.n_draws
        t = time.perf_counter()
        explorer.controls[name].value = value          # fires the observer: a background run
        while explorer.live.n_draws == draws and explorer.running:
            time.sleep(0.002)
        first.append(time.perf_counter() - t)
        explorer.wait()
        final.append(time.perf_counter() - t)
    med = statistics.median
    row(f"{label}: control change -> first redraw, median", med(first), "s", f"max {max(first):.2f} s")
    row(f"{label}: control change -> final figure, median", med(final), "s",
        f"max {max(final):.2f} s over {len(final)} changes")


def _rss_mb():
    import psutil  # noqa: PLC0415

    return psutil.Process().memory_info().rss / 2**20


def bench_overfitting(n_changes=50):
    sys.path.insert(0, str(ROOT))
    from dltutor.overfitting import L2S, SIZES, WIDTHS, OverfittingExplorer

    ex = OverfittingExplorer()
    ex.update()
    changes = [("width", 64), ("width", 512), ("n_train", 160), ("n_train", 60), ("dropout", 0.3),
               ("dropout", 0.0), ("l2", 1e-3), ("l2", 0.0), ("early_stopping", True),
               ("early_stopping", False), ("augmentation", True), ("augmentation", False)]
    _control_response(ex, changes, "lesson 01 explorer")
    light = []
    for value in ("accuracy", "loss") * 5:
        t = time.perf_counter()
        ex.controls["metric"].value = value
        light.append(time.perf_counter() - t)
    row("lesson 01 explorer: light control (curves loss/accuracy), median", statistics.median(light), "s",
        f"max {max(light):.2f} s")
    import gc  # noqa: PLC0415

    rng = __import__("random").Random(0)
    for _ in range(5):                      # warm up allocator pools before the baseline
        ex.update(width=rng.choice(WIDTHS))
    gc.collect()
    before = _rss_mb()
    for i in range(n_changes):
        name = ("width", "n_train", "l2", "dropout")[i % 4]
        value = {"width": rng.choice(WIDTHS), "n_train": rng.choice(SIZES[:5]), "l2": rng.choice(L2S),
                 "dropout": rng.choice((0.0, 0.2, 0.5))}[name]
        ex.update(**{name: value})
    gc.collect()
    row(f"lesson 01 explorer: RSS growth over {n_changes} control changes", _rss_mb() - before, "MB",
        f"(from {before:.0f} MB)")


def bench_gradients():
    sys.path.insert(0, str(ROOT))
    from dltutor.gradients import GradientsExplorer

    ex = GradientsExplorer()
    ex.update()
    changes = [("depth", 5), ("depth", 20), ("activation", "relu"), ("initializer", "he_normal"),
               ("batch_norm", True), ("batch_norm", False), ("residual", True), ("residual", False),
               ("depth", 10), ("clipnorm", True), ("activation", "sigmoid"), ("initializer", "glorot_uniform")]
    _control_response(ex, changes, "lesson 02 explorer")


def bench_imbalance():
    sys.path.insert(0, str(ROOT))
    from dltutor.imbalance import ImbalanceExplorer

    ex = ImbalanceExplorer()
    ex.update()
    for method in ("class_weight", "focal", "none"):      # trace each loss once, as a student's first tries do
        ex.update(method=method)
    changes = [("method", "smote"), ("method", "random_over"), ("method", "class_weight"),
               ("method", "adasyn"), ("method", "random_under"), ("method", "balanced_batches"),
               ("method", "focal"), ("method", "threshold"), ("method", "none"), ("ratio", 0.1),
               ("ratio", 0.01), ("ratio", 0.03), ("seed", 1), ("seed", 2), ("n_samples", 5000),
               ("n_samples", 10_000)]
    _control_response(ex, changes, "lesson 03 explorer")
    light = []
    for value in (0.1, 0.2, 0.3, 0.4, 0.5) * 2:
        t = time.perf_counter()
        ex.controls["threshold"].value = value
        light.append(time.perf_counter() - t)
    row("lesson 03 explorer: threshold slider (no retraining), median", statistics.median(light), "s",
        f"max {max(light):.2f} s")


def bench_adversarial():
    sys.path.insert(0, str(ROOT))
    from dltutor.adversarial import EvasionExplorer, PoisoningExplorer, TargetedExplorer

    ex = EvasionExplorer()
    ex.update()
    light = []
    for value in (0.05, 0.15, 0.2, 0.02, 0.1, 0.3, 0.08, 0.12):
        t = time.perf_counter()
        ex.controls["epsilon"].value = value
        light.append(time.perf_counter() - t)
    row("lesson 04 evasion explorer: ε slider (attacks on the trained model), median", statistics.median(light),
        "s", f"max {max(light):.2f} s over {len(light)} moves")
    _control_response(ex, [("seed", 1), ("seed", 2), ("seed", 3)], "lesson 04 evasion explorer, new seed")
    _control_response(ex, [("defence", "adversarial")], "lesson 04 evasion explorer, adversarial training")
    po = PoisoningExplorer()
    po.update()
    _control_response(po, [("rate", 0.01), ("rate", 0.2), ("kind", "label_flip"), ("rate", 0.4),
                           ("kind", "backdoor"), ("target", 7), ("trigger_size", 1), ("seed", 1)],
                      "lesson 04 poisoning explorer")
    tg = TargetedExplorer()
    tg.update()
    _control_response(tg, [("target", 5), ("target", 8), ("epsilon", 0.1), ("steps", 60), ("image", 7)],
                      "lesson 04 targeted explorer")


def bench_butterfly():
    """Lesson 05: the 20-seed histogram, the nudge, the fractal grid and its zooms, the slowest sections."""
    sys.path.insert(0, str(ROOT))
    from dltutor import butterfly as bf

    bf.run_seed_spread(5)            # TensorFlow warm, as in the notebook after its first cell
    _control_response(bf.SeedsExplorer(), [("seed", 1), ("seed", 2), ("n_seeds", 30), ("batch_size", 32)],
                      "lesson 05 seeds explorer (20-30 networks at once)")
    _control_response(bf.NudgeExplorer(), [("change", "bit"), ("seed", 1), ("learning_rate", 0.3)],
                      "lesson 05 nudge explorer (2 x 200 full-batch steps)")
    fx = bf.FractalExplorer()
    _control_response(fx, [("seed", 1), ("zoom", 4), ("zoom", 16)], "lesson 05 fractal explorer, 64 x 64 grid")
    for res in (96, 128):
        t = time.perf_counter()
        bf.run_fractal(resolution=res)
        row(f"lesson 05 fractal grid {res} x {res}, 100 steps", time.perf_counter() - t, "s",
            f"{res * res:,} networks")
    t = time.perf_counter()
    bf.run_lr_batch(seeds=0)
    row("lesson 05 learning rate x batch size (3 x 10 runs)", time.perf_counter() - t, "s")
    cost = bf.determinism_cost(n_seeds=20, repeats=3)
    row("lesson 05: 20 seeds with op determinism / without", cost["deterministic"] / cost["default"], "ratio",
        f"{cost['default']:.2f} s -> {cost['deterministic']:.2f} s, identical: {cost['identical']}")


def bench_memory(n_moves=200):
    """RSS over 200 random control moves per explorer (new seeds, extremes), after the first 10.

    Epochs are set to each explorer's minimum: memory does not depend on how long a run is, and
    200 full-length runs would take an hour.
    """
    import gc  # noqa: PLC0415
    import random  # noqa: PLC0415

    sys.path.insert(0, str(ROOT))
    from dltutor.widgets import explorer_classes, random_move  # noqa: PLC0415

    for cls in explorer_classes():
        if _ONLY_EXPLORERS and not cls.__name__.startswith(_ONLY_EXPLORERS):
            continue
        ex = cls()
        ex.update(**{**({"epochs": ex.controls["epochs"].min} if "epochs" in ex.controls else {}), **cls.cheap})
        rng = random.Random(1)
        refused = 0
        for i in range(n_moves):
            refused += ex.update(**random_move(ex, rng, skip=("epochs", *cls.cheap))) is None
            if i == 9:
                gc.collect()
                after_10 = _rss_mb()
        gc.collect()
        row(f"{cls.__name__}: RSS growth from move 10 to move {n_moves}", _rss_mb() - after_10, "MB",
            f"({after_10:.0f} -> {_rss_mb():.0f} MB; budget 150 MB; {refused} moves refused with a message)")


def _kernel_pid(client):
    try:
        return client.km.provisioner.process.pid
    except AttributeError:
        return None


def _peak_rss_mb(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def bench_notebooks_one_core():
    """Each notebook with its kernel pinned to one core (``taskset -c 0``): Binder's one CPU."""
    if not hasattr(os, "sched_setaffinity"):
        return
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})     # the kernels started below inherit it
    try:
        bench_notebooks(label=" (1 core)")
    finally:
        os.sched_setaffinity(0, saved)


_ONLY_NOTEBOOKS = ()   # --notebooks: name prefixes to run (empty: all)
_ONLY_EXPLORERS = ()   # --explorers: class name prefixes for the memory rows (empty: all)
_GRADING_CORES = ("all", "one")   # --grading-cores


def bench_notebooks(label=""):
    import nbformat
    from nbclient import NotebookClient

    for path in NOTEBOOKS:
        if _ONLY_NOTEBOOKS and not path.name.startswith(_ONLY_NOTEBOOKS):
            continue
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                                resources={"metadata": {"path": str(path.parent)}})
        t0 = time.perf_counter()
        first_plot = None
        slowest = (0.0, None)
        with client.setup_kernel():
            pid = _kernel_pid(client)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                t_cell = time.perf_counter()
                client.execute_cell(cell, index)
                slowest = max(slowest, (time.perf_counter() - t_cell, index))
                if first_plot is None and any(
                        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
                        for o in cell.outputs):
                    first_plot = time.perf_counter() - t0
            peak = _peak_rss_mb(pid)
        wall = time.perf_counter() - t0
        row(f"{path.name}{label}: wall time, kernel start to last cell", wall, "s")
        row(f"{path.name}{label}: slowest cell", slowest[0], "s", f"(cell {slowest[1]}; nbgrader's limit: 30 s)")
        if first_plot is not None and not label:
            row(f"{path.name}: kernel start to first live plot done", first_plot, "s")
        row(f"{path.name}{label}: kernel peak RSS", peak, "MB", "(Binder: 2048 MB for everything)")


def bench_grading():
    """nbgrader autograde, as a course server runs it: one student's lesson in a fresh kernel.

    Two submissions per lesson (all answers right, and untouched), graded by ``nbgrader
    autograde`` on both cores and then pinned to one core (``taskset -c 0``; the kernels inherit
    it). The slowest cell comes from the timing nbclient writes into each autograded cell.
    """
    import datetime
    import json
    import shutil
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    import nbgrader_flow as flow

    lessons = ([p.name[:2] for p in NOTEBOOKS if p.name.startswith(_ONLY_NOTEBOOKS)]
               if _ONLY_NOTEBOOKS else ["00", "01"])
    course = pathlib.Path(tempfile.mkdtemp(prefix="dltutor-grading-"))

    def stamp(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

    try:
        flow.make_course(course, lessons)
        for lesson in lessons:
            [release] = (course / "release" / f"lesson{lesson}").glob("*.ipynb")
            answers = flow.all_solutions(course, lesson)
            for cores, label in (("all", f"{os.cpu_count()} cores"), ("one", "1 core")):
                if cores not in _GRADING_CORES:
                    continue
                saved = os.sched_getaffinity(0)
                if cores == "one":
                    os.sched_setaffinity(0, {min(saved)})
                try:
                    for student, given in ((f"right_{cores}", answers), (f"blank_{cores}", {})):
                        flow.submit(course, student, lesson, given)
                        t0 = time.perf_counter()
                        flow.autograde(course, lesson, "--student", student)
                        wall = time.perf_counter() - t0
                        nb = json.loads((course / "autograded" / student / f"lesson{lesson}" / release.name).read_text())
                        cells = [(stamp(c["metadata"]["execution"]["shell.execute_reply"])
                                  - stamp(c["metadata"]["execution"]["iopub.execute_input"])).total_seconds()
                                 for c in nb["cells"] if c["cell_type"] == "code" and "execution" in c["metadata"]]
                        scored, _ = flow.scores(course, lesson, student)
                        points = sum(s for name, (s, _) in scored.items() if name.startswith("q"))
                        row(f"autograde lesson {lesson}, {student.split('_')[0]} answers, {label}", wall, "s",
                            f"slowest cell {max(cells):.1f} s (nbgrader default limit 30 s); "
                            f"{points:g} points; x100 students: {100 * wall / 60:.0f} min")
                finally:
                    os.sched_setaffinity(0, saved)
    finally:
        shutil.rmtree(course, ignore_errors=True)


def bench_response():
    """Every retraining control of every explorer (benchmarks/explorer_response.py, in a subprocess)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import explorer_response  # noqa: PLC0415

    measured = explorer_response._run(ROOT, _ONLY_EXPLORERS)
    med = statistics.median
    playground = med([t for (e, c), r in measured.items() if e == "PlaygroundExplorer" and c != "(first run)"
                      for t in r["final"]])
    for (explorer, control), r in measured.items():
        row(f"{explorer} {control}: -> first redraw, median", med(r["first"]), "s", f"max {max(r['first']):.2f} s")
        row(f"{explorer} {control}: -> final figure, median", med(r["final"]), "s",
            f"max {max(r['final']):.2f} s; {med(r['final']) / playground:.1f} x the playground's median")


BENCHES = {"import": bench_import, "training": bench_training, "playground": bench_playground,
           "overfitting": bench_overfitting, "gradients": bench_gradients, "imbalance": bench_imbalance,
           "adversarial": bench_adversarial,
           "butterfly": bench_butterfly, "response": bench_response,
           "memory": bench_memory,
           "notebooks": bench_notebooks, "notebooks1": bench_notebooks_one_core,
           "grading": bench_grading}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHES), help=f"comma-separated: {', '.join(BENCHES)}")
    parser.add_argument("--notebooks", default="", help="comma-separated name prefixes (e.g. 03,01); default all")
    parser.add_argument("--explorers", default="", help="memory rows: class name prefixes (e.g. Playground,Evasion)")
    parser.add_argument("--grading-cores", default="all,one", help="grading rows: all, one or all,one")
    args = parser.parse_args()
    global _ONLY_NOTEBOOKS, _ONLY_EXPLORERS, _GRADING_CORES
    _GRADING_CORES = tuple(p for p in args.grading_cores.split(",") if p)
    _ONLY_NOTEBOOKS = tuple(p for p in args.notebooks.split(",") if p)
    _ONLY_EXPLORERS = tuple(p for p in args.explorers.split(",") if p)
    os.environ.setdefault("MPLBACKEND", "Agg")
    print(f"dltutor benchmarks on {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}", file=sys.stderr)
    for name in args.only.split(","):
        BENCHES[name.strip()]()
    width = max(len(r[0]) for r in rows)
    print(f"\n| {'measure':<{width}} | value | unit | note |")
    print(f"| {'-' * width} | ---: | --- | --- |")
    for name, value, unit, note in rows:
        print(f"| {name:<{width}} | {value:.3g} | {unit} | {note} |")


if __name__ == "__main__":
    main()
