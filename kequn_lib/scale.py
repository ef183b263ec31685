"""Scale: the tabular steps on Parquet files larger than memory and on Dask DataFrames.

:func:`~kequn_lib.rfm`, :func:`~kequn_lib.aum_tiers`, :func:`~kequn_lib.contribution` and
:func:`~kequn_lib.pareto_tiers` accept three kinds of input and give the same numbers for each:

* a pandas DataFrame (the usual in-memory path, in :mod:`kequn_lib.tiering` and
  :mod:`kequn_lib.rfm_analysis`);
* a Parquet source: a ``.parquet`` file, a folder of them, or a glob such as
  ``"logs/2024-*.parquet"``. The files are read in batches of rows, so the table never has to
  fit in memory; the result comes back as pandas;
* a Dask DataFrame, local or on a cluster (``distributed.Client("tcp://scheduler:8786")``).
  Summaries (the RFM table) come back as pandas; row-aligned outputs (tiers, contribution,
  ABC classes) come back as lazy Dask collections on the input's partitions.

This module holds the dispatch helpers and the out-of-core implementations. The entry points
stay in :mod:`kequn_lib.tiering` and :mod:`kequn_lib.rfm_analysis`; they hand a path or a Dask
object over to the private functions here. The public names are :func:`open_parquet` (validated
opening of a Parquet source) and the clustering-at-scale path :func:`sample_partitions`,
:func:`fit_on_partitions` and :func:`predict_partitions`.

Dask is optional: it is imported only when a Dask object is passed in (and pyarrow, a
dependency of kequn, does the Parquet reading).
"""

from __future__ import annotations

import glob
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_int, check_option, check_seed, fmt_values, missing_columns_error
from .errors import KequnError, ParameterError, SchemaError

__all__ = [
    "fit_on_partitions",
    "open_parquet",
    "predict_partitions",
    "sample_partitions",
]

log = logging.getLogger(__name__)

_BATCH_ROWS = 1_000_000  # rows read from Parquet at a time
_BUCKET_ROWS = 4_000_000  # (customer, period) pairs merged in memory at a time by rfm
_GLOB_CHARS = frozenset("*?[")
_PARQUET_SUFFIXES = (".parquet", ".pq")


# --- dispatch ------------------------------------------------------------------------------------


def _is_dask(obj: Any) -> bool:
    """True for a Dask DataFrame or Series; dask is imported only if ``obj`` comes from it."""
    module = type(obj).__module__ or ""
    if not (module == "dask" or module.startswith(("dask.", "dask_expr"))):
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame | dd.Series)


def _source_kind(obj: Any, *, owner: str) -> str:
    """``"dask"``, ``"parquet"`` or ``"pandas"`` (anything else: the pandas path validates it).

    A str or path that is not a Parquet file, a folder or a glob raises at once.
    """
    if _is_dask(obj):
        return "dask"
    if isinstance(obj, str | os.PathLike):
        text = os.fspath(obj)
        if (
            text.lower().endswith(_PARQUET_SUFFIXES)
            or any(c in text for c in _GLOB_CHARS)
            or os.path.isdir(text)
        ):
            return "parquet"
        msg = (
            f"{owner}: {text!r} is not a Parquet file, a folder of Parquet files or a glob. "
            "Pass a pandas DataFrame, a Dask DataFrame, or Parquet files (e.g. 'logs/*.parquet'); "
            "read CSV or Excel files with pandas (or kq.read_customers) first."
        )
        raise ParameterError(msg)
    return "pandas"


def _require_dask() -> Any:
    try:
        import dask
    except ImportError:  # pragma: no cover - only without dask
        msg = (
            "This step needs the optional package 'dask' (pip install 'dask[dataframe]' "
            "distributed)."
        )
        raise KequnError(msg) from None
    return dask


# --- Parquet sources -----------------------------------------------------------------------------


def _resolve_files(source: str | os.PathLike, *, owner: str) -> list[str]:
    text = os.fspath(source)
    if any(c in text for c in _GLOB_CHARS):
        files = sorted(f for f in glob.glob(text, recursive=True) if os.path.isfile(f))
        if not files:
            msg = (
                f"{owner}: the glob {text!r} matches no files. Check the folder and the pattern "
                "(e.g. 'logs/*.parquet'; '**' matches sub-folders)."
            )
            raise ParameterError(msg)
        return files
    if os.path.isdir(text):
        files = sorted(
            str(p) for p in Path(text).rglob("*")
            if p.is_file() and p.suffix.lower() in _PARQUET_SUFFIXES
        )
        if not files:
            msg = f"{owner}: the folder {text!r} holds no .parquet files (sub-folders included)."
            raise ParameterError(msg)
        return files
    if not os.path.isfile(text):
        msg = f"{owner}: no such Parquet file: {text!r}. Check the path."
        raise ParameterError(msg)
    return [text]


def _plain_schema(schema: Any) -> Any:
    """Schema without metadata and without pandas' stored index columns."""
    import pyarrow as pa

    fields = [f for f in schema if not f.name.startswith("__index_level_")]
    return pa.schema(fields)


def _schema_diff(a: Any, b: Any) -> str:
    names_a, names_b = set(a.names), set(b.names)
    parts = []
    only_a = [n for n in a.names if n not in names_b]
    only_b = [n for n in b.names if n not in names_a]
    if only_a:
        parts.append(f"only in the first: {fmt_values(only_a)}")
    if only_b:
        parts.append(f"only in the second: {fmt_values(only_b)}")
    for name in a.names:
        if name in names_b and not a.field(name).type.equals(b.field(name).type):
            parts.append(f"column {name!r} is {a.field(name).type} vs {b.field(name).type}")
    if not parts and a.names != b.names:
        parts.append("the columns are in a different order")
    return "; ".join(parts) or "nullability differs"


def open_parquet(source: str | os.PathLike, *, columns: Sequence[str] | None = None) -> Any:
    """Open Parquet files as one :class:`pyarrow.dataset.Dataset`, after checking them.

    Only the file footers are read: a bad source fails in milliseconds, before any row is read.

    Parameters
    ----------
    source : str or os.PathLike
        A ``.parquet`` file, a folder (every ``.parquet``/``.pq`` file below it, in name
        order) or a glob such as ``"logs/*.parquet"`` (``**`` matches sub-folders).
    columns : sequence of str, optional
        Columns that must be present.

    Returns
    -------
    pyarrow.dataset.Dataset
        The files in name order, with their common schema (partition keys in folder names are
        not read as columns).

    Raises
    ------
    ParameterError
        The glob matches no file, the folder holds no Parquet file, or the file does not exist.
    SchemaError
        A file is not readable as Parquet, the files do not share one schema (column names and
        types; the message names both files and the difference), or a required column is
        missing (the message lists the columns present).

    See Also
    --------
    rfm, aum_tiers, contribution, pareto_tiers : accept the same sources.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd, kequn_lib as kq
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = pathlib.Path(tmp.name)
    >>> for i in range(2):
    ...     pd.DataFrame({"customer_id": [2 * i, 2 * i + 1], "aum": [1e4, 2e6]}).to_parquet(
    ...         folder / f"part-{i}.parquet")
    >>> kq.open_parquet(str(folder / "*.parquet"), columns=["aum"]).count_rows()
    4
    >>> kq.aum_tiers(str(folder / "*.parquet"), labels="en").tolist()
    ['mass', 'vip', 'mass', 'vip']
    >>> tmp.cleanup()
    """
    return _open_parquet(source, columns=columns, owner="open_parquet")


def _open_parquet(source: Any, *, columns: Sequence[str] | None, owner: str) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    files = _resolve_files(source, owner=owner)
    schemas = []
    for path in files:
        try:
            schemas.append(_plain_schema(pq.read_schema(path)))
        except (OSError, pa.ArrowException) as err:
            msg = f"{owner}: {path!r} is not a readable Parquet file ({err})."
            raise SchemaError(msg) from None
    first = schemas[0]
    for path, schema in zip(files[1:], schemas[1:], strict=True):
        if not schema.equals(first):
            msg = (
                f"{owner}: the {len(files)} Parquet files do not share one schema: "
                f"{os.path.basename(files[0])!r} and {os.path.basename(path)!r} differ "
                f"({_schema_diff(first, schema)}). Rewrite the odd files with the same column "
                "names and types, or point the call at matching files only."
            )
            raise SchemaError(msg)
    if columns is not None:
        missing = [c for c in columns if c not in first.names]
        if missing:
            empty = pd.DataFrame(columns=first.names)
            raise missing_columns_error(missing, empty, owner=f"{owner} (Parquet files)")
    return ds.dataset(files, format="parquet", schema=first)


def _empty_frame(dataset: Any, columns: Sequence[str]) -> pd.DataFrame:
    """Zero-row pandas frame with the dataset's dtypes, for dry-run validation."""
    return _to_pandas(dataset.schema.empty_table().select(list(columns)))


def _to_pandas(table: Any) -> pd.DataFrame:
    import pyarrow as pa

    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_date(col.type):
            col = col.cast(pa.timestamp("ns"))
        cols[name] = col
    return pa.table(cols).to_pandas()


def _require_arrow_type(dataset: Any, column: str, kind: str, *, owner: str) -> None:
    """Check a column's Arrow type before reading rows: ``"numeric"`` or ``"date"``."""
    import pyarrow as pa

    t = dataset.schema.field(column).type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if kind == "numeric":
        ok = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
        ok = ok or pa.types.is_boolean(t)
        fix = "Write it as a number (float64) or convert it with pd.to_numeric before saving."
    else:
        ok = pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_string(t)
        ok = ok or pa.types.is_large_string(t)
        fix = "Write it as a timestamp (datetime64) or ISO date strings."
    if not ok:
        msg = f"{owner}: column {column!r} of the Parquet files has type {t}. {fix}"
        raise SchemaError(msg, column=column)


def _frames(
    dataset: Any, columns: Sequence[str], *, batch_rows: int = _BATCH_ROWS
) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (file path, pandas batch) with the batch indexed by row number across all files."""
    offset = 0
    for fragment in dataset.get_fragments():
        for batch in fragment.to_batches(
            columns=list(columns), batch_size=batch_rows, batch_readahead=2,
            fragment_readahead=1,
        ):
            n = batch.num_rows
            if n == 0:
                continue
            import pyarrow as pa

            frame = _to_pandas(pa.Table.from_batches([batch]))
            frame.index = pd.RangeIndex(offset, offset + n)
            offset += n
            yield fragment.path, frame


def _in_file(err: SchemaError, path: str) -> SchemaError:
    msg = f"{err} (file {os.path.basename(path)!r}; index = row number across all the files)"
    return SchemaError(msg, column=err.column, rows=err.rows)


def _id_index(ids: list[np.ndarray], id_col: str, *, owner: str) -> pd.Index:
    index = pd.Index(np.concatenate(ids) if ids else np.empty(0, dtype="int64"), name=id_col)
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        msg = (
            f"{owner}: column {id_col!r} of the Parquet files must be unique (one row per "
            f"customer), but {len(dup)} value(s) repeat: [{fmt_values(dup)}]. De-duplicate the "
            "files, or pass id_col=None for a long table (the result is then indexed by row "
            "number)."
        )
        raise SchemaError(msg, column=id_col)
    return index


def _row_index(n: int, ids: list[np.ndarray], id_col: str | None, *, owner: str) -> pd.Index:
    if id_col is None:
        return pd.RangeIndex(n)
    return _id_index(ids, id_col, owner=owner)


# --- RFM -----------------------------------------------------------------------------------------


def _batch_periods(
    frame: pd.DataFrame, customer_col: str, date_col: str, amount_col: str, freq: str, *, owner: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate one batch of the log; return (ids, period codes, amounts) as numpy arrays."""
    from .rfm_analysis import _period_codes, _rfm_columns

    ids, ns, amount = _rfm_columns(frame, customer_col, date_col, amount_col, owner=owner)
    return ids.to_numpy(), _period_codes(ns, freq), amount


def _pair_sums(
    ids: np.ndarray, p: np.ndarray, amount: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum amounts per distinct (customer, period); returns (ids, periods, sums), sorted by
    customer code then period."""
    if p.size == 0:
        return ids[:0], p[:0].astype("int64"), amount[:0].astype("float64")
    codes, uniques = pd.factorize(ids, sort=False)
    pmin = int(p.min())
    span = int(p.max()) - pmin + 1
    key = codes.astype("int64") * span + (p.astype("int64") - pmin)
    ukey, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse, weights=amount, minlength=ukey.size)
    return np.asarray(uniques)[ukey // span], ukey % span + pmin, sums


_STATS = ["first", "last", "n_periods", "total", "first_total"]


def _customer_stats(ids: np.ndarray, p: np.ndarray, s: np.ndarray, index_name: str) -> pd.DataFrame:
    """Per-customer first/last period, number of distinct periods, total and first-period total
    from (customer, period, amount) rows (pre-aggregated or not)."""
    ids, p, s = _pair_sums(ids, p, s)  # distinct pairs, grouped by customer, periods ascending
    if p.size == 0:
        dtypes = ["int64", "int64", "int64", "float64", "float64"]
        frame = pd.DataFrame({c: pd.Series(dtype=d) for c, d in zip(_STATS, dtypes, strict=True)})
        return frame.set_index(pd.Index(ids, name=index_name))
    codes = pd.factorize(ids, sort=False)[0]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], codes.size] - 1
    return pd.DataFrame(
        {
            "first": p[starts],
            "last": p[ends],
            "n_periods": ends - starts + 1,
            "total": np.add.reduceat(s, starts),
            "first_total": s[starts],
        },
        index=pd.Index(ids[starts], name=index_name),
    )


def _rfm_from_stats(stats: pd.DataFrame, end: int) -> pd.DataFrame:
    first = stats["first"].to_numpy()
    frequency = (stats["n_periods"].to_numpy() - 1).astype("float64")
    repeat_total = stats["total"].to_numpy() - stats["first_total"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / frequency, 0.0)
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (stats["last"].to_numpy() - first).astype("float64"),
            "T": (end - first).astype("float64"),
            "monetary_value": monetary,
        },
        index=stats.index,
    )
    try:
        out = out.sort_index()
    except TypeError:  # ids of mixed types cannot be ordered
        log.info("rfm: customer ids of mixed types, left unsorted")
    return out


def _check_rfm_args(freq: str, observation_end: Any, owner: str) -> tuple[str, int | None]:
    from .rfm_analysis import _end_period

    freq = check_option(freq, ["D", "W"], name="freq", owner=owner)
    return freq, _end_period(observation_end, freq, owner=owner)


def _rfm_parquet(
    source: str | os.PathLike,
    *,
    observation_end: Any = None,
    freq: str = "D",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    bucket_rows: int = _BUCKET_ROWS,
    batch_rows: int = _BATCH_ROWS,
) -> pd.DataFrame:
    """:func:`kequn_lib.rfm` over Parquet files, in bounded memory (see ``rfm``'s Notes)."""
    import pyarrow as pa

    owner = "rfm"
    cols = [customer_col, date_col, amount_col]
    dataset = _open_parquet(source, columns=cols, owner=owner)
    freq, end_given = _check_rfm_args(freq, observation_end, owner)
    _require_arrow_type(dataset, amount_col, "numeric", owner=owner)
    _require_arrow_type(dataset, date_col, "date", owner=owner)
    n_rows = dataset.count_rows()  # from the footers
    n_buckets = max(1, math.ceil(n_rows / bucket_rows))
    id_type = dataset.schema.field(customer_col).type
    if pa.types.is_dictionary(id_type):
        id_type = id_type.value_type
    empty_ids = _empty_frame(dataset, [customer_col])[customer_col]
    log.info("rfm: %d transactions in %d file(s), %d bucket(s)", n_rows, len(dataset.files),
             n_buckets)
    pmax, n_late = None, 0
    with tempfile.TemporaryDirectory(prefix="kequn-rfm-") as tmp:
        writers: list[Any] = []
        memory: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        schema = pa.schema([("id", id_type), ("p", pa.int64()), ("s", pa.float64())])
        options = pa.ipc.IpcWriteOptions(compression="lz4")
        if n_buckets > 1:
            writers = [
                pa.ipc.new_file(os.path.join(tmp, f"bucket{b}.arrow"), schema, options=options)
                for b in range(n_buckets)
            ]
        try:
            for path, frame in _frames(dataset, cols, batch_rows=batch_rows):
                try:
                    ids, p, amount = _batch_periods(
                        frame, customer_col, date_col, amount_col, freq, owner=owner
                    )
                except SchemaError as err:
                    raise _in_file(err, path) from None
                bmax = int(p.max())
                pmax = bmax if pmax is None else max(pmax, bmax)
                if end_given is not None:
                    keep = p <= end_given
                    n_late += int(keep.size - np.count_nonzero(keep))
                    ids, p, amount = ids[keep], p[keep], amount[keep]
                ids, p, s = _pair_sums(ids, p, amount)
                if not writers:
                    memory.append((ids, p, s))
                    continue
                bucket = pd.util.hash_array(ids) % np.uint64(n_buckets)
                order = np.argsort(bucket, kind="stable")
                bounds = np.searchsorted(bucket[order], np.arange(n_buckets + 1))
                for b in range(n_buckets):
                    sel = order[bounds[b]:bounds[b + 1]]
                    if sel.size:
                        writers[b].write_batch(pa.record_batch(
                            [pa.array(ids[sel], type=id_type), pa.array(p[sel]),
                             pa.array(s[sel])], schema=schema))
        finally:
            for w in writers:
                w.close()
        if n_late:
            log.info("rfm: %d transaction(s) after observation_end left out", n_late)
        if pmax is None:  # no rows at all
            columns = ["frequency", "recency", "T", "monetary_value"]
            empty = pd.Index([], dtype=empty_ids.dtype, name=customer_col)
            return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).set_index(empty)
        end = pmax if end_given is None else end_given
        parts = []
        if not writers:
            ids = np.concatenate([m[0] for m in memory])
            p = np.concatenate([m[1] for m in memory])
            s = np.concatenate([m[2] for m in memory])
            del memory
            parts.append(_customer_stats(ids, p, s, customer_col))
        else:
            for b in range(n_buckets):
                with pa.memory_map(os.path.join(tmp, f"bucket{b}.arrow")) as f:
                    table = pa.ipc.open_file(f).read_all()
                ids = table.column("id").to_numpy(zero_copy_only=False)
                p = table.column("p").to_numpy()
                s = table.column("s").to_numpy()
                del table
                parts.append(_customer_stats(ids, p, s, customer_col))
    stats = pd.concat(parts) if len(parts) > 1 else parts[0]
    if stats.index.dtype != empty_ids.dtype and len(stats):
        try:
            stats.index = stats.index.astype(empty_ids.dtype)
        except (TypeError, ValueError):  # pragma: no cover - keep what factorize gave
            pass
    return _rfm_from_stats(stats, end)


def _dask_pairs(
    part: pd.DataFrame, customer_col: str, date_col: str, amount_col: str, freq: str,
    end: int | None,
) -> pd.DataFrame:
    ids, p, amount = _batch_periods(part, customer_col, date_col, amount_col, freq, owner="rfm")
    if end is not None:
        keep = p <= end
        ids, p, amount = ids[keep], p[keep], amount[keep]
    ids, p, s = _pair_sums(ids, p, amount)
    return pd.DataFrame({customer_col: pd.Series(ids, dtype=part[customer_col].dtype),
                         "_p": p, "_s": s})


def _dask_stats(part: pd.DataFrame, customer_col: str) -> pd.DataFrame:
    return _customer_stats(
        part[customer_col].to_numpy(), part["_p"].to_numpy(), part["_s"].to_numpy(), customer_col
    )


def _require_dask_columns(ddf: Any, columns: Sequence[str], *, owner: str) -> None:
    missing = [c for c in columns if c not in ddf.columns]
    if missing:
        raise missing_columns_error(missing, ddf._meta, owner=f"{owner} (Dask DataFrame)")


def _rfm_dask(
    ddf: Any,
    *,
    observation_end: Any = None,
    freq: str = "D",
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """:func:`kequn_lib.rfm` on a Dask DataFrame; the summary comes back as pandas."""
    import dask.dataframe as dd

    owner = "rfm"
    if not isinstance(ddf, dd.DataFrame):
        raise ParameterError(f"{owner}: expected a Dask DataFrame, got {type(ddf).__name__}.")
    cols = [customer_col, date_col, amount_col]
    _require_dask_columns(ddf, cols, owner=owner)
    freq, end_given = _check_rfm_args(freq, observation_end, owner)
    if not pd.api.types.is_numeric_dtype(ddf._meta[amount_col].dtype):
        msg = (
            f"{owner}: column {amount_col!r} must be numeric, but the Dask DataFrame has dtype "
            f"{ddf._meta[amount_col].dtype}. Convert it with dd.to_numeric first."
        )
        raise SchemaError(msg, column=amount_col)
    meta_pairs = pd.DataFrame({
        customer_col: pd.Series(dtype=ddf._meta[customer_col].dtype),
        "_p": pd.Series(dtype="int64"), "_s": pd.Series(dtype="float64"),
    })
    pairs = ddf[cols].map_partitions(
        _dask_pairs, customer_col, date_col, amount_col, freq, end_given, meta=meta_pairs
    )
    meta_stats = _customer_stats(
        meta_pairs[customer_col].to_numpy(), np.empty(0, "int64"), np.empty(0), customer_col
    )
    # every pair of one customer lands in the same partition, which then summarises alone
    shuffled = pairs.shuffle(on=customer_col)
    stats = shuffled.map_partitions(_dask_stats, customer_col, meta=meta_stats).compute()
    if len(stats) == 0:
        columns = ["frequency", "recency", "T", "monetary_value"]
        empty = pd.Index([], dtype=ddf._meta[customer_col].dtype, name=customer_col)
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}).set_index(empty)
    for c in ("first", "last", "n_periods"):
        stats[c] = stats[c].astype("int64")
    end = int(stats["last"].max()) if end_given is None else end_given
    return _rfm_from_stats(stats, end)


# --- AUM tiers and contribution ------------------------------------------------------------------


def _aum_tiers_parquet(source: Any, *, column: str, id_col: str | None, **kwargs: Any) -> pd.Series:
    """:func:`kequn_lib.aum_tiers` over Parquet files, batch by batch."""
    from .tiering import aum_tiers

    owner = "aum_tiers"
    dataset = _open_parquet(source, columns=[column], owner=owner)
    _require_arrow_type(dataset, column, "numeric", owner=owner)
    id_col = id_col if id_col in dataset.schema.names else None
    cols = [column] + ([id_col] if id_col else [])
    empty = aum_tiers(_empty_frame(dataset, cols), aum_col=column, id_col=None, **kwargs)
    codes, ids = [], []
    for path, frame in _frames(dataset, cols):
        try:
            tiers = aum_tiers(frame, aum_col=column, id_col=None, **kwargs)
        except SchemaError as err:
            raise _in_file(err, path) from None
        codes.append(tiers.cat.codes.to_numpy())
        if id_col:
            ids.append(frame[id_col].to_numpy())
    all_codes = np.concatenate(codes) if codes else np.empty(0, dtype="int8")
    index = _row_index(all_codes.size, ids, id_col, owner=owner)
    cat = pd.Categorical.from_codes(all_codes, dtype=empty.dtype)
    return pd.Series(cat, index=index, name="tier")


def _aum_tiers_dask(data: Any, *, column: str, id_col: str | None, **kwargs: Any) -> Any:
    """:func:`kequn_lib.aum_tiers` on a Dask DataFrame or Series: a lazy Dask Series."""
    import dask.dataframe as dd

    from .tiering import aum_tiers

    owner = "aum_tiers"
    if isinstance(data, dd.Series):
        meta = aum_tiers(data._meta, aum_col=column, id_col=id_col, **kwargs)
        return data.map_partitions(aum_tiers, aum_col=column, id_col=id_col, meta=meta, **kwargs)
    _require_dask_columns(data, [column], owner=owner)
    id_col = id_col if id_col in data.columns else None
    cols = [column] + ([id_col] if id_col else [])
    meta = aum_tiers(data._meta[cols], aum_col=column, id_col=id_col, **kwargs)
    return data[cols].map_partitions(
        aum_tiers, aum_col=column, id_col=id_col, meta=meta, **kwargs
    )


def _contribution_columns(names: Sequence[str], missing: str, id_col: str | None) -> list[str]:
    from .tiering import _COMPONENTS, _COST_COLUMNS

    needed = [col for col, _ in _COMPONENTS.values()] + list(_COST_COLUMNS)
    if missing == "error":
        cols = needed
    else:
        cols = [c for c in needed if c in names]
    if id_col is not None and id_col in names:
        cols = [*cols, id_col]
    return cols


def _contribution_parquet(
    source: Any, *, model: Any, missing: str, id_col: str | None
) -> pd.DataFrame:
    """:func:`kequn_lib.contribution` over Parquet files, batch by batch."""
    from .tiering import contribution

    owner = "contribution"
    dataset = _open_parquet(source, columns=None, owner=owner)
    names = dataset.schema.names
    missing = check_option(missing, ["error", "zero"], name="missing", owner=owner)
    # dry run on the zero-row frame: checks the model, the columns and their presence
    contribution(_empty_frame(dataset, names), model=model, missing=missing, id_col=id_col)
    cols = _contribution_columns(names, missing, id_col)
    for c in cols:
        if c != id_col:
            _require_arrow_type(dataset, c, "numeric", owner=owner)
    id_col = id_col if id_col in names else None
    parts, ids = [], []
    for path, frame in _frames(dataset, cols):
        try:
            part = contribution(frame, model=model, missing=missing, id_col=None)
        except SchemaError as err:
            raise _in_file(err, path) from None
        parts.append(part)
        if id_col:
            ids.append(frame[id_col].to_numpy())
    if parts:
        out = pd.concat(parts, ignore_index=True)
    else:
        out = contribution(_empty_frame(dataset, cols), model=model, missing=missing, id_col=None)
    out.index = _row_index(len(out), ids, id_col, owner=owner)
    return out


def _contribution_dask(ddf: Any, *, model: Any, missing: str, id_col: str | None) -> Any:
    """:func:`kequn_lib.contribution` on a Dask DataFrame: a lazy Dask DataFrame."""
    from .tiering import contribution

    owner = "contribution"
    missing = check_option(missing, ["error", "zero"], name="missing", owner=owner)
    meta = contribution(ddf._meta, model=model, missing=missing, id_col=id_col)  # dry run
    cols = _contribution_columns(list(ddf.columns), missing, id_col)
    return ddf[cols].map_partitions(
        contribution, model=model, missing=missing, id_col=id_col, meta=meta
    )


# --- Pareto / ABC --------------------------------------------------------------------------------

# Fixed value bins, 16 per doubling, over the whole positive float64 range: the bin of a value
# comes from its exponent and the first bits of its mantissa, so bins are exact and ordered.
_SUB = 16
_N_BINS = (1024 + 1075) * _SUB


def _bins(pos: np.ndarray) -> np.ndarray:
    mantissa, exponent = np.frexp(pos)  # mantissa in [0.5, 1)
    sub = np.minimum(((mantissa - 0.5) * (2 * _SUB)).astype("int64"), _SUB - 1)
    return (exponent.astype("int64") + 1074) * _SUB + sub


def _hist(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    pos = v[v > 0]
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


def _in_bins(v: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    pos = v[v > 0]
    return pos[np.isin(_bins(pos), wanted)]


def _pareto_thresholds(
    cuts: np.ndarray, hist: tuple, collect: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray | None:
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
    thresholds = np.empty(cuts.size)
    for j, (b, target) in enumerate(zip(crossing, targets, strict=True)):
        inside = np.sort(values[binned == b])
        before = cum_bins[b - 1] if b > 0 else 0.0
        at = np.searchsorted(before + np.cumsum(inside), target, side="right")
        if at < inside.size:
            thresholds[j] = inside[at]
        else:  # rounding put the crossing at the next non-empty bin, or past the largest value
            later = nonempty[nonempty > b]
            thresholds[j] = mins[later[0]] if later.size else maxs[nonempty[-1]]
    return thresholds[::-1]


def _pareto_codes(v: np.ndarray, thresholds: np.ndarray | None, k: int) -> np.ndarray:
    if thresholds is None:
        return np.full(v.size, k, dtype="int8")
    return (k - np.searchsorted(thresholds, v, side="right")).astype("int8")


def _pareto_setup(cuts: Any, labels: Any, column: str) -> tuple[np.ndarray, pd.CategoricalDtype]:
    from .tiering import pareto_tiers

    dry = pareto_tiers(pd.Series([], dtype="float64", name=column), cuts=cuts, labels=labels)
    return np.asarray(list(cuts), dtype="float64"), dry.dtype


def _pareto_parquet(
    source: Any, *, column: str | None, cuts: Any, labels: Any, id_col: str | None
) -> pd.Series:
    """:func:`kequn_lib.pareto_tiers` over Parquet files: three streaming passes, see Notes."""
    from ._validation import require_numeric

    owner = "pareto_tiers"
    if column is None:
        msg = f"{owner}: for Parquet files pass value_col=, the name of the value column."
        raise ParameterError(msg)
    dataset = _open_parquet(source, columns=[column], owner=owner)
    _require_arrow_type(dataset, column, "numeric", owner=owner)
    cuts_arr, dtype = _pareto_setup(cuts, labels, column)
    id_col = id_col if id_col in dataset.schema.names else None

    def values() -> Iterator[np.ndarray]:
        for path, frame in _frames(dataset, [column]):
            try:
                yield require_numeric(frame, column, owner=owner).to_numpy()
            except SchemaError as err:
                raise _in_file(err, path) from None

    hist = _merge_hists([_hist(v) for v in values()])
    thresholds = _pareto_thresholds(
        cuts_arr, hist, lambda bins: np.concatenate([_in_bins(v, bins) for v in values()])
    )
    codes, ids = [], []
    cols = [column] + ([id_col] if id_col else [])
    for _path, frame in _frames(dataset, cols):
        codes.append(_pareto_codes(frame[column].to_numpy(dtype="float64"), thresholds,
                                   cuts_arr.size))
        if id_col:
            ids.append(frame[id_col].to_numpy())
    all_codes = np.concatenate(codes) if codes else np.empty(0, dtype="int8")
    index = _row_index(all_codes.size, ids, id_col, owner=owner)
    return pd.Series(pd.Categorical.from_codes(all_codes, dtype=dtype), index=index, name="abc")


def _dask_values(part: pd.Series, column: str) -> np.ndarray:
    from ._validation import require_numeric

    return require_numeric(part.to_frame(name=column), column, owner="pareto_tiers").to_numpy()


def _dask_label(part: pd.Series, thresholds: Any, k: int, dtype: Any) -> pd.Series:
    codes = _pareto_codes(part.to_numpy(dtype="float64"), thresholds, k)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=part.index, name="abc")


def _pareto_dask(data: Any, *, column: str | None, cuts: Any, labels: Any) -> Any:
    """:func:`kequn_lib.pareto_tiers` on a Dask Series (or a column of a Dask DataFrame)."""
    import dask
    import dask.dataframe as dd

    owner = "pareto_tiers"
    if isinstance(data, dd.DataFrame):
        if column is None:
            msg = f"{owner}: for a Dask DataFrame pass value_col=, the name of the value column."
            raise ParameterError(msg)
        _require_dask_columns(data, [column], owner=owner)
        s = data[column]
    else:
        s = data
    name = str(s.name) if s.name is not None else "values"
    if not pd.api.types.is_numeric_dtype(s.dtype):
        msg = f"{owner}: column {name!r} must be numeric, but has dtype {s.dtype}."
        raise SchemaError(msg, column=name)
    cuts_arr, dtype = _pareto_setup(cuts, labels, name)
    parts = s.to_delayed()
    vals = [dask.delayed(_dask_values)(p, name) for p in parts]
    hist = _merge_hists(dask.compute(*[dask.delayed(_hist)(v) for v in vals]))

    def collect(bins: np.ndarray) -> np.ndarray:
        got = dask.compute(*[dask.delayed(_in_bins)(v, bins) for v in vals])
        return np.concatenate(got) if got else np.empty(0)

    thresholds = _pareto_thresholds(cuts_arr, hist, collect)
    meta = pd.Series(pd.Categorical.from_codes([], dtype=dtype), name="abc")
    return s.map_partitions(_dask_label, thresholds, cuts_arr.size, dtype, meta=meta)


# --- clustering at scale -------------------------------------------------------------------------


def _seed(random_state: Any) -> int:
    return check_seed(random_state, owner="sample_partitions")


_ALL = "<all rows>"


def _levels(s: pd.Series) -> pd.Series:
    """Stratum of each row as a string (missing values form their own level)."""
    return s.astype("object").where(s.notna(), "<NA>").astype(str)


def _level_counts(s: pd.Series) -> pd.Series:
    return _levels(s).value_counts()


def _keyed(part: pd.DataFrame, seed: int, stratify: str | None, q: dict,
           partition_info: dict | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    key = np.random.default_rng([seed, number]).random(len(part))
    if stratify is None:
        limit = np.full(len(part), q[_ALL])
    else:
        limit = _levels(part[stratify]).map(q).to_numpy(dtype="float64")
    keep = key < limit
    return part[keep].assign(_kequn_key=key[keep])


def sample_partitions(
    data: Any,
    *,
    n: int = 200_000,
    stratify: str | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Draw a (stratified) simple random sample of ``n`` rows from a Dask DataFrame, as pandas.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The customer table, possibly spread over a cluster.
    n : int, default=200_000
        Rows in the sample. A table with at most ``n`` rows is returned whole.
    stratify : str, optional
        Column whose levels keep their shares: each level contributes
        ``round(share * n)`` rows, at least one (the rule of :func:`fit_on_sample`).
    random_state : int, numpy Generator or None, default=0
        Seed. The same seed and the same partitioning give the same sample.

    Returns
    -------
    pandas.DataFrame
        The sampled rows, with their original index, in partition order.

    Raises
    ------
    ParameterError
        ``data`` is not a Dask DataFrame, or ``n < 2``.
    SchemaError
        The ``stratify`` column is missing (the message lists the columns present).

    See Also
    --------
    fit_on_partitions : fit a segmentation on such a sample.

    Notes
    -----
    Each row gets a uniform random key (a generator seeded by ``random_state`` and the
    partition number); the rows with the ``m`` smallest keys of a level are a simple random
    sample without replacement of that level. Partitions send back only rows whose key is below
    a bound chosen so that, with overwhelming probability, at least ``m`` rows come back (the
    expected count plus five standard deviations); should a level still fall short, it is drawn
    again with no bound. Cost: one pass to count the levels and one to draw.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd, kequn_lib as kq
    >>> df = pd.DataFrame({"x": range(1000), "kind": ["a"] * 900 + ["b"] * 100})
    >>> sample = kq.sample_partitions(dd.from_pandas(df, npartitions=4), n=100,
    ...                               stratify="kind")
    >>> sample["kind"].value_counts().sort_index().tolist()
    [90, 10]
    """
    import dask

    owner = "sample_partitions"
    _dask_frame_module(data, owner)
    n = check_int(n, name="n", owner=owner, low=2)
    if stratify is not None:
        _require_dask_columns(data, [stratify], owner=owner)
    seed = _seed(random_state)
    if stratify is None:
        sizes = {_ALL: int(data.shape[0].compute())}
    else:
        parts = data[stratify].to_delayed()
        counts = dask.compute(*[dask.delayed(_level_counts)(p) for p in parts])
        total_counts = pd.concat(counts).groupby(level=0).sum() if counts else pd.Series()
        sizes = {str(k): int(v) for k, v in total_counts.items()}
    total = sum(sizes.values())
    if total <= n:
        return data.compute()
    want = {lvl: min(c, max(1, round(c / total * n))) for lvl, c in sizes.items()}
    q = {lvl: min(1.0, (m + 5 * math.sqrt(m) + 10) / sizes[lvl]) for lvl, m in want.items()}
    meta = data._meta.assign(_kequn_key=pd.Series(dtype="float64"))
    for _attempt in range(2):
        cand = data.map_partitions(_keyed, seed, stratify, q, meta=meta).compute()
        if stratify is None:
            level = np.full(len(cand), _ALL, dtype=object)
        else:
            level = _levels(cand[stratify]).to_numpy(dtype=object)
        short = [lvl for lvl, m in want.items() if int(np.count_nonzero(level == lvl)) < m]
        if not short:
            break
        log.info("sample_partitions: levels %s fell short, drawn again without a bound", short)
        q.update(dict.fromkeys(short, 1.0))
    keep = np.zeros(len(cand), dtype=bool)
    keys = cand["_kequn_key"].to_numpy()
    for lvl, m in want.items():
        pos = np.flatnonzero(level == lvl)
        keep[pos[np.argsort(keys[pos], kind="stable")[:m]]] = True
    return cand[keep].drop(columns="_kequn_key")


def _dask_frame_module(data: Any, owner: str) -> Any:
    if not _is_dask(data):
        msg = (
            f"{owner}: expected a Dask DataFrame, got {type(data).__name__}. For a pandas table "
            "use fit_on_sample and predict_in_chunks."
        )
        raise ParameterError(msg)
    import dask.dataframe as dd

    if not isinstance(data, dd.DataFrame):
        raise ParameterError(f"{owner}: expected a Dask DataFrame, got a Dask Series.")
    return dd


def fit_on_partitions(
    data: Any,
    pipeline: Any = None,
    *,
    sample_size: int = 200_000,
    stratify: str | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> Any:
    """Fit a segmentation on a stratified sample drawn from a Dask DataFrame.

    The first half of clustering at scale: fit on a sample that fits in memory, then label
    every customer where the data lives with :func:`predict_partitions`.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The customer table (a pandas DataFrame is handed to :func:`fit_on_sample`).
    pipeline : Pipeline, optional
        Unfitted pipeline from :func:`segment_pipeline` (default ``segment_pipeline()``); it is
        cloned, not modified.
    sample_size : int, default=200_000
        Rows to fit on (see :func:`sample_partitions`).
    stratify : str, optional
        Column whose levels keep their shares in the sample, e.g. ``"customer_kind"``.
    random_state : int, numpy Generator or None, default=0
        Seed of the sample.

    Returns
    -------
    Pipeline
        A fitted clone of ``pipeline``.

    Raises
    ------
    ParameterError
        ``data`` is not a DataFrame, ``sample_size < 2``.
    SchemaError
        A column the pipeline needs, or ``stratify``, is missing.

    See Also
    --------
    sample_partitions, predict_partitions, fit_on_sample, predict_in_chunks

    Notes
    -----
    Why a sample: k-means (and mixture) centres are means; the error of a segment's mean falls
    with the square root of its size, so a few hundred thousand customers pin down a handful
    of centres as well as tens of millions do, and the fit stays on one machine in seconds.
    Stratifying on a column such as ``customer_kind`` keeps small but important levels
    (corporate customers) in their true share. The expensive, embarrassingly parallel part,
    assigning every customer to its nearest centre, runs on the cluster with
    :func:`predict_partitions`. Ward and HDBSCAN cannot label new rows and do not suit this
    path.

    Examples
    --------
    >>> import numpy as np, pandas as pd, dask.dataframe as dd, kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 500), rng.normal(8, 1, 500)]})
    >>> ddf = dd.from_pandas(df, npartitions=4)
    >>> pipe = kq.fit_on_partitions(ddf, kq.segment_pipeline(n_clusters=2), sample_size=200)
    >>> kq.predict_partitions(pipe, ddf).compute().value_counts().tolist()
    [500, 500]
    """
    from .clustering import fit_on_sample

    owner = "fit_on_partitions"
    if isinstance(data, pd.DataFrame):
        return fit_on_sample(data, pipeline, sample_size=sample_size, stratify=stratify,
                             random_state=random_state)
    _dask_frame_module(data, owner)
    sample = sample_partitions(data, n=sample_size, stratify=stratify, random_state=random_state)
    log.info("fit_on_partitions: fitting on a sample of %d rows", len(sample))
    return fit_on_sample(sample, pipeline, sample_size=max(2, len(sample)),
                         random_state=random_state)


def _predict_part(part: pd.DataFrame, pipeline: Any) -> pd.Series:
    if len(part) == 0:
        return pd.Series([], index=part.index, dtype="int64", name="segment")
    labels = np.asarray(pipeline.predict(part), dtype="int64")
    return pd.Series(labels, index=part.index, name="segment")


def predict_partitions(pipeline: Any, data: Any) -> Any:
    """Label every customer of a Dask DataFrame with a fitted pipeline, partition by partition.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline whose model has ``predict`` (k-means, mini-batch k-means, mixture),
        e.g. from :func:`fit_on_partitions`.
    data : dask.dataframe.DataFrame
        The customer table with the columns the pipeline was fitted on.

    Returns
    -------
    dask.dataframe.Series
        Lazy int64 labels named ``"segment"`` on ``data``'s partitions and index; call
        ``.compute()`` for pandas, or join it back / write it with ``to_parquet``.

    Raises
    ------
    ParameterError
        ``data`` is not a Dask DataFrame; the pipeline is unfitted or cannot label new rows.
    SchemaError
        A column the pipeline was fitted on is missing (checked before any work).

    See Also
    --------
    fit_on_partitions, predict_in_chunks

    Notes
    -----
    Each partition is labelled independently by a copy of the fitted pipeline shipped to the
    workers (``map_partitions``): no data moves between workers, and each label is identical
    to ``pipeline.predict`` on the same rows. For a large pipeline on a real cluster, scatter
    it once first (``client.scatter(pipeline, broadcast=True)``) and pass the future.

    Examples
    --------
    >>> import pandas as pd, dask.dataframe as dd, kequn_lib as kq
    >>> df = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1, 0.2, 5.2]})
    >>> pipe = kq.segment_pipeline(n_clusters=2).fit(df)
    >>> labels = kq.predict_partitions(pipe, dd.from_pandas(df, npartitions=3)).compute()
    >>> labels.equals(pipe.predict(df))
    True
    """
    owner = "predict_partitions"
    _dask_frame_module(data, owner)
    if not hasattr(pipeline, "predict") or not hasattr(pipeline, "steps"):
        msg = f"{owner}: pass a fitted Pipeline (segment_pipeline), got {type(pipeline).__name__}."
        raise ParameterError(msg)
    from .clustering import _require_fitted_predictor

    _require_fitted_predictor(pipeline, owner)
    needed = [str(c) for c in getattr(pipeline, "feature_names_in_", [])]
    _require_dask_columns(data, needed, owner=owner)
    meta = pd.Series([], dtype="int64", name="segment")
    return data.map_partitions(_predict_part, pipeline, meta=meta)
