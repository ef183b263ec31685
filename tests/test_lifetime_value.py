"""Tests of customer lifetime value (kq.clv and friends) and the model checks."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.errors import NotFittedError, ParameterError, SchemaError

CAL_END = "2024-12-31"


@pytest.fixture(scope="module")
def bank():
    """A synthetic bank with one calibration year and one simulated future year."""
    customers = kq.make_customers(n=4_000, random_state=2)
    log = kq.make_transactions(customers, months=12, future_months=12, random_state=2)
    split = kq.calibration_holdout(log, calibration_end=CAL_END, time_unit=7)
    activity = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
                        T_col="T_cal").fit(split)
    spend = kq.GammaGamma(frequency_col="frequency_cal", monetary_col="monetary_value_cal").fit(
        split[split["frequency_cal"] > 0])
    return {"customers": customers, "log": log, "split": split, "activity": activity,
            "spend": spend}


def _clv(bank, **kw):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="clv: the spend model")
        return kq.clv(bank["activity"], bank["spend"], bank["split"], **kw)


def test_point_value_is_spend_times_purchases_without_discount(bank):
    v = _clv(bank, horizon=1.0, discount_rate=0.0, n_draws=0)
    weeks = 365.25 / 7
    purchases = bank["activity"].expected_purchases(
        weeks, rfm_table=bank["split"])
    np.testing.assert_allclose(v["expected_purchases"], purchases, rtol=1e-9)
    spend = bank["spend"].conditional_expected_spend(bank["split"][bank["split"].frequency_cal > 0])
    ok = v["clv"].notna()
    common = spend.index.intersection(v.index[ok])
    np.testing.assert_allclose(v.loc[common, "clv"],
                               spend.loc[common] * purchases.loc[common], rtol=1e-9)
    assert list(v.columns) == ["p_alive", "expected_purchases", "expected_spend", "margin", "clv"]


def test_discount_and_margin(bank):
    plain = _clv(bank, horizon=2.0, discount_rate=0.0, n_draws=0)["clv"]
    disc = _clv(bank, horizon=2.0, discount_rate=0.2, n_draws=0)["clv"]
    ok = plain.notna() & (plain > 0)
    assert (disc[ok] < plain[ok]).all()
    margin = pd.Series(0.5, index=bank["split"].index)
    margin.iloc[:10] = -0.1
    half = _clv(bank, horizon=2.0, discount_rate=0.2, margin=margin, n_draws=0)["clv"]
    np.testing.assert_allclose(half[ok], disc[ok] * margin[ok])


def test_intervals_cover_the_simulated_truth(bank):
    """The done-criterion of the issue: 95% intervals cover >= 90% of customers' true value."""
    margin = kq.contribution_margin(bank["customers"], bank["log"][bank["log"]["date"] <= CAL_END])
    v = _clv(bank, horizon=1.0, margin=margin.reindex(bank["split"].index).fillna(0.0),
             n_draws=100, random_state=0)
    truth = kq.realised_value(bank["log"], start=CAL_END, horizon=1.0,
                              margin=margin.reindex(bank["split"].index).fillna(0.0),
                              customers=bank["split"].index)
    ok = v["clv"].notna()
    assert ok.mean() > 0.95
    inside = (truth[ok] >= v.loc[ok, "clv_lower"]) & (truth[ok] <= v.loc[ok, "clv_upper"])
    assert inside.mean() >= 0.90
    assert np.corrcoef(truth[ok].rank(), v.loc[ok, "clv"].rank())[0, 1] > 0.7


def test_intervals_on_data_from_the_model():
    rfm = kq.simulate_bgnbd(3000, r=0.8, alpha=4.0, a=0.8, b=3.0, T=52.0, holdout=52.0,
                            random_state=4)
    rfm.attrs["time_unit_days"] = 7.0
    act = kq.BGNBD().fit(rfm)
    v = kq.clv(act, kq.GammaGamma().fit(kq.simulate_gamma_gamma(500, p=6, q=4, v=15)), rfm.assign(
        monetary_value=np.where(rfm["frequency"] > 0, 30.0, 0.0)), horizon=52 * 7 / 365.25,
        n_draws=200, steps_per_year=12)
    assert v["clv_lower"].le(v["clv"]).mean() > 0.95
    assert (v["clv_upper"] >= v["clv_lower"]).all()


def test_seeded(bank):
    a = _clv(bank, horizon=1.0, n_draws=30, random_state=5)
    b = _clv(bank, horizon=1.0, n_draws=30, random_state=5)
    pd.testing.assert_frame_equal(a, b)


def test_bad_input(bank):
    with pytest.raises(NotFittedError):
        kq.clv(kq.BGNBD(), bank["spend"], bank["split"])
    with pytest.raises(ParameterError, match="GammaGamma"):
        kq.clv(bank["activity"], bank["activity"], bank["split"])
    with pytest.raises(ParameterError, match="horizon"):
        _clv(bank, horizon=0.0)
    short = pd.Series(0.1, index=bank["split"].index[5:])
    with pytest.raises(SchemaError, match="margin") as err:
        _clv(bank, margin=short, n_draws=0)
    assert err.value.rows[:1] == [bank["split"].index[0]]
    bare = bank["split"].copy()
    bare.attrs = {}
    with pytest.raises(ParameterError, match="time_unit"):
        _clv({**bank, "split": bare}, n_draws=0)


def test_realised_value_by_hand():
    log = pd.DataFrame({"customer_id": [1, 1, 1, 2],
                        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-08-01",
                                                "2025-06-01"]),
                        "amount": [100.0, 10.0, 20.0, 50.0]})
    got = kq.realised_value(log, start="2024-01-01", horizon=1.0, discount_rate=0.1,
                            steps_per_year=4, customers=pd.Index([1, 2, 3]))
    # February: end of quarter 1; August: end of quarter 3; the first day and 2025 are outside
    expected = 10 / 1.1 ** 0.25 + 20 / 1.1 ** 0.75
    assert got.tolist() == pytest.approx([expected, 0.0, 0.0])


def test_realised_value_and_margin_check_the_log_as_rfm_does(bank):
    log = pd.DataFrame({"customer_id": [1, 1, 2],
                        "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                        "amount": [100.0, 10.0, 20.0]})
    customers = pd.DataFrame({"customer_id": [1, 2], "deposit_balance": [1e5, 2e5]})
    bad = {"text": (log.assign(amount=["100", "n/a", "20"]), "1 value(s) are not numbers"),
           "nan": (log.assign(amount=[100.0, np.nan, 20.0]), "finite (no NaN)"),
           "overflow": (log.assign(amount=[1.7e308, 1.7e308, 1.0]), "adds up to more than"),
           "missing id": (log.assign(customer_id=[1.0, np.nan, 2.0]), "missing id(s)")}
    for label, (frame, fragment) in bad.items():
        with pytest.raises(SchemaError, match=re.escape(fragment)) as err:
            kq.realised_value(frame, start="2024-01-01", horizon=1.0)
        assert str(err.value).startswith("realised_value: column "), label
        with pytest.raises(SchemaError, match=re.escape(fragment)):
            kq.contribution_margin(customers, frame, missing="zero")


def test_contribution_margin(bank):
    cal = bank["log"][bank["log"]["date"] <= CAL_END]
    margin = kq.contribution_margin(bank["customers"], cal)
    contrib = kq.contribution(bank["customers"]).set_index(bank["customers"]["customer_id"])
    volume = cal.groupby("customer_id")["amount"].sum() / (366 / 365.25)
    np.testing.assert_allclose(margin, (contrib["contribution"] / volume).loc[margin.index])


def test_customer_equity(bank):
    v = _clv(bank, horizon=1.0, n_draws=0).dropna()
    tiers = bank["customers"].set_index("customer_id")["customer_kind"]
    eq = kq.customer_equity(v, tiers)
    assert eq["customers"].sum() == len(v)
    assert eq["equity"].sum() == pytest.approx(v["clv"].sum())
    assert eq["share_of_equity"].sum() == pytest.approx(1.0)


def test_holdout_by_frequency(bank):
    table = kq.holdout_by_frequency(bank["activity"], bank["split"], max_frequency=5)
    actual = table[table["source"] == "actual"].set_index("frequency_cal")
    s = bank["split"]
    grp = np.minimum(s["frequency_cal"], 5)
    assert actual.loc["5+", "mean_purchases"] == pytest.approx(
        s.loc[grp == 5, "frequency_holdout"].mean())
    assert actual["customers"].sum() == len(s)


def test_holdout_errors(bank):
    err = kq.holdout_errors(bank["activity"], bank["split"]).set_index("metric")["value"]
    assert err["actual_total"] == bank["split"]["frequency_holdout"].sum()
    assert err["total_pct_error"] == pytest.approx(
        err["expected_total"] / err["actual_total"] - 1)
    assert abs(err["total_pct_error"]) < 0.25
    assert err["mae"] < err["mae_baseline"]  # the model beats the naive run rate


def test_tracking(bank):
    tr = kq.tracking(bank["activity"], bank["log"], calibration_end=CAL_END, time_unit=7)
    actual = tr[tr["source"] == "actual"]
    model = tr[tr["source"] == "model"]
    assert actual["repeat_purchases"].is_monotonic_increasing
    assert model["repeat_purchases"].is_monotonic_increasing
    s = bank["split"]
    total = s["frequency_cal"].sum() + s["frequency_holdout"].sum()
    assert actual["repeat_purchases"].iloc[-1] == total
    end_cal = actual[actual["period"] == "calibration"]["repeat_purchases"].iloc[-1]
    assert end_cal == s["frequency_cal"].sum()
    model_end = model[model["period"] == "calibration"]["repeat_purchases"].iloc[-1]
    assert model_end == pytest.approx(end_cal, rel=0.1)


def test_unconditional_expectation_matches_simulation():
    rfm = kq.simulate_bgnbd(4000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0, random_state=0)
    model = kq.BGNBD().fit(rfm)
    big = kq.simulate_bgnbd(200_000, **model.params_.to_dict(), T=40.0, random_state=1)
    curve = model.unconditional_expected_purchases([0.0, 40.0])
    assert curve.iloc[0] == 0.0
    assert curve.iloc[1] == pytest.approx(big["frequency"].mean(), rel=0.02)
    with pytest.raises(ParameterError):
        model.unconditional_expected_purchases(-1)
    with pytest.raises(NotFittedError):
        kq.BGNBD().unconditional_expected_purchases(1.0)


def test_plots(bank):
    import matplotlib.pyplot as plt

    kq.use_theme()
    table = kq.holdout_by_frequency(bank["activity"], bank["split"])
    ax = kq.plot_calibration_holdout(table)
    assert len(ax.lines) >= 2 and ax.get_title()
    plt.close("all")
    tr = kq.tracking(bank["activity"], bank["log"], calibration_end=CAL_END, time_unit=7)
    ax = kq.plot_tracking(tr)
    assert len(ax.lines) >= 3 and "Tracking" in ax.get_title()  # two series + the split line
    plt.close("all")
    with pytest.raises(SchemaError, match="mean_purchases"):
        kq.plot_calibration_holdout(table.drop(columns="mean_purchases"))


@pytest.mark.parametrize(("lang", "entries"), [("en", ["actual", "model"]),
                                               ("zh", ["实际", "模型"])])
def test_holdout_legends_read_in_the_pages_language(bank, lang, entries):
    import matplotlib.pyplot as plt

    table = kq.holdout_by_frequency(bank["activity"], bank["split"])
    tr = kq.tracking(bank["activity"], bank["log"], calibration_end=CAL_END, time_unit=7)
    kq.use_theme(lang=lang)
    try:
        shown = [[t.get_text() for t in ax.get_legend().get_texts()]
                 for ax in (kq.plot_calibration_holdout(table, ax=plt.figure().gca()),
                            kq.plot_tracking(tr, ax=plt.figure().gca()))]
    finally:
        kq.use_theme(lang="en")
        plt.close("all")
    assert shown == [entries, entries]


def test_clv_sample_is_stratified_and_seeded(bank):
    s = bank["split"]
    sample = kq.clv_sample(s, n=1000, frequency_col="frequency_cal", random_state=1)
    assert len(sample) == 1000 and sample.index.is_unique
    assert sample.attrs["time_unit_days"] == 7.0
    full = (s["frequency_cal"] == 0).mean()
    assert abs((sample["frequency_cal"] == 0).mean() - full) <= 1 / 1000 + 1e-12
    again = kq.clv_sample(s, n=1000, frequency_col="frequency_cal", random_state=1)
    assert sample.index.equals(again.index)
    assert len(kq.clv_sample(s, n=10**9, frequency_col="frequency_cal")) == len(s)


def test_clv_per_dask_partition(bank):
    dd = pytest.importorskip("dask.dataframe")
    split = bank["split"]
    lazy = dd.from_pandas(split, npartitions=3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="clv: the spend model")
        got = kq.clv(bank["activity"], bank["spend"], lazy, horizon=1.0, n_draws=20,
                     time_unit=7, random_state=3).compute(scheduler="synchronous")
        again = kq.clv(bank["activity"], bank["spend"], lazy, horizon=1.0, n_draws=20,
                       time_unit=7, random_state=3).compute(scheduler="synchronous")
        point = _clv(bank, horizon=1.0, n_draws=0)
    pd.testing.assert_frame_equal(got, again)  # seeded per partition
    pd.testing.assert_series_equal(got["clv"].sort_index(), point["clv"], check_names=False)
    assert got.index.sort_values().equals(split.index)


def test_customer_equity_keeps_the_category_order():
    # tiers sorted as strings would put 私人银行 before 贵宾; the table follows the ladder
    order = ["大众", "富裕", "贵宾", "私人银行"]
    values = pd.DataFrame({"clv": [1.0, 2.0, 3.0, 4.0, 5.0]})
    tiers = pd.Series(pd.Categorical(["大众", "私人银行", "贵宾", "富裕", "大众"],
                                     categories=order, ordered=True))
    eq = kq.customer_equity(values, tiers)
    assert eq["group"].tolist() == order
    assert eq["customers"].tolist() == [2, 1, 1, 1]
    assert eq.iloc[-1]["equity"] == 2.0


def test_tracking_axis_counts_without_scientific_offset():
    import matplotlib.pyplot as plt

    dates = pd.to_datetime(["2024-01-07", "2024-06-30", "2025-01-05", "2025-12-28"] * 2)
    table = pd.DataFrame({"date": dates, "period": ["calibration"] * 2 + ["holdout"] * 2
                          + ["calibration"] * 2 + ["holdout"] * 2,
                          "source": ["actual"] * 4 + ["model"] * 4,
                          "repeat_purchases": [0.0, 4e5, 9e5, 1.7e6, 0.0, 4.1e5, 9.2e5, 1.75e6]})
    ax = kq.plot_tracking(table)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert any("," in t for t in labels) and not any("e" in t for t in labels), labels
    plt.close("all")
