"""Every chapter executes in the Chinese build: no missing glyph, no warning, Chinese-first headers.

The runs are the Chinese half of the session's book build (``book`` and ``executed`` fixtures in
conftest.py, built with ``--strict``: a "Glyph … missing" warning or any other text on stderr fails
it). The chapters that declare ``LANG`` receive ``LANG = "zh"``; for the others the kernel is set
to Chinese before the first cell. Every figure label and table header a chapter draws is then
Chinese-first.
"""

from __future__ import annotations

import re

import pytest

from .test_notebooks import NOTEBOOKS

_HEADER = re.compile(r'<th class="kequn-[a-z]+">(.*?)</th>', re.S)
_HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_executes_in_chinese(path, executed):
    nb = executed["zh"][path.stem]
    outputs = [out for cell in nb.cells for out in cell.get("outputs", [])]
    assert any("image/png" in out.get("data", {}) for out in outputs)
    headers = [h for out in outputs for h in _HEADER.findall(out.get("data", {}).get(
        "text/html", "") if isinstance(out.get("data", {}).get("text/html", ""), str)
        else "".join(out["data"]["text/html"]))]
    bilingual = [h for h in headers if "kequn-en" in h or "kequn-zh" in h]
    assert bilingual or not headers, "no table header takes its label from the dictionary"
    # a header with both languages starts with its Chinese term and holds the English below
    assert all(_HAN.match(h) and "kequn-en" in h for h in bilingual), bilingual[:5]


# --- no English prose for a reader of the Chinese edition ---------------------------------------

#: Latin words a Chinese page may show outside code: method, measure and model-parameter names,
#: abbreviations, the names of banks, products and data sets as cited, and the ``true_`` prefix
#: of the ground-truth columns.
ALLOWED = {
    "AUM", "RFM", "BG", "NBD", "ARI", "NMI", "MAE", "RMSE", "WeBank", "MYbank", "ICBC", "kequn",
    "Calinski", "Harabasz", "Davies", "Bouldin", "means", "alive", "Gamma", "Lorenz", "Pareto",
    "alpha", "Bank", "Marketing", "true",
}
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]{3,}")


def _shown_text(nb) -> list[tuple[int, str]]:
    """(cell, text) a reader sees in Markdown outputs and tables, without code spans, link
    targets and the English line under a Chinese-first table header."""
    import html

    seen = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            md = data.get("text/markdown", "")
            md = "".join(md) if isinstance(md, list) else md
            md = re.sub(r"`[^`]*`", " ", re.sub(r"\]\([^)]*\)", "]", md))
            page = data.get("text/html", "")
            page = "".join(page) if isinstance(page, list) else page
            page = re.sub(r"<style.*?</style>|<span class=\"kequn-en\" lang=\"en\">.*?</span>", " ",
                          page, flags=re.S)
            seen += [(i, md), (i, html.unescape(re.sub(r"<[^>]+>", " ", page)))]
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_chinese_chapter_shows_no_english_prose(stem, executed):
    """Sentences, table headers and table cells of a Chinese chapter hold no English word of
    four letters or more outside code, except names in ALLOWED."""
    nb = executed["zh"][stem]
    english = sorted({(i, w) for i, text in _shown_text(nb) for w in _LATIN_WORD.findall(text)
                      if w not in ALLOWED})
    assert not english, f"{stem}: English words a Chinese reader meets (cell, word): {english}"
