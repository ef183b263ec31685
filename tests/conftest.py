"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

import kequn_lib as kq

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def customers():
    """A small synthetic bank (3,000 customers, seed 0). Do not modify: copy first."""
    return kq.make_customers(n=3_000, random_state=0)


@pytest.fixture(scope="session")
def transactions(customers):
    """Six months of events for the small synthetic bank."""
    return kq.make_transactions(customers, months=6, random_state=0)


BOOK_PARAMS = {"N_CUSTOMERS": 3_000, "SEED": 1}


@pytest.fixture(scope="session")
def book(tmp_path_factory):
    """The real book, built once per session by the command line at a small size (strict).

    Returns ``(output link, stderr of the build)``. Shared by the book, browser, notebook and
    reproducibility tests: the build executes every chapter once per language, with an empty data
    cache (the default book must read well without the public data), and keeps the executed
    notebooks beside the report (``executed/<lang>/``) for the notebook tests. ``--strict`` makes
    any warning a chapter writes into its output (a missing glyph, a FutureWarning) fail the build.
    ``KEQUN_TEST_BOOK=<report folder>`` reuses a report built with the same parameters
    (``--n-customers 3000 --seed 1 --strict --keep-executed <report folder>/../executed``) instead,
    to rerun these tests quickly; the build-log test is then skipped.
    """
    import os
    import subprocess
    import sys

    reuse = os.environ.get("KEQUN_TEST_BOOK")
    if reuse:
        return Path(reuse), ""

    root = tmp_path_factory.mktemp("book")
    out = root / "reports"
    cache = root / "empty-data-cache"
    cache.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "kequn_lib.report", "--output", str(out), "--strict",
         "--n-customers", str(BOOK_PARAMS["N_CUSTOMERS"]), "--seed", str(BOOK_PARAMS["SEED"]),
         "--timeout", "600", "--keep-executed", str(root / "executed")],
        capture_output=True, text=True, cwd=REPO, check=False,
        env={**os.environ, "KEQUN_DATA": str(cache)},
    )
    assert proc.returncode == 0, f"the book did not build:\n{proc.stderr[-3000:]}"
    return out, proc.stderr


@pytest.fixture(scope="session")
def executed(book):
    """The book's executed notebooks, as the kernel left them: ``{lang: {stem: notebook}}``."""
    import nbformat

    folder = book[0].parent / "executed"
    if not folder.is_dir():
        pytest.skip(f"no executed notebooks beside the reused book ({folder.name}/ is missing)")
    return {
        lang.name: {p.stem: nbformat.read(str(p), as_version=4)
                    for p in sorted(lang.glob("[0-9][0-9]_*.ipynb"))}
        for lang in sorted(folder.iterdir()) if lang.is_dir()
    }
