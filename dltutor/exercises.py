"""Exercises with ``check()``, ``hint()`` and ``solution()``, as in Kaggle Learn.

This module is the machinery only; each lesson keeps its own set in
``dltutor/<lesson>/exercises.py`` (a module with ``LESSON = "01"`` and a function
``exercises()``), and :func:`lesson` finds it by that number, so adding a lesson touches no
file here. In a notebook::

    from dltutor.exercises import lesson
    ex = lesson("00")
    model = ...            # the student's answer
    ex.q1.check()          # reads `model` from the notebook, or ex.q1.check(model=model)
    ex.q1.hint()
    ex.q1.solution()

Checkers test a *property* (accuracy reached, gap closed), tolerant to seed noise, and
``check()`` never raises on a wrong answer: it says what is wrong and what to try. A graded test
cell calls ``ex.q1.grade()`` instead, which raises ``AssertionError`` with the same message; with
``DLTUTOR_GRADED=1`` set (:func:`graded`), ``solution()`` hides the answers and hints that would
give an answer away are replaced by gentler ones. Solutions in the notebooks sit between
nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers; :mod:`dltutor.course` turns
the notebooks into an nbgrader course (points, graded test cells, hidden tests that call
:func:`regrade`, and the :class:`Written` questions a teacher marks by hand).
"""
from __future__ import annotations

import dataclasses
import functools
import html
import importlib
import importlib.util
import inspect
import pkgutil

__all__ = ["Exercise", "ExerciseSet", "Written", "CheckResult", "Incorrect", "lesson", "graded", "regrade"]


def graded(environ=None):
    """True when a course grades this notebook: the environment variable ``DLTUTOR_GRADED`` is
    ``1`` (or ``true``/``yes``). Solutions are then hidden, and :meth:`Exercise.grade` is what
    graded test cells call."""
    import os  # noqa: PLC0415

    value = (os.environ if environ is None else environ).get("DLTUTOR_GRADED", "")
    return value.strip().lower() in {"1", "true", "yes"}

_MISSING = object()


class Incorrect(Exception):
    """Raised by a checker function to say what is wrong with an answer."""


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """The outcome of ``check()``: truthy when correct; shows as a coloured line in notebooks."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self):
        return self.passed

    def __str__(self):
        mark = "Correct" if self.passed else "Not yet"
        return f"{mark} ({self.exercise}): {self.message}"

    def _repr_html_(self):
        colour, mark = ("#029e73", "&#10004; Correct") if self.passed else ("#d55e00", "&#10008; Not yet")
        return (f"<div style='border-left:4px solid {colour};padding:4px 10px'>"
                f"<b style='color:{colour}'>{mark}</b> ({self.exercise}): {html.escape(self.message)}</div>")


class Exercise:
    """One question.

    Parameters
    ----------
    name : str
        "q1", shown in messages.
    prompt : str
        What to do, in one or two sentences.
    names : tuple of str
        The notebook variables the checker takes (looked up in the caller's namespace when
        ``check()`` gets no arguments).
    checker : callable
        ``checker(**answers) -> str`` returns a success message or raises :class:`Incorrect`.
    hint : str
    solution : str
        Code, shown by ``solution()``.
    points : int
        What the graded test cell is worth in a course (:mod:`dltutor.course`).
    graded_hint : str, optional
        Shown by ``hint()`` instead of ``hint`` while a course is graded, for a hint that
        practically is the answer.
    """

    def __init__(self, name, prompt, *, names, checker, hint, solution, points=1, graded_hint=None):
        self.name, self.prompt, self.names = name, prompt, tuple(names)
        self._checker, self._hint, self._solution = checker, hint, solution
        self.points, self._graded_hint = int(points), graded_hint

    def check(self, *args, **answers):
        """Check the answer; returns a :class:`CheckResult` (never raises on a wrong answer)."""
        return self._check(args, answers, inspect.currentframe().f_back.f_globals)

    def grade(self, *args, **answers):
        """Check the answer as a graded test cell does: raise ``AssertionError`` with the same
        friendly message when it is wrong or missing (so nbgrader gives no points), return the
        :class:`CheckResult` when it is right."""
        result = self._check(args, answers, inspect.currentframe().f_back.f_globals)
        if not result.passed:
            raise AssertionError(str(result))
        return result

    def _check(self, args, answers, caller):
        if args:
            if len(args) > len(self.names):
                raise TypeError(f"{self.name}.check() takes {len(self.names)} answer(s): {', '.join(self.names)}.")
            answers.update(zip(self.names, args))
        if not answers:
            answers = {n: caller.get(n, _MISSING) for n in self.names}
        missing = [n for n in self.names if answers.get(n, _MISSING) is _MISSING]
        if missing:
            return CheckResult(self.name, False, f"define {', '.join(missing)} first, then run check() again.")
        placeholder = [n for n in self.names if answers[n] is None or answers[n] is Ellipsis]
        if placeholder:
            return CheckResult(self.name, False, f"replace the placeholder in {', '.join(placeholder)} "
                                                 "with your answer.")
        try:
            message = self._checker(**{n: answers[n] for n in self.names})
        except Incorrect as exc:
            return CheckResult(self.name, False, f"{exc} Try ex.{self.name}.hint() if stuck.")
        except Exception as exc:  # noqa: BLE001 - a broken answer is a wrong answer, said kindly
            return CheckResult(self.name, False, f"running your answer raised {type(exc).__name__}: {exc}")
        return CheckResult(self.name, True, message or "well done.")

    def hint(self):
        if graded() and self._graded_hint is not None:
            return _Note(f"Hint ({self.name})", self._graded_hint)
        return _Note(f"Hint ({self.name})", self._hint)

    def solution(self):
        if graded():
            return _Note(f"Solution ({self.name})", "Solutions are hidden while this course is graded "
                         "(DLTUTOR_GRADED is set). Try the hint, and ask your instructor after the deadline.")
        return _Note(f"Solution ({self.name})", self._solution, code=True)

    def __repr__(self):
        return f"{self.name}: {self.prompt}"


@dataclasses.dataclass(frozen=True)
class _Note:
    title: str
    text: str
    code: bool = False

    def __str__(self):
        return f"{self.title}:\n{self.text}"

    def _repr_html_(self):
        body = f"<pre>{html.escape(self.text)}</pre>" if self.code else html.escape(self.text)
        return f"<div style='border-left:4px solid #0173b2;padding:4px 10px'><b>{self.title}</b><br>{body}</div>"


@dataclasses.dataclass(frozen=True)
class Written:
    """An open question that a teacher marks by hand (an nbgrader "manually graded answer").

    ``after`` is a piece of text that occurs in exactly one cell of the lesson's notebook: the
    course version puts a Markdown answer cell right after that cell. ``answer`` is the model
    answer and marking guide; it is what the instructor's copy shows, and the students' copy
    replaces it by "YOUR ANSWER HERE".
    """

    name: str
    after: str
    prompt: str
    answer: str
    points: int = 2


class ExerciseSet:
    """The exercises of one lesson, as attributes ``q1``, ``q2``, ...; ``written`` holds the
    lesson's :class:`Written` questions (only the course version of a notebook shows them)."""

    def __init__(self, title, exercises, written=()):
        self.title = title
        self._exercises = {ex.name: ex for ex in exercises}
        self.written = tuple(written)

    def __getattr__(self, name):
        try:
            return self.__dict__["_exercises"][name]
        except KeyError:
            raise AttributeError(f"No exercise {name!r}; this set has {', '.join(self._exercises)}.") from None

    def __iter__(self):
        return iter(self._exercises.values())

    def __repr__(self):
        return "\n".join([self.title, *(f"  {ex!r}" for ex in self)])


@functools.lru_cache(maxsize=1)
def _lesson_modules():
    """``{"00": "dltutor.playground.exercises", ...}``: every lesson folder with an exercises module.

    Found by looking at the package's folders (no lesson is imported to find them): a lesson's
    ``exercises.py`` declares its number in a line ``LESSON = "NN"``.
    """
    import re  # noqa: PLC0415

    import dltutor  # noqa: PLC0415

    found = {}
    for info in pkgutil.iter_modules(dltutor.__path__):
        if not info.ispkg:
            continue
        spec = importlib.util.find_spec(f"dltutor.{info.name}.exercises")
        if spec is None or spec.origin is None:
            continue
        with open(spec.origin, encoding="utf-8") as source:
            match = re.search(r'^LESSON = "(\d+)"', source.read(), re.MULTILINE)
        if match:
            found[match.group(1)] = spec.name
    return dict(sorted(found.items()))


def lesson(number):
    """The exercise set of a lesson: ``ex = lesson("00")``.

    Parameters
    ----------
    number : str or int
        The lesson's two-digit number, as in its notebook's name (``"01"`` or ``1``).
    """
    return importlib.import_module(_lesson_module(number)).exercises()


def _lesson_module(number):
    """The name of lesson ``number``'s exercises module; a ValueError names the lessons there are."""
    from dltutor._checks import check_choice  # noqa: PLC0415

    key = f"{number:02d}" if isinstance(number, int) and not isinstance(number, bool) else str(number)
    modules = _lesson_modules()
    check_choice("lesson", key, tuple(modules))
    return modules[key]


def regrade(number, name, namespace):
    """Grade exercise ``name`` of lesson ``number`` with a pristine copy of its checker.

    The hidden test of a course's graded cell calls this from a fresh copy of this file
    (``runpy.run_path``), which then loads the lesson's ``exercises.py`` source afresh, so an
    answer cell that patches ``Exercise``, ``ex`` or the checker in the notebook does not change
    the verdict. ``namespace`` is the notebook's ``globals()``. Raises ``AssertionError`` when
    the answer is wrong or missing. (A student who reads this package's source can still get
    round it; see docs/instructors.md.)
    """
    import sys  # noqa: PLC0415
    import types  # noqa: PLC0415

    fresh = types.ModuleType("dltutor.exercises")  # this file, executed afresh
    fresh.__file__ = __file__
    with open(__file__, encoding="utf-8") as source:
        exec(compile(source.read(), __file__, "exec"), fresh.__dict__)  # noqa: S102
    origin = importlib.util.find_spec(fresh._lesson_module(number)).origin
    with open(origin, encoding="utf-8") as source:
        code = compile(source.read(), origin, "exec")
    saved = sys.modules.get("dltutor.exercises")
    sys.modules["dltutor.exercises"] = fresh  # the lesson's `from dltutor.exercises import ...`
    try:
        module = {"__name__": "_dltutor_regrade", "__file__": origin}
        exec(code, module)  # noqa: S102 - our own file, read from the installed package
    finally:
        if saved is None:
            del sys.modules["dltutor.exercises"]
        else:
            sys.modules["dltutor.exercises"] = saved
    result = getattr(module["exercises"](), name)._check((), {}, namespace)
    if not result.passed:
        raise AssertionError(str(result))
    return result
