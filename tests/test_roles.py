"""Column roles of the customer table: only the id is required; a function that needs AUM says so
and refuses a table without it by naming the need (kequn_lib._validation.NEEDS)."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib._validation import NEEDS, ROLES, role_candidates


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
        "aum_tiers needs an AUM column ('aum'); this table has no asset column such as "
        "deposits, investments or wealth products (it has: 'customer_id', 'card_balance', "
        "'credit_limit', 'age', 'tenure_months', 'card_level'; loans, card balances and credit "
        "limits are not assets): add AUM, e.g. data['aum'] = data[['deposit_balance', "
        "'wealth_balance']].sum(axis=1), or pass aum_col= naming the column that holds it.")
    assert err.value.column == "aum"
    loans = pd.DataFrame({"customer_id": [1, 2], "deposit_balance": [5.0, 7.0],
                          "loan_balance": [1e5, 2e5], "age": [30, 40]})
    with pytest.raises(kq.SchemaError) as err:
        kq.estimate_wallet(loans, features=["age"])
    assert str(err.value) == (
        "estimate_wallet needs an AUM column ('aum'); this table has deposit_balance: pass "
        "target_col='deposit_balance' if that is the measure, or build AUM as data['aum'] = "
        "data[['deposit_balance']].sum(axis=1) (deposits plus wealth products; loans, card "
        "balances and credit limits are not assets).")
    with pytest.raises(kq.SchemaError, match="this table has no asset column"):
        kq.aum_tiers(pd.DataFrame({"customer_id": ["a"], "region": ["n"]}))


def test_only_columns_that_fit_the_role_are_offered():
    table = pd.DataFrame({
        "customer_id": [1], "loan_balance": [9.0], "credit_limit": [5.0], "card_balance": [1.0],
        "MortgageOutstanding": [3.0], "overdraft_limit": [2.0], "LoanAmt": [4.0],
        "贷款余额": [6.0], "信用卡余额": [1.0], "age": [40], "tenure_months": [12],
        "has_deposit": [True], "true_wallet": [8.0], "refund_12m": [1.0],
        "Savings": [7.0], "TotalAssets": [11.0], "fund_value": [2.0], "存款余额": [3.0],
    })
    assert role_candidates(table, "aum") == ["Savings", "TotalAssets", "fund_value", "存款余额"]
    assert role_candidates(table, "deposit") == ["Savings", "存款余额"]
    assert role_candidates(table, "loan") == ["loan_balance", "MortgageOutstanding", "LoanAmt",
                                              "贷款余额"]
    owed = table[["customer_id", "loan_balance", "credit_limit", "card_balance", "LoanAmt",
                  "贷款余额", "age"]]
    assert role_candidates(owed, "aum") == []
    for call in (lambda d: kq.aum_tiers(d), lambda d: kq.quantile_tiers(d),
                 lambda d: kq.estimate_wallet(d, features=["age"]),
                 lambda d: kq.plot_aum_distribution(d)):
        with pytest.raises(kq.SchemaError) as err:
            call(owed)
        msg = str(err.value)
        assert "this table has no asset column" in msg and "=" not in msg.split(":")[1], msg
    with pytest.raises(kq.SchemaError) as err:
        kq.aum_tiers(table)
    assert str(err.value).startswith(
        "aum_tiers needs an AUM column ('aum'); this table has TotalAssets, Savings, fund_value, "
        "存款余额: pass aum_col='TotalAssets' if that is the measure, or build AUM as "
        "data['aum'] = data[['Savings', 'fund_value', '存款余额']].sum(axis=1)")


def test_contribution_needs_a_balance_role(cards):
    for missing in ("error", "zero"):
        with pytest.raises(kq.SchemaError) as err:
            kq.contribution(cards, missing=missing)
        assert str(err.value).startswith(
            "contribution needs a deposit balance column, a loan balance column or a "
            "wealth-product balance column ('deposit_balance', 'loan_balance' or "
            "'wealth_balance'); this table has none of them (it has: 'customer_id', ")
        assert err.value.column == "deposit_balance"
    renamed = pd.DataFrame({"customer_id": [1], "Savings": [5e4], "products_held": [1]})
    with pytest.raises(kq.SchemaError, match=re.escape(
            "this table has Savings: rename the one that holds it, e.g. "
            "data.rename(columns={'Savings': 'deposit_balance'}).")):
        kq.contribution(renamed, missing="zero")
    out = kq.contribution(renamed.rename(columns={"Savings": "deposit_balance"}), missing="zero")
    assert out["nii_deposit"].iloc[0] > 0


def test_needs_are_declared_once_and_stated_in_the_docstrings():
    for name, needs in NEEDS.items():
        func = getattr(kq, name)
        params = inspect.signature(func).parameters
        doc = inspect.getdoc(func)
        for role, keyword in needs.items():
            assert role in ROLES, (name, role)
            if keyword is None:  # read under the role's default column name
                assert ROLES[role][1][0] in doc, (name, role)
            else:
                assert keyword in params, (name, role, keyword)
        assert ("AUM role" if list(needs) == ["aum"] else "balance role") in doc, name
