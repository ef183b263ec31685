"""Dask inputs: the same steps partition by partition, local or on a cluster.

Row checks run over all partitions before any result is returned, and raise the pandas path's
words with counts and first rows over the whole table (not one partition). Summaries (the RFM
table) come back as pandas; row-aligned outputs stay lazy Dask collections on the input's
partitions, computed with the pandas kernel of each step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (
    missing_columns_error,
    overflow_positions,
    total_overflow_error,
)
from ..errors import ParameterError, SchemaError
from . import _messages

# A check is ("ids", column), ("numeric", column, nonnegative) or ("dates", column).
Check = tuple


def require_columns(ddf: Any, columns: Sequence[str], *, owner: str) -> None:
    missing = [c for c in columns if c not in ddf.columns]
    if missing:
        raise missing_columns_error(missing, ddf._meta, owner=owner)


def is_frame(obj: Any) -> bool:
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame)


def require_frame(ddf: Any, *, owner: str) -> Any:
    import dask.dataframe as dd

    if not isinstance(ddf, dd.DataFrame):
        raise ParameterError(f"{owner}: expected a Dask DataFrame, got {type(ddf).__name__}.")
    return dd


def require_numeric_dtype(ddf: Any, column: str, *, owner: str) -> None:
    dtype = ddf._meta[column].dtype
    if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
        msg = (
            f"{owner}: column {column!r} must be numeric, but the Dask DataFrame has dtype "
            f"{dtype}. Convert it with dd.to_numeric first."
        )
        raise SchemaError(msg, column=column)


def _bad_mask(part: pd.DataFrame, check: Check) -> tuple[np.ndarray, pd.Series]:
    s = part[check[1]]
    if check[0] == "ids":
        return s.isna().to_numpy(), s
    if check[0] == "numeric":
        arr = s.astype("float64").to_numpy()
        bad = ~np.isfinite(arr)
        if check[2]:
            bad |= arr < 0
        return bad, pd.Series(arr, index=s.index)
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.isna().to_numpy(), s
    try:
        parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    except (TypeError, ValueError):
        return np.ones(len(s), dtype=bool), s
    return parsed.isna().to_numpy(), s


def _problems(part: pd.DataFrame, checks: Sequence[Check]) -> list[tuple]:
    """Per check: offending rows (count, first rows, their values) and, for a numeric check,
    the partition's row count and total of absolute values (for the overflow check)."""
    out = []
    for check in checks:
        bad, values = _bad_mask(part, check)
        pos = np.flatnonzero(bad)
        total = None
        if check[0] == "numeric":
            with np.errstate(over="ignore", invalid="ignore"):
                total = (len(part), float(np.nansum(np.abs(values.to_numpy()))))
        out.append((int(pos.size), list(part.index[pos[:10]]), values.iloc[pos[:10]].tolist(),
                    total))
    return out


def _merge(parts: Sequence[list], i: int) -> tuple[int, list, list]:
    n, rows, values = 0, [], []
    for p in parts:
        n += p[i][0]
        if len(rows) < 10:
            rows += p[i][1]
            values += p[i][2]
    return n, rows[:10], values[:10]


def raise_problems(parts: Sequence[list], checks: Sequence[Check], *, owner: str,
                   ddf: Any) -> None:
    """Raise the pandas error of the first failing check, counted over all partitions; a
    numeric column whose total overflows float64 fails right after its row check, as in
    ``require_numeric`` (a second pass over ``ddf`` then finds its largest rows)."""
    for i, check in enumerate(checks):
        n, rows, values = _merge(parts, i)
        if not n:
            if check[0] == "numeric":
                _check_total(ddf, check[1], [p[i][3] for p in parts], owner=owner)
            continue
        if check[0] == "ids":
            raise _messages.missing_ids_error(owner, check[1], n=n, rows=rows)
        if check[0] == "numeric":
            raise _messages.numeric_error(owner, check[1], nonnegative=check[2], n=n,
                                          rows=rows, values=values)
        raise _messages.bad_dates_error(owner, check[1], n=n, rows=rows, values=values)


def _largest(part: pd.Series, n: int) -> tuple[int, list, list, list]:
    """Rows of one partition too large for a total over ``n`` rows: their count, and the
    first ten (largest first, ties in row order) with values and absolute values."""
    arr = part.to_numpy(dtype="float64")
    pos = overflow_positions(arr, n)
    first = pos[:10]
    return int(pos.size), list(part.index[first]), arr[first].tolist(), \
        np.abs(arr[first]).tolist()


def _check_total(ddf: Any, column: str, totals: Sequence[tuple[int, float]], *,
                 owner: str) -> None:
    """``_validation._require_finite_total`` over all partitions: the summed partial totals
    decide; the rows named are the largest over the whole table, ties in row order."""
    n = sum(t[0] for t in totals)
    total = sum(t[1] for t in totals)
    if n == 0 or np.isfinite(total):
        return
    found = ddf[column].map_partitions(
        lambda p: pd.Series([_largest(p, n)], dtype=object), meta=pd.Series(dtype=object)
    ).compute().tolist()
    ranked = sorted(
        (-size, k, j, row, value)
        for k, (_count, rows, values, sizes) in enumerate(found)
        for j, (row, value, size) in enumerate(zip(rows, values, sizes, strict=True))
    )[:10]
    raise total_overflow_error(owner, column, rows=[r[3] for r in ranked],
                               values=[r[4] for r in ranked], n=sum(f[0] for f in found))


def _problems_series(part: pd.DataFrame, checks: Sequence[Check]) -> pd.Series:
    return pd.Series([_problems(part, checks)], dtype=object)


def problems_lazy(ddf: Any, checks: Sequence[Check]) -> Any:
    """A lazy Series with one entry per partition: what each check found there."""
    cols = list(dict.fromkeys(c[1] for c in checks))
    return ddf[cols].map_partitions(_problems_series, checks, meta=pd.Series(dtype=object))


def _dup_rows(part: pd.Series, dups: Any) -> tuple[list, list, int]:
    hit = part.isin(dups).to_numpy()
    pos = np.flatnonzero(hit)
    values = list(part.iloc[pos].unique())[:5]  # numpy scalars, as require_unique shows them
    return list(part.index[pos[:10]]), values, int(pos.size)


def check_rows(ddf: Any, checks: Sequence[Check], *, owner: str, unique: str | None = None,
               unique_hint: str = "") -> None:
    """One pass over the partitions: the row checks and, for ``unique``, repeated ids."""
    import dask

    wanted = [problems_lazy(ddf, checks)] if checks else []
    if unique:
        counts = ddf[unique].value_counts()
        wanted.append(counts[counts > 1])
    got = list(dask.compute(*wanted))
    rep = got.pop() if unique else None
    if checks:
        raise_problems(got[0].tolist(), checks, owner=owner, ddf=ddf)
    if rep is None or len(rep) == 0:
        return
    dups = set(rep.index.tolist())
    found = ddf[unique].map_partitions(
        lambda p: pd.Series([_dup_rows(p, dups)], dtype=object), meta=pd.Series(dtype=object)
    ).compute().tolist()
    rows, values, n_rows = [], [], 0
    for r, v, n in found:
        rows += r if len(rows) < 10 else []
        values += [x for x in v if x not in values]
        n_rows += n
    err = _messages.duplicates_error(owner, unique, values=values[:5], n_values=len(dups),
                                     rows=rows[:10], n_rows=n_rows)
    if unique_hint:
        raise SchemaError(f"{err}{unique_hint}", column=err.column, rows=err.rows)
    raise err


def map_rows(ddf: Any, kernel: Callable[..., Any], *, meta: Any, **kwargs: Any) -> Any:
    """Lazy row-aligned output: ``kernel`` (the pandas step) on each partition."""
    return ddf.map_partitions(kernel, meta=meta, **kwargs)


# --- rfm -----------------------------------------------------------------------------------------


def _pairs(part: pd.DataFrame, customer_col: str, date_col: str, amount_col: str, freq: str,
           period: Callable) -> pd.DataFrame:
    """Distinct (customer, period) pairs of one partition: summed amount and transactions.

    Rows the checks refuse are left out here; the checks raise before any result is used.
    """
    ids = part[customer_col]
    s = part[date_col]
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, errors="coerce", format="mixed")
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_localize(None)
    ok = ids.notna().to_numpy() & s.notna().to_numpy()
    frame = pd.DataFrame({
        customer_col: ids[ok],
        "_p": period(s.to_numpy(dtype="datetime64[ns]").view("int64")[ok], freq),
        "_s": part[amount_col].to_numpy(dtype="float64")[ok],
    })
    return frame.groupby([customer_col, "_p"], sort=False).agg(
        _s=("_s", "sum"), _k=("_s", "size")).reset_index()


def _stats(part: pd.DataFrame, customer_col: str, end: int | None) -> pd.DataFrame:
    """Per-customer statistics of the pairs up to ``end`` (customers only late: n_periods 0)."""
    # the same pair may come from several input partitions
    part = part.groupby([customer_col, "_p"], sort=False).agg(
        _s=("_s", "sum"), _k=("_k", "sum")).reset_index()
    g = part.groupby(customer_col, sort=False)
    out = pd.DataFrame({"_pmax": g["_p"].max()})
    late = part["_p"] > end if end is not None else np.zeros(len(part), dtype=bool)
    out["_late"] = part["_k"].where(late, 0).groupby(part[customer_col], sort=False).sum()
    kept = part[~late]
    k = kept.groupby(customer_col, sort=False)
    first = k["_p"].min()
    at_first = kept["_p"].to_numpy() == first.reindex(kept[customer_col]).to_numpy()
    out["first"] = first
    out["last"] = k["_p"].max()
    out["n_periods"] = k["_p"].size()
    out["total"] = k["_s"].sum()
    out["first_total"] = kept[at_first].groupby(customer_col, sort=False)["_s"].sum()
    out["n_periods"] = out["n_periods"].fillna(0)
    return out[["first", "last", "n_periods", "total", "first_total", "_late", "_pmax"]]


def rfm_stats(ddf: Any, *, end: int | None, freq: str, customer_col: str, date_col: str,
              amount_col: str, owner: str, period: Callable) -> dict[str, Any]:
    """Same contract as the DuckDB ``rfm_stats``; the row checks run in the same pass."""
    import dask

    cols = [customer_col, date_col, amount_col]
    checks = [("ids", customer_col), ("numeric", amount_col, False), ("dates", date_col)]
    id_dtype = ddf._meta[customer_col].dtype
    meta_pairs = pd.DataFrame({
        customer_col: pd.Series(dtype=id_dtype), "_p": pd.Series(dtype="int64"),
        "_s": pd.Series(dtype="float64"), "_k": pd.Series(dtype="int64"),
    })
    pairs = ddf[cols].map_partitions(_pairs, customer_col, date_col, amount_col, freq, period,
                                     meta=meta_pairs)
    meta_stats = pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in
         ["first", "last", "n_periods", "total", "first_total", "_late", "_pmax"]},
        index=pd.Index([], dtype=id_dtype, name=customer_col),
    )
    # every pair of one customer lands in the same partition, which then summarises alone
    stats = pairs.shuffle(on=customer_col).map_partitions(_stats, customer_col, end,
                                                          meta=meta_stats)
    parts, stats = dask.compute(problems_lazy(ddf, checks), stats)
    raise_problems(parts.tolist(), checks, owner=owner, ddf=ddf)
    n_late = int(stats["_late"].sum())
    pmax = int(stats["_pmax"].max()) if len(stats) else None
    stats = stats[stats["n_periods"].to_numpy() > 0].drop(columns=["_late", "_pmax"])
    for c in ("first", "last", "n_periods"):
        stats[c] = stats[c].astype("int64")
    return {"stats": stats, "n_late": n_late, "pmax": pmax}


# --- Pareto / ABC: histogram passes --------------------------------------------------------------

# Fixed value bins, 16 per doubling, over the whole positive float64 range: the bin of a value
# comes from its exponent and the first bits of its mantissa, so bins are exact and ordered.
_SUB = 16
_N_BINS = (1024 + 1075) * _SUB


def _bins(pos: np.ndarray) -> np.ndarray:
    mantissa, exponent = np.frexp(pos)  # mantissa in [0.5, 1)
    sub = np.minimum(((mantissa - 0.5) * (2 * _SUB)).astype("int64"), _SUB - 1)
    return (exponent.astype("int64") + 1074) * _SUB + sub


def _finite_positive(part: pd.Series) -> np.ndarray:
    v = part.to_numpy(dtype="float64")
    return v[np.isfinite(v) & (v > 0)]


def _hist(part: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pos = _finite_positive(part)
    b = _bins(pos)
    counts = np.bincount(b, minlength=_N_BINS)
    sums = np.bincount(b, weights=pos, minlength=_N_BINS)
    mins = np.full(_N_BINS, np.inf)
    maxs = np.full(_N_BINS, -np.inf)
    np.minimum.at(mins, b, pos)
    np.maximum.at(maxs, b, pos)
    return counts, sums, mins, maxs


def _merge_hists(hists: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    counts = np.sum([h[0] for h in hists], axis=0) if hists else np.zeros(_N_BINS, "int64")
    sums = np.sum([h[1] for h in hists], axis=0) if hists else np.zeros(_N_BINS)
    mins = np.min([h[2] for h in hists], axis=0) if hists else np.full(_N_BINS, np.inf)
    maxs = np.max([h[3] for h in hists], axis=0) if hists else np.full(_N_BINS, -np.inf)
    return counts, sums, mins, maxs


def _in_bins(part: pd.Series, wanted: np.ndarray) -> np.ndarray:
    pos = _finite_positive(part)
    return pos[np.isin(_bins(pos), wanted)]


def _thresholds(cuts: np.ndarray, hist: tuple,
                collect: Callable[[np.ndarray], np.ndarray]) -> np.ndarray | None:
    """Ascending value thresholds of the ABC classes, exactly as the in-memory sort finds them.

    ``collect(bins)`` returns every positive value that falls in those bins (a second pass).
    """
    counts, sums, mins, maxs = hist
    nonempty = np.flatnonzero(counts)
    if nonempty.size == 0:
        return None
    cum_bins = np.cumsum(sums)
    total = cum_bins[-1]
    targets = (1 - cuts) * total
    # the crossing bin: first bin whose inclusive cumulative sum exceeds the target
    crossing = np.minimum(np.searchsorted(cum_bins, targets, side="right"), _N_BINS - 1)
    values = collect(np.unique(crossing))
    binned = _bins(values)
    out = np.empty(cuts.size)
    for j, (b, target) in enumerate(zip(crossing, targets, strict=True)):
        inside = np.sort(values[binned == b])
        before = cum_bins[b - 1] if b > 0 else 0.0
        at = np.searchsorted(before + np.cumsum(inside), target, side="right")
        if at < inside.size:
            out[j] = inside[at]
        else:  # rounding put the crossing at the next non-empty bin, or past the largest value
            later = nonempty[nonempty > b]
            out[j] = mins[later[0]] if later.size else maxs[nonempty[-1]]
    return out[::-1]


def _label(part: pd.Series, thresholds: np.ndarray | None, k: int, dtype: Any) -> pd.Series:
    v = part.to_numpy(dtype="float64")
    if thresholds is None:
        codes = np.full(v.size, k, dtype="int8")
    else:
        codes = (k - np.searchsorted(thresholds, v, side="right")).astype("int8")
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=part.index, name="abc")


def pareto(s: Any, *, name: str, cuts: np.ndarray, dtype: Any, owner: str) -> Any:
    """Lazy ABC classes of a Dask Series: a histogram pass (with the row checks), a pass over
    the crossing bins, then labels partition by partition."""
    import dask

    checks = [("numeric", name, False)]
    one = {"meta": pd.Series(dtype=object)}
    probs = problems_lazy(s.to_frame(name=name), checks)
    hists = s.map_partitions(lambda p: pd.Series([_hist(p)], dtype=object), **one)
    probs, hists = dask.compute(probs, hists)
    raise_problems(probs.tolist(), checks, owner=owner, ddf=s.to_frame(name=name))

    def collect(bins: np.ndarray) -> np.ndarray:
        got = s.map_partitions(lambda p: pd.Series([_in_bins(p, bins)], dtype=object),
                               **one).compute().tolist()
        return np.concatenate(got) if got else np.empty(0)

    thresholds = _thresholds(cuts, _merge_hists(hists.tolist()), collect)
    meta = pd.Series(pd.Categorical.from_codes([], dtype=dtype), name="abc")
    return s.map_partitions(_label, thresholds, int(cuts.size), dtype, meta=meta)
