"""Every chapter executes in the Chinese build: no missing glyph, no warning, Chinese-first headers.

The chapters that declare ``LANG`` receive ``LANG = "zh"``; for the others the kernel is set to
Chinese before the first cell. Every figure label and table header a chapter draws is then
Chinese-first; matplotlib's "Glyph … missing" warnings are errors, as in tests/test_notebooks.py.
"""

from __future__ import annotations

import re

import pytest

from kequn_lib import report

from .test_notebooks import DEFAULT_PARAMS, NOTEBOOKS, SETUP

ZH_SETUP = SETUP + 'import kequn_lib as _kq\n_kq.set_language("zh")\n'
_HEADER = re.compile(r'<th class="kequn-[a-z]+">(.*?)</th>', re.S)
_HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_executes_in_chinese(path, monkeypatch, tmp_path):
    monkeypatch.setenv("KEQUN_DATA", str(tmp_path))
    # LANG reaches chapters that declare it; the setup sets the language for the others
    params = {**DEFAULT_PARAMS, "LANG": "zh"}
    nb = report.execute_notebook(path, params=params, strict=True, setup=ZH_SETUP,
                                 timeout=600)
    outputs = [out for cell in nb.cells for out in cell.get("outputs", [])]
    assert any("image/png" in out.get("data", {}) for out in outputs)
    headers = [h for out in outputs for h in _HEADER.findall(out.get("data", {}).get(
        "text/html", "") if isinstance(out.get("data", {}).get("text/html", ""), str)
        else "".join(out["data"]["text/html"]))]
    bilingual = [h for h in headers if "kequn-en" in h or "kequn-zh" in h]
    assert bilingual or not headers, "no table header takes its label from the dictionary"
    # a header with both languages starts with its Chinese term and holds the English below
    assert all(_HAN.match(h) and "kequn-en" in h for h in bilingual), bilingual[:5]
