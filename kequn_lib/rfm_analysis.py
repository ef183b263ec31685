"""RFM analysis: how recently, how often and how much each customer transacts (RFM 分析).

:func:`rfm` summarises a transaction log into one row per customer with frequency, recency, T
and monetary value, as defined in the BG/NBD literature (in memory, or over Parquet files and
Dask frames through :mod:`kequn_lib.backends`). :func:`rfm_scores` turns that table into scores
from 1 to ``bins``, and :func:`rfm_segments` names the eight classic segments of
:data:`RFM_SEGMENTS` (重要价值客户 ... 一般挽留客户). The same table is the input of
:class:`~kequn_lib.BGNBD`. Together with :mod:`kequn_lib.tiering` this is the traditional,
contribution-based view of customers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import backends
from ._validation import (
    check_int,
    check_option,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
)
from .errors import ParameterError, SchemaError

__all__ = [
    "RFM_SEGMENTS",
    "rfm",
    "rfm_scores",
    "rfm_segments",
]

log = logging.getLogger(__name__)


_NS_PER_DAY = 86_400_000_000_000


def _parse_dates(s: pd.Series, *, owner: str, column: str) -> np.ndarray:
    """Return int64 nanoseconds since the epoch (wall time), raising on NaT or unparseable."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = s
    else:
        from ._dates import parse_dates  # the package's one date reader

        try:
            parsed = parse_dates(s, column=column, owner=owner, errors="coerce")
        except SchemaError as err:
            msg = (f"{err} Here, parse the column first and pass the result: "
                   f"data[{column!r}] = kq.parse_dates(data[{column!r}], ...).")
            raise SchemaError(msg, column=err.column, rows=err.rows) from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        rows = s.index[bad]
        msg = (
            f"{owner}: column {column!r} has {int(bad.sum())} missing or unparseable date(s), "
            f"first at index [{fmt_values(rows)}] with values [{fmt_values(s[bad].tolist())}]. "
            "Fix or drop these rows, or parse the column with pd.to_datetime(..., format=...)."
        )
        raise SchemaError(msg, column=column, rows=list(rows))
    return parsed.to_numpy(dtype="datetime64[ns]").view("int64")


def _period_codes(ns: np.ndarray, freq: str) -> np.ndarray:
    """Integer period number of each timestamp: days, or Monday-start weeks, since the epoch."""
    days = np.floor_divide(ns, _NS_PER_DAY)
    if freq == "D":
        return days
    return np.floor_divide(days + 3, 7)  # 1970-01-01 is a Thursday; weeks run Monday..Sunday


def _end_period(observation_end: Any, freq: str, *, owner: str) -> int | None:
    """Period code of ``observation_end`` (``None`` when it is ``None``), checked as a date."""
    if observation_end is None:
        return None
    try:
        stamp = pd.Timestamp(observation_end)
    except (TypeError, ValueError):
        msg = f"{owner}: observation_end={observation_end!r} is not a date."
        raise ParameterError(msg) from None
    if stamp is pd.NaT:
        raise ParameterError(f"{owner}: observation_end must be a date, got NaT.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int(_period_codes(np.array([stamp.as_unit("ns").value]), freq)[0])


def _rfm_columns(
    frame: pd.DataFrame, customer_col: str, date_col: str, amount_col: str, *, owner: str
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Check a (batch of a) transaction log; return ids, dates as int64 ns and amounts."""
    ids = frame[customer_col]
    if ids.isna().any():
        rows = ids.index[ids.isna().to_numpy()]
        msg = (
            f"{owner}: column {customer_col!r} has {len(rows)} missing id(s), first at index "
            f"[{fmt_values(rows)}]. Every transaction needs a customer id."
        )
        raise SchemaError(msg, column=customer_col, rows=list(rows))
    amount = require_numeric(frame, amount_col, owner=owner).to_numpy()
    ns = _parse_dates(frame[date_col], owner=owner, column=date_col)
    return ids, ns, amount


def _time_unit_factor(time_unit: Any, freq: str, *, owner: str) -> tuple[float, float]:
    """``(days per model time unit, periods of freq per model time unit)`` for ``time_unit``.

    ``None`` means one period of ``freq``; a number is a count of days; a string or Timedelta
    is read by ``pandas.Timedelta`` (``"7D"``, ``"1W"``).
    """
    period_days = 1.0 if freq == "D" else 7.0
    if time_unit is None:
        return period_days, 1.0
    if isinstance(time_unit, str | pd.Timedelta):
        try:
            days = pd.Timedelta(time_unit) / pd.Timedelta(days=1)
        except (TypeError, ValueError):
            days = float("nan")
    elif isinstance(time_unit, int | float | np.integer | np.floating) and not isinstance(
        time_unit, bool
    ):
        days = float(time_unit)
    else:
        days = float("nan")
    if not np.isfinite(days) or days <= 0:
        msg = (
            f"{owner}: time_unit={time_unit!r} is not a positive length of time. Pass a number "
            "of days (7 for weeks of days/7, as in the BG/NBD literature), a string such as "
            "'7D', or None for one period of freq."
        )
        raise ParameterError(msg)
    return days, days / period_days


def rfm(
    transactions: pd.DataFrame | str | os.PathLike,
    *,
    observation_end: Any = None,
    freq: str = "D",
    time_unit: Any = None,
    monetary: str = "repeat",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Summarise a transaction log into frequency, recency, T and monetary value per customer.

    The definition is exactly that of the BG/NBD literature (and of the ``lifetimes`` package's
    ``summary_data_from_transaction_data``): transactions are grouped into periods of ``freq``,
    and only *repeat* periods count.

    Parameters
    ----------
    transactions : pandas.DataFrame, Parquet path or glob, or Dask DataFrame
        Transaction log, one row per event, in any order. A ``.parquet`` file, folder or glob
        (``"logs/*.parquet"``) is summarised by DuckDB in bounded memory, so the log may be far
        larger than memory (see :func:`duckdb_options`); a Dask DataFrame is summarised on its
        workers (local or a cluster). Every kind gives the same table, or the same error.
    observation_end : date-like, optional
        Last day of the observation window; transactions in later periods are left out (and
        logged). Default: the latest date in the log.
    freq : {"D", "W"}, default="D"
        Period used to count repeat purchases: days, or weeks running Monday to Sunday.
    time_unit : float, str or None, default=None
        Time unit of ``recency`` and ``T`` (the unit the models see), as a number of days or a
        string such as ``"7D"``; ``None`` is one period of ``freq``. ``freq="D",
        time_unit=7`` counts purchase days and measures time in weeks of days/7, the
        convention of the BG/NBD literature (``freq="W"`` instead counts calendar weeks). The
        result's ``attrs["time_unit_days"]`` records it (frame metadata, the unit of the
        columns, read by the lifetime-value functions).
    monetary : {"repeat", "all"}, default="repeat"
        ``"repeat"``: ``monetary_value`` is the mean total of the repeat periods, the first
        excluded (the BG/NBD and Gamma-Gamma definition; one-time buyers get 0). ``"all"``:
        the mean total of all periods, the first included, so one-time buyers are valued by
        their one purchase (for RFM scores and segments, where an M of 0 for every one-time
        buyer empties half of the segments; not for the Gamma-Gamma model).
    customer_col, date_col, amount_col : str
        Column names; defaults ``"customer_id"``, ``"date"``, ``"amount"``. Dates may be
        datetime64 (time zone dropped, wall time kept) or strings pandas can parse.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted, named ``customer_col``), one row per customer with a
        transaction up to ``observation_end``; float64 columns:

        * ``frequency``: number of periods with a transaction, minus one (repeat periods);
        * ``recency``: last period minus first period (0 when ``frequency`` is 0), in
          ``time_unit``;
        * ``T``: ``observation_end``'s period minus the first period, in ``time_unit``;
        * ``monetary_value``: mean total amount of the repeat periods; the first period is
          excluded, and it is 0 when ``frequency`` is 0.

        A customer with a single transaction has ``frequency = recency = monetary_value = 0``.
        An empty log gives an empty frame with these columns. Parquet and Dask input give the
        same pandas table (one row per customer is a summary that fits in memory).

    Raises
    ------
    SchemaError
        A column is missing, a customer id is missing, a date is missing or unparseable, or an
        amount is NaN or infinite (the message names the column and the first rows).
    ParameterError
        Unsupported ``freq`` or an unparseable ``observation_end``; an ``observation_end``
        before every transaction; a glob matching no file.
        Parquet files with differing schemas or a missing column, and a Dask frame missing a
        column, raise :class:`SchemaError` before any row is read.

    See Also
    --------
    rfm_scores, rfm_segments : scores and named segments.
    BGNBD : the transaction model fitted on this table.

    Notes
    -----
    Vectorised: customers are factorised once, periods are integer codes, and first/last
    periods, repeat counts and amounts are scatter reductions (no sort of the log, no Python
    loop). Distinct (customer, period) pairs are counted on a boolean bitmap when it takes at
    most 8 bytes per transaction, else by sorting the integer pair keys (the only sort).
    Amounts may be negative (refunds).

    Parquet: one DuckDB statement groups the log by (customer, period), then by customer, and
    spills to disk above the memory limit; the row checks ride along (a bad amount turns a
    sum into NaN, a missing id forms its own group; a column whose file footers count no null
    needs no check) and only a failed check reads the files again, to name the first
    offending rows by their row number across the files. Dask: the
    same pair reduction runs per partition, the pairs are shuffled by customer and each
    partition is summarised; the checks count over all partitions. Results equal the in-memory
    path to rounding (sums of the same amounts in another order).

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> log = pd.DataFrame({
    ...     "customer_id": [1, 1, 1, 2],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05"]),
    ...     "amount": [10.0, 5.0, 30.0, 8.0]})
    >>> kq.rfm(log, observation_end="2024-01-31")  # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency     T  monetary_value
    customer_id
    1                  1.0     10.0  30.0            30.0
    2                  0.0      0.0  26.0             0.0
    """
    owner = "rfm"
    freq = check_option(freq, ["D", "W"], name="freq", owner=owner)
    unit_days, factor = _time_unit_factor(time_unit, freq, owner=owner)
    monetary = check_option(monetary, ["repeat", "all"], name="monetary", owner=owner)
    out = _rfm_summary(transactions, observation_end=observation_end, freq=freq,
                       customer_col=customer_col, date_col=date_col, amount_col=amount_col,
                       monetary=monetary)
    if factor != 1.0:
        out = out.assign(recency=out["recency"] / factor, T=out["T"] / factor)
    out.attrs["time_unit_days"] = unit_days
    return out


def _rfm_summary(
    transactions: Any,
    *,
    observation_end: Any,
    freq: str,
    customer_col: str,
    date_col: str,
    amount_col: str,
    monetary: str = "repeat",
) -> pd.DataFrame:
    """The RFM table in periods of ``freq`` from any engine (the body of :func:`rfm`)."""
    owner = "rfm"
    kind = backends.input_kind(transactions, owner=owner)
    freq = check_option(freq, ["D", "W"], name="freq", owner=owner)
    end = _end_period(observation_end, freq, owner=owner)
    cols = [customer_col, date_col, amount_col]
    names = {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col}
    if kind == backends.PARQUET:
        src = backends.parquet_source(transactions, columns=cols, owner=owner)
        backends._kinds.require_arrow_type(src, amount_col, "numeric", owner=owner)
        backends._kinds.require_arrow_type(src, date_col, "date", owner=owner)
        res = backends._duckdb.rfm_stats(src, end=end, freq=freq, owner=owner, **names)
        id_dtype = src.empty_frame([customer_col])[customer_col].dtype

        def first_day() -> Any:
            return backends._duckdb.first_timestamp(src, date_col).date()
    elif kind == backends.DASK:
        from .backends import _dask

        _dask.require_frame(transactions, owner=owner)
        _dask.require_columns(transactions, cols, owner=owner)
        _dask.require_numeric_dtype(transactions, amount_col, owner=owner)
        res = _dask.rfm_stats(transactions, end=end, freq=freq, owner=owner,
                              period=_period_codes, **names)
        id_dtype = transactions._meta[customer_col].dtype

        def first_day() -> Any:
            dates = transactions[date_col].map_partitions(
                lambda s: pd.Series([_parse_dates(s, owner=owner, column=date_col).min()
                                     if len(s) else np.iinfo("int64").max]),
                meta=pd.Series(dtype="int64"))
            return pd.Timestamp(int(dates.min().compute())).date()
    else:
        transactions = require_frame(transactions, owner=owner)
        require_columns(transactions, cols, owner=owner)
        ids, ns, amount = _rfm_columns(transactions, customer_col, date_col, amount_col,
                                       owner=owner)
        res = _numpy_stats(ids.to_numpy(), _period_codes(ns, freq), amount, end, customer_col)
        id_dtype = ids.dtype

        def first_day() -> Any:
            return pd.Timestamp(int(ns.min())).date()
    return _rfm_table(res, end, id_dtype, first_day, observation_end=observation_end,
                      customer_col=customer_col, owner=owner, monetary=monetary)


_RFM_COLUMNS = ["frequency", "recency", "T", "monetary_value"]


def _numpy_stats(ids: np.ndarray, p: np.ndarray, amount: np.ndarray, end: int | None,
                 customer_col: str) -> dict[str, Any]:
    """Per-customer first/last period, distinct periods, total and first-period total (numpy).

    The contract of the engines' ``rfm_stats``: ``stats`` holds only customers with a period
    up to ``end``; ``n_late`` counts the transactions after ``end``; ``pmax`` is the last
    period of the log (``None`` for an empty log).
    """
    if p.size == 0:
        return {"stats": None, "n_late": 0, "pmax": None}
    pmax = int(p.max())
    end = pmax if end is None else end
    keep = p <= end
    n_late = int(keep.size - np.count_nonzero(keep))
    if n_late:
        p, amount, ids = p[keep], amount[keep], ids[keep]
    codes, uniques = _factorize(ids)
    m = len(uniques)
    first = np.full(m, end, dtype="int64")
    np.minimum.at(first, codes, p)
    last = np.full(m, np.iinfo("int64").min, dtype="int64")
    np.maximum.at(last, codes, p)
    pmin = int(p.min()) if p.size else 0
    span = end - pmin + 1
    if m * span <= max(8 * p.size, 1 << 20):
        seen = np.zeros(m * span, dtype=bool)
        seen[codes * span + (p - pmin)] = True
        n_periods = np.count_nonzero(seen.reshape(m, span), axis=1).astype("int64")
        del seen
    else:
        keys = np.sort(codes.astype("int64") * span + (p - pmin))
        distinct = np.empty(keys.size, dtype=bool)
        distinct[:1] = True
        np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
        n_periods = np.bincount(keys[distinct] // span, minlength=m)
        del keys, distinct
    total = np.bincount(codes, weights=amount, minlength=m)
    in_first = p == first[codes]
    first_total = np.bincount(codes[in_first], weights=amount[in_first], minlength=m)
    stats = pd.DataFrame(
        {"first": first, "last": last, "n_periods": n_periods, "total": total,
         "first_total": first_total},
        index=pd.Index(uniques, name=customer_col),
    )
    return {"stats": stats, "n_late": n_late, "pmax": pmax}


def _factorize(ids: np.ndarray) -> tuple[np.ndarray, Any]:
    """Codes and distinct ids. Integer ids in a compact range (the usual customer numbers) are
    coded by offset, with no hashing, and come out sorted; others go through pd.factorize."""
    if ids.dtype.kind in "iu" and ids.size:
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo < max(4 * ids.size, 1 << 16):
            offset = ids - lo if ids.dtype.kind == "i" else (ids - lo).astype("int64")
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[offset] = True
            remap = np.cumsum(present, dtype="int64") - 1
            return remap[offset], (np.flatnonzero(present) + lo).astype(ids.dtype)
    return pd.factorize(ids, sort=False)


def _rfm_table(res: dict[str, Any], end: int | None, id_dtype: Any, first_day: Any, *,
               observation_end: Any, customer_col: str, owner: str,
               monetary: str = "repeat") -> pd.DataFrame:
    """The RFM table from per-customer statistics, the same for every engine."""
    stats, pmax = res["stats"], res["pmax"]
    if pmax is None:  # an empty log
        empty = pd.Index([], dtype=id_dtype, name=customer_col)
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in _RFM_COLUMNS}).set_index(
            empty)
    end = pmax if end is None else end
    if stats is None or len(stats) == 0:
        msg = (
            f"{owner}: observation_end={observation_end!r} is before every transaction (the "
            f"first is on {first_day()}), so no customer would be left. Pass a later "
            "observation_end, or None to end at the last transaction."
        )
        raise ParameterError(msg)
    if res["n_late"]:
        log.info("rfm: %d transaction(s) after observation_end left out", res["n_late"])
    first = stats["first"].to_numpy()
    n_periods = stats["n_periods"].to_numpy()
    # one float64 block, column-major, filled in place: the frame wraps it without a copy
    block = np.empty((len(_RFM_COLUMNS), len(stats)))
    frequency, recency, t, monetary_value = block
    np.subtract(n_periods, 1, out=frequency, casting="unsafe")
    np.subtract(stats["last"].to_numpy(), first, out=recency, casting="unsafe")
    np.subtract(end, first, out=t, casting="unsafe")
    total = stats["total"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        if monetary == "all":
            np.divide(total, n_periods, out=monetary_value)
        else:
            repeat_total = total - stats["first_total"].to_numpy()
            monetary_value[:] = np.where(frequency > 0, repeat_total / frequency, 0.0)
    index = stats.index
    if index.dtype != id_dtype:
        try:
            index = index.astype(id_dtype)
        except (TypeError, ValueError):  # pragma: no cover - keep what the engine gave
            pass
    out = pd.DataFrame(block.T, index=index.rename(customer_col), columns=_RFM_COLUMNS,
                       copy=False)
    try:
        out = out.sort_index()
    except TypeError:  # ids of mixed types cannot be ordered; keep first-seen order
        log.info("rfm: customer ids of mixed types, left in order of first appearance")
    return out


RFM_SEGMENTS: dict[str, tuple[str, str]] = {
    "HHH": ("important value", "重要价值客户"),
    "HLH": ("important develop", "重要发展客户"),
    "LHH": ("important keep", "重要保持客户"),
    "LLH": ("important win-back", "重要挽留客户"),
    "HHL": ("general value", "一般价值客户"),
    "HLL": ("general develop", "一般发展客户"),
    "LHL": ("general keep", "一般保持客户"),
    "LLL": ("general win-back", "一般挽留客户"),
}
"""Default RFM segment names, keyed by the pattern of high (H) / low (L) scores in the order
recency, frequency, monetary; values are (English, Chinese) names. This is the common eight-cell
RFM scheme of Chinese CRM practice (重要价值 … 一般挽留)."""


def _score(x: np.ndarray, bins: int) -> np.ndarray:
    n = x.size
    if n == 0:
        return np.zeros(0, dtype="int64")
    r = pd.Series(x).rank(method="average").to_numpy()
    s = np.ceil(bins * (r - 0.5) / n).astype("int64")
    return np.clip(s, 1, bins)


def rfm_scores(rfm: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """Score recency, frequency and monetary value from 1 (worst) to ``bins`` (best).

    Parameters
    ----------
    rfm : pandas.DataFrame
        Output of :func:`rfm` (columns ``frequency``, ``recency``, ``T``, ``monetary_value``).
    bins : int, default=5
        Number of score levels (2 to 10); quintiles by default.

    Returns
    -------
    pandas.DataFrame
        Same index as ``rfm``: ``r_score``, ``f_score``, ``m_score`` (int64, 1..bins),
        ``rfm_code`` (str such as ``"545"``) and ``rfm_score`` (sum of the three).

    Raises
    ------
    SchemaError
        Missing columns, or NaN/infinite values.
    ParameterError
        ``bins`` outside 2..10.

    See Also
    --------
    rfm_segments : named segments from the scores.

    Notes
    -----
    The R score ranks the time since the last purchase, ``T - recency`` (shorter is better);
    F ranks ``frequency`` and M ``monetary_value``. Scores come from mid-ranks,
    ``ceil(bins * (rank - 0.5) / n)``, instead of quantile edges, so they are defined for any
    number of customers: tied values share a score (all-equal values all get the middle score),
    and with fewer customers than bins some scores are simply unused.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> table = pd.DataFrame({"frequency": [0.0, 3.0, 8.0], "recency": [0.0, 20.0, 90.0],
    ...                       "T": [100.0, 100.0, 100.0], "monetary_value": [0.0, 50.0, 20.0]})
    >>> kq.rfm_scores(table, bins=3)["rfm_code"].tolist()
    ['111', '223', '332']
    """
    owner = "rfm_scores"
    rfm = require_frame(rfm, owner=owner)
    bins = check_int(bins, name="bins", owner=owner, low=2, high=10)
    cols = ["frequency", "recency", "T", "monetary_value"]
    require_columns(rfm, cols, owner=owner)
    v = {c: require_numeric(rfm, c, owner=owner).to_numpy() for c in cols}
    r = _score(-(v["T"] - v["recency"]), bins)
    f = _score(v["frequency"], bins)
    m = _score(v["monetary_value"], bins)
    code = pd.Series(r.astype(str), dtype=object) + f.astype(str) + m.astype(str)
    return pd.DataFrame(
        {"r_score": r, "f_score": f, "m_score": m, "rfm_code": code.to_numpy(dtype=object),
         "rfm_score": r + f + m},
        index=rfm.index,
    ).astype({"rfm_code": "str"})


def rfm_segments(
    scores: pd.DataFrame,
    *,
    bins: int = 5,
    mapping: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Name each customer's RFM segment (e.g. 重要价值客户, important value) from their scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`rfm_scores` (``r_score``, ``f_score``, ``m_score``).
    bins : int, default=5
        The ``bins`` used for the scores; a score above ``(bins + 1) / 2`` counts as high.
    mapping : mapping of str to (str, str), optional
        ``{pattern: (English name, Chinese name)}`` where the pattern is three letters H/L for
        recency, frequency, monetary (``"HLH"``); all eight patterns are needed. Default
        :data:`RFM_SEGMENTS`.

    Returns
    -------
    pandas.DataFrame
        Same index as ``scores``: ``pattern`` (str), ``segment`` and ``segment_zh``
        (categoricals in the order of ``mapping``).

    Raises
    ------
    SchemaError
        Missing score columns or scores outside 1..bins.
    ParameterError
        A mapping that lacks a pattern or whose values are not (English, Chinese) pairs.

    Notes
    -----
    One-time buyers: by the BG/NBD definition their ``monetary_value`` is 0, so on a log where
    many customers bought once they all share the lowest M score and several segments stay
    empty. Build the table with ``kq.rfm(transactions, monetary="all")`` to value each
    customer by the mean of all their purchase periods, the first included, before
    :func:`rfm_scores` and this function.

    See Also
    --------
    rfm_scores : the scores.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> s = pd.DataFrame({"r_score": [5, 1], "f_score": [5, 1], "m_score": [4, 5]})
    >>> kq.rfm_segments(s)["segment_zh"].tolist()
    ['重要价值客户', '重要挽留客户']
    """
    owner = "rfm_segments"
    scores = require_frame(scores, owner=owner)
    bins = check_int(bins, name="bins", owner=owner, low=2, high=10)
    mapping = RFM_SEGMENTS if mapping is None else mapping
    patterns = [a + b + c for a in "HL" for b in "HL" for c in "HL"]
    if not isinstance(mapping, Mapping):
        raise ParameterError(f"{owner}: mapping must be a dict, got {type(mapping).__name__}.")
    lacking = [p for p in patterns if p not in mapping]
    bad = [
        k for k, v in mapping.items()
        if not (isinstance(v, tuple | list) and len(v) == 2 and all(isinstance(x, str) for x in v))
    ]
    if lacking or bad:
        msg = (
            f"{owner}: mapping must give (English, Chinese) names for all eight H/L patterns of "
            f"recency, frequency, monetary; missing {lacking}, malformed {bad}."
        )
        raise ParameterError(msg)
    cols = ["r_score", "f_score", "m_score"]
    require_columns(scores, cols, owner=owner)
    high = []
    for c in cols:
        v = require_numeric(scores, c, owner=owner).to_numpy()
        out_of_range = (v < 1) | (v > bins)
        if out_of_range.any():
            rows = scores.index[out_of_range]
            msg = (
                f"{owner}: column {c!r} must hold scores 1..{bins} (bins={bins}); "
                f"{int(out_of_range.sum())} row(s) fail, first at index [{fmt_values(rows)}]. "
                "Pass the same bins as to rfm_scores."
            )
            raise SchemaError(msg, column=c, rows=list(rows))
        high.append(np.where(v > (bins + 1) / 2, "H", "L"))
    pattern = np.char.add(np.char.add(high[0], high[1]), high[2])
    keys = [k for k in mapping if k in patterns]
    en = list(dict.fromkeys(mapping[k][0] for k in keys))
    zh = list(dict.fromkeys(mapping[k][1] for k in keys))
    pat = pd.Series(pattern, index=scores.index, dtype="str")
    return pd.DataFrame(
        {
            "pattern": pat,
            "segment": pd.Categorical(pat.map(lambda k: mapping[k][0]), categories=en),
            "segment_zh": pd.Categorical(pat.map(lambda k: mapping[k][1]), categories=zh),
        },
        index=scores.index,
    )
