"""Tests of kequn_lib.datasets.panel.make_panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.errors import ParameterError, SchemaError


@pytest.fixture
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    aum = np.round(rng.lognormal(11, 1.8, 2_000), 2)
    aum[:50] = 0.0
    return pd.DataFrame(
        {
            "customer_id": np.arange(100, 2_100),
            "aum": aum,
            "deposit_balance": np.round(aum * 0.7, 2),
            "wealth_balance": np.round(aum * 0.3, 2),
        }
    )


def test_panel_shape_and_first_quarter(customers):
    panel = kq.make_panel(customers, periods=5, random_state=0)
    assert list(panel.columns) == [
        "customer_id", "period", "quarter", "aum", "deposit_balance", "wealth_balance"
    ]
    first = panel[panel["period"] == 0]
    np.testing.assert_array_equal(first["aum"], customers["aum"])
    assert str(first["quarter"].iloc[0]) == "2024Q1"
    assert str(panel["quarter"].max()) == "2025Q1"
    assert not panel.duplicated(["customer_id", "period"]).any()
    assert (panel["aum"] >= 0).all()


def test_panel_churn_is_absorbing_and_depends_on_aum(customers):
    panel = kq.make_panel(customers, periods=8, churn_rate=0.1, random_state=3)
    n = panel.groupby("customer_id")["period"].agg(["min", "max", "count"])
    assert (n["min"] == 0).all()
    assert (n["count"] == n["max"] + 1).all()  # once gone, never back
    assert (n["count"] < 8).mean() > 0.3
    small = customers.set_index("customer_id")["aum"] < 5e4
    lasted = n["count"].reindex(small.index)
    assert lasted[small].mean() < lasted[~small].mean()


def test_panel_drift_moves_balances_and_keeps_split(customers):
    panel = kq.make_panel(customers, periods=4, drift=0.05, volatility=0.0, shock_rate=0.0,
                          churn_rate=0.0, random_state=0)
    wide = panel.pivot(index="customer_id", columns="period", values="aum")
    pos = wide[0] > 0
    np.testing.assert_allclose(wide.loc[pos, 3] / wide.loc[pos, 0], np.exp(0.15), rtol=1e-4)
    assert (wide.loc[~pos, 3] == 0).all()
    last = panel[panel["period"] == 3]
    np.testing.assert_allclose(last["deposit_balance"], last["aum"] * 0.7, atol=0.02)


def test_panel_is_reproducible(customers):
    a = kq.make_panel(customers, random_state=7)
    pd.testing.assert_frame_equal(a, kq.make_panel(customers, random_state=7))
    assert not a.equals(kq.make_panel(customers, random_state=8))


def test_panel_without_balance_columns_and_single_period():
    c = pd.DataFrame({"customer_id": [1, 2], "aum": [10.0, 20.0]})
    p = kq.make_panel(c, periods=1)
    assert list(p.columns) == ["customer_id", "period", "quarter", "aum"]
    assert len(p) == 2


@pytest.mark.parametrize(
    ("change", "error", "fragment"),
    [
        ({"customer_id": [1, 1, 2]}, SchemaError, "'customer_id' must be unique"),
        ({"aum": [1.0, np.nan, 3.0]}, SchemaError, "'aum' must be finite"),
        ({"aum": [1.0, -2.0, 3.0]}, SchemaError, "non-negative"),
    ],
)
def test_panel_bad_tables(change, error, fragment):
    c = pd.DataFrame({"customer_id": [1, 2, 3], "aum": [1.0, 2.0, 3.0]}).assign(**change)
    with pytest.raises(error, match=fragment):
        kq.make_panel(c)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"periods": 0}, "periods"), ({"churn_rate": 0.9}, "churn_rate"),
     ({"start": "spring"}, "quarter"), ({"random_state": "x"}, "random_state")],
)
def test_panel_bad_parameters(kwargs, fragment):
    c = pd.DataFrame({"customer_id": [1], "aum": [1.0]})
    with pytest.raises(ParameterError, match=fragment):
        kq.make_panel(c, **kwargs)


def test_panel_does_not_mutate(customers):
    before = customers.copy()
    kq.make_panel(customers, random_state=0)
    pd.testing.assert_frame_equal(customers, before)


def test_panel_feeds_tier_migration(customers):
    panel = kq.make_panel(customers, periods=3, random_state=0)
    panel["tier"] = kq.aum_tiers(panel, id_col=None)
    m = kq.tier_migration(panel[panel["period"] == 0], panel[panel["period"] == 2])
    assert m.summary["n"].sum() == len(customers)
