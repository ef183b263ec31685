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
