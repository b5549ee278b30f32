"""Helpers shared by the lesson tests (tests/ is on sys.path, as for conftest)."""
def assert_wrong_answers_fail(number, wrong, wrong_multi=None, *, exempt=()):
    """Every exercise of lesson ``number`` has wrong answers listed, and each fails with a reason.

    ``wrong`` maps ``"q1"`` to single answers, ``wrong_multi`` to tuples of answers (for
    exercises with several names); ``exempt`` names exercises tested elsewhere.
    """
    from dltutor.exercises import lesson

    wrong_multi = wrong_multi or {}
    exercises = lesson(number)
    listed = {ex.name for ex in exercises} - set(exempt)
    assert listed <= set(wrong) | set(wrong_multi), listed - set(wrong) - set(wrong_multi)
    for name, answers in [*wrong.items(), *wrong_multi.items()]:
        exercise = getattr(exercises, name)
        for answer in answers:
            args = answer if name in wrong_multi else (answer,)
            result = exercise.check(*args)
            assert not result.passed, f"{number}-{name}: {answer!r} should not pass"
            assert len(result.message) > 20
