"""Loan books of the lending case study: size calibration, simulated books, fact checks.

Fits truncated log-normal loan-size distributions that honour each bank's size facts, simulates
loan-level books from them, and checks any book of one bank against that bank's facts. Part of
:mod:`kequn_lib.lending`; import the public names from there.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .._validation import (
    check_int,
    check_number,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
)
from ..errors import ParameterError
from ._facts import _ASSUMPTIONS, BANKS, UNIT_SCALE, _bank, _fact

__all__ = [
    "LoanSizeModel",
    "calibrate_loan_sizes",
    "loan_book_checks",
    "simulate_loan_book",
    "size_sensitivity",
]

log = logging.getLogger(__package__)  # the package's logger name, as before the split


# --- loan-size calibration ---------------------------------------------------------------------


def _plain(x: float) -> str:
    """A small number without scientific notation (1e-06 -> '0.000001')."""
    return f"{x:.12f}".rstrip("0").rstrip(".")


# Columns of a fact-check table (:attr:`LoanSizeModel.checks`, :func:`loan_book_checks`).
_CHECK_COLUMNS = ("fact_id", "fact", "fact_zh", "required", "required_zh", "achieved", "holds")


def _below_fact(thr: float) -> str:
    return f"share of loans below {thr:,.0f} CNY (borrowers' share, one loan each)"


def _below_fact_zh(thr: float) -> str:
    return f"{thr:,.0f}元以下的贷款占比（原文为借款客户占比，按每人一笔贷款计）"


def _log_mass(a: float, b: float) -> float:
    """log(Φ(b) − Φ(a)) for a < b, stable in both tails."""
    if a > 0:
        a, b = -b, -a
    lb, la = special.log_ndtr(b), special.log_ndtr(a)
    return float(lb + np.log1p(-np.exp(la - lb)))


@dataclass
class LoanSizeModel:
    """A log-normal loan-size distribution truncated to ``[lower, upper]`` CNY.

    ``log(amount)`` is normal with mean ``mu`` and standard deviation ``sigma``, conditioned on
    ``lower <= amount <= upper``. Made by :func:`calibrate_loan_sizes`, which also fills
    ``checks``: one row per fact the calibration must honour (``fact_id``, ``fact`` and its
    Chinese wording ``fact_zh``, ``required`` and ``required_zh``, ``achieved``, ``holds``).
    """

    bank: str
    mu: float
    sigma: float
    lower: float
    upper: float
    checks: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def _ab(self) -> tuple[float, float]:
        return ((math.log(self.lower) - self.mu) / self.sigma,
                (math.log(self.upper) - self.mu) / self.sigma)

    def _dist(self) -> Any:
        a, b = self._ab()
        return stats.truncnorm(a, b, loc=self.mu, scale=self.sigma)

    def mean(self) -> float:
        """Mean loan size in CNY."""
        a, b = self._ab()
        s = self.sigma
        return float(math.exp(self.mu + s * s / 2 + _log_mass(a - s, b - s) - _log_mass(a, b)))

    def median(self) -> float:
        """Median loan size in CNY."""
        return self.quantile(0.5)

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of loan size in CNY."""
        return float(np.exp(self._dist().ppf(q)))

    def cdf(self, x: float) -> float:
        """Share of loans of at most ``x`` CNY."""
        if x <= self.lower:
            return 0.0
        if x >= self.upper:
            return 1.0
        return float(self._dist().cdf(math.log(x)))

    def sample(self, n: int, *, random_state: int | np.random.Generator | None = None
               ) -> np.ndarray:
        """Draw ``n`` loan sizes (CNY) as a float64 array."""
        n = check_int(n, name="n", owner="LoanSizeModel.sample", low=0)
        rng = check_random_state(random_state, owner="LoanSizeModel.sample")
        y = self._dist().rvs(size=n, random_state=rng)
        return np.clip(np.exp(np.asarray(y, dtype="float64")), self.lower, self.upper)


def _solve_mu(fun: Any, lo: float, hi: float) -> float:
    return float(optimize.brentq(fun, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))


def _size_checks(model: LoanSizeModel, *, share_tolerance: float = 1e-6) -> pd.DataFrame:
    bank = model.bank
    limit = _fact(bank, "max_loan")
    rows = [{
        "fact_id": limit["fact_id"], "fact": "largest loan (CNY)", "fact_zh": "最大单笔贷款（元）",
        "required": f"<= {limit['value_std']:,.0f}", "achieved": model.upper,
        "holds": model.upper <= limit["value_std"],
    }]
    if bank == "WeBank":
        avg = _fact(bank, "average_loan_size")
        m = model.mean()
        rows.insert(0, {"fact_id": avg["fact_id"], "fact": "average loan (CNY)",
                        "fact_zh": "平均每笔贷款（元）",
                        "required": f"< {avg['value_std']:,.0f}", "achieved": m,
                        "holds": m < avg["value_std"]})
    else:
        sh = _fact(bank, "share_borrowers_below_threshold")
        thr = sh["condition"] * UNIT_SCALE[sh["condition_unit"]]
        got = model.cdf(thr)
        rows.insert(0, {"fact_id": sh["fact_id"], "fact": _below_fact(thr),
                        "fact_zh": _below_fact_zh(thr),
                        "required": f"= {sh['value_std']:.2f} (± {_plain(share_tolerance)})",
                        "achieved": got, "holds": abs(got - sh["value_std"]) <= share_tolerance})
    out = pd.DataFrame(rows)
    out["holds"] = out["holds"].astype(bool)
    out.insert(out.columns.get_loc("required") + 1, "required_zh", out["required"])
    return out[list(_CHECK_COLUMNS)]


def calibrate_loan_sizes(
    bank: str,
    *,
    sigma: float | None = None,
    mean_loan: float | None = None,
    min_loan: float | None = None,
    limit: float | None = None,
) -> LoanSizeModel:
    """Fit a truncated log-normal loan-size distribution that satisfies the bank's size facts.

    WeBank: average loan under 1万 (fact W04) and no loan above 20万 (W07). MYbank: 98% of borrowers
    below 5万 (M04, a share of customers, used as a share of loans by assuming one loan per
    borrower) and no loan above 500万 (M11). One fact fixes ``mu``; the rest of the shape
    is free and exposed here.

    Parameters
    ----------
    bank : str
        ``"WeBank"``/``"微众银行"`` or ``"MYbank"``/``"网商银行"``.
    sigma : float, optional
        Log-standard deviation (> 0). Default: :class:`LendingAssumptions` (1.0).
    mean_loan : float, optional
        WeBank only: the average loan to hit, in CNY; must stay under the stated 1万 and above
        ``min_loan``. Default 8,000 (an assumption). MYbank's mean is implied, not chosen.
    min_loan : float, optional
        Smallest loan, CNY (default 500, an assumption).
    limit : float, optional
        Largest loan, CNY: the stated limit by default; may be lower, never higher.

    Returns
    -------
    LoanSizeModel
        With ``mu``, ``sigma``, ``lower``, ``upper``, methods ``mean``, ``median``, ``quantile``,
        ``cdf``, ``sample``, and ``checks`` (columns ``fact_id``, ``fact``, ``fact_zh``,
        ``required``, ``required_zh``, ``achieved``, ``holds``); every check holds.

    Raises
    ------
    ParameterError
        Unknown bank; a non-positive sigma; targets no distribution can meet (a WeBank mean at or
        above 1万 or outside ``(min_loan, limit)``, a limit above the stated one, a MYbank limit
        or minimum that leaves no room on both sides of 5万, ``mean_loan`` for MYbank).

    Notes
    -----
    ``mu`` is found by root finding (Brent) on the truncated-normal moment formula
    E[e^Y] = exp(mu + sigma²/2)·[Φ(β−sigma) − Φ(α−sigma)] / [Φ(β) − Φ(α)] for WeBank's mean, and
    on the truncated CDF at 5万 for MYbank's share; both are monotone in ``mu``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> m = kq.calibrate_loan_sizes("WeBank", mean_loan=9000, sigma=0.8)
    >>> round(m.mean())
    9000
    >>> bool(m.checks["holds"].all())
    True
    """
    owner = "calibrate_loan_sizes"
    bank = _bank(bank, owner=owner)
    a = _ASSUMPTIONS[bank]
    sigma = check_number(a.sigma if sigma is None else sigma, name="sigma", owner=owner, low=0,
                         low_inclusive=False, high=10)
    lower = check_number(a.min_loan if min_loan is None else min_loan, name="min_loan",
                         owner=owner, low=0, low_inclusive=False)
    stated_limit = float(_fact(bank, "max_loan")["value_std"])
    upper = check_number(stated_limit if limit is None else limit, name="limit", owner=owner,
                         low=0, low_inclusive=False)
    if upper > stated_limit:
        msg = (f"{owner}: limit={upper:,.0f} CNY is above {bank}'s stated maximum loan of "
               f"{stated_limit:,.0f} CNY (fact {_fact(bank, 'max_loan')['fact_id']}). "
               "Pass a limit at or below it, or leave it out.")
        raise ParameterError(msg)
    if lower >= upper:
        msg = f"{owner}: min_loan={lower:,.0f} must be below limit={upper:,.0f} CNY."
        raise ParameterError(msg)
    lo_mu, hi_mu = math.log(lower) - 30 * sigma, math.log(upper) + 30 * sigma
    if bank == "WeBank":
        bound = float(_fact(bank, "average_loan_size")["value_std"])
        target = check_number(a.mean_loan if mean_loan is None else mean_loan, name="mean_loan",
                              owner=owner, low=0, low_inclusive=False)
        if target >= bound:
            msg = (f"{owner}: impossible calibration: mean_loan={target:,.0f} CNY breaks WeBank's "
                   f"stated average loan below {bound:,.0f} CNY (fact W04). "
                   f"Choose a mean under {bound:,.0f}.")
            raise ParameterError(msg)
        if not lower < target < upper:
            msg = (f"{owner}: impossible calibration: mean_loan={target:,.0f} CNY must lie "
                   f"strictly between min_loan={lower:,.0f} and limit={upper:,.0f}.")
            raise ParameterError(msg)

        def gap(mu: float) -> float:
            return math.log(LoanSizeModel(bank, mu, sigma, lower, upper).mean()) - math.log(target)
    else:
        if mean_loan is not None:
            msg = (f"{owner}: the article gives no average loan for MYbank, so mean_loan cannot "
                   "be set; its mean follows from sigma and the 98%-below-5万 fact. Pass sigma=.")
            raise ParameterError(msg)
        sh = _fact(bank, "share_borrowers_below_threshold")
        thr = float(sh["condition"] * UNIT_SCALE[sh["condition_unit"]])
        share = float(sh["value_std"])
        if not lower < thr < upper:
            msg = (f"{owner}: impossible calibration: MYbank's fact M04 puts {share:.0%} of loans "
                   f"below {thr:,.0f} CNY, which needs min_loan < {thr:,.0f} < limit; got "
                   f"min_loan={lower:,.0f}, limit={upper:,.0f}.")
            raise ParameterError(msg)

        def gap(mu: float) -> float:
            return LoanSizeModel(bank, mu, sigma, lower, upper).cdf(thr) - share
    try:
        mu = _solve_mu(gap, lo_mu, hi_mu)
    except ValueError as exc:  # pragma: no cover - guarded by the checks above
        msg = f"{owner}: no distribution meets {bank}'s size facts with sigma={sigma}: {exc}"
        raise ParameterError(msg) from exc
    model = LoanSizeModel(bank, mu, sigma, lower, upper)
    model.checks = _size_checks(model)
    if not model.checks["holds"].all():  # pragma: no cover - numerical safety net
        bad = model.checks.loc[~model.checks["holds"], "fact_id"].tolist()
        msg = f"{owner}: calibration for {bank} misses fact(s) {bad}; try another sigma."
        raise ParameterError(msg)
    log.debug("calibrated %s: mu=%.4f sigma=%.3f mean=%.0f", bank, mu, sigma, model.mean())
    return model


def size_sensitivity(bank: str, *, sigmas: Iterable[float] = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0),
                     **kwargs: Any) -> pd.DataFrame:
    """How the calibrated loan-size distribution moves with the free log-sd ``sigma``.

    Parameters
    ----------
    bank : str
        One bank (any accepted spelling).
    sigmas : iterable of float, default=(0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
        The values of ``sigma`` to calibrate at.
    **kwargs
        Other arguments of :func:`calibrate_loan_sizes` (``mean_loan``, ``min_loan``, ``limit``).

    Returns
    -------
    pandas.DataFrame
        One row per sigma: ``bank``, ``sigma``, ``mu``, ``mean``, ``median``, ``p99`` (CNY),
        ``share_below_50k`` and ``all_facts_hold``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> t = kq.size_sensitivity("MYbank", sigmas=[0.5, 1.5])
    >>> bool(t["mean"].iloc[0] > t["mean"].iloc[1])
    True
    """
    rows = []
    for s in sigmas:
        m = calibrate_loan_sizes(bank, sigma=s, **kwargs)
        rows.append({"bank": m.bank, "sigma": float(s), "mu": m.mu, "mean": m.mean(),
                     "median": m.median(), "p99": m.quantile(0.99),
                     "share_below_50k": m.cdf(50_000.0),
                     "all_facts_hold": bool(m.checks["holds"].all())})
    return pd.DataFrame(rows)


# --- simulated loan books ----------------------------------------------------------------------


def _exact_labels(n: int, weights: Sequence[tuple[str, float]], rng: np.random.Generator
                  ) -> pd.Categorical:
    """Labels in exactly the given shares (largest remainder), in random order."""
    labels = [k for k, _ in weights]
    w = np.array([v for _, v in weights], dtype="float64")
    w = w / w.sum()
    raw = w * n
    counts = np.floor(raw).astype(int)
    rest = n - counts.sum()
    if rest > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    codes = np.repeat(np.arange(len(labels)), counts)
    rng.shuffle(codes)
    return pd.Categorical.from_codes(codes, categories=labels)


def _rescale_to_total(x: np.ndarray, total: float, lower: float, upper: float) -> np.ndarray:
    """Scale amounts so they sum to ``total`` while staying within [lower, upper]."""
    x = x.astype("float64").copy()
    for _ in range(200):
        free = (x > lower) & (x < upper)
        if not free.any():
            break
        need = total - x[~free].sum()
        x[free] *= need / x[free].sum()
        np.clip(x, lower, upper, out=x)
        if abs(x.sum() - total) <= 1e-11 * total:
            break
    free = np.flatnonzero((x > lower) & (x < upper))
    if free.size:  # put the last float residue on the free loan with the most headroom
        i = free[np.argmax(np.minimum(x[free] - lower, upper - x[free]))]
        x[i] += total - x.sum()
    return x


def simulate_loan_book(
    bank: str,
    *,
    n_loans: int | None = None,
    volume: float | None = None,
    random_state: int | np.random.Generator | None = 0,
    size_model: LoanSizeModel | None = None,
    overdue_rate: float | None = None,
    funding_share: float | None = None,
    borrower_type_weights: Sequence[tuple[str, float]] | None = None,
) -> pd.DataFrame:
    """Simulate a loan-level book for one bank that honours the article's facts.

    Amounts come from the calibrated size distribution; education and occupation follow the
    stated WeBank mixes (70% below junior college, 50% blue-collar service or manufacturing);
    borrower types, funding sources and overdue flags are assigned in *exact* shares, so the book
    reproduces the stated (or assumed) figures without sampling noise.

    Parameters
    ----------
    bank : str
        ``"WeBank"``/``"微众银行"`` or ``"MYbank"``/``"网商银行"``.
    n_loans : int, optional
        Number of loans. With ``volume`` alone it is ``round(volume / mean loan)``; with neither,
        10,000.
    volume : float, optional
        Total amount lent, CNY (> 0). When given, amounts are rescaled (within the size bounds)
        so that they add up to it exactly.
    random_state : int, Generator or None, default=0
        Seed for the draws.
    size_model : LoanSizeModel, optional
        From :func:`calibrate_loan_sizes`; the bank's default calibration otherwise.
    overdue_rate : float, optional
        Assumed overdue share, at least 0 and strictly below the stated bound (WeBank 0.3%,
        MYbank 1%). Default from :class:`LendingAssumptions`.
    funding_share : float, optional
        Share funded by the main source: WeBank must be the stated 0.80; MYbank within the
        stated 0.60–0.70 (default 0.65).
    borrower_type_weights : sequence of (str, float), optional
        Borrower-type mix; default from :class:`LendingAssumptions`.

    Returns
    -------
    pandas.DataFrame
        One row per loan, RangeIndex: ``loan_id`` (int64), ``bank`` (category), ``amount``
        (float64 CNY), ``borrower_type``, ``education``, ``occupation``, ``funding_source``
        (categories; "not stated" where the article gives nothing) and ``overdue`` (bool).
        ``attrs`` holds ``bank`` and ``volume_requested``.

    Raises
    ------
    ParameterError
        Unknown bank, negative or zero volume, a volume the size bounds cannot reach with
        ``n_loans`` loans (or one whose average breaks WeBank's 1万 bound), an overdue rate or
        funding share outside the stated bounds, a size model of the other bank.

    See Also
    --------
    loan_book_checks : the fact-by-fact check table of a simulated book.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> book = kq.simulate_loan_book("MYbank", n_loans=500, volume=5_000_000, random_state=1)
    >>> round(book["amount"].sum())
    5000000
    >>> float(book["overdue"].mean())
    0.008
    """
    owner = "simulate_loan_book"
    bank = _bank(bank, owner=owner)
    a = _ASSUMPTIONS[bank]
    if size_model is None:
        size_model = calibrate_loan_sizes(bank)
    elif not isinstance(size_model, LoanSizeModel) or size_model.bank != bank:
        got = getattr(size_model, "bank", type(size_model).__name__)
        msg = (f"{owner}: size_model must be a LoanSizeModel for {bank} (from "
               f"calibrate_loan_sizes({bank!r})), got one for {got!r}.")
        raise ParameterError(msg)
    if volume is not None:
        volume = check_number(volume, name="volume", owner=owner, low=0, low_inclusive=False)
    if n_loans is None:
        n_loans = 10_000 if volume is None else max(1, round(volume / size_model.mean()))
    n = check_int(n_loans, name="n_loans", owner=owner, low=1, high=50_000_000)
    bound = float(_fact(bank, "overdue_rate")["value_std"])
    rate = check_number(a.overdue_rate if overdue_rate is None else overdue_rate,
                        name="overdue_rate", owner=owner, low=0)
    if rate >= bound:
        msg = (f"{owner}: overdue_rate={rate:g} is not below {bank}'s stated overdue bound "
               f"{bound:g} (fact {_fact(bank, 'overdue_rate')['fact_id']}). Pick a rate under it.")
        raise ParameterError(msg)
    share = check_number(a.funding_share if funding_share is None else funding_share,
                         name="funding_share", owner=owner, low=0, high=1)
    if bank == "WeBank":
        stated = float(_fact(bank, "share_loans_funded_by_banks")["value_std"])
        if abs(share - stated) > 1e-9:
            msg = (f"{owner}: WeBank's funding share is stated as {stated:.0%} (fact W05); "
                   f"got funding_share={share:g}. Leave it out.")
            raise ParameterError(msg)
        funding = (("partner banks", share), ("WeBank and other funds", 1 - share))
    else:
        f = _fact(bank, "share_funds_from_nonbank_institutions")
        lo, hi = float(f["value_std"]), float(f["value_high_std"])
        if not lo - 1e-12 <= share <= hi + 1e-12:
            msg = (f"{owner}: funding_share={share:g} is outside MYbank's stated range "
                   f"{lo:.0%}–{hi:.0%} (fact M08). Pick a share within it.")
            raise ParameterError(msg)
        funding = (("non-bank institution deposits", share), ("interbank and other", 1 - share))
    if volume is not None:
        avg = volume / n
        if not size_model.lower <= avg <= size_model.upper:
            msg = (f"{owner}: volume={volume:,.0f} over n_loans={n:,} gives {avg:,.0f} CNY a "
                   f"loan, outside the size bounds [{size_model.lower:,.0f}, "
                   f"{size_model.upper:,.0f}]. Change n_loans or volume.")
            raise ParameterError(msg)
        if bank == "WeBank":
            cap = float(_fact(bank, "average_loan_size")["value_std"])
            if avg >= cap:
                msg = (f"{owner}: volume={volume:,.0f} over n_loans={n:,} averages {avg:,.0f} "
                       f"CNY a loan, breaking WeBank's stated average below {cap:,.0f} (fact "
                       "W04). Use more loans or less volume.")
                raise ParameterError(msg)
    weights = a.borrower_type_weights if borrower_type_weights is None else borrower_type_weights
    weights = _check_weights(weights, owner=owner)

    rng = check_random_state(random_state, owner=owner)
    amount = size_model.sample(n, random_state=rng)
    if volume is not None:
        amount = _rescale_to_total(amount, volume, size_model.lower, size_model.upper)
    if bank == "WeBank":
        edu = float(_fact(bank, "share_borrowers_below_junior_college")["value_std"])
        occ = float(_fact(bank, "share_borrowers_blue_collar")["value_std"])
        education = _exact_labels(n, (("below junior college", edu),
                                      ("junior college or above", 1 - edu)), rng)
        occupation = _exact_labels(n, (("blue-collar service/manufacturing", occ),
                                       ("other", 1 - occ)), rng)
    else:
        education = pd.Categorical(["not stated"] * n)
        occupation = pd.Categorical(["not stated"] * n)
    overdue = np.zeros(n, dtype=bool)
    overdue[rng.choice(n, size=round(rate * n), replace=False)] = True
    book = pd.DataFrame({
        "loan_id": np.arange(n, dtype="int64"),
        "bank": pd.Categorical([bank] * n, categories=list(BANKS)),
        "amount": amount,
        "borrower_type": _exact_labels(n, weights, rng),
        "education": education,
        "occupation": occupation,
        "funding_source": _exact_labels(n, funding, rng),
        "overdue": overdue,
    })
    book.attrs = {"bank": bank, "volume_requested": volume}
    return book


def _check_weights(weights: Any, *, owner: str) -> tuple[tuple[str, float], ...]:
    try:
        pairs = tuple((str(k), float(v)) for k, v in weights)
    except (TypeError, ValueError) as exc:
        msg = (f"{owner}: borrower_type_weights must be (label, weight) pairs, e.g. "
               f"[('small merchant', 0.5), ('rural operator', 0.5)]; got {weights!r}.")
        raise ParameterError(msg) from exc
    if not pairs or any(not math.isfinite(v) or v < 0 for _, v in pairs) or \
            sum(v for _, v in pairs) <= 0:
        msg = (f"{owner}: borrower_type_weights need non-negative finite weights with a "
               f"positive total; got {weights!r}.")
        raise ParameterError(msg)
    return pairs


def _book(data: Any, *, owner: str, amount_col: str = "amount") -> pd.DataFrame:
    data = require_frame(data, owner=owner)
    require_numeric(data, amount_col, owner=owner, nonnegative=True)
    if len(data) == 0:
        raise ParameterError(f"{owner}: the loan book is empty; pass at least one loan.")
    return data


def _book_bank(book: pd.DataFrame, *, owner: str) -> str:
    require_columns(book, ["bank"], owner=owner)
    banks = pd.unique(book["bank"].astype(str))
    if len(banks) != 1:
        msg = (f"{owner}: expected a book of one bank, found {len(banks)}: "
               f"[{fmt_values(banks)}]. Split it by bank first.")
        raise ParameterError(msg)
    return _bank(banks[0], owner=owner)


def loan_book_checks(book: pd.DataFrame, *, volume: float | None = None,
                     share_tolerance: float = 0.01) -> pd.DataFrame:
    """Check a simulated (or real) loan book of one bank against that bank's facts.

    Parameters
    ----------
    book : pandas.DataFrame
        One row per loan with ``bank`` and ``amount``; ``overdue``, ``funding_source``,
        ``education`` and ``occupation`` are checked when present.
    volume : float, optional
        Total the amounts must add up to (relative tolerance 1e-9); by default the book's
        ``attrs["volume_requested"]`` when set.
    share_tolerance : float, default=0.01
        Allowed absolute gap for a sampled share against an "=" share fact (MYbank's 98%).

    Returns
    -------
    pandas.DataFrame
        One row per check: ``fact_id``, ``fact`` (what is checked) and ``fact_zh`` (the same
        in Chinese, for the Chinese build), ``required`` and ``required_zh`` (the condition; the
        two differ only in words, never in numbers), ``achieved`` (float), ``holds`` (bool).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> book = kq.simulate_loan_book("WeBank", n_loans=2_000, random_state=0)
    >>> bool(kq.loan_book_checks(book)["holds"].all())
    True
    """
    owner = "loan_book_checks"
    book = _book(book, owner=owner)
    bank = _book_bank(book, owner=owner)
    tol = check_number(share_tolerance, name="share_tolerance", owner=owner, low=0, high=1)
    amount = book["amount"].to_numpy(dtype="float64")
    rows: list[dict[str, Any]] = []

    def add(fact_id: str, fact: tuple[str, str], required: str, achieved: float, holds: bool,
            required_zh: str | None = None) -> None:
        rows.append({"fact_id": fact_id, "fact": fact[0], "fact_zh": fact[1],
                     "required": required,
                     "required_zh": required if required_zh is None else required_zh,
                     "achieved": float(achieved), "holds": bool(holds)})

    lim = _fact(bank, "max_loan")
    add(lim["fact_id"], ("largest loan (CNY)", "最大单笔贷款（元）"),
        f"<= {lim['value_std']:,.0f}", amount.max(), amount.max() <= lim["value_std"])
    if bank == "WeBank":
        avg = _fact(bank, "average_loan_size")
        add(avg["fact_id"], ("average loan (CNY)", "平均每笔贷款（元）"),
            f"< {avg['value_std']:,.0f}", amount.mean(), amount.mean() < avg["value_std"])
    else:
        sh = _fact(bank, "share_borrowers_below_threshold")
        thr = sh["condition"] * UNIT_SCALE[sh["condition_unit"]]
        got = float((amount < thr).mean())
        add(sh["fact_id"], (_below_fact(thr), _below_fact_zh(thr)),
            f"≈ {sh['value_std']:.2f} (± {_plain(tol)})", got, abs(got - sh["value_std"]) <= tol)
    if "overdue" in book:
        od = _fact(bank, "overdue_rate")
        rate = float(book["overdue"].astype(bool).mean())
        add(od["fact_id"], ("overdue rate", "逾期率"), f"< {od['value_std']:g}", rate,
            rate < od["value_std"])
    if "funding_source" in book:
        if bank == "WeBank":
            f = _fact(bank, "share_loans_funded_by_banks")
            got = float((book["funding_source"] == "partner banks").mean())
            add(f["fact_id"], ("share funded by partner banks", "合作银行出资占比"),
                f"= {f['value_std']:.2f}", got, abs(got - f["value_std"]) <= 1 / len(book))
        else:
            f = _fact(bank, "share_funds_from_nonbank_institutions")
            got = float((book["funding_source"] == "non-bank institution deposits").mean())
            lo, hi = f["value_std"], f["value_high_std"]
            add(f["fact_id"], ("share funded by non-bank institutions",
                               "非银行业金融机构存款占比"),
                f"in [{lo:.2f}, {hi:.2f}]", got,
                lo - 1 / len(book) <= got <= hi + 1 / len(book),
                required_zh=f"介于{lo:.2f}与{hi:.2f}之间")
    if bank == "WeBank":
        for col, label, label_zh, metric in (
            ("education", "below junior college", "大专以下学历",
             "share_borrowers_below_junior_college"),
            ("occupation", "blue-collar service/manufacturing", "蓝领服务业、制造业",
             "share_borrowers_blue_collar"),
        ):
            if col in book:
                f = _fact(bank, metric)
                got = float((book[col] == label).mean())
                add(f["fact_id"], (f"share {label}", f"{label_zh}占比"),
                    f"= {f['value_std']:.2f}", got, abs(got - f["value_std"]) <= 1 / len(book))
    if volume is None:
        volume = book.attrs.get("volume_requested")
    if volume is not None:
        total = float(amount.sum())
        add("volume", ("total amount lent (CNY)", "放贷总额（元）"), f"= {volume:,.0f}", total,
            math.isclose(total, volume, rel_tol=1e-9))
    return pd.DataFrame(rows, columns=list(_CHECK_COLUMNS))
