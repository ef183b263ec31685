"""The language switch: one call sets the language of figure labels, table headers and sentences.

English pages put English first ("Share of customers (客户占比)"), Chinese pages Chinese first
("客户占比（Share of customers）"); no glyph goes missing in either; ``kq.prose(en, zh=...)``
and ``kq.localise`` show the page's language; table headers follow the data dictionary.
"""

from __future__ import annotations

import io
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import kequn_lib as kq

from .test_no_mutation import CALLS, inputs

PLOTS = sorted(name for name in CALLS if name.startswith("plot_"))
CJK = re.compile(r"[\u3400-\u9fff\uff08\uff09\uff1a]")
HAN = re.compile(r"[\u3400-\u9fff]{2,}")  # a Chinese word (a lone 元 or 万 is a unit)
WORD = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture(autouse=True)
def _restore_language():
    before = kq.get_language()
    yield
    kq.set_language(before)
    plt.close("all")


def _texts(fig) -> list[str]:
    """Every label a reader sees on a figure, except tick labels (which show data values)."""
    out = [fig._suptitle.get_text()] if fig._suptitle is not None else []
    for ax in fig.axes:
        out += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return [line for text in out for line in text.splitlines() if line.strip()]


def _draw(name: str, lang: str):
    kq.use_theme(lang=lang)
    fn, args, kwargs = CALLS[name](inputs())
    kq.set_language(lang)  # inputs() calls use_theme() once; the language is ours
    plt.close("all")
    plt.figure()  # a plot without ax= draws on the current Axes: a fresh one per language
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would raise
        result = fn(*args, **kwargs)
        fig = result if isinstance(result, plt.Figure) else result.figure
        fig.savefig(io.BytesIO(), format="png")
    return fig


# --- the switch ------------------------------------------------------------------------------


def test_default_language_is_english_and_import_changes_nothing():
    import subprocess
    import sys

    code = "import kequn_lib as kq; print(kq.get_language())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "en"


@pytest.mark.parametrize(("given", "expected"),
                         [("zh", "zh"), ("ZH", "zh"), ("zh_CN", "zh"), ("zh-CN", "zh"),
                          ("en", "en"), ("en_US", "en")])
def test_set_language_accepts_sphinx_and_browser_codes(given, expected):
    kq.set_language("en" if expected == "zh" else "zh")
    before = kq.set_language(given)
    assert kq.get_language() == expected
    assert before != expected  # it returns the language set before


@pytest.mark.parametrize("bad", ["fr", "", None, 1])
def test_unknown_language_names_the_choices(bad):
    kq.set_language("zh")
    with pytest.raises(kq.ParameterError, match=r"lang=.*Use one of: 'en', 'zh'"):
        kq.set_language(bad)
    assert kq.get_language() == "zh"  # unchanged


def test_use_theme_passes_lang_and_leaves_it_alone_without():
    kq.use_theme(lang="zh")
    assert kq.get_language() == "zh"
    kq.use_theme()
    assert kq.get_language() == "zh"
    with pytest.raises(kq.ParameterError, match="lang='de'"):
        kq.use_theme(lang="de")


def test_localise_picks_the_page_language():
    assert kq.localise("Tier shares", zh="各层级占比") == "Tier shares"
    kq.set_language("zh")
    assert kq.localise("Tier shares", zh="各层级占比") == "各层级占比"
    assert kq.localise("Tier shares") == "Tier shares"  # no translation: the English text
    with pytest.raises(kq.ParameterError, match="zh must be a str"):
        kq.localise("x", zh=3)


# --- sentences ---------------------------------------------------------------------------------


def test_prose_shows_the_chinese_sentence_in_the_chinese_build():
    share = kq.fmt(0.8123, "pct")
    en, zh = f"The top decile holds {share} of AUM.", f"前10%的客户持有{share}的管理资产。"
    assert kq.prose(en, zh=zh) == en
    kq.set_language("zh")
    shown = kq.prose(en, zh=zh)
    assert shown == zh and isinstance(shown, kq.Prose)
    assert shown._repr_mimebundle_()["text/markdown"] == zh
    assert "81.2%" in shown  # the number is the same on both pages
    assert kq.prose(en) == en  # a sentence without its Chinese stays English
    with pytest.raises(kq.ParameterError, match="prose: zh must be a str"):
        kq.prose(en, zh=["not", "text"])


# --- tables ------------------------------------------------------------------------------------


def test_table_headers_follow_the_language():
    t = pd.DataFrame({"tier": ["mass"], "customers": [48_000], "aum_share": [0.686]})
    assert list(kq.display_table(t).frame.columns) == [
        "Tier (分层)", "Customers (客户数)", "AUM share (管理资产占比)"]
    kq.set_language("zh")
    table = kq.display_table(t)
    assert list(table.frame.columns) == ["分层（Tier）", "客户数（Customers）",
                                         "管理资产占比（AUM share）"]
    # same numbers; the tier's name is its Chinese one (data dictionary, Values)
    assert table.frame.to_numpy().tolist() == [["大众", "48,000", "68.6%"]]
    html = table.to_html()
    assert '分层<br><span class="kequn-en" lang="en">Tier</span>' in html
    # a label without a Chinese term stays as it is
    assert kq.display_table(t, labels={"tier": "Level"}).frame.columns[0] == "Level"


def test_every_dictionary_label_has_its_chinese_term():
    from kequn_lib._display import column_labels

    labels = column_labels()
    assert len(labels) > 20
    missing = sorted(name for name, label in labels.items() if not CJK.search(label.zh))
    assert not missing, f"data/README.md Labels rows without a Chinese term: {missing}"


# --- figures -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLOTS)
def test_figure_labels_put_the_page_language_first(name):
    """In English the first English word comes before the first Chinese character of every
    bilingual label, in Chinese the reverse; both render without a missing glyph."""
    en = _texts(_draw(name, "en"))
    zh = _texts(_draw(name, "zh"))
    assert any(CJK.search(t) for t in en), f"{name}: no bilingual label in English"
    for text in en:
        word, han = WORD.search(text), HAN.search(text)
        if word and han:
            assert word.start() < han.start(), f"{name} (en): Chinese first in {text!r}"
    chinese_first = 0
    for text in zh:
        word, han = WORD.search(text), HAN.search(text)
        if word and han:
            assert han.start() < word.start(), f"{name} (zh): English first in {text!r}"
        chinese_first += bool(han)
    assert chinese_first, f"{name}: no Chinese label in the Chinese build"
    assert en != zh, f"{name}: the labels do not change with the language"


def test_lorenz_labels_in_both_languages():
    ax = kq.plot_lorenz(pd.Series([1.0, 2.0, 10.0, 100.0]), ax=plt.figure().gca())
    assert ax.get_xlabel() == "Share of customers (客户占比)"
    kq.set_language("zh")
    ax = kq.plot_lorenz(pd.Series([1.0, 2.0, 10.0, 100.0]), ax=plt.figure().gca())
    assert ax.get_xlabel() == "客户占比（Share of customers）"
    assert ax.get_legend_handles_labels()[1][-1] == "完全平均 equality"


def test_yes_and_no_follow_the_language():
    t = pd.DataFrame({"has_loan": [True, False]})
    assert kq.display_table(t).frame.iloc[:, 0].tolist() == ["yes", "no"]
    kq.set_language("zh")
    assert kq.display_table(t).frame.iloc[:, 0].tolist() == ["是", "否"]
    assert kq.display_table(t).frame.columns[0] == "贷款客户（Loan customer）"


# --- category values ---------------------------------------------------------------------------


def test_category_values_in_tables_follow_the_language():
    c = kq.make_customers(n=400, random_state=0)
    cols = ["bank", "customer_kind", "industry", "region", "education", "card_level"]
    en = kq.display_table(c.loc[:5, cols]).frame
    assert en.iloc[:, 0].isin(["ICBC", "ABC", "CCB", "BOC"]).all()  # the English build as before
    crosstab = pd.crosstab(c["bank"], c["customer_kind"], margins=True, margins_name="all")
    assert list(kq.display_table(crosstab, index=True).frame.columns) == [
        "Bank (银行)", "Individual", "Corporate", "All"]
    kq.set_language("zh")
    zh = kq.display_table(c.loc[:5, cols]).frame
    words = {w for row in zh.to_numpy().tolist() for cell in row for w in WORD.findall(cell)}
    assert not words, f"English category values in the Chinese build: {sorted(words)}"
    assert zh.iloc[:, 0].isin(["工商银行", "农业银行", "建设银行", "中国银行"]).all()
    table = kq.display_table(crosstab, index=True).frame
    assert list(table.columns) == ["银行（Bank）", "个人客户（Individual）",
                                   "对公客户（Corporate）",
                                   "合计（All）"]
    assert table.iloc[-1, 0] == "合计"


def test_every_synthetic_category_value_has_a_chinese_name():
    from kequn_lib._display import value_labels, value_zh

    c = kq.make_customers(n=2_000, random_state=0)
    missing = [(col, v) for col in ["bank", "customer_kind", "industry", "region", "education",
                                    "card_level", "true_persona"]
               for v in c[col].dropna().unique() if not value_zh(str(v), col)]
    missing += [("layer", v) for v in kq.LAYER_LABELS if not value_zh(v, "layer")]
    missing += [("tier", v) for v in kq.tier_presets()["tier"] if not value_zh(v, "tier")]
    assert not missing, f"add rows to data/README.md, section Values: {missing}"
    assert all(HAN.search(zh) for zh in value_labels().values())
    assert value_zh("diamond", "card_level") == "钻石卡" and value_zh("diamond", "tier") == "钻石"


def test_figure_category_values_follow_the_language():
    c = kq.make_customers(n=400, random_state=0)
    ax = kq.plot_mix(c, x="bank", hue="region", ax=plt.figure().gca())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["urban", "county", "rural"]
    kq.set_language("zh")
    ax = kq.plot_mix(c, x="bank", hue="region", ax=plt.figure().gca())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["城区", "县域", "农村"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["工商银行", "农业银行", "建设银行",
                                                            "中国银行"]
    ax = kq.plot_aum_distribution(c, hue="customer_kind", ax=plt.figure().gca())
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "客户类型"
    assert {t.get_text() for t in legend.get_texts()} == {"个人客户", "对公客户"}


def test_segment_personas_are_chinese_in_the_chinese_build():
    c = kq.make_customers(n=1_500, random_state=0)
    en = kq.segment_customers(c, k_range=(3, 4), random_state=0)
    assert all(" / " in p for p in en.profile["persona"].astype(str))  # English build as before
    kq.set_language("zh")
    zh = kq.segment_customers(c, k_range=(3, 4), random_state=0)
    words = [w for name in [*zh.names, *zh.profile["persona"].astype(str)]
             for w in WORD.findall(name)]
    assert not words, f"English in Chinese persona names: {words}"
    assert [p.split(" / ")[0] for p in en.profile["persona"].astype(str)] == list(
        zh.profile["persona"].astype(str))
