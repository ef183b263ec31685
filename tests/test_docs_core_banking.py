"""docs/core_banking_extract.md runs: its code blocks build a customer table from the invented
extract in tests/data/core_banking/ and run kequn on it, so the page cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import kequn_lib as kq

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "core_banking_extract.md"


def test_the_page_code_runs_and_builds_a_customer_table(monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(REPO)
    space: dict = {}
    exec(compile("\n".join(blocks), str(PAGE), "exec"), space)
    customers = space["customers"]
    clients = pd.read_csv(REPO / "tests/data/core_banking/clients.csv")
    assert len(customers) == len(clients) and customers["customer_id"].is_unique
    accounts = pd.read_csv(REPO / "tests/data/core_banking/accounts.csv")
    # every account counted once, for its owner (the disponent link adds nothing)
    assert customers[["deposit_balance", "wealth_balance"]].to_numpy().sum() == \
        pytest.approx(accounts["balance"].sum())
    assert len(space["tiers"]) == (customers["customer_kind"] == "individual").sum()
    assert not space["chosen"].loc["customer_id", "use"]
    out = capsys.readouterr().out
    assert "aum_tiers needs an AUM column" in out and "credit limits are not assets" in out
    assert "pass aum_col='credit_limit'" not in out  # a limit is never offered as AUM
    assert isinstance(space["tiers_by_limit"], kq.QuantileTiers)
