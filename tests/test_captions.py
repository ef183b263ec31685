"""Every figure of the book has a caption of its own, in English and in Chinese.

A plot cell (one that calls ``plt.show()`` or a ``kq.plot_*`` function) carries ``caption`` and
``caption_zh`` in its cell metadata: a short sentence saying what the figure shows, true on any
run (no numbers about the data; those belong to the sentence after the figure). The book's
builder numbers the figures and uses the caption of the book's language.
"""

from __future__ import annotations

import json
import re

import pytest

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_PLOT = re.compile(r"plt\.show\(\)|\bkq\.plot_\w+\(|\.plot(?:\.\w+)?\(")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _plot_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] == "code" and _PLOT.search("".join(cell["source"])):
            yield i, cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_plot_cell_has_an_english_and_a_chinese_caption(path):
    cells = list(_plot_cells(path))
    assert cells, f"{path.name} has no plot cell"
    for i, cell in cells:
        meta = cell["metadata"]
        en, zh = meta.get("caption"), meta.get("caption_zh")
        where = f"{path.name} cell {i}"
        assert en and zh, f"{where}: add `caption` and `caption_zh` to the cell's metadata"
        en, zh = ([en], [zh]) if isinstance(en, str) else (en, zh)
        assert isinstance(zh, list) and len(en) == len(zh), f"{where}: one caption_zh per caption"
        for e, z in zip(en, zh, strict=True):
            assert e.strip().endswith("."), f"{where}: the caption {e!r} is a sentence"
            assert _CJK.search(z), f"{where}: caption_zh {z!r} is not Chinese"
            assert z.strip().endswith("。"), f"{where}: caption_zh {z!r} is a sentence"


def test_plot_cells_are_found():
    source = "fig, ax = plt.subplots()\nkq.plot_lorenz(df, ax=ax)\n"
    assert _PLOT.search(source) and _PLOT.search("ax = mix.plot.barh(stacked=True)")
    assert not _PLOT.search("kq.display_table(t)\nplot_col = 'x'")
