"""An nbgrader course from the lesson notebooks: ``dltutor course DIR``.

The notebooks in ``notebooks/`` stay plain (no cell metadata, ``ex.qN.check()`` never raises), so
a student who just opens them sees nothing of grading. :func:`make_course` writes an nbgrader
course folder whose ``source/lessonNN/`` notebooks carry the grading:

* a locked cell at the top that switches on graded mode (``DLTUTOR_GRADED=1``: no solutions,
  gentler hints);
* every exercise's answer cell (the one with ``### BEGIN SOLUTION``) becomes an nbgrader
  *solution* cell, followed by a locked *graded test* cell worth the exercise's points that calls
  ``ex.qN.grade()`` (it raises, so earns nothing, on a wrong or blank answer) and, in
  ``### BEGIN HIDDEN TESTS``, grades again with a pristine copy of the checker
  (:func:`dltutor.exercises.regrade`);
* every :class:`~dltutor.exercises.Written` question becomes a locked prompt and a manually graded
  Markdown answer cell, whose instructor's text is the marking guide.

It checks as it goes: an exercise without an answer cell, an answer cell without its
``ex.qN.check()``, or a written question whose anchor text is not in exactly one cell stops it
with a message naming the lesson, so a new lesson cannot forget its grading
(tests/test_course.py runs it on every notebook).
"""
from __future__ import annotations

import json
import pathlib
import re

__all__ = ["course_notebook", "make_course", "marking_guide", "CourseError", "EXECUTE_TIMEOUT"]

#: The per-cell timeout the generated nbgrader_config.py sets (nbgrader's default is 30 s). Every
#: cell of every lesson runs in under 30 s on one core (benchmarks/README.md); 120 s leaves room
#: for a server grading several students at once.
EXECUTE_TIMEOUT = 120

_ANSWER_CHECK = re.compile(r"^[ \t]*ex\.(q\d+)\.check\(\)[ \t]*$", re.MULTILINE)
_NUMBER = re.compile(r"^(\d\d)_")

CONFIG = '''\
# nbgrader configuration written by `dltutor course`.
# Workflow: docs/instructors.md in the dltutor repository.
c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.course_id = "{course_id}"
# Keep the notebook's own placeholder (`model = None  # replace ...`) above the stub, so a blank
# answer gets dltutor's "replace the placeholder" message instead of NotImplementedError.
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Per-cell limit while autograding. Every lesson's slowest cell takes under 30 s on one core
# (nbgrader's default), measured in benchmarks/; {timeout} s leaves room for a busy server.
c.Execute.timeout = {timeout}
'''

GRADED_MODE = ('import os\n'
               'os.environ["DLTUTOR_GRADED"] = "1"   # graded copy: solution() is off, hints give less away')


class CourseError(ValueError):
    """A notebook cannot be turned into a graded one; the message says which cell and why."""


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _meta(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(cell_type, source, metadata, cell_id):
    cell = {"cell_type": cell_type, "id": cell_id, "metadata": metadata, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def test_cell_source(number, name, points):
    """The graded test cell of exercise ``name``: visible ``grade()``, hidden pristine re-grade."""
    return (f"# Graded test ({name}, {points} point{'s' if points != 1 else ''}): it passes when your "
            f"answer above is right.\n"
            f"ex.{name}.grade()\n"
            "### BEGIN HIDDEN TESTS\n"
            "# Grade again with a pristine copy of the checker: patching `ex` or `Exercise` in the\n"
            "# notebook does not change the verdict.\n"
            "import pathlib as _pathlib, runpy as _runpy, dltutor as _dltutor\n"
            '_runpy.run_path(str(_pathlib.Path(_dltutor.__file__).parent / "exercises.py"))["regrade"]'
            f'("{number}", "{name}", globals())\n'
            "### END HIDDEN TESTS")


def lesson_number(path):
    """``"01"`` for ``01_overfitting.ipynb``."""
    match = _NUMBER.match(pathlib.Path(path).name)
    if not match:
        raise CourseError(f"{pathlib.Path(path).name}: a lesson notebook's name starts with its "
                          "two-digit number, like 01_overfitting.ipynb.")
    return match.group(1)


def course_notebook(path):
    """The nbgrader source version of lesson notebook ``path`` (a notebook dict)."""
    from dltutor.exercises import lesson  # noqa: PLC0415

    path = pathlib.Path(path)
    number = lesson_number(path)
    exercises = lesson(number)
    nb = json.loads(path.read_text(encoding="utf-8"))
    where = path.name
    cells, answered = [], {}
    anchors = {w.name: [] for w in exercises.written}
    for index, cell in enumerate(nb["cells"]):
        source = _source(cell)
        if "### BEGIN SOLUTION" not in source:
            cells.append(cell)
        elif cell["cell_type"] != "code":
            raise CourseError(f"{where}, cell {index}: ### BEGIN SOLUTION belongs in a code cell "
                              "that ends with `ex.qN.check()`.")
        else:
            names = _ANSWER_CHECK.findall(source)
            if len(names) != 1:
                raise CourseError(f"{where}, cell {index}: an answer cell (it has ### BEGIN SOLUTION) "
                                  "must end with exactly one line `ex.qN.check()` naming its exercise; "
                                  f"found {len(names)}.")
            name = names[0]
            if name in answered:
                raise CourseError(f"{where}, cells {answered[name]} and {index}: two answer cells for {name}.")
            try:
                exercise = getattr(exercises, name)
            except AttributeError:
                raise CourseError(f"{where}, cell {index}: `ex.{name}` is not an exercise of lesson "
                                  f"{number} ({', '.join(e.name for e in exercises)}).") from None
            answered[name] = index
            cell["source"] = _ANSWER_CHECK.sub(f"# The graded test cell below checks {name}.", source)
            cell["metadata"] = _meta(f"{name}_answer", solution=True)
            cells.append(cell)
            cells.append(_cell("code", test_cell_source(number, name, exercise.points),
                               _meta(name, grade=True, locked=True, points=exercise.points),
                               f"dltutor-{name}-test"))
        for w in exercises.written:   # a written question goes right after its anchor cell
            if w.after in source:
                anchors[w.name].append(index)
                cells.append(_cell("markdown", f"**Written answer ({w.name}, {w.points} points).** "
                                   f"{w.prompt}", _meta(f"{w.name}_prompt", locked=True),
                                   f"dltutor-{w.name}-prompt"))
                cells.append(_cell("markdown", w.answer, _meta(w.name, solution=True, grade=True,
                                                               points=w.points),
                                   f"dltutor-{w.name}-answer"))
    missing = [e.name for e in exercises if e.name not in answered]
    if missing:
        raise CourseError(f"{where}: no answer cell for {', '.join(missing)} (a code cell with "
                          "### BEGIN SOLUTION ... ### END SOLUTION and `ex.qN.check()`).")
    for name, found in anchors.items():
        if len(found) != 1:
            raise CourseError(f"{where}: written question {name}'s text `after` must occur in exactly "
                              f"one cell; it occurs in {len(found)}.")
    cells.insert(1, _cell("code", GRADED_MODE, _meta("graded_mode", locked=True), "dltutor-graded-mode"))
    nb["cells"] = cells
    return nb


def marking_guide(numbers=None):
    """Points and marking guide of every exercise, as Markdown (docs/instructors.md embeds it)."""
    from dltutor.exercises import _lesson_modules, lesson  # noqa: PLC0415

    lines = ["| Lesson | Item | Points | Auto? | What earns the points |",
             "|---|---|---|---|---|"]
    total = 0
    for number in numbers or _lesson_modules():
        exercises = lesson(number)
        for e in exercises:
            lines.append(f"| {number} | {e.name} | {e.points} | auto | {e.prompt} |")
            total += e.points
        for w in exercises.written:
            lines.append(f"| {number} | {w.name} | {w.points} | by hand | {w.prompt} *Guide:* {w.answer} |")
            total += w.points
    lines = [line.replace("\n", " ") for line in lines]
    return "\n".join([*lines, "", f"Together: {total} points."]) + "\n"


def make_course(out, notebooks, *, course_id="dltutor", timeout=EXECUTE_TIMEOUT):
    """Write an nbgrader course folder at ``out`` from lesson notebooks.

    Creates ``out/nbgrader_config.py``, ``out/marking_guide.md`` and
    ``out/source/lessonNN/<notebook>`` for each notebook; returns the notebooks' paths. Files
    already there are replaced; nothing else in ``out`` is touched.
    """
    out = pathlib.Path(out)
    written = []
    built = [(pathlib.Path(nb), course_notebook(nb)) for nb in notebooks]  # fail before writing
    for src, nb in built:
        folder = out / "source" / f"lesson{lesson_number(src)}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / src.name
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    (out / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_id, timeout=int(timeout)))
    (out / "marking_guide.md").write_text(
        "# Marking guide\n\n" + marking_guide([lesson_number(src) for src, _ in built]))
    return written
