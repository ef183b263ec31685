"""Column contracts: clear SchemaErrors naming the column, the rule and the rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq


def test_minimal_table_passes():
    df = pd.DataFrame({"customer_id": ["a", "b"], "aum": [0.0, 10.0]})
    assert kq.validate_customers(df) is df


def test_missing_column_lists_present_columns():
    with pytest.raises(kq.SchemaError, match="missing column.*'customer_id'.*The table has: 'aum'"):
        kq.validate_customers(pd.DataFrame({"aum": [1.0]}))
    # aum is an optional role: a table of ids alone is a customer table
    assert len(kq.validate_customers(pd.DataFrame({"customer_id": [1]}))) == 1


def test_negative_aum_names_rows():
    df = pd.DataFrame({"customer_id": [1, 2, 3], "aum": [1.0, -5.0, 2.0]}, index=[10, 11, 12])
    with pytest.raises(kq.SchemaError, match=r"'aum'.*non-negative.*index \[11\]") as info:
        kq.validate_customers(df)
    assert info.value.column == "aum"
    assert info.value.rows == [11]


def test_infinite_money_is_rejected():
    df = pd.DataFrame({"customer_id": [1, 2], "aum": [1.0, np.inf]})
    with pytest.raises(kq.SchemaError, match="finite"):
        kq.validate_customers(df)


def test_duplicate_ids():
    df = pd.DataFrame({"customer_id": [1, 1, 2], "aum": [1.0, 2.0, 3.0]})
    with pytest.raises(kq.SchemaError, match="customer_id.*duplicate"):
        kq.validate_customers(df)


def test_wallet_below_aum():
    df = pd.DataFrame({"customer_id": [1], "aum": [10.0], "true_wallet": [5.0]})
    with pytest.raises(kq.SchemaError, match="true_wallet >= aum"):
        kq.validate_customers(df)


def test_wrong_dtype_says_how_to_fix():
    df = pd.DataFrame({"customer_id": [1], "aum": ["1,000"]})
    with pytest.raises(kq.SchemaError, match="dtype.*pd.to_numeric"):
        kq.validate_customers(df)


def test_not_a_frame():
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        kq.validate_customers({"customer_id": [1]})


def test_transactions_contract():
    good = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-01"]),
                         "amount": [5.0]})
    assert kq.validate_transactions(good) is good
    with pytest.raises(kq.SchemaError, match="'date'.*expected datetime64.*kq.parse_dates"):
        kq.validate_transactions(good.assign(date=["2024-01-01"]))
    with pytest.raises(kq.SchemaError, match="missing column.*'amount'"):
        kq.validate_transactions(good.drop(columns="amount"))
    with pytest.raises(kq.SchemaError, match="'amount' must be present"):
        kq.validate_transactions(good.assign(amount=[np.nan]))
    with pytest.raises(kq.SchemaError, match="'amount'.*finite"):
        kq.validate_transactions(good.assign(amount=[np.inf]))


def test_errors_are_also_builtin_exceptions():
    assert issubclass(kq.SchemaError, ValueError)
    assert issubclass(kq.ParameterError, ValueError)
    assert issubclass(kq.DataUnavailableError, LookupError)
    assert issubclass(kq.SchemaError, kq.KequnError)


@pytest.mark.parametrize("ids", [[1, 2, 2, 3], [3, 1, 2, 3], [1.0, 2.0, 2.0], [5, 4, 5]])
def test_ordered_id_shortcut_never_accepts_a_repeated_id(ids):
    """Strictly increasing ids skip the hash-based uniqueness check; any other order, including
    a sorted column with a repeat, still goes through it."""
    from kequn_lib.schema import _ids_strictly_increasing

    table = pd.DataFrame({"customer_id": ids, "aum": 1.0})
    assert not _ids_strictly_increasing(table)
    with pytest.raises(kq.SchemaError, match="duplicate values"):
        kq.validate_customers(table)
    assert _ids_strictly_increasing(pd.DataFrame({"customer_id": sorted(set(ids))}))
