"""``require_numeric`` decides clean columns from their extremes: the verdict must equal the
row-mask rule it stands for, and ``contribution`` must stay the documented formula exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib import _validation as v
from kequn_lib.errors import SchemaError

NAN, INF = np.nan, np.inf
COLUMNS = [
    [1.0, 2.0, 3.0],
    [0.0, -0.0, 5.0],
    [1.0, NAN, 3.0],
    [NAN, NAN],
    [NAN],
    [2.0, INF],
    [-INF, 1.0],
    [NAN, -INF],
    [-1.0, 2.0],
    [-1e-300, 1.0],
    [3.0],
    [],
    np.array([1, -2, 3], dtype="int64"),
    np.array([0, 7], dtype="int64"),
    [True, False],
]


@pytest.mark.parametrize("nonnegative", [False, True])
@pytest.mark.parametrize("allow_nan", [False, True])
@pytest.mark.parametrize("values", COLUMNS, ids=repr)
def test_verdict_and_rows_match_the_mask_rule(values, nonnegative, allow_nan):
    arr = np.asarray(values, dtype="float64")
    index = pd.Index([f"c{i}" for i in range(arr.size)], dtype=object)
    data = pd.DataFrame({"x": pd.Series(values, index=index, dtype=None)}, index=index)
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if nonnegative:
        bad |= arr < 0
    call = lambda: v.require_numeric(data, "x", owner="t", nonnegative=nonnegative,  # noqa: E731
                                     allow_nan=allow_nan)
    if bad.any():
        with pytest.raises(SchemaError, match=r"'x' must be finite") as info:
            call()
        assert info.value.rows == list(index[bad])
    else:
        out = call()
        assert out.dtype == "float64" and out.index.equals(index)
        np.testing.assert_array_equal(out.to_numpy(), arr)


@pytest.mark.parametrize(("values", "overflows"), [
    ([1e308, 1e308], True),
    ([1e308, -1e308], True),
    ([1.7e308, 1.0], False),  # the extremes cannot rule it out; the total is still finite
    ([1.7e308], False),
    ([1e308, NAN, 1e308], True),
])
def test_totals_beyond_float64_are_refused(values, overflows):
    data = pd.DataFrame({"x": values})
    call = lambda: v.require_numeric(data, "x", owner="t", allow_nan=True)  # noqa: E731
    if overflows:
        with pytest.raises(SchemaError, match="largest number a float64 holds"):
            call()
    else:
        assert call().size == len(values)


def _formula(table: pd.DataFrame, m: kq.ContributionModel) -> np.ndarray:
    """The formula of the Notes of ``contribution``, written with plain numpy."""
    col = {c: table[c].to_numpy(dtype="float64") for c in table}
    dep = col["deposit_balance"] * m.deposit_spread
    loan = col["loan_balance"] * m.loan_spread - col["loan_balance"] * m.loan_credit_cost
    wealth = col["wealth_balance"] * m.wealth_fee_rate
    fee = col["fee_income_12m"] * m.fee_passthrough
    fx = col["fx_volume_12m"] * m.fx_margin
    cost = (m.cost_per_customer + m.cost_per_product * col["products_held"]
            + m.cost_per_rm_contact * col["rm_contacts_90d"] * (365 / 90))
    return np.stack([dep, loan, wealth, fee, fx, cost, dep + loan + wealth + fee + fx - cost])


@pytest.mark.parametrize("model", [kq.ContributionModel(),
                                   kq.ContributionModel(deposit_spread=0.0137, fx_margin=0.0021,
                                                        fee_passthrough=0.93,
                                                        cost_per_rm_contact=77.7)])
def test_contribution_is_the_formula_bit_for_bit(model):
    rng = np.random.default_rng(5)
    n = 2_000
    table = pd.DataFrame({
        "deposit_balance": np.round(rng.lognormal(10, 2, n), 2),
        "loan_balance": np.where(rng.random(n) < 0.3, np.round(rng.lognormal(12, 1, n), 2), 0.0),
        "wealth_balance": np.round(rng.lognormal(9, 2, n), 2),
        "fee_income_12m": np.round(rng.lognormal(5, 1.5, n), 2),
        "fx_volume_12m": np.where(rng.random(n) < 0.1, rng.lognormal(11, 2, n), 0.0),
        "products_held": rng.integers(1, 8, n),
        "rm_contacts_90d": rng.poisson(0.7, n),
    })
    out = kq.contribution(table, model=model)
    expected = _formula(table, model)
    assert np.array_equal(out.to_numpy().T.view("uint64"), expected.view("uint64"))
