"""`dltutor course`: every lesson notebook becomes a consistent nbgrader source notebook, the
hidden re-grade ignores a patched checker, and graded mode keeps answers out of the hints.
(The end-to-end nbgrader run is tests/test_nbgrader.py.)"""
import json
import pathlib
import re

import pytest

from dltutor import cli
from dltutor.course import CourseError, course_notebook, make_course, marking_guide
from dltutor.exercises import Exercise, _lesson_modules, lesson, regrade

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _nbgrader_cells(nb):
    return [(c, c["metadata"]["nbgrader"]) for c in nb["cells"] if "nbgrader" in c["metadata"]]


def test_every_lesson_has_a_notebook_and_the_reverse():
    assert sorted(p.name[:2] for p in NOTEBOOKS) == sorted(_lesson_modules())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_course_notebook_grades_every_exercise_once_with_its_points(path):
    nb = course_notebook(path)
    exercises = lesson(path.name[:2])
    cells = _nbgrader_cells(nb)
    ids = [meta["grade_id"] for _, meta in cells]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    tests = {meta["grade_id"]: (cell, meta) for cell, meta in cells if meta["grade"] and cell["cell_type"] == "code"}
    assert sorted(tests) == sorted(e.name for e in exercises)
    for e in exercises:
        cell, meta = tests[e.name]
        assert meta["locked"] and not meta["solution"] and meta["points"] == e.points
        source = "".join(cell["source"])
        assert f"ex.{e.name}.grade()" in source and "### BEGIN HIDDEN TESTS" in source
        assert f'["regrade"]("{path.name[:2]}", "{e.name}", globals())' in source
        # the answer cell sits right above its test cell
        position = nb["cells"].index(cell)
        answer = nb["cells"][position - 1]
        assert answer["metadata"]["nbgrader"] == {**answer["metadata"]["nbgrader"], "solution": True,
                                                  "grade_id": f"{e.name}_answer", "grade": False}
        assert "### BEGIN SOLUTION" in "".join(answer["source"])
        assert f"ex.{e.name}.check()" not in "".join(answer["source"])  # graded once, below
    written = {meta["grade_id"]: meta for cell, meta in cells if cell["cell_type"] == "markdown" and meta["grade"]}
    assert sorted(written) == sorted(w.name for w in exercises.written)
    assert all(meta["solution"] and not meta["locked"] for meta in written.values())
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert 'os.environ["DLTUTOR_GRADED"] = "1"' in "".join(first_code["source"])
    # the stored notebook itself keeps empty cell metadata
    stored = json.loads(path.read_text())
    assert all(not c["metadata"] for c in stored["cells"])


def _edited(tmp_path, name, edit):
    nb = json.loads(next(p for p in NOTEBOOKS if p.name.startswith("01")).read_text())
    edit(nb["cells"])
    target = tmp_path / name
    target.write_text(json.dumps(nb))
    return target


def test_a_forgotten_exercise_or_a_stray_solution_stops_the_generator(tmp_path):
    def drop_q2(cells):
        cells[:] = [c for c in cells if "ex.q2.check()" not in "".join(c["source"])]
    with pytest.raises(CourseError, match="no answer cell for q2"):
        course_notebook(_edited(tmp_path, "01_a.ipynb", drop_q2))

    def no_check(cells):
        for c in cells:
            c["source"] = "".join(c["source"]).replace("ex.q3.check()", "print(peak_features)")
    with pytest.raises(CourseError, match=r"cell \d+: an answer cell .* exactly one line `ex.qN.check\(\)`"):
        course_notebook(_edited(tmp_path, "01_b.ipynb", no_check))

    def lost_anchor(cells):
        for c in cells:
            c["source"] = "".join(c["source"]).replace("**Predict** the training accuracy", "Guess")
    with pytest.raises(CourseError, match="written question w1"):
        course_notebook(_edited(tmp_path, "01_c.ipynb", lost_anchor))

    with pytest.raises(CourseError, match="starts with its two-digit number"):
        course_notebook(_edited(tmp_path, "overfitting.ipynb", lambda cells: None))


def test_cli_writes_a_course_and_explains_bad_paths(tmp_path, capsys):
    out = tmp_path / "course"
    assert cli.main(["course", str(out), str(NOTEBOOKS[0]), str(NOTEBOOKS[1])]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "marking_guide.md", "nbgrader_config.py",
        f"source/lesson00/{NOTEBOOKS[0].name}", f"source/lesson01/{NOTEBOOKS[1].name}"]
    config = (out / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 120" in config and '"# YOUR CODE HERE"' in config
    assert cli.main(["course", str(out), str(tmp_path / "nope.ipynb")]) == 2
    assert "no notebook at" in capsys.readouterr().err


def test_regrade_ignores_a_patched_checker(monkeypatch):
    ex = lesson("01")
    monkeypatch.setattr(Exercise, "grade", lambda self, *a, **k: True)   # what a student might try
    monkeypatch.setattr(Exercise, "_check", lambda self, *a, **k: True)
    assert ex.q3.grade() is True                  # the notebook's own checker is fooled...
    with pytest.raises(AssertionError, match=r"Not yet \(q3\): 500 is not where the peak is"):
        regrade("01", "q3", {"peak_features": 500})   # ...the pristine copy is not
    with pytest.raises(AssertionError, match="define peak_features first"):
        regrade("01", "q3", {})
    assert regrade("01", "q3", {"peak_features": 1347}).passed
    assert regrade(2, "q2", {"max_sigmoid_derivative": 0.25}).passed


def _gives_away(hint, solution):
    """A hint gives the answer away when it holds a line of the solution's code (the right-hand
    side of a one-line assignment, 12 characters or more, spaces ignored)."""
    flat = re.sub(r"\s", "", hint)
    for line in solution.splitlines():
        rhs = re.sub(r"\s", "", line.split("#")[0].partition("=")[2])
        if len(rhs) >= 12 and not rhs.endswith(("(", "[", "{", ",")) and rhs in flat:
            return True
    return False


def test_graded_hints_do_not_hold_the_solution(monkeypatch):
    ex = lesson("01")
    assert _gives_away(ex.q4.hint().text, ex.q4.solution().text)   # the rule can fail
    monkeypatch.setenv("DLTUTOR_GRADED", "1")
    for number in _lesson_modules():
        for e in lesson(number):
            assert not _gives_away(e.hint().text, e._solution), f"{number}.{e.name}'s graded hint"
    assert "Solutions are hidden" in ex.q4.solution().text
    assert "permutation" not in ex.q4.hint().text


def test_instructors_guide_embeds_the_current_marking_guide():
    guide = (ROOT / "docs" / "instructors.md").read_text()
    block = re.search(r"<!-- marking-guide:start -->\n(.*?)<!-- marking-guide:end -->", guide, re.S)
    assert block, "docs/instructors.md lost its marking-guide markers"
    assert block.group(1) == marking_guide(), (
        "the marking guide changed: paste `python -c 'from dltutor.course import marking_guide; "
        "print(marking_guide(), end=\"\")'` between the markers in docs/instructors.md")


def test_make_course_writes_nothing_when_a_notebook_is_broken(tmp_path):
    good = next(p for p in NOTEBOOKS if p.name.startswith("00"))

    def no_check(cells):
        for c in cells:
            c["source"] = "".join(c["source"]).replace("ex.q1.check()", "")
    broken = _edited(tmp_path, "01_broken.ipynb", no_check)
    with pytest.raises(CourseError, match="01_broken.ipynb"):
        make_course(tmp_path / "course", [good, broken])
    assert not (tmp_path / "course").exists()
