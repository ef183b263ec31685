"""Two runs of a chapter with the same parameters declare identical key figures.

Every report build executes each chapter twice, once per language (``LANG = "en"`` and
``LANG = "zh"``), with the same parameters, and the builder refuses to finish when the two runs'
key figures differ (:func:`kequn_lib.report._compare_figures`). The session's book (``book``
fixture, built with ``--strict``) therefore proves both that the run is reproducible and that the
language changes words, never numbers, without a third build.
"""

from __future__ import annotations

import json

import pytest

from kequn_lib import report
from kequn_lib.report import _compare_figures

#: the chapters whose key figures come from the most involved steps (BG/NBD and wallet
#: estimation, clustering with bootstrap stability, simulated loan books)
CHAPTERS = ["02", "03", "05"]


@pytest.mark.slow
def test_every_chapter_ran_twice_and_its_key_figures_agreed(book) -> None:
    out, _ = book
    languages = json.loads((out / "build.json").read_text(encoding="utf-8"))["languages"]
    figures = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    assert set(languages) == {"en", "zh"}
    for name in figures:
        for lang in languages:
            assert languages[lang]["chapters"][name]["rebuilt"] is True, (lang, name)
    for chapter, values in figures.items():
        if chapter[:2] in CHAPTERS:
            assert len(values) >= 3, f"{chapter} declares fewer than three key figures"


def test_differing_key_figures_stop_the_build() -> None:
    _compare_figures("02_x", {"a": 1, "b": 2.5}, {"b": 2.5, "a": 1}, "zh")
    with pytest.raises(report.ReportError, match=r"02_x.ipynb: .*differ \(b: 2.5 vs 2.6\)"):
        _compare_figures("02_x", {"a": 1, "b": 2.5}, {"a": 1, "b": 2.6}, "zh")
