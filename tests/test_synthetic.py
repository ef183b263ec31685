"""The embedded synthetic bank: shape, types, determinism and documented properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq

EXPECTED_COLUMNS = [
    "customer_id", "bank", "customer_kind", "industry", "region", "age", "education",
    "tenure_months", "has_deposit", "has_loan", "has_remittance", "has_safe_box",
    "deposit_balance", "wealth_balance", "aum", "loan_balance", "fx_volume_12m",
    "remittance_count_12m", "fee_income_12m", "card_level", "products_held", "app_logins_90d",
    "rm_contacts_90d", "referrals_12m", "true_persona", "true_wallet",
]


def test_columns_and_dtypes(customers):
    assert list(customers.columns) == EXPECTED_COLUMNS
    assert isinstance(customers.index, pd.RangeIndex)
    money = ["deposit_balance", "wealth_balance", "aum", "loan_balance", "fx_volume_12m",
             "fee_income_12m", "true_wallet"]
    assert all(customers[c].dtype == "float64" for c in money)
    counts = ["tenure_months", "remittance_count_12m", "products_held", "app_logins_90d",
              "rm_contacts_90d", "referrals_12m", "customer_id"]
    assert all(customers[c].dtype == "int64" for c in counts)
    assert all(customers[c].dtype == bool for c in
               ["has_deposit", "has_loan", "has_remittance", "has_safe_box"])
    assert customers["age"].dtype == "Int64"
    assert customers["card_level"].cat.ordered
    assert list(customers["card_level"].cat.categories) == ["standard", "gold", "platinum",
                                                            "diamond"]
    assert customers["education"].cat.ordered
    assert set(customers["bank"].cat.categories) == {"ICBC", "ABC", "CCB", "BOC"}


def test_passes_its_own_schema(customers):
    assert kq.validate_customers(customers) is customers


def test_same_seed_same_bytes_and_different_seed_differs():
    a = kq.make_customers(n=2_000, random_state=7)
    b = kq.make_customers(n=2_000, random_state=7)
    c = kq.make_customers(n=2_000, random_state=8)
    pd.testing.assert_frame_equal(a, b)
    assert pd.util.hash_pandas_object(a).equals(pd.util.hash_pandas_object(b))
    assert not a["aum"].equals(c["aum"])


def test_generator_random_state_is_accepted():
    rng = np.random.default_rng(3)
    assert len(kq.make_customers(n=10, random_state=rng)) == 10


def test_money_is_consistent_and_non_negative(customers):
    money = customers[["deposit_balance", "wealth_balance", "aum", "loan_balance",
                       "fx_volume_12m", "fee_income_12m", "true_wallet"]]
    assert (money >= 0).all().all()
    np.testing.assert_allclose(customers["aum"],
                               customers["deposit_balance"] + customers["wealth_balance"])
    assert (customers["true_wallet"] >= customers["aum"]).all()
    assert (customers.loc[~customers["has_loan"], "loan_balance"] == 0).all()
    assert (customers.loc[customers["has_loan"], "loan_balance"] > 0).all()


def test_individual_aum_concentration_matches_the_calibration_target():
    # CMB 2023 H1: customers >= 50万 held ~81.5% of retail AUM; target 70-90% with < 10% heads
    big = kq.make_customers(n=60_000, random_state=1)
    ind = big[big["customer_kind"] == "individual"]
    rich = ind["aum"] >= 5e5
    assert rich.mean() < 0.10
    assert 0.70 <= ind.loc[rich, "aum"].sum() / ind["aum"].sum() <= 0.90


def test_bank_mixes_reflect_historical_focus():
    big = kq.make_customers(n=40_000, random_state=2)
    mix = pd.crosstab(big["bank"], big["industry"], normalize="index")
    for bank, sector in [("ABC", "agriculture"), ("CCB", "construction"),
                         ("BOC", "foreign_trade"), ("ICBC", "manufacturing")]:
        assert mix.loc[bank, sector] == mix[sector].max(), (bank, sector)
    fx = big.groupby("bank", observed=True)["fx_volume_12m"].mean()
    assert fx.idxmax() == "BOC"
    rural = pd.crosstab(big["bank"], big["region"], normalize="index")["rural"]
    assert rural.idxmax() == "ABC"


def test_corporates_have_no_personal_attributes(customers):
    corp = customers["customer_kind"] == "corporate"
    assert corp.any() and (~corp).any()
    assert customers.loc[corp, "age"].isna().all()
    assert customers.loc[corp, "education"].isna().all()
    assert customers.loc[corp, "card_level"].isna().all()
    assert customers.loc[~corp, "age"].between(18, 95).all()
    assert customers.loc[~corp, "card_level"].notna().all()


def test_card_level_follows_aum(customers):
    ind = customers[customers["customer_kind"] == "individual"]
    medians = ind.groupby("card_level", observed=True)["aum"].median()
    assert medians.is_monotonic_increasing


def test_single_bank_and_case_insensitive():
    abc = kq.make_customers(n=500, bank="abc", random_state=0)
    assert set(abc["bank"].unique()) == {"ABC"}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n": 0}, "n must be >= 1, got 0"),
        ({"n": -5}, "n must be >= 1, got -5"),
        ({"n": 2.5}, "n must be an integer"),
        ({"n": "100"}, "n must be an integer"),
        ({"n": True}, "n must be an integer"),
        ({"bank": "HSBC"}, "'ICBC', 'ABC', 'CCB', 'BOC'"),
        ({"random_state": "seed"}, "random_state must be None, a non-negative int"),
    ],
)
def test_make_customers_bad_input(kwargs, fragment):
    with pytest.raises(kq.ParameterError, match=fragment.replace("(", r"\(")):
        kq.make_customers(**kwargs)


def test_transactions_shape_and_determinism(customers, transactions):
    assert list(transactions.columns) == ["customer_id", "date", "amount", "kind", "channel"]
    assert transactions["date"].dtype == "datetime64[ns]"
    assert (transactions["amount"] > 0).all()
    assert transactions["customer_id"].isin(customers["customer_id"]).all()
    assert transactions["date"].is_monotonic_increasing
    assert transactions["date"].min() >= pd.Timestamp("2024-01-01")
    assert transactions["date"].max() < pd.Timestamp("2024-07-01")
    again = kq.make_transactions(customers, months=6, random_state=0)
    pd.testing.assert_frame_equal(transactions, again)
    kq.validate_transactions(transactions)


def test_transactions_follow_engagement(customers, transactions):
    per_customer = transactions.groupby("customer_id").size()
    counts = customers.set_index("customer_id")["app_logins_90d"]
    active = per_customer.reindex(counts.index, fill_value=0)
    high = active[counts > counts.quantile(0.8)].mean()
    low = active[counts < counts.quantile(0.2)].mean()
    assert high > 2 * low
    app_share = (transactions["channel"] == "app").groupby(transactions["customer_id"]).mean()
    digital = counts.reindex(app_share.index)
    assert np.corrcoef(app_share, digital)[0, 1] > 0.3
    fx_ids = customers.loc[customers["fx_volume_12m"] == 0, "customer_id"]
    assert not transactions.loc[transactions["customer_id"].isin(fx_ids), "kind"].eq("fx").any()


def test_transactions_do_not_mutate_input(customers):
    before = customers.copy()
    kq.make_transactions(customers, months=1, random_state=0)
    pd.testing.assert_frame_equal(customers, before)


def test_transactions_missing_customer_id_is_a_schema_error(customers):
    with pytest.raises(kq.SchemaError, match="missing column.*'customer_id'") as info:
        kq.make_transactions(customers.drop(columns="customer_id"))
    assert info.value.column == "customer_id"
    assert "The table has:" in str(info.value)


def test_transactions_bad_input():
    frame = pd.DataFrame({"customer_id": [1, 1], "aum": [1.0, 2.0]})
    with pytest.raises(kq.SchemaError, match="must be unique"):
        kq.make_transactions(frame)
    frame = pd.DataFrame({"customer_id": [1, 2], "aum": [1.0, -2.0]})
    with pytest.raises(kq.SchemaError, match="non-negative"):
        kq.make_transactions(frame)
    with pytest.raises(kq.ParameterError, match="months must be between 1 and 120"):
        kq.make_transactions(pd.DataFrame({"customer_id": [1], "aum": [1.0]}), months=0)
    with pytest.raises(kq.ParameterError, match="is not a date"):
        kq.make_transactions(pd.DataFrame({"customer_id": [1], "aum": [1.0]}), start="soon")
    with pytest.raises(TypeError, match="expected a pandas DataFrame"):
        kq.make_transactions([1, 2, 3])
