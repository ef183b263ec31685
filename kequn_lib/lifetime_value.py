"""Customer lifetime value (客户终身价值): what a customer is worth over the coming years.

:func:`clv` combines an activity model (:class:`~kequn_lib.BGNBD`: how many purchases, and
whether the customer is still there) with a spend model (:class:`~kequn_lib.GammaGamma`: how
much each purchase is worth) and a margin (profit per unit of spend, e.g. from the bank's
contribution model through :func:`contribution_margin`) into the discounted expected profit of
each customer, with an interval from a seeded parametric bootstrap. :func:`customer_equity`
sums it by tier or segment, and :func:`realised_value` computes the same quantity from what a
customer actually did, for checking. The model checks (:func:`holdout_by_frequency`,
:func:`tracking`, :func:`holdout_errors`) compare a fitted activity model with a holdout.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    check_int,
    check_number,
    check_option,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    warn,
)
from .bgnbd import (
    BGNBD,
    _conditional_purchases,
    _p_alive_theta,
    _unconditional_purchases,
    _validate_rfm,
)
from .errors import NotFittedError, ParameterError, SchemaError
from .rfm_analysis import (
    _end_period,
    _parse_dates,
    _period_codes,
    _rfm_columns,
    _time_unit_factor,
)
from .spend import GammaGamma, _spend_columns

__all__ = [
    "clv",
    "clv_sample",
    "contribution_margin",
    "customer_equity",
    "holdout_by_frequency",
    "holdout_errors",
    "realised_value",
    "tracking",
]

log = logging.getLogger(__name__)

_DAYS_PER_YEAR = 365.25
_CHUNK = 2_000_000  # customer × draw cells simulated at once


# --- helpers -----------------------------------------------------------------------------------


def _activity_columns(model: Any) -> tuple[str, str, str]:
    cols = getattr(model, "columns_", None)
    if isinstance(cols, dict) and {"frequency", "recency", "T"} <= set(cols):
        return cols["frequency"], cols["recency"], cols["T"]
    params = model.get_params() if hasattr(model, "get_params") else {}
    return (params.get("frequency_col", "frequency"), params.get("recency_col", "recency"),
            params.get("T_col", "T"))


def _check_models(activity_model: Any, spend_model: Any, owner: str) -> None:
    if not isinstance(activity_model, BGNBD):
        msg = f"{owner}: activity_model must be a fitted kq.BGNBD, got {type(activity_model)}."
        raise ParameterError(msg)
    if not isinstance(spend_model, GammaGamma):
        msg = f"{owner}: spend_model must be a fitted kq.GammaGamma, got {type(spend_model)}."
        raise ParameterError(msg)
    for name, model in (("activity_model", activity_model), ("spend_model", spend_model)):
        if not hasattr(model, "params_"):
            msg = f"{owner}: {name} is not fitted yet; call .fit(...) on it first."
            raise NotFittedError(msg)


def _log_cov(model: Any, owner: str) -> np.ndarray:
    theta = model.params_.to_numpy()
    cov = model.covariance_.to_numpy() / np.outer(theta, theta)
    if not np.all(np.isfinite(cov)):
        msg = (
            f"{owner}: the {type(model).__name__} fit has no standard errors (its Hessian was "
            "not positive definite), so parameter uncertainty cannot be drawn. Refit with a "
            "small penalizer_coef, or pass n_draws=0 for point values only."
        )
        raise ParameterError(msg)
    return (cov + cov.T) / 2


def _time_unit_days(rfm: pd.DataFrame, time_unit: Any, owner: str) -> float:
    if time_unit is None:
        days = rfm.attrs.get("time_unit_days")
        if days is None:
            msg = (
                f"{owner}: the RFM table does not say its time unit (attrs['time_unit_days'], "
                "set by kq.rfm and kq.calibration_holdout); pass time_unit= in days, e.g. 7."
            )
            raise ParameterError(msg)
        return float(days)
    return _time_unit_factor(time_unit, "D", owner=owner)[0]


def _margin_array(margin: Any, index: pd.Index, owner: str) -> np.ndarray:
    if isinstance(margin, pd.Series):
        aligned = margin.reindex(index)
        bad = ~np.isfinite(aligned.to_numpy(dtype="float64", na_value=np.nan))
        if bad.any():
            rows = index[bad]
            msg = (
                f"{owner}: margin has no finite value for {int(bad.sum())} customer(s) of the "
                f"RFM table, first [{fmt_values(rows)}]. Give one margin per customer (a "
                "Series indexed by customer id, e.g. kq.contribution_margin) or one number."
            )
            raise SchemaError(msg, column="margin", rows=list(rows))
        return aligned.to_numpy(dtype="float64")
    return np.full(len(index), check_number(margin, name="margin", owner=owner))


def _discounts(horizon: float, discount_rate: float, steps_per_year: int) -> np.ndarray:
    k = np.arange(1, int(np.ceil(horizon * steps_per_year - 1e-9)) + 1)
    return (1.0 + discount_rate) ** (-np.minimum(k / steps_per_year, horizon))


# --- CLV ---------------------------------------------------------------------------------------


def clv(
    activity_model: BGNBD,
    spend_model: GammaGamma,
    rfm: pd.DataFrame,
    *,
    horizon: float = 3.0,
    discount_rate: float = 0.10,
    margin: float | pd.Series = 1.0,
    time_unit: Any = None,
    steps_per_year: int = 4,
    interval: float = 0.95,
    n_draws: int = 200,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Discounted expected profit of each customer over the coming ``horizon`` years.

    Parameters
    ----------
    activity_model : BGNBD
        Fitted activity model; ``rfm`` must have the columns it was fitted with.
    spend_model : GammaGamma
        Fitted spend model; ``rfm`` must have its ``frequency_col`` and ``monetary_col``.
    rfm : pandas.DataFrame or dask.dataframe.DataFrame
        One row per customer (e.g. :func:`rfm` or the calibration part of
        :func:`calibration_holdout`), all customers including one-time buyers. A Dask
        DataFrame is scored partition by partition on its workers (models fitted on a sample,
        e.g. :func:`clv_sample`); each partition draws from its own seed, derived from
        ``random_state`` and the partition number, and the result is a lazy Dask DataFrame.
    horizon : float, default=3.0
        Years ahead (> 0).
    discount_rate : float, default=0.10
        Yearly discount rate (>= 0), an assumption (a bank's cost of equity is often put at
        8–12 %).
    margin : float or pandas.Series, default=1.0
        Profit per unit of spend: one number, or one per customer (a Series indexed like
        ``rfm``), e.g. :func:`contribution_margin` to tie the value to the bank's contribution
        model (NII spread and fees minus cost), so the result is profit, not turnover. The
        default 1.0 gives discounted spend.
    time_unit : float or str, optional
        Days per time unit of ``rfm`` (7 for weeks); read from ``rfm.attrs["time_unit_days"]``
        by default.
    steps_per_year : int, default=4
        Discounting steps per year (4: quarterly); purchases are discounted at the end of
        their step.
    interval : float, default=0.95
        Coverage of ``clv_lower`` … ``clv_upper``.
    n_draws : int, default=200
        Bootstrap draws per customer (0: no interval).
    random_state : int, numpy Generator or None, default=0
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``rfm``: ``p_alive``, ``expected_purchases`` (over the horizon,
        undiscounted), ``expected_spend`` (per purchase), ``margin``, ``clv`` (discounted
        expected profit) and, with draws, ``clv_lower`` and ``clv_upper``.

    Raises
    ------
    ParameterError
        Unfitted or wrong models; a parameter out of range; a fit without standard errors
        (with draws); no time unit.
    SchemaError
        ``rfm`` lacks a column of either model or breaks their rules; ``margin`` misses
        customers.

    See Also
    --------
    customer_equity : the sum of CLV by tier or segment.
    realised_value : the same quantity from what customers actually did.

    Notes
    -----
    ``clv_i = margin_i · E[spend_i] · Σ_k (1+d)^(−t_k) (E[X_i(t_k)] − E[X_i(t_{k−1})])`` with
    the BG/NBD conditional expectation ``E[X_i(t)]`` and the Gamma-Gamma conditional mean
    spend, which the model takes as independent (see
    :attr:`GammaGamma.frequency_spend_correlation_`).

    The interval is a predictive interval of the customer's realised value from a parametric
    bootstrap: each draw takes both models' parameters from the asymptotic normal
    distribution of the estimates (log scale, covariance from the Hessian), then the
    customer's latent state from its posterior given their history (alive with probability
    ``p_alive``; purchase rate ``Gamma(r+x, α+T)`` and dropout ``Beta(a, b+x)`` if alive;
    spend rate ``Gamma(q+px, v+x·m)``), then simulates purchases and their spend step by step
    over the horizon. It therefore covers both the model's estimation uncertainty and the
    customer's own randomness; a wide interval says the ranking of that customer is unsure.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=2_000, random_state=0)
    >>> log = kq.make_transactions(customers, months=12, random_state=0)
    >>> table = kq.rfm(log, time_unit=7)
    >>> activity = kq.BGNBD().fit(table)
    >>> spend = kq.GammaGamma().fit(table[table["frequency"] > 0])
    >>> value = kq.clv(activity, spend, table, horizon=1.0, n_draws=50).dropna()
    >>> bool((value["clv_lower"] <= value["clv_upper"]).all())
    True
    """
    owner = "clv"
    _check_models(activity_model, spend_model, owner)
    from .backends._kinds import is_dask

    if is_dask(rfm):
        return _clv_dask(activity_model, spend_model, rfm, horizon=horizon,
                         discount_rate=discount_rate, margin=margin, time_unit=time_unit,
                         steps_per_year=steps_per_year, interval=interval, n_draws=n_draws,
                         random_state=random_state)
    rfm = require_frame(rfm, owner=owner)
    horizon = check_number(horizon, name="horizon", owner=owner, low=0.0, low_inclusive=False)
    discount_rate = check_number(discount_rate, name="discount_rate", owner=owner, low=0.0)
    steps_per_year = check_int(steps_per_year, name="steps_per_year", owner=owner, low=1,
                               high=365)
    interval = check_number(interval, name="interval", owner=owner, low=0.0, high=1.0,
                            low_inclusive=False, high_inclusive=False)
    n_draws = check_int(n_draws, name="n_draws", owner=owner, low=0)
    unit_days = _time_unit_days(rfm, time_unit, owner)
    f_col, r_col, t_col = _activity_columns(activity_model)
    x, tx, T, index = _validate_rfm(rfm, f_col, r_col, t_col, owner)
    xs, m, _ = _spend_columns(rfm, spend_model.frequency_col, spend_model.monetary_col,
                              owner=owner, fitting=False)
    marg = _margin_array(margin, index, owner)

    units_per_year = _DAYS_PER_YEAR / unit_days
    disc = _discounts(horizon, discount_rate, steps_per_year)
    t_grid = np.minimum(np.arange(1, disc.size + 1) / steps_per_year, horizon) * units_per_year
    theta_a = activity_model.params_.to_numpy()
    theta_s = spend_model.params_.to_numpy()
    cum = np.column_stack([_conditional_purchases(theta_a, x, tx, T, t) for t in t_grid])
    increments = np.diff(np.column_stack([np.zeros_like(x), cum]), axis=1)
    p_s, q_s, _ = theta_s
    infinite = (p_s * xs + q_s - 1.0) <= 0
    if infinite.any():
        warn(
            f"{owner}: the spend model's q = {q_s:.3g} (with p = {p_s:.3g}) gives an infinite "
            f"mean spend for {int(infinite.sum())} customer(s) with the fewest purchases (first "
            f"[{fmt_values(index[infinite])}]); their CLV is NaN. Spend varies too much across "
            "customers for one Gamma-Gamma model: fit one per tier or customer kind, or leave "
            "these customers out.",
        )
    spend = np.full(x.size, np.nan)
    spend[~infinite] = GammaGamma._expected(theta_s, xs[~infinite], m[~infinite], owner=owner)
    out = pd.DataFrame(
        {
            "p_alive": _p_alive_theta(theta_a, x, tx, T),
            "expected_purchases": cum[:, -1],
            "expected_spend": spend,
            "margin": marg,
            "clv": marg * spend * (increments @ disc),
        },
        index=index,
    )
    if n_draws == 0:
        return out
    rng = check_random_state(random_state, owner=owner)
    draws_a = np.exp(rng.multivariate_normal(np.log(theta_a), _log_cov(activity_model, owner),
                                             size=n_draws))
    draws_s = np.exp(rng.multivariate_normal(np.log(theta_s), _log_cov(spend_model, owner),
                                             size=n_draws))
    last_step = t_grid - np.concatenate([[0.0], t_grid[:-1]])
    lower = np.empty(x.size)
    upper = np.empty(x.size)
    alpha_tail = (1.0 - interval) / 2
    chunk = max(1, _CHUNK // n_draws)
    for start in range(0, x.size, chunk):
        sl = slice(start, start + chunk)
        values = _simulate_values(rng, draws_a, draws_s, x[sl], tx[sl], T[sl], xs[sl], m[sl],
                                  disc, last_step)
        values *= marg[sl][None, :]
        lower[sl], upper[sl] = np.quantile(values, [alpha_tail, 1 - alpha_tail], axis=0)
    lower[infinite] = np.nan
    upper[infinite] = np.nan
    out["clv_lower"] = lower
    out["clv_upper"] = upper
    return out


def _clv_partition(part: pd.DataFrame, activity_model: BGNBD, spend_model: GammaGamma,
                   seed: int, kwargs: dict, partition_info: dict | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    rng = np.random.default_rng([seed, number])
    if len(part) == 0:
        return _clv_meta(kwargs["n_draws"], part.index)
    return clv(activity_model, spend_model, part, random_state=rng, **kwargs)


def _clv_meta(n_draws: int, index: pd.Index) -> pd.DataFrame:
    cols = ["p_alive", "expected_purchases", "expected_spend", "margin", "clv"]
    cols += ["clv_lower", "clv_upper"] if n_draws else []
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}).set_index(index[:0])


def _clv_dask(activity_model: BGNBD, spend_model: GammaGamma, rfm: Any, *,
              random_state: Any, **kwargs: Any) -> Any:
    from ._validation import check_seed

    owner = "clv"
    if kwargs["time_unit"] is None:
        kwargs["time_unit"] = rfm.attrs.get("time_unit_days") if hasattr(rfm, "attrs") else None
        if kwargs["time_unit"] is None:
            msg = f"{owner}: for a Dask DataFrame pass time_unit= in days (e.g. 7)."
            raise ParameterError(msg)
    if isinstance(kwargs["margin"], pd.Series):
        msg = (f"{owner}: with a Dask DataFrame, margin must be one number; join a per-customer "
               "margin as a column and score partitions with map_partitions instead.")
        raise ParameterError(msg)
    seed = check_seed(random_state, owner=owner)
    meta = _clv_meta(kwargs["n_draws"], rfm._meta.index)
    return rfm.map_partitions(_clv_partition, activity_model, spend_model, seed, kwargs,
                              meta=meta)


def _simulate_values(
    rng: np.random.Generator,
    draws_a: np.ndarray,
    draws_s: np.ndarray,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    xs: np.ndarray,
    m: np.ndarray,
    disc: np.ndarray,
    step_lengths: np.ndarray,
) -> np.ndarray:
    """Discounted future spend of each customer (columns) under each parameter draw (rows)."""
    n = x.size
    out = np.zeros((draws_a.shape[0], n))
    mm = np.where(xs > 0, m, 0.0)
    for d, (theta_a, theta_s) in enumerate(zip(draws_a, draws_s, strict=True)):
        r, alpha, a, b = theta_a
        p_s, q_s, v_s = theta_s
        alive = rng.random(n) < _p_alive_theta(theta_a, x, tx, T)
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            continue
        xi = x[idx]
        lam = rng.gamma(r + xi, 1.0 / (alpha + T[idx]))
        drop = np.clip(rng.beta(a, b + xi), 1e-12, 1.0)
        remaining = rng.geometric(drop).astype("float64")
        nu = rng.gamma(q_s + p_s * xs[idx], 1.0 / (v_s + xs[idx] * mm[idx]))
        value = np.zeros(idx.size)
        for k, length in enumerate(step_lengths):
            count = np.minimum(rng.poisson(lam * length), remaining)
            remaining -= count
            buying = count > 0
            if buying.any():
                value[buying] += disc[k] * rng.gamma(p_s * count[buying], 1.0 / nu[buying])
        out[d, idx] = value
    return out


def clv_sample(
    rfm: pd.DataFrame,
    *,
    n: int = 100_000,
    frequency_col: str = "frequency",
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """A seeded sample of an RFM table, stratified by frequency, to fit the CLV models on.

    On millions of customers the models need far fewer rows than the table has: fit
    :class:`BGNBD` and :class:`GammaGamma` on this sample, then score every customer with
    :func:`clv` (chunk by chunk, or per Dask partition with ``map_partitions``).

    Parameters
    ----------
    rfm : pandas.DataFrame
        RFM table (e.g. :func:`rfm` over Parquet files).
    n : int, default=100_000
        Sample size (the whole table when it is smaller).
    frequency_col : str, default="frequency"
        Column with the repeat purchases; strata are 0, 1, 2–3, 4–7, 8–15 and 16 or more.
    random_state : int, numpy Generator or None, default=0
        Seed.

    Returns
    -------
    pandas.DataFrame
        Rows of ``rfm`` (index and ``attrs`` kept), each stratum in proportion to its size
        (largest-remainder rounding), so frequency is distributed as in the table.

    Raises
    ------
    SchemaError
        Missing or non-numeric frequency column.
    ParameterError
        ``n`` below 1.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> rfm = kq.simulate_bgnbd(5000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0)
    >>> len(kq.clv_sample(rfm, n=500))
    500
    """
    owner = "clv_sample"
    rfm = require_frame(rfm, owner=owner)
    require_columns(rfm, [frequency_col], owner=owner)
    n = check_int(n, name="n", owner=owner, low=1)
    rng = check_random_state(random_state, owner=owner)
    x = pd.to_numeric(rfm[frequency_col], errors="coerce").to_numpy(dtype="float64")
    if not np.all(np.isfinite(x)):
        msg = f"{owner}: column {frequency_col!r} must be numeric and finite."
        raise SchemaError(msg, column=frequency_col)
    if n >= len(rfm):
        return rfm
    stratum = np.searchsorted([1, 2, 4, 8, 16], x, side="right")
    sizes = np.bincount(stratum, minlength=6)
    quota = sizes * n / len(rfm)
    take = np.floor(quota).astype("int64")
    extra = n - take.sum()
    take[np.argsort(-(quota - take), kind="stable")[:extra]] += 1
    picks = [rng.choice(np.flatnonzero(stratum == k), size=int(t), replace=False)
             for k, t in enumerate(take) if t > 0]
    out = rfm.iloc[np.sort(np.concatenate(picks))]
    out.attrs = dict(rfm.attrs)
    return out


# --- margin, realised value, equity -----------------------------------------------------------


def contribution_margin(
    customers: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    model: Any = None,
    observation_end: Any = None,
    missing: str = "error",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.Series:
    """Profit per yuan of transactions of each customer, from the bank's contribution model.

    ``margin = yearly contribution / yearly transaction amount``, so that
    ``clv(..., margin=contribution_margin(...))`` values future transactions at what the
    customer's business earns the bank today (NII spread and fees minus cost to serve).

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table with ``customer_col`` and the columns of :func:`contribution`.
    transactions : pandas.DataFrame
        The transaction log the RFM table was built from.
    model : ContributionModel, optional
        Rates and costs; the documented assumptions of ``ContributionModel()`` by default.
    observation_end : date-like, optional
        End of the log's period; later transactions are left out. Default: its last date.
    missing : {"error", "zero"}, default="error"
        Passed to :func:`contribution`.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``margin`` indexed by customer id, for customers with a positive transaction amount
        in the log (others cannot be valued by their transactions). Negative where the
        customer costs more to serve than they earn.

    Raises
    ------
    SchemaError
        Missing columns, repeated ids, bad values (as :func:`contribution` and :func:`rfm`).

    See Also
    --------
    contribution, ContributionModel : the contribution model.

    Notes
    -----
    The yearly amount is the customer's total over the log divided by the log's length in
    years (from its first date to ``observation_end``). A customer who joined late has a
    lower yearly amount and so a higher margin; over a year-long log this is small.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=500, random_state=0)
    >>> log = kq.make_transactions(customers, months=12, random_state=0)
    >>> margin = kq.contribution_margin(customers, log)
    >>> margin.name
    'margin'
    """
    from .tiering import contribution

    owner = "contribution_margin"
    customers = require_frame(customers, owner=owner)
    require_columns(customers, [customer_col], owner=owner)
    transactions = require_frame(transactions, owner=owner)
    require_columns(transactions, [customer_col, date_col, amount_col], owner=owner)
    contrib = contribution(customers, model=model, missing=missing, id_col=customer_col)
    yearly = pd.Series(contrib["contribution"].to_numpy(),
                       index=pd.Index(customers[customer_col].to_numpy(), name=customer_col))
    # the log's checks of rfm: missing ids, amounts (numbers, finite, a total float64 holds),
    # dates; nothing is coerced to NaN and dropped from the sums
    ids, ns, amount = _rfm_columns(transactions, customer_col, date_col, amount_col,
                                   owner=owner)
    day = _period_codes(ns, "D")
    end = _end_period(observation_end, "D", owner=owner)
    end = int(day.max()) if end is None else end
    keep = day <= end
    years = (end - int(day[keep].min()) + 1) / _DAYS_PER_YEAR if keep.any() else 1.0
    volume = pd.Series(amount[keep]).groupby(ids.to_numpy()[keep]).sum() / years
    volume = volume[volume > 0]
    out = yearly.reindex(volume.index) / volume
    out.index.name = customer_col
    out.name = "margin"
    return out.dropna()


def realised_value(
    transactions: pd.DataFrame,
    *,
    start: Any,
    horizon: float = 3.0,
    discount_rate: float = 0.10,
    margin: float | pd.Series = 1.0,
    steps_per_year: int = 4,
    customers: pd.Index | None = None,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.Series:
    """Discounted profit customers actually produced after ``start``: the truth CLV estimates.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Transaction log reaching at least ``horizon`` years past ``start``.
    start : date-like
        Last day of the calibration period (the day CLV is computed at).
    horizon, discount_rate, margin, steps_per_year
        As in :func:`clv` (margin: a number or a Series by customer id).
    customers : pandas.Index, optional
        Customers to report (those without later transactions get 0); default: those with a
        transaction in the window.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.Series
        ``realised_value`` by customer id: the sum over transactions in
        ``(start, start + horizon]`` of amount × margin, discounted at the end of the step
        (of ``1/steps_per_year`` years) in which each falls, as :func:`clv` does.

    Raises
    ------
    SchemaError
        Missing columns, missing ids, bad amounts (text, NaN, inf, or a total beyond float64)
        or bad dates, as :func:`rfm`; a margin Series missing customers with transactions.
    ParameterError
        Parameters out of range.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> log = pd.DataFrame({"customer_id": [1, 1], "amount": [100.0, 100.0],
    ...                     "date": pd.to_datetime(["2024-01-01", "2024-03-01"])})
    >>> float(kq.realised_value(log, start="2024-01-01", horizon=1.0, discount_rate=0.0).iloc[0])
    100.0
    """
    owner = "realised_value"
    transactions = require_frame(transactions, owner=owner)
    require_columns(transactions, [customer_col, date_col, amount_col], owner=owner)
    horizon = check_number(horizon, name="horizon", owner=owner, low=0.0, low_inclusive=False)
    discount_rate = check_number(discount_rate, name="discount_rate", owner=owner, low=0.0)
    steps_per_year = check_int(steps_per_year, name="steps_per_year", owner=owner, low=1,
                               high=365)
    start_day = _end_period(start, "D", owner=owner)
    if start_day is None:
        raise ParameterError(f"{owner}: start is required (the day CLV is computed at).")
    ids, ns, amount = _rfm_columns(transactions, customer_col, date_col, amount_col,
                                   owner=owner)  # the log's checks of rfm
    offset = _period_codes(ns, "D") - start_day
    years = offset / _DAYS_PER_YEAR
    window = (offset > 0) & (years <= horizon + 1e-9)
    step = np.ceil(years[window] * steps_per_year - 1e-9)
    disc = (1.0 + discount_rate) ** (-np.minimum(step / steps_per_year, horizon))
    value = pd.Series(amount[window] * disc).groupby(ids.to_numpy()[window]).sum()
    value.index.name = customer_col
    if customers is not None:
        value = value.reindex(pd.Index(customers), fill_value=0.0)
    value = value * _margin_array(margin, value.index, owner)
    value.name = "realised_value"
    return value


def customer_equity(
    values: pd.DataFrame,
    by: str | pd.Series,
    *,
    value_col: str = "clv",
) -> pd.DataFrame:
    """Customer equity: the sum of lifetime value by tier or segment (客户资产).

    Parameters
    ----------
    values : pandas.DataFrame
        Output of :func:`clv` (or any frame with ``value_col``).
    by : str or pandas.Series
        Column of ``values``, or a Series aligned on its index, with the tier or segment.
    value_col : str, default="clv"
        Column to sum.

    Returns
    -------
    pandas.DataFrame
        One row per group (in category order when ``by`` is categorical): ``group``,
        ``customers``, ``equity`` (sum), ``mean_value``, ``share_of_customers`` and
        ``share_of_equity`` (of the total; can exceed 1 or be negative when some groups are
        worth less than nothing).

    Raises
    ------
    SchemaError
        Missing column, or a ``by`` Series that does not cover the index.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> v = pd.DataFrame({"clv": [10.0, 30.0, 60.0], "tier": ["a", "b", "b"]})
    >>> kq.customer_equity(v, "tier")["equity"].tolist()
    [10.0, 90.0]
    """
    owner = "customer_equity"
    values = require_frame(values, owner=owner)
    require_columns(values, [value_col], owner=owner)
    if isinstance(by, str):
        require_columns(values, [by], owner=owner)
        groups = values[by]
    elif isinstance(by, pd.Series):
        groups = by.reindex(values.index)
        if groups.isna().any() and not by.isna().any():
            rows = values.index[groups.isna().to_numpy()]
            msg = (
                f"{owner}: by has no group for {len(rows)} customer(s), first "
                f"[{fmt_values(rows)}]; align it on the index of values."
            )
            raise SchemaError(msg, column="by", rows=list(rows))
    else:
        msg = f"{owner}: by must be a column name or a Series, got {type(by).__name__}."
        raise ParameterError(msg)
    v = pd.to_numeric(values[value_col], errors="coerce")
    # .array keeps a categorical's order (to_numpy() would sort the tiers as strings)
    table = (pd.DataFrame({"group": groups.array, "v": v.to_numpy()})
             .groupby("group", observed=False, sort=True)["v"]
             .agg(customers="size", equity="sum", mean_value="mean")
             .reset_index())
    table["customers"] = table["customers"].astype("int64")
    total_n, total_v = table["customers"].sum(), table["equity"].sum()
    table["share_of_customers"] = table["customers"] / total_n if total_n else 0.0
    table["share_of_equity"] = table["equity"] / total_v if total_v else np.nan
    return table


# --- model checks ------------------------------------------------------------------------------


def _split_arrays(split: pd.DataFrame, owner: str) -> tuple[np.ndarray, ...]:
    split = require_frame(split, owner=owner)
    cols = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    require_columns(split, cols, owner=owner + " (pass the output of kq.calibration_holdout)")
    x, tx, T, index = _validate_rfm(split, "frequency_cal", "recency_cal", "T_cal", owner)
    hold = split["frequency_holdout"].to_numpy(dtype="float64")
    duration = split["duration_holdout"].to_numpy(dtype="float64")
    return x, tx, T, hold, duration, index


def _expected_holdout(model: BGNBD, x, tx, T, duration) -> np.ndarray:
    theta = model.params_.to_numpy()
    out = np.empty_like(x)
    for d in np.unique(duration):
        sel = duration == d
        out[sel] = _conditional_purchases(theta, x[sel], tx[sel], T[sel], float(d))
    return out


def holdout_by_frequency(
    model: BGNBD, split: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean holdout purchases, actual and expected, by number of calibration repeat purchases.

    Parameters
    ----------
    model : BGNBD
        Model fitted on the calibration part of ``split``.
    split : pandas.DataFrame
        Output of :func:`calibration_holdout`, in the model's time unit.
    max_frequency : int, default=7
        Calibration frequencies above this are pooled into the last group (shown as
        ``"7+"``).

    Returns
    -------
    pandas.DataFrame
        Tidy, two rows per group: ``frequency_cal`` (ordered categorical "0", "1", …,
        "7+"), ``source`` ("actual" or "model"), ``mean_purchases`` and ``customers``.

    Raises
    ------
    NotFittedError, SchemaError
        An unfitted model, or a table that is not a calibration/holdout split.

    See Also
    --------
    plot_calibration_holdout : the figure.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=1_000, random_state=0)
    >>> log = kq.make_transactions(customers, months=6, future_months=6, random_state=0)
    >>> split = kq.calibration_holdout(log, calibration_end="2024-06-30", time_unit=7)
    >>> model = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
    ...                  T_col="T_cal").fit(split)
    >>> kq.holdout_by_frequency(model, split)["source"].unique().tolist()
    ['actual', 'model']
    """
    owner = "holdout_by_frequency"
    _check_fitted(model, owner)
    max_frequency = check_int(max_frequency, name="max_frequency", owner=owner, low=1)
    x, tx, T, hold, duration, _ = _split_arrays(split, owner)
    expected = _expected_holdout(model, x, tx, T, duration)
    labels = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    code = np.minimum(x, max_frequency).astype("int64")
    frame = pd.DataFrame({"g": code, "actual": hold, "model": expected})
    agg = frame.groupby("g").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                 model=("model", "mean"))  # empty groups are left out
    agg["customers"] = agg["customers"].astype("int64")
    long = agg.reset_index().melt(id_vars=["g", "customers"], value_vars=["actual", "model"],
                                  var_name="source", value_name="mean_purchases")
    long["frequency_cal"] = pd.Categorical.from_codes(long["g"], labels, ordered=True)
    long = long.sort_values(["g", "source"], kind="stable").reset_index(drop=True)
    return long[["frequency_cal", "source", "mean_purchases", "customers"]]


def holdout_errors(model: BGNBD, split: pd.DataFrame) -> pd.DataFrame:
    """Error summary of a BG/NBD model on the holdout: MAE, RMSE and total % error.

    Parameters
    ----------
    model : BGNBD
        Model fitted on the calibration part of ``split``.
    split : pandas.DataFrame
        Output of :func:`calibration_holdout`.

    Returns
    -------
    pandas.DataFrame
        One row per ``metric``, with ``value``: ``customers``, ``actual_total`` and
        ``expected_total`` (holdout purchases), ``total_pct_error`` (expected over actual,
        minus one), ``mae`` and ``rmse`` (per customer), and ``mae_baseline`` (the MAE of
        predicting each customer's calibration purchase rate, a naive benchmark).

    Raises
    ------
    NotFittedError, SchemaError
        An unfitted model, or a table that is not a calibration/holdout split.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=1_000, random_state=0)
    >>> log = kq.make_transactions(customers, months=6, future_months=6, random_state=0)
    >>> split = kq.calibration_holdout(log, calibration_end="2024-06-30", time_unit=7)
    >>> model = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
    ...                  T_col="T_cal").fit(split)
    >>> kq.holdout_errors(model, split)["metric"].tolist()[:3]
    ['customers', 'actual_total', 'expected_total']
    """
    owner = "holdout_errors"
    _check_fitted(model, owner)
    x, tx, T, hold, duration, _ = _split_arrays(split, owner)
    expected = _expected_holdout(model, x, tx, T, duration)
    naive = np.where(T > 0, x / np.maximum(T, 1e-12), 0.0) * duration
    actual_total = float(hold.sum())
    rows = {
        "customers": float(x.size),
        "actual_total": actual_total,
        "expected_total": float(expected.sum()),
        "total_pct_error": float(expected.sum() / actual_total - 1.0) if actual_total else np.nan,
        "mae": float(np.abs(expected - hold).mean()),
        "rmse": float(np.sqrt(((expected - hold) ** 2).mean())),
        "mae_baseline": float(np.abs(naive - hold).mean()),
    }
    return pd.DataFrame({"metric": list(rows), "value": list(rows.values())})


def _check_fitted(model: Any, owner: str) -> None:
    if not isinstance(model, BGNBD):
        raise ParameterError(f"{owner}: model must be a fitted kq.BGNBD, got {type(model)}.")
    if not hasattr(model, "params_"):
        raise NotFittedError(f"{owner}: the model is not fitted yet; call .fit(...) first.")


def tracking(
    model: BGNBD,
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    freq: str = "D",
    time_unit: Any = None,
    every: str = "W",
    customer_col: str = "customer_id",
    date_col: str = "date",
) -> pd.DataFrame:
    """Cumulative repeat purchases of the calibration cohort over time, actual and expected.

    The classic tracking plot of the BG/NBD literature: the customers who made their first
    purchase by ``calibration_end`` are followed to ``observation_end``; the model's line is
    the sum over customers of the unconditional ``E[X(t)]`` since each one's first purchase,
    so it uses no holdout data and nothing about individual histories.

    Parameters
    ----------
    model : BGNBD
        Model fitted on the calibration period (in ``time_unit``).
    transactions : pandas.DataFrame
        The whole log.
    calibration_end, observation_end, freq, time_unit
        As in :func:`calibration_holdout`.
    every : {"D", "W"}, default="W"
        Spacing of the points: every day or every week.
    customer_col, date_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Tidy: ``date``, ``period`` ("calibration" or "holdout"), ``source`` ("actual" or
        "model") and ``repeat_purchases`` (cumulative since the start of the log).

    Raises
    ------
    NotFittedError, SchemaError, ParameterError
        An unfitted model; missing columns or bad dates; bad dates or options.

    See Also
    --------
    plot_tracking : the figure.
    BGNBD.unconditional_expected_purchases : E[X(t)].

    Examples
    --------
    >>> import kequn_lib as kq
    >>> customers = kq.make_customers(n=1_000, random_state=0)
    >>> log = kq.make_transactions(customers, months=6, future_months=6, random_state=0)
    >>> split = kq.calibration_holdout(log, calibration_end="2024-06-30", time_unit=7)
    >>> model = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
    ...                  T_col="T_cal").fit(split)
    >>> kq.tracking(model, log, calibration_end="2024-06-30", time_unit=7).columns.tolist()
    ['date', 'period', 'source', 'repeat_purchases']
    """
    owner = "tracking"
    _check_fitted(model, owner)
    transactions = require_frame(transactions, owner=owner)
    require_columns(transactions, [customer_col, date_col], owner=owner)
    freq = check_option(freq, ["D", "W"], name="freq", owner=owner)
    every = check_option(every, ["D", "W"], name="every", owner=owner)
    _, factor = _time_unit_factor(time_unit, freq, owner=owner)
    if len(transactions) == 0:
        raise SchemaError(f"{owner}: the transaction log is empty.")
    cal_p = _end_period(calibration_end, freq, owner=owner)
    if cal_p is None:
        raise ParameterError(f"{owner}: calibration_end is required.")
    ns = _parse_dates(transactions[date_col], owner=owner, column=date_col)
    p = _period_codes(ns, freq)
    obs_p = _end_period(observation_end, freq, owner=owner)
    obs_p = int(p.max()) if obs_p is None else obs_p
    keep = p <= obs_p
    pairs = (pd.DataFrame({"id": transactions[customer_col].to_numpy()[keep], "p": p[keep]})
             .drop_duplicates())
    birth = pairs.groupby("id")["p"].min()
    cohort = birth[birth <= cal_p]
    if cohort.empty:
        msg = f"{owner}: no customer made a first purchase by calibration_end={calibration_end!r}."
        raise ParameterError(msg)
    pairs = pairs[pairs["id"].isin(cohort.index)]
    repeat_p = pairs["p"].to_numpy()[pairs["p"].to_numpy() > pairs["id"].map(birth).to_numpy()]
    step = 1 if (every == "D" or freq == "W") else 7
    p0 = int(cohort.min())
    grid = np.arange(p0 + step - 1, obs_p + 1, step)
    grid = np.union1d(grid, [cal_p, obs_p])  # the split and the end are always shown
    actual = np.searchsorted(np.sort(repeat_p), grid, side="right").astype("float64")
    births, counts = np.unique(cohort.to_numpy(), return_counts=True)
    theta = model.params_.to_numpy()
    expected = np.array([
        counts[births <= g] @ _unconditional_purchases(theta, (g - births[births <= g]) / factor)
        for g in grid
    ])
    days = grid if freq == "D" else grid * 7 - 3 + 6  # a week's code -> its Sunday
    dates = pd.to_datetime(days.astype("int64"), unit="D")
    period = np.where(grid <= cal_p, "calibration", "holdout")
    frame = pd.concat([
        pd.DataFrame({"date": dates, "period": period, "source": "actual",
                      "repeat_purchases": actual}),
        pd.DataFrame({"date": dates, "period": period, "source": "model",
                      "repeat_purchases": expected}),
    ], ignore_index=True)
    return frame
