"""Helpers for tests/test_nbgrader.py and benchmarks/run.py's grading rows (tests/ is on sys.path): an
nbgrader course in a folder, student submissions made from its release notebooks, and the
autograded scores."""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
_SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*\n?", re.S | re.M)


def nbgrader(course, *args, env=None, timeout=1800):
    """Run the nbgrader command in ``course``; its venv's bin/ goes first on PATH (nbgrader runs
    `alembic` from there when it creates the gradebook)."""
    bin_dir = str(pathlib.Path(sys.executable).parent)
    full_env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def make_course(course, lessons):
    from dltutor.course import make_course as _make  # noqa: PLC0415

    notebooks = [next(NOTEBOOKS.glob(f"{n}_*.ipynb")) for n in lessons]
    _make(course, notebooks)
    for n in lessons:
        nbgrader(course, "generate_assignment", f"lesson{n}", "--force")
    return notebooks


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def all_solutions(course, lesson):
    """``answers`` for :func:`submit` that put every code answer's solution in."""
    [source] = (pathlib.Path(course) / "source" / f"lesson{lesson}").glob("*.ipynb")
    return {c["metadata"]["nbgrader"]["grade_id"]: "solution" for c in json.loads(source.read_text())["cells"]
            if c["cell_type"] == "code" and c["metadata"].get("nbgrader", {}).get("solution")}


def submit(course, student, lesson, answers):
    """Write ``submitted/<student>/lesson<NN>/`` from the release notebook.

    ``answers`` maps a grade_id (``q1_answer``, ``w1``) to the code or text that replaces the
    placeholder ``# YOUR CODE HERE`` (code) or the whole cell (Markdown); the special value
    ``"solution"`` puts the source notebook's own solution in. Unnamed cells stay blank.
    """
    course = pathlib.Path(course)
    [release] = (course / "release" / f"lesson{lesson}").glob("*.ipynb")
    source = json.loads((course / "source" / f"lesson{lesson}" / release.name).read_text())
    solutions = {c["metadata"]["nbgrader"]["grade_id"]: _SOLUTION.search(_source(c)).group(1)
                 for c in source["cells"]
                 if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code"}
    nb = json.loads(release.read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id not in answers:
            continue
        answer = solutions[grade_id] if answers[grade_id] == "solution" else answers[grade_id]
        if cell["cell_type"] == "code":
            cell["source"] = _source(cell).replace("# YOUR CODE HERE", answer.rstrip("\n"))
        else:
            cell["source"] = answer
    folder = course / "submitted" / student / f"lesson{lesson}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / release.name).write_text(json.dumps(nb, indent=1))


def autograde(course, lesson, *extra):
    return nbgrader(course, "autograde", f"lesson{lesson}", "--force", *extra)


def scores(course, lesson, student):
    """``{grade_id: (score, max_score)}`` of the autograded cells, and ``needs_manual_grade``."""
    from nbgrader.api import Gradebook  # noqa: PLC0415

    course = pathlib.Path(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission(f"lesson{lesson}", student)
        cells = {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                cells[grade.name] = (grade.score, grade.max_score)
        return cells, submission.needs_manual_grade
