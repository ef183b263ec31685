"""The package's import graph: no cycles, and a light ``import kequn_lib``.

Imports are read from the source with :mod:`ast`, at module level and inside functions alike:
an import deferred into a function still ties the two modules together.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import kequn_lib as kq

PACKAGE = Path(kq.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = ["kequn_lib", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def import_graph() -> dict[str, set[str]]:
    """Module -> the kequn_lib modules it imports (a name imported from a package counts as
    the submodule of that name when there is one)."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = _resolve(name, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                while target and target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules (first = last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _is_parent(pkg: str, module: str) -> bool:
    return module.startswith(pkg + ".")


def test_no_import_cycle_inside_kequn_lib():
    graph = import_graph()
    # a package's __init__ re-exporting its own submodules is not a cycle with them; a
    # submodule importing a name through its parent package's __init__ would be
    graph = {m: {t for t in ts if not _is_parent(m, t)} for m, ts in graph.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_cycle_finder_finds_a_known_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "kequn_lib.backends" in graph["kequn_lib.tiering"]
    assert "kequn_lib.backends._dask" in graph["kequn_lib.tiering"]


def test_import_loads_no_heavy_engine():
    code = (
        "import sys, kequn_lib\n"
        "heavy = ['duckdb', 'dask', 'distributed', 'statsmodels', 'nbclient', 'nbconvert',\n"
        "         'matplotlib', 'seaborn', 'pandera', 'sklearn']\n"
        "print(' '.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_lazy_export_table_matches_every_module():
    """kq.<name> resolves through kequn_lib._EXPORTS: it must list each module's __all__, and
    every public module with an __all__ must be listed (a new module: register it there)."""
    table = kq._EXPORTS
    for module, names in table.items():
        mod = importlib.import_module(f"kequn_lib.{module}")
        assert list(names) == list(mod.__all__), f"kequn_lib._EXPORTS[{module!r}] is stale"
    children = {p.stem if p.suffix == ".py" else p.name for p in PACKAGE.iterdir()
                if (p.suffix == ".py" or (p / "__init__.py").exists())
                and not p.name.startswith("_")}
    for child in sorted(children - {"report"}):
        mod = importlib.import_module(f"kequn_lib.{child}")
        if getattr(mod, "__all__", None):
            assert child in table, f"register kequn_lib.{child} in kequn_lib._EXPORTS"
    assert len(kq.__all__) == len(set(kq.__all__))
    assert sorted(kq.__all__) == sorted(n for names in table.values() for n in names)


def test_lazy_names_resolve_to_their_objects():
    from kequn_lib.tiering import aum_tiers

    assert kq.aum_tiers is aum_tiers
    assert kq.tiering.aum_tiers is aum_tiers
    assert set(kq.__all__) <= set(dir(kq))
    try:
        kq.no_such_name  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:  # pragma: no cover
        raise AssertionError("an unknown name must raise AttributeError")
