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
