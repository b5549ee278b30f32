"""The package's shape: one folder per lesson, and a kit that never imports a lesson."""
import ast
import pathlib

import pytest

import dltutor

PKG = pathlib.Path(dltutor.__file__).parent
KIT = ["env", "data", "models", "training", "plots", "widgets", "exercises", "cli", "_backend",
       "_checks", "__init__"]
LESSONS = sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").is_file())


def _imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            if node.module == "dltutor":
                yield from (f"dltutor.{alias.name}" for alias in node.names)


def test_lessons_are_folders_with_their_layers():
    assert {"playground", "overfitting", "gradients"} <= set(LESSONS)
    for name in LESSONS:
        files = {p.stem for p in (PKG / name).glob("*.py")}
        assert {"__init__", "compute", "display", "explorer", "exercises"} <= files, name


@pytest.mark.parametrize("module", KIT)
def test_the_kit_imports_no_lesson(module):
    lessons = {f"dltutor.{name}" for name in LESSONS}
    bad = [m for m in _imported_modules(PKG / f"{module}.py")
           if any(m == lesson or m.startswith(lesson + ".") for lesson in lessons)]
    assert not bad, f"dltutor/{module}.py imports {bad}"


def test_compute_layers_import_no_widgets():
    for name in LESSONS:
        modules = set(_imported_modules(PKG / name / "compute.py"))
        assert not {"ipywidgets", "dltutor.widgets"} & modules, name
