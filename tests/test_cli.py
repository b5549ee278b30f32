import json
import subprocess
import sys

from dltutor.cli import main, make_student_copy, strip_solutions


def test_strip_solutions_keeps_the_rest():
    src = "x = None\n### BEGIN SOLUTION\nx = 42\n### END SOLUTION\nex.q1.check()\n"
    assert strip_solutions(src) == "x = None\n# YOUR CODE HERE\nex.q1.check()\n"
    indented = "if True:\n    ### BEGIN SOLUTION\n    y = 1\n    ### END SOLUTION\n"
    assert strip_solutions(indented) == "if True:\n    # YOUR CODE HERE\n"


def test_student_copy_of_every_notebook(root, tmp_path):
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        make_student_copy(path, tmp_path / path.name)
        nb = json.loads((tmp_path / path.name).read_text())
        text = "".join("".join(c["source"]) for c in nb["cells"])
        assert "BEGIN SOLUTION" not in text
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


def test_cli_student_and_bench_errors(root, tmp_path, capsys):
    assert main(["student", str(root / "notebooks" / "00_start_here.ipynb"), "--out", str(tmp_path)]) == 0
    assert "solution block(s) removed" in capsys.readouterr().out
    assert main(["student", str(tmp_path / "missing.ipynb"), "--out", str(tmp_path)]) == 2
    assert main(["bench", "--repo", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


def test_dltutor_doctor_command_runs():
    out = subprocess.run([sys.executable, "-m", "dltutor.cli", "doctor"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "tensorflow" in out.stdout and "All good" in out.stdout
