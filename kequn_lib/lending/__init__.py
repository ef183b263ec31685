"""The WeBank / MYbank lending case study: cited facts, calibrated loan books, comparisons.

There is no loan-level data behind the news piece that part 3 of the source article reproduces
(融途网, comparing 微众银行 WeBank and its 微粒贷 Weilidai loans with 网商银行 MYbank). What it
has is a handful of figures, most of them bounds ("average loan under 1万", "overdue rate under
1%"). This module turns every figure into a checked, cited row (:func:`lending_facts`, with the
later public figures in :func:`public_figures`), builds loan-size distributions and simulated
loan books that honour those rows (:func:`calibrate_loan_sizes`, :func:`simulate_loan_book`,
:func:`loan_book_checks`), and reasons about the article's claims with small, transparent tools
(:func:`decompose_volume`, :func:`growth_path`, :func:`compare_books`,
:func:`approval_under_tolerance`). A test on simulated books is no evidence about the banks (the
difference was put in by assumption); :func:`overdue_power` turns it into what it can say: how
large a book would reveal a given difference.

Everything the facts do not pin down is an *assumption*: an explicit keyword argument whose default
comes from :class:`LendingAssumptions` (see :func:`lending_assumptions`).

Banks are named ``"WeBank"`` / ``"微众银行"`` and ``"MYbank"`` / ``"网商银行"``; case does not
matter.
"""

from __future__ import annotations

from ._books import (
    LoanSizeModel,
    calibrate_loan_sizes,
    loan_book_checks,
    simulate_loan_book,
    size_sensitivity,
)
from ._facts import BANKS as BANKS
from ._facts import RELATIONS as RELATIONS
from ._facts import UNIT_SCALE as UNIT_SCALE
from ._facts import (
    LendingAssumptions,
    lending_assumptions,
    lending_facts,
    public_figures,
)
from ._facts import _validate_facts as _validate_facts
from ._power import OverduePower, overdue_power
from ._risk import (
    BookComparison,
    approval_under_tolerance,
    compare_books,
    decompose_volume,
    growth_path,
    make_applicant_pool,
)

__all__ = [
    "BookComparison",
    "LendingAssumptions",
    "LoanSizeModel",
    "OverduePower",
    "approval_under_tolerance",
    "calibrate_loan_sizes",
    "compare_books",
    "decompose_volume",
    "growth_path",
    "lending_assumptions",
    "lending_facts",
    "loan_book_checks",
    "make_applicant_pool",
    "overdue_power",
    "public_figures",
    "simulate_loan_book",
    "size_sensitivity",
]

# Not public: ``BANKS``, ``RELATIONS``, ``UNIT_SCALE`` and ``_validate_facts`` are imported above
# (as redundant aliases) so that they stay importable from ``kequn_lib.lending``.
