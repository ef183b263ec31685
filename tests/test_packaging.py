"""Repository hygiene: clean notebooks, matching environment files, public API, lint."""

from __future__ import annotations

import inspect
import json
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

import kequn_lib as kq

from .conftest import REPO


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((REPO / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{path.name} has outputs: clear them"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_notebooks_have_title_summary_and_parameters():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        assert re.match(r"\d\d_[a-z0-9_]+\.ipynb$", path.name), path.name
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = "".join(nb["cells"][0]["source"])
        assert nb["cells"][0]["cell_type"] == "markdown" and first.startswith("# "), path.name
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"


def _names(requirements):
    """name -> version spec; pip extras (``dask[dataframe]``) are not part of either."""
    out = {}
    for req in requirements:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)", req)
        out[m.group(1).lower().replace("_", "-")] = m.group(3).split("#")[0].replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = _names(project["dependencies"] + project["optional-dependencies"]["dev"])
    conda, pip = {}, {}
    text = (REPO / "environment.yml").read_text(encoding="utf-8")
    for line in text.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s{6}- (.+)$", line)
        if m and not m.group(1).startswith("-e"):
            pip.update(_names([m.group(1)]))
            continue
        m = re.match(r"^\s{2}- ([A-Za-z].*)$", line)
        if m and not m.group(1).startswith(("pip", "python")):
            conda.update(_names([m.group(1)]))
    listed = {**conda, **pip}
    assert set(listed) == set(wanted), set(listed) ^ set(wanted)
    # a valid conda spec: conda names (no pip extras), kequn itself installed with --no-deps
    specs = [ln for ln in text.split("dependencies:", 1)[1].splitlines() if ln.startswith("  - ")]
    assert not [ln for ln in specs if "[" in ln], "conda names take no pip extras"
    assert "-e ." not in text.split("  - pip:", 1)[1] and "pip install --no-deps -e ." in text
    for name, pin in wanted.items():
        assert listed[name] == pin, f"{name}: pyproject {pin!r} vs environment.yml {listed[name]!r}"
    assert "<3.13" in wanted["matplotlib"]


def test_every_public_name_is_documented_and_importable():
    assert len(kq.__all__) == len(set(kq.__all__)), "a public name is exported twice"
    for name in kq.__all__:
        obj = getattr(kq, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"kq.{name} has no docstring"


def test_top_level_namespace_leaks_nothing():
    """``kq.__all__`` and ``dir(kq)`` list public names only: no typing helpers, no
    ``annotations``/``importlib``, no private modules; every module in ``dir`` is documented."""
    import types

    leaked = {"Any", "annotations", "importlib", "import_module", "_import_module"}
    assert not leaked & set(kq.__all__)
    assert not leaked & set(dir(kq))
    assert not [n for n in kq.__all__ if n.startswith("_")]
    assert not [n for n in kq.__all__ if isinstance(getattr(kq, n), types.ModuleType)]
    names = set(dir(kq))
    assert set(kq.__all__) <= names
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    modules = sorted(n for n in names - set(kq.__all__) if n != "__version__")
    assert all(isinstance(getattr(kq, n), types.ModuleType) for n in modules), modules
    documented = inspect.getdoc(kq)
    assert all(f"``{n}``" in documented for n in modules), modules
    for name in kq.__all__:  # each public object is defined inside kequn, not re-exported
        obj = getattr(kq, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__module__.startswith("kequn_lib"), (name, obj.__module__)


def test_no_machine_paths_in_tracked_files():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split()
    pattern = re.compile(r"""(^|["' =(])/(work|farm|tmp|root|home)/""")
    for name in files:
        path = REPO / name
        if path.suffix in {".py", ".md", ".toml", ".yml", ".cfg", ".txt", ".csv"} \
                and path.is_file():
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                assert not pattern.search(line), f"{name}:{i}: {line.strip()}"


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(REPO / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e .[dev])")
    result = subprocess.run([ruff, "check", str(REPO)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_has_no_output():
    code = "import kequn_lib"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "" and out.stderr == ""


def test_every_subpackage_ships_in_the_wheel():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(project["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(REPO).parts)
        for p in (REPO / "kequn_lib").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert "kequn_lib.data" in listed  # the curated tables (data/) ship inside the wheel


def test_the_licence_is_declared_and_shipped():
    """An SPDX licence expression (not the deprecated table form) and the licence text beside it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "The kequn developers" in text
