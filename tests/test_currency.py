"""Table currency (attrs["currency"]), the CNY-ladder check and kq.quantile_tiers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq


def _eur(values) -> pd.DataFrame:
    t = pd.DataFrame({"customer_id": range(len(values)), "aum": values})
    t.attrs["currency"] = "EUR"
    return t


def test_synthetic_tables_are_cny_and_public_ladders_apply():
    c = kq.make_customers(n=200, random_state=0)
    assert kq.table_currency(c) == "CNY"
    assert len(kq.aum_tiers(c, kind_col=None)) == 200


def test_cny_ladder_on_euros_is_refused_with_the_two_ways_out():
    t = _eur([100.0, 5e4, 2e6])
    with pytest.raises(kq.ParameterError) as info:
        kq.aum_tiers(t)
    msg = str(info.value)
    assert "EUR" in msg and "kq.quantile_tiers" in msg and "fx_rate=" in msg
    # converting: 5e4 EUR at 8 CNY/EUR = 400,000 CNY, 2e6 EUR = 16M CNY
    tiers = kq.aum_tiers(t, fx_rate=8.0, labels="en")
    assert tiers.tolist() == ["mass", "affluent", "private_banking"]
    assert kq.aum_tiers(t, fx_rate=8.0).tolist()[2] == "私人银行"
    # the user's own bars are taken to be in the table's currency
    own = kq.aum_tiers(t, thresholds={"low": 0, "high": 1e4})
    assert own.tolist() == ["low", "high", "high"]
    with pytest.raises(kq.ParameterError, match="already in CNY"):
        kq.aum_tiers(kq.make_customers(n=50, random_state=0), fx_rate=7.0, kind_col=None)
    with pytest.raises(kq.ParameterError, match="fx_rate"):
        kq.aum_tiers(t, fx_rate=-1.0)


def test_quantile_tiers_follow_the_data_and_keep_ties_together():
    rng = np.random.default_rng(0)
    t = _eur(rng.lognormal(8, 1.5, 10_000))
    result = kq.quantile_tiers(t)
    q = result.tiers
    shares = q.value_counts(normalize=True, sort=False).to_numpy()
    np.testing.assert_allclose(shares, [0.5, 0.3, 0.15, 0.04, 0.01], atol=1e-3)
    assert q.cat.ordered and q.index.equals(t.index) and q.name == "tier"
    assert result.currency == "EUR" and next(iter(result.bars)) == "P0–P50"
    assert result.cuts == (0.5, 0.8, 0.95, 0.99) and q.attrs == {}
    bars = list(result.bars.values())
    assert bars == sorted(bars) and np.isinf(bars[-1])
    # every customer sits at or below the bar of their tier, and above the bar of the one before
    upper = q.map(result.bars).astype(float)
    assert (t["aum"] <= upper).all()
    # scaling the currency does not move anyone
    assert kq.quantile_tiers(t.assign(aum=t["aum"] * 7.9)).tiers.equals(q)
    zeros = pd.Series([0.0] * 6 + [1.0, 2.0, 3.0, 4.0])
    zq = kq.quantile_tiers(zeros, cuts=(0.5,), labels=["low", "high"])
    assert zq.tiers.tolist() == ["low"] * 6 + ["high"] * 4 and zq.currency is None
    zh = kq.quantile_tiers(zeros, cuts=(0.5,), labels="zh")
    assert zh.tiers.cat.categories[0] == "0–50分位"


def test_quantile_tiers_result_is_a_frozen_dataclass():
    result = kq.quantile_tiers(pd.Series([1.0, 2.0, 3.0, 4.0]), cuts=(0.5,))
    assert isinstance(result, kq.QuantileTiers)
    assert [f.name for f in dataclasses.fields(result)] == ["tiers", "bars", "cuts", "currency"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.bars = {}
    assert "customers=4, cuts=(0.5,)" in repr(result)


@pytest.mark.parametrize("cuts", [(0.5, 0.5), (0.0, 0.5), (0.5, 1.0), (), ("a",)])
def test_quantile_tiers_bad_cuts(cuts):
    with pytest.raises(kq.ParameterError, match="cuts"):
        kq.quantile_tiers(pd.Series([1.0, 2.0]), cuts=cuts)


def test_quantile_tiers_bad_values_and_labels():
    with pytest.raises(kq.SchemaError, match="non-negative"):
        kq.quantile_tiers(pd.Series([1.0, -2.0]))
    with pytest.raises(kq.ParameterError, match="labels"):
        kq.quantile_tiers(pd.Series([1.0, 2.0]), cuts=(0.5,), labels=["a"])


def test_parquet_and_dask_tables_in_euros_are_refused_too(tmp_path):
    t = _eur([100.0, 5e4, 2e6])
    t.to_parquet(tmp_path / "eur.parquet")  # pandas stores attrs (the currency) in the file
    with pytest.raises(kq.ParameterError) as info:
        kq.aum_tiers(tmp_path / "eur.parquet")
    assert str(info.value) == (
        "aum_tiers: the Parquet table's money is in EUR (attrs['currency'] stored with it), but "
        "the 'industry' ladder's bars are in CNY, so its tiers would mean nothing here. Either "
        "pass thresholds= in EUR, or convert the AUM column to CNY first (fx_rate= and "
        "kq.quantile_tiers take a pandas table).")
    bars = {"low": 0.0, "high": 1e4}
    assert kq.aum_tiers(tmp_path / "eur.parquet", thresholds=bars).tolist() == \
        kq.aum_tiers(t, thresholds=bars).tolist() == ["low", "high", "high"]
    cny = t.copy()
    cny.attrs["currency"] = "CNY"
    cny.to_parquet(tmp_path / "cny.parquet")
    assert len(kq.aum_tiers(tmp_path / "cny.parquet")) == 3
    with pytest.raises(kq.SchemaError, match=r"different currencies \(CNY, EUR"):
        kq.aum_tiers(str(tmp_path / "*.parquet"))
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(kq.ParameterError, match="the Dask table's money is in EUR"):
        kq.aum_tiers(dd.from_pandas(t, npartitions=1))
