"""The translators' glossary (book/locales/glossary.csv) agrees with the data dictionary.

One Chinese term per English term, the same in the glossary, in the data dictionary's Labels
table (what tables and figures show) and in the tier ladders (what ``aum_tiers`` returns), so a
translated chapter and the tables beside it use the same words. The README has a Chinese section.
"""

from __future__ import annotations

import csv
import re

import pytest

from kequn_lib._display import column_labels

from .conftest import REPO

GLOSSARY = REPO / "book" / "locales" / "glossary.csv"
HAN = re.compile(r"[\u3400-\u9fff]")
# The terms issue 17 names: a translation must have one agreed word for each.
REQUIRED = {"客群", "分层", "贡献度", "管理资产", "私人银行", "金卡", "客户经理", "流失",
            "客户终身价值"}


def _glossary() -> list[dict[str, str]]:
    with GLOSSARY.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_glossary_has_one_chinese_term_per_english_term():
    rows = _glossary()
    assert rows and list(rows[0]) == ["en", "zh", "column", "tier", "note"]
    seen: dict[str, str] = {}
    for line, row in enumerate(rows, start=2):
        en, zh = row["en"].strip(), row["zh"].strip()
        assert en and not HAN.search(en), f"glossary line {line}: English term {en!r}"
        assert HAN.search(zh), f"glossary line {line}: {en!r} has no Chinese term ({zh!r})"
        assert en.lower() not in seen, f"glossary line {line}: {en!r} is listed twice"
        seen[en.lower()] = zh
    assert REQUIRED <= set(seen.values()), f"missing: {sorted(REQUIRED - set(seen.values()))}"


def test_glossary_agrees_with_the_labels_table():
    labels = column_labels()
    for row in _glossary():
        column = row["column"].strip()
        if not column:
            continue
        assert column in labels, (
            f"glossary {row['en']!r} names column {column!r}, which the Labels table of "
            "data/README.md does not have")
        assert row["zh"] in labels[column].zh, (
            f"glossary: {row['en']!r} is {row['zh']!r}, but data/README.md labels {column!r} "
            f"{labels[column].zh!r}: make them agree")


def test_labels_with_a_glossary_term_use_its_chinese():
    terms = {row["en"].lower(): row["zh"] for row in _glossary()}
    clashes = [(name, label.en, label.zh, terms[label.en.lower()])
               for name, label in column_labels().items()
               if label.en.lower() in terms and terms[label.en.lower()] not in label.zh]
    assert not clashes, f"Labels rows that contradict the glossary: {clashes}"


def test_glossary_agrees_with_the_tier_ladders():
    with (REPO / "data" / "tier_presets.csv").open(encoding="utf-8", newline="") as f:
        ladders = list(csv.DictReader(f))
    for row in _glossary():
        tier = row["tier"].strip()
        if not tier:
            continue
        names = {r["name_zh"] for r in ladders if r["tier"] == tier}
        assert names == {row["zh"]}, (
            f"glossary: tier {tier!r} is {row['zh']!r}, tier_presets.csv names it {names}")


@pytest.mark.parametrize("command", ["make report", "make test"])
def test_readme_has_a_chinese_section_with_the_two_commands(command):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.find("## 中文简介")
    assert start >= 0, "README.md has no Chinese section (## 中文简介)"
    section = text[start:].split("\n## ", 1)[0]
    assert command in section
    assert len(HAN.findall(section)) > 200  # prose, not a heading alone
