"""Tests of the Markov reading of tier migration (Migration.project, steady_state,
expected_periods)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.errors import ParameterError

T = pd.CategoricalDtype(["low", "mid", "high"], ordered=True)


@pytest.fixture
def migration():
    rng = np.random.default_rng(0)
    n = 3000
    before = pd.Series(rng.choice(["low", "mid", "high"], n, p=[0.6, 0.3, 0.1]),
                       index=np.arange(n), dtype=T)
    # each step: stay 80%, move one tier 15%, leave 5%; 300 newcomers, all in "low"
    move = rng.random(n)
    codes = before.cat.codes.to_numpy().copy()
    up = (move < 0.075) & (codes < 2)
    down = (move >= 0.075) & (move < 0.15) & (codes > 0)
    codes[up] += 1
    codes[down] -= 1
    stay = move < 0.95
    after = pd.Series(pd.Categorical.from_codes(codes[stay], dtype=T), index=np.arange(n)[stay])
    new = pd.Series(pd.Categorical(["low"] * 300, dtype=T), index=np.arange(n, n + 300))
    return kq.tier_migration(before, pd.concat([after, new]))


def test_project_rows_sum_to_one_and_match_matrix_powers(migration):
    for steps in (1, 2, 5):
        p = migration.project(steps=steps)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(migration.project(1).to_numpy(), migration.shares.to_numpy())
    P = migration.shares.to_numpy()[:3]
    two = migration.project(2)
    # low -> high in two steps = sum over the middle tier
    assert two.loc["low", "high"] == pytest.approx(
        sum(P[0, j] * P[j, 2] for j in range(3)))
    # exited is absorbing: its share only grows
    exits = [migration.project(s).loc["high", "流失 exited"] for s in (1, 2, 4, 8)]
    assert exits == sorted(exits)
    # newcomers start in "low" then move like everyone else
    np.testing.assert_allclose(two.loc["新增 new"].to_numpy(), migration.project(1).iloc[0])


def test_steady_state_is_stationary(migration):
    pi = migration.steady_state()
    assert pi.sum() == pytest.approx(1.0)
    P = migration.shares.to_numpy()
    Q, exit_p = P[:3, :3], P[:3, 3]
    entry = P[3, :3]
    R = Q + exit_p[:, None] * entry[None, :]
    np.testing.assert_allclose(pi.to_numpy() @ R, pi.to_numpy(), atol=1e-10)
    high_entry = migration.steady_state(entry_mix={"high": 1.0})
    assert high_entry["high"] > pi["high"]


def test_expected_periods(migration):
    e = migration.expected_periods()
    # with a 5% exit chance per step, a customer stays about 20 steps
    assert e.loc["low", "total"] == pytest.approx(20.0, rel=0.15)
    assert (e.loc["high", "high"] > e.loc["low", "high"])
    assert e.loc["新增 new", "total"] == pytest.approx(e.loc["low", "total"])


def test_no_newcomers_and_no_exits():
    b = pd.Series(["low", "mid"], index=[1, 2], dtype=T)
    a = pd.Series(["low"], index=[1], dtype=T)
    m = kq.tier_migration(b, a)
    assert m.project(3).loc["新增 new"].sum() == 0.0
    with pytest.raises(ParameterError, match="entry_mix"):
        m.steady_state()
    assert m.steady_state(entry_mix={"low": 1.0})["low"] == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="infinite"):
        m.expected_periods()  # nobody left "low"
    with pytest.raises(ParameterError, match="steps"):
        m.project(0)
    with pytest.raises(ParameterError, match="unknown"):
        m.steady_state(entry_mix={"top": 1.0})
