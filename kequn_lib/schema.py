"""Column contracts for kequn's two tables, and the checks every public function runs at the door.

The *customer table* has one row per customer and is the common currency of the package; the
*transaction log* has one row per event. Both contracts are pandera schemas
(:data:`CUSTOMER_SCHEMA`, :data:`TRANSACTION_SCHEMA`); :func:`validate_customers` and
:func:`validate_transactions` run them and turn any failure into a :class:`~kequn_lib.SchemaError`
that names the column, the rule and the first offending rows. Columns are documented, with units
and Chinese terms, in the data dictionary (``data/README.md``).

The small ``require_*`` helpers that analysis modules use to check only what they need live in
``kequn_lib._validation``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ._validation import (
    _require_finite_total,
    fmt_values,
    missing_columns_error,
    require_columns,
    require_frame,
    strictly_increasing,
)
from .errors import SchemaError

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
    "card_balance",
    "credit_limit",
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
        **{c: _money() for c in MONEY_COLUMNS},
        **{c: _count() for c in COUNT_COLUMNS},
        **{c: pa.Column(bool, required=False) for c in FLAG_COLUMNS},
        "age": pa.Column(
            "Int64", pa.Check.in_range(0, 120, error="between 0 and 120"),
            nullable=True, required=False,
        ),
    },
    checks=[
        pa.Check(
            lambda df: (df["true_wallet"] >= df["aum"] - 1e-6)
            if "true_wallet" in df and "aum" in df else True,
            error="true_wallet >= aum (the wallet is all the customer's financial assets)",
        ),
    ],
    name="customer table",
    strict=False,
)
"""pandera schema of the customer table: only ``customer_id`` (unique) is required. Money
columns (``aum``, deposit, wealth, loan and card balances, credit limits, volumes, fees) are
optional roles, finite and non-negative when present; a function that needs one names it (see
``kequn_lib._validation.NEEDS``)."""

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
        f"[{fmt_values(rows)}] with values [{fmt_values(values)}]. "
        "Fix or drop these rows before calling kequn."
    )
    return SchemaError(msg, column=column, rows=rows)


#: the same contract for a table whose numeric ids are strictly increasing (the usual export
#: order): such ids are unique without pandera's hash-based check, which is the costliest step of
#: validating a large table
_CUSTOMER_SCHEMA_ORDERED_IDS = CUSTOMER_SCHEMA.update_column("customer_id", unique=False)


def _ids_strictly_increasing(data: pd.DataFrame) -> bool:
    ids = data["customer_id"] if "customer_id" in data.columns else None
    return isinstance(ids, pd.Series) and strictly_increasing(ids)


def validate_customers(data: pd.DataFrame) -> pd.DataFrame:
    """Check a customer table against :data:`CUSTOMER_SCHEMA`.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer, with at least ``customer_id``. AUM, deposit, wealth, loan and
        card columns are optional roles: a card portfolio or a loan-only table is a customer
        table too, and each function that needs AUM says so (and refuses a table without it,
        naming the column to pass).

    Returns
    -------
    pandas.DataFrame
        ``data`` itself, unchanged, so the call can be chained.

    Raises
    ------
    SchemaError
        If ``customer_id`` is missing, ``customer_id`` repeats, mixes number and text ids or
        has blank ids, money is true/false, or a documented column breaks its rule (negative
        or infinite money, age out of range, ``true_wallet < aum``). The message names the
        column, the rule and the first offending rows. Integer and Decimal money is accepted.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> kq.validate_customers(pd.DataFrame({"customer_id": [1, 2], "aum": [10.0, 5e5]})).shape
    (2, 2)
    """
    data = require_frame(data, owner="validate_customers")
    checked = _door_checks(data, "customer table")
    try:
        schema = (_CUSTOMER_SCHEMA_ORDERED_IDS if _ids_strictly_increasing(checked)
                  else CUSTOMER_SCHEMA)
        schema.validate(checked, lazy=True, inplace=True)  # no coercion: no copy
    except pa.errors.SchemaErrors as err:
        raise _schema_error(err, "customer table", data) from None
    return data


def _door_checks(data: pd.DataFrame, table: str) -> pd.DataFrame:
    """Checks pandera cannot word well: id types and blanks, money that is bool, int, Decimal.

    Returns ``data`` with int or Decimal money columns as float64 (a shallow copy; the caller's
    frame is not touched) for the pandera contract to check.
    """
    from ._validation import require_numeric

    if "customer_id" in data.columns and (data["customer_id"].dtype == object
                                          or pd.api.types.is_string_dtype(data["customer_id"])):
        ids = data["customer_id"]
        is_text = ids.map(lambda v: isinstance(v, str)).astype(bool)
        is_num = ids.map(lambda v: isinstance(v, int | float | np.number)
                         and not isinstance(v, bool)).astype(bool)
        if is_text.any() and is_num.any():
            rows = list(ids.index[is_num])
            msg = (
                f"{table}: column 'customer_id' holds numbers among text ids (1 and '1' would be "
                f"two customers); {len(rows)} numeric id(s), first at index [{fmt_values(rows)}]. "
                "Make every id text (data['customer_id'].astype(str)) or every id a number."
            )
            raise SchemaError(msg, column="customer_id", rows=rows)
        blank = is_text & ids.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)
        if blank.any():
            rows = list(ids.index[blank])
            msg = (f"{table}: column 'customer_id' has {len(rows)} blank id(s), first at index "
                   f"[{fmt_values(rows)}]. Every customer needs an id: fill or drop these rows.")
            raise SchemaError(msg, column="customer_id", rows=rows)
    out = data
    for col in MONEY_COLUMNS:
        if col not in data.columns:
            continue
        s = data[col]
        if pd.api.types.is_bool_dtype(s):
            msg = (f"{table}: column {col!r} holds true/false values, but it is money. Pass the "
                   f"amounts (a flag such as has_deposit belongs in its own column).")
            raise SchemaError(msg, column=col)
        if not pd.api.types.is_float_dtype(s):
            values = require_numeric(data, col, owner=table, nonnegative=False, allow_nan=True)
            if out is data:
                out = data.copy(deep=False)
            out[col] = values
        else:  # a total beyond float64 makes every sum and share inf or NaN
            _require_finite_total(s.to_numpy(), s.index, col, owner=table)
    return out


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
        If a column is missing, ``date`` is not a datetime column, an amount is NaN or inf, or
        the amounts add up to more than float64 holds (the message names the largest rows).

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> log = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-05"]),
    ...                     "amount": [120.0]})
    >>> len(kq.validate_transactions(log))
    1
    """
    data = require_frame(data, owner="validate_transactions")
    require_columns(data, ["customer_id", "date", "amount"], owner="validate_transactions")
    if not pd.api.types.is_datetime64_any_dtype(data["date"]):
        msg = (
            f"transaction log: column 'date' has dtype {data['date'].dtype}, expected datetime64. "
            "Parse it first: data['date'] = kq.parse_dates(data['date']) (dayfirst= or "
            "date_format= when the column needs them)."
        )
        raise SchemaError(msg, column="date")
    schema = TRANSACTION_SCHEMA.update_column("date", dtype=data["date"].dtype)
    try:
        schema.validate(data, lazy=True, inplace=True)  # no coercion: no copy
    except pa.errors.SchemaErrors as err:
        raise _schema_error(err, "transaction log", data) from None
    # a total beyond float64 makes every sum of amounts (RFM, spend, CLV) inf or NaN
    _require_finite_total(data["amount"].to_numpy(dtype="float64"), data.index, "amount",
                          owner="transaction log")
    return data
