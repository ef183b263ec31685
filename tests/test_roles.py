"""Column roles of the customer table: only the id is required; a function that needs AUM says so
and refuses a table without it by naming the need (kequn_lib._validation.NEEDS)."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib._validation import NEEDS, ROLES


@pytest.fixture(scope="module")
def cards() -> pd.DataFrame:
    """A card portfolio: no AUM, no deposits."""
    rng = np.random.default_rng(0)
    n = 240
    return pd.DataFrame({
        "customer_id": [f"K{i:04d}" for i in range(n)],
        "card_balance": rng.gamma(2.0, 3000.0, n),
        "credit_limit": rng.choice([1e4, 2e4, 5e4, 1e5], n),
        "age": rng.integers(20, 75, n),
        "tenure_months": rng.integers(1, 240, n),
        "card_level": rng.choice(["standard", "gold"], n),
    })


def test_a_card_portfolio_is_a_customer_table(cards):
    assert kq.validate_customers(cards) is cards
    with pytest.raises(kq.SchemaError, match="'credit_limit' must be non-negative"):
        kq.validate_customers(cards.assign(credit_limit=-cards["credit_limit"]))
    with pytest.raises(kq.SchemaError, match="'customer_id'"):
        kq.validate_customers(cards.drop(columns="customer_id"))


def test_functions_that_do_not_need_aum_take_a_card_portfolio(cards):
    rng = np.random.default_rng(1)
    log = pd.DataFrame({"customer_id": rng.choice(cards["customer_id"], 900),
                        "date": pd.Timestamp("2024-01-01")
                        + pd.to_timedelta(rng.integers(0, 365, 900), unit="D"),
                        "amount": rng.gamma(2.0, 200.0, 900)})
    assert len(kq.rfm(log)) == log["customer_id"].nunique()
    pipe = kq.segment_pipeline(n_clusters=3)
    labels = pipe.fit_predict(cards)
    names = pipe.named_steps["prepare"].get_feature_names_out().tolist()
    assert "money__card_balance" in names and "money__credit_limit" in names
    prof = kq.profile_segments(cards, labels)
    assert {"z_card_balance", "z_credit_limit"} <= set(prof.columns)
    groups = kq.dunbar_groups(cards, by=labels)
    assert len(groups) == len(cards)
    tiers = kq.quantile_tiers(cards, aum_col="credit_limit", cuts=(0.5, 0.9))
    assert len(tiers.tiers) == len(cards)


def test_a_function_that_needs_aum_names_the_need(cards):
    with pytest.raises(kq.SchemaError) as err:
        kq.aum_tiers(cards)
    assert str(err.value) == (
        "aum_tiers needs an AUM column ('aum'); this table has card_balance, credit_limit: "
        "pass aum_col='card_balance' if that is the measure, or build AUM as data['aum'] = "
        "data[['deposit_balance', 'wealth_balance']].sum(axis=1) (deposits plus wealth "
        "products; loans and card limits are not assets).")
    assert err.value.column == "aum"
    loans = pd.DataFrame({"customer_id": [1, 2], "deposit_balance": [5.0, 7.0],
                          "loan_balance": [1e5, 2e5], "age": [30, 40]})
    with pytest.raises(kq.SchemaError, match=r"estimate_wallet needs an AUM column \('aum'\); "
                       r"this table has deposit_balance, loan_balance: pass target_col="
                       r"'deposit_balance' .* data\[\['deposit_balance'\]\]\.sum"):
        kq.estimate_wallet(loans, features=["age"])
    with pytest.raises(kq.SchemaError, match="this table has no balance column"):
        kq.aum_tiers(pd.DataFrame({"customer_id": ["a"], "region": ["n"]}))


def test_needs_are_declared_once_and_stated_in_the_docstrings():
    for name, needs in NEEDS.items():
        func = getattr(kq, name)
        params = inspect.signature(func).parameters
        for role, keyword in needs.items():
            assert role in ROLES and keyword in params, (name, role, keyword)
            assert "AUM role" in inspect.getdoc(func), name
