"""Which engine runs a call: the kind of the input, and validated opening of Parquet sources."""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import fmt_values, missing_columns_error
from ..errors import KequnError, ParameterError, SchemaError

_GLOB_CHARS = frozenset("*?[")
_PARQUET_SUFFIXES = (".parquet", ".pq")

PANDAS, PARQUET, DASK = "pandas", "parquet", "dask"


def is_dask(obj: Any) -> bool:
    """True for a Dask DataFrame or Series; dask is imported only if ``obj`` comes from it."""
    module = type(obj).__module__ or ""
    if not (module == "dask" or module.startswith(("dask.", "dask_expr"))):
        return False
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame | dd.Series)


def input_kind(obj: Any, *, owner: str) -> str:
    """``"dask"``, ``"parquet"`` or ``"pandas"`` (anything else: the pandas path refuses it).

    A str or path that is not a Parquet file, a folder or a glob raises at once.
    """
    if isinstance(obj, pd.DataFrame | pd.Series):
        return PANDAS
    if is_dask(obj):
        return DASK
    if isinstance(obj, str | os.PathLike):
        text = os.fspath(obj)
        if (
            text.lower().endswith(_PARQUET_SUFFIXES)
            or any(c in text for c in _GLOB_CHARS)
            or os.path.isdir(text)
        ):
            return PARQUET
        msg = (
            f"{owner}: {text!r} is not a Parquet file, a folder of Parquet files or a glob. "
            "Pass a pandas DataFrame, a Dask DataFrame, or Parquet files (e.g. 'logs/*.parquet'); "
            "read CSV or Excel files with pandas (or kq.read_customers) first."
        )
        raise ParameterError(msg)
    return PANDAS


def require_dask() -> Any:
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

    return pa.schema([f for f in schema if not f.name.startswith("__index_level_")])


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


@dataclass(frozen=True)
class ParquetSource:
    """Checked Parquet files: names in order, their common Arrow schema, rows per file."""

    files: tuple[str, ...]
    schema: Any
    rows: tuple[int, ...]
    # columns whose footers prove they hold no null (statistics of every row group)
    no_nulls: frozenset[str] = frozenset()
    # largest absolute value of each numeric column whose every row group states its min/max
    peaks: Mapping[str, float] = field(default_factory=dict)
    # the pandas attrs stored with the files (the table's currency)
    attrs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.schema.names)

    @property
    def n_rows(self) -> int:
        return sum(self.rows)

    def empty_frame(self, columns: Sequence[str]) -> pd.DataFrame:
        """Zero-row pandas frame with the files' dtypes (dates as datetime64[ns]) and attrs."""
        out = arrow_to_pandas(self.schema.empty_table().select(list(columns)))
        out.attrs = dict(self.attrs)
        return out


def arrow_to_pandas(table: Any) -> pd.DataFrame:
    import pyarrow as pa

    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_date(col.type):
            col = col.cast(pa.timestamp("ns"))
        cols[name] = col
    return pa.table(cols).to_pandas()


def parquet_source(source: Any, *, columns: Sequence[str] | None, owner: str) -> ParquetSource:
    """Resolve and check Parquet files from their footers only (no row is read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = _resolve_files(source, owner=owner)
    schemas, rows, no_nulls, peaks, attrs = [], [], None, None, []
    for path in files:
        try:
            meta = pq.read_metadata(path)
            arrow = meta.schema.to_arrow_schema()
            attrs.append(_stored_attrs(arrow))
            schemas.append(_plain_schema(arrow))
            rows.append(meta.num_rows)
            clean, peak = _footer_facts(meta)
            no_nulls = clean if no_nulls is None else no_nulls & clean
            peaks = peak if peaks is None else {
                c: max(v, peaks[c]) for c, v in peak.items() if c in peaks}
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
            raise missing_columns_error(missing, pd.DataFrame(columns=first.names), owner=owner)
    currencies = {str(a.get("currency")) for a in attrs if a.get("currency") is not None}
    if len(currencies) > 1:
        msg = (f"{owner}: the {len(files)} Parquet files hold money in different currencies "
               f"({', '.join(sorted(currencies))}, their attrs['currency']). Convert them to one "
               "currency, or point the call at the files of one currency.")
        raise SchemaError(msg)
    return ParquetSource(tuple(files), first, tuple(rows), frozenset(no_nulls or ()),
                         peaks or {}, attrs[0] if attrs else {})


def _stored_attrs(schema: Any) -> dict[str, Any]:
    """The pandas ``attrs`` that ``DataFrame.to_parquet`` stores in a file's metadata."""
    import json

    raw = (schema.metadata or {}).get(b"PANDAS_ATTRS")
    try:
        attrs = json.loads(raw) if raw else {}
    except ValueError:  # not ours to judge: no attrs
        return {}
    return attrs if isinstance(attrs, dict) else {}


def _footer_facts(meta: Any) -> tuple[set[str], dict[str, float]]:
    """Top-level columns whose every row group states a null count of zero, and the largest
    absolute value of each numeric column whose every row group states its min and max (what
    the total-overflow check needs, without reading a row)."""
    names = meta.schema.names
    clean = set(names)
    peaks = dict.fromkeys(names, 0.0)  # a file without row groups holds no value
    unknown: set[str] = set()
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for j in range(group.num_columns):
            col = group.column(j)
            stats = col.statistics
            name = col.path_in_schema
            if stats is None or not stats.has_null_count or stats.null_count:
                clean.discard(name)
            if name in unknown:
                continue
            try:
                if stats is None or not stats.has_min_max or isinstance(stats.min, str | bytes):
                    raise TypeError
                peak = max(abs(float(stats.min)), abs(float(stats.max)))
            except (TypeError, ValueError, OverflowError):
                unknown.add(name)
                peaks.pop(name, None)
                continue
            peaks[name] = max(peak, peaks.get(name, 0.0))
    return clean, peaks


def require_arrow_type(src: ParquetSource, column: str, kind: str, *, owner: str) -> None:
    """Check a column's Arrow type before reading rows: ``"numeric"`` or ``"date"``."""
    import pyarrow as pa

    t = src.schema.field(column).type
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
    rfm, aum_tiers, contribution, pareto_tiers : accept the same sources (run on DuckDB).

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
    import pyarrow.dataset as ds

    src = parquet_source(source, columns=columns, owner="open_parquet")
    return ds.dataset(list(src.files), format="parquet", schema=src.schema)
