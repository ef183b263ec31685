"""The book's Sphinx source: chapters, index, API pages, references; then Sphinx and the font."""

from __future__ import annotations

import copy
import html
import inspect
import io
import logging
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .._display import KEY_FIGURES_MIME
from ._notebooks import Chapter, ReportError

log = logging.getLogger("kequn_lib.report")

FONT_FAMILY = "KequnCJK"
FONT_FILE = "kequn-cjk.woff"
#: the characters the embedded face draws (also its CSS unicode-range): CJK ideographs, kana,
#: CJK and full-width punctuation. Latin letters, curly quotes and dashes stay with the reader's
#: fonts, which have them.
CJK_RANGES = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
              (0x20000, 0x2FFFF))


def _is_cjk(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in CJK_RANGES)

# --- chapters ----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    text = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", text)  # MyST roles
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links
    text = re.sub(r"[`*_#>]", "", text)
    return " ".join(text.split())


def _first_sentence(text: str, limit: int = 220) -> str:
    text = _plain(text)
    sentence = re.split(r"(?<=[.!?。])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def _markdown_output(cell: Any) -> str:
    for out in cell.get("outputs", []):
        md = out.get("data", {}).get("text/markdown")
        if md:
            return md if isinstance(md, str) else "".join(md)
    return ""


def _is_image(out: Any) -> bool:
    return any(k.startswith("image/") for k in out.get("data", {}))


def count_figures(nb: Any) -> int:
    """Number of image outputs (figures) in an executed notebook."""
    return sum(_is_image(o) for c in nb.cells for o in c.get("outputs", []))


def prepare(nb: Any, chapter: Chapter, *, language: str = "en") -> Any:
    """The executed notebook as the book shows it.

    Key-figure outputs are dropped (they go to ``key_figures.json``); every figure becomes its own
    output-only cell with a numbered caption (the cell's ``caption`` metadata, or ``caption_zh``
    when ``language`` is Chinese; else the first sentence of the prose that introduces it) and the
    same text as its alternative text.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    cells = []
    lead = ""
    n = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = "\n".join(ln for ln in cell.source.splitlines() if not ln.startswith("#"))
            if text.strip():
                lead = text
            cells.append(cell)
            continue
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        outputs = [o for o in cell.get("outputs", []) if KEY_FIGURES_MIME not in o.get("data", {})]
        md = _markdown_output(cell)
        if not any(_is_image(o) for o in outputs):
            cell.outputs = outputs
            cells.append(cell)
            if md:
                lead = md
            continue
        meta = cell.get("metadata", {})
        captions = (meta.get("caption_zh") if language.startswith("zh") else None) or meta.get(
            "caption")
        if isinstance(captions, str):
            captions = [captions]
        displays = [o for o in outputs if o.get("output_type") in ("display_data",
                                                                 "execute_result")]
        if len(displays) == 1:  # the usual plot cell: the cell itself becomes the figure
            cell.outputs = outputs
            n += 1
            _figure(cell, (captions or [None])[0] or _first_sentence(lead) or chapter.title,
                    f"fig-{chapter.name}-{n}")
            cells.append(cell)
            continue
        # several displays: every figure gets a cell of its own (MyST-NB captions whole cells)
        first_image = next(i for i, o in enumerate(outputs) if _is_image(o))
        cell.outputs = outputs[:first_image]
        cells.append(cell)
        pending: list[Any] = []
        k = 0
        for out in outputs[first_image:]:
            if not _is_image(out):
                pending.append(out)
                continue
            if pending:
                cells.append(_output_cell(pending))
                pending = []
            n += 1
            given = captions[k] if captions and k < len(captions) else None
            k += 1
            fig = _output_cell([out])
            _figure(fig, given or _first_sentence(lead) or chapter.title,
                    f"fig-{chapter.name}-{n}")
            cells.append(fig)
        if pending:
            cells.append(_output_cell(pending))
    nb.cells = cells
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
    nbformat.validate(nb)
    return nb


def _figure(cell: Any, caption: str, name: str) -> None:
    cell.metadata["mystnb"] = {
        "figure": {"caption": caption, "name": name},
        "image": {"alt": _plain(caption)},
    }


def _output_cell(outputs: list[Any]) -> Any:
    import nbformat

    # MyST-NB skips cells without source: a comment keeps the outputs
    cell = nbformat.v4.new_code_cell("# output of the cell above",
                                     metadata={"tags": ["remove-input"]})
    cell.outputs = outputs
    return cell


# --- index -------------------------------------------------------------------------------------


def _role_text(text: str) -> str:
    """Text safe inside a MyST role with an explicit target (no backticks or angle brackets)."""
    return text.replace("`", "'").replace("<", "‹").replace(">", "›")


def _params_text(params: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k} = {v!r}" for k, v in sorted(params.items()))
    return shown or "the notebooks' defaults"


def index_page(
    chapters: Sequence[Chapter],
    params: Mapping[str, Mapping[str, Any]],
    figures: Mapping[str, Mapping[str, Any]],
    *,
    api: bool,
) -> str:
    items = []
    for i, c in enumerate(chapters, 1):
        href = html.escape("_sources/" + quote(c.path.name), quote=True)
        link = f'<a href="{href}" download>notebook (.ipynb)</a>'
        items.append(f"{i}. {{doc}}`{_role_text(c.title)} <{c.name}>`  \n   {c.summary} · {link}")
    distinct = {repr(sorted(p.items())) for p in params.values()}
    if len(distinct) <= 1:
        built = f"Built with {_params_text(next(iter(params.values()), {}))}."
    else:
        built = "Built with " + "; ".join(
            f"{c.name}: {_params_text(params.get(c.name, {}))}" for c in chapters
        ) + "."
    n_figs = sum(len(v) for v in figures.values())
    toc_chapters = "\n".join(c.name for c in chapters)
    reference = ("api/index\n" if api else "") + "references"
    return f"""# kequn 客群: analysing bank customer groups

How Chinese retail banks tier their customers by what they bring in, what that misses, how
behaviour-based segments and Dunbar-sized groups work instead, and a lending case study of
WeBank (微众银行) and MYbank (网商银行). Each chapter is an executed notebook; every number in its
sentences comes from the run.

## Chapters

{chr(10).join(items)}

## Reference

{"- [API reference](api/index.md): every public function of `kequn_lib`." if api else ""}
- [References](references.md): the source article by paragraph, the bank reports and the
  datasets' papers.
- <a href="key_figures.json">Key figures</a> ({n_figs} headline numbers, machine-readable).

{built} Synthetic results describe the embedded synthetic bank, not any real bank.

```{{toctree}}
:hidden:
:numbered:
:caption: Chapters

{toc_chapters}
```

```{{toctree}}
:hidden:
:caption: Reference

{reference}
```
"""


# --- API reference -----------------------------------------------------------------------------


def _groups() -> dict[str, list[str]]:
    import kequn_lib as kq

    groups: dict[str, list[str]] = {}
    for name in kq.__all__:
        obj = getattr(kq, name)
        module = getattr(obj, "__module__", "") or ""
        parts = module.split(".")
        key = parts[1] if len(parts) > 1 and parts[0] == "kequn_lib" else "other"
        groups.setdefault(key.lstrip("_"), []).append(name)
    return groups


def _module_summary(key: str) -> str:
    import importlib

    for candidate in (f"kequn_lib.{key}", f"kequn_lib._{key}"):
        try:
            doc = importlib.import_module(candidate).__doc__ or ""
        except ImportError:
            continue
        return doc.strip().split("\n\n")[0].replace("\n", " ")
    return ""


_SKLEARN_MEMBERS = (
    "set_fit_request", "set_predict_request", "set_score_request", "set_transform_request",
    "set_partial_fit_request", "set_output", "set_params", "get_params", "get_metadata_routing",
)


def api_pages(folder: Path) -> None:
    import kequn_lib as kq

    folder.mkdir(parents=True, exist_ok=True)
    groups = _groups()
    lines = [
        "# API reference",
        "",
        "Every public name is importable from the top level: `import kequn_lib as kq`, then "
        "`kq.make_customers(...)`.",
        "",
    ]
    for key in groups:
        lines.append(f"- [{key}]({key}.rst): {_module_summary(key)}")
    lines += ["", "```{toctree}", ":hidden:", "", *groups, "```", ""]
    (folder / "index.md").write_text("\n".join(lines), encoding="utf-8")
    for key, names in groups.items():
        title = f"{key}"
        rst = [title, "=" * len(title), "", _module_summary(key), "",
               ".. currentmodule:: kequn_lib", ""]
        rst += [".. autosummary::", ""] + [f"   {n}" for n in names] + [""]
        for n in names:
            obj = getattr(kq, n)
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                rst += [f".. autoexception:: {n}", ""]
            elif inspect.isclass(obj):
                rst += [f".. autoclass:: {n}", "   :members:",
                        f"   :exclude-members: {', '.join(_SKLEARN_MEMBERS)}", ""]
            elif callable(obj):
                rst += [f".. autofunction:: {n}", ""]
            else:
                rst += [f".. autodata:: {n}", "   :annotation:", ""]
        (folder / f"{key}.rst").write_text("\n".join(rst), encoding="utf-8")


# --- references --------------------------------------------------------------------------------


def references_page() -> str:
    import kequn_lib as kq
    from kequn_lib.datasets import public

    facts = kq.lending_facts()
    lines = [
        "# References",
        "",
        "Every figure the chapters cite keeps its source. The package quotes no sentences from "
        "these texts: facts and figures carry over, their wording does not.",
        "",
        "## The source article",
        "",
        "The Chinese text the package is built around (`article.txt` of the project's shared "
        "sources, one paragraph per line) has three parts: a short Q&A on the big four banks' "
        "client bases and target customers; an essay, “‘客群’对银行意味着什么”, by a former "
        "banker, on tiering by assets or contribution, how mobile internet changed reach and "
        "content, 客群 as groups of 50–150 members, information fission and relationship "
        "fission; and a news piece from 融途网 comparing WeBank (微众银行) and MYbank (网商银行) "
        "lending.",
        "",
        "### Part 3 by paragraph (the lending case study, `lending_facts.csv`)",
        "",
        "| paragraph | fact | bank | what the article states |",
        "| --- | --- | --- | --- |",
    ]
    for row in facts.sort_values(["paragraph", "fact_id"]).itertuples():
        desc = str(row.description).replace("|", "/")
        lines.append(f"| {row.paragraph} | {row.fact_id} | {row.bank} | {desc} |")
    lines += [
        "",
        "## Bank reports and rules (tier thresholds, `tier_presets.csv`)",
        "",
        "| ladder | tier | bar | status | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in kq.tier_presets().itertuples():
        src = str(row.source) if isinstance(row.source, str) and row.source else "—"
        bar = kq.fmt(row.lower_bound_cny, "money")
        lines.append(
            f"| {row.preset} | {row.tier} ({row.name_zh}) | {bar} | {row.status} | {src} |")
    lines += [
        "",
        "The asset-concentration target of the synthetic bank is China Merchants Bank's 2023 "
        "interim report, as quoted: customers at the 金葵花 bar and above held most of retail "
        "AUM (see the data dictionary).",
        "",
        "## Later public figures on WeBank and MYbank (`public_figures.csv`)",
        "",
        "| fact | bank | year | figure | status | source |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in kq.public_figures().itertuples():
        desc = str(row.description).replace("|", "/")
        lines.append(f"| {row.fact_id} | {row.bank} | {row.year} | {desc} | {row.status} "
                     f"| {row.source} |")
    lines += ["", "## Datasets and their papers", ""]
    for meta in (public._BANK_META, public._CREDIT_META):
        lines.append(f"- **{meta['dataset']}.** {meta['citation']}. Licence: {meta['licence']}.")
    lines.append("")
    return "\n".join(lines)


# --- Sphinx and the font -----------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the renderer is killed when the builder dies (a killed build leaves no writer)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_sphinx(confdir: Path, source: Path, out: Path, doctrees: Path, warnings: Path) -> None:
    """Render ``source`` into ``out`` with Sphinx (the notebooks are not executed again)."""
    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(confdir),
        "-d", str(doctrees), "-w", str(warnings), "--keep-going", str(source), str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          preexec_fn=_die_with_parent)
    if proc.returncode != 0:
        text = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        errors = [ln.strip() for ln in text if re.search(r"(Error|Exception)\b.*:", ln)]
        detail = (errors or text[-1:] or [f"exit status {proc.returncode}"])[-1]
        root = str(Path(__file__).resolve().parents[2]) + "/"
        detail = detail.replace(str(out), "the build folder").replace(root, "")
        msg = (f"rendering the book failed: {detail}. If the disk is full or the folder "
               "read-only, free space or choose another output folder")
        raise ReportError(msg)
    text = warnings.read_text(encoding="utf-8").strip() if warnings.exists() else ""
    if text:
        root = str(Path(__file__).resolve().parents[2]) + "/"
        lines = [ln.replace(str(source) + "/", "").replace(root, "")
                 for ln in text.splitlines() if "WARNING" in ln or "ERROR" in ln]
        log.info("Sphinx: %d warning(s)%s", len(lines), "".join(f"\n  {ln}" for ln in lines[:8]))
    for junk in out.rglob("*.map"):  # source maps of the theme's scripts: not needed to read
        junk.unlink()


def embed_font(out: Path) -> int:
    """Write the CJK font subset the pages need into ``_static``; return its glyph count."""
    chars: set[str] = set()
    for page in out.rglob("*.html"):
        chars.update(ch for ch in page.read_text(encoding="utf-8") if _is_cjk(ch))
    for script in (out / "searchindex.js",):
        if script.exists():
            text = script.read_text(encoding="utf-8")
            text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
            chars.update(ch for ch in text if _is_cjk(ch))
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from ..plots._theme import _bundled_font_path

    path = _bundled_font_path()
    if path is None:  # pragma: no cover - hard dependency
        raise ReportError("the bundled CJK font is missing; reinstall kequn.")
    font = TTFont(str(path))
    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)) or "客群")
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    static = out / "_static"
    static.mkdir(exist_ok=True)
    (static / FONT_FILE).write_bytes(buf.getvalue())
    return len(chars)
