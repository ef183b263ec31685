"""Tests for kequn_lib.groups (Dunbar groups), kequn_lib.layers (relationship layers),
kequn_lib.content and their plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kequn_lib as kq
from kequn_lib.errors import KequnError, ParameterError, SchemaError

FEATURES = ["age", "tenure_months", "app_logins_90d"]


def _customers(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "age": rng.integers(18, 90, n),
            "tenure_months": rng.integers(1, 400, n),
            "app_logins_90d": rng.poisson(8, n),
            "rm_contacts_90d": rng.poisson(0.7, n),
            "products_held": rng.integers(1, 8, n),
            "referrals_12m": rng.poisson(0.4, n),
            "aum": rng.lognormal(10, 1.5, n),
            "wealth_balance": rng.lognormal(8, 2, n),
            "seg": rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1]),
        }
    )


@pytest.fixture
def customers() -> pd.DataFrame:
    return _customers()


def _sizes(g: pd.DataFrame) -> pd.Series:
    return g.groupby("group", observed=True).size()


# --- dunbar_groups: results ---------------------------------------------------------------------


def test_partition_and_band(customers):
    g = kq.dunbar_groups(customers, by="seg", features=FEATURES, money=["aum"])
    assert g.index.equals(customers.index)
    assert list(g.columns) == ["segment", "group", "group_size", "status"]
    sizes = _sizes(g)
    assert sizes.sum() == len(customers)
    assert (g["group_size"] == g["group"].map(sizes).astype("int64")).all()
    assert sizes.between(50, 150).all()
    # groups never cross segments, and their ids carry the segment
    assert (g.groupby("group", observed=True)["segment"].nunique() == 1).all()
    assert all(str(gid).split("-")[0] == seg for gid, seg in
               g.groupby("group", observed=True)["segment"].first().items())
    assert set(g["status"]) == {"in_band"}
    assert g.attrs == {}  # everything is in the table


def test_small_segment_kept_whole_and_flagged():
    df = _customers(300)
    df["seg"] = ["big"] * 280 + ["tiny"] * 20
    g = kq.dunbar_groups(df, by="seg", features=FEATURES)
    tiny = g[g["segment"] == "tiny"]
    assert tiny["group"].nunique() == 1
    assert (tiny["status"] == "small_segment").all()
    assert (g.loc[g["segment"] == "big", "status"] == "in_band").all()
    assert g.loc[g["status"] == "small_segment", "segment"].unique().tolist() == ["tiny"]


def test_by_as_series_array_and_shuffled_series(customers):
    a = kq.dunbar_groups(customers, by="seg", features=FEATURES)
    b = kq.dunbar_groups(customers, by=customers["seg"].to_numpy(), features=FEATURES)
    c = kq.dunbar_groups(customers, by=customers["seg"].sample(frac=1, random_state=1),
                         features=FEATURES)
    for other in (b, c):
        assert (a["group"].astype(str) == other["group"].astype(str)).all()


def test_deterministic_and_random_state_breaks_ties():
    df = pd.DataFrame({"x": np.repeat([0.0, 1.0], 150), "seg": 0})
    g1 = kq.dunbar_groups(df, by="seg", features=["x"], random_state=1)
    g2 = kq.dunbar_groups(df, by="seg", features=["x"], random_state=1)
    g3 = kq.dunbar_groups(df, by="seg", features=["x"], random_state=2)
    assert g1["group"].astype(str).equals(g2["group"].astype(str))
    assert not g1["group"].astype(str).equals(g3["group"].astype(str))
    assert _sizes(g1).tolist() == [100, 100, 100]


def test_narrow_band_warns_and_flags():
    df = pd.DataFrame({"x": np.arange(130.0), "seg": 0})
    with pytest.warns(UserWarning, match="band_too_narrow"):
        g = kq.dunbar_groups(df, by="seg", features=["x"], min_size=100, max_size=120)
    assert (g["status"] == "band_too_narrow").all()
    assert _sizes(g).max() <= 120


def test_target_size_controls_group_count(customers):
    g = kq.dunbar_groups(customers, by=np.zeros(len(customers), int), features=FEATURES,
                         target_size=60)
    assert g["group"].nunique() == 10


def test_empty_table():
    df = pd.DataFrame({"x": pd.Series([], dtype=float), "seg": pd.Series([], dtype=int)})
    g = kq.dunbar_groups(df, by="seg", features=["x"])
    assert len(g) == 0


def test_clustered_data_beats_random():
    rng = np.random.default_rng(3)
    centres = rng.normal(scale=6, size=(8, 3))
    lab = rng.integers(0, 8, 2000)
    X = centres[lab] + rng.normal(size=(2000, 3))
    df = pd.DataFrame(X, columns=["u", "v", "w"]).assign(seg=0)
    g = kq.dunbar_groups(df, by="seg", features=["u", "v", "w"])
    d = kq.dunbar_dispersion(df, g, features=["u", "v", "w"])
    assert d.loc["all", "ratio"] < 0.3
    assert d.loc["all", "random_dispersion"] == pytest.approx(
        d.loc["all", "segment_dispersion"], rel=0.1)
    # groups mostly hold one hidden cluster (random groups of 100 would be about 0.2 pure);
    # fixed sizes force some mixing where a cluster is not a multiple of the group size
    purity = pd.Series(lab).groupby(g["group"].to_numpy(), observed=True).agg(
        lambda s: s.value_counts().iloc[0] / len(s))
    assert purity.mean() > 0.75


def test_dispersion_by_segment_and_series(customers):
    g = kq.dunbar_groups(customers, by="seg", features=FEATURES)
    d = kq.dunbar_dispersion(customers, g, features=FEATURES)
    assert list(d.index) == ["a", "b", "c", "all"]
    assert d.loc["all", "customers"] == len(customers)
    assert d.loc["all", "groups"] == g["group"].nunique()
    assert (d.loc[["a", "b", "all"], "ratio"] < 1).all()
    assert d.loc["c", "groups"] == 1  # one group is its own random baseline
    assert d.loc["c", "ratio"] == pytest.approx(1.0)
    d2 = kq.dunbar_dispersion(customers, g["group"], features=FEATURES)
    assert list(d2.index) == ["all"]
    assert d2.loc["all", "dispersion"] == pytest.approx(d.loc["all", "dispersion"])


# --- dunbar_groups: property tests -------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seg_sizes=st.lists(st.integers(0, 700), min_size=1, max_size=5),
    min_size=st.integers(1, 80),
    extra=st.integers(0, 150),
    seed=st.integers(0, 2**16),
)
def test_property_partition_exact_and_sizes_in_band(seg_sizes, min_size, extra, seed):
    max_size = 2 * min_size - 1 + extra  # wide enough that every segment can be split
    labels = np.repeat(np.arange(len(seg_sizes)), seg_sizes)
    n = len(labels)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "y": rng.integers(0, 3, n), "seg": labels},
                      index=rng.permutation(n) + 1000)
    g = kq.dunbar_groups(df, by="seg", features=["x", "y"], min_size=min_size,
                         max_size=max_size, random_state=seed)
    assert g.index.equals(df.index)
    assert g["group"].notna().all()
    sizes = _sizes(g)
    assert sizes.sum() == n
    for seg, size in enumerate(seg_sizes):
        if size == 0:
            continue
        in_seg = sizes[sizes.index.str.startswith(f"{seg}-")]
        assert in_seg.sum() == size
        if size < min_size:
            assert len(in_seg) == 1
            assert (g.loc[g["segment"] == seg, "status"] == "small_segment").all()
        else:
            assert in_seg.between(min_size, max_size).all()
            assert in_seg.max() - in_seg.min() <= 1


@settings(max_examples=25, deadline=None)
@given(
    seg_sizes=st.lists(st.integers(1, 400), min_size=1, max_size=4),
    min_size=st.integers(1, 60),
    max_size=st.integers(1, 120),
)
def test_property_any_band_never_exceeds_max(seg_sizes, min_size, max_size):
    if min_size > max_size:
        min_size, max_size = max_size, min_size
    labels = np.repeat(np.arange(len(seg_sizes)), seg_sizes)
    df = pd.DataFrame({"x": np.arange(len(labels), dtype=float), "seg": labels})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        g = kq.dunbar_groups(df, by="seg", features=["x"], min_size=min_size, max_size=max_size)
    sizes = _sizes(g)
    assert sizes.sum() == len(df)
    ok = g.groupby("group", observed=True)["status"].first()
    in_band = ok == "in_band"
    assert sizes[in_band].between(min_size, max_size).all()
    assert sizes[ok == "band_too_narrow"].le(max_size).all()


# --- dunbar_groups: bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "fragment"),
    [
        ({"min_size": 200, "max_size": 150}, ParameterError, "larger than max_size"),
        ({"min_size": 0}, ParameterError, "min_size must be >= 1"),
        ({"max_size": -5}, ParameterError, "max_size must be >= 1"),
        ({"min_size": 2.5}, ParameterError, "must be an integer"),
        ({"target_size": 400}, ParameterError, "target_size must be between 50 and 150"),
        ({"features": ["age", "nope"]}, SchemaError, "missing column(s) 'nope'"),
        ({"features": []}, ParameterError, "features is empty"),
        ({"by": "nope"}, SchemaError, "missing column(s) 'nope'"),
        ({"by": np.zeros(5)}, ParameterError, "has shape (5,) but the data has 600 rows"),
        ({"by": 3.5}, ParameterError, "neither a column"),
        ({"random_state": "x"}, ParameterError, "random_state"),
    ],
)
def test_dunbar_bad_parameters(customers, kwargs, exc, fragment):
    args = {"by": "seg", "features": FEATURES, **kwargs}
    with pytest.raises(exc, match=fragment.replace("(", r"\(").replace(")", r"\)")) as info:
        kq.dunbar_groups(customers, **args)
    assert isinstance(info.value, KequnError)


def test_dunbar_nan_feature(customers):
    df = customers.copy()
    df["age"] = df["age"].astype("Int64")
    df.loc[[3, 7], "age"] = pd.NA
    with pytest.raises(SchemaError, match=r"'age' must be finite.*index \[3, 7\]"):
        kq.dunbar_groups(df, by="seg", features=FEATURES)


def test_dunbar_negative_money(customers):
    df = customers.copy()
    df.loc[5, "aum"] = -1.0
    with pytest.raises(SchemaError, match="non-negative"):
        kq.dunbar_groups(df, by="seg", features=FEATURES, money=["aum"])


def test_dunbar_misaligned_series(customers):
    other = pd.Series(customers["seg"].to_numpy(), index=customers.index + 10_000)
    with pytest.raises(ParameterError, match="index does not match the data"):
        kq.dunbar_groups(customers, by=other, features=FEATURES)
    with pytest.raises(ParameterError, match="index does not match"):
        kq.dunbar_groups(customers, by=customers["seg"].iloc[:-1], features=FEATURES)


def test_dunbar_missing_label(customers):
    by = customers["seg"].copy()
    by.iloc[4] = None
    with pytest.raises(SchemaError, match="1 missing label"):
        kq.dunbar_groups(customers, by=by, features=FEATURES)


def test_dunbar_not_a_frame():
    with pytest.raises(KequnError, match="expected a pandas DataFrame"):
        kq.dunbar_groups([1, 2, 3], by="seg", features=["x"])


def test_no_mutation(customers):
    before = customers.copy()
    g = kq.dunbar_groups(customers, by="seg", features=FEATURES, money=["aum"])
    kq.dunbar_dispersion(customers, g, features=FEATURES, money=["aum"])
    layers = kq.relationship_layers(customers)
    kq.layer_funnel(customers, layer_col=layers, by="seg")
    pd.testing.assert_frame_equal(customers, before)
    prof = pd.DataFrame({"z_aum": [1.0, -1.0]})
    prof_before = prof.copy()
    kq.content_needs(prof)
    pd.testing.assert_frame_equal(prof, prof_before)


# --- relationship layers -------------------------------------------------------------------------


def _ladder_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {   # none, service, trust via products, trust via wealth share, social, referrer w/o app
            "app_logins_90d": [0, 6, 6, 6, 30, 0],
            "rm_contacts_90d": [0, 0, 1, 1, 2, 3],
            "products_held": [1, 1, 4, 1, 5, 5],
            "wealth_balance": [0.0, 0.0, 0.0, 40.0, 10.0, 0.0],
            "aum": [10.0, 10.0, 100.0, 100.0, 100.0, 100.0],
            "referrals_12m": [5, 0, 0, 0, 1, 2],
        },
        index=list("abcdef"),
    )


def test_layer_rules_default_ladder():
    lay = kq.relationship_layers(_ladder_frame())
    assert lay.name == "layer"
    assert lay.index.tolist() == list("abcdef")
    assert lay.cat.ordered
    assert list(lay.cat.categories) == list(kq.LAYER_LABELS)
    assert lay.tolist() == ["none", "1 accepts service", "2 trusts staff", "2 trusts staff",
                            "3 social currency", "none"]


def test_layer_rules_thresholds_and_non_nested():
    df = _ladder_frame()
    strict = kq.LayerRules(min_app_logins=7, min_wealth_share=None)
    assert kq.relationship_layers(df, rules=strict).tolist() == [
        "none", "none", "none", "none", "3 social currency", "none"]
    loose = kq.LayerRules(nested=False)
    assert kq.relationship_layers(df, rules=loose).tolist() == [
        "3 social currency", "1 accepts service", "2 trusts staff", "2 trusts staff",
        "3 social currency", "3 social currency"]
    crit = kq.layer_criteria(df)
    assert crit.loc["f"].tolist() == [False, True, True]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"min_app_logins": -1}, "min_app_logins must be >= 0"),
        ({"min_referrals": 1.5}, "min_referrals must be an integer"),
        ({"min_wealth_share": 2.0}, "min_wealth_share must be in"),
        ({"nested": "yes"}, "nested must be True or False"),
    ],
)
def test_layer_rules_bad(kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        kq.LayerRules(**kwargs)


def test_layers_bad_input():
    df = _ladder_frame()
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'referrals_12m'"):
        kq.relationship_layers(df.drop(columns="referrals_12m"))
    bad = df.astype({"rm_contacts_90d": float})
    bad.loc["c", "rm_contacts_90d"] = np.nan
    with pytest.raises(SchemaError, match=r"'rm_contacts_90d'.*index \['c'\]"):
        kq.relationship_layers(bad)
    with pytest.raises(ParameterError, match=r"rules must be a kq\.LayerRules"):
        kq.relationship_layers(df, rules={"min_app_logins": 3})
    # wealth can be switched off, then its columns are not needed
    kq.relationship_layers(df.drop(columns=["wealth_balance", "aum"]), wealth_col=None)


def test_funnel_counts_add_up(customers):
    lay = kq.relationship_layers(customers)
    f = kq.layer_funnel(customers, layer_col=lay, by="seg")
    assert list(f.columns) == ["seg", "layer", "customers", "reached", "share_reached",
                               "conversion"]
    assert len(f) == 3 * 4
    per_seg = f.groupby("seg")["customers"].sum()
    assert per_seg.to_dict() == customers["seg"].value_counts().to_dict()
    first = f[f["layer"] == "none"].set_index("seg")
    assert (first["reached"] == per_seg).all()
    assert first["conversion"].isna().all()
    assert (first["share_reached"] == 1).all()
    for _, g in f.groupby("seg"):
        assert g["reached"].is_monotonic_decreasing
        assert g["customers"].tolist()[-1] == g["reached"].tolist()[-1]
        np.testing.assert_allclose(g["conversion"].iloc[1:].to_numpy(),
                                   (g["reached"].iloc[1:].to_numpy()
                                    / g["reached"].iloc[:-1].to_numpy()))
    overall = kq.layer_funnel(customers.assign(layer=lay))
    assert overall["segment"].unique().tolist() == ["all"]
    assert overall["customers"].sum() == len(customers)


def test_funnel_bad_input(customers):
    lay = kq.relationship_layers(customers)
    with pytest.raises(ParameterError, match="not one of"):
        kq.layer_funnel(customers, layer_col=lay.astype(str).replace("none", "zero"))
    with pytest.raises(ParameterError, match="index does not match"):
        kq.layer_funnel(customers, layer_col=lay.iloc[:10])
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'layer'"):
        kq.layer_funnel(customers)


# --- content needs ----------------------------------------------------------------------------


def test_content_needs_rules():
    prof = pd.DataFrame(
        {"z_aum": [2.0, 0.0, 0.0, -1.0], "z_loan_balance": [0.0, 1.5, 0.0, 0.0],
         "z_age": [0.0, 0.0, 1.0, 0.0], "z_app_logins_90d": [0.0, 0.0, -1.0, 0.0],
         "size": [10, 10, 10, 10]},
        index=pd.Index(["rich", "borrowers", "elders", "average"], name="segment"),
    )
    w = kq.content_needs(prof)
    lines = ["market", "professional", "emotional"]
    np.testing.assert_allclose(w[lines].sum(axis=1), 1.0)
    assert w["lead"].tolist()[:3] == ["market", "professional", "emotional"]
    assert w.loc["average", lines].tolist() == pytest.approx([1 / 3] * 3)
    # elders: base 1 + age 1 + fewer logins 1 = 3 of 5
    assert w.loc["elders", "emotional"] == pytest.approx(3 / 5)
    assert "app_logins_90d -1.00" in w.loc["elders", "drivers"]
    assert w.index.equals(prof.index)
    custom = kq.ContentRules(market=(("aum", 2.0),), base=0.0)
    assert kq.content_needs(prof, rules=custom).loc["rich", "market"] == pytest.approx(1.0)


def test_content_drivers_name_features_in_the_pages_language():
    prof = pd.DataFrame({"z_aum": [2.0, -1.0], "z_age": [0.0, 1.0],
                         "z_app_logins_90d": [0.0, -1.0], "z_own_score": [0.5, 0.0]},
                        index=["rich", "elders"])
    rules = kq.ContentRules(market=(("aum", 1.0), ("own_score", 1.0)))
    en = kq.content_needs(prof, rules=rules)
    kq.set_language("zh")
    try:
        zh = kq.content_needs(prof, rules=rules)
        flat = kq.content_needs(prof * 0)
    finally:
        kq.set_language("en")
    assert en["drivers"].tolist() == ["aum +2.00; own_score +0.50",
                                      "age +1.00; app_logins_90d -1.00"]
    # the dictionary's Chinese terms, the same numbers; a column without a label keeps its name
    assert zh["drivers"].tolist() == ["管理资产 +2.00；own_score +0.50",
                                      "年龄 +1.00；手机银行登录次数 -1.00"]
    assert flat["drivers"].tolist() == ["（均未高于平均）"] * 2
    assert zh.drop(columns="drivers").equals(en.drop(columns="drivers"))


def test_content_needs_bad_input():
    with pytest.raises(SchemaError, match="none of the z-score columns"):
        kq.content_needs(pd.DataFrame({"size": [1, 2]}))
    with pytest.raises(SchemaError, match="'z_aum' must be finite"):
        kq.content_needs(pd.DataFrame({"z_aum": [1.0, np.nan]}))
    with pytest.raises(ParameterError, match="base must be"):
        kq.ContentRules(base=-1.0)
    with pytest.raises(ParameterError, match="feature, weight"):
        kq.ContentRules(market=("aum",))


def test_content_checklist():
    c = kq.content_checklist()
    assert len(c) == 3
    assert {"question", "question_zh", "check", "market", "professional",
            "emotional"} <= set(c.columns)
    assert c["question_zh"].tolist() == ["对客户意味着什么", "带来什么价值", "解决什么问题"]


# --- with the clustering module and the synthetic bank --------------------------------------------


def test_with_segments_and_profile():
    data = kq.make_customers(n=3000, random_state=1)
    data = data[data["customer_kind"] == "individual"].reset_index(drop=True)
    labels = pd.qcut(data["aum"].rank(method="first"), 4, labels=False)
    g = kq.dunbar_groups(data, by=labels, features=["age", "tenure_months", "app_logins_90d"],
                         money=["aum", "loan_balance"])
    assert _sizes(g).between(50, 150).all()
    prof = kq.profile_segments(data, g["group"].astype(str),
                               features=["aum", "loan_balance", "age", "app_logins_90d"])
    w = kq.content_needs(prof)
    assert len(w) == g["group"].nunique()
    np.testing.assert_allclose(w[["market", "professional", "emotional"]].sum(axis=1), 1.0)


# --- plots ----------------------------------------------------------------------------------------


def test_plots(customers):
    g = kq.dunbar_groups(customers, by="seg", features=FEATURES)
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert kq.plot_group_sizes(g, ax=ax1) is ax1
    assert "outside the band" in ax1.get_title()
    lay = kq.relationship_layers(customers)
    f = kq.layer_funnel(customers, layer_col=lay, by="seg")
    assert kq.plot_layer_funnel(f, hue="seg", ax=ax2) is ax2
    assert len(ax2.get_lines()) == 3
    assert [t.get_text() for t in ax2.get_xticklabels()] == list(kq.LAYER_LABELS)
    with pytest.raises(SchemaError, match="missing column"):
        kq.plot_layer_funnel(f, ax=ax2)  # default hue 'segment' is absent
    plt.close(fig)
