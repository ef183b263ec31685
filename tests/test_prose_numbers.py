"""No number about the data is typed into the chapters' prose.

Every number a sentence states about the run comes from the computation
(``kq.prose(f"... {kq.fmt(x, 'pct')} ...")`` in a ``remove-input`` cell). Typed numbers are
allowed only for cited facts and method constants, and each one must be listed with its reason:

- cited facts in the curated tables (``data/lending_facts.csv``, ``data/public_figures.csv``,
  ``data/tier_presets.csv``) are listed automatically from those tables;
- other cited facts and constants are listed in ``ALLOWED`` (every chapter) or ``PER_CHAPTER``
  (one chapter, by its two-digit number), each with its reason or source.

The scan covers the markdown cells, the literal text that reaches ``kq.prose(...)`` calls and the
figure captions (``caption`` and ``caption_zh`` cell metadata). It skips
code spans, link targets, section and list numbering, years, and numbers that name a chapter,
part, paragraph, figure or table.

``PENDING`` holds the chapters whose prose is not yet bound to the run. A chapter's author
removes it from ``PENDING`` when the chapter is converted; new chapters are checked from the
start.
"""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import pytest

import kequn_lib as kq

from .conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: chapters not yet converted (their typed numbers are not checked yet)
PENDING: set[str] = set()

#: typed numbers allowed in every chapter: number as written -> reason / source
ALLOWED: dict[str, str] = {
    "104,682亿": "China Merchants Bank 2023 interim report: retail AUM of 金葵花-and-above "
                 "customers, CNY (chapters 01 and 02)",
    "128,382亿": "China Merchants Bank 2023 interim report: total retail AUM, CNY "
                 "(chapters 01 and 02)",
    "50": "lower end of the 50–150 group band (the article, part 2; Dunbar)",
    "150": "upper end of the 50–150 group band (the article, part 2; Dunbar's number)",
    "81.5%": "China Merchants Bank 2023 H1: AUM ≥ 50万 customers' share of retail AUM "
             "(data/README.md, the calibration target)",
    "10%": "the top decile, the concentration measure used throughout (method constant)",
}

#: typed numbers allowed in one chapter: chapter number -> {number: reason}
PER_CHAPTER: dict[str, dict[str, str]] = {
    "02": {
        "95%": "second cut of the ABC classes (kq.pareto_tiers default cuts, method constant)",
        "90": "the wallet regression's quantile, the 90th percentile (Perlich et al. 2007); "
              "also the middle cut of the percentile tiers, cuts=(0.5, 0.9, 0.99)",
        "99": "top cut of the percentile tiers for non-CNY balances, "
              "kq.quantile_tiers(cuts=(0.5, 0.9, 0.99)) (method constant)",
    },
    "03": {
        "5%": "lower 5% quantile of the bootstrap ARI, the statistic kq.stability judges by "
        "(method constant)",
        "0.85": "kq.stability threshold for stable (assumption, STABILITY_THRESHOLDS)",
        "0.6": "kq.stability threshold for moderately stable (assumption, STABILITY_THRESHOLDS)",
        "222": "the UCI Machine Learning Repository's number of the Bank Marketing data set "
               "(its address, not a result)",
    },
    "04": {
        "100": "group size kq.dunbar_groups aims at, middle of the 50–150 band (method constant)",
        "90": "90-day window of the app-login and RM-contact columns (data dictionary)",
        "12": "12-month window of the referral column (data dictionary)",
    },
    "05": {"5%": "significance level of the power analysis (kq.overdue_power alpha)"},
    "06": {
        "95%": "level of kq.clv's interval (interval=0.95, its default; method constant)",
        "10%": "kq.clv's yearly discount rate (discount_rate=0.10, an assumption) and the top "
               "decile of the true wallet (method constants)",
        "1": "q = 1, the Gamma-Gamma bound below which the population mean spend is infinite "
             "(Fader, Hardie & Lee 2005; method constant)",
    },
}

_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.])"  # not inside a word or a longer number (CJK text may touch it)
    r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 12,345 or 12345, optional decimals
    r"(?:\s?(?:%|万|亿))?"  # a unit that belongs to the number
)
_CONTEXT = re.compile(
    r"(?:chapter|chapters|part|parts|paragraph|paragraphs|line|lines|figure|figures|table|"
    r"tables|notebook|notebooks|section|step|issue|第)\s*$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")


def _normal(text: str) -> str:
    return text.replace(" ", "").replace("−", "-")


def typed_numbers(markdown: str) -> list[str]:
    """The numbers typed in a piece of Markdown (normalised: ``"2 %"`` -> ``"2%"``)."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)  # code spans: identifiers such as fee_income_12m
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"<[^>]+>", " ", text)  # HTML tags
    text = re.sub(r"\{[a-z:-]+\}", " ", text)  # MyST roles
    found = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:#+\s*)?(?:\d+(?:\.\d+)*[.)]|[-*+])\s", "", line)  # numbering
        for m in _NUMBER.finditer(line):
            if _CONTEXT.search(line[: m.start()]):
                continue
            value = _normal(m.group())
            if _YEAR.match(value):
                continue
            found.append(value)
    return found


def _prose_literals(source: str) -> list[str]:
    """The literal text that reaches ``kq.prose(...)`` in a code cell.

    Follows the arguments through f-strings, ``+``, ``a if c else b`` and names assigned in the
    same cell (``text = (...)``, ``text += ...``), so a sentence built in a variable is scanned
    too. Calls such as ``kq.fmt(...)`` and subscripts (``e["mae"]``) are computed, not typed.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    assigned: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None:
                assigned.setdefault(node.target.id, []).append(node.value)
    parts: list[str] = []
    followed: set[str] = set()

    def visit(node: ast.expr) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            for piece in node.values:
                visit(piece.value if isinstance(piece, ast.FormattedValue) else piece)
        elif isinstance(node, ast.BinOp):
            visit(node.left)
            visit(node.right)
        elif isinstance(node, ast.IfExp):
            visit(node.body)
            visit(node.orelse)
        elif isinstance(node, ast.Name) and node.id not in followed:
            followed.add(node.id)
            for value in assigned.get(node.id, []):
                visit(value)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "prose":
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                visit(arg)
    return parts


def _forms(value: float, unit: str) -> set[str]:
    """How a number from the curated tables may be written in prose."""
    if value != value:  # NaN: a qualitative row
        return set()
    plain = f"{value:g}"
    grouped = f"{value:,.10g}"
    short = {"亿元": "亿", "万元": "万", "万笔": "万", "万户": "万", "%": "%"}.get(unit, "")
    return {plain + short, grouped + short} if short else {plain, grouped}


@cache
def cited_facts() -> dict[str, str]:
    """Numbers of the curated, sourced tables, each with the row it comes from."""
    facts: dict[str, str] = {}
    for table, key in ((kq.lending_facts(), "fact_id"), (kq.public_figures(), "fact_id")):
        for row in table.itertuples():
            for col in ("value", "value_high"):
                for form in _forms(float(getattr(row, col)), str(row.unit)):
                    facts.setdefault(form, f"{getattr(row, key)} ({row.source})")
            if "condition" in table.columns:
                for form in _forms(float(row.condition), str(row.condition_unit)):
                    facts.setdefault(form, f"{getattr(row, key)} condition")
    for row in kq.tier_presets().itertuples():
        bound = float(row.lower_bound_cny)
        if bound >= 1e4:
            for form in _forms(bound / 1e4, "万元"):
                facts.setdefault(form, f"tier bar {row.preset}/{row.tier} ({row.status})")
    return facts


def _offences(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    allowed = {**cited_facts(), **ALLOWED, **PER_CHAPTER.get(path.name[:2], {})}
    bad = []
    for i, cell in enumerate(nb["cells"], 1):
        source = "".join(cell["source"])
        texts = [source] if cell["cell_type"] == "markdown" else _prose_literals(source)
        for key in ("caption", "caption_zh"):  # figure captions are prose too
            caption = cell.get("metadata", {}).get(key) or []
            texts += [caption] if isinstance(caption, str) else caption
        for text in texts:
            for number in typed_numbers(text):
                if number not in allowed and number.lstrip("-") not in allowed:
                    bad.append(f"cell {i}: {number}")
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_prose_states_no_typed_number_about_the_data(path):
    if path.name[:2] in PENDING:
        pytest.skip(f"{path.name} is not converted yet (PENDING in tests/test_prose_numbers.py)")
    bad = _offences(path)
    assert not bad, (
        f"{path.name} types numbers into its prose: {', '.join(bad[:15])}. Compute them "
        "(kq.prose + kq.fmt in a remove-input cell), or, for a cited fact or a method "
        "constant, list the number with its reason in ALLOWED or PER_CHAPTER."
    )


def test_pending_names_existing_chapters():
    chapters = {p.name[:2] for p in NOTEBOOKS}
    assert PENDING <= chapters, f"PENDING lists chapters that do not exist: {PENDING - chapters}"
    assert set(PER_CHAPTER) <= chapters


def test_every_allowed_number_has_a_reason():
    for table in (ALLOWED, *PER_CHAPTER.values()):
        for number, reason in table.items():
            assert typed_numbers(number) == [number], f"{number!r} is not written as scanned"
            assert len(reason.split()) >= 3, f"{number!r} needs a reason or a source"


def test_scanner_finds_typed_numbers_and_skips_the_rest():
    text = (
        "## 3. Tiering\n"
        "1. first item\n"
        "In chapter 02, 1.0% of customers hold 16 % of AUM; the Gini is 0.72, the grow "
        "quadrant holds 51%, 12,345 customers, 3.7亿 and 450亿元. See Figure 3 and part 3.\n"
        "`rm_contacts_90d` [the data](data/README.md) {glue:text}`share:.1%` 2023 H1."
    )
    assert typed_numbers(text) == ["1.0%", "16%", "0.72", "51%", "12,345", "3.7亿", "450亿"]


def test_numbers_touching_chinese_text_are_found():
    text = "前10%的客户持有81.2%的管理资产，共12,345位客户，合计3.7亿。"
    assert typed_numbers(text) == ["10%", "81.2%", "12,345", "3.7亿"]
    assert typed_numbers("fee_income_12m rm_contacts_90d v2") == []


def test_sentences_built_in_variables_are_scanned():
    source = (
        "tail = 'q below 1' if q < 1 else f'mean {kq.fmt(m)}'\n"
        "text = 'holds 16%' + f' and {tail}'\n"
        "text += ' (top 5)'\n"
        "kq.prose(text, zh=f'{kq.fmt(x, \"pct\")}的客户')\n"
    )
    numbers = [n for part in _prose_literals(source) for n in typed_numbers(part)]
    assert sorted(numbers) == ["1", "16%", "5"]


def test_prose_literals_are_scanned():
    source = "kq.prose(f'The top {kq.fmt(x, \"pct\")} hold 16% and {n} more.', zh=f'共{n}个')"
    assert _prose_literals(source) == ["The top ", " hold 16% and ", " more.", "共", "个"]
    assert typed_numbers(" hold 16% and ") == ["16%"]


def test_cited_facts_come_from_the_curated_tables():
    facts = cited_facts()
    assert "450亿" in facts and facts["450亿"].startswith("M")  # MYbank's derived total
    assert "600万" in facts and "5万" in facts  # the CBRC bar and the gold-card bar
    assert "98%" in facts
