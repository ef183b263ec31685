"""Column contracts for kequn's two tables, and the checks every public function runs at the door.

The *customer table* has one row per customer and is the common currency of the package; the
*transaction log* has one row per event. Both contracts are pandera schemas
(:data:`CUSTOMER_SCHEMA`, :data:`TRANSACTION_SCHEMA`); :func:`validate_customers` and
:func:`validate_transactions` run them and turn any failure into a :class:`~kequn_lib.SchemaError`
that names the column, the rule and the first offending rows. Columns are documented, with units
and Chinese terms, in the data dictionary (``data/README.md``).

The small ``require_*`` helpers are used by the analysis modules to check only what they need.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .errors import InputTypeError, SchemaError, _fmt_values

__all__ = [
    "CUSTOMER_SCHEMA",
    "TRANSACTION_SCHEMA",
    "validate_customers",
    "validate_transactions",
]

MONEY_COLUMNS = (
    "aum",
    "deposit_balance",
    "wealth_balance",
    "loan_balance",
    "fx_volume_12m",
    "fee_income_12m",
    "true_wallet",
)
COUNT_COLUMNS = (
    "tenure_months",
    "products_held",
    "app_logins_90d",
    "rm_contacts_90d",
    "referrals_12m",
    "remittance_count_12m",
)
FLAG_COLUMNS = ("has_deposit", "has_loan", "has_remittance", "has_safe_box")


def _money(required: bool = False) -> pa.Column:
    return pa.Column(
        float,
        checks=[
            pa.Check(lambda s: np.isfinite(s), element_wise=False, error="finite (no inf)"),
            pa.Check.ge(0, error="non-negative (>= 0)"),
        ],
        nullable=False,
        coerce=False,
        required=required,
    )


def _count() -> pa.Column:
    return pa.Column(int, pa.Check.ge(0, error="non-negative (>= 0)"), required=False)


CUSTOMER_SCHEMA = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(nullable=False, unique=True, required=True),
        "aum": _money(required=True),
        **{c: _money() for c in MONEY_COLUMNS if c != "aum"},
        **{c: _count() for c in COUNT_COLUMNS},
        **{c: pa.Column(bool, required=False) for c in FLAG_COLUMNS},
        "age": pa.Column(
            "Int64", pa.Check.in_range(0, 120, error="between 0 and 120"),
            nullable=True, required=False,
        ),
    },
    checks=[
        pa.Check(
            lambda df: (df["true_wallet"] >= df["aum"] - 1e-6) if "true_wallet" in df else True,
            error="true_wallet >= aum (the wallet is all the customer's financial assets)",
        ),
    ],
    name="customer table",
    strict=False,
)
"""pandera schema of the customer table: ``customer_id`` unique and ``aum`` finite and
non-negative are required; the other documented columns are checked when present."""

TRANSACTION_SCHEMA = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(nullable=False, required=True),
        "date": pa.Column("datetime64[ns]", nullable=False, required=True, coerce=False),
        "amount": pa.Column(
            float,
            pa.Check(lambda s: np.isfinite(s), error="finite (no NaN or inf)"),
            nullable=False,
            required=True,
        ),
    },
    name="transaction log",
    strict=False,
)
"""pandera schema of the transaction log: ``customer_id``, ``date`` (datetime) and a finite
``amount`` are required; ``kind`` and ``channel`` are optional."""


def _schema_error(err: pa.errors.SchemaErrors, table: str, data: pd.DataFrame) -> SchemaError:
    cases = err.failure_cases
    first = cases.iloc[0]
    column = first["column"] if isinstance(first["column"], str) else None
    sub = cases[cases["column"] == first["column"]] if column else cases.iloc[:1]
    check = str(first["check"])
    rows = [r for r in sub["index"].tolist() if r is not None and not pd.isna(r)]
    values = sub["failure_case"].tolist()
    if check == "column_in_dataframe":
        missing = sorted(cases.loc[cases["check"] == "column_in_dataframe", "failure_case"])
        return missing_columns_error(missing, data, owner=f"validate {table}")
    if check.startswith("dtype("):
        msg = (
            f"{table}: column {column!r} has dtype {values[0]}, expected {check[6:-1]}. "
            f"Convert it first, e.g. data[{column!r}] = pd.to_numeric(data[{column!r}])."
        )
        return SchemaError(msg, column=column)
    where = f"column {column!r}" if column else "the table"
    readable = {"not_nullable": "present (no missing values)"}.get(check, check)
    what = "has duplicate values" if check.startswith("field_uniqueness") else f"must be {readable}"
    n = len(sub)
    msg = (
        f"{table}: {where} {what}; {n} row(s) fail, first at index "
        f"[{_fmt_values(rows)}] with values [{_fmt_values(values)}]. "
        "Fix or drop these rows before calling kequn."
    )
    return SchemaError(msg, column=column, rows=rows)


def validate_customers(data: pd.DataFrame) -> pd.DataFrame:
    """Check a customer table against :data:`CUSTOMER_SCHEMA`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer, with at least ``customer_id`` and ``aum``.

    Returns
    -------
    pandas.DataFrame
        ``data`` itself, unchanged, so the call can be chained.

    Raises
    ------
    SchemaError
        If a required column is missing, ``customer_id`` repeats, or a documented column breaks
        its rule (negative or infinite money, age out of range, ``true_wallet < aum``). The
        message names the column, the rule and the first offending rows.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> kq.validate_customers(pd.DataFrame({"customer_id": [1, 2], "aum": [10.0, 5e5]})).shape
    (2, 2)
    """
    require_frame(data, owner="validate_customers")
    try:
        CUSTOMER_SCHEMA.validate(data, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise _schema_error(err, "customer table", data) from None
    return data


def validate_transactions(data: pd.DataFrame) -> pd.DataFrame:
    """Check a transaction log against :data:`TRANSACTION_SCHEMA`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per event with ``customer_id``, ``date`` (datetime64) and ``amount`` (CNY).

    Returns
    -------
    pandas.DataFrame
        ``data`` itself, unchanged.

    Raises
    ------
    SchemaError
        If a column is missing, ``date`` is not a datetime column, or an amount is NaN or inf.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> log = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-05"]),
    ...                     "amount": [120.0]})
    >>> len(kq.validate_transactions(log))
    1
    """
    require_frame(data, owner="validate_transactions")
    require_columns(data, ["customer_id", "date", "amount"], owner="validate_transactions")
    if not pd.api.types.is_datetime64_any_dtype(data["date"]):
        msg = (
            f"transaction log: column 'date' has dtype {data['date'].dtype}, expected datetime64. "
            "Parse it first: data['date'] = pd.to_datetime(data['date'])."
        )
        raise SchemaError(msg, column="date")
    schema = TRANSACTION_SCHEMA.update_column("date", dtype=data["date"].dtype)
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise _schema_error(err, "transaction log", data) from None
    return data


# --- helpers used by every analysis module ---------------------------------------------------


def require_frame(data: Any, *, owner: str) -> pd.DataFrame:
    """Raise a :class:`KequnError` (also a ``TypeError``) unless ``data`` is a DataFrame."""
    if not isinstance(data, pd.DataFrame):
        msg = (
            f"{owner}: expected a pandas DataFrame, got {type(data).__name__}. "
            "Pass a table with one row per customer (or per event)."
        )
        raise InputTypeError(msg)
    return data



def missing_columns_error(missing: Iterable[str], data: pd.DataFrame, *, owner: str) -> SchemaError:
    """Build the :class:`SchemaError` for absent columns, listing the columns that are present."""
    missing = list(missing)
    present = [str(c) for c in data.columns]
    msg = (
        f"{owner}: missing column(s) {_fmt_values(missing, 10)}. "
        f"The table has: {_fmt_values(present, 30)}. "
        "Rename your columns (see the data dictionary, data/README.md) or pass the column name "
        "as a keyword argument."
    )
    return SchemaError(msg, column=missing[0] if missing else None)


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, owner: str) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` that ``data`` lacks."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise missing_columns_error(missing, data, owner=owner)


def require_numeric(
    data: pd.DataFrame,
    column: str,
    *,
    owner: str,
    nonnegative: bool = False,
    allow_nan: bool = False,
) -> pd.Series:
    """Return ``data[column]`` as float64 after checking it is numeric, finite and (optionally)
    non-negative; raise :class:`SchemaError` naming the first offending rows otherwise."""
    require_columns(data, [column], owner=owner)
    s = data[column]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        try:
            converted = pd.to_numeric(s, errors="coerce")
        except (TypeError, ValueError):  # nested or unsized objects: none of them is a number
            converted = pd.Series(np.nan, index=s.index)
        bad = converted.isna() & s.notna()
        rows = s.index[bad]
        if not bad.any():
            msg = (
                f"{owner}: column {column!r} must be numeric, but has dtype {s.dtype} (numbers "
                "stored as text). Convert it with pd.to_numeric first."
            )
            raise SchemaError(msg, column=column)
        msg = (
            f"{owner}: column {column!r} must be numeric, but has dtype {s.dtype}; "
            f"{int(bad.sum())} value(s) are not numbers, first at index [{_fmt_values(rows)}]: "
            f"[{_fmt_values(s[bad].tolist())}]. Convert it with pd.to_numeric first."
        )
        raise SchemaError(msg, column=column, rows=list(rows))
    values = s.astype("float64")
    arr = values.to_numpy()
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if nonnegative:
        bad |= arr < 0
    if bad.any():
        rows = s.index[bad]
        rule = "finite" + (" and non-negative" if nonnegative else "")
        rule += "" if allow_nan else " (no NaN)"
        msg = (
            f"{owner}: column {column!r} must be {rule}; {int(bad.sum())} row(s) fail, first at "
            f"index [{_fmt_values(rows)}] with values [{_fmt_values(arr[bad].tolist())}]. "
            "Fix or drop these rows first."
        )
        raise SchemaError(msg, column=column, rows=list(rows))
    return values


def require_unique(data: pd.DataFrame, column: str, *, owner: str) -> None:
    """Raise :class:`SchemaError` if ``data[column]`` has repeated values, naming them."""
    require_columns(data, [column], owner=owner)
    dup = data[column].duplicated(keep=False)
    if dup.any():
        values = data.loc[dup, column].unique()
        msg = (
            f"{owner}: column {column!r} must be unique (one row per customer), but "
            f"{len(values)} value(s) repeat: [{_fmt_values(values)}] at index "
            f"[{_fmt_values(data.index[dup])}]. Aggregate or de-duplicate the table first."
        )
        raise SchemaError(msg, column=column, rows=list(data.index[dup]))
