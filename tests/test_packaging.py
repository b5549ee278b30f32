"""The install story: one dependency list, environments that agree, README commands that CI runs."""
import importlib.util
import pathlib
import re

import pytest
import yaml


@pytest.fixture(scope="module")
def setup_module_(root):
    spec = importlib.util.spec_from_file_location("dltutor_setup", root / "setup.py")
    module = importlib.util.module_from_spec(spec)
    import setuptools

    real_setup = setuptools.setup
    setuptools.setup = lambda **kw: None          # load the module without building
    try:
        spec.loader.exec_module(module)
    finally:
        setuptools.setup = real_setup
    return module


def _env_requirements(path):
    env = yaml.safe_load(path.read_text())
    reqs = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            name, spec = re.match(r"([A-Za-z0-9_.-]+)(.*)", item).groups()
            reqs[name.lower()] = spec.replace("=", "==", 1) if re.match(r"=\d", spec) else spec
    return reqs


def test_binder_environment_is_the_root_environment(root):
    assert (root / "binder" / "environment.yml").read_text() == (root / "environment.yml").read_text()


def test_environment_yml_has_every_dependency_with_the_same_bounds(root, setup_module_):
    env = _env_requirements(root / "environment.yml")
    for requirement in setup_module_.BASE_DEPENDENCIES:
        name, spec = re.match(r"([A-Za-z0-9_.-]+)(.*)", requirement).groups()
        assert env.get(name.lower()) == spec, f"{name}: pyproject {spec!r}, environment.yml {env.get(name.lower())!r}"
    tf_spec = setup_module_.TENSORFLOW.removeprefix("tensorflow")
    assert env.get("tensorflow-cpu") == tf_spec or env.get("tensorflow") == tf_spec
    assert env["jupyterlab"] == ">=4,<5"


@pytest.mark.parametrize("found, wants_tf", [
    ("", True),
    ("tensorflow 2.21.0", False),          # Colab, docker-stacks tensorflow-notebook
    ("tensorflow-cpu 2.17.1", False),      # Binder (environment.yml)
    ("tf-nightly 2.22.0.dev20261101", False),
    ("tensorflow 2.15.1", True),           # too old for Keras 3: upgrade it
])
def test_no_second_tensorflow(setup_module_, found, wants_tf):
    deps = setup_module_.dependencies(found)
    assert any(d.startswith("tensorflow>=") for d in deps) is wants_tf
    assert "keras>=3.0" in deps


def test_installed_metadata_matches(setup_module_):
    import importlib.metadata

    from packaging.requirements import Requirement

    installed = {str(Requirement(r)) for r in importlib.metadata.requires("dltutor") if "extra ==" not in r}
    for requirement in setup_module_.BASE_DEPENDENCIES:
        assert str(Requirement(requirement)) in installed, requirement


def test_binder_postbuild_installs_the_package_and_fails_fast(root):
    lines = [l for l in (root / "binder" / "postBuild").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    assert lines[0] == "set -e"
    assert any(re.search(r"pip install .*\s\.$", l) for l in lines)


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one(root):
    readme = (root / "README.md").read_text()
    section = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(\./setup\.sh \w+)", section, flags=re.M)
    assert commands == ["./setup.sh lab", "./setup.sh test"]
    ci = (root / ".ci" / "run").read_text()
    assert re.search(r"^\./setup\.sh test$", ci, flags=re.M)


def test_readme_links_binder_and_colab_correctly(root):
    readme = (root / "README.md").read_text()
    assert re.search(r"https://mybinder\.org/v2/gh/[\w-]+/dltutor/HEAD\?urlpath=lab/tree/notebooks/00_start_here\.ipynb", readme)
    assert re.search(r"https://colab\.research\.google\.com/github/[\w-]+/dltutor/blob/main/notebooks/00_start_here\.ipynb", readme)


def test_every_lesson_folder_is_installed_and_reachable(setup_module_):
    import dltutor

    lessons = sorted(p.parent.name for p in pathlib.Path(dltutor.__file__).parent.glob("*/__init__.py"))
    packages = setup_module_.packages()
    assert "dltutor.datasets" in packages and len(lessons) >= 3
    for name in lessons:
        assert f"dltutor.{name}" in packages
        assert name in dir(dltutor)
