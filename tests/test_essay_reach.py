"""Tests of the essay claims (kq.essay_claims) and the service-reach model (kq.service_reach)."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib._resources import data_path
from kequn_lib.errors import InputTypeError, ParameterError, SchemaError
from kequn_lib.essay import _validate

from .conftest import SHARED

ARTICLE = SHARED / "sources" / "article.txt"
CJK = re.compile(r"[\u4e00-\u9fff]+")


def _article_lines() -> list[str]:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found: {ARTICLE} (runs where ../shared exists)")
    return ARTICLE.read_text(encoding="utf-8").splitlines()


def _raw() -> pd.DataFrame:
    return pd.read_csv(data_path("essay_claims.csv"), dtype=str, keep_default_na=False,
                       na_values=[""], encoding="utf-8")


# --- essay claims -------------------------------------------------------------------------------


@pytest.mark.shared
def test_every_key_term_is_written_at_its_locator():
    lines = _article_lines()
    part3 = next(i for i, line in enumerate(lines, start=1) if "放贷规模PK" in line)
    claims = kq.essay_claims()
    for row in claims.itertuples():
        assert row.part == 2 and 1 <= row.paragraph < part3, row.claim_id
        line = lines[row.paragraph - 1]
        for term in row.term_zh.split("、"):
            assert term in line, f"{row.claim_id}: {term!r} is not on line {row.paragraph}"


@pytest.mark.shared
def test_statements_are_our_own_words():
    text = "".join(_article_lines())
    for row in kq.essay_claims().itertuples():
        assert not CJK.fullmatch(row.statement_en.replace(" ", "")), row.claim_id
        for run in CJK.findall(row.statement_en) + CJK.findall(row.statement_zh):
            for i in range(len(run) - 7):
                assert run[i:i + 8] not in text, f"{row.claim_id} copies article wording"


def test_claims_cover_what_the_chapters_use():
    claims = kq.essay_claims()
    terms = " ".join(claims["term_zh"])
    for needed in ("2013", "微信", "今日头条", "抖音", "群体性营销", "新媒体", "客群行为分析",
                   "专业价值+资源价值=价值认同", "存在感", "参与感", "归属感", "中央厨房", "咸鱼",
                   "得到", "喜马拉雅", "《人类简史》", "50到150", "与客户有什么关系"):
        assert needed in terms, needed
    assert claims["claim_id"].is_unique
    assert claims["paragraph"].dtype == "int64"
    assert claims.index.equals(pd.RangeIndex(len(claims)))


def test_topic_filter_and_unknown_topic():
    feelings = kq.essay_claims("three_feelings")
    assert set(feelings["topic"]) == {"three_feelings"} and len(feelings) >= 1
    with pytest.raises(ParameterError, match="central_kitchen"):
        kq.essay_claims("no_such_topic")


def test_returned_table_is_a_copy():
    a = kq.essay_claims()
    a.loc[0, "statement_en"] = "changed"
    assert kq.essay_claims().loc[0, "statement_en"] != "changed"


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda d: d.assign(claim_id=["E01"] * len(d)), "claim_id"),
        (lambda d: d.assign(paragraph=["x", *d["paragraph"].tolist()[1:]]), "paragraph"),
        (lambda d: d.assign(source=[None, *d["source"].tolist()[1:]]), "source"),
        (lambda d: d.assign(kind=["rumour", *d["kind"].tolist()[1:]]), "kind"),
        (lambda d: d.drop(columns="term_zh"), "term_zh"),
    ],
)
def test_validation_names_the_broken_column(change, column):
    with pytest.raises(SchemaError) as info:
        _validate(change(_raw()))
    assert info.value.column == column


# --- service reach ------------------------------------------------------------------------------


def test_reach_follows_the_stated_formula():
    a = kq.ServiceAssumptions(service_hours_per_week=20, weeks_per_month=4, contact_hours=0.5,
                              contacts_per_month=2, group_hours_per_week=2,
                              member_followup_rate=0.1)
    r = kq.service_reach(a, group_sizes=[60, 120], customers=10_000)
    assert r["mode"].tolist() == ["one_to_one", "group", "group"]
    # one-to-one: 80 hours a month / (0.5 h * 2 contacts) = 80 customers
    assert r.loc[0, "customers_per_rm"] == pytest.approx(80)
    # a group of 60: 2 h * 4 weeks + 60 * 0.1 * 0.5 h = 11 h a month -> 80 / 11 groups
    assert r.loc[1, "groups_per_rm"] == pytest.approx(80 / 11)
    assert r.loc[1, "customers_per_rm"] == pytest.approx(60 * 80 / 11)
    assert r.loc[2, "hours_per_customer_month"] == pytest.approx((8 + 6) / 120)
    assert r.loc[1, "reach_ratio"] == pytest.approx(60 / 11)
    assert r["rms_needed"].tolist() == [125, math.ceil(10_000 / (60 * 80 / 11)),
                                        math.ceil(10_000 / (120 * 80 / 14))]
    assert pd.isna(r.loc[0, "group_size"]) and pd.isna(r.loc[0, "groups_per_rm"])
    assert r.attrs == {}  # the assumptions are the caller's argument, not repeated here


def test_defaults_favour_groups_and_reach_grows_with_group_size():
    r = kq.service_reach(group_sizes=range(50, 151, 25))
    groups = r[r["mode"] == "group"]
    assert (groups["reach_ratio"] > 1).all()
    assert np.all(np.diff(groups["customers_per_rm"].to_numpy()) > 0)
    assert np.all(np.diff(groups["groups_per_rm"].to_numpy()) < 0)
    assert "rms_needed" not in r.columns


def test_groups_never_beat_one_to_one_when_every_member_is_followed_up():
    # every member needs a personal contact a month: the group adds its running cost on top
    a = kq.ServiceAssumptions(member_followup_rate=1.0, contacts_per_month=1.0)
    r = kq.service_reach(a, group_sizes=[50, 150])
    assert (r.loc[r["mode"] == "group", "reach_ratio"] < 1).all()


def test_more_followup_means_less_reach():
    base = kq.service_reach()
    busy = kq.service_reach(dataclasses.replace(kq.ServiceAssumptions(),
                                                member_followup_rate=0.2))
    assert (busy["customers_per_rm"].iloc[1:] < base["customers_per_rm"].iloc[1:]).all()
    assert busy["customers_per_rm"].iloc[0] == base["customers_per_rm"].iloc[0]


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda: kq.service_reach(group_sizes=[0]), ParameterError, "group_sizes"),
        (lambda: kq.service_reach(group_sizes="50"), ParameterError, "group_sizes"),
        (lambda: kq.service_reach(customers=-1), ParameterError, "customers"),
        (lambda: kq.service_reach({"contact_hours": 1}), InputTypeError, "ServiceAssumptions"),
        (lambda: kq.ServiceAssumptions(contact_hours=0), ParameterError, "contact_hours"),
        (lambda: kq.ServiceAssumptions(member_followup_rate=1.5), ParameterError,
         "member_followup_rate"),
    ],
)
def test_reach_bad_input(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call()
