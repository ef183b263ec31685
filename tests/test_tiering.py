"""Tests of kequn_lib.tiering: AUM tiers, contribution, Pareto, concentration, RFM, migration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kequn_lib as kq
from kequn_lib.errors import KequnError, ParameterError, SchemaError

# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [10, 11, 12, 13, 14],
            "aum": [0.0, 49_999.99, 50_000.0, 600_000.0, 6_000_000.0],
            "deposit_balance": [0.0, 40_000.0, 30_000.0, 100_000.0, 1e6],
            "wealth_balance": [0.0, 9_999.99, 20_000.0, 500_000.0, 5e6],
            "loan_balance": [0.0, 0.0, 2e5, 0.0, 0.0],
            "fee_income_12m": [0.0, 10.0, 50.0, 800.0, 9_000.0],
            "fx_volume_12m": [0.0, 0.0, 0.0, 0.0, 1e6],
            "products_held": [1, 2, 3, 4, 6],
            "rm_contacts_90d": [0, 0, 1, 2, 6],
        },
        index=[5, 4, 3, 2, 1],
    )


@pytest.fixture
def log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [2, 1, 1, 1, 3, 1, 2],
            "date": pd.to_datetime(
                ["2024-03-01", "2024-01-01", "2024-01-01", "2024-01-11", "2024-02-01",
                 "2024-02-20", "2024-01-15"]
            ),
            "amount": [8.0, 10.0, 5.0, 30.0, 7.0, 50.0, 4.0],
        },
        index=[70, 71, 72, 73, 74, 75, 76],
    )


def slow_rfm(tx: pd.DataFrame, end: pd.Timestamp | None = None, freq: str = "D") -> pd.DataFrame:
    """Plain reference: one customer at a time, written from the definition."""
    def period_start(d: pd.Timestamp) -> pd.Timestamp:
        d = d.normalize()
        return d - pd.Timedelta(days=d.weekday()) if freq == "W" else d

    unit = pd.Timedelta(days=7 if freq == "W" else 1)
    end = period_start(tx["date"].max() if end is None else pd.Timestamp(end))
    rows = {}
    for cid in sorted(set(tx["customer_id"])):
        mine = tx[tx["customer_id"] == cid]
        totals: dict[pd.Timestamp, float] = {}
        for d, a in zip(mine["date"], mine["amount"], strict=True):
            p = period_start(d)
            if p <= end:
                totals[p] = totals.get(p, 0.0) + a
        if not totals:
            continue
        ps = sorted(totals)
        repeat = [totals[p] for p in ps[1:]]
        rows[cid] = {
            "frequency": float(len(ps) - 1),
            "recency": (ps[-1] - ps[0]) / unit,
            "T": (end - ps[0]) / unit,
            "monetary_value": float(np.mean(repeat)) if repeat else 0.0,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "customer_id"
    return out


def random_log(seed: int, n: int = 400, customers: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "ns")
    offsets = rng.integers(0, 120 * 86_400, n).astype("timedelta64[s]")
    return pd.DataFrame(
        {
            "customer_id": rng.integers(0, customers, n),
            "date": (start + offsets).astype("datetime64[ns]"),
            "amount": np.round(rng.lognormal(5, 1, n), 2),
        }
    )


# --- presets and aum_tiers -----------------------------------------------------------------------


def test_presets_carry_sources_and_statuses():
    table = kq.tier_presets()
    wanted = {"preset", "tier", "name_zh", "lower_bound_cny", "measured_on", "source", "status"}
    assert wanted <= set(table.columns)
    assert set(table["status"]) <= {"sourced", "unverified", "assumption"}
    sourced = table[table["status"] == "sourced"]
    assert (sourced["source"].str.len() > 0).all()
    industry = table[table["preset"] == "industry"].set_index("tier")
    assert industry.loc["private_banking", "lower_bound_cny"] == 6_000_000
    assert industry.loc["private_banking", "status"] == "sourced"
    cmb = table[table["preset"] == "cmb"].set_index("name_zh")
    assert cmb.loc["金卡", ["lower_bound_cny", "status"]].tolist() == [50_000, "unverified"]
    assert cmb.loc["金葵花", ["lower_bound_cny", "status"]].tolist() == [500_000, "sourced"]
    assert cmb.loc["钻石", ["lower_bound_cny", "status"]].tolist() == [5_000_000, "unverified"]
    assert cmb.loc["私人银行", ["lower_bound_cny", "status"]].tolist() == [10_000_000, "sourced"]
    for _, g in table.groupby("preset"):
        assert g["lower_bound_cny"].iloc[0] == 0
        assert g["lower_bound_cny"].is_monotonic_increasing


def test_tier_presets_returns_a_copy():
    table = kq.tier_presets()
    table.loc[:, "lower_bound_cny"] = -1
    assert (kq.tier_presets()["lower_bound_cny"] >= 0).all()


def test_aum_tiers_bars_are_inclusive_and_aligned(customers):
    tiers = kq.aum_tiers(customers)
    assert tiers.index.equals(customers.index)
    assert tiers.cat.ordered
    assert list(tiers.cat.categories) == ["大众", "富裕", "贵宾", "私人银行"]
    assert tiers.tolist() == ["大众", "大众", "富裕", "贵宾", "私人银行"]
    en = kq.aum_tiers(customers, preset="CMB", labels="en")
    assert en.tolist() == ["standard", "standard", "gold", "sunflower", "diamond"]


def test_aum_tiers_custom_thresholds_and_series(customers):
    tiers = kq.aum_tiers(customers["aum"], thresholds={"low": 0, "mid": 50_000, "high": 1e6})
    assert tiers.tolist() == ["low", "low", "mid", "mid", "high"]


def test_fewer_customers_than_tiers_keeps_every_category():
    tiers = kq.aum_tiers(pd.DataFrame({"aum": [10.0]}))
    assert len(tiers.cat.categories) == 4
    assert tiers.value_counts().tolist().count(0) == 3


def test_aum_tiers_empty_frame_gives_empty_series():
    tiers = kq.aum_tiers(pd.DataFrame({"customer_id": [], "aum": pd.Series([], dtype=float)}))
    assert len(tiers) == 0 and len(tiers.cat.categories) == 4


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(np.nan, "no NaN"), (np.inf, "finite"), (-1.0, "non-negative")],
)
def test_aum_tiers_bad_aum_names_column_and_row(customers, value, fragment):
    bad = customers.copy()
    bad.loc[3, "aum"] = value
    with pytest.raises(SchemaError, match=fragment) as info:
        kq.aum_tiers(bad)
    assert "'aum'" in str(info.value) and info.value.column == "aum" and info.value.rows == [3]


def test_aum_tiers_missing_column_lists_present(customers):
    with pytest.raises(SchemaError, match=r"aum_tiers needs an AUM column \('balance'\); "
                       r"this table has aum, deposit_balance, wealth_balance: pass "
                       r"aum_col='aum' .* data\[\['deposit_balance', 'wealth_balance'\]\]"):
        kq.aum_tiers(customers, aum_col="balance")


def test_aum_tiers_unknown_preset():
    with pytest.raises(ParameterError, match=r"preset='hsbc'.*'industry'"):
        kq.aum_tiers(pd.DataFrame({"aum": [1.0]}), preset="hsbc")


@pytest.mark.parametrize(
    ("thresholds", "fragment"),
    [
        ({"a": 0, "b": 5e5, "c": 5e4}, "strictly increasing"),
        ({"a": 0, "b": 0}, "strictly increasing"),
        ({"a": 0, "b": -5}, "non-negative"),
        ({"a": 10, "b": 50}, "start at 0"),
        ({}, "non-empty"),
        ({"a": 0, "b": "lots"}, "must be a number"),
    ],
)
def test_aum_tiers_bad_thresholds(thresholds, fragment):
    with pytest.raises(ParameterError, match=fragment):
        kq.aum_tiers(pd.DataFrame({"aum": [1.0]}), thresholds=thresholds)


def test_aum_tiers_duplicate_ids(customers):
    bad = customers.assign(customer_id=[1, 2, 2, 3, 4])
    with pytest.raises(SchemaError, match=r"'customer_id' must be unique.*id_col=None") as info:
        kq.aum_tiers(bad)
    assert info.value.rows == [4, 3]
    assert len(kq.aum_tiers(bad, id_col=None)) == 5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=40))
def test_tiers_monotone_in_aum(values):
    s = pd.Series(values)
    codes = kq.aum_tiers(s).cat.codes.to_numpy()
    order = np.argsort(s.to_numpy(), kind="stable")
    assert (np.diff(codes[order]) >= 0).all()


# --- contribution --------------------------------------------------------------------------------


def test_contribution_components_add_up(customers):
    model = kq.ContributionModel()
    out = kq.contribution(customers, model=model)
    assert out.index.equals(customers.index)
    row = customers.loc[3]
    assert out.loc[3, "nii_loan"] == pytest.approx(2e5 * (0.018 - 0.007))
    assert out.loc[3, "cost_to_serve"] == pytest.approx(120 + 40 * 3 + 60 * 365 / 90)
    assert out.loc[3, "nii_deposit"] == pytest.approx(row["deposit_balance"] * 0.012)
    revenue = out[["nii_deposit", "nii_loan", "wealth_fee", "fee_income", "fx_income"]].sum(axis=1)
    np.testing.assert_allclose(out["contribution"], revenue - out["cost_to_serve"])
    assert out.loc[5, "contribution"] < 0  # an empty account costs money


def test_contribution_missing_columns(customers):
    slim = customers[["customer_id", "deposit_balance"]]
    with pytest.raises(SchemaError, match=r"missing='zero'.*'loan_balance'"):
        kq.contribution(slim)
    out = kq.contribution(slim, missing="zero")
    assert out["nii_loan"].eq(0).all()


def test_contribution_rejects_bad_model_and_values(customers):
    with pytest.raises(ParameterError, match="deposit_spread"):
        kq.contribution(customers, model=kq.ContributionModel(deposit_spread=-0.01))
    bad = customers.copy()
    bad.loc[2, "loan_balance"] = -5.0
    with pytest.raises(SchemaError, match=r"'loan_balance'.*non-negative"):
        kq.contribution(bad)
    with pytest.raises(SchemaError, match="customer_id"):
        kq.contribution(customers.assign(customer_id=1))


# --- Pareto and concentration --------------------------------------------------------------------


def test_pareto_tiers_crossing_customer_in_a():
    s = pd.Series([70.0, 5.0, 20.0, 3.0, 2.0], index=list("vwxyz"))
    abc = kq.pareto_tiers(s)
    assert abc.to_dict() == {"v": "A", "w": "B", "x": "A", "y": "C", "z": "C"}


def test_pareto_tiers_negative_and_all_equal():
    abc = kq.pareto_tiers(pd.Series([10.0, -5.0, 0.0]))
    assert abc.tolist() == ["A", "C", "C"]
    equal = kq.pareto_tiers(pd.Series([1.0] * 10))
    assert equal.value_counts().to_dict() == {"A": 10, "B": 0, "C": 0}  # ties share a class
    ties = kq.pareto_tiers(pd.Series([50.0, 20.0, 20.0, 5.0, 5.0]))
    assert ties.tolist() == ["A", "A", "A", "B", "B"]
    assert kq.pareto_tiers(pd.Series([0.0, 0.0])).tolist() == ["C", "C"]
    assert len(kq.pareto_tiers(pd.Series([], dtype=float))) == 0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"cuts": (0.9, 0.8)}, "strictly increasing"), ({"cuts": (0.5, 1.0)}, "inside"),
     ({"labels": ["x", "y"]}, "3 distinct labels")],
)
def test_pareto_tiers_bad_parameters(kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        kq.pareto_tiers(pd.Series([1.0, 2.0]), **kwargs)


def test_pareto_tiers_nan():
    with pytest.raises(SchemaError, match="no NaN") as info:
        kq.pareto_tiers(pd.Series([1.0, np.nan], name="contribution"))
    assert info.value.column == "contribution"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(-1e6, 1e9, allow_nan=False), min_size=1, max_size=50))
def test_pareto_shares_sum_to_one_and_tiers_contiguous(values):
    s = pd.Series(values)
    abc = kq.pareto_tiers(s)
    pos = s.clip(lower=0)
    if pos.sum() > 0:
        shares = pos.groupby(abc, observed=False).sum() / pos.sum()
        assert shares.sum() == pytest.approx(1.0)
        assert shares.iloc[0] >= 0.8 - 1e-9
    order = np.argsort(-s.to_numpy(), kind="stable")
    codes = abc.cat.codes.to_numpy()[order]
    assert (np.diff(codes) >= 0).all()  # contiguous in rank: A then B then C


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1000, 10**9), min_size=1, max_size=50))
def test_pareto_tiers_equal_slow_reference(ints):
    v = np.array(ints, dtype=float)
    pos = np.clip(v, 0, None)
    total = pos.sum()
    expected = []
    for x in v:  # share held by strictly larger values, then the first cut above it
        below_or_equal = pos[v <= x].sum()
        n_over = sum(below_or_equal <= (1 - c) * total for c in (0.8, 0.95))
        expected.append("ABC"[n_over] if total > 0 and x > 0 else "C")
    assert kq.pareto_tiers(pd.Series(v)).tolist() == expected


def test_concentration_known_values():
    c = kq.concentration(pd.Series([1.0, 1.0, 1.0, 97.0]), top=(0.25, 0.5), points=5)
    assert c.gini == pytest.approx(2 * (1 + 2 + 3 + 4 * 97) / (4 * 100) - 5 / 4)
    assert c.top_shares["value_share"].tolist() == pytest.approx([0.97, 0.98])
    assert c.top_shares["n_customers"].tolist() == [1, 2]
    np.testing.assert_allclose(c.lorenz["value_share"], [0, 0.01, 0.02, 0.03, 1.0])
    assert c.n == 4 and c.total == 100


def test_concentration_all_equal_is_zero_gini():
    c = kq.concentration(np.full(7, 3.0))
    assert c.gini == 0.0
    np.testing.assert_allclose(c.lorenz["value_share"], c.lorenz["customer_share"])


@pytest.mark.parametrize(
    ("values", "fragment"),
    [([], "empty"), ([0.0, 0.0], "sums to 0"), ([1.0, -2.0], "non-negative"),
     ([1.0, np.inf], "finite")],
)
def test_concentration_bad_values(values, fragment):
    with pytest.raises(SchemaError, match=fragment):
        kq.concentration(pd.Series(values, dtype=float))


def test_concentration_clip_negative_and_bad_top():
    assert kq.concentration([1.0, -2.0, 3.0], negative="clip").total == 4.0
    with pytest.raises(ParameterError, match="top"):
        kq.concentration([1.0, 2.0], top=(0.0,))


# --- RFM -----------------------------------------------------------------------------------------


def test_rfm_matches_hand_computed(log):
    out = kq.rfm(log, observation_end="2024-03-31")
    assert out.index.tolist() == [1, 2, 3]
    assert out.loc[1].tolist() == [2.0, 50.0, 90.0, 40.0]  # periods Jan 1 (15), Jan 11, Feb 20
    assert out.loc[2].tolist() == [1.0, 46.0, 76.0, 8.0]
    assert out.loc[3].tolist() == [0.0, 0.0, 59.0, 0.0]  # one transaction: frequency 0


@pytest.mark.parametrize("freq", ["D", "W"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rfm_equals_reference(seed, freq):
    tx = random_log(seed)
    end = pd.Timestamp("2024-04-10")
    pd.testing.assert_frame_equal(
        kq.rfm(tx, observation_end=end, freq=freq), slow_rfm(tx, end, freq), rtol=1e-12
    )
    pd.testing.assert_frame_equal(kq.rfm(tx, freq=freq), slow_rfm(tx, None, freq), rtol=1e-12)


def test_rfm_hash_path_equals_reference(monkeypatch):
    tx = random_log(3, n=80, customers=40)
    tx.loc[0, "date"] = pd.Timestamp("1900-01-01")  # wide span forces the hash branch
    pd.testing.assert_frame_equal(kq.rfm(tx), slow_rfm(tx), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_rfm_invariant_to_row_order(seed, rnd):
    tx = random_log(seed, n=60, customers=8)
    perm = list(range(len(tx)))
    rnd.shuffle(perm)
    pd.testing.assert_frame_equal(kq.rfm(tx), kq.rfm(tx.iloc[perm]), rtol=1e-12)


def test_rfm_string_dates_and_tz():
    tx = pd.DataFrame({"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-01-03 10:00"],
                       "amount": [1.0, 2.0]})
    out = kq.rfm(tx)
    assert out.loc["a"].tolist() == [1.0, 2.0, 2.0, 2.0]
    tz = tx.assign(date=pd.to_datetime(tx["date"], format="mixed").dt.tz_localize("Asia/Shanghai"))
    pd.testing.assert_frame_equal(kq.rfm(tz), out)


def test_rfm_unparseable_dates_name_rows():
    tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "not a date", None],
                       "amount": [1.0, 2.0, 3.0]}, index=[7, 8, 9])
    with pytest.raises(SchemaError, match=r"'date'.*2 missing or unparseable.*8, 9") as info:
        kq.rfm(tx)
    assert info.value.rows == [8, 9]


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [("amount", np.nan, "'amount' must be finite"), ("customer_id", None, "missing id")],
)
def test_rfm_bad_values(log, column, value, fragment):
    bad = log.astype({"customer_id": object}).copy()
    bad.loc[73, column] = value
    with pytest.raises(SchemaError, match=fragment) as info:
        kq.rfm(bad)
    assert info.value.rows == [73]


def test_rfm_empty_and_missing_columns(log):
    empty = kq.rfm(log.iloc[:0])
    assert empty.empty and list(empty.columns) == ["frequency", "recency", "T", "monetary_value"]
    with pytest.raises(SchemaError, match="'amount'"):
        kq.rfm(log.drop(columns="amount"))
    with pytest.raises(ParameterError, match="freq='M'"):
        kq.rfm(log, freq="M")
    with pytest.raises(ParameterError, match="observation_end"):
        kq.rfm(log, observation_end="soon")


def test_rfm_leaves_out_later_transactions(log):
    out = kq.rfm(log, observation_end="2024-01-31")
    assert out.index.tolist() == [1, 2]  # customer 3 starts in February
    assert out.loc[1, "frequency"] == 1.0


def test_rfm_scores_and_segments():
    table = pd.DataFrame(
        {"frequency": [0.0, 3.0, 8.0, 8.0], "recency": [0.0, 20.0, 90.0, 90.0],
         "T": [100.0] * 4, "monetary_value": [0.0, 50.0, 20.0, 20.0]},
        index=list("abcd"),
    )
    scores = kq.rfm_scores(table, bins=5)
    assert scores.index.equals(table.index)
    assert scores["f_score"].tolist() == [1, 2, 4, 4]  # ties share a score
    assert scores.loc["b", "rfm_code"] == "225"
    seg = kq.rfm_segments(scores)
    assert seg.loc["c", "pattern"] == "HHL"
    assert seg.loc["c", "segment_zh"] == "一般价值客户"
    assert seg.loc["b", "segment"] == "important win-back"


def test_rfm_scores_all_equal_and_fewer_customers_than_bins():
    same = pd.DataFrame({"frequency": [2.0] * 4, "recency": [5.0] * 4, "T": [9.0] * 4,
                         "monetary_value": [1.0] * 4})
    assert kq.rfm_scores(same)["rfm_code"].unique().tolist() == ["333"]
    one = kq.rfm_scores(same.iloc[:1], bins=5)
    assert one["rfm_code"].tolist() == ["333"]
    assert kq.rfm_scores(same.iloc[:0]).empty


def test_rfm_segments_custom_mapping_and_errors():
    scores = pd.DataFrame({"r_score": [2], "f_score": [1], "m_score": [2]})
    mapping = {p: (p.lower(), p) for p in
               [a + b + c for a in "HL" for b in "HL" for c in "HL"]}
    assert kq.rfm_segments(scores, bins=2, mapping=mapping)["segment"].tolist() == ["hlh"]
    with pytest.raises(ParameterError, match=r"missing \['LLL'\]"):
        kq.rfm_segments(scores, bins=2, mapping={k: v for k, v in mapping.items() if k != "LLL"})
    with pytest.raises(SchemaError, match=r"scores 1..2"):
        kq.rfm_segments(scores.assign(r_score=5), bins=2)
    with pytest.raises(ParameterError, match="bins"):
        kq.rfm_scores(pd.DataFrame(), bins=1)


# --- migration -----------------------------------------------------------------------------------


def test_tier_migration_counts_and_summary():
    dtype = pd.CategoricalDtype(["low", "mid", "high"], ordered=True)
    before = pd.Series(["low", "low", "mid", "high", "mid"], index=[1, 2, 3, 4, 5], dtype=dtype)
    after = pd.Series(["mid", "low", "low", "high", "high"], index=[1, 2, 3, 4, 9], dtype=dtype)
    m = kq.tier_migration(before, after)
    assert m.counts.loc["low", "mid"] == 1 and m.counts.loc["mid", "流失 exited"] == 1
    assert m.counts.loc["新增 new", "high"] == 1
    assert m.counts.to_numpy().sum() == 6
    np.testing.assert_allclose(m.shares.loc[["low", "mid", "high"]].sum(axis=1), 1.0)
    assert m.summary.set_index("direction")["n"].to_dict() == {
        "up": 1, "stay": 2, "down": 1, "exited": 1, "new": 1
    }
    assert m.summary["share"].iloc[0] == pytest.approx(1 / 5)


def test_tier_migration_frames_and_errors():
    dtype = pd.CategoricalDtype(["a", "b"], ordered=True)
    b = pd.DataFrame({"customer_id": [1, 2], "tier": pd.Categorical(["a", "b"], dtype=dtype)})
    a = b.assign(tier=pd.Categorical(["b", "b"], dtype=dtype))
    assert kq.tier_migration(b, a).summary.loc[0, "n"] == 1
    with pytest.raises(SchemaError, match="'customer_id' must be unique"):
        kq.tier_migration(pd.concat([b, b]), a)
    with pytest.raises(SchemaError, match="same tiers"):
        kq.tier_migration(b, a.assign(tier=a["tier"].cat.rename_categories(["x", "y"])))
    with pytest.raises(SchemaError, match="categorical"):
        kq.tier_migration(b, a.assign(tier=["a", "b"]))
    with pytest.raises(ParameterError, match="Series of tiers"):
        kq.tier_migration([1, 2], a)


# --- general -------------------------------------------------------------------------------------


def test_errors_are_kequn_errors():
    with pytest.raises(KequnError):
        kq.aum_tiers([1, 2, 3])
    with pytest.raises(KequnError):
        kq.rfm("transactions.csv")


def test_no_mutation(customers, log):
    c0, l0 = customers.copy(), log.copy()
    kq.aum_tiers(customers)
    kq.contribution(customers)
    kq.pareto_tiers(customers["aum"])
    kq.concentration(customers["aum"])
    r = kq.rfm(log)
    r0 = r.copy()
    s = kq.rfm_scores(r)
    s0 = s.copy()
    kq.rfm_segments(s)
    pd.testing.assert_frame_equal(customers, c0)
    pd.testing.assert_frame_equal(log, l0)
    pd.testing.assert_frame_equal(r, r0)
    pd.testing.assert_frame_equal(s, s0)


# --- on the synthetic bank, and the figures ------------------------------------------------------


def test_rfm_on_synthetic_log_equals_reference():
    bank = kq.make_customers(n=200, random_state=0)
    tx = kq.make_transactions(bank, months=6, random_state=0)
    pd.testing.assert_frame_equal(kq.rfm(tx), slow_rfm(tx), rtol=1e-12)


def test_plots_return_axes_with_labels(log):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kq.use_theme()
    table = pd.DataFrame({"aum": [1e3, 8e4, 7e5, 7e6], "contribution": [-50.0, 300.0, 2e3, 9e4],
                          "potential": [0.0, 5e5, 1e4, 0.0]})
    table["tier"] = kq.aum_tiers(table)
    table = table.join(kq.value_matrix(table))
    _, axes = plt.subplots(1, 5)
    assert kq.plot_tier_distribution(table, ax=axes[0]) is axes[0]
    assert kq.plot_pareto(table, x="contribution", ax=axes[1]).get_title().startswith("Pareto")
    m = kq.tier_migration(table["tier"], table["tier"])
    assert "Tier before" in kq.plot_migration(m, ax=axes[2]).get_ylabel()
    assert kq.plot_rfm(kq.rfm_scores(kq.rfm(log)), ax=axes[3]) is axes[3]
    ax = kq.plot_value_matrix(table, cuts=(100.0, 1e4), ax=axes[4])
    assert "万元" in ax.get_xlabel()
    with pytest.raises(ParameterError, match="x="):
        kq.plot_pareto(table)
    with pytest.raises(SchemaError, match="'quadrant_zh'"):
        kq.plot_value_matrix(table.drop(columns="quadrant_zh"))
    plt.close("all")


# --- individuals and corporates ------------------------------------------------------------------


def _mixed() -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": [1, 2, 3, 4], "aum": [2e4, 9e6, 7e6, 3e5],
         "customer_kind": pd.Categorical(["individual", "corporate", "individual", "corporate"])},
        index=[40, 30, 20, 10],
    )


def test_aum_tiers_warns_when_individuals_and_corporates_share_a_ladder():
    with pytest.warns(kq.MixedKindsWarning, match=r"2 individuals and 2 corporates.*split_by_kind"):
        kq.aum_tiers(_mixed())
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kq.aum_tiers(_mixed(), kind_col=None)
        kq.aum_tiers(_mixed().query("customer_kind == 'individual'"))
        kq.aum_tiers(_mixed().drop(columns="customer_kind"))


def test_split_by_kind_keeps_rows_index_and_puts_private_banking_on_individuals_only():
    data = _mixed()
    before = data.copy()
    parts = kq.split_by_kind(data)
    assert list(parts) == ["individual", "corporate"]
    assert parts["individual"].index.tolist() == [40, 20]
    assert parts["corporate"].index.tolist() == [30, 10]
    pd.testing.assert_frame_equal(data, before)
    parts["individual"].loc[40, "aum"] = -1.0  # a copy: the caller's frame is untouched
    assert data.loc[40, "aum"] == 2e4
    ind = kq.aum_tiers(kq.split_by_kind(data)["individual"])
    assert ind.tolist() == ["大众", "私人银行"]
    corp = kq.aum_tiers(parts["corporate"], preset="corporate", labels="en")
    assert corp.tolist() == ["growth", "basic"]
    assert list(corp.cat.categories) == ["basic", "growth", "key", "strategic"]


def test_split_by_kind_on_a_synthetic_bank_gives_no_corporate_private_banking():
    bank = kq.make_customers(n=3_000, random_state=1)
    with pytest.warns(kq.MixedKindsWarning):
        mixed = kq.aum_tiers(bank)
    corporate_pb = (mixed == "私人银行") & (bank["customer_kind"] == "corporate")
    assert corporate_pb.any(), "the mixed ladder puts firms in private banking"
    parts = kq.split_by_kind(bank)
    assert sum(len(p) for p in parts.values()) == len(bank)
    assert (parts["corporate"]["customer_kind"] == "corporate").all()
    tiers = kq.aum_tiers(parts["individual"])
    assert tiers.index.equals(parts["individual"].index)


def test_split_by_kind_missing_column_and_missing_values():
    table = _mixed().drop(columns="customer_kind")
    with pytest.raises(SchemaError, match=r"'customer_kind' is missing.*assume='individual'"):
        kq.split_by_kind(table)
    parts = kq.split_by_kind(table, assume="individual")
    assert list(parts) == ["individual"] and len(parts["individual"]) == 4
    holes = _mixed().astype({"customer_kind": object})
    holes.loc[20, "customer_kind"] = None
    with pytest.raises(SchemaError, match=r"1 missing value.*\[20\]"):
        kq.split_by_kind(holes)
    assert kq.split_by_kind(_mixed().iloc[:0]) == {}
    with pytest.raises(KequnError, match="DataFrame"):
        kq.split_by_kind([1, 2])


def test_plots_and_concentration_share_one_cumulative_computation():
    """plot_lorenz, plot_pareto and concentration all draw on kq.cumulative_shares."""
    import matplotlib.pyplot as plt

    v = pd.Series([5.0, 0.0, 1.0, 12.0, 2.0], name="aum")
    lorenz = kq.cumulative_shares(v)
    assert lorenz["customer_share"].tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert np.allclose(lorenz["value_share"], np.array([0, 0, 1, 3, 8, 20]) / 20)
    pareto = kq.cumulative_shares(v, largest_first=True)
    assert np.allclose(pareto["value_share"], np.array([0, 12, 17, 19, 20, 20]) / 20)
    c = kq.concentration(v, points=6)
    assert np.allclose(c.lorenz["value_share"], lorenz["value_share"])
    _fig, axes = plt.subplots(1, 2)
    line = kq.plot_lorenz(v, ax=axes[0]).lines[0]
    assert np.allclose(line.get_ydata(), lorenz["value_share"])
    with_negative = pd.concat([v, pd.Series([-4.0], name="aum")], ignore_index=True)
    line = kq.plot_pareto(with_negative, ax=axes[1]).lines[0]
    clipped = kq.cumulative_shares(with_negative, largest_first=True, negative="clip")
    assert np.allclose(line.get_ydata(), clipped["value_share"])
    plt.close("all")


@pytest.mark.parametrize(
    ("values", "kwargs", "fragment"),
    [
        (pd.Series([], dtype="float64", name="aum"), {}, "'aum' is empty"),
        (pd.Series([0.0, 0.0], name="aum"), {}, "sums to 0 over 2 customers"),
        (pd.Series([1.0, -1.0], name="aum"), {}, "non-negative"),
        (pd.Series([1.0, np.nan], name="aum"), {}, "finite"),
        (pd.Series([1.0, -1.0], name="aum"), {"negative": "zero"}, "negative='zero'"),
    ],
)
def test_cumulative_shares_bad_input(values, kwargs, fragment):
    with pytest.raises(KequnError, match=fragment):
        kq.cumulative_shares(values, **kwargs)
