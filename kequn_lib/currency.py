"""The currency of a customer table, and tiers that do not depend on it.

A customer table carries its currency in ``data.attrs["currency"]`` (an ISO 4217 code): the
synthetic bank is ``"CNY"``, UCI Bank Marketing ``"EUR"``, UCI Default of Credit Card Clients
``"TWD"``, and ``read_customers(..., currency=...)`` sets it for an analyst's file. A table
without it is taken to be in CNY, the package's default.

The public AUM ladders (:func:`~kequn_lib.aum_tiers` presets) are bars in CNY. Applying them to
balances in another currency is refused: convert with ``fx_rate=`` (CNY per unit of the table's
currency) or tier by the data's own distribution with :func:`quantile_tiers`, which returns a
:class:`QuantileTiers` (the tiers and the bars the data gave them).

The currency code is frame *metadata*: it describes the money of the data and travels with the
table in ``attrs``, pandas' intended use of ``attrs``. Results with more than one part (a table
plus what was estimated with it) come back as frozen dataclasses instead, never in ``attrs``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._repr import ResultRepr
from ._validation import check_number, fmt_values, require_frame, require_numeric, require_role
from .errors import ParameterError

__all__ = ["QuantileTiers", "quantile_tiers", "table_currency"]

BASE_CURRENCY = "CNY"
_QUANTILE_LABELS = {"zh": "{lo}–{hi}分位", "en": "P{lo}–P{hi}"}


def table_currency(data: Any) -> str | None:
    """The currency code a table declares in ``attrs["currency"]``, upper-cased, or None.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        A customer table or a column of it.

    Returns
    -------
    str or None
        E.g. ``"CNY"``, ``"EUR"``; None when the table declares none (or a note such as
        ``"none (no money columns)"``).

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> t = pd.DataFrame({"aum": [1.0]})
    >>> t.attrs["currency"] = "eur"
    >>> kq.table_currency(t)
    'EUR'
    """
    attrs = getattr(data, "attrs", None) or {}
    code = attrs.get("currency")
    if not isinstance(code, str):
        return None
    code = code.strip().upper()
    return code if len(code) == 3 and code.isalpha() else None


def _to_cny(data: Any, values: pd.Series | None, *, fx_rate: Any, cny_ladder: bool,
            preset: str, owner: str, engine: str | None = None) -> pd.Series | None:
    """Values in CNY for a CNY ladder: refuse non-CNY data without ``fx_rate``; apply it.

    ``engine`` names a Parquet or Dask input (``data`` is then a zero-row frame carrying the
    files' or partitions' ``attrs``): the same refusal, with the fixes open to that input."""
    code = table_currency(data)
    if fx_rate is not None:
        rate = check_number(fx_rate, name="fx_rate", owner=owner, low=0, low_inclusive=False)
        if code == BASE_CURRENCY:
            msg = (f"{owner}: fx_rate={fx_rate!r} was given but the table is already in CNY "
                   "(attrs['currency']). Leave fx_rate out.")
            raise ParameterError(msg)
        return values * rate
    if cny_ladder and code is not None and code != BASE_CURRENCY and engine is not None:
        msg = (
            f"{owner}: the {engine} table's money is in {code} (attrs['currency'] stored with "
            f"it), but the {preset!r} ladder's bars are in CNY, so its tiers would mean nothing "
            f"here. Either pass thresholds= in {code}, or convert the AUM column to CNY first "
            "(fx_rate= and kq.quantile_tiers take a pandas table)."
        )
        raise ParameterError(msg)
    if cny_ladder and code is not None and code != BASE_CURRENCY:
        msg = (
            f"{owner}: the table's money is in {code} (data.attrs['currency']), but the "
            f"{preset!r} ladder's bars are in CNY, so its tiers would mean nothing here. Either "
            f"tier by the data's own distribution with kq.quantile_tiers(data), or convert "
            f"with aum_tiers(data, fx_rate=<CNY per {code}> at the data's date), or pass "
            f"thresholds= in {code}."
        )
        raise ParameterError(msg)
    return values


@dataclass(frozen=True, repr=False)
class QuantileTiers(ResultRepr):
    """Tiers by percentile of the data's own AUM (result of :func:`quantile_tiers`).

    Attributes
    ----------
    tiers : pandas.Series
        Tier of each customer: ordered categorical named ``"tier"`` on the input's index,
        lowest tier first.
    bars : dict of str to float
        Upper bar of each tier (``{tier: bar}``, lowest first) in the table's currency: the
        empirical quantile of the values at the tier's cut; the last tier's bar is ``inf``.
    cuts : tuple of float
        The cumulative shares of customers at which the tiers end, as asked for.
    currency : str or None
        Currency of the bars: the input's ``attrs["currency"]`` (see :func:`table_currency`),
        None when it declares none.
    """

    tiers: pd.Series
    bars: dict[str, float]
    cuts: tuple[float, ...]
    currency: str | None

    def _repr_headline(self) -> dict[str, Any]:
        return {"customers": len(self.tiers), "cuts": self.cuts, "currency": self.currency,
                "bars": self.bars}


def quantile_tiers(
    data: pd.DataFrame | pd.Series,
    *,
    cuts: Sequence[float] = (0.5, 0.8, 0.95, 0.99),
    aum_col: str = "aum",
    labels: str | Sequence[str] = "en",
) -> QuantileTiers:
    """Tier customers by percentile of their own AUM distribution (any currency).

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Customer table with an AUM column, or the values themselves (finite, >= 0).
    cuts : sequence of float, default=(0.5, 0.8, 0.95, 0.99)
        Cumulative shares of customers at which a tier ends, strictly increasing in (0, 1). The
        defaults give the bottom half, the next 30 %, the next 15 %, the next 4 % and the top
        1 % (an assumption, shaped like the public ladders' pyramid).
    aum_col : str, default="aum"
        Column holding AUM (ignored for a Series). Needs the AUM role; any non-negative
        measure works (``aum_col="credit_limit"`` tiers a card portfolio), and a table without
        the column is refused with a message that names the columns that could stand in.
    labels : {"en", "zh"} or list of str, default="en"
        ``"en"``: ``"P0–P50"``, ..., ``"P99–P100"``; ``"zh"``: ``"0–50分位"``, ...; or one name
        per tier (``len(cuts) + 1`` names, lowest first).

    Returns
    -------
    QuantileTiers
        A frozen dataclass: ``tiers`` (ordered categorical Series named ``"tier"`` on the
        input's index, lowest tier first), ``bars`` (``{tier: upper bar}`` in the table's
        currency, the last tier unbounded), ``cuts`` and ``currency`` (from the input's
        ``attrs``, if any).

    Raises
    ------
    SchemaError
        If the AUM column is missing, not numeric, NaN, infinite or negative.
    ParameterError
        If ``cuts`` is not strictly increasing within (0, 1), or ``labels`` has the wrong
        length.

    See Also
    --------
    aum_tiers : the public CNY ladders.

    Notes
    -----
    The bars are the empirical quantiles of the values at ``cuts``. A customer belongs to the
    lowest tier whose bar is at least their AUM, so equal balances share a tier: when many
    customers hold exactly the same amount (zero, typically), a tier can be larger than its
    nominal share and the next one smaller or empty.

    Earlier versions returned the tiers as a Series with the bars, cuts and currency in its
    ``attrs``; read them from the fields of the result instead (``result.tiers``,
    ``result.bars``, not ``result.attrs["bars"]``).

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> aum = pd.Series([0.0, 10, 20, 30, 40, 50, 60, 70, 80, 1000], name="aum")
    >>> q = kq.quantile_tiers(aum, cuts=(0.5, 0.9))
    >>> q.tiers.value_counts(sort=False).tolist()
    [5, 4, 1]
    >>> q.bars["P0–P50"], q.cuts
    (45.0, (0.5, 0.9))
    """
    owner = "quantile_tiers"
    if isinstance(data, pd.Series):
        values = require_numeric(data.to_frame(name=aum_col), aum_col, owner=owner,
                                 nonnegative=True)
    else:
        data = require_frame(data, owner=owner)
        require_role(data, aum_col, owner=owner)
        values = require_numeric(data, aum_col, owner=owner, nonnegative=True)
    try:
        qs = np.array([float(c) for c in cuts], dtype="float64")
    except (TypeError, ValueError):
        qs = np.array([np.nan])
    if qs.size == 0 or not np.isfinite(qs).all() or (qs <= 0).any() or (qs >= 1).any() \
            or (np.diff(qs) <= 0).any():
        msg = (f"{owner}: cuts must be strictly increasing shares within (0, 1), e.g. "
               f"(0.5, 0.8, 0.95, 0.99); got {cuts!r}.")
        raise ParameterError(msg)
    edges = [0, *[round(100 * q, 2) for q in qs], 100]
    edges = [int(e) if float(e).is_integer() else e for e in edges]
    if isinstance(labels, str):
        if labels not in _QUANTILE_LABELS:
            msg = f"{owner}: labels={labels!r} is not supported. Use 'en', 'zh' or a list."
            raise ParameterError(msg)
        names = [_QUANTILE_LABELS[labels].format(lo=lo, hi=hi)
                 for lo, hi in itertools.pairwise(edges)]
    else:
        names = [str(x) for x in labels]
        if len(names) != len(qs) + 1 or len(set(names)) != len(names):
            msg = (f"{owner}: labels must be {len(qs) + 1} distinct names (one per tier, lowest "
                   f"first) for {len(qs)} cuts; got {fmt_values(names, 10)}.")
            raise ParameterError(msg)
    arr = values.to_numpy()
    bars = np.quantile(arr, qs) if arr.size else np.zeros(len(qs))
    codes = np.searchsorted(bars, arr, side="left")
    cat = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    return QuantileTiers(
        tiers=pd.Series(cat, index=values.index, name="tier"),
        bars={n: float(b) for n, b in zip(names, [*bars, np.inf], strict=True)},
        cuts=tuple(float(q) for q in qs),
        currency=table_currency(data),
    )
