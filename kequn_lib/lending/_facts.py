"""Cited facts of the lending case study: the facts tables, the banks, the default assumptions.

Loads and validates the curated facts tables (``data/lending_facts.csv`` and
``data/public_figures.csv``), turns any accepted spelling of a bank into its canonical name, and
holds the documented free parameters (:class:`LendingAssumptions`). Part of
:mod:`kequn_lib.lending`; import the public names from there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .._resources import data_path
from .._validation import fmt_values, require_columns, require_frame
from ..errors import ParameterError, SchemaError

__all__ = [
    "LendingAssumptions",
    "lending_assumptions",
    "lending_facts",
    "public_figures",
]

BANKS = ("WeBank", "MYbank")
_BANK_ALIASES = {"webank": "WeBank", "微众银行": "WeBank", "mybank": "MYbank", "网商银行": "MYbank"}
_BANK_ZH = {"WeBank": "微众银行", "MYbank": "网商银行"}

# Multipliers from the unit a figure is written in to base units (CNY, a fraction, a count).
UNIT_SCALE = {
    "亿元": 1e8,
    "万元": 1e4,
    "%": 0.01,
    "万笔": 1e4,
    "万户": 1e4,
    "months": 1.0,
    "days": 1.0,
    "": np.nan,
}
RELATIONS = ("<", ">", "≈", "=", "range")

_FACT_COLUMNS = (
    "fact_id", "bank", "metric", "value", "value_high", "unit", "relation", "condition",
    "condition_unit", "value_text", "value_text_zh", "period", "description", "description_zh",
    "part", "paragraph", "citation",
    "source", "status", "derivation",
)
_PUBLIC_COLUMNS = (
    "fact_id", "bank", "metric", "value", "value_high", "unit", "relation", "year", "measure",
    "description", "description_zh", "source", "status", "note",
)
# What kind of quantity a later figure is: compare stock with stock and flow with flow.
MEASURES = ("stock", "flow", "flow (cumulative)", "cumulative count", "ratio", "share", "average")


# --- banks -------------------------------------------------------------------------------------


def _bank(name: Any, *, owner: str, name_arg: str = "bank") -> str:
    """Canonical bank name ("WeBank" or "MYbank") for any accepted spelling, else raise."""
    if isinstance(name, str):
        canon = _BANK_ALIASES.get(name.strip().lower())
        if canon is not None:
            return canon
    msg = (
        f"{owner}: unknown {name_arg} {name!r}. Use 'WeBank' (or '微众银行') or 'MYbank' "
        "(or '网商银行'); case does not matter."
    )
    raise ParameterError(msg)


# --- the facts tables --------------------------------------------------------------------------


def _blank(s: pd.Series) -> pd.Series:
    return s.isna() | (s.astype("string").str.strip() == "")


def _fail(table: str, frame: pd.DataFrame, mask: pd.Series, column: str, rule: str) -> None:
    if mask.any():
        ids = frame.loc[mask, "fact_id"].tolist() if "fact_id" in frame else []
        msg = (
            f"{table}: {int(mask.sum())} row(s) break the rule '{rule}' (column {column!r}), "
            f"first fact_id(s): [{fmt_values(ids)}]. Correct the curated CSV in data/."
        )
        raise SchemaError(msg, column=column, rows=list(frame.index[mask]))


def _validate_facts(frame: pd.DataFrame, *, table: str, public: bool = False) -> pd.DataFrame:
    """Check a facts table (article facts, or later public figures) and return it typed.

    Rules: the documented columns exist; ``fact_id`` is unique, and so is the (bank, metric,
    period or year) key; every row has a source (and, for article facts, a citation and a
    part/paragraph locator); banks, relations and statuses are known; numbers are numbers;
    ranges have ``value <= value_high``; derived rows carry their derivation.
    """
    frame = require_frame(frame, owner=table)
    cols = _PUBLIC_COLUMNS if public else _FACT_COLUMNS
    require_columns(frame, cols, owner=table)
    df = frame.copy()
    dup = df["fact_id"].duplicated(keep=False)
    _fail(table, df, dup, "fact_id", "fact_id is unique")
    key = ["bank", "metric", "year" if public else "period"]
    _fail(table, df, df.duplicated(key, keep=False), ",".join(key), f"one row per {tuple(key)}")
    for col in ("bank", "metric", "source", "description", "description_zh", "status"):
        _fail(table, df, _blank(df[col]), col, f"{col} is filled in")
    _fail(table, df, ~df["bank"].isin(BANKS), "bank", f"bank is one of {BANKS}")
    _fail(table, df, ~df["relation"].isin(RELATIONS), "relation", f"relation in {RELATIONS}")
    numeric = ["value", "value_high"] + (["year"] if public else ["condition", "part", "paragraph"])
    for col in numeric:
        converted = pd.to_numeric(df[col], errors="coerce")
        _fail(table, df, converted.isna() & ~_blank(df[col]), col, f"{col} is a number")
        df[col] = converted.astype("float64")
    units = df["unit"].fillna("").astype(str)
    _fail(table, df, ~units.isin(list(UNIT_SCALE)), "unit", f"unit in {list(UNIT_SCALE)}")
    has_value = df["value"].notna()
    _fail(table, df, has_value & (units == ""), "unit", "a number has a unit")
    is_range = df["relation"] == "range"
    _fail(table, df, is_range & ~(df["value_high"] >= df["value"]), "value_high",
          "a range has value <= value_high")
    _fail(table, df, ~is_range & df["value_high"].notna(), "value_high",
          "only a range has value_high")
    if public:
        _fail(table, df, df["year"].isna(), "year", "year is filled in")
        _fail(table, df, ~df["measure"].isin(MEASURES), "measure", f"measure in {MEASURES}")
    else:
        for col in ("citation", "part", "paragraph"):
            _fail(table, df, _blank(frame[col]), col, f"every row has a locator ({col})")
        _fail(table, df, ~df["status"].isin(["stated", "derived"]), "status",
              "status is 'stated' or 'derived'")
        _fail(table, df, (df["status"] == "derived") & _blank(df["derivation"]), "derivation",
              "a derived row gives its derivation")
        _fail(table, df, _blank(df["value"]) & _blank(df["value_text"]), "value",
              "a row has a value or a value_text")
        _fail(table, df, _blank(df["value_text"]) != _blank(df["value_text_zh"]), "value_text_zh",
              "a value_text has its Chinese value_text_zh")
        df["part"] = df["part"].astype("Int64")
        df["paragraph"] = df["paragraph"].astype("Int64")
    if public:
        df["year"] = df["year"].astype("Int64")
    scale = units.map(UNIT_SCALE).astype("float64")
    df["value_std"] = df["value"] * scale
    df["value_high_std"] = df["value_high"] * scale
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].astype("string")
    return df.reset_index(drop=True)


@cache
def _read_table(name: str, public: bool) -> pd.DataFrame:
    raw = pd.read_csv(data_path(name), dtype=str, keep_default_na=False, na_values=[""],
                      encoding="utf-8")
    return _validate_facts(raw, table=name, public=public)


def _select(df: pd.DataFrame, bank: str | None, owner: str) -> pd.DataFrame:
    if bank is None:
        return df.copy()
    canon = _bank(bank, owner=owner)
    return df[df["bank"] == canon].reset_index(drop=True)


def lending_facts(bank: str | None = None) -> pd.DataFrame:
    """Every figure and claim in the article's lending news piece, one cited row each.

    The table is read from ``data/lending_facts.csv`` and validated on load (unique keys, a
    locator and a source on every row, known relations and units).

    Parameters
    ----------
    bank : str, optional
        ``"WeBank"``/``"微众银行"`` or ``"MYbank"``/``"网商银行"`` (any case); all rows when
        omitted.

    Returns
    -------
    pandas.DataFrame
        One row per fact, RangeIndex. Columns: ``fact_id``, ``bank``, ``metric``, ``value`` and
        ``value_high`` (as written, in ``unit``; ``value_high`` only for ranges), ``unit``,
        ``relation`` (``<``, ``>``, ``≈``, ``=``, ``range``), ``condition`` and
        ``condition_unit`` (a second number the figure depends on, e.g. the 5万 threshold),
        ``value_text`` (qualitative facts) and ``value_text_zh`` (the same in Chinese),
        ``period``, ``description`` (our own words, with the Chinese term) and ``description_zh``
        (our own Chinese wording, for the Chinese build), ``part`` and ``paragraph`` (locator:
        ``paragraph`` is the 1-based line number in the whole article file), ``citation``,
        ``source``, ``status`` (``stated`` or ``derived``), ``derivation``, and
        ``value_std``/``value_high_std`` (the value in base units: CNY, a fraction, or a count).

    Raises
    ------
    ParameterError
        If ``bank`` is not one of the two banks.
    SchemaError
        If the curated CSV breaks a rule (a duplicate key, a row without locator or source).

    See Also
    --------
    public_figures : later public figures on the same banks.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> facts = kq.lending_facts("微众银行")
    >>> row = facts.set_index("metric").loc["max_loan"]
    >>> float(row["value"]), row["unit"], float(row["value_std"])
    (20.0, '万元', 200000.0)
    """
    return _select(_read_table("lending_facts.csv", False), bank, "lending_facts")


def public_figures(bank: str | None = None) -> pd.DataFrame:
    """Later public figures on WeBank and MYbank (annual-report reposts, research notes).

    Parameters
    ----------
    bank : str, optional
        One bank (any accepted spelling); all rows when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per figure: ``fact_id``, ``bank``, ``metric``, ``value``, ``value_high``,
        ``unit``, ``relation``, ``year``, ``measure`` (``stock`` at year end, ``flow`` over the
        year, ``flow (cumulative)`` since launch, ``cumulative count``, ``ratio``, ``share`` or
        ``average``: compare stock with stock and flow with flow), ``description`` and
        ``description_zh`` (English and Chinese, our own words), ``source``
        (web address as found),
        ``status`` (sourced, secondary or unverified), ``note``, ``value_std``,
        ``value_high_std``.

    Notes
    -----
    The non-performing-loan ratio (NPL, 不良贷款率) reported here and the overdue rate (逾期率)
    quoted in the article are different measures: the ``note`` column says so on every NPL row.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> figs = kq.public_figures("MYbank")
    >>> sorted(figs.loc[figs["metric"] == "npl_ratio", "year"].tolist())
    [2021, 2022, 2024]
    """
    return _select(_read_table("public_figures.csv", True), bank, "public_figures")


def _fact(bank: str, metric: str) -> pd.Series:
    df = _read_table("lending_facts.csv", False)
    row = df[(df["bank"] == bank) & (df["metric"] == metric)]
    return row.iloc[0]


# --- assumptions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LendingAssumptions:
    """Free parameters of the lending case study: what the article does NOT state.

    Every field is an assumption, chosen to sit inside the bounds the facts give; functions
    take each as a keyword argument and fall back to these defaults (:func:`lending_assumptions`).

    Attributes
    ----------
    bank : str
        ``"WeBank"`` or ``"MYbank"``.
    sigma : float, default=1.0
        Log-standard deviation of loan size (spread of the log-normal). Not stated for either bank.
    mean_loan : float or None
        WeBank: target average loan in CNY, default 8,000 (the article says only "under 1万").
        MYbank: ``None``; its mean follows from ``sigma`` and the 98%-under-5万 fact.
    min_loan : float, default=500.0
        Smallest loan in CNY (lower truncation). Not stated.
    overdue_rate : float
        Assumed overdue rate, inside the stated bound: WeBank 0.25% (bound 0.3%), MYbank 0.8%
        (bound 1%).
    lgd : float, default=0.6
        Loss given default for unsecured small loans, used in expected loss. Not stated.
    funding_share : float
        Share of loans funded by the main source: WeBank 0.80 from partner banks (stated);
        MYbank 0.65 from non-bank institutions' deposits (the midpoint of the stated 60–70%).
    borrower_type_weights : tuple of (str, float)
        Borrower-type mix. WeBank: individuals only. MYbank: equal thirds of small/micro
        enterprises, small merchants and rural operators (the article names them, no shares).
    loans_per_borrower : int, default=1
        Loans per borrower in a simulated book. The article's "98% below 5万" (fact M04) is a
        share of MYbank's *customers*; using it as the share of *loans* below 5万 holds only
        when each borrower has one loan, which is what every book here assumes. Books are
        therefore books of borrowers as much as of loans.
    """

    bank: str
    sigma: float = 1.0
    mean_loan: float | None = None
    min_loan: float = 500.0
    overdue_rate: float = 0.0025
    lgd: float = 0.6
    funding_share: float = 0.8
    borrower_type_weights: tuple[tuple[str, float], ...] = (("individual", 1.0),)
    loans_per_borrower: int = 1


# Chinese names of the borrower types of the default assumptions (``borrower_type`` values).
_BORROWER_TYPES_ZH = {
    "individual": "个人",
    "small/micro enterprise": "小微企业",
    "small merchant": "小微商户",
    "rural operator": "农村经营者",
}

_ASSUMPTIONS = {
    "WeBank": LendingAssumptions(
        bank="WeBank", sigma=1.0, mean_loan=8_000.0, min_loan=500.0, overdue_rate=0.0025,
        lgd=0.6, funding_share=0.80, borrower_type_weights=(("individual", 1.0),),
    ),
    "MYbank": LendingAssumptions(
        bank="MYbank", sigma=1.0, mean_loan=None, min_loan=500.0, overdue_rate=0.008, lgd=0.6,
        funding_share=0.65,
        borrower_type_weights=(
            ("small/micro enterprise", 1 / 3),
            ("small merchant", 1 / 3),
            ("rural operator", 1 / 3),
        ),
    ),
}


def lending_assumptions(bank: str | None = None) -> LendingAssumptions | pd.DataFrame:
    """The documented default assumptions for one bank, or a table of both.

    Parameters
    ----------
    bank : str, optional
        One bank (any accepted spelling). When omitted, a tidy table of both banks.

    Returns
    -------
    LendingAssumptions or pandas.DataFrame
        The dataclass for one bank; otherwise a DataFrame with columns ``bank``, ``parameter``,
        ``value`` (text), ``value_zh`` (the same in Chinese: the same numbers, Chinese words) and
        ``kind`` (``"assumption"``, except WeBank's stated funding share and MYbank's implied
        mean).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.lending_assumptions("webank").mean_loan
    8000.0
    """
    if bank is not None:
        return _ASSUMPTIONS[_bank(bank, owner="lending_assumptions")]
    rows = []
    for name, a in _ASSUMPTIONS.items():
        for key, value in asdict(a).items():
            if key == "bank":
                continue
            kind = "assumption"
            value_zh = None
            if key == "borrower_type_weights":
                value_zh = "；".join(f"{_BORROWER_TYPES_ZH.get(k, k)}{w:.0%}" for k, w in value)
                value = "; ".join(f"{k} {w:.0%}" for k, w in value)
            if name == "WeBank" and key == "funding_share":
                kind = "stated (fact W05)"
            if name == "MYbank" and key == "mean_loan":
                value, kind = "implied by sigma and fact M04", "implied"
                value_zh = "由 σ 和事实 M04 推出"
            if isinstance(value, float):
                value = f"{value:,.12f}".rstrip("0").rstrip(".")  # 8,000 and 0.0025, never 1e-3
            rows.append({"bank": name, "parameter": key, "value": str(value),
                         "value_zh": str(value) if value_zh is None else value_zh, "kind": kind})
    return pd.DataFrame(rows)
