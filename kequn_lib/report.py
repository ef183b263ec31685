"""Execute the notebooks in a fresh kernel and render the static HTML report.

``make report`` calls :func:`main`; the same build is available from Python::

    import kequn_lib as kq
    kq.report.build(params={"N_CUSTOMERS": 20_000, "SEED": 1})

The report is a folder: ``index.html`` (one entry per chapter with its title and one-line
summary), one page per notebook (each linking back to the index and on to the next chapter),
``api.html`` (the API reference, generated from the docstrings) and ``key_figures.json`` (the
headline numbers each notebook declares with :func:`kequn_lib.key_figures`). Pages carry a
subset of an OFL-licensed CJK font, so Chinese text shows on machines without one.

The build writes into a temporary folder next to the output and swaps it in only when every
notebook has run, so a failed build never leaves a half-overwritten report.
"""

from __future__ import annotations

import argparse
import ast
import base64
import copy
import html
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._display import KEY_FIGURES_MIME
from ._validation import fmt_values
from .errors import KequnError, ParameterError

__all__ = ["Chapter", "ReportError", "build", "execute_notebook", "list_chapters", "main"]

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTEBOOKS = REPO_ROOT / "notebooks"
DEFAULT_OUTPUT = REPO_ROOT / "reports"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class ReportError(KequnError, RuntimeError):
    """A notebook failed to execute, or the report could not be written."""


@dataclass(frozen=True)
class Chapter:
    """One notebook of the report: where it is and how the index presents it."""

    path: Path
    title: str
    summary: str

    @property
    def page(self) -> str:
        """File name of the chapter's HTML page."""
        return f"{self.path.stem}.html"


# --- reading notebooks -------------------------------------------------------------------------


def _read(path: Path) -> Any:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as err:
        raise ReportError(f"cannot read notebook {path.name}: {err}") from None


def _chapter(path: Path, nb: Any) -> Chapter:
    """Title (first ``#`` heading) and summary (the paragraph after it) of a notebook."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        lines = [ln.strip() for ln in cell.source.splitlines()]
        title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), path.stem)
        rest = [ln for ln in lines if ln and not ln.startswith("#")]
        return Chapter(path, title, rest[0] if rest else "")
    return Chapter(path, path.stem, "")


def list_chapters(notebooks: str | Path | None = None) -> list[Chapter]:
    """List the report's chapters: ``NN_*.ipynb`` files in reading (file-name) order.

    Parameters
    ----------
    notebooks : str or Path, optional
        Folder of the notebooks; the repository's ``notebooks/`` by default.

    Returns
    -------
    list of Chapter

    Raises
    ------
    ReportError
        If the folder does not exist or holds no notebook.
    """
    folder = Path(notebooks) if notebooks is not None else DEFAULT_NOTEBOOKS
    if not folder.is_dir():
        raise ReportError(f"notebook folder {folder} does not exist; pass notebooks=<folder>.")
    paths = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ReportError(f"no notebooks named NN_*.ipynb in {folder}.")
    return [_chapter(p, _read(p)) for p in paths]


def _parameter_names(nb: Any) -> tuple[int | None, set[str]]:
    """Index of the cell tagged ``parameters`` and the names it assigns."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            names: set[str] = set()
            for node in ast.parse(cell.source).body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            return i, names
    return None, set()


def _inject(nb: Any, params: Mapping[str, Any], name: str) -> Any:
    """Copy of ``nb`` with a cell after the parameters cell that sets the overrides it declares."""
    import nbformat

    index, names = _parameter_names(nb)
    use = {k: v for k, v in params.items() if k in names}
    if not use:
        return nb
    nb = copy.deepcopy(nb)
    source = "# Parameters set by the report builder\n" + "".join(
        f"{k} = {v!r}\n" for k, v in sorted(use.items())
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)
    log.info("%s: parameters %s", name, use)
    return nb


# --- executing ---------------------------------------------------------------------------------


def _problems(nb: Any) -> list[str]:
    """Warnings (stderr text) and errors left in an executed notebook's outputs."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: error {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "").strip().splitlines()
                found.append(f"cell {i}: stderr: {text[0] if text else ''}")
    return found


def execute_notebook(
    path: str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    timeout: int = 900,
    kernel_name: str = "python3",
    strict: bool = False,
    setup: str | None = None,
) -> Any:
    """Execute one notebook in a fresh kernel and return the executed notebook node.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file. It is read, never written.
    params : mapping, optional
        Overrides for names assigned in the notebook's ``parameters`` cell (e.g.
        ``{"N_CUSTOMERS": 5000}``); names the notebook does not declare are ignored.
    timeout : int, default=900
        Seconds allowed per cell.
    kernel_name : str, default="python3"
        Jupyter kernel to start.
    strict : bool, default=False
        Also fail when a cell writes to stderr (warnings).
    setup : str, optional
        Code run in the kernel before the first cell, e.g. warning filters that turn
        matplotlib's "Glyph … missing" warnings into errors. It is removed from the result.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ReportError
        Naming the notebook, the failing cell (index and first line) and the error.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    nb = _inject(_read(path), params or {}, path.name)
    if setup:
        import nbformat

        nb = copy.deepcopy(nb)
        nb.cells.insert(0, nbformat.v4.new_code_cell(setup, metadata={"tags": ["setup"]}))
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute(env={**os.environ, "KEQUN_PROGRESS": "0"})  # no bars in built pages
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        failing = next(
            (
                (i, c)
                for i, c in enumerate(nb.cells)
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        where = ""
        if failing is not None:
            i, cell = failing
            i += 0 if setup else 1  # 1-based position in the notebook as the reader sees it
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            err_out = next(o for o in cell.outputs if o.get("output_type") == "error")
            where = (
                f" at cell {i} ({first[:60]!r}): {err_out.get('ename')}: "
                f"{str(err_out.get('evalue'))[:2000].rstrip('.')}"
            )
        else:
            where = f": {str(err).strip().splitlines()[-1][:400] if str(err).strip() else err}"
        msg = f"notebook {path.name} failed{where}. The previous report was left unchanged."
        raise ReportError(msg) from None
    if setup:
        nb.cells.pop(0)
    log.info("%s executed in %.1f s", path.name, time.perf_counter() - started)
    problems = _problems(nb)
    if problems:
        text = f"notebook {path.name} left warnings or errors in its output: " + "; ".join(
            problems[:5]
        )
        if strict:
            raise ReportError(text)
        log.warning(text)
    return nb


# --- rendering ---------------------------------------------------------------------------------

_STACK = (
    '"KequnCJK", -apple-system, "Segoe UI", Helvetica, Arial, "Liberation Sans", '
    '"DejaVu Sans", system-ui, sans-serif'
)
# "KequnCJK" is an embedded subset holding only the page's non-ASCII characters, so it comes
# first: ASCII text falls through to the reader's fonts, while Chinese never reaches a system
# font that would draw it as empty boxes.
_CSS = f"""
:root {{
  --jp-content-font-family: {_STACK};
  --jp-ui-font-family: {_STACK};
  --jp-code-font-family: "KequnCJK", "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
    monospace;
}}
body, .kequn-nav, .kequn-nav a, .kequn-nav span {{ font-family: {_STACK}; }}
main {{ max-width: 1000px; margin: 0 auto; }}
.kequn-nav {{ max-width: 1000px; margin: 0.8em auto; padding: 0.5em 1em; display: flex;
  justify-content: space-between; gap: 1em; border: 1px solid #ddd; border-radius: 6px;
  background: #f7f7f9; font-size: 0.95em; }}
.kequn-nav a {{ text-decoration: none; }}
/*KEQUN_FONT*/
"""


def _nav(chapters: Sequence[Chapter], i: int) -> str:
    prev = chapters[i - 1] if i > 0 else None
    nxt = chapters[i + 1] if i + 1 < len(chapters) else None
    left = '<a href="index.html">← Index 目录</a>'
    if prev:
        left += f' · <a href="{prev.page}">‹ {html.escape(prev.title)}</a>'
    right = (
        f'<a href="{nxt.page}">Next chapter 下一章: {html.escape(nxt.title)} →</a>'
        if nxt
        else '<a href="api.html">API reference →</a>'
    )
    return f"<span>{left}</span><span>{right}</span>"


def _font_face(text: str) -> str:
    """An ``@font-face`` rule embedding the CJK glyphs that ``text`` uses (empty if none)."""
    chars = sorted({ch for ch in text if ord(ch) > 0x7F})
    if not chars:
        return ""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from .plots._theme import _bundled_font_path

    path = _bundled_font_path()
    if path is None:  # pragma: no cover - hard dependency
        return ""
    font = TTFont(str(path))
    options = subset.Options()
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chars))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        "/* Noto Sans SC subset, SIL Open Font License 1.1 */\n"
        '@font-face { font-family: "KequnCJK"; '
        f'src: url(data:font/otf;base64,{data}) format("opentype"); }}'
    )


def _with_font(page: str) -> str:
    return page.replace("/*KEQUN_FONT*/", _font_face(page), 1)


def _describe_figures(nb: Any) -> None:
    """Give each figure alternative text: the first sentence of the prose that introduces it."""
    import re

    lead = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = " ".join(ln for ln in cell.source.splitlines() if not ln.startswith("#"))
            text = re.sub(r"[`*_]", "", text).strip()
            if text:
                lead = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0][:240]
            continue
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}):
                out.setdefault("metadata", {})["kequn_alt"] = f"Figure. {lead}".strip()


def _render(nb: Any, chapter: Chapter, nav: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="kequn", extra_template_basedirs=[str(_TEMPLATES)])
    nb = copy.deepcopy(nb)
    _describe_figures(nb)
    nb.metadata["title"] = chapter.title
    body, _ = exporter.from_notebook_node(
        nb, resources={"kequn_css": _CSS, "kequn_nav": nav}
    )
    return _with_font(body)


def _index(chapters: Sequence[Chapter], params: Mapping[str, Any], figures: dict) -> str:
    items = "\n".join(
        f'<li><a href="{c.page}"><strong>{html.escape(c.title)}</strong></a>'
        f"<br><span>{html.escape(c.summary)}</span></li>"
        for c in chapters
    )
    shown = ", ".join(f"{k} = {v!r}" for k, v in sorted(params.items())) or "notebook defaults"
    n_figs = sum(len(v) for v in figures.values())
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>kequn 客群 — report</title>
<style>{_CSS}
body {{ max-width: 900px; margin: 2em auto; padding: 0 1em; line-height: 1.5; }}
li {{ margin: 0.9em 0; }}
</style></head>
<body>
<h1>kequn 客群: analysing bank customer groups</h1>
<p>How Chinese retail banks tier their customers by what they bring in, what that misses, how
behaviour-based segments and Dunbar-sized groups work instead, and a lending case study of
WeBank (微众银行) and MYbank (网商银行). Each chapter is an executed notebook.</p>
<ol>
{items}
</ol>
<p><a href="api.html">API reference</a> (every public function of <code>kequn_lib</code>) ·
<a href="key_figures.json">key figures</a> ({n_figs} headline numbers).</p>
<p><small>Built with parameters: {html.escape(shown)}. Synthetic results describe the
embedded synthetic bank, not any real bank.</small></p>
</body></html>
"""
    return _with_font(page)


def _api_page() -> str:
    """The API reference of ``kequn_lib`` (one page) generated by pdoc from the docstrings."""
    import pdoc
    import pdoc.render

    pdoc.render.configure(
        docformat="numpy",
        search=False,
        show_source=False,
        footer_text="kequn 客群 API reference",
    )
    page = pdoc.pdoc("kequn_lib")
    assert page is not None
    back = '<p style="margin:1em"><a href="index.html">← Index 目录</a></p>'
    page = page.replace("<body>", "<body>" + back, 1)
    # pdoc's own font stacks end in generic families; put the embedded CJK subset first
    style = (
        "<style>/*KEQUN_FONT*/\n"
        f"body, nav, .pdoc {{ font-family: {_STACK}; }}\n"
        'pre, code { font-family: "KequnCJK", ui-monospace, SFMono-Regular, Menlo, monospace; }'
        "</style>"
    )
    return _with_font(page.replace("</head>", style + "</head>", 1))


def _key_figures(nb: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if KEY_FIGURES_MIME in data:
                figures.update(data[KEY_FIGURES_MIME])
    return figures


def build(
    output: str | Path | None = None,
    *,
    notebooks: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    only: Sequence[str] | None = None,
    timeout: int = 900,
    kernel_name: str = "python3",
    strict: bool = False,
    api: bool = True,
) -> Path:
    """Execute every notebook in reading order and write the HTML report.

    Parameters
    ----------
    output : str or Path, optional
        Report folder; the repository's ``reports/`` by default. It is replaced only when the
        whole build succeeds.
    notebooks : str or Path, optional
        Folder of ``NN_*.ipynb`` notebooks; the repository's ``notebooks/`` by default.
    params : mapping, optional
        Overrides for the notebooks' parameters cells, e.g. ``{"DATA": "uci-bank-marketing",
        "N_CUSTOMERS": 20_000, "SEED": 1}``. Each notebook receives the names it declares.
    only : sequence of str, optional
        Build only the chapters whose file name starts with one of these prefixes (``["01"]``).
    timeout : int, default=900
        Seconds allowed per cell.
    kernel_name : str, default="python3"
        Jupyter kernel used to execute the notebooks.
    strict : bool, default=False
        Fail when a notebook writes warnings (stderr) into its output.
    api : bool, default=True
        Also write ``api.html``.

    Returns
    -------
    Path
        The report folder (containing ``index.html``).

    Raises
    ------
    ReportError
        If a notebook fails (naming the notebook and the cell), or no notebook matches.
    ParameterError
        If ``params`` names a parameter that no notebook declares.
    """
    output = Path(output) if output is not None else DEFAULT_OUTPUT
    chapters = list_chapters(notebooks)
    if only:
        chapters = [c for c in chapters if any(c.path.name.startswith(o) for o in only)]
        if not chapters:
            names = fmt_values([c.path.stem for c in list_chapters(notebooks)], 20)
            msg = (
                f"build: no notebook matches only={list(only)!r}. Pass prefixes of the chapter "
                f"file names ({names}), e.g. only=['01']."
            )
            raise ReportError(msg)
    params = dict(params or {})
    declared = set().union(*(_parameter_names(_read(c.path))[1] for c in chapters))
    unknown = sorted(set(params) - declared)
    if unknown:
        msg = (
            f"build: parameter(s) {fmt_values(unknown)} are not declared by any notebook. "
            f"Declared parameters: {fmt_values(sorted(declared), 20)}."
        )
        raise ParameterError(msg)

    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    try:
        figures: dict[str, dict[str, Any]] = {}
        for i, chapter in enumerate(chapters):
            log.info("[%d/%d] executing %s", i + 1, len(chapters), chapter.path.name)
            nb = execute_notebook(
                chapter.path, params=params, timeout=timeout, kernel_name=kernel_name,
                strict=strict,
            )
            figures[chapter.path.stem] = _key_figures(nb)
            (staging / chapter.page).write_text(
                _render(nb, chapter, _nav(chapters, i)), encoding="utf-8"
            )
        (staging / "index.html").write_text(_index(chapters, params, figures), encoding="utf-8")
        (staging / "key_figures.json").write_text(
            json.dumps(figures, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        if api:
            (staging / "api.html").write_text(_api_page(), encoding="utf-8")
        _swap(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log.info("report written to %s", output / "index.html")
    return output


def _swap(staging: Path, output: Path) -> None:
    """Replace ``output`` by ``staging`` with two renames (the old report survives a failure)."""
    old = None
    if output.exists():
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        output.rename(old)
    staging.rename(output)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _parse_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m kequn_lib.report [--data NAME] [--n-customers N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m kequn_lib.report",
        description="Execute kequn's notebooks and write the HTML report.",
    )
    parser.add_argument("--output", default=None, help="report folder (default: reports/)")
    parser.add_argument("--notebooks", default=None, help="notebook folder (default: notebooks/)")
    parser.add_argument("--data", default=None, help="data source, e.g. uci-bank-marketing")
    parser.add_argument("--n-customers", type=int, default=None, help="synthetic bank size")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the notebooks")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="any other parameter (repeatable)")
    parser.add_argument("--only", action="append", default=None, metavar="PREFIX",
                        help="build only notebooks starting with PREFIX (repeatable)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings in outputs")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("-q", "--quiet", action="store_true", help="less progress output")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    params: dict[str, Any] = {}
    if args.data is not None:
        params["DATA"] = args.data
    if args.n_customers is not None:
        params["N_CUSTOMERS"] = args.n_customers
    if args.seed is not None:
        params["SEED"] = args.seed
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--param expects NAME=VALUE, got {item!r}")
        params[name.strip()] = _parse_value(value.strip())
    started = time.perf_counter()
    try:
        out = build(args.output, notebooks=args.notebooks, params=params, only=args.only,
                    timeout=args.timeout, strict=args.strict)
    except KequnError as err:
        sys.stderr.write(f"report failed: {err}\n")
        return 1
    sys.stderr.write(
        f"report written to {out / 'index.html'} in {time.perf_counter() - started:.0f} s\n"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
