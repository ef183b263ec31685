"""Parquet inputs on DuckDB: one SQL statement per operation, kequn's row checks as SQL.

Each operation runs one statement over ``read_parquet([...])``. That statement also carries
what the checks need (a NaN where a value is bad, a NULL group for a missing id), so a clean
input is read once; only when something is wrong does a second, small query find the count
and the first offending rows, and the error names them with the very words of the pandas path
(the index of a Parquet row is its row number across the files, in file-name order).
Whether a column's total overflows float64 is settled from the files' footers (each row
group's min and max); only a column with values near the limit is summed.

Settings: ``memory_limit`` and ``temp_directory`` come from :func:`duckdb_options` or the
environment variables ``KEQUN_DUCKDB_MEMORY_LIMIT``, ``KEQUN_DUCKDB_TEMP_DIRECTORY`` (and
``KEQUN_DUCKDB_THREADS``); threads default to the cores this process may use. Without a
temporary folder, DuckDB spills into a fresh folder under the system's temporary directory,
removed after the call.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import _FLOAT_MAX, total_may_overflow, total_overflow_error
from ..errors import ParameterError
from . import _messages
from ._kinds import ParquetSource

log = logging.getLogger("kequn_lib.backends")

_OPTIONS: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "kequn_duckdb_options", default={}  # noqa: B039 - never mutated, replaced as a whole
)
_EPOCH = dt.date(1970, 1, 1)
_FIRST_MONDAY = dt.date(1970, 1, 5)


@contextlib.contextmanager
def duckdb_options(
    *,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> Iterator[None]:
    """Settings of the DuckDB engine that runs kequn's steps on Parquet files, for a block.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit`` such as ``"1GB"``: above it, DuckDB spills to disk. Default:
        ``KEQUN_DUCKDB_MEMORY_LIMIT`` or DuckDB's own default (80 % of the memory).
    temp_directory : str or os.PathLike, optional
        Where DuckDB spills. Default: ``KEQUN_DUCKDB_TEMP_DIRECTORY`` or a fresh folder under
        the system's temporary directory, removed after each call.
    threads : int, optional
        Worker threads. Default: ``KEQUN_DUCKDB_THREADS`` or the cores this process may use.

    Yields
    ------
    None
        Calls inside the ``with`` block use these settings (other threads and tasks keep
        theirs).

    Raises
    ------
    ParameterError
        ``threads`` is not a positive integer.

    See Also
    --------
    rfm, aum_tiers, contribution, pareto_tiers : the steps that read Parquet files.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, kequn_lib as kq
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = pathlib.Path(tmp.name) / "customers.parquet"
    >>> pd.DataFrame({"customer_id": [1, 2], "aum": [1e4, 7e6]}).to_parquet(path)
    >>> with kq.duckdb_options(memory_limit="500MB", threads=1):
    ...     kq.aum_tiers(path, labels="en").tolist()
    ['mass', 'private_banking']
    >>> tmp.cleanup()
    """
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        msg = f"duckdb_options: threads must be a positive integer, got {threads!r}."
        raise ParameterError(msg)
    given = {"memory_limit": memory_limit, "temp_directory": temp_directory, "threads": threads}
    token = _OPTIONS.set({**_OPTIONS.get(), **{k: v for k, v in given.items() if v is not None}})
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def connect() -> Iterator[Any]:
    """A fresh in-memory DuckDB connection with kequn's settings; closed (and its spill
    folder removed) on exit."""
    import duckdb

    opts = _OPTIONS.get()
    memory = opts.get("memory_limit") or os.environ.get("KEQUN_DUCKDB_MEMORY_LIMIT")
    temp = opts.get("temp_directory") or os.environ.get("KEQUN_DUCKDB_TEMP_DIRECTORY")
    threads = opts.get("threads") or int(os.environ.get("KEQUN_DUCKDB_THREADS") or _cores())
    made = None
    if not temp:
        temp = made = tempfile.mkdtemp(prefix="kequn-duckdb-")
    config = {"threads": threads, "temp_directory": os.fspath(temp)}
    if memory:
        config["memory_limit"] = str(memory)
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")  # importing or calling kequn prints nothing
    try:
        yield con
    finally:
        con.close()
        if made:
            shutil.rmtree(made, ignore_errors=True)


# --- SQL pieces ----------------------------------------------------------------------------------


def ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _scan(src: ParquetSource) -> str:
    files = ", ".join(_literal(f) for f in src.files)
    return f"read_parquet([{files}])"


def _row_expr(src: ParquetSource) -> str:
    """Row number across all the files, in file-name order (the index of error messages)."""
    offsets = np.concatenate([[0], np.cumsum(src.rows)[:-1]]).astype("int64")
    listed = ", ".join(str(int(o)) for o in offsets)
    return f"(CAST([{listed}][CAST(file_index AS BIGINT) + 1] AS BIGINT) + file_row_number)"


def _double(col: str) -> str:
    return f"CAST({ident(col)} AS DOUBLE)"


def _bad_number(expr: str, nonnegative: bool) -> str:
    cond = f"({expr} IS NULL OR NOT isfinite({expr})"
    return cond + (f" OR {expr} < 0)" if nonnegative else ")")


def _timestamp(src: ParquetSource, col: str) -> str:
    """Wall-clock TIMESTAMP of a date column (time zones dropped, strings parsed if ISO)."""
    import pyarrow as pa

    t = src.schema.field(col).type
    if pa.types.is_dictionary(t):
        t = t.value_type
    c = ident(col)
    if pa.types.is_timestamp(t) and t.tz is not None:
        return f"timezone({_literal(t.tz)}, {c})"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return f"CAST({c} AS TIMESTAMP)"
    return f"TRY_CAST({c} AS TIMESTAMP)"


def _first_bad(con: Any, src: ParquetSource, cond: str, value: str) -> tuple[int, list, list]:
    """Count of rows where ``cond`` holds, and the first ten (row numbers, values)."""
    sql = (
        f"SELECT {_row_expr(src)} AS r, {value} AS v, count(*) OVER () AS n FROM {_scan(src)} "
        f"WHERE {cond} ORDER BY r LIMIT 10"
    )
    got = con.execute(sql).fetchall()
    if not got:
        return 0, [], []
    return int(got[0][2]), [int(g[0]) for g in got], [g[1] for g in got]


def check_numbers(
    con: Any, src: ParquetSource, columns: Sequence[str], *, nonnegative: bool, owner: str,
    rows: bool = True,
) -> None:
    """Raise the pandas path's error for the first of ``columns`` with a bad value, or whose
    total overflows float64, column by column in the pandas order (``rows=False``: the main
    statement found no bad value, so only the totals are checked)."""
    for col in columns:
        expr = _double(col)
        if rows:
            n, first, values = _first_bad(con, src, _bad_number(expr, nonnegative), expr)
            if n:
                values = [float("nan") if v is None else float(v) for v in values]
                raise _messages.numeric_error(owner, col, nonnegative=nonnegative, n=n,
                                              rows=first, values=values)
        check_total(con, src, col, owner=owner)


def check_total(con: Any, src: ParquetSource, column: str, *, owner: str) -> None:
    """Raise the pandas path's error when ``column`` adds up to more than float64 holds.

    The files' footers (the largest value of each row group) settle almost every column
    without reading a row; only a column with values near the limit is summed, and only an
    overflowing one is searched for its largest rows."""
    n = src.n_rows
    if not total_may_overflow(src.peaks.get(column), n):
        return
    expr = _double(column)
    (total,) = con.execute(f"SELECT sum(abs({expr})) FROM {_scan(src)}").fetchone()
    if total is None or np.isfinite(total):
        return
    limit = f"CAST({_literal(repr(_FLOAT_MAX / n))} AS DOUBLE)"
    sql = (
        f"SELECT {_row_expr(src)} AS r, {expr} AS v, count(*) OVER () AS n FROM {_scan(src)} "
        f"WHERE abs({expr}) >= {limit} ORDER BY abs(v) DESC, r LIMIT 10"
    )
    got = con.execute(sql).fetchall()
    raise total_overflow_error(owner, column, rows=[int(g[0]) for g in got],
                               values=[float(g[1]) for g in got], n=int(got[0][2]) if got else 0)


# --- rfm -----------------------------------------------------------------------------------------


def _period_date(code: int, freq: str) -> dt.date:
    if freq == "D":
        return _EPOCH + dt.timedelta(days=code)
    return _FIRST_MONDAY + dt.timedelta(days=7 * (code - 1))


def _code_sql(expr: str, freq: str) -> str:
    if freq == "D":
        return f"CAST({expr} - DATE '1970-01-01' AS BIGINT)"
    return f"(CAST({expr} - DATE '1970-01-05' AS BIGINT) // 7 + 1)"


def _can_be_null(src: ParquetSource, col: str, expr: str) -> bool:
    """Whether ``expr`` of column ``col`` can be NULL on a row: the footers do not prove the
    column null-free, or the expression parses text (an unparseable string becomes NULL)."""
    return col not in src.no_nulls or expr.startswith("TRY_CAST(")


def rfm_stats(
    src: ParquetSource, *, end: int | None, freq: str, customer_col: str, date_col: str,
    amount_col: str, owner: str,
) -> dict[str, Any]:
    """Per-customer first/last period, distinct periods, total and first-period total.

    Returns a dict with ``stats`` (indexed by customer id, in id order: only customers with a
    period up to ``end``), ``n_late`` (transactions after ``end``) and ``pmax`` (the last
    period in the log, ``None`` when it is empty): the contract of every engine's
    ``rfm_stats``.

    One statement reads the files once, in parallel; what the checks need rides along as
    per-customer columns, and only where the footers cannot rule a problem out: a missing id
    forms its own (NULL) group, a bad amount turns a total into NaN, a missing or unparseable
    date is counted. Customers come back sorted by id (DuckDB sorts in parallel, so the
    pandas sort of the finished table has nothing left to do).
    """
    ts = _timestamp(src, date_col)
    day = f"CAST({ts} AS DATE)"
    period = day if freq == "D" else f"CAST(date_trunc('week', {day}) AS DATE)"
    amount = f"CAST({ident(amount_col)} AS DOUBLE)"
    if amount_col not in src.no_nulls:  # a missing amount must not vanish from the sum
        amount = f"coalesce({amount}, 'NaN'::DOUBLE)"
    null_dates = _can_be_null(src, date_col, ts)
    null_ids = _can_be_null(src, customer_col, ident(customer_col))
    count = "" if end is None else ", count(*) AS k"  # transactions per pair, for the late ones
    pairs = (
        f"SELECT {ident(customer_col)} AS cid, {period} AS p, sum({amount}) AS s{count} "
        f"FROM {_scan(src)} GROUP BY ALL"
    )
    columns = []
    if end is None:  # every pair counts: the totals and the last period serve the checks too
        keep = ""
    else:
        cut = f"DATE '{_period_date(end, freq).isoformat()}'"
        keep = f" FILTER (WHERE p <= {cut})"
        columns += [f"{_code_sql('max(p)', freq)} AS pmax", "sum(s) AS all_total",
                    f"coalesce(sum(k) FILTER (WHERE p > {cut}), 0) AS late"]
    if null_dates:
        columns.append("count_if(p IS NULL) AS null_p")
    n_periods = f"count(p){keep}" if null_dates or keep else "count(*)"
    stats = (
        f"SELECT cid, {_code_sql(f'min(p){keep}', freq)} AS first, "
        f"{_code_sql(f'max(p){keep}', freq)} AS last, {n_periods} AS n_periods, "
        f"sum(s){keep} AS total, arg_min(s, p){keep} AS first_total"
        + "".join(", " + c for c in columns)
        + " FROM pairs GROUP BY cid"
    )
    sql = f"WITH pairs AS ({pairs}) {stats} ORDER BY cid"
    with connect() as con:
        table = con.sql(sql).to_arrow_table()
        _check_rfm(con, src, table, customer_col, date_col, amount_col, ts, owner,
                   null_ids=null_ids, null_dates=null_dates)
    return _rfm_result(table, src, customer_col, end=end)


def _numbers(table: Any, name: str, dtype: str, keep: np.ndarray | None = None) -> np.ndarray:
    """A numeric result column as numpy (nulls as 0: only rows the result drops have them)."""
    col = table.column(name)
    if col.null_count:
        col = col.fill_null(0)
    out = col.to_numpy()
    if keep is not None:
        out = out[keep]
    return out.astype(dtype, copy=False)


def _rfm_result(table: Any, src: ParquetSource, customer_col: str, *,
                end: int | None) -> dict[str, Any]:
    """The engine contract's dict from the (checked) per-customer Arrow table."""
    if table.num_rows == 0:
        return {"stats": None, "n_late": 0, "pmax": None}
    n_periods = _numbers(table, "n_periods", "int64")
    keep = None if bool(n_periods.all()) else n_periods > 0
    last = _numbers(table, "last", "int64")
    if end is None:
        n_late, pmax = 0, int(last.max())
    else:
        n_late = int(_numbers(table, "late", "int64").sum())
        pmax = int(_numbers(table, "pmax", "int64").max())
    cid = table.column("cid").to_pandas()
    ids = pd.Index(cid if keep is None else cid[keep], name=customer_col)
    dtype = src.empty_frame([customer_col])[customer_col].dtype
    if ids.dtype != dtype:
        with contextlib.suppress(TypeError, ValueError):
            ids = ids.astype(dtype)
    stats = pd.DataFrame(
        {
            "first": _numbers(table, "first", "int64", keep),
            "last": last if keep is None else last[keep],
            "n_periods": n_periods if keep is None else n_periods[keep],
            "total": _numbers(table, "total", "float64", keep),
            "first_total": _numbers(table, "first_total", "float64", keep),
        },
        index=ids,
        copy=False,  # fresh arrays: no consolidation copy
    )
    return {"stats": stats, "n_late": n_late, "pmax": pmax}


def _check_rfm(con: Any, src: ParquetSource, table: Any, customer_col: str, date_col: str,
               amount_col: str, ts: str, owner: str, *, null_ids: bool,
               null_dates: bool) -> None:
    """The pandas path's checks, in its order: missing ids, amounts, dates. Each looks at the
    per-customer result; only a failed one reads the files again for the first bad rows."""
    if null_ids and table.column("cid").null_count:
        n, rows, _ = _first_bad(con, src, f"{ident(customer_col)} IS NULL", "NULL")
        if n:
            raise _messages.missing_ids_error(owner, customer_col, n=n, rows=rows)
    totals = table.column("all_total" if "all_total" in table.column_names else "total")
    bad = bool(totals.null_count) or not np.isfinite(totals.to_numpy()).all()
    check_numbers(con, src, [amount_col], nonnegative=False, owner=owner, rows=bad)
    if null_dates and bool(_numbers(table, "null_p", "int64").any()):
        n, rows, values = _first_bad(con, src, f"{ts} IS NULL", ident(date_col))
        if n:
            values = [pd.NaT if v is None and not isinstance(v, str) else v for v in values]
            raise _messages.bad_dates_error(owner, date_col, n=n, rows=rows, values=values)


def first_timestamp(src: ParquetSource, date_col: str) -> pd.Timestamp:
    with connect() as con:
        (value,) = con.execute(
            f"SELECT min({_timestamp(src, date_col)}) FROM {_scan(src)}"
        ).fetchone()
    return pd.Timestamp(value)


# --- row-aligned steps ---------------------------------------------------------------------------


def _fetch_rows(con: Any, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def aum_codes(
    src: ParquetSource, *, column: str, bounds: np.ndarray, id_col: str | None, owner: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Tier code of every row (in file order) and the ids, or raise the pandas error."""
    v = _double(column)
    steps = " + ".join(f"CAST({v} >= {float(b)!r} AS INTEGER)" for b in bounds[1:]) or "0"
    code = f"CASE WHEN {_bad_number(v, True)} THEN -1 ELSE {steps} END"
    select = f"CAST({code} AS TINYINT) AS code"
    if id_col:
        select += f", {ident(id_col)} AS id"
    with connect() as con:
        out = _fetch_rows(con, f"SELECT {select} FROM {_scan(src)}")
        codes = out["code"].to_numpy(dtype="int8")
        check_numbers(con, src, [column], nonnegative=True, owner=owner,
                      rows=bool((codes < 0).any()))
    return codes, (out["id"].to_numpy() if id_col else None)


def contribution_frame(
    src: ParquetSource, *, columns: Sequence[str], present: Sequence[str], model: Any,
    id_col: str | None, owner: str,
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The contribution table over Parquet files (columns absent from ``present`` count as 0)."""
    def col(name: str) -> str:
        return _double(name) if name in present else "0.0"

    m = {k: float(getattr(model, k)) for k in vars(model)}
    parts = {
        "nii_deposit": f"{col('deposit_balance')} * {m['deposit_spread']!r}",
        "nii_loan": f"({col('loan_balance')} * {m['loan_spread']!r}) - "
                    f"({col('loan_balance')} * {m['loan_credit_cost']!r})",
        "wealth_fee": f"{col('wealth_balance')} * {m['wealth_fee_rate']!r}",
        "fee_income": f"{col('fee_income_12m')} * {m['fee_passthrough']!r}",
        "fx_income": f"{col('fx_volume_12m')} * {m['fx_margin']!r}",
        "cost_to_serve": f"(({m['cost_per_customer']!r} + "
                         f"({m['cost_per_product']!r} * {col('products_held')})) + "
                         f"(({m['cost_per_rm_contact']!r} * {col('rm_contacts_90d')}) * "
                         f"{365 / 90!r}))",
    }
    bad = " OR ".join(_bad_number(_double(c), True) for c in columns if c in present) or "FALSE"
    select = ", ".join(f"{expr} AS {name}" for name, expr in parts.items())
    select += f", {bad} AS _bad"
    if id_col:
        select += f", {ident(id_col)} AS _id"
    with connect() as con:
        out = _fetch_rows(con, f"SELECT {select} FROM {_scan(src)}")
        check_numbers(con, src, [c for c in columns if c in present], nonnegative=True,
                      owner=owner, rows=bool(out["_bad"].to_numpy(dtype=bool).any()))
    ids = out["_id"].to_numpy() if id_col else None
    return out[list(parts)], ids


def pareto_codes(
    src: ParquetSource, *, column: str, cuts: np.ndarray, id_col: str | None, owner: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """ABC class code of every row in file order, thresholds found with one window sum."""
    k = int(cuts.size)
    v = _double(column)
    thresholds = ", ".join(
        f"coalesce(min(v) FILTER (WHERE cum > {1 - float(c)!r} * total), max(v)) AS t{j}"
        for j, c in enumerate(cuts)
    )
    above = " + ".join(f"CAST(v >= t{j} AS INTEGER)" for j in range(k))
    select = f"r, CAST(CASE WHEN bad THEN -1 WHEN t0 IS NULL THEN {k} ELSE {k} - ({above}) END " \
             "AS TINYINT) AS code"
    if id_col:
        select += ", id"
    sql = (
        f"WITH vals AS (SELECT {_row_expr(src)} AS r, {v} AS v, {_bad_number(v, False)} AS bad"
        f"{', ' + ident(id_col) + ' AS id' if id_col else ''} FROM {_scan(src)}), "
        "pos AS (SELECT v, sum(v) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND "
        "CURRENT ROW) AS cum FROM vals WHERE NOT bad AND v > 0), "
        "tot AS (SELECT max(cum) AS total FROM pos), "
        f"thr AS (SELECT {thresholds} FROM pos, tot) "
        f"SELECT {select} FROM vals, thr"
    )
    with connect() as con:
        out = _fetch_rows(con, sql)
        r = out["r"].to_numpy(dtype="int64")
        if r.size and not (np.diff(r) == 1).all():
            out = out.iloc[np.argsort(r, kind="stable")]
        codes = out["code"].to_numpy(dtype="int8")
        check_numbers(con, src, [column], nonnegative=False, owner=owner,
                      rows=bool((codes < 0).any()))
    return codes, (out["id"].to_numpy() if id_col else None)
