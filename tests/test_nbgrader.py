"""nbgrader end to end, as an instructor runs it: `dltutor course`, `nbgrader generate_assignment`,
four students' submissions of lessons 00 and 01, `nbgrader autograde`, and the scores in the
gradebook. Correct work earns every automatic point, blank work none, plausible wrong work only
what it got right, and patching the checker in the notebook earns nothing."""
import json

import pytest

import nbgrader_flow as flow

pytestmark = pytest.mark.notebook

LINEAR = "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])"
PATCH = ("from dltutor.exercises import Exercise\n"
         "Exercise.grade = lambda self, *args, **kwargs: True   # 'pass everything'\n")
SUBMISSIONS = {
    "00": {
        "alice": {"q1_answer": "solution", "w1": "None: a line cannot separate any of them."},
        "bob": {},
        "carol": {"q1_answer": LINEAR},
        "eve": {"q1_answer": PATCH + LINEAR},
    },
    "01": {
        "alice": {"q1_answer": "solution", "q2_answer": "solution", "q3_answer": "solution",
                  "q4_answer": "solution", "w1": "100% and 10%: it memorizes."},
        "bob": {},
        "carol": {  # plausible mistakes, one right answer
            "q1_answer": 'early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=30)',
            "q2_answer": "l2 = 0.1",
            "q3_answer": "peak_features = 1347",
            "q4_answer": "y_random = y_train.copy()",
        },
    },
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    flow.make_course(course, list(SUBMISSIONS))
    for lesson, students in SUBMISSIONS.items():
        for student, answers in students.items():
            flow.submit(course, student, lesson, answers)
        flow.autograde(course, lesson)
    return course


def _code_total(cells):
    return sum(score for name, (score, _) in cells.items() if name.startswith("q"))


def _code_max(cells):
    return sum(top for name, (_, top) in cells.items() if name.startswith("q"))


def test_release_has_no_solutions_and_keeps_the_placeholders(course):
    release = (course / "release" / "lesson01" / "01_overfitting.ipynb").read_text()
    assert "### BEGIN SOLUTION" not in release and "HIDDEN TESTS" not in release
    assert "restore_best_weights=True" not in release and "regrade" not in release
    nb = json.loads(release)
    answer = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q2_answer")
    assert "".join(answer["source"]).startswith("l2 = None")


def test_correct_work_earns_every_automatic_point(course):
    for lesson, expected_max in (("00", 2), ("01", 5)):
        cells, needs_manual = flow.scores(course, lesson, "alice")
        assert _code_max(cells) == expected_max
        assert _code_total(cells) == expected_max, cells
        assert needs_manual  # the written answer waits for the teacher


def test_blank_work_earns_nothing(course):
    for lesson in SUBMISSIONS:
        cells, needs_manual = flow.scores(course, lesson, "bob")
        assert all(score == 0 for score, _ in cells.values()), cells
        assert not needs_manual  # an untouched written answer is scored 0 automatically


def test_plausible_wrong_work_earns_only_what_is_right(course):
    cells, _ = flow.scores(course, "00", "carol")
    assert _code_total(cells) == 0
    cells, _ = flow.scores(course, "01", "carol")
    assert {name: score for name, (score, _) in cells.items() if name.startswith("q")} == {
        "q1": 0, "q2": 0, "q3": 1, "q4": 0}


def test_patching_the_checker_earns_nothing(course):
    cells, _ = flow.scores(course, "00", "eve")
    assert _code_total(cells) == 0
    nb = json.loads((course / "autograded" / "eve" / "lesson00" / "00_start_here.ipynb").read_text())
    test = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q1")
    [error] = [o for o in test["outputs"] if o["output_type"] == "error"]
    assert error["ename"] == "AssertionError"
    assert "it needs 90%" in error["evalue"]  # the pristine checker's verdict, in words
