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
    # English sentences end before a space; Chinese ones at the full stop itself
    sentence = re.split(r"(?<=[.!?])\s|(?<=[。！？])", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


class Catalogue:
    """A chapter's translations (its ``.po`` catalogue): English paragraph -> translation.

    Only complete entries count: empty and fuzzy ones fall back to the English text, as Sphinx
    does on the page. A missing or unreadable catalogue translates nothing.
    """

    def __init__(self, path: Path | None = None):
        self.messages: dict[str, str] = {}
        if path is None or not path.is_file():
            return
        from babel.messages.pofile import read_po

        try:
            with path.open("rb") as f:
                catalog = read_po(f)
        except (OSError, ValueError) as err:
            log.warning("%s: cannot read the catalogue (%s); English text is used", path.name,
                        err)
            return
        for message in catalog:
            msgid = message.id if isinstance(message.id, str) else (message.id or [""])[0]
            msgstr = message.string if isinstance(message.string, str) else \
                (message.string or [""])[0]
            if msgid and msgstr and not message.fuzzy:
                self.messages[" ".join(msgid.split())] = msgstr

    def get(self, text: str) -> str | None:
        """The translation of one paragraph or heading, or None."""
        return self.messages.get(" ".join(text.split()))

    def paragraphs(self, text: str) -> str:
        """A markdown text with every paragraph that has a translation translated."""
        parts = re.split(r"\n\s*\n", text)
        return "\n\n".join(self.get(part) or part for part in parts)


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


def prepare(nb: Any, chapter: Chapter, *, language: str = "en",
            catalogue: Catalogue | None = None) -> Any:
    """The executed notebook as the book shows it, in ``language`` ("en", or "zh"/"zh_CN").

    The parameters cell shows the values the run used, once: papermill's injected cell is folded
    into it (see :func:`_merge_parameters`). Key-figure outputs are dropped (they go to
    ``key_figures.json``); every figure becomes its own
    output-only cell with a numbered caption and the same text as its alternative text. The
    caption is the cell's ``caption`` metadata (``caption_zh`` in the Chinese book, when given),
    else the first sentence of the prose that introduces it (in the Chinese book, that prose as
    the chapter's ``catalogue`` translates it).
    """
    import nbformat

    zh = language.startswith("zh")
    key = "caption_zh" if zh else "caption"
    catalogue = catalogue if zh and catalogue is not None else Catalogue()
    nb = copy.deepcopy(nb)
    _merge_parameters(nb)
    cells = []
    lead = ""
    title = catalogue.get(chapter.title) or chapter.title
    n = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = "\n".join(ln for ln in cell.source.splitlines() if not ln.startswith("#"))
            if text.strip():
                lead = catalogue.paragraphs(text.strip())
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
        captions = meta.get(key) or meta.get("caption")
        if isinstance(captions, str):
            captions = [captions]
        if key != "caption" and meta.get(key) and meta.get("caption"):
            # a list of Chinese captions shorter than the English one: English for the rest
            english = meta["caption"] if isinstance(meta["caption"], list) else [meta["caption"]]
            captions = list(captions) + english[len(captions):]
        displays = [o for o in outputs if o.get("output_type") in ("display_data",
                                                                 "execute_result")]
        if len(displays) == 1:  # the usual plot cell: the cell itself becomes the figure
            cell.outputs = outputs
            n += 1
            _figure(cell, (captions or [None])[0] or _first_sentence(lead) or title,
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
            _figure(fig, given or _first_sentence(lead) or title,
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


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _merge_parameters(nb: Any) -> None:
    """Fold papermill's ``injected-parameters`` cell into the ``parameters`` cell, in place.

    A reader then sees one parameters cell holding the values the run used: each assignment the
    builder overrode gets the injected value, its comment kept; a name the notebook does not
    assign (none, since the builder passes only declared names) is added at the end. Without
    both cells, or when either does not parse, the notebook is left as it is.
    """
    import ast

    cells = nb.cells
    injected = next((i for i, c in enumerate(cells) if c.cell_type == "code"
                     and "injected-parameters" in _tags(c)), None)
    declared = next((i for i, c in enumerate(cells) if c.cell_type == "code"
                     and "parameters" in _tags(c)), None)
    if injected is None or declared is None:  # no values given, or the injected cell alone
        return
    try:
        given = ast.parse(cells[injected].source).body
        body = ast.parse(cells[declared].source).body
    except SyntaxError:
        return
    values: dict[str, str] = {}
    src = cells[injected].source
    for node in given:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.get_source_segment(src, node.value) or ""
    lines = [ln.encode("utf-8") for ln in cells[declared].source.split("\n")]
    # right to left, so earlier offsets stay valid (ast offsets count UTF-8 bytes)
    spots = []
    for node in body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            else node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id in values and node.value is not None:
            v = node.value
            spots.append((v.lineno - 1, v.col_offset, v.end_lineno - 1, v.end_col_offset,
                          values.pop(target.id)))
    for first, start, last, end, text in sorted(spots, reverse=True):
        lines[first:last + 1] = [lines[first][:start] + text.encode("utf-8") + lines[last][end:]]
    merged = "\n".join(ln.decode("utf-8") for ln in lines).rstrip("\n")
    extra = [f"{name} = {text}" for name, text in values.items()]
    cells[declared].source = "\n".join([merged, *extra]) if extra else merged
    del cells[injected]


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


def _params_text(params: Mapping[str, Any], lang: str = "en") -> str:
    shown = ", ".join(f"{k} = {v!r}" for k, v in sorted(params.items()) if k != "LANG")
    return shown or ("notebook 的默认参数" if lang == "zh" else "the notebooks' defaults")


#: the index page's own words, per language
_INDEX = {
    "en": {
        "title": "kequn 客群: analysing bank customer groups",
        "intro": (
            "How Chinese retail banks tier their customers by what they bring in, what that "
            "misses, how behaviour-based segments and Dunbar-sized groups work instead, and a "
            "lending case study of WeBank (微众银行) and MYbank (网商银行). Each chapter is an "
            "executed notebook; every number in its sentences comes from the run."
        ),
        "chapters": "Chapters", "reference": "Reference", "download": "notebook (.ipynb)",
        "api": "[API reference](api/index.md): every public function of `kequn_lib`.",
        "references": ("[References](references.md): the source article by paragraph, the bank "
                       "reports and the datasets' papers."),
        "figures": "Key figures", "figures_note": "{n} headline numbers, machine-readable",
        "built": "Built with {params}.", "sep": "; ",
        "synthetic": "Synthetic results describe the embedded synthetic bank, not any real bank.",
        "colon": ": ", "open": " (", "close": ")", "stop": ".",
    },
    "zh": {
        "title": "kequn 客群：银行客群分析",
        "intro": (
            "中国的零售银行怎样按客户带来的价值给客户分层，这种做法漏掉了什么；按行为细分的客群和"
            "邓巴数规模的社群又如何弥补；最后是微众银行与网商银行的贷款案例。每一章都是一个执行过"
            "的 notebook，文中的每个数字都来自本次运行。"
        ),
        "chapters": "章节", "reference": "参考", "download": "下载 notebook（.ipynb）",
        "api": "[API 参考](api/index.md)：`kequn_lib` 的全部公开函数（代码参考，保留英文）。",
        "references": "[参考文献](references.md)：按段落列出的源文章、银行报告和数据集论文。",
        "figures": "关键数字", "figures_note": "共 {n} 个核心数字，机器可读",
        "built": "构建参数：{params}。", "sep": "；",
        "synthetic": "合成数据的结果描述的是内置的合成银行，而非任何真实银行。",
        "colon": "：", "open": "（", "close": "）", "stop": "。",
    },
}


def chapter_text(chapter: Chapter, lang: str, catalogue: Catalogue | None = None,
                 metadata: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """A chapter's title and summary in ``lang``.

    Chinese: the chapter's catalogue translation when complete, else the notebook's metadata
    (``title_zh``, ``summary_zh``), else the English text.
    """
    if lang != "zh":
        return chapter.title, chapter.summary
    catalogue = catalogue or Catalogue()
    metadata = metadata or {}
    title = catalogue.get(chapter.title) or metadata.get("title_zh") or chapter.title
    summary = catalogue.get(chapter.summary) or metadata.get("summary_zh") or chapter.summary
    return str(title), str(summary)


def index_page(
    chapters: Sequence[Chapter],
    params: Mapping[str, Mapping[str, Any]],
    figures: Mapping[str, Mapping[str, Any]],
    *,
    api: bool,
    lang: str = "en",
    texts: Mapping[str, tuple[str, str]] | None = None,
    figures_href: str = "key_figures.json",
) -> str:
    """The book's index page (MyST) in ``lang``; ``texts`` maps chapter name -> (title, summary)
    in that language (the English title and summary by default)."""
    w = _INDEX[lang]
    texts = texts or {}
    items = []
    for i, c in enumerate(chapters, 1):
        title, summary = texts.get(c.name, (c.title, c.summary))
        href = html.escape("_sources/" + quote(c.path.name), quote=True)
        link = f'<a href="{href}" download>{w["download"]}</a>'
        items.append(f"{i}. {{doc}}`{_role_text(title)} <{c.name}>`  \n   {summary} · {link}")
    distinct = {repr(sorted((k, v) for k, v in p.items() if k != "LANG"))
                for p in params.values()}
    if len(distinct) <= 1:
        shown = _params_text(next(iter(params.values()), {}), lang)
    else:
        shown = w["sep"].join(
            f"{c.name}{w['colon']}{_params_text(params.get(c.name, {}), lang)}" for c in chapters
        )
    built = w["built"].format(params=shown)
    n_figs = sum(len(v) for v in figures.values())
    toc_chapters = "\n".join(c.name for c in chapters)
    reference = ("api/index\n" if api else "") + "references"
    note = w["figures_note"].format(n=n_figs)
    return f"""# {w["title"]}

{w["intro"]}

## {w["chapters"]}

{chr(10).join(items)}

## {w["reference"]}

{"- " + w["api"] if api else ""}
- {w["references"]}
- <a href="{html.escape(figures_href, quote=True)}">{w["figures"]}</a>{w["open"]}{note}{w["close"]}

{built}{" " if lang == "en" else ""}{w["synthetic"]}

```{{toctree}}
:hidden:
:numbered:
:caption: {w["chapters"]}

{toc_chapters}
```

```{{toctree}}
:hidden:
:caption: {w["reference"]}

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


_API_INTRO = {
    "en": ("API reference", "Every public name is importable from the top level: "
           "`import kequn_lib as kq`, then `kq.make_customers(...)`."),
    "zh": ("API 参考", "所有公开名称都可以从顶层导入：`import kequn_lib as kq`，然后调用 "
           "`kq.make_customers(...)`。这一部分是代码参考，模块说明和文档字符串保留英文原文，"
           "与代码中的名称一致。"),
}


def api_pages(folder: Path, lang: str = "en") -> None:
    """The API reference pages: an index (in ``lang``) and one page per module (English
    docstrings: code reference in both books)."""
    import kequn_lib as kq

    folder.mkdir(parents=True, exist_ok=True)
    groups = _groups()
    heading, intro = _API_INTRO[lang]
    lines = [f"# {heading}", "", intro, ""]
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


_REFS = {
    "en": {
        "title": "References",
        "intro": ("Every figure the chapters cite keeps its source. The package quotes no "
                  "sentences from these texts: facts and figures carry over, their wording does "
                  "not."),
        "article": "The source article",
        "article_text": (
            "The Chinese text the package is built around (`article.txt` of the project's "
            "shared sources, one paragraph per line) has three parts: a short Q&A on the big "
            "four banks' client bases and target customers; an essay, “‘客群’对银行意味着什么”, "
            "by a former banker, on tiering by assets or contribution, how mobile internet "
            "changed reach and content, 客群 as groups of 50–150 members, information fission "
            "and relationship fission; and a news piece from 融途网 comparing WeBank (微众银行) "
            "and MYbank (网商银行) lending."),
        "part3": "Part 3 by paragraph (the lending case study, `lending_facts.csv`)",
        "part3_head": "| paragraph | fact | bank | what the article states |",
        "tiers": "Bank reports and rules (tier thresholds, `tier_presets.csv`)",
        "tiers_head": "| ladder | tier | bar | status | source |",
        "cmb": ("The asset-concentration target of the synthetic bank is China Merchants Bank's "
                "2023 interim report, as quoted: customers at the 金葵花 bar and above held most "
                "of retail AUM (see the data dictionary)."),
        "public": "Later public figures on WeBank and MYbank (`public_figures.csv`)",
        "public_head": "| fact | bank | year | figure | status | source |",
        "datasets": "Datasets and their papers", "licence": "Licence",
        "banks": {},
    },
    "zh": {
        "title": "参考文献",
        "intro": ("各章引用的每个数字都保留出处。本项目不引用这些文本的原句：沿用的是事实和数字，"
                  "不是措辞。表中的说明是我们自己的中文表述，出处保留数据文件中的网址。"),
        "article": "源文章",
        "article_text": (
            "本项目围绕的中文文本（项目共享资料中的 `article.txt`，每行一段）分三部分：一段关于"
            "四大行客户基础和目标客户的简短问答；一位前银行从业者的文章《“客群”对银行意味着什么》，"
            "讨论按资产或贡献度分层、移动互联网如何改变触达与内容、50–150 人规模的客群、信息裂变"
            "与关系裂变；以及融途网一篇比较微众银行与网商银行贷款业务的报道。"),
        "part3": "第三部分逐段对照（贷款案例，`lending_facts.csv`）",
        "part3_head": "| 段落 | 事实 | 银行 | 文章所述 |",
        "tiers": "银行报告与规则（分层门槛，`tier_presets.csv`）",
        "tiers_head": "| 分层体系 | 层级 | 门槛 | 状态 | 出处 |",
        "cmb": ("合成银行的资产集中度目标取自招商银行 2023 年半年度报告的表述：金葵花门槛及以上的"
                "客户持有零售 AUM 的大部分（见数据字典）。"),
        "public": "微众银行与网商银行此后公开的数字（`public_figures.csv`）",
        "public_head": "| 事实 | 银行 | 年份 | 数字 | 状态 | 出处 |",
        "datasets": "数据集及其论文", "licence": "许可",
        "banks": {"WeBank": "微众银行", "MYbank": "网商银行"},
    },
}


def references_page(lang: str = "en") -> str:
    """The references page in ``lang``: the data files' descriptions (their own Chinese wording
    in Chinese), statuses and source notes in the page's language, web addresses as written."""
    import kequn_lib as kq
    from kequn_lib._display import value_zh
    from kequn_lib.datasets import public

    w = _REFS[lang]
    banks = w["banks"]
    zh = lang == "zh"

    def words(value: str, column: str) -> str:  # a status, ladder or source note in the page's
        # language (the data dictionary's Values); web addresses have no entry and stay as written
        return (value_zh(value, column) or value) if zh else value

    facts = kq.lending_facts()
    desc_col = "description_zh" if zh else "description"
    lines = [
        f"# {w['title']}", "", w["intro"], "",
        f"## {w['article']}", "", w["article_text"], "",
        f"### {w['part3']}", "",
        w["part3_head"],
        "| --- | --- | --- | --- |",
    ]
    for row in facts.sort_values(["paragraph", "fact_id"]).to_dict("records"):
        desc = str(row[desc_col]).replace("|", "/")
        bank = banks.get(row["bank"], row["bank"])
        lines.append(f"| {row['paragraph']} | {row['fact_id']} | {bank} | {desc} |")
    lines += [
        "",
        f"## {w['tiers']}",
        "",
        w["tiers_head"],
        "| --- | --- | --- | --- | --- |",
    ]
    for row in kq.tier_presets().itertuples():
        src = words(row.source, "source") if isinstance(row.source, str) and row.source else "—"
        bar = kq.fmt(row.lower_bound_cny, "money")
        if zh:  # Chinese names only: the keys (``industry``, ``mass``) are the API's
            ladder, tier = words(row.preset, "preset"), row.name_zh
        else:
            ladder, tier = row.preset, f"{row.tier} ({row.name_zh})"
        lines.append(f"| {ladder} | {tier} | {bar} | {words(row.status, 'status')} | {src} |")
    lines += [
        "",
        w["cmb"],
        "",
        f"## {w['public']}",
        "",
        w["public_head"],
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in kq.public_figures().to_dict("records"):
        desc = str(row[desc_col]).replace("|", "/")
        bank = banks.get(row["bank"], row["bank"])
        lines.append(f"| {row['fact_id']} | {bank} | {row['year']} | {desc} "
                     f"| {words(row['status'], 'status')} | {words(row['source'], 'source')} |")
    lines += ["", f"## {w['datasets']}", ""]
    for meta in (public._BANK_META, public._CREDIT_META):
        lines.append(f"- **{meta['dataset']}.** {meta['citation']}. {w['licence']}: "
                     f"{meta['licence']}.")
    lines.append("")
    return "\n".join(lines)


# --- the top page ------------------------------------------------------------------------------


def top_page(languages: Mapping[str, tuple[str, str]], *, font: str) -> str:
    """The report's ``index.html``: one link per language's book, in the embedded CJK face
    (``font``: the subset file, relative to the page)."""
    from .._sphinx_i18n import language_index

    ranges = ", ".join(f"U+{lo:X}-{hi:X}" for lo, hi in CJK_RANGES)
    head = (
        "<style>\n"
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{html.escape(font)}") '
        f'format("woff"); font-display: swap; unicode-range: {ranges}; }}\n'
        f'body {{ font-family: "{FONT_FAMILY}", system-ui, sans-serif; line-height: 1.6; '
        "margin: 0; color: #222; }\n"
        "main { max-width: 40rem; margin: 0 auto; padding: 3rem 1.25rem; }\n"
        "h1 { font-size: 2rem; margin-bottom: 1.5rem; }\n"
        "ul { list-style: none; padding: 0; }\n"
        "li { margin: 0 0 1.25rem; padding: 1rem 1.25rem; border: 1px solid #ddd; "
        "border-radius: 0.5rem; }\n"
        "li a { font-size: 1.35rem; font-weight: 600; color: #0a58ca; text-decoration: none; }\n"
        "li p { margin: 0.35rem 0 0; color: #555; }\n"
        "</style>\n"
    )
    return language_index(dict(languages), head=head)


# --- Sphinx and the font -----------------------------------------------------------------------


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the renderer is killed when the builder dies (a killed build leaves no writer)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_sphinx(confdir: Path, source: Path, out: Path, doctrees: Path, warnings: Path,
               env: Mapping[str, str] | None = None) -> None:
    """Render ``source`` into ``out`` with Sphinx (the notebooks are not executed again).

    ``env`` adds environment variables for the configuration (``KEQUN_BOOK_LANGUAGE`` ...).
    """
    import os

    cmd = [
        sys.executable, "-m", "sphinx", "-b", "html", "-q", "-c", str(confdir),
        "-d", str(doctrees), "-w", str(warnings), "--keep-going", str(source), str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          preexec_fn=_die_with_parent, env={**os.environ, **(env or {})})
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


def embed_font(out: Path, extra: str = "") -> int:
    """Write the CJK font subset the pages need into ``_static``; return its glyph count.

    ``extra``: text of a page outside ``out`` that uses the same font file (the top page).
    """
    chars: set[str] = {ch for ch in extra if _is_cjk(ch)}
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
