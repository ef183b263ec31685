"""Properties (hypothesis) not already covered next to their modules.

Already covered elsewhere, not repeated here:

* tests/test_tiering.py: tiers monotone in AUM (``test_tiers_monotone_in_aum``); Pareto shares
  sum to 1 and tiers contiguous in rank (``test_pareto_shares_sum_to_one_and_tiers_contiguous``)
  and equal to a slow reference (``test_pareto_tiers_equal_slow_reference``); ``rfm`` invariant
  to row order (``test_rfm_invariant_to_row_order``); ``rfm`` equal to the slow reference on
  fixed seeds (``test_rfm_equals_reference``, parametrised, not hypothesis).
* tests/test_groups.py: Dunbar groups partition exactly within the band
  (``test_property_partition_exact_and_sizes_in_band``,
  ``test_property_any_band_never_exceeds_max``).
* tests/test_lending.py: calibrated books honour their facts for any allowed free parameter
  (``test_webank_books_honour_facts_for_any_allowed_free_parameter``,
  ``test_mybank_books_honour_facts_for_any_allowed_free_parameter``); tolerance simulation
  monotone (``test_looser_tolerance_never_lowers_approval``, ``test_monotone_for_any_pool``);
  volume decomposition adds up (``test_decomposition_adds_up_for_any_summary``).

Added here: ``rfm`` equals the slow reference on *generated* logs; tiers follow their bars
exactly and ignore row order; concentration (Lorenz, Gini, top shares) is well formed; RFM scores
stay in range and follow the order of their measure; value-matrix quadrants agree with the cuts;
migration counts every customer once; partition comparison is label-free and symmetric;
relationship layers are nested; contribution components add up; growth paths compound.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kequn_lib as kq

from .test_tiering import slow_rfm

FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
money = st.floats(0, 1e8, allow_nan=False, allow_infinity=False)


# --- rfm against the plain reference -------------------------------------------------------------

events = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 90 * 24), st.floats(0.01, 1e6)),
    min_size=1, max_size=40,
)


@FAST
@given(events=events, freq=st.sampled_from(["D", "W"]), end_days=st.none() | st.integers(0, 120))
def test_rfm_equals_slow_reference_on_generated_logs(events, freq, end_days):
    start = pd.Timestamp("2024-01-01")
    tx = pd.DataFrame({
        "customer_id": [c for c, _, _ in events],
        "date": [start + pd.Timedelta(hours=h) for _, h, _ in events],
        "amount": [a for _, _, a in events],
    })
    end = None if end_days is None else start + pd.Timedelta(days=end_days)
    if end is not None and tx["date"].min() > end:
        return  # nothing observed before the end: covered by the error tests
    expected = slow_rfm(tx, end, freq)
    got = kq.rfm(tx, observation_end=end, freq=freq)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)


# --- tiers ----------------------------------------------------------------------------------------


@FAST
@given(values=st.lists(money, min_size=1, max_size=40),
       bars=st.lists(st.floats(1, 1e7), min_size=1, max_size=4, unique=True),
       seed=st.integers(0, 1000))
def test_tiers_follow_their_bars_and_ignore_row_order(values, bars, seed):
    bars = sorted(bars)
    thresholds = {"t0": 0.0} | {f"t{i + 1}": b for i, b in enumerate(bars)}
    data = pd.DataFrame({"aum": values})
    tiers = kq.aum_tiers(data, thresholds=thresholds)
    expected = [f"t{int(np.searchsorted(bars, v, side='right'))}" for v in values]
    assert tiers.astype(str).tolist() == expected
    perm = np.random.default_rng(seed).permutation(len(data))
    shuffled = kq.aum_tiers(data.iloc[perm], thresholds=thresholds)
    pd.testing.assert_series_equal(shuffled.sort_index(), tiers)


@FAST
@given(values=st.lists(st.floats(0, 1e9), min_size=1, max_size=60).filter(lambda v: sum(v) > 0))
def test_concentration_is_well_formed(values):
    c = kq.concentration(pd.Series(values), top=(0.1, 0.5), points=21)
    assert 0.0 <= c.gini < 1.0
    lorenz = c.lorenz
    assert lorenz["value_share"].is_monotonic_increasing
    assert lorenz["value_share"].iloc[0] == 0.0
    assert lorenz["value_share"].iloc[-1] == pytest.approx(1.0)
    assert (lorenz["value_share"] <= lorenz["customer_share"] + 1e-9).all()  # below the diagonal
    shares = c.top_shares["value_share"].to_numpy()
    assert (np.diff(shares) >= -1e-12).all() and (shares <= 1 + 1e-12).all()
    assert c.total == pytest.approx(sum(values))


@FAST
@given(rows=st.lists(st.tuples(st.integers(0, 30), st.floats(0, 300), st.floats(0, 1e5)),
                     min_size=3, max_size=40),
       bins=st.integers(2, 6))
def test_rfm_scores_in_range_and_ordered(rows, bins):
    table = pd.DataFrame({"frequency": [float(f) for f, _, _ in rows],
                          "recency": [r for _, r, _ in rows], "T": 400.0,
                          "monetary_value": [m for _, _, m in rows]})
    scores = kq.rfm_scores(table, bins=bins)
    for col, measure in (("f_score", "frequency"), ("r_score", "recency"),
                         ("m_score", "monetary_value")):
        s = scores[col].astype(int)
        assert s.between(1, bins).all()
        order = table[measure].sort_values(kind="stable").index
        assert s.loc[order].is_monotonic_increasing, col  # a larger measure never scores lower


# --- potential ------------------------------------------------------------------------------------


@FAST
@given(rows=st.lists(st.tuples(st.floats(-1e5, 1e6), st.floats(0, 1e7)), min_size=2,
                     max_size=40),
       q=st.floats(0.1, 0.9))
def test_value_matrix_quadrants_agree_with_the_cuts(rows, q):
    data = pd.DataFrame(rows, columns=["contribution", "potential"])
    out = kq.value_matrix(data, quantile=q)
    high_c = out["quadrant"].isin(["develop", "keep"])
    high_p = out["quadrant"].isin(["develop", "grow"])
    # every high row is at or above every low row on each axis
    if high_c.any() and (~high_c).any():
        assert data.loc[high_c, "contribution"].min() >= data.loc[~high_c, "contribution"].max()
    if high_p.any() and (~high_p).any():
        assert data.loc[high_p, "potential"].min() >= data.loc[~high_p, "potential"].max()


# --- migration and partitions ---------------------------------------------------------------------

tiers_st = st.sampled_from(["low", "mid", "high"])


@FAST
@given(before=st.dictionaries(st.integers(0, 60), tiers_st, min_size=1, max_size=40),
       after=st.dictionaries(st.integers(0, 60), tiers_st, max_size=40))
def test_migration_counts_every_customer_once(before, after):
    t = pd.CategoricalDtype(["low", "mid", "high"], ordered=True)
    b = pd.Series(before, dtype=t)
    a = pd.Series(after, dtype=t)
    m = kq.tier_migration(b, a)
    n = m.summary.set_index("direction")["n"]
    assert n[["up", "stay", "down", "exited"]].sum() == len(b)
    assert n["new"] == len(set(after) - set(before))
    assert int(m.counts.to_numpy().sum()) == len(set(before) | set(after))


@FAST
@given(labels=st.lists(st.integers(0, 4), min_size=2, max_size=60),
       other=st.lists(st.integers(0, 3), min_size=60, max_size=60),
       seed=st.integers(0, 100))
def test_partition_comparison_is_label_free_and_symmetric(labels, other, seed):
    a = pd.Series(labels)
    b = pd.Series(other[: len(labels)])
    relabel = dict(zip(range(5), np.random.default_rng(seed).permutation(["p", "q", "r", "s",
                                                                           "t"]), strict=True))
    same = kq.compare_partitions(a, a.map(relabel))
    assert same.adjusted_rand == pytest.approx(1.0)
    if a.nunique() > 1:
        assert same.nmi == pytest.approx(1.0)
    ab, ba = kq.compare_partitions(a, b), kq.compare_partitions(b, a)
    assert ab.adjusted_rand == pytest.approx(ba.adjusted_rand)
    assert ab.nmi == pytest.approx(ba.nmi)
    assert int(ab.crosstab.to_numpy().sum()) == len(a)


# --- groups, contribution, growth -----------------------------------------------------------------

behaviour = st.tuples(st.integers(0, 20), st.integers(0, 5), st.integers(0, 8), st.floats(0, 1e6),
                      st.floats(0, 1e6), st.integers(0, 4))


@FAST
@given(rows=st.lists(behaviour, min_size=1, max_size=40))
def test_relationship_layers_are_nested(rows):
    data = pd.DataFrame(rows, columns=["app_logins_90d", "rm_contacts_90d", "products_held",
                                       "wealth_balance", "deposit", "referrals_12m"])
    data["aum"] = data["wealth_balance"] + data["deposit"]
    crit = kq.layer_criteria(data)
    layers = kq.relationship_layers(data)
    loose = kq.relationship_layers(data, rules=kq.LayerRules(nested=False))
    code = layers.cat.codes
    assert ((code >= 1) == crit["service"]).all()
    assert ((code >= 2) == (crit["service"] & crit["trust"])).all()
    assert ((code >= 3) == crit.all(axis=1)).all()
    assert (loose.cat.codes >= code).all()  # counting any rule met never ranks lower


@FAST
@given(rows=st.lists(st.tuples(money, money, money, st.floats(0, 1e5), st.floats(0, 1e6),
                               st.integers(0, 8), st.integers(0, 10)), min_size=1, max_size=30))
def test_contribution_components_add_up(rows):
    cols = ["deposit_balance", "loan_balance", "wealth_balance", "fee_income_12m",
            "fx_volume_12m", "products_held", "rm_contacts_90d"]
    out = kq.contribution(pd.DataFrame(rows, columns=cols))
    parts = out["nii_deposit"] + out["nii_loan"] + out["wealth_fee"] + out["fee_income"] + \
        out["fx_income"] - out["cost_to_serve"]
    np.testing.assert_allclose(out["contribution"], parts, rtol=1e-9, atol=1e-6)
    assert (out["cost_to_serve"] >= 0).all()


@FAST
@given(start=st.floats(0.01, 1e6), rate=st.floats(-0.5, 1.0), months=st.integers(1, 36))
def test_growth_path_compounds(start, rate, months):
    p = kq.growth_path(start, monthly_rate=rate, months=months)
    assert len(p) == months + 1
    np.testing.assert_allclose(p["growth_factor"], (1 + rate) ** np.arange(months + 1),
                               rtol=1e-9)
