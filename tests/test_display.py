"""The display helpers readers see: prose, number formats, tables, silent key figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kequn_lib as kq
from kequn_lib._display import KEY_FIGURES_MIME, column_labels


@pytest.mark.parametrize(
    ("value", "kind", "kw", "expected"),
    [
        (12345.6, "int", {}, "12,346"),
        (-0.4, "int", {}, "0"),
        (0.8123, "pct", {}, "81.2%"),
        (1.0, "pct", {}, "100.0%"),
        (0.0, "pct", {}, "0.0%"),
        (0.0042, "pct", {}, "0.42%"),
        (0.8123, "pct", {"digits": 0}, "81%"),
        (4244.0, "num", {}, "4,244"),
        (0.6, "num", {}, "0.600"),
        (0.72345, "num", {"digits": 2}, "0.72"),
        (1.5e-7, "num", {}, "0.000000150"),
        (3.2e12, "num", {}, "3,200,000,000,000"),
        (500_000, "money", {}, "50万元"),
        (6_000_000, "money", {}, "600万元"),
        (12_345_678, "money", {}, "1,235万元"),
        (1.234e9, "money", {}, "12.3亿元"),
        (880.4, "money", {}, "880元"),
        (1_234_567, "money", {"currency": "EUR"}, "1.2m EUR"),
        (3.4e9, "money", {"currency": "EUR"}, "3.4bn EUR"),
        (8019, "money", {"currency": "EUR"}, "8,019 EUR"),
        (True, "auto", {}, "yes"),
        (50_000, "auto", {}, "50,000"),
        (0.25, "auto", {}, "0.250"),
        ("text", "pct", {}, "text"),
        (None, "int", {}, "—"),
        (float("nan"), "money", {}, "—"),
        (pd.NA, "num", {}, "—"),
        (np.float32(0.5), "pct", {}, "50.0%"),
        (3.2e-12, "p", {}, "< 0.001"),
        (0.0, "p", {}, "< 0.001"),
        (0.00099, "p", {}, "< 0.001"),
        (0.001, "p", {}, "0.001"),
        (0.04213, "p", {}, "0.042"),
        (1.0, "p", {}, "1.000"),
        (3.2e-12, "p", {"digits": 4}, "< 0.001"),
        (0.0123, "p", {"digits": 2}, "0.01"),
        (0.004, "p", {"digits": 2}, "< 0.01"),
        (float("nan"), "p", {}, "—"),
    ],
)
def test_fmt(value, kind, kw, expected):
    assert kq.fmt(value, kind, **kw) == expected


def test_fmt_never_scientific():
    for x in [1e-9, 2.5e-5, 1e15, 6.000000e-01, 4.244000e03]:
        for kind in ("num", "int", "pct", "money", "auto"):
            assert "e" not in kq.fmt(x, kind, currency="EUR").replace("EUR", "")


def test_fmt_rejects_bad_kind_digits_and_objects():
    with pytest.raises(kq.ParameterError, match=r"kind must be one of .*'pct'.*got 'percent'"):
        kq.fmt(0.5, "percent")
    with pytest.raises(kq.ParameterError, match="digits"):
        kq.fmt(0.5, "pct", digits=-1)
    with pytest.raises(kq.ParameterError, match="got list"):
        kq.fmt([1, 2], "num")


def test_prose_is_markdown_output():
    p = kq.prose(f"  **{kq.fmt(0.5, 'pct')}** of customers  ")
    assert p == "**50.0%** of customers"
    bundle = p._repr_mimebundle_()
    assert bundle["text/markdown"] == "**50.0%** of customers"
    with pytest.raises(kq.ParameterError, match="must be a str"):
        kq.prose(0.5)


def test_key_figures_show_no_table_but_keep_machine_output():
    kf = kq.key_figures(head_share_50wan=0.815, customers=50_000)
    bundle = kf._repr_mimebundle_()
    assert bundle[KEY_FIGURES_MIME] == {"head_share_50wan": 0.815, "customers": 50_000}
    assert "text/html" not in bundle and bundle["text/plain"] == ""
    assert "head_share_50wan" not in "".join(v for v in bundle.values() if isinstance(v, str))


def test_labels_come_from_the_data_dictionary():
    labels = column_labels()
    assert labels["rm_contacts_90d"].en == "RM contacts, 90 days"
    assert labels["rm_contacts_90d"].zh == "客户经理联系次数"
    assert labels["aum"].kind == "money" and labels["aum_share"].kind == "pct"
    # every column of the synthetic customer table has a label
    customers = kq.make_customers(n=200, random_state=0)
    assert set(customers.columns) <= set(labels)


def test_display_table_formats_for_readers():
    df = pd.DataFrame(
        {
            "industry": pd.Categorical(["public_sector", "retired", None]),
            "customers": [12_000, 340, 5],
            "aum": [1.23e9, 4.5e5, np.nan],
            "aum_share": [0.6123, 0.0004, np.nan],
            "lift": [4244.0, 0.6, 1.234567],
            "note": ["a long sentence that must not be truncated " * 3, "x", None],
        }
    )
    before = df.copy()
    table = kq.display_table(df, labels={"lift": ("Lift", "提升度")}, caption="Table 1.")
    assert df.equals(before)
    frame = table.frame
    assert list(frame.columns) == [
        "Industry (行业)", "Customers (客户数)", "AUM (管理资产)", "AUM share (管理资产占比)",
        "Lift (提升度)", "Note",
    ]
    assert frame.iloc[:, 1].tolist() == ["12,000", "340", "5"]
    assert frame.iloc[:, 2].tolist() == ["12.3亿元", "45万元", "—"]
    assert frame.iloc[:, 3].tolist() == ["61.2%", "0.0%", "—"]
    assert frame.iloc[:, 4].tolist() == ["4,244.00", "0.60", "1.23"]
    assert frame.iloc[2, 0] == "—" and frame.iloc[2, 5] == "—"
    assert frame.iloc[0, 5] == df.loc[0, "note"]  # no truncation
    page = table.to_html()
    assert "nan" not in page.lower().replace("nancy", "") and "e+0" not in page
    assert "<caption>Table 1.</caption>" in page
    assert "客户经理" not in page and "管理资产占比" in page
    assert "<th" in page and ">0<" not in page  # the 0..n-1 index is hidden


def test_display_table_index_currency_and_percent():
    s = pd.Series([0.5, 0.25], index=pd.Index(["gold", "mass"], name="tier"), name="share")
    table = kq.display_table(s)
    assert table.frame.to_numpy().tolist() == [["gold", "50.0%"], ["mass", "25.0%"]]
    eur = pd.DataFrame({"aum": [2_500_000.0], "rate": [0.031]})
    eur.attrs["currency"] = "EUR"
    shown = kq.display_table(eur, percent=["rate"]).frame.to_numpy().tolist()
    assert shown == [["2.5m EUR", "3.1%"]]
    assert kq.display_table(eur, currency="CNY").frame.iloc[0, 0] == "250万元"
    assert kq.display_table(eur, index=True).frame.shape == (1, 3)
    bools = kq.display_table(pd.DataFrame({"has_loan": [True, False]})).frame
    assert bools.iloc[:, 0].tolist() == ["yes", "no"]


def test_display_table_names_unknown_columns():
    df = pd.DataFrame({"aum": [1.0]})
    with pytest.raises(kq.ParameterError, match=r"'share'.*Columns: 'aum'"):
        kq.display_table(df, percent=["share"])
    with pytest.raises(kq.ParameterError, match="DataFrame or Series"):
        kq.display_table([1, 2])


def test_tiny_p_values_show_as_below_a_bound_not_as_zero():
    tests = pd.DataFrame({"test": ["z", "ks", "mw"], "statistic": [12.5, 0.31, 2.0],
                          "p_value": [1.3e-35, 0.0412, 0.5]})
    shown = kq.display_table(tests).frame
    assert shown["p-value (p 值)"].tolist() == ["< 0.001", "0.041", "0.500"]
    assert not shown.apply(lambda col: col.str.fullmatch(r"0\.0+")).any().any()
