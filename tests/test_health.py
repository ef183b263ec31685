"""Tests of the group activity log (kq.make_group_activity) and group health (kequn_lib.health)."""

from __future__ import annotations

import copy
import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kequn_lib as kq
from kequn_lib.errors import InputTypeError, ParameterError, SchemaError


def _roster(n_groups: int = 40, seed: int = 0, lo: int = 50, hi: int = 151) -> pd.DataFrame:
    sizes = np.random.default_rng(seed).integers(lo, hi, n_groups)
    return pd.DataFrame({"group": np.repeat(np.arange(n_groups), sizes),
                         "customer_id": np.arange(sizes.sum()) + 1000})


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return kq.make_group_activity(_roster(120, seed=3), weeks=12, random_state=3)


def _truth(log: pd.DataFrame, col: str = "true_dying") -> pd.Series:
    return log.groupby("group_id", observed=True)[col].first()


# --- the synthetic log ---------------------------------------------------------------------------


def test_log_shape_dtypes_and_order():
    roster = _roster(5)
    log = kq.make_group_activity(roster, weeks=10, random_state=0)
    assert len(log) == len(roster) * 10
    assert log.index.equals(pd.RangeIndex(len(log)))
    assert isinstance(log["group_id"].dtype, pd.CategoricalDtype)
    assert log["week"].dtype == "int16" and log["week"].min() == 1 and log["week"].max() == 10
    for col in ("posts", "replies", "staff_items", "forwarded_items"):
        assert log[col].dtype == "int16" and (log[col] >= 0).all(), col
    for col in ("attended", "took_up", "event_held", "true_dying"):
        assert log[col].dtype == bool, col
    assert (log["forwarded_items"] <= log["staff_items"]).all()
    assert (log["staff_items"] >= 1).all()
    assert log["content_fit"].between(0, 1).all()
    assert not (log["attended"] & ~log["event_held"]).any(), "attendance without an event"
    # every member appears once per week, members in input order within each group
    per = log.groupby(["customer_id", "week"]).size()
    assert (per == 1).all()
    first_week = log[log["week"] == 1]
    assert first_week["customer_id"].tolist() == roster.sort_values(
        "group", kind="stable")["customer_id"].tolist()
    # group-level columns are constant within a group (and group-week ones within a week)
    for col in ("true_dying", "true_decline", "true_content_fit", "true_forwarded_share"):
        assert (log.groupby("group_id", observed=True)[col].nunique() == 1).all(), col
    for col in ("event_held", "staff_items", "content_fit"):
        assert (log.groupby(["group_id", "week"], observed=True)[col].nunique() == 1).all(), col
    assert log.attrs["weeks"] == 10 and "dying_share" in log.attrs["assumptions"]


def test_log_is_reproducible_and_seed_dependent():
    roster = _roster(6)
    a = kq.make_group_activity(roster, weeks=8, random_state=5)
    b = kq.make_group_activity(roster, weeks=8, random_state=5)
    c = kq.make_group_activity(roster, weeks=8, random_state=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["posts"].equals(c["posts"])


def test_dying_groups_lose_activity_and_healthy_ones_keep_it(log):
    weekly = kq.weekly_group_activity(log)
    weekly["dying"] = weekly["group_id"].map(_truth(log)).astype(bool)
    early = weekly[weekly["week"] <= 3].groupby("group_id", observed=True)["activity"].mean()
    late = weekly[weekly["week"] >= 10].groupby("group_id", observed=True)["activity"].mean()
    ratio = late / early
    dying = _truth(log)
    assert ratio[dying].median() < 0.4
    assert ratio[~dying].median() > 0.8
    assert (_truth(log, "true_decline")[dying] <= -1.2).all()
    assert (_truth(log, "true_decline")[~dying].abs() <= 0.4).all()


def test_content_drives_dying_and_take_up():
    # many groups: poor or copied content makes dying likelier (the stated assumption)
    log = kq.make_group_activity(_roster(1500, seed=1, lo=50, hi=60), weeks=6, random_state=1)
    g = log.groupby("group_id", observed=True).agg(
        dying=("true_dying", "first"), fit=("true_content_fit", "first"),
        fwd=("true_forwarded_share", "first"), take=("took_up", "mean"))
    low_fit = g["fit"] < g["fit"].median()
    assert g.loc[low_fit, "dying"].mean() > g.loc[~low_fit, "dying"].mean() + 0.05
    high_fwd = g["fwd"] > g["fwd"].median()
    assert g.loc[high_fwd, "dying"].mean() > g.loc[~high_fwd, "dying"].mean() + 0.05
    assert g.loc[~low_fit, "take"].mean() > g.loc[low_fit, "take"].mean()


def test_log_from_dunbar_groups_and_from_the_index():
    customers = kq.make_customers(n=1200, random_state=0)
    groups = kq.dunbar_groups(customers, by="region", features=["tenure_months"], money=["aum"])
    roster = customers[["customer_id"]].join(groups)
    log = kq.make_group_activity(roster, weeks=6, random_state=0)
    assert set(log["group_id"].cat.categories) == set(groups["group"].cat.categories)
    assert log.groupby("group_id", observed=True)["customer_id"].nunique().to_dict() == \
        groups["group"].value_counts().to_dict()
    by_index = kq.make_group_activity(groups, weeks=6, customer_col=None, random_state=0)
    assert set(by_index["customer_id"]) == set(groups.index)


def test_log_does_not_mutate_its_input():
    roster = _roster(3)
    roster.attrs["note"] = "kept"
    before = copy.deepcopy(roster)
    kq.make_group_activity(roster, weeks=6, random_state=0)
    pd.testing.assert_frame_equal(roster, before)
    assert roster.attrs == before.attrs


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda r: kq.make_group_activity(r.drop(columns="group")), SchemaError, "'group'"),
        (lambda r: kq.make_group_activity(r, customer_col="client"), SchemaError, "'client'"),
        (lambda r: kq.make_group_activity(pd.concat([r, r.iloc[:2]])), SchemaError, "repeat"),
        (lambda r: kq.make_group_activity(r.assign(group=r["group"].where(r.index > 3))),
         SchemaError, "missing"),
        (lambda r: kq.make_group_activity(r, weeks=3), ParameterError, "weeks"),
        (lambda r: kq.make_group_activity(r, random_state="x"), ParameterError,
         "random_state"),
        (lambda r: kq.make_group_activity(r, assumptions={"dying_share": 0.5}),
         InputTypeError, "ActivityAssumptions"),
        (lambda r: kq.make_group_activity(r.to_dict()), InputTypeError, "DataFrame"),
        (lambda r: kq.ActivityAssumptions(dying_share=1.0), ParameterError, "dying_share"),
        (lambda r: kq.ActivityAssumptions(content_fit_sd=0.6), ParameterError, "too large"),
        (lambda r: kq.ActivityAssumptions(event_rate=(0.5, 0.2)), ParameterError, "event_rate"),
    ],
)
def test_log_bad_input(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call(_roster(2))


# --- silent groups -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("weeks", [8, 12, 26])
def test_silent_groups_precision_and_recall(seed, weeks):
    log = kq.make_group_activity(_roster(300, seed=seed), weeks=weeks, random_state=seed)
    flags = kq.silent_groups(log)
    truth = _truth(log).reindex(flags.index)
    assert truth.notna().all()
    tp = int((flags["silent"] & truth).sum())
    precision = tp / max(int(flags["silent"].sum()), 1)
    recall = tp / int(truth.sum())
    assert truth.sum() >= 30, "too few dying groups for a meaningful check"
    assert precision >= 0.9, f"precision {precision:.3f}"
    assert recall >= 0.9, f"recall {recall:.3f}"


def test_silent_rule_fields_and_reasons():
    # three hand-made groups: steady, halving every two weeks, mute
    weeks = np.arange(1, 13)
    rows = []
    for gid, per_week in (("steady", [20] * 12), ("fading", [int(40 * 0.7 ** (w - 1))
                                                             for w in weeks]),
                          ("mute", [0] * 12)):
        for w, n_posts in zip(weeks, per_week, strict=True):
            for member in range(50):
                rows.append((gid, f"{gid}{member}", w, int(member < n_posts), 0))
    log = pd.DataFrame(rows, columns=["group_id", "customer_id", "week", "posts", "replies"])
    s = kq.silent_groups(log)
    assert s["silent"].to_dict() == {"fading": True, "mute": True, "steady": False}
    assert s.loc["fading", "reason"] == "decaying" and s.loc["mute", "reason"] == "inactive"
    assert s.loc["steady", "activity_ratio"] == pytest.approx(1.0)
    assert s.loc["steady", "trend"] == pytest.approx(0.0)
    assert s.loc["fading", "weekly_change"] < -0.2
    assert np.isnan(s.loc["mute", "activity_ratio"])
    assert s.attrs == {}  # the windows (a quarter of 12 weeks: 3 and 3) follow from the rule
    # a stricter rule stops flagging the fading group
    strict = kq.silent_groups(log, rule=kq.SilenceRule(max_ratio=0.01))
    assert not strict.loc["fading", "silent"]


def test_silent_groups_bad_input(log):
    with pytest.raises(ParameterError, match="weeks"):
        kq.silent_groups(log[log["week"] <= 3])
    with pytest.raises(SchemaError, match="'replies'"):
        kq.silent_groups(log.drop(columns="replies"))
    with pytest.raises(InputTypeError, match="SilenceRule"):
        kq.silent_groups(log, rule=0.5)
    with pytest.raises(ParameterError, match="max_trend"):
        kq.SilenceRule(max_trend=0.1)


# --- the three feelings --------------------------------------------------------------------------


def _tiny() -> pd.DataFrame:
    """Group a: 3 members over 4 weeks; group b: 2 members over 4 weeks."""
    rows = [
        # group, member, week, posts, replies, attended, took_up, event, staff, fwd, fit
        ("a", 1, 1, 2, 1, False, False, False, 4, 2, 0.5),
        ("a", 1, 2, 0, 1, True, True, True, 2, 0, 0.7),
        ("a", 1, 3, 1, 0, False, False, False, 2, 2, 0.3),
        ("a", 2, 2, 0, 0, True, False, True, 2, 0, 0.7),
        ("b", 4, 1, 0, 0, False, False, True, 1, 1, 0.2),
        ("b", 4, 4, 0, 3, False, True, False, 3, 3, 0.4),
    ]
    cols = ["group_id", "customer_id", "week", "posts", "replies", "attended", "took_up",
            "event_held", "staff_items", "forwarded_items", "content_fit"]
    return pd.DataFrame(rows, columns=cols, index=[f"r{i}" for i in range(len(rows))])


def test_group_health_by_hand():
    members = pd.Series({"a": 3, "b": 2})
    h = kq.group_health(_tiny(), members=members)
    assert list(h.index) == ["a", "b"] and h.index.name == "group_id"
    a, b = h.loc["a"], h.loc["b"]
    assert a["weeks"] == 4 and a["members"] == 3
    # presence: a -> members 1 and 2 seen of 3; b -> member 4 of 2
    assert a["presence"] == pytest.approx(2 / 3) and b["presence"] == pytest.approx(1 / 2)
    # participation: (posts + replies) / (members * weeks)
    assert a["participation"] == pytest.approx(5 / 12)
    assert b["participation"] == pytest.approx(3 / 8)
    # belonging: active in >= max(2, ceil(0.25 * 4)) = 2 distinct weeks: member 1 (weeks 1-3)
    assert a["belonging"] == pytest.approx(1 / 3) and b["belonging"] == 0.0
    assert h.attrs == {}  # the belonging threshold follows from regular_share and weeks
    # attendance per member per event held: a held 1 event (week 2), 2 members came
    assert a["attendance"] == pytest.approx(2 / 3) and b["attendance"] == 0.0
    assert a["take_ups"] == 1 and b["take_ups"] == 1
    assert a["take_up_rate"] == pytest.approx(1 / 3) and a["member_weeks"] == 12
    # group-week columns count once per cell: a's staff items 4 + 2 + 2 (week 4 has no rows)
    assert a["staff_items"] == 8 and a["forwarded_share"] == pytest.approx(4 / 8)
    assert a["content_fit"] == pytest.approx((0.5 + 0.7 + 0.3) / 3)
    assert b["forwarded_share"] == 1.0 and b["events_held"] == 1


def test_group_health_window_and_default_members():
    h = kq.group_health(_tiny(), weeks=(2, 3))
    assert h.loc["a", "weeks"] == 2 and "b" not in h.index  # b has no rows in weeks 2-3
    assert h.loc["a", "members"] == 2  # distinct members in the log when members is not given
    assert h.loc["a", "presence"] == 1.0


def test_sparse_log_with_members_equals_the_dense_log(log):
    dense = kq.group_health(log)
    active = (log["posts"] > 0) | (log["replies"] > 0) | log["attended"] | log["took_up"]
    sparse = log[active]
    sizes = log.groupby("group_id", observed=True)["customer_id"].nunique()
    cols = ["presence", "participation", "belonging", "take_ups", "take_up_rate"]
    pd.testing.assert_frame_equal(kq.group_health(sparse, members=sizes)[cols], dense[cols])
    w_dense = kq.weekly_group_activity(log)
    w_sparse = kq.weekly_group_activity(sparse, members=sizes)
    pd.testing.assert_frame_equal(
        w_sparse[["group_id", "week", "members", "posts", "activity"]],
        w_dense[["group_id", "week", "members", "posts", "activity"]])
    assert kq.silent_groups(sparse, members=sizes)["silent"].equals(
        kq.silent_groups(log)["silent"])


def test_three_feelings_are_ordered_and_lower_in_silent_groups(log):
    h = kq.group_health(log)
    assert (h["belonging"] <= h["presence"]).all()
    assert h[["presence", "belonging"]].stack().between(0, 1).all()
    dying = _truth(log).reindex(h.index)
    for col in ("presence", "participation", "belonging", "take_up_rate"):
        assert h.loc[dying, col].mean() < h.loc[~dying, col].mean(), col


def test_weekly_activity_by_hand():
    w = kq.weekly_group_activity(_tiny(), members=pd.Series({"a": 3, "b": 2}))
    assert len(w) == 8 and w.index.equals(pd.RangeIndex(8))
    a2 = w[(w["group_id"] == "a") & (w["week"] == 2)].iloc[0]
    assert a2["active_members"] == 2 and a2["attended"] == 2 and a2["took_up"] == 1
    assert a2["activity"] == pytest.approx(1 / 3) and a2["active_share"] == pytest.approx(2 / 3)
    a4 = w[(w["group_id"] == "a") & (w["week"] == 4)].iloc[0]
    assert a4["posts"] == 0 and a4["members"] == 3  # a week without rows counts as silent


def test_dates_as_weeks():
    tiny = _tiny()
    dated = tiny.assign(week=pd.Timestamp("2024-01-01") + pd.to_timedelta(
        (tiny["week"] - 1) * 7, unit="D"))
    a = kq.group_health(tiny)
    b = kq.group_health(dated)
    pd.testing.assert_frame_equal(a[["presence", "participation", "belonging"]],
                                  b[["presence", "participation", "belonging"]])
    w = kq.weekly_group_activity(dated)
    assert pd.api.types.is_datetime64_any_dtype(w["week"])
    assert w["week"].iloc[1] == pd.Timestamp("2024-01-08")


def test_health_inputs_are_not_mutated():
    tiny = _tiny()
    before = copy.deepcopy(tiny)
    kq.group_health(tiny)
    kq.weekly_group_activity(tiny)
    kq.silent_groups(pd.concat([tiny.assign(week=tiny["week"] + 4 * i) for i in range(2)]))
    pd.testing.assert_frame_equal(tiny, before)


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda t: kq.group_health(t.drop(columns="posts")), SchemaError, "'posts'"),
        (lambda t: kq.group_health(t, group_col="team"), SchemaError, "'team'"),
        (lambda t: kq.group_health(t.assign(week="w1")), SchemaError, "week numbers or dates"),
        (lambda t: kq.group_health(t.assign(posts=-1)), SchemaError, "non-negative"),
        (lambda t: kq.group_health(t.assign(customer_id=None)), SchemaError, "missing"),
        (lambda t: kq.group_health(t, weeks=3), ParameterError, "weeks"),
        (lambda t: kq.group_health(t, regular_share=2), ParameterError, "regular_share"),
        (lambda t: kq.group_health(t, members=pd.Series({"a": 3})), ParameterError, "'b'"),
        (lambda t: kq.group_health(t, members=pd.Series({"a": 1, "b": 2})), ParameterError,
         "fewer"),
        (lambda t: kq.group_health(t, members={"a": 3, "b": 2}), InputTypeError, "Series"),
    ],
)
def test_health_bad_input(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call(_tiny())


# --- content and take-up -------------------------------------------------------------------------


def test_content_take_up_recovers_a_known_binomial_model():
    rng = np.random.default_rng(0)
    n = 400
    h = pd.DataFrame({"content_fit": rng.uniform(0.2, 0.9, n),
                      "forwarded_share": rng.uniform(0, 1, n),
                      "member_weeks": rng.integers(600, 1800, n)},
                     index=pd.Index([f"g{i}" for i in range(n)], name="group_id"))
    p = 1 / (1 + np.exp(-(-5 + 2.0 * h["content_fit"] - 1.5 * h["forwarded_share"])))
    h["take_ups"] = rng.binomial(h["member_weeks"], p)
    result = kq.content_take_up(h)
    fit = result.terms.set_index("term")
    assert list(fit.index) == ["Intercept", "content_fit", "forwarded_share"]
    for term, true in (("Intercept", -5), ("content_fit", 2.0), ("forwarded_share", -1.5)):
        assert fit.loc[term, "conf_low"] < true < fit.loc[term, "conf_high"], term
    # the dispersion of a true binomial is about 1 and the errors match a plain binomial GLM
    assert 0.7 < result.dispersion < 1.3 and result.n_groups == len(h)
    plain = sm.GLM(np.column_stack([h["take_ups"], h["member_weeks"] - h["take_ups"]]),
                   sm.add_constant(h[["content_fit", "forwarded_share"]].to_numpy()),
                   family=sm.families.Binomial()).fit()
    ratio = fit["std_error"].to_numpy() / np.asarray(plain.bse)
    assert np.allclose(ratio, np.sqrt(result.dispersion), rtol=1e-6)
    assert fit.loc["content_fit", "odds_ratio_10pts"] == pytest.approx(
        np.exp(0.1 * fit.loc["content_fit", "estimate"]))
    assert np.isnan(fit.loc["Intercept", "odds_ratio_10pts"])


def test_content_take_up_on_the_synthetic_log():
    h = kq.group_health(kq.make_group_activity(_roster(300, seed=2), random_state=2))
    fit = kq.content_take_up(h).terms.set_index("term")
    assert fit.loc["content_fit", "conf_low"] > 0
    assert fit.loc["forwarded_share", "conf_high"] < 0
    assert fit.loc["content_fit", "p_value"] < 0.01


def test_content_take_up_result_is_a_frozen_dataclass():
    h = kq.group_health(kq.make_group_activity(_roster(60, seed=3), random_state=3))
    result = kq.content_take_up(h, covariates=["content_fit"])
    assert isinstance(result, kq.TakeUpFit)
    assert [f.name for f in dataclasses.fields(result)] == [
        "terms", "n_groups", "dispersion", "method"]
    assert result.terms["term"].tolist() == ["Intercept", "content_fit"]
    assert result.terms.attrs == {} and result.n_groups == 60 and result.dispersion > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.dispersion = 1.0
    assert "n_groups=60, dispersion=" in repr(result)


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "fragment"),
    [
        (lambda h: h.drop(columns="content_fit"), {}, SchemaError, "'content_fit'"),
        (lambda h: h.assign(take_ups=h["member_weeks"] + 1), {}, SchemaError, "above"),
        (lambda h: h.iloc[:3], {}, ParameterError, "too few"),
        (lambda h: h, {"covariates": []}, ParameterError, "empty"),
    ],
)
def test_content_take_up_bad_input(log, change, kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        kq.content_take_up(change(kq.group_health(log)), **kwargs)


# --- value recognition ---------------------------------------------------------------------------


def test_value_recognition_formula_and_scoring():
    h = pd.DataFrame({"content_fit": [0.8, 0.4, 0.0], "forwarded_share": [0.25, 1.0, 0.0],
                      "events_held": [6, 1, 0], "weeks": [12, 12, 12]},
                     index=pd.Index(["a", "b", "c"], name="group_id"))
    v = kq.value_recognition(h)
    assert v.index.equals(h.index)
    assert v["professional_value"].tolist() == pytest.approx([0.6, 0.0, 0.0])
    assert v["resource_value"].tolist() == pytest.approx([1.0, 1 / 6, 0.0])
    assert (v["value_recognition"] == v["professional_value"] + v["resource_value"]).all()
    w = kq.value_recognition(h, scoring=kq.ValueScoring(full_event_rate=1.0,
                                                        resource_weight=0.5))
    assert w.loc["a", "resource_value"] == pytest.approx(0.5)
    assert w.loc["a", "value_recognition"] == pytest.approx(0.6 + 0.25)


def test_value_recognition_on_the_log_goes_with_take_up(log):
    h = kq.group_health(log)
    v = kq.value_recognition(h)
    assert v["value_recognition"].between(0, 2).all()
    assert np.corrcoef(v["value_recognition"], h["take_up_rate"])[0, 1] > 0.2


def test_value_recognition_bad_input():
    h = pd.DataFrame({"content_fit": [1.2], "forwarded_share": [0.1], "events_held": [1],
                      "weeks": [4]})
    with pytest.raises(SchemaError, match="at most 1"):
        kq.value_recognition(h)
    with pytest.raises(SchemaError, match="'events_held'"):
        kq.value_recognition(h.drop(columns="events_held"))
    with pytest.raises(InputTypeError, match="ValueScoring"):
        kq.value_recognition(h, scoring={"full_event_rate": 1})
    with pytest.raises(ParameterError, match="full_event_rate"):
        kq.ValueScoring(full_event_rate=0)


# --- plots ---------------------------------------------------------------------------------------


def test_plots_draw_on_the_given_axes(log):
    weekly = kq.weekly_group_activity(log).join(kq.silent_groups(log)["silent"], on="group_id")
    _fig, (a1, a2) = plt.subplots(1, 2)
    ax = kq.plot_group_activity(weekly, ax=a1, n_lines=5)
    assert ax is a1
    assert "falling silent" in ax.get_title() and ax.get_xlabel() == "Week (周)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) == {"silent 沉默群", "others 其他群"}
    assert len(ax.lines) >= 10  # 5 thin lines per level plus the medians
    h = kq.group_health(log)
    ax2 = kq.plot_take_up_vs_fit(h, ax=a2)
    assert ax2 is a2 and len(ax2.collections[0].get_offsets()) == len(h)
    assert ax2.get_ylabel() == "Products taken up per 100 members"
    ax3 = kq.plot_group_activity(weekly.drop(columns="silent"), hue=None, n_lines=0)
    assert "groups" in ax3.get_title()
    with pytest.raises(SchemaError, match="'silent'"):
        kq.plot_group_activity(weekly.drop(columns="silent"))


def test_a_customer_in_two_groups_counts_in_both():
    tiny = _tiny()
    both = pd.concat([tiny, tiny[tiny["customer_id"] == 1].assign(group_id="b")],
                     ignore_index=True)
    h = kq.group_health(both)
    assert h.loc["b", "members"] == 2 and h.loc["a", "members"] == 2
    assert h.loc["b", "presence"] == 1.0  # customer 1 is active in b too
    w = kq.weekly_group_activity(both)
    assert w.loc[(w["group_id"] == "b") & (w["week"] == 1), "posts"].item() == 2


@st.composite
def _logs(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    return pd.DataFrame({
        "group_id": rng.choice(list("abcd"), n),
        "customer_id": rng.integers(0, 12, n),
        "week": rng.integers(1, 9, n),
        "posts": rng.poisson(0.7, n),
        "replies": rng.poisson(1.0, n),
        "attended": rng.random(n) < 0.3,
        "took_up": rng.random(n) < 0.1,
    }).drop_duplicates(["group_id", "customer_id", "week"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=_logs(), seed=st.integers(0, 1000))
def test_health_invariants_and_row_order(log, seed):
    h = kq.group_health(log)
    assert list(h.index) == sorted(log["group_id"].unique())
    assert ((0 <= h["belonging"]) & (h["belonging"] <= h["presence"]) & (h["presence"] <= 1)).all()
    assert h["take_ups"].sum() == log["took_up"].sum()
    n_weeks = log["week"].nunique()
    msgs = log.groupby("group_id")[["posts", "replies"]].sum().sum(axis=1)
    expected = msgs / (log.groupby("group_id")["customer_id"].nunique() * n_weeks)
    np.testing.assert_allclose(h["participation"], expected.reindex(h.index))
    w = kq.weekly_group_activity(log)
    assert len(w) == h.shape[0] * n_weeks
    assert w["posts"].sum() == log["posts"].sum() and w["attended"].sum() == log["attended"].sum()
    shuffled = log.sample(frac=1.0, random_state=seed)
    pd.testing.assert_frame_equal(kq.group_health(shuffled), h)
    pd.testing.assert_frame_equal(kq.weekly_group_activity(shuffled), w)
