"""Row-level error messages of the pandas validators, rebuilt from counts and first rows.

The Parquet (DuckDB) and Dask engines find offending rows with their own queries; the messages
they raise must be the very words the pandas path raises (``tests/test_backends.py`` compares
them). Each builder takes the number of offending rows and the first few of them in row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import SchemaError


def fmt_first(first: Sequence[Any], n: int, limit: int = 5) -> str:
    """``_validation.fmt_values`` of a list of ``n`` values of which only the first are known."""
    shown = ", ".join(repr(v) for v in list(first)[:limit])
    rest = n - limit
    return f"{shown}, … ({rest} more)" if rest > 0 else shown


def numeric_error(
    owner: str, column: str, *, nonnegative: bool, n: int, rows: Sequence[Any],
    values: Sequence[float],
) -> SchemaError:
    """As ``_validation.require_numeric`` (no NaN allowed)."""
    rule = "finite" + (" and non-negative" if nonnegative else "") + " (no NaN)"
    msg = (
        f"{owner}: column {column!r} must be {rule}; {n} row(s) fail, first at "
        f"index [{fmt_first(rows, n)}] with values [{fmt_first(values, n)}]. "
        "Fix or drop these rows first."
    )
    return SchemaError(msg, column=column, rows=list(rows))


def missing_ids_error(owner: str, column: str, *, n: int, rows: Sequence[Any]) -> SchemaError:
    """As ``rfm_analysis._rfm_columns`` for missing customer ids."""
    msg = (
        f"{owner}: column {column!r} has {n} missing id(s), first at index "
        f"[{fmt_first(rows, n)}]. Every transaction needs a customer id."
    )
    return SchemaError(msg, column=column, rows=list(rows))


def bad_dates_error(
    owner: str, column: str, *, n: int, rows: Sequence[Any], values: Sequence[Any]
) -> SchemaError:
    """As ``rfm_analysis._parse_dates``."""
    msg = (
        f"{owner}: column {column!r} has {n} missing or unparseable date(s), "
        f"first at index [{fmt_first(rows, n)}] with values [{fmt_first(values, n)}]. "
        "Fix or drop these rows, or parse the column with pd.to_datetime(..., format=...)."
    )
    return SchemaError(msg, column=column, rows=list(rows))


def duplicates_error(
    owner: str, column: str, *, values: Sequence[Any], n_values: int, rows: Sequence[Any],
    n_rows: int,
) -> SchemaError:
    """As ``_validation.require_unique``."""
    msg = (
        f"{owner}: column {column!r} must be unique (one row per customer), but "
        f"{n_values} value(s) repeat: [{fmt_first(values, n_values)}] at index "
        f"[{fmt_first(rows, n_rows)}]. Aggregate or de-duplicate the table first."
    )
    return SchemaError(msg, column=column, rows=list(rows))
