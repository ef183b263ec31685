"""Two report builds with the same parameters write identical key figures.

The session's book (``book`` fixture, built with ``--strict``, which already fails on any
warning or error a notebook writes) is compared with a second build of the three chapters whose
key figures come from the most involved steps (BG/NBD and wallet estimation, clustering with
bootstrap stability, simulated loan books).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kequn_lib import report

from .conftest import BOOK_PARAMS

CHAPTERS = ["02", "03", "05"]


@pytest.mark.slow
def test_two_builds_write_identical_key_figures(book, tmp_path: Path) -> None:
    out, _ = book
    second = report.build(tmp_path / "second", params=BOOK_PARAMS, only=CHAPTERS, api=False,
                          strict=True, timeout=600)
    first = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    again = json.loads((second / "key_figures.json").read_text(encoding="utf-8"))
    assert set(again) == {c for c in first if c[:2] in CHAPTERS}
    for chapter, values in again.items():
        assert values == first[chapter], f"{chapter}: key figures differ between two builds"
        assert len(values) >= 3, f"{chapter} declares fewer than three key figures"
