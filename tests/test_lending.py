"""Tests of kequn_lib.lending: cited facts, calibrations, simulated books, comparisons."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportions_ztest

import kequn_lib as kq
from kequn_lib._resources import data_path
from kequn_lib.errors import KequnError, ParameterError, SchemaError
from kequn_lib.lending import _validate_facts

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"
ARTICLE = SOURCES / "article.txt"
PUBLIC_MD = SOURCES / "lending_public_figures.md"
CJK = re.compile(r"[\u4e00-\u9fff]+")


def _article_lines() -> list[str]:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not found: {ARTICLE} (runs where ../shared exists, as in CI)")
    return ARTICLE.read_text(encoding="utf-8").splitlines()


def _numbers_on(line: str) -> set[float]:
    """Every number written on a line; a bare 万/亿 (as in 超万笔) counts as 1."""
    nums = {float(m) for m in re.findall(r"\d+(?:\.\d+)?", line.replace(",", ""))}
    if re.search(r"(?<![\d.])[万亿]", line):
        nums.add(1.0)
    return nums


def _raw_facts() -> pd.DataFrame:
    return pd.read_csv(data_path("lending_facts.csv"), dtype=str, keep_default_na=False,
                       na_values=[""], encoding="utf-8")


@pytest.fixture(scope="module")
def books() -> tuple[pd.DataFrame, pd.DataFrame]:
    a = kq.simulate_loan_book("WeBank", volume=20_000_000, random_state=0)
    b = kq.simulate_loan_book("MYbank", volume=45_000_000, random_state=0)
    return a, b


# --- the facts table against the article ------------------------------------------------------


@pytest.mark.shared
def test_every_stated_number_appears_at_its_locator():
    lines = _article_lines()
    headline = next(i for i, line in enumerate(lines, start=1) if "放贷规模PK" in line)
    facts = kq.lending_facts()
    checked = 0
    for row in facts.itertuples():
        assert row.part == 3
        assert headline <= row.paragraph <= len(lines), row.fact_id
        line = lines[row.paragraph - 1]
        if row.status != "stated":
            continue
        found = _numbers_on(line)
        for col in ("value", "value_high", "condition"):
            v = getattr(row, col)
            if pd.notna(v):
                assert float(v) in found, f"{row.fact_id}: {col}={v} not on line {row.paragraph}"
                checked += 1
        if pd.isna(row.value):
            terms = [t for t in CJK.findall(row.value_text) for t in re.split("[、；]", t)]
            assert any(t in line for t in terms), f"{row.fact_id}: no term of value_text on line"
    assert checked >= 18


@pytest.mark.shared
def test_descriptions_do_not_quote_the_article():
    text = "".join(_article_lines())
    for row in kq.lending_facts().itertuples():
        for run in CJK.findall(row.description):
            for i in range(len(run) - 11):
                assert run[i:i + 12] not in text, f"{row.fact_id} copies article wording"


_LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.mark.parametrize("table", [kq.lending_facts, kq.public_figures])
def test_every_fact_has_its_chinese_text(table):
    facts = table()
    assert facts["description_zh"].str.strip().str.len().gt(0).all()
    texts = [("description_zh", t) for t in facts["description_zh"]]
    if "value_text_zh" in facts:
        # a qualitative fact has its Chinese content, a numeric one has neither
        assert (facts["value_text"].isna() == facts["value_text_zh"].isna()).all()
        texts += [("value_text_zh", t) for t in facts["value_text_zh"].dropna()]
    for col, text in texts:
        assert CJK.search(text), f"{col} is not Chinese: {text!r}"
        # only names shown as cited in Chinese pages (QQ, ESG) and the package's own name
        assert set(_LATIN.findall(text)) <= {"kequn", "ESG"}, f"{col} holds English: {text!r}"


def test_chinese_descriptions_keep_the_numbers():
    """Every number a Chinese description writes is the row's value or one its English has."""
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]

    def numbers(text):
        found = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(text))}
        return found | {float(i + 1) for i, m in enumerate(months) if m in str(text)}

    for facts in (kq.lending_facts(), kq.public_figures()):
        for row in facts.to_dict("records"):
            known = numbers(row["description"]) | {
                float(row[c]) for c in ("value", "value_high", "condition", "year")
                if c in row and pd.notna(row[c])}
            assert numbers(row["description_zh"]) <= known, row["fact_id"]


@pytest.mark.shared
def test_chinese_descriptions_do_not_quote_the_article():
    text = "".join(_article_lines())
    for table in (kq.lending_facts(), kq.public_figures()):
        for col in ("description_zh", "value_text_zh"):
            if col not in table:
                continue
            for fid, zh in table[["fact_id", col]].dropna().itertuples(index=False):
                for i in range(len(zh) - 7):
                    assert zh[i:i + 8] not in text, f"{fid} {col} copies article wording"


def test_chinese_fact_table_shows_no_english_description():
    facts = kq.lending_facts().set_index("fact_id")
    kq.set_language("zh")
    try:
        rows = facts.assign(description=facts["description_zh"])
        page = kq.display_table(rows[["bank", "relation", "unit", "description"]], index=True)
        html = page.to_html()
    finally:
        kq.set_language("en")
    cells = re.sub(r'<span class="kequn-en" lang="en">.*?</span>|<style.*?</style>|<[^>]+>', " ",
                   html, flags=re.S)
    assert "说明" in html and "关系" in html
    english = set(re.findall(r"[A-Za-z]{4,}", cells)) - {"WeBank", "MYbank", "kequn"}
    assert not english, english


def test_derived_figures_follow_their_derivation():
    facts = kq.lending_facts().set_index("fact_id")
    derived = facts[facts["status"] == "derived"]
    assert list(derived.index) == ["M02"]
    for fid, row in derived.iterrows():
        parts = re.findall(r"\b[WM]\d\d\b", row["derivation"].split("=")[0])
        assert math.isclose(sum(facts.loc[p, "value"] for p in parts), row["value"]), fid
    assert facts.loc["M02", "value_std"] == 450e8


def test_facts_cover_the_issue_list_and_convert_units():
    facts = kq.lending_facts()
    metrics = set(zip(facts["bank"], facts["metric"], strict=True))
    for key in [("WeBank", "cumulative_lending"), ("MYbank", "cumulative_lending_gap_over_webank"),
                ("WeBank", "share_borrowers_below_junior_college"), ("MYbank", "borrower_types"),
                ("WeBank", "average_loan_size"), ("MYbank", "share_borrowers_below_threshold"),
                ("MYbank", "small_business_customers_mom_growth"),
                ("MYbank", "loan_balance_mom_growth"), ("MYbank", "loans_disbursed_per_morning"),
                ("WeBank", "share_loans_funded_by_banks"),
                ("MYbank", "share_funds_from_nonbank_institutions"), ("WeBank", "overdue_rate"),
                ("MYbank", "overdue_rate"), ("WeBank", "max_loan"), ("MYbank", "max_loan"),
                ("WeBank", "shareholder"), ("MYbank", "shareholder")]:
        assert key in metrics
    m = facts.set_index("fact_id")
    assert m.loc["W06", "value_std"] == pytest.approx(0.003)
    assert m.loc["M11", "value_std"] == 5_000_000
    assert m.loc["M07", "value_std"] == 10_000
    assert (m.loc["M08", "value_std"], m.loc["M08", "value_high_std"]) == pytest.approx((0.6, 0.7))
    assert m["source"].notna().all() and m["citation"].notna().all()


@pytest.mark.parametrize("name", ["WeBank", "webank", "WEBANK", "微众银行"])
def test_bank_names_are_case_insensitive(name):
    assert set(kq.lending_facts(name)["bank"]) == {"WeBank"}
    assert kq.calibrate_loan_sizes(name).bank == "WeBank"


@pytest.mark.parametrize("name", ["MYbank", "mybank", "MyBank", "网商银行"])
def test_mybank_names(name):
    assert set(kq.public_figures(name)["bank"]) == {"MYbank"}
    assert kq.simulate_loan_book(name, n_loans=50)["bank"].iloc[0] == "MYbank"


def test_public_figures_mark_npl_as_a_different_measure():
    figs = kq.public_figures()
    npl = figs[figs["metric"] == "npl_ratio"]
    assert len(npl) == 5
    assert npl["note"].str.contains("逾期率").all()
    assert set(figs["status"]) >= {"secondary", "unverified"}
    assert figs["source"].notna().all()


@pytest.mark.shared
def test_public_figures_match_their_source_table():
    if not PUBLIC_MD.is_file():
        pytest.skip(f"public-figures source not found: {PUBLIC_MD}")
    rows = [[c.strip() for c in line.strip("|").split("|")]
            for line in PUBLIC_MD.read_text(encoding="utf-8").splitlines()
            if line.startswith("| WeBank") or line.startswith("| MYbank")]
    listed = {r[5] for r in rows}
    for fig in kq.public_figures().itertuples():
        if fig.source not in listed and fig.source != "not given (listed without an address)":
            # added after the source table was written: a web address and a secondary status
            assert re.match(r"^[\w.-]+\.\w+/", fig.source), fig.fact_id
            assert fig.status.startswith("secondary"), fig.fact_id
            continue
        cells = [r for r in rows if r[0] == fig.bank and str(fig.year) in r[1] + r[3]]
        text = " ".join(c[3] for c in cells).replace(",", "")
        assert fig.value in _numbers_on(text), f"{fig.fact_id}: {fig.value} not in source row"


# --- validation of the facts table on load ----------------------------------------------------


def test_validation_accepts_the_shipped_table():
    assert len(_validate_facts(_raw_facts(), table="t")) == len(kq.lending_facts())


def _first(d: pd.DataFrame, column: str, value: object) -> pd.DataFrame:
    out = d.copy()
    out.loc[0, column] = value
    return out


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.assign(fact_id=["W01"] * len(d)), "fact_id is unique"),
        (lambda d: pd.concat([d, d.iloc[[0]].assign(fact_id="X99")]), "one row per"),
        (lambda d: _first(d, "paragraph", None), "locator (paragraph)"),
        (lambda d: _first(d, "source", None), "source is filled in"),
        (lambda d: _first(d, "citation", ""), "locator (citation)"),
        (lambda d: _first(d, "relation", "about"), "relation in"),
        (lambda d: _first(d, "value", "lots"), "value is a number"),
        (lambda d: d.assign(derivation=None), "derived row gives its derivation"),
    ],
)
def test_validation_rejects_bad_tables(change, fragment):
    bad = change(_raw_facts()).reset_index(drop=True)
    with pytest.raises(SchemaError, match=re.escape(fragment)):
        _validate_facts(bad, table="lending_facts.csv")


def test_facts_are_returned_as_copies():
    facts = kq.lending_facts()
    facts.loc[0, "value"] = -1.0
    assert kq.lending_facts().loc[0, "value"] != -1.0


# --- calibration -------------------------------------------------------------------------------


def test_default_calibrations_meet_their_facts():
    w = kq.calibrate_loan_sizes("WeBank")
    m = kq.calibrate_loan_sizes("MYbank")
    assert w.checks["holds"].all() and m.checks["holds"].all()
    assert w.mean() == pytest.approx(8_000, rel=1e-9) and w.upper == 200_000
    assert m.cdf(50_000) == pytest.approx(0.98, abs=1e-9) and m.upper == 5_000_000
    x = w.sample(20_000, random_state=1)
    assert x.min() >= 500 and x.max() <= 200_000
    assert x.mean() == pytest.approx(8_000, rel=0.05)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sigma=st.floats(0.3, 2.0),
    mean_loan=st.floats(1_000, 9_990),
    min_loan=st.floats(100, 800),
    seed=st.integers(0, 1_000),
)
def test_webank_books_honour_facts_for_any_allowed_free_parameter(sigma, mean_loan, min_loan,
                                                                  seed):
    model = kq.calibrate_loan_sizes("WeBank", sigma=sigma, mean_loan=mean_loan, min_loan=min_loan)
    assert model.checks["holds"].all()
    assert model.mean() == pytest.approx(mean_loan, rel=1e-6)
    volume = 400 * mean_loan
    book = kq.simulate_loan_book("WeBank", volume=volume, size_model=model, random_state=seed)
    checks = kq.loan_book_checks(book)
    assert checks.set_index("fact_id").loc[["W07", "W04", "W06", "W05", "volume"], "holds"].all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sigma=st.floats(0.3, 2.5), limit=st.floats(60_000, 5_000_000), seed=st.integers(0, 99))
def test_mybank_books_honour_facts_for_any_allowed_free_parameter(sigma, limit, seed):
    model = kq.calibrate_loan_sizes("网商银行", sigma=sigma, limit=limit)
    assert model.checks["holds"].all()
    assert model.cdf(50_000) == pytest.approx(0.98, abs=1e-6)
    book = kq.simulate_loan_book("MYbank", n_loans=3_000, size_model=model, random_state=seed)
    checks = kq.loan_book_checks(book, share_tolerance=0.015).set_index("fact_id")
    assert checks["holds"].all(), checks


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"bank": "WeBank", "mean_loan": 12_000}, "impossible calibration: mean_loan=12,000"),
        ({"bank": "WeBank", "mean_loan": 10_000}, "below 10,000 CNY (fact W04)"),
        ({"bank": "WeBank", "mean_loan": 400}, "strictly between min_loan=500"),
        ({"bank": "WeBank", "limit": 300_000}, "above WeBank's stated maximum"),
        ({"bank": "MYbank", "limit": 40_000}, "impossible calibration: MYbank's fact M04"),
        ({"bank": "MYbank", "min_loan": 60_000}, "impossible calibration"),
        ({"bank": "MYbank", "mean_loan": 20_000}, "no average loan for MYbank"),
        ({"bank": "WeBank", "sigma": 0}, "sigma must be in (0"),
        ({"bank": "ICBC"}, "unknown bank 'ICBC'"),
    ],
)
def test_impossible_calibrations_raise(kwargs, fragment):
    bank = kwargs.pop("bank")
    with pytest.raises(ParameterError, match=re.escape(fragment)):
        kq.calibrate_loan_sizes(bank, **kwargs)


def test_size_sensitivity_shows_mybank_mean_falls_with_spread():
    t = kq.size_sensitivity("MYbank", sigmas=[0.5, 1.0, 2.0])
    assert t["all_facts_hold"].all()
    assert t["share_below_50k"].to_numpy() == pytest.approx(0.98, abs=1e-6)
    assert t["mean"].is_monotonic_decreasing


# --- simulated books ---------------------------------------------------------------------------


def test_books_reconcile_and_honour_stated_mixes(books):
    a, b = books
    assert a["amount"].sum() == pytest.approx(20_000_000, rel=1e-12)
    assert b["amount"].sum() == pytest.approx(45_000_000, rel=1e-12)
    assert kq.loan_book_checks(a)["holds"].all()
    assert kq.loan_book_checks(b)["holds"].all()
    assert (a["education"] == "below junior college").mean() == pytest.approx(0.7, abs=1e-3)
    assert (b["funding_source"] == "non-bank institution deposits").mean() == pytest.approx(
        0.65, abs=1e-3)
    assert list(a.columns) == ["loan_id", "bank", "amount", "borrower_type", "education",
                               "occupation", "funding_source", "overdue"]
    assert a["loan_id"].is_unique


def test_same_seed_same_book():
    x = kq.simulate_loan_book("WeBank", n_loans=300, random_state=5)
    y = kq.simulate_loan_book("WeBank", n_loans=300, random_state=5)
    pd.testing.assert_frame_equal(x, y)


def test_loan_book_checks_catch_a_broken_book(books):
    a = books[0].copy()
    a.loc[0, "amount"] = 300_000.0
    checks = kq.loan_book_checks(a, volume=20_000_000).set_index("fact_id")
    assert not checks.loc["W07", "holds"] and not checks.loc["volume", "holds"]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"bank": "HSBC"}, "unknown bank 'HSBC'"),
        ({"bank": "WeBank", "volume": -5.0}, "volume must be > 0"),
        ({"bank": "WeBank", "volume": 0}, "volume must be > 0"),
        ({"bank": "WeBank", "n_loans": 10, "volume": 150_000}, "breaking WeBank's stated average"),
        ({"bank": "MYbank", "n_loans": 10, "volume": 1e9}, "outside the size bounds"),
        ({"bank": "WeBank", "overdue_rate": 0.003}, "not below WeBank's stated overdue bound"),
        ({"bank": "MYbank", "funding_share": 0.75}, "outside MYbank's stated range"),
        ({"bank": "WeBank", "funding_share": 0.7}, "stated as 80% (fact W05)"),
        ({"bank": "WeBank", "n_loans": 0}, "n_loans must be between 1"),
        ({"bank": "MYbank", "borrower_type_weights": [("a", -1.0)]}, "non-negative finite"),
    ],
)
def test_bad_book_inputs_raise(kwargs, fragment):
    bank = kwargs.pop("bank")
    with pytest.raises(KequnError, match=re.escape(fragment)):
        kq.simulate_loan_book(bank, **kwargs)


def test_size_model_of_the_other_bank_is_rejected():
    with pytest.raises(ParameterError, match="LoanSizeModel for MYbank"):
        kq.simulate_loan_book("MYbank", size_model=kq.calibrate_loan_sizes("WeBank"))


# --- decomposition and growth ------------------------------------------------------------------


def test_decomposition_adds_up_exactly(books):
    a, b = books
    d = kq.decompose_volume(a, b)
    gap = b["amount"].sum() - a["amount"].sum()
    assert d.loc["count", "contribution"] + d.loc["average_size", "contribution"] == \
        pytest.approx(gap, rel=1e-12)
    assert d.loc["total", "contribution"] == pytest.approx(25_000_000, rel=1e-12)
    assert d.loc[["count", "average_size"], "share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (d.loc["count", "a"], d.loc["count", "b"]) == (len(a), len(b))
    assert list(d["label_a"].unique()) == ["WeBank"]


@settings(max_examples=50, deadline=None)
@given(na=st.floats(1, 1e7), va=st.floats(1, 1e11), nb=st.floats(1, 1e7), vb=st.floats(1, 1e11))
def test_decomposition_adds_up_for_any_summary(na, va, nb, vb):
    d = kq.decompose_volume({"n_loans": na, "volume": va}, {"n_loans": nb, "volume": vb})
    total = d.loc["count", "contribution"] + d.loc["average_size", "contribution"]
    assert math.isclose(total, vb - va, rel_tol=1e-9, abs_tol=1e-6 * max(va, vb))
    assert math.isclose(d.loc["count", "log_ratio"] + d.loc["average_size", "log_ratio"],
                        d.loc["total", "log_ratio"], abs_tol=1e-9)


def test_equal_volumes_decompose_without_dividing_by_zero():
    d = kq.decompose_volume({"n_loans": 10, "volume": 100.0}, {"n_loans": 20, "volume": 100.0})
    assert d.loc["count", "contribution"] == pytest.approx(100 * math.log(2))
    assert d.loc["count", "contribution"] + d.loc["average_size", "contribution"] == \
        pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("a", "fragment"),
    [
        ({"n_loans": 10, "volume": -1.0}, "book_a['volume'] must be > 0"),
        ({"n_loans": 10}, "missing ['volume']"),
        ([1, 2, 3], "must be a loan book"),
    ],
)
def test_bad_decomposition_inputs_raise(a, fragment):
    with pytest.raises(KequnError, match=re.escape(fragment)):
        kq.decompose_volume(a, {"n_loans": 1, "volume": 1.0})


def test_growth_compounds():
    p = kq.growth_path(100.0, monthly_rate=0.12, months=5)
    assert len(p) == 6 and p["month"].tolist() == list(range(6))
    assert p["growth_factor"].iloc[-1] == pytest.approx(1.12**5)
    assert p["value"].iloc[-1] == pytest.approx(100 * 1.12**5)
    q = kq.growth_path(1.0, monthly_rate=[0.1, -0.5], months=2)
    assert q["value"].iloc[-1] == pytest.approx(0.55)
    assert kq.growth_path(1.0, monthly_rate=0.3, months=0)["value"].tolist() == [1.0]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"monthly_rate": -1.0, "months": 3}, "a rate must be above -1"),
        ({"monthly_rate": -1.5, "months": 3}, "a rate must be above -1"),
        ({"monthly_rate": [0.1, -1.0], "months": 2}, "a rate must be above -1"),
        ({"monthly_rate": [0.1], "months": 2}, "has 1 rates but months=2"),
        ({"monthly_rate": 0.1, "months": -1}, "months must be between 0"),
        ({"monthly_rate": "fast", "months": 2}, "must be a number"),
    ],
)
def test_bad_growth_inputs_raise(kwargs, fragment):
    with pytest.raises(ParameterError, match=re.escape(fragment)):
        kq.growth_path(1.0, **kwargs)


# --- comparison --------------------------------------------------------------------------------


def test_compare_books_matches_hand_computation(books):
    a, b = books
    res = kq.compare_books(a, b, lgd={"WeBank": 0.5, "网商银行": 0.7})
    s = res.summary.set_index(["metric", "bank"])["value"]
    el = a["overdue"].mean() * 0.5 * a["amount"].sum()
    assert s[("expected_loss", "WeBank")] == pytest.approx(el)
    assert s[("lgd", "MYbank")] == 0.7
    z, p = proportions_ztest([a["overdue"].sum(), b["overdue"].sum()], [len(a), len(b)])
    tests = res.tests.set_index("test")
    assert tests.loc["two-proportion z-test", "statistic"] == pytest.approx(z)
    assert tests.loc["two-proportion z-test", "p_value"] == pytest.approx(p)
    assert tests.loc["Mann-Whitney U", "p_value"] < 0.05  # MYbank's loans are larger by default
    kinds = res.summary.set_index("metric")["kind"]
    assert set(kinds.loc["lgd"]) == {"assumption"}


def test_compare_books_without_overdue_variation():
    a = kq.simulate_loan_book("WeBank", n_loans=100, overdue_rate=0.0)
    res = kq.compare_books(a, a, lgd=0.4)
    assert np.isnan(res.tests["p_value"].iloc[0])
    assert set(res.summary["bank"]) == {"WeBank (a)", "WeBank (b)"}


def test_compare_books_bad_lgd(books):
    with pytest.raises(ParameterError, match=re.escape("lgd must be in [0, 1]")):
        kq.compare_books(*books, lgd=1.5)


def test_functions_do_not_mutate_inputs(books):
    a, b = books
    a0, b0 = a.copy(), b.copy()
    kq.compare_books(a, b)
    kq.decompose_volume(a, b)
    kq.loan_book_checks(a)
    pool = kq.make_applicant_pool(500)
    pool0 = pool.copy()
    kq.approval_under_tolerance(pool, tolerance=0.01)
    pd.testing.assert_frame_equal(a, a0)
    pd.testing.assert_frame_equal(b, b0)
    pd.testing.assert_frame_equal(pool, pool0)


# --- risk tolerance ----------------------------------------------------------------------------


def test_tolerance_uses_stated_bounds_and_meets_them():
    t = kq.approval_under_tolerance(tolerance=["微众银行", "mybank"], n_applicants=5_000)
    assert t["label"].tolist() == ["WeBank", "MYbank"]
    assert t["tolerance"].tolist() == pytest.approx([0.003, 0.01])
    assert (t["expected_overdue_rate"] <= t["tolerance"] + 1e-12).all()
    assert t["approved"].iloc[1] > t["approved"].iloc[0]
    assert t["volume"].iloc[1] > t["volume"].iloc[0]


_POOL = kq.make_applicant_pool(2_000, random_state=3)


@settings(max_examples=60, deadline=None)
@given(tols=st.lists(st.floats(1e-5, 0.2), min_size=2, max_size=8))
def test_looser_tolerance_never_lowers_approval(tols):
    t = kq.approval_under_tolerance(_POOL, tolerance=sorted(tols))
    assert t["approved"].is_monotonic_increasing
    assert t["volume"].is_monotonic_increasing
    assert (t["expected_overdue_rate"].dropna() <= t["tolerance"][t["approved"] > 0] + 1e-12).all()


@settings(max_examples=20, deadline=None)
@given(intercept=st.floats(-8, 0), slope=st.floats(0.1, 3), seed=st.integers(0, 50),
       lo=st.floats(1e-4, 0.5), step=st.floats(0, 0.4))
def test_monotone_for_any_pool(intercept, slope, seed, lo, step):
    pool = kq.make_applicant_pool(800, intercept=intercept, slope=slope, random_state=seed)
    t = kq.approval_under_tolerance(pool, tolerance=[lo, min(lo + step, 0.999)])
    assert t["approval_rate"].iloc[1] >= t["approval_rate"].iloc[0]


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.5, -0.1, [0.01, 1.0]])
def test_tolerance_outside_unit_interval_raises(bad):
    with pytest.raises(ParameterError, match=re.escape("strictly between 0 and 1")):
        kq.approval_under_tolerance(_POOL, tolerance=bad)


def test_tolerance_bad_bank_and_bad_pool():
    with pytest.raises(ParameterError, match="unknown tolerance"):
        kq.approval_under_tolerance(_POOL, tolerance="Ant")
    with pytest.raises(SchemaError, match="exceed 1"):
        kq.approval_under_tolerance(_POOL.assign(pd=_POOL["pd"] + 1), tolerance=0.01)
    with pytest.raises(SchemaError, match="score"):
        kq.approval_under_tolerance(_POOL.drop(columns="score"), tolerance=0.01)


def _numbers(text: str) -> list[float]:
    return sorted(float(x) for x in re.findall(r"\d+(?:\.\d+)?", str(text).replace(",", "")))


def test_check_tables_have_chinese_wording_with_the_same_numbers(books):
    tables = [kq.calibrate_loan_sizes(b).checks for b in kq.lending.BANKS]
    tables += [kq.loan_book_checks(b) for b in books]
    for table in tables:
        assert list(table.columns) == ["fact_id", "fact", "fact_zh", "required", "required_zh",
                                       "achieved", "holds"]
        for row in table.to_dict("records"):
            for col in ("fact", "required"):
                en, zh = row[col], row[f"{col}_zh"]
                assert _numbers(zh) == _numbers(en), (row["fact_id"], col, en, zh)
                assert not _LATIN.findall(zh), (row["fact_id"], col, zh)
            assert CJK.search(row["fact_zh"]), row["fact_zh"]
    # the range condition is worded in Chinese, not with the English "in"
    m08 = tables[-1].set_index("fact_id").loc["M08"]
    assert m08["required"].startswith("in [") and "介于" in m08["required_zh"]


def test_chinese_assumption_and_comparison_tables_show_no_english(books):
    table = kq.lending_assumptions()
    assert (table["value_zh"] == table["value"]).sum() == len(table) - 3  # words only differ
    summary = kq.compare_books(*books).summary
    kq.set_language("zh")
    try:
        shown = table.assign(parameter=table["parameter"].str.replace("_", " "),
                             value=table["value_zh"])
        pages = [kq.display_table(shown.pivot(index="parameter", columns="bank", values="value"),
                                  index=True).to_html(),
                 kq.display_table(summary.assign(metric=summary["metric"].str.replace("_", " "))
                                  .pivot(index="metric", columns="bank", values="value"),
                                  index=True).to_html()]
    finally:
        kq.set_language("en")
    for html in pages:
        cells = re.sub(r'<span class="kequn-en" lang="en">.*?</span>|<style.*?</style>|<[^>]+>',
                       " ", html, flags=re.S)
        english = set(re.findall(r"[A-Za-z]{4,}", cells)) - {"WeBank", "MYbank"}
        assert not english, english
    assert "由 σ 和事实 M04 推出" in pages[0] and "预期损失率" in pages[1]


# --- assumptions and figures -------------------------------------------------------------------


def test_assumptions_sit_inside_the_stated_bounds():
    w, m = kq.lending_assumptions("WeBank"), kq.lending_assumptions("MYbank")
    assert w.mean_loan < 10_000 and w.overdue_rate < 0.003 and m.overdue_rate < 0.01
    assert 0.6 <= m.funding_share <= 0.7
    table = kq.lending_assumptions()
    assert set(table["kind"]) == {"assumption", "stated (fact W05)", "implied"}


def test_plots_return_axes_with_bilingual_titles(books):
    import matplotlib.pyplot as plt

    kq.use_theme()
    a, b = books
    both = pd.concat([a, b], ignore_index=True)
    fig, axes = plt.subplots(2, 3)
    grid = kq.approval_under_tolerance(tolerance=list(np.linspace(0.001, 0.03, 8)),
                                       n_applicants=1_000)
    growth = pd.concat([kq.growth_path(1.0, monthly_rate=r, months=5) for r in (0.12, 0.3)])
    drawn = [
        kq.plot_loan_sizes(both, ax=axes[0, 0]),
        kq.plot_growth_paths(growth, ax=axes[0, 1]),
        kq.plot_tolerance_curve(grid, ax=axes[0, 2]),
        kq.plot_volume_decomposition(kq.decompose_volume(a, b), ax=axes[1, 0]),
        kq.plot_size_sensitivity(kq.size_sensitivity("MYbank", sigmas=[0.5, 1.0]),
                                 ax=axes[1, 1]),
    ]
    for ax, want in zip(drawn, axes.flat, strict=False):
        assert ax is want
        assert CJK.search(ax.get_title()) and re.search("[A-Za-z]", ax.get_title())
        assert ax.get_xlabel() and ax.get_ylabel()
    fig.canvas.draw()
    plt.close(fig)


def test_legends_name_the_banks_in_the_pages_language(books):
    import matplotlib.pyplot as plt

    both = pd.concat(books, ignore_index=True)
    sens = kq.size_sensitivity("MYbank", sigmas=[0.5, 1.0])

    def legends():
        fig, (left, right) = plt.subplots(1, 2)
        out = []
        for ax in (kq.plot_loan_sizes(both, ax=left), kq.plot_size_sensitivity(sens, ax=right)):
            legend = ax.get_legend()
            out.append((legend.get_title().get_text(), [t.get_text() for t in legend.get_texts()]))
        plt.close(fig)
        return out

    kq.use_theme(lang="zh")
    try:
        zh = legends()
    finally:
        kq.use_theme(lang="en")
    assert zh[0] == ("银行", ["微众银行", "网商银行"])
    assert zh[1][1][0] == "网商银行" and not re.search("[A-Za-z]{4,}", " ".join(zh[1][1]))
    # the English figure keeps the English names, under the dictionary's English term
    assert legends()[0] == ("Bank", ["WeBank", "MYbank"])


# --- like with like, and the power of a test on simulated books -------------------------------


def test_public_figures_say_whether_a_figure_is_a_stock_or_a_flow():
    figs = kq.public_figures()
    kind = figs.groupby("metric")["measure"].agg(set)
    assert kind["loans_outstanding"] == {"stock"}
    assert kind["cumulative_lending"] == {"flow (cumulative)"}
    stocks = figs[(figs["metric"] == "loans_outstanding")]
    both = stocks.groupby("year")["bank"].nunique()
    assert (both == 2).any(), "a year in which both banks' loan books can be set side by side"
    bad = figs.assign(measure="flux").astype(str)
    with pytest.raises(SchemaError, match="measure"):
        _validate_facts(bad.drop(columns=["value_std", "value_high_std"]), table="t", public=True)


def test_the_98_percent_is_a_share_of_customers_used_with_one_loan_each():
    m04 = kq.lending_facts().set_index("fact_id").loc["M04"]
    assert m04["metric"] == "share_borrowers_below_threshold"
    assert "share of customers" in m04["description"]
    assert kq.lending_assumptions("MYbank").loans_per_borrower == 1
    table = kq.lending_assumptions()
    assert (table["parameter"] == "loans_per_borrower").sum() == 2


def test_overdue_power_matches_the_closed_form_and_the_simulated_z_test():
    from scipy import stats

    a, b = 0.0025, 0.008
    res = kq.overdue_power(a, b)
    h = 2 * math.asin(math.sqrt(b)) - 2 * math.asin(math.sqrt(a))
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    n = int(res.required["n_loans"].iloc[0])
    assert n == math.ceil(2 * (z / h) ** 2)
    curve = res.curve.set_index("n_loans")["power"]
    assert curve.is_monotonic_increasing and curve.iloc[0] < 0.2 and curve.iloc[-1] > 0.99
    # books of the required size reject equal rates about 80% of the time (simulated)
    rng = np.random.default_rng(0)
    rejections = 0
    for _ in range(400):
        counts = np.array([rng.binomial(n, a), rng.binomial(n, b)])
        if counts.sum() and proportions_ztest(counts, np.array([n, n]))[1] < 0.05:
            rejections += 1
    assert 0.7 < rejections / 400 < 0.9


def test_overdue_power_needs_bigger_books_for_smaller_differences():
    res = kq.overdue_power(0.0025, [0.008, 0.003, 0.0027], n_loans=[100, 10_000])
    need = res.required["n_loans"].tolist()
    assert need[0] < need[1] < need[2]
    assert res.required["label"].tolist()[0] == "0.25% vs 0.80%"
    assert set(res.curve["n_loans"]) == {100, 10_000}


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"rate_a": 0.01, "rate_b": 0.01}, "no difference"),
    ({"rate_a": 0.0, "rate_b": 0.01}, "rate_a"),
    ({"rate_a": 0.01, "rate_b": [0.02, 1.5]}, r"rate_b\[1\]"),
    ({"rate_a": 0.01, "rate_b": 0.02, "n_loans": [1, 10]}, "n_loans"),
    ({"rate_a": 0.01, "rate_b": 0.02, "power": 1.0}, "power"),
    ({"rate_a": 0.01, "rate_b": [0.02, 0.03], "labels": ["x"]}, "one label"),
])
def test_overdue_power_bad_inputs(kwargs, fragment):
    with pytest.raises(ParameterError, match=fragment):
        kq.overdue_power(**kwargs)


@pytest.mark.parametrize(("lang", "bank_title"), [("en", "Bank"), ("zh", "银行")])
def test_legend_titles_are_dictionary_terms_never_raw_column_names(lang, bank_title, books):
    """A path's ``label`` column has no term, so its legend has no title (the entries say
    enough); the bank legend is titled by the dictionary's term in the page's language."""
    import matplotlib.pyplot as plt

    paths = pd.concat([kq.growth_path(1.0, monthly_rate=0.12, months=5, label="customers"),
                       kq.growth_path(1.0, monthly_rate=0.3, months=5, label="loans")])
    kq.set_language(lang)
    try:
        growth = kq.plot_growth_paths(paths)
        sizes = kq.plot_loan_sizes(pd.concat(books), ax=plt.figure().gca())
        titles = (growth.get_legend().get_title().get_text(),
                  sizes.get_legend().get_title().get_text())
    finally:
        kq.set_language("en")
        plt.close("all")
    assert titles == ("", bank_title)
