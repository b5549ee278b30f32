"""The ``dltutor`` command: ``dltutor doctor``, ``dltutor student``, ``dltutor course``, ``dltutor bench``."""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import subprocess
import sys

__all__ = ["main", "make_student_copy"]

_SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                       re.DOTALL | re.MULTILINE)


def strip_solutions(source):
    """Replace every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block by a placeholder."""
    return _SOLUTION.sub(lambda m: f"{m.group(1)}# YOUR CODE HERE{m.group(2)}", source)


def make_student_copy(src, dst):
    """Write a student copy of notebook ``src`` to ``dst``: solutions removed, outputs cleared.

    Returns the number of solution blocks removed.
    """
    nb = json.loads(pathlib.Path(src).read_text())
    removed = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        new = strip_solutions(source)
        removed += len(_SOLUTION.findall(source))
        cell["source"] = new
        cell["outputs"] = []
        cell["execution_count"] = None
    pathlib.Path(dst).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return removed


def _doctor(args):
    from dltutor.env import doctor  # noqa: PLC0415

    report = doctor()
    print(report)
    return 0 if report.ok else 1


def _student(args):
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for src in args.notebooks:
        src = pathlib.Path(src)
        if not src.is_file():
            print(f"error: no notebook at {src}", file=sys.stderr)
            return 2
        n = make_student_copy(src, out / src.name)
        print(f"{out / src.name}: {n} solution block(s) removed")
    return 0


def _course(args):
    from dltutor.course import CourseError, make_course  # noqa: PLC0415

    notebooks = args.notebooks or sorted(pathlib.Path("notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not notebooks:
        print("error: no lesson notebooks given, and none in ./notebooks; pass their paths "
              "(dltutor course DIR notebooks/*.ipynb).", file=sys.stderr)
        return 2
    missing = [str(nb) for nb in notebooks if not pathlib.Path(nb).is_file()]
    if missing:
        print(f"error: no notebook at {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        written = make_course(args.out, notebooks, course_id=args.course_id)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    out = pathlib.Path(args.out)
    print(f"{out / 'nbgrader_config.py'}\n{out / 'marking_guide.md'}\n"
          f"Next: cd {out} && nbgrader generate_assignment lessonNN (docs/instructors.md).")
    return 0


def _bench(args):
    script = pathlib.Path(args.repo) / "benchmarks" / "run.py"
    if not script.is_file():
        print(f"error: {script} not found; run `dltutor bench` from a dltutor checkout "
              "(or pass --repo PATH).", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(script), *args.rest])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dltutor", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check versions, device, memory limit; exit 1 on problems")
    p = sub.add_parser("student", help="make student copies of notebooks (solutions removed)")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--out", default="student", help="output folder (default: ./student)")
    p = sub.add_parser("course", help="write an nbgrader course folder from the lesson notebooks")
    p.add_argument("out", help="the course folder to write (created if needed)")
    p.add_argument("notebooks", nargs="*", help="lesson notebooks (default: notebooks/NN_*.ipynb)")
    p.add_argument("--course-id", default="dltutor")
    p = sub.add_parser("bench", help="run benchmarks/run.py and print its table")
    p.add_argument("--repo", default=".")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    return {"doctor": _doctor, "student": _student, "course": _course, "bench": _bench}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
