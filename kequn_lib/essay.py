"""The source essay's claims as a checked, cited table (``data/essay_claims.csv``).

Part 2 of the source article is an essay by a former banker on what a customer group (客群)
means for a bank: the channel shift since 2013, group marketing replacing one-to-one marketing,
the 50–150 band, value recognition (价值认同), the three feelings (存在感、参与感、归属感),
the "central kitchen" (中央厨房) critique and silent groups (死群/咸鱼群). Every claim the
chapters use is one row here, restated in our own words, with a paragraph locator and the key
Chinese term as it is written at that paragraph.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from ._resources import data_path
from ._validation import fmt_values, require_columns
from .errors import ParameterError, SchemaError

__all__ = ["essay_claims"]

_COLUMNS = (
    "claim_id", "topic", "statement_en", "statement_zh", "term_zh", "label_zh", "part", "paragraph",
    "citation", "source", "kind",
)
KINDS = ("observation", "argument", "example", "context")
_TABLE = "essay_claims.csv"


def _fail(frame: pd.DataFrame, mask: pd.Series, column: str, rule: str) -> None:
    if mask.any():
        ids = frame.loc[mask, "claim_id"].tolist()
        msg = (
            f"{_TABLE}: {int(mask.sum())} row(s) break the rule '{rule}' (column {column!r}), "
            f"first claim_id(s): [{fmt_values(ids)}]. Correct the curated CSV in data/."
        )
        raise SchemaError(msg, column=column, rows=list(frame.index[mask]))


def _validate(raw: pd.DataFrame) -> pd.DataFrame:
    """Check the claims table: columns, unique ids, every field filled, integer locators."""
    require_columns(raw, _COLUMNS, owner=_TABLE)
    df = raw.loc[:, list(_COLUMNS)].copy()
    _fail(df, df["claim_id"].duplicated(keep=False), "claim_id", "claim_id is unique")
    for col in _COLUMNS:
        blank = df[col].isna() | (df[col].astype("string").str.strip() == "")
        _fail(df, blank, col, f"{col} is filled in")
    for col in ("part", "paragraph"):
        num = pd.to_numeric(df[col], errors="coerce")
        _fail(df, num.isna() | (num < 1) | (num % 1 != 0), col, f"{col} is a positive integer")
        df[col] = num.astype("int64")
    _fail(df, ~df["kind"].isin(KINDS), "kind", f"kind is one of {KINDS}")
    for col in df.columns:
        if df[col].dtype == object or isinstance(df[col].dtype, pd.StringDtype):
            df[col] = df[col].astype("string")
    return df.reset_index(drop=True)


@cache
def _read() -> pd.DataFrame:
    raw = pd.read_csv(data_path(_TABLE), dtype=str, keep_default_na=False, na_values=[""],
                      encoding="utf-8")
    return _validate(raw)


def essay_claims(topic: str | None = None) -> pd.DataFrame:
    """The claims of the source essay that kequn's chapters use, one cited row each.

    Read from ``data/essay_claims.csv`` and validated on load (unique ids, every field filled,
    integer locators, a known kind).

    Parameters
    ----------
    topic : str, optional
        Keep one topic only: ``bank_view``, ``channel_shift``, ``group_marketing``, ``roles``,
        ``origin_50_150``, ``well_run_groups``, ``silent_groups``, ``content_fit``,
        ``three_feelings``, ``value_recognition``, ``central_kitchen`` or ``author``. All rows
        when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per claim, RangeIndex. Columns: ``claim_id`` (``E..``), ``topic``,
        ``statement_en`` (the claim in our own words, not a translation of the wording),
        ``statement_zh`` (the same claim in Chinese, in our own words),
        ``term_zh`` (the key Chinese term(s), separated by ``、``, each written verbatim at the
        locator), ``label_zh`` (the short Chinese name kequn uses for the idea), ``part`` and
        ``paragraph`` (locator: ``paragraph`` is the 1-based line number in the whole article
        file, one paragraph per line), ``citation``, ``source`` and ``kind`` (``observation``,
        ``argument``, ``example`` or ``context``).

    Raises
    ------
    ParameterError
        If ``topic`` is not a topic of the table (the message lists the topics).
    SchemaError
        If the curated CSV breaks a rule (a duplicate id, a row without locator).

    See Also
    --------
    lending_facts : the figures of the article's lending news piece (part 3).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> row = kq.essay_claims("value_recognition").set_index("claim_id").loc["E17"]
    >>> row["label_zh"], int(row["paragraph"])
    ('专业价值 + 资源价值 = 价值认同', 34)
    """
    df = _read()
    if topic is None:
        return df.copy()
    topics = sorted(df["topic"].unique())
    if topic not in topics:
        msg = f"essay_claims: unknown topic {topic!r}. Use one of: {', '.join(topics)}."
        raise ParameterError(msg)
    return df[df["topic"] == topic].reset_index(drop=True)
