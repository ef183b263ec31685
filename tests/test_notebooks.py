"""Every notebook executes in a fresh kernel, at a small size, with no warnings in its output.

The default runs are the session's book build (``book`` fixture in conftest.py): it executes each
chapter in a fresh kernel with an empty data cache and ``--strict``, so any warning a chapter
writes into its output (matplotlib's "Glyph … missing" for Chinese text drawn as empty boxes, a
FutureWarning) fails it; the checks below read the executed notebooks it keeps. The runs on real
data execute here, with those warnings turned into errors inside the kernel.
"""

from __future__ import annotations

import json

import pytest

from kequn_lib import report

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP = """\
import warnings
warnings.filterwarnings("error", message="Glyph")
warnings.filterwarnings("error", category=FutureWarning)
"""


def _reader_text(nb) -> str:
    """Everything a reader sees in the outputs: streams, Markdown sentences and plain text."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            data = out.get("data", {})
            parts.append(data.get("text/markdown", ""))
            parts.append(data.get("text/plain", ""))
    return "\n".join(parts)


def _key_figures(nb) -> dict:
    figures: dict = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            figures.update(out.get("data", {}).get("application/vnd.kequn.key-figures+json", {}))
    return figures


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_cleanly(path, executed):
    nb = executed["en"][path.stem]
    text = _reader_text(nb)
    for leak in ("Could not download", "HTTPSConnection", "empty-data-cache", "Traceback"):
        assert leak not in text, f"the default build shows {leak!r} to the reader"
    assert nb.cells[0].cell_type == "markdown"
    images = sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        for out in cell.get("outputs", [])
    )
    assert images >= 1, "every chapter shows at least one figure"


REAL_DATA = [
    ("02_contribution_tiering", "uci-bank-marketing", "uci-bank-marketing/bank-full.csv"),
    ("03_clustering_segments", "uci-bank-marketing", "uci-bank-marketing/bank-full.csv"),
    ("03_clustering_segments", "uci-credit-default",
     "uci-default-credit-card-clients/default of credit card clients.csv"),
]


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize(("stem", "data", "member"), REAL_DATA,
                         ids=[f"{s[:2]}-{d}" for s, d, _ in REAL_DATA])
def test_notebook_runs_on_real_data(stem, data, member, tmp_path, monkeypatch):
    import shutil

    from .conftest import SHARED

    source = SHARED / "datasets" / member
    if not source.exists():
        pytest.skip(f"real dataset not found at ../shared/datasets/{member}")
    shutil.copy(source, tmp_path / source.name)  # the loader's cache, as a user would fill it
    monkeypatch.setenv("KEQUN_DATA", str(tmp_path))
    nb = report.execute_notebook(REPO / "notebooks" / f"{stem}.ipynb", params={"DATA": data},
                                 strict=True, setup=SETUP, timeout=600)
    text = _reader_text(nb)
    assert data in text, "the chapter should say which data it ran on"
    assert "not available" not in text, "the real data were in the cache but not used"



SHARED_SEGMENTS = ("03_clustering_segments", "04_group_operations")


def _code(stem: str) -> str:
    cells = json.loads((REPO / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def test_chapters_03_and_04_make_the_same_segmentation_call():
    calls = {stem: [ln.strip() for ln in _code(stem).splitlines() if "segment_customers(" in ln]
             for stem in SHARED_SEGMENTS}
    main = "seg = kq.segment_customers(customers, random_state=SEED)"
    assert all(main in found for found in calls.values()), calls
    assert "n_clusters" not in _code("04_group_operations"), "04 must not fix its own k"


@pytest.mark.slow
def test_chapters_03_and_04_report_the_same_segments(executed):
    runs = {stem: executed["en"][stem] for stem in SHARED_SEGMENTS}
    seg03, seg04 = (_key_figures(runs[s])["segments"] for s in SHARED_SEGMENTS)
    assert seg03 == seg04 >= 2
    for stem, nb in runs.items():
        assert f"**{seg03} segments**" in _reader_text(nb), f"{stem} states the count from the run"
    tables = {s: [o["data"]["text/plain"] for c in runs[s].cells for o in c.get("outputs", [])
                  if "Persona (画像)" in o.get("data", {}).get("text/plain", "")]
              for s in SHARED_SEGMENTS}
    first, second = (tables[s] for s in SHARED_SEGMENTS)
    assert first and first == second, "the two chapters show different segment sizes or names"
