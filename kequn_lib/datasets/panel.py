"""Quarterly snapshots of a customer table: balances that drift, jump and churn (synthetic)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import (
    check_int,
    check_number,
    check_random_state,
    require_frame,
    require_numeric,
    require_unique,
)
from ..errors import ParameterError

__all__ = ["make_panel"]

_BALANCES = ("deposit_balance", "wealth_balance")




def make_panel(
    customers: pd.DataFrame,
    *,
    periods: int = 4,
    drift: float = 0.01,
    volatility: float = 0.12,
    shock_rate: float = 0.04,
    churn_rate: float = 0.02,
    start: str = "2024Q1",
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Follow a customer table over quarterly snapshots in which AUM drifts, jumps and churns.

    Parameters
    ----------
    customers : pandas.DataFrame
        Customer table with unique ``customer_id`` and ``aum`` (CNY, >= 0); ``deposit_balance``
        and ``wealth_balance`` are carried along when present. Its values are the first quarter.
    periods : int, default=4
        Number of quarterly snapshots (1–40), including the first.
    drift : float, default=0.01
        Mean quarterly growth of log AUM (about +1 % a quarter).
    volatility : float, default=0.12
        Standard deviation of the quarterly log change.
    shock_rate : float, default=0.04
        Chance per customer and quarter of a large move (an inheritance, a house purchase,
        money moved to or from another bank): a log change drawn from N(0, 1.2).
    churn_rate : float, default=0.02
        Base chance per quarter that a customer leaves; it is doubled for customers below
        5万 CNY and halved above 50万, as small balances leave more easily.
    start : str, default="2024Q1"
        Label of the first quarter (a pandas quarterly period).
    random_state : int, numpy Generator or None, default=0
        Seed; the same seed gives the same panel.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per customer and quarter while the customer is active, sorted by
        ``period`` then input order, with a fresh RangeIndex: ``customer_id``, ``period``
        (int, 0 = the input), ``quarter`` (pandas Period, quarterly), ``aum`` and the carried
        balance columns (CNY, >= 0; deposit and wealth keep their share of AUM). A churned
        customer has no rows from the quarter it left.

    Raises
    ------
    SchemaError
        ``customer_id`` missing or repeated, ``aum`` missing, NaN, infinite or negative.
    ParameterError
        A rate outside [0, 1], a negative volatility, ``periods`` outside 1–40, a bad
        ``start`` or ``random_state``.

    See Also
    --------
    aum_tiers, tier_migration : tier each snapshot and compare two of them.

    Notes
    -----
    Synthetic and illustrative: a geometric random walk with jumps and AUM-dependent churn.
    Customers with zero AUM stay at zero unless a shock brings in new money (lognormal around
    1万 CNY). The rates are assumptions, not estimates from a bank.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> c = pd.DataFrame({"customer_id": [1, 2, 3], "aum": [1e4, 2e5, 3e6]})
    >>> panel = kq.make_panel(c, periods=3, random_state=0)
    >>> sorted(panel["period"].unique().tolist())
    [0, 1, 2]
    >>> str(panel["quarter"].iloc[0])
    '2024Q1'
    """
    owner = "make_panel"
    customers = require_frame(customers, owner=owner)
    require_unique(customers, "customer_id", owner=owner)
    aum0 = require_numeric(customers, "aum", owner=owner, nonnegative=True).to_numpy()
    periods = check_int(periods, name="periods", owner=owner, low=1, high=40)
    drift = check_number(drift, name="drift", owner=owner, low=-1, high=1)
    volatility = check_number(volatility, name="volatility", owner=owner, low=0, high=2)
    shock_rate = check_number(shock_rate, name="shock_rate", owner=owner, low=0, high=1)
    churn_rate = check_number(churn_rate, name="churn_rate", owner=owner, low=0, high=0.5)
    try:
        first = pd.Period(start, freq="Q")
    except (TypeError, ValueError):
        msg = f"{owner}: start={start!r} is not a quarter; use a label such as '2024Q1'."
        raise ParameterError(msg) from None
    rng = check_random_state(random_state, owner=owner)
    carried = [c for c in _BALANCES if c in customers.columns]
    shares = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in carried:
            bal = require_numeric(customers, c, owner=owner, nonnegative=True).to_numpy()
            shares[c] = np.where(aum0 > 0, bal / aum0, 1.0 / len(carried))
    n = aum0.size
    ids = customers["customer_id"].to_numpy()
    aum = np.zeros((periods, n))
    alive = np.ones((periods, n), dtype=bool)
    aum[0] = aum0
    for t in range(1, periods):  # a handful of quarters; each step is vectorised over customers
        prev = aum[t - 1]
        step = drift + volatility * rng.standard_normal(n)
        shock = rng.random(n) < shock_rate
        step = step + np.where(shock, rng.normal(0.0, 1.2, n), 0.0)
        new_money = shock & (prev <= 0) & (rng.random(n) < 0.5)
        grown = np.where(prev > 0, prev * np.exp(step), 0.0)
        grown = np.where(new_money, rng.lognormal(np.log(1e4), 1.0, n), grown)
        p_churn = churn_rate * np.where(prev < 5e4, 2.0, np.where(prev >= 5e5, 0.5, 1.0))
        alive[t] = alive[t - 1] & (rng.random(n) >= p_churn)
        aum[t] = np.round(grown, 2)
    keep = alive.ravel()
    period = np.repeat(np.arange(periods), n)[keep]
    out = pd.DataFrame(
        {
            "customer_id": np.tile(ids, periods)[keep],
            "period": period,
            "quarter": pd.PeriodIndex.from_ordinals(first.ordinal + period, freq="Q"),
            "aum": aum.ravel()[keep],
        }
    )
    for c in carried:
        out[c] = np.round(out["aum"].to_numpy() * np.tile(shares[c], periods)[keep], 2)
    return out
