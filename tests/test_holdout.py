"""Tests of kq.calibration_holdout and the time unit of kq.rfm, on a log checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib.errors import ParameterError, SchemaError

from .conftest import REPO

COLUMNS = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
           "frequency_holdout", "monetary_value_holdout", "duration_holdout"]


@pytest.fixture
def hand_log() -> pd.DataFrame:
    """Customer "A" buys on 3 days in 2 weeks of the calibration period (ending Sunday 14
    January) and on 2 days of one holdout week; "B" buys once; "C" first buys in the holdout."""
    rows = [
        ("A", "2024-01-01", 10.0), ("A", "2024-01-01", 5.0), ("A", "2024-01-03", 20.0),
        ("A", "2024-01-09", 30.0),
        ("A", "2024-01-16", 8.0), ("A", "2024-01-16", 12.0), ("A", "2024-01-20", 40.0),
        ("B", "2024-01-10", 7.0),
        ("C", "2024-01-15", 99.0),
        ("A", "2024-02-05", 1000.0),  # after observation_end: ignored
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    df["date"] = pd.to_datetime(df["date"])
    return df.sample(frac=1.0, random_state=3)  # order must not matter


def _split(log, **kw):
    return kq.calibration_holdout(log, calibration_end="2024-01-14",
                                  observation_end="2024-01-28", **kw)


def test_days_by_hand(hand_log):
    out = _split(hand_log)
    assert list(out.columns) == COLUMNS
    assert out.index.tolist() == ["A", "B"]  # C was first seen in the holdout
    assert out.index.name == "customer_id"
    # A: purchase days 1, 3, 9 Jan -> 2 repeat days, last - first = 8, T = 14 - 1 = 13,
    # repeat days' totals 20 and 30; holdout days 16 and 20 Jan, transactions 8, 12, 40
    assert out.loc["A"].tolist() == [2.0, 8.0, 13.0, 25.0, 2.0, 20.0, 14.0]
    assert out.loc["B"].tolist() == [0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 14.0]
    assert out.attrs["time_unit_days"] == 1.0
    assert out.attrs["observation_end"] == "2024-01-28"


def test_days_over_seven_by_hand(hand_log):
    out = _split(hand_log, time_unit=7)
    np.testing.assert_allclose(out.loc["A"], [2.0, 8 / 7, 13 / 7, 25.0, 2.0, 20.0, 2.0])
    np.testing.assert_allclose(out.loc["B"], [0.0, 0.0, 4 / 7, 0.0, 0.0, 0.0, 2.0])
    same = _split(hand_log, time_unit="7D")
    pd.testing.assert_frame_equal(out, same)
    assert out.attrs["time_unit_days"] == 7.0


def test_calendar_weeks_by_hand(hand_log):
    out = _split(hand_log, freq="W")
    # A: weeks of 1 Jan (1 and 3 Jan) and of 8 Jan -> 1 repeat week worth 30; holdout: both
    # days in the week of 15 Jan -> 1 period; the holdout spans 2 weeks
    assert out.loc["A"].tolist() == [1.0, 1.0, 1.0, 30.0, 1.0, 20.0, 2.0]
    assert out.loc["B"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]


def test_calibration_part_equals_rfm(hand_log):
    out = _split(hand_log, time_unit=7)
    cal = kq.rfm(hand_log[hand_log["date"] <= "2024-01-14"], observation_end="2024-01-14",
                 time_unit=7)
    got = out[[c for c in COLUMNS if c.endswith("_cal")]]
    got.columns = cal.columns
    pd.testing.assert_frame_equal(got, cal, check_like=True)


def test_rfm_time_unit_scales_only_time(transactions):
    days = kq.rfm(transactions)
    weeks = kq.rfm(transactions, time_unit=7)
    pd.testing.assert_series_equal(days["frequency"], weeks["frequency"])
    pd.testing.assert_series_equal(days["monetary_value"], weeks["monetary_value"])
    np.testing.assert_allclose(weeks["T"] * 7, days["T"])
    np.testing.assert_allclose(weeks["recency"] * 7, days["recency"])
    assert kq.rfm(transactions, freq="W").attrs["time_unit_days"] == 7.0


def test_holdout_on_synthetic_log(transactions):
    out = kq.calibration_holdout(transactions, calibration_end="2024-04-30")
    hold = transactions[transactions["date"] > "2024-04-30"]
    active = hold.groupby("customer_id")["date"].nunique()
    got = out["frequency_holdout"]
    common = active.index.intersection(out.index)
    assert (got.loc[common] == active.loc[common]).all()
    assert (got.drop(common) == 0).all()
    assert out["duration_holdout"].iloc[0] == (
        transactions["date"].max() - pd.Timestamp("2024-04-30")).days


def test_no_mutation(hand_log):
    before = hand_log.copy()
    _split(hand_log)
    pd.testing.assert_frame_equal(hand_log, before)


@pytest.mark.parametrize(
    ("kwargs", "exc", "fragment"),
    [
        ({"calibration_end": "2024-01-28"}, ParameterError, "earlier period"),
        ({"calibration_end": "2023-06-01"}, ParameterError, "before every transaction"),
        ({"calibration_end": None}, ParameterError, "required"),
        ({"calibration_end": "soon"}, ParameterError, "not a date"),
        ({"calibration_end": "2024-01-14", "time_unit": -7}, ParameterError, "positive length"),
        ({"calibration_end": "2024-01-14", "freq": "M"}, ParameterError, "freq"),
    ],
)
def test_bad_parameters(hand_log, kwargs, exc, fragment):
    kwargs.setdefault("observation_end", "2024-01-28")
    with pytest.raises(exc, match=fragment):
        kq.calibration_holdout(hand_log, **kwargs)


def test_bad_log(hand_log):
    with pytest.raises(SchemaError, match="amount"):
        kq.calibration_holdout(hand_log.drop(columns="amount"), calibration_end="2024-01-14")
    bad = hand_log.copy()
    bad.loc[bad.index[0], "date"] = pd.NaT
    with pytest.raises(SchemaError, match="date"):
        kq.calibration_holdout(bad, calibration_end="2024-01-14")


def _cdnow_sample():
    """The CDNOW sample (2,357 customers) shipped inside the benchmark peers' environment."""
    hits = sorted((REPO / "bench" / ".venv-peers").glob(
        "lib/python*/site-packages/lifetimes/datasets/CDNOW_sample.txt"))
    if not hits:
        pytest.skip("CDNOW sample not found: build bench/.venv-peers (make bench) to run this")
    raw = pd.read_csv(hits[0], sep=r"\s+", header=None, dtype={2: str},
                      names=["customer_id", "order_id", "date", "quantity", "amount"])
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw


def test_cdnow_days_over_seven_reproduce_the_literature():
    """Fader, Hardie and Lee (2005): r=0.243, alpha=4.414, a=0.793, b=2.426 on 39 weeks."""
    raw = _cdnow_sample()
    split = kq.calibration_holdout(raw, calibration_end="1997-09-30",
                                   observation_end="1998-06-30", time_unit=7)
    assert len(split) == 2357
    model = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
                     T_col="T_cal").fit(split)
    np.testing.assert_allclose(model.params_, [0.243, 4.414, 0.793, 2.426], rtol=2e-3)
    weeks = kq.calibration_holdout(raw, calibration_end="1997-09-30",
                                   observation_end="1998-06-30", freq="W")
    r_weeks = kq.BGNBD(frequency_col="frequency_cal", recency_col="recency_cal",
                       T_col="T_cal").fit(weeks).params_["r"]
    assert abs(r_weeks - 0.291) < 0.002  # calendar weeks are another model of the same log


def test_empty_log(hand_log):
    with pytest.raises(SchemaError, match="empty"):
        kq.calibration_holdout(hand_log.iloc[:0], calibration_end="2024-01-14")


def test_future_months_extend_the_same_log(customers):
    base = kq.make_transactions(customers, months=6, random_state=5)
    both = kq.make_transactions(customers, months=6, future_months=6, random_state=5)
    past = both[both["date"] < "2024-07-01"].reset_index(drop=True)
    pd.testing.assert_frame_equal(past, base)  # the period is untouched by the future
    future = both[both["date"] >= "2024-07-01"]
    assert future["date"].max() <= pd.Timestamp("2024-12-31") and len(future) > 0
    last_day = base.groupby("customer_id")["date"].max()
    silent = last_day[last_day < "2024-03-01"].index  # silent for four months: mostly churned
    share_back = future["customer_id"].isin(silent).sum() / max(len(future), 1)
    assert share_back < 0.05
    with pytest.raises(ParameterError, match="future_months"):
        kq.make_transactions(customers, months=6, future_months=-1)


def test_rfm_monetary_all_values_one_time_buyers(hand_log):
    repeat = kq.rfm(hand_log, observation_end="2024-01-28")
    every = kq.rfm(hand_log, observation_end="2024-01-28", monetary="all")
    # A: days 1, 3, 9, 16, 20 Jan with totals 15, 20, 30, 20, 40; B and C bought once
    assert every.loc["A", "monetary_value"] == pytest.approx((15 + 20 + 30 + 20 + 40) / 5)
    assert repeat.loc["B", "monetary_value"] == 0.0
    assert every.loc["B", "monetary_value"] == 7.0 and every.loc["C", "monetary_value"] == 99.0
    pd.testing.assert_frame_equal(every.drop(columns="monetary_value"),
                                  repeat.drop(columns="monetary_value"))
    with pytest.raises(ParameterError, match="monetary"):
        kq.rfm(hand_log, monetary="first")


def test_monetary_all_fills_the_rfm_segments():
    """A log like CDNOW's: most customers buy once, so with M = 0 for all of them half of
    the eight segments stay empty."""
    rng = np.random.default_rng(0)
    n = 2000
    visits = np.where(rng.random(n) < 0.7, 1, 1 + rng.poisson(4, n))
    ids = np.repeat(np.arange(n), visits)
    log = pd.DataFrame({"customer_id": ids,
                        "date": pd.Timestamp("2024-01-01")
                        + pd.to_timedelta(rng.integers(0, 365, ids.size), "D"),
                        "amount": rng.gamma(2.0, 50.0, ids.size)})
    seg = {m: kq.rfm_segments(kq.rfm_scores(kq.rfm(log, monetary=m)))["segment"]
           for m in ("repeat", "all")}
    filled = {m: int((s.value_counts() > 0).sum()) for m, s in seg.items()}
    assert filled["repeat"] <= 4 < filled["all"]
