"""Two report builds with the same parameters write byte-identical ``key_figures.json``.

The build executes the notebooks with ``strict=True``, which already fails on any text a
notebook writes to stderr (warnings) and on any error output; the test re-checks the rendered
pages for error output as a second line of defence. The three chapters whose key figures are
computed from the most involved steps (BG/NBD and wallet estimation, clustering with bootstrap
stability, simulated loan books) are built; 01 and 04 are left out to keep the two builds near
a minute on two cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kequn_lib import report

PARAMS = {"N_CUSTOMERS": 3_000, "SEED": 1}
CHAPTERS = ["02", "03", "05"]


def _build(folder: Path) -> Path:
    return report.build(folder, params=PARAMS, only=CHAPTERS, api=False, strict=True,
                        timeout=600)


@pytest.mark.slow
def test_two_builds_write_identical_key_figures(tmp_path: Path) -> None:
    first = _build(tmp_path / "first") / "key_figures.json"
    second = _build(tmp_path / "second") / "key_figures.json"
    a, b = first.read_bytes(), second.read_bytes()
    assert a == b, "key_figures.json differs between two builds with the same parameters"
    figures = json.loads(a)
    chapters = {p.stem for p in report.DEFAULT_NOTEBOOKS.glob("*.ipynb")
                if p.name[:2] in CHAPTERS}
    assert set(figures) == chapters
    for chapter, values in figures.items():
        assert len(values) >= 3, f"{chapter} declares fewer than three key figures"
    assert figures["02_contribution_tiering"]["customers"] == PARAMS["N_CUSTOMERS"]
    for page in (tmp_path / "first").glob("[0-9][0-9]_*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in text, page.name
        assert "Warning:" not in text, page.name
