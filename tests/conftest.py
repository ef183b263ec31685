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

    Returns ``(output link, stderr of the build)``. Shared by the book, browser and
    reproducibility tests. ``KEQUN_TEST_BOOK=<report folder>`` reuses a report built with the
    same parameters (``--n-customers 3000 --seed 1 --strict``) instead, to rerun these tests
    quickly; the build-log test is then skipped.
    """
    import os
    import subprocess
    import sys

    reuse = os.environ.get("KEQUN_TEST_BOOK")
    if reuse:
        return Path(reuse), ""

    out = tmp_path_factory.mktemp("book") / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "kequn_lib.report", "--output", str(out), "--strict",
         "--n-customers", str(BOOK_PARAMS["N_CUSTOMERS"]), "--seed", str(BOOK_PARAMS["SEED"]),
         "--timeout", "600"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )
    assert proc.returncode == 0, f"the book did not build:\n{proc.stderr[-3000:]}"
    return out, proc.stderr
