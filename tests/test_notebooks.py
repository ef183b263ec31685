"""Every notebook executes in a fresh kernel, at a small size, with no warnings in its output.

matplotlib's "Glyph … missing" warnings (Chinese text drawn as empty boxes) and FutureWarnings
are turned into errors inside the kernel; any other text on stderr fails the test too.
"""

from __future__ import annotations

import pytest

from kequn_lib import report

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP = """\
import warnings
warnings.filterwarnings("error", message="Glyph")
warnings.filterwarnings("error", category=FutureWarning)
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_cleanly(path):
    nb = report.execute_notebook(
        path, params={"N_CUSTOMERS": 3_000, "SEED": 0}, strict=True, setup=SETUP, timeout=600
    )
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
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/markdown", "")
                   for c in nb.cells for o in c.get("outputs", []))
    assert data in text, "the chapter should say which data it ran on"
    assert "not available" not in text, "the real data were in the cache but not used"

