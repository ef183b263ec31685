"""Reasoning tools of the lending case study: volume gaps, growth, book comparison, risk tolerance.

Splits a volume gap into count and size effects, compounds growth rates, compares two loan books
with statistical tests, and simulates how much a lender approves under a fixed overdue-rate
bound. Part of :mod:`kequn_lib.lending`; import the public names from there.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .._validation import (
    _foreign_frame,
    check_int,
    check_number,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
)
from ..errors import ParameterError, SchemaError
from ._books import LoanSizeModel, _book, calibrate_loan_sizes
from ._facts import _ASSUMPTIONS, _BANK_ALIASES, _BANK_ZH, _bank, _fact

__all__ = [
    "BookComparison",
    "approval_under_tolerance",
    "compare_books",
    "decompose_volume",
    "growth_path",
    "make_applicant_pool",
]


# --- decomposition and growth ------------------------------------------------------------------


def _count_volume(x: Any, *, owner: str, name: str, amount_col: str) -> tuple[float, float, str]:
    if not isinstance(x, pd.DataFrame | Mapping):  # a pyarrow Table, a polars DataFrame
        frame = _foreign_frame(x, owner=owner)
        x = x if frame is None else frame
    if isinstance(x, pd.DataFrame):
        _book(x, owner=owner, amount_col=amount_col)
        label = str(x["bank"].iloc[0]) if "bank" in x and x["bank"].nunique() == 1 else name
        return float(len(x)), float(x[amount_col].sum()), label
    if isinstance(x, Mapping):
        missing = [k for k in ("n_loans", "volume") if k not in x]
        if missing:
            msg = (f"{owner}: {name} as a mapping needs keys 'n_loans' and 'volume'; missing "
                   f"{missing}, present {sorted(map(str, x))}.")
            raise ParameterError(msg)
        n = check_number(x["n_loans"], name=f"{name}['n_loans']", owner=owner, low=0,
                         low_inclusive=False)
        v = check_number(x["volume"], name=f"{name}['volume']", owner=owner, low=0,
                         low_inclusive=False)
        return n, v, str(x.get("label", name))
    msg = (f"{owner}: {name} must be a loan book (DataFrame with '{amount_col}') or a mapping "
           f"with 'n_loans' and 'volume', got {type(x).__name__}.")
    raise ParameterError(msg)


def decompose_volume(book_a: Any, book_b: Any, *, amount_col: str = "amount") -> pd.DataFrame:
    """Split the volume gap between two books into a count effect and an average-size effect.

    Volume = number of loans × average loan, so
    ln(V_b/V_a) = ln(N_b/N_a) + ln(A_b/A_a). Each log ratio is weighted by the logarithmic mean
    L = (V_b − V_a) / ln(V_b/V_a) (the LMDI decomposition), which makes the two effects add up
    to the gap exactly, with no residual.

    Parameters
    ----------
    book_a, book_b : DataFrame or mapping
        Loan books (``amount`` per loan) or mappings ``{"n_loans": ..., "volume": ...,
        "label": ...}`` with positive numbers.
    amount_col : str, default="amount"
        Column of loan amounts in a book.

    Returns
    -------
    pandas.DataFrame
        Rows ``count``, ``average_size`` and ``total`` (index ``effect``) with columns
        ``label_a``, ``label_b``, ``a`` and ``b`` (loan counts, average loans in CNY, volumes in
        CNY), ``log_ratio``, ``contribution`` (CNY; count + average_size = total = V_b − V_a)
        and ``share`` of the gap.

    Raises
    ------
    ParameterError
        A non-positive count or volume, a missing key, an unsupported type.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> d = kq.decompose_volume({"n_loans": 100, "volume": 200.0},
    ...                         {"n_loans": 150, "volume": 450.0})
    >>> round(float(d.loc["count", "contribution"] + d.loc["average_size", "contribution"]), 6)
    250.0
    """
    owner = "decompose_volume"
    na, va, la = _count_volume(book_a, owner=owner, name="book_a", amount_col=amount_col)
    nb, vb, lb = _count_volume(book_b, owner=owner, name="book_b", amount_col=amount_col)
    aa, ab = va / na, vb / nb
    lv = math.log(vb / va)
    weight = (vb - va) / lv if lv != 0 else va
    ln_n, ln_a = math.log(nb / na), math.log(ab / aa)
    gap = vb - va
    count = weight * ln_n
    size = gap - count
    out = pd.DataFrame({
        "effect": ["count", "average_size", "total"],
        "label_a": la, "label_b": lb,
        "a": [na, aa, va], "b": [nb, ab, vb],
        "log_ratio": [ln_n, ln_a, lv],
        "contribution": [count, size, gap],
    }).set_index("effect")
    out["share"] = out["contribution"] / gap if gap != 0 else np.nan
    return out


def growth_path(start: float, *, monthly_rate: float | Sequence[float], months: int,
                label: str | None = None) -> pd.DataFrame:
    """Compound a starting value at a monthly growth rate.

    Parameters
    ----------
    start : float
        Value at month 0 (>= 0), in any unit (a count of firms, a balance in CNY, or 1 for an
        index).
    monthly_rate : float or sequence of float
        Month-on-month growth (0.12 for 12%); one rate for every month or one per month. Must be
        above -1 (a fall of 100% or more is impossible).
    months : int
        Number of months (>= 0).
    label : str, optional
        Name of the path (default from the rate, e.g. ``"12%/month"``).

    Returns
    -------
    pandas.DataFrame
        ``months + 1`` rows: ``month``, ``monthly_rate`` (NaN at month 0), ``value``,
        ``growth_factor`` (value / start, 1 at month 0) and ``label``.

    Raises
    ------
    ParameterError
        A rate at or below -100%, a negative start or months, a rate list of the wrong length.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> p = kq.growth_path(1.0, monthly_rate=0.12, months=5)
    >>> round(float(p["growth_factor"].iloc[-1]), 4)
    1.7623
    """
    owner = "growth_path"
    start = check_number(start, name="start", owner=owner, low=0)
    months = check_int(months, name="months", owner=owner, low=0, high=1200)
    if isinstance(monthly_rate, numbers.Real) and not isinstance(monthly_rate, bool):
        rates = [monthly_rate] * months
    elif isinstance(monthly_rate, Sequence | np.ndarray | pd.Series) and not isinstance(
            monthly_rate, str):
        rates = list(monthly_rate)
        if len(rates) != months:
            msg = (f"{owner}: monthly_rate has {len(rates)} rates but months={months}; give one "
                   "rate, or exactly one per month.")
            raise ParameterError(msg)
    else:
        msg = f"{owner}: monthly_rate must be a number or a list of numbers, got {monthly_rate!r}."
        raise ParameterError(msg)
    for i, r in enumerate(rates):
        r = check_number(r, name=f"monthly_rate[{i}]" if len(set(rates)) > 1 else "monthly_rate",
                         owner=owner)
        if r <= -1:
            msg = (f"{owner}: monthly_rate={r:g} means falling by {-r:.0%} or more in a month; "
                   "a rate must be above -1 (-100%).")
            raise ParameterError(msg)
    r = np.asarray(rates, dtype="float64")
    factor = np.concatenate([[1.0], np.cumprod(1 + r)])
    if label is None:
        label = f"{rates[0]:.0%}/month" if len(set(rates)) == 1 and rates else "custom"
    return pd.DataFrame({
        "month": np.arange(months + 1, dtype="int64"),
        "monthly_rate": np.concatenate([[np.nan], r]),
        "value": start * factor,
        "growth_factor": factor,
        "label": label,
    })


# --- comparing books ---------------------------------------------------------------------------


@dataclass
class BookComparison:
    """Result of :func:`compare_books`.

    Attributes
    ----------
    summary : pandas.DataFrame
        Tidy: ``metric``, ``bank`` (the book's label), ``value``, ``unit``, ``kind``
        (``measured`` from the book, ``assumption`` for LGD, ``derived`` for expected loss).
    tests : pandas.DataFrame
        One row per test: ``test``, ``quantity``, ``statistic``, ``p_value``, ``note``.
    """

    summary: pd.DataFrame
    tests: pd.DataFrame


def _lgd_for(lgd: Any, label: str, bank: str | None, *, owner: str) -> float:
    if lgd is None:
        value = _ASSUMPTIONS[bank].lgd if bank else 0.6
    elif isinstance(lgd, Mapping):
        key = next((k for k in lgd if str(k) == label or (bank and str(k).lower() in
                    (bank.lower(), _BANK_ZH[bank]))), None)
        if key is None:
            msg = f"{owner}: lgd has no entry for {label!r}; keys are {list(lgd)}."
            raise ParameterError(msg)
        value = lgd[key]
    else:
        value = lgd
    return check_number(value, name="lgd", owner=owner, low=0, high=1)


def compare_books(
    book_a: pd.DataFrame,
    book_b: pd.DataFrame,
    *,
    lgd: float | Mapping[str, float] | None = None,
    threshold: float = 50_000.0,
    amount_col: str = "amount",
    overdue_col: str = "overdue",
) -> BookComparison:
    """Compare two loan books: sizes, overdue rates, expected loss, with statistical tests.

    Parameters
    ----------
    book_a, book_b : pandas.DataFrame
        Loan books with ``amount`` and ``overdue`` (bool); ``bank`` labels them when present.
    lgd : float or mapping, optional
        Loss given default (0–1), one for both books or ``{bank: lgd}``. Default: each bank's
        :class:`LendingAssumptions` value (0.6), an assumption.
    threshold : float, default=50_000.0
        Size threshold (CNY) for the share-below metric (MYbank's 5万 fact).
    amount_col, overdue_col : str
        Column names.

    Returns
    -------
    BookComparison
        ``summary`` (tidy: ``metric``, ``bank``, ``value``, ``unit``, ``kind``) with
        ``n_loans``, ``volume``, ``mean_amount``, ``median_amount``, ``p90_amount``,
        ``max_amount``, ``share_below_threshold``, ``overdue_rate``, ``lgd``, ``expected_loss``
        and ``expected_loss_rate``; ``tests`` with a two-proportion z-test on overdue rates
        (statsmodels), and Mann–Whitney U and Kolmogorov–Smirnov tests on sizes (scipy).

    Notes
    -----
    Expected loss = PD × LGD × EAD, with PD taken as the book's overdue rate (an overdue loan is
    not necessarily a default: this proxy is an assumption), EAD the full amount lent, LGD the
    stated assumption.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> a = kq.simulate_loan_book("WeBank", n_loans=2_000, random_state=0)
    >>> b = kq.simulate_loan_book("MYbank", n_loans=2_000, random_state=0)
    >>> res = kq.compare_books(a, b)
    >>> list(res.tests["test"])
    ['two-proportion z-test', 'Mann-Whitney U', 'Kolmogorov-Smirnov']
    """
    from statsmodels.stats.proportion import proportions_ztest

    owner = "compare_books"
    thr = check_number(threshold, name="threshold", owner=owner, low=0, low_inclusive=False)
    parts, samples = [], []
    for name, book in (("book_a", book_a), ("book_b", book_b)):
        book = _book(book, owner=owner, amount_col=amount_col)
        require_columns(book, [overdue_col], owner=owner)
        bank = None
        label = name
        if "bank" in book and book["bank"].astype(str).nunique() == 1:
            label = str(book["bank"].iloc[0])
            bank = _BANK_ALIASES.get(label.lower())
        amt = book[amount_col].to_numpy(dtype="float64")
        od = book[overdue_col]
        if od.isna().any():
            msg = f"{owner}: {name}[{overdue_col!r}] has missing values; fill them first."
            raise SchemaError(msg, column=overdue_col)
        od = od.astype(bool).to_numpy()
        g = _lgd_for(lgd, label, bank, owner=owner)
        pd_rate = float(od.mean())
        ead = float(amt.sum())
        el = pd_rate * g * ead
        metrics = [
            ("n_loans", float(len(amt)), "loans", "measured"),
            ("volume", ead, "CNY", "measured"),
            ("mean_amount", float(amt.mean()), "CNY", "measured"),
            ("median_amount", float(np.median(amt)), "CNY", "measured"),
            ("p90_amount", float(np.quantile(amt, 0.9)), "CNY", "measured"),
            ("max_amount", float(amt.max()), "CNY", "measured"),
            ("share_below_threshold", float((amt < thr).mean()), "fraction", "measured"),
            ("overdue_rate", pd_rate, "fraction", "measured"),
            ("lgd", g, "fraction", "assumption"),
            ("expected_loss", el, "CNY", "derived"),
            ("expected_loss_rate", el / ead if ead > 0 else np.nan, "fraction", "derived"),
        ]
        parts.append(pd.DataFrame(metrics, columns=["metric", "value", "unit", "kind"])
                     .assign(bank=label))
        samples.append((label, amt, od))
    if samples[0][0] == samples[1][0]:
        for p, suffix in zip(parts, ("a", "b"), strict=True):
            p["bank"] = p["bank"] + f" ({suffix})"
    summary = pd.concat(parts, ignore_index=True)[["metric", "bank", "value", "unit", "kind"]]
    (_, xa, oa), (_, xb, ob) = samples
    counts = np.array([oa.sum(), ob.sum()])
    nobs = np.array([len(oa), len(ob)])
    if counts.sum() == 0 or counts.sum() == nobs.sum():
        z, pz, note = np.nan, np.nan, "no variation in overdue flags: test undefined"
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            z, pz = proportions_ztest(counts, nobs)
        note = "H0: equal overdue rates (pooled variance)"
    mw = stats.mannwhitneyu(xa, xb, alternative="two-sided")
    ks = stats.ks_2samp(xa, xb)
    tests = pd.DataFrame([
        {"test": "two-proportion z-test", "quantity": "overdue rate", "statistic": float(z),
         "p_value": float(pz), "note": note},
        {"test": "Mann-Whitney U", "quantity": "loan size", "statistic": float(mw.statistic),
         "p_value": float(mw.pvalue), "note": "H0: neither book's loans tend to be larger"},
        {"test": "Kolmogorov-Smirnov", "quantity": "loan size", "statistic": float(ks.statistic),
         "p_value": float(ks.pvalue), "note": "H0: same size distribution"},
    ])
    return BookComparison(summary=summary, tests=tests)


# --- risk tolerance ----------------------------------------------------------------------------


def make_applicant_pool(
    n_applicants: int = 10_000,
    *,
    intercept: float = -4.5,
    slope: float = 1.0,
    size_model: LoanSizeModel | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """A synthetic pool of loan applicants with a credit score and a default probability.

    ``score`` is standard normal; the probability of going overdue follows a logit,
    ``logit(pd) = intercept − slope × score`` (higher score, lower risk); the requested
    ``amount`` is drawn independently from ``size_model``.

    Parameters
    ----------
    n_applicants : int, default=10_000
        Pool size.
    intercept : float, default=-4.5
        Log-odds of going overdue at score 0 (about 1.1%); an assumption.
    slope : float, default=1.0
        How fast the log-odds fall per unit of score (> 0); an assumption.
    size_model : LoanSizeModel, optional
        Requested amounts; WeBank's default calibration when omitted.
    random_state : int, Generator or None, default=0
        Seed.

    Returns
    -------
    pandas.DataFrame
        One row per applicant: ``applicant_id``, ``score``, ``pd`` (probability), ``amount``
        (CNY).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> pool = kq.make_applicant_pool(1_000, random_state=0)
    >>> bool(pool["pd"].between(0, 1).all())
    True
    """
    owner = "make_applicant_pool"
    n = check_int(n_applicants, name="n_applicants", owner=owner, low=1, high=50_000_000)
    b0 = check_number(intercept, name="intercept", owner=owner)
    b1 = check_number(slope, name="slope", owner=owner, low=0, low_inclusive=False)
    if size_model is None:
        size_model = calibrate_loan_sizes("WeBank")
    rng = check_random_state(random_state, owner=owner)
    score = rng.standard_normal(n)
    return pd.DataFrame({
        "applicant_id": np.arange(n, dtype="int64"),
        "score": score,
        "pd": special.expit(b0 - b1 * score),
        "amount": size_model.sample(n, random_state=rng),
    })


def _tolerances(tolerance: Any, *, owner: str) -> list[tuple[str, float]]:
    items = [tolerance] if isinstance(tolerance, str | numbers.Real) else list(tolerance)
    if not items:
        raise ParameterError(f"{owner}: tolerance is empty; pass a number or a bank name.")
    out = []
    for t in items:
        if isinstance(t, str):
            bank = _bank(t, owner=owner, name_arg="tolerance (bank name)")
            out.append((bank, float(_fact(bank, "overdue_rate")["value_std"])))
            continue
        v = check_number(t, name="tolerance", owner=owner)
        if not 0 < v < 1:
            msg = (f"{owner}: tolerance={v:g} must be strictly between 0 and 1 (an overdue-rate "
                   "bound such as 0.003 for 0.3%).")
            raise ParameterError(msg)
        out.append((f"{v:.2%}", v))
    return out


def approval_under_tolerance(
    data: pd.DataFrame | None = None,
    *,
    tolerance: Any = ("WeBank", "MYbank"),
    score_col: str = "score",
    pd_col: str = "pd",
    amount_col: str = "amount",
    n_applicants: int = 10_000,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """How much a lender can approve when its tolerated overdue rate is fixed.

    The article's argument runs: funding source → risk tolerance → volume. Here a lender ranks
    applicants by score and approves from the best down to the lowest score at which the
    approved pool's expected overdue rate (the mean ``pd``) still meets its bound. A looser
    bound can only add applicants, so approvals never fall as tolerance rises.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        Applicants with ``score``, ``pd`` (0–1) and ``amount``; a default pool from
        :func:`make_applicant_pool` when omitted.
    tolerance : float, str or sequence, default=("WeBank", "MYbank")
        Bounds on the approved pool's expected overdue rate, each strictly in (0, 1), or a bank
        name meaning that bank's stated bound (WeBank 0.3%, MYbank 1%).
    score_col, pd_col, amount_col : str
        Column names in ``data``.
    n_applicants : int, default=10_000
        Size of the default pool (ignored when ``data`` is given).
    random_state : int, Generator or None, default=0
        Seed of the default pool.

    Returns
    -------
    pandas.DataFrame
        One row per tolerance, in the order given: ``label``, ``tolerance``, ``approved``
        (count), ``approval_rate``, ``cutoff_score`` (lowest approved score; NaN if none),
        ``expected_overdue_rate``, ``volume`` (CNY) and ``mean_amount``.

    Raises
    ------
    ParameterError
        A tolerance outside (0, 1) or an unknown bank name.
    SchemaError
        Missing columns, or ``pd`` outside [0, 1].

    Examples
    --------
    >>> import kequn_lib as kq
    >>> t = kq.approval_under_tolerance(tolerance=[0.003, 0.01], n_applicants=2_000)
    >>> bool(t["approval_rate"].is_monotonic_increasing)
    True
    """
    owner = "approval_under_tolerance"
    tols = _tolerances(tolerance, owner=owner)
    if data is None:
        data = make_applicant_pool(n_applicants, random_state=random_state)
    data = require_frame(data, owner=owner)
    score = require_numeric(data, score_col, owner=owner).to_numpy()
    p = require_numeric(data, pd_col, owner=owner, nonnegative=True).to_numpy()
    amount = require_numeric(data, amount_col, owner=owner, nonnegative=True).to_numpy()
    if (p > 1).any():
        bad = data.index[p > 1]
        msg = (f"{owner}: column {pd_col!r} holds probabilities, but {len(bad)} row(s) exceed 1, "
               f"first at index [{fmt_values(bad)}]. Pass probabilities in [0, 1].")
        raise SchemaError(msg, column=pd_col, rows=list(bad))
    n = len(score)
    order = np.argsort(-score, kind="stable")
    cum_mean = np.cumsum(p[order]) / np.arange(1, n + 1)
    cum_amount = np.cumsum(amount[order])
    ok = cum_mean <= np.asarray([t for _, t in tols])[:, None] * (1 + 1e-12)
    rows = []
    for (label, t), mask in zip(tols, ok, strict=True):
        k = int(np.flatnonzero(mask)[-1] + 1) if mask.any() else 0
        rows.append({
            "label": label, "tolerance": t, "approved": k,
            "approval_rate": k / n if n else np.nan,
            "cutoff_score": float(score[order[k - 1]]) if k else np.nan,
            "expected_overdue_rate": float(cum_mean[k - 1]) if k else np.nan,
            "volume": float(cum_amount[k - 1]) if k else 0.0,
            "mean_amount": float(cum_amount[k - 1] / k) if k else np.nan,
        })
    out = pd.DataFrame(rows)
    out["approved"] = out["approved"].astype("int64")
    return out
