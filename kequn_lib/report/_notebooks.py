"""Reading the chapters: titles, summaries and the parameters each notebook declares."""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._validation import fmt_values
from ..errors import KequnError, ParameterError


class ReportError(KequnError, RuntimeError):
    """A notebook failed to execute, or the report could not be written."""


class ReportParameterError(ReportError, ParameterError):
    """A report parameter is not a plain literal, or no notebook declares it."""


@dataclass(frozen=True)
class Chapter:
    """One notebook of the report: where it is and how the index presents it."""

    path: Path
    title: str
    summary: str

    @property
    def name(self) -> str:
        """The notebook's file name without ``.ipynb`` (also the page name)."""
        return self.path.stem

    @property
    def page(self) -> str:
        """File name of the chapter's HTML page."""
        return f"{self.path.stem}.html"


def read(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as err:
        raise ReportError(f"cannot read notebook {path.name}: {err}") from None


def chapter(path: Path, nb: Any) -> Chapter:
    """Title (first ``#`` heading) and summary (the paragraph after it) of a notebook."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [ln.strip() for ln in cell.source.splitlines()]
        title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), path.stem)
        # the summary is the whole first paragraph (it may run over several source lines)
        paragraph: list[str] = []
        for ln in lines:
            if ln.startswith("#") or not ln:
                if paragraph:
                    break
                continue
            paragraph.append(ln)
        return Chapter(path, title, " ".join(paragraph))
    return Chapter(path, path.stem, "")


def parameter_names(nb: Any) -> tuple[int | None, set[str]]:
    """Index of the cell tagged ``parameters`` and the names it assigns."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            names: set[str] = set()
            try:
                body = ast.parse(cell.source).body
            except SyntaxError as err:
                msg = f"the parameters cell (cell {i + 1}) does not parse: {err.msg}."
                raise ReportError(msg) from None
            for node in body:
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign):
                    targets = [node.target]
                else:
                    targets = []
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            return i, names
    return None, set()


_PLAIN = (str, int, float, bool, type(None))


def check_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Refuse anything but plain literals (str, int, float, bool, None) under identifier names.

    The values are written into the notebooks as Python source, so an object's own ``repr``
    must never run: only these types are accepted, checked by exact type.
    """
    params = dict(params or {})
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            msg = f"build: parameter name {name!r} is not a Python identifier."
            raise ReportParameterError(msg)
        if type(value) not in _PLAIN:
            msg = (
                f"build: parameter {name}={type(value).__name__} object; parameters must be "
                "plain literals (str, int, float, bool or None). Pass e.g. "
                f"{{{name!r}: 'value'}}."
            )
            raise ReportParameterError(msg)
        if isinstance(value, float) and not math.isfinite(value):
            msg = f"build: parameter {name}={value} is not a finite number."
            raise ReportParameterError(msg)
    return params


def check_declared(params: Mapping[str, Any], declared: Mapping[str, set[str]]) -> None:
    """Every parameter must be declared by at least one of the chapters being built."""
    everything = set().union(*declared.values()) if declared else set()
    unknown = sorted(set(params) - everything)
    if unknown:
        msg = (
            f"build: parameter(s) {fmt_values(unknown)} are not declared by any notebook "
            f"being built. Declared parameters: {fmt_values(sorted(everything), 20)}."
        )
        raise ReportParameterError(msg)


def select(chapters: Sequence[Chapter], only: Sequence[str] | None) -> list[Chapter]:
    if not only:
        return list(chapters)
    if isinstance(only, str):
        only = [only]
    chosen = [c for c in chapters if any(c.path.name.startswith(str(o)) for o in only)]
    if not chosen:
        names = fmt_values([c.name for c in chapters], 20)
        msg = (
            f"build: no notebook matches only={list(only)!r}. Pass prefixes of the chapter "
            f"file names ({names}), e.g. only=['01']."
        )
        raise ReportError(msg)
    return chosen


def list_chapters(notebooks: str | Path | None = None, *, default: Path) -> list[Chapter]:
    folder = Path(notebooks) if notebooks is not None else default
    if not folder.is_dir():
        msg = f"notebook folder {folder.name!r} does not exist; pass notebooks=<folder>."
        raise ReportError(msg)
    paths = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ReportError(f"no notebooks named NN_*.ipynb in {folder.name!r}.")
    return [chapter(p, read(p)) for p in paths]
