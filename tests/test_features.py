"""The automatic feature choice (kq.choose_features) and the persona names built on it."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
BANK_DIR = SHARED / "uci-bank-marketing"
CREDIT_DIR = SHARED / "uci-default-credit-card-clients"


@pytest.fixture(scope="module")
def churners() -> pd.DataFrame:
    """A card-churn extract shaped like the public BankChurners table, plus Chinese ids."""
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame({
        "CLIENTNUM": rng.permutation(np.arange(700_000_000, 700_000_000 + n)),
        "birth_number": rng.integers(400101, 791231, n),
        "证件号码": [f"11010519{80 + i % 20}0101{i:03d}X" for i in range(n)],
        "Attrition_Flag": rng.choice(["Existing Customer", "Attrited Customer"], n),
        "row_key": np.arange(n) * 7 + 3,
        "Customer_Age": rng.integers(25, 70, n),
        "Credit_Limit": rng.gamma(2.0, 4000.0, n),
        "Total_Trans_Ct": rng.poisson(60, n),
        "Gender": rng.choice(["M", "F"], n),
        "serial": rng.permutation(n) + 1,
        "true_segment": rng.integers(0, 3, n),
    })


def test_ids_labels_and_truth_are_never_features(churners):
    chosen = kq.choose_features(churners)
    assert chosen.index.tolist() == churners.columns.tolist()
    used = chosen.index[chosen["use"]].tolist()
    assert used == ["Customer_Age", "Credit_Limit", "Total_Trans_Ct", "Gender"]
    why = chosen["reason"]
    assert why["CLIENTNUM"].startswith("id-like") and why["birth_number"].startswith("id-like")
    assert why["证件号码"].startswith("id-like") and why["row_key"].startswith("id-like")
    assert why["serial"] == "id-like (unique per row)"
    assert why["Attrition_Flag"].startswith("label")
    assert why["true_segment"].startswith("ground truth")


def test_target_and_exclude_remove_more(churners):
    chosen = kq.choose_features(churners, target_col="Gender", exclude=["Credit_Limit"])
    assert chosen.loc["Gender", "reason"] == "label (target_col=)"
    assert chosen.loc["Credit_Limit", "reason"] == "excluded (exclude=)"
    assert chosen.index[chosen["use"]].tolist() == ["Customer_Age", "Total_Trans_Ct"]
    with pytest.raises(kq.ParameterError, match="exclude="):
        kq.choose_features(churners, exclude=3)


def test_old_target_keyword_still_works_with_a_future_warning(churners):
    new = kq.choose_features(churners, target_col="Gender")
    with pytest.warns(FutureWarning, match="use target_col= instead"):
        old = kq.choose_features(churners, target="Gender")
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(FutureWarning, match="use target_col= instead"):
        pipe = kq.segment_pipeline(n_clusters=2, target="Gender")
    assert pipe.fit(churners).named_steps["prepare"].get_feature_names_out().tolist() == [
        "numeric__Customer_Age", "numeric__Credit_Limit", "numeric__Total_Trans_Ct"]
    with pytest.warns(FutureWarning, match="use target_col= instead"):
        prof = kq.profile_segments(churners, [0, 1] * 200, target="Customer_Age")
    assert "z_Customer_Age" not in prof.columns
    with pytest.raises(kq.ParameterError, match="pass only target_col="):
        kq.segment_customers(churners, target="Gender", target_col="Gender")


def test_exact_copies_are_left_out_naming_the_column_they_copy(caplog):
    rng = np.random.default_rng(1)
    aum = rng.lognormal(9, 1, 120)
    data = pd.DataFrame({"aum": aum, "age": rng.integers(20, 80, 120),
                         "deposit_balance": aum.copy(), "credit_limit": aum.copy(),
                         "age_again": None, "region": rng.choice(["n", "s"], 120)})
    data["age_again"] = data["age"].astype("float64")  # same values, another dtype
    data["region_text"] = data["region"].astype("category")
    chosen = kq.choose_features(data)
    assert chosen.index[chosen["use"]].tolist() == ["aum", "age", "region"]
    assert chosen.loc["deposit_balance", "reason"] == "copy of 'aum'"
    assert chosen.loc["credit_limit", "reason"] == "copy of 'aum'"
    assert chosen.loc["age_again", "reason"] == "copy of 'age'"
    assert chosen.loc["region_text", "reason"] == "copy of 'region'"
    # a copy of an excluded column is not a copy of a kept one: it stays
    chosen = kq.choose_features(data, exclude="aum")
    assert chosen.loc["deposit_balance", "use"]
    assert chosen.loc["credit_limit", "reason"] == "copy of 'deposit_balance'"
    # one value apart is not a copy
    near = data.assign(credit_limit=np.r_[aum[:-1], aum[-1] + 1])
    assert kq.choose_features(near).loc["credit_limit", "use"]
    # the three automatic choices follow the rule, and say so
    with caplog.at_level(logging.INFO, logger="kequn_lib"):
        pipe = kq.segment_pipeline(n_clusters=2).fit(data)
        labels = pipe.predict(data)
        prof = kq.profile_segments(data, labels)
        groups = kq.dunbar_groups(data.assign(seg=labels), by="seg")
    names = pipe.named_steps["prepare"].get_feature_names_out().tolist()
    assert names == ["money__aum", "numeric__age", "categorical__region_n",
                     "categorical__region_s"]
    assert [c for c in prof.columns if c.startswith("z_")] == ["z_aum", "z_age"]
    assert len(groups) == len(data)
    assert "deposit_balance (copy of 'aum')" in caplog.text


def test_dunbar_groups_never_take_the_segment_column_as_a_feature(caplog):
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"age": rng.integers(20, 80, 200), "seg": np.repeat([0, 1], 100)})
    with caplog.at_level(logging.INFO, logger="kequn_lib"):
        kq.dunbar_groups(data, by="seg")
    chosen = [r.getMessage() for r in caplog.records if "features chosen" in r.getMessage()]
    assert chosen and "'seg'" not in chosen[0] and "'age'" in chosen[0]


def test_pipeline_uses_the_rule_logs_it_and_names_its_features(churners, caplog):
    pipe = kq.segment_pipeline(n_clusters=3, exclude="Gender")
    with caplog.at_level(logging.INFO, logger="kequn_lib.clustering"):
        pipe.fit(churners)
    names = list(pipe.named_steps["prepare"].get_feature_names_out())
    assert names == ["numeric__Customer_Age", "numeric__Credit_Limit", "numeric__Total_Trans_Ct"]
    assert list(pipe[:-1].get_feature_names_out()) == names
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "Customer_Age" in logged and "features used" in logged
    assert "CLIENTNUM" not in logged.split("features used")[1]
    with pytest.raises(kq.ParameterError, match="exclude= and target_col="):
        kq.segment_pipeline(numeric=["Customer_Age"], exclude=["Gender"])


def test_profiles_and_groups_follow_the_same_rule(churners):
    labels = kq.segment_pipeline(n_clusters=3).fit_predict(churners)
    prof = kq.profile_segments(churners, labels)
    zcols = [c[2:] for c in prof.columns if c.startswith("z_")]
    assert zcols == ["Customer_Age", "Credit_Limit", "Total_Trans_Ct"]
    groups = kq.dunbar_groups(churners, by=labels)
    assert len(groups) == len(churners)
    assert groups["group"].value_counts().max() <= 150


def test_persona_names_are_unique_and_disambiguated_by_the_next_feature():
    # segments 0 and 1 share their two strongest traits and differ by the third (tenure)
    data = pd.DataFrame({
        "aum": [9e5] * 4 + [1e3] * 8,
        "app_logins_90d": [1] * 4 + [60] * 8,
        "tenure_months": [85, 85, 35, 35] + [10, 110] * 4,
    })
    prof = kq.profile_segments(data, [0, 0, 1, 1] + [2] * 8)
    names = prof["persona"].tolist()
    assert names[0] == "高资产·低数字化·老客户 / high AUM, low digital, long tenure"
    assert names[1] == "高资产·低数字化·新客户 / high AUM, low digital, new customers"
    assert names[2] == "低资产·高数字化 / low AUM, high digital"
    # nothing left to tell two segments apart: the segment label is the last resort
    twins = kq.profile_segments(data.iloc[:4], [0, 0, 1, 1], features=["aum"])
    assert twins["persona"].is_unique and twins["persona"].str.contains("#").all()


def test_lexicon_extends_the_persona_words():
    data = pd.DataFrame({"salary": [1e3, 2e3, 9e4, 8e4], "app_logins_90d": [3, 3, 3, 4]})
    words = {"salary": ("高收入", "high income", "低收入", "low income")}
    prof = kq.profile_segments(data, [0, 0, 1, 1], lexicon=words)
    assert prof.loc[1, "persona"].startswith("高收入") and "high income" in prof.loc[1, "persona"]
    assert prof.loc[0, "persona"].startswith("低收入")
    with pytest.raises(kq.ParameterError, match="lexicon"):
        kq.profile_segments(data, [0, 0, 1, 1], lexicon={"salary": ("高",)})


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real dataset not found: {path}")
    return path


@pytest.mark.shared
def test_uci_bank_marketing_outcome_and_campaign_never_features():
    cust = kq.load_customers("uci-bank-marketing", data_home=_need(BANK_DIR))
    raw = kq.load_bank_marketing("additional", data_home=BANK_DIR)
    forbidden = {"campaign", "pdays", "previous", "poutcome", "contact", "duration", "y",
                 "day", "month", "day_of_week", "campaign_contacts", "previous_contacts",
                 "previously_contacted", "subscribed_term_deposit", "customer_id"}
    for table in (cust, raw):
        chosen = kq.choose_features(table)
        assert not forbidden & set(chosen.index[chosen["use"]]), chosen
    sample = cust.sample(4000, random_state=0)
    pipe = kq.segment_pipeline(n_clusters=5, random_state=0)
    labels = pipe.fit_predict(sample)
    names = " ".join(pipe.named_steps["prepare"].get_feature_names_out())
    assert "subscribed" not in names and "campaign" not in names and "previous" not in names
    prof = kq.profile_segments(sample, labels)
    assert prof["persona"].is_unique
    assert not any("subscribed" in c or "contact" in c for c in prof.columns)


@pytest.mark.shared
def test_uci_credit_default_label_is_not_a_feature():
    cust = kq.load_customers("uci-credit-default", data_home=_need(CREDIT_DIR))
    chosen = kq.choose_features(cust)
    assert not chosen.loc["defaulted_next_month", "use"]
    assert not chosen.loc["customer_id", "use"]
    assert chosen.loc["pay_delay_max_6m", "use"]


def test_stability_is_judged_by_the_lower_quantile():
    rng = np.random.default_rng(0)
    # two clear groups and a diffuse third: most runs agree, some do not
    data = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 60), rng.normal(3, 1, 60),
                                    rng.normal(6, 3, 60)]})
    res = kq.stability(data, kq.segment_pipeline(n_clusters=3), n_boot=12, random_state=0,
                       progress=False)
    s = res.summary
    assert s["q05_ari"] == pytest.approx(res.runs["ari"].quantile(0.05))
    lower = s["q05_ari"]
    expected = ("stable" if lower >= 0.85 else
                "moderately stable" if lower >= 0.6 else "unstable")
    assert s["verdict"] == expected


def test_progress_bars_only_in_interactive_sessions(monkeypatch):
    from kequn_lib.clustering._pipeline import _show_progress

    assert _show_progress(None) is False  # under pytest
    assert _show_progress(True) is True and _show_progress(False) is False
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("KEQUN_PROGRESS", "1")
    assert _show_progress(None) is True
    monkeypatch.setenv("KEQUN_PROGRESS", "0")
    assert _show_progress(None) is False
    monkeypatch.delenv("KEQUN_PROGRESS")
    monkeypatch.setenv("CI", "true")
    assert _show_progress(None) is False
