"""Showing results to readers: sentences bound to the run, numbers, tables and key figures.

The report's convention: a sentence that states a number about the data is the Markdown output
of a code cell whose input is hidden, ``kq.prose(f"... {kq.fmt(share, 'pct')} ...")``; every
table a reader sees goes through :func:`display_table`; headline numbers are declared with
:func:`key_figures` (collected into ``key_figures.json``, not shown as a table).
"""

from __future__ import annotations

import html
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ._i18n import get_language, localise
from ._labels import KINDS as _KINDS
from ._labels import _Label, column_labels
from ._validation import _foreign_frame
from ._validation import fmt_values as _fmt_values
from .errors import ParameterError

__all__ = ["DisplayTable", "KeyFigures", "Prose", "display_table", "fmt", "key_figures", "prose"]

KEY_FIGURES_MIME = "application/vnd.kequn.key-figures+json"
DASH = "—"
P_FLOOR = 0.001  # p-values below this show as "< 0.001"


# --- sentences ---------------------------------------------------------------------------------


class Prose(str):
    """A sentence (Markdown) computed from the run; displays as Markdown in notebooks and the book.

    Created by :func:`prose`. It is a ``str``, so it can be tested and joined like one.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {"text/markdown": str(self), "text/plain": str(self)}


def prose(text: str, /, *, zh: str | None = None) -> Prose:
    """Show a sentence that states numbers from the run, as Markdown.

    Put it last in a code cell tagged ``remove-input``: the reader sees only the sentence, in
    JupyterLab and in the rendered book alike. Give the Chinese sentence as ``zh=`` (the same
    numbers): the Chinese build (``kq.set_language("zh")``) shows it, the English build shows
    ``text``.

    Parameters
    ----------
    text : str
        Markdown text, usually an f-string whose numbers come from :func:`fmt`.
    zh : str, optional
        The same sentence in Chinese. Without it, ``text`` is shown in both languages.

    Returns
    -------
    Prose
        A ``str`` that displays as Markdown.

    Raises
    ------
    ParameterError
        If ``text`` or ``zh`` is not a string.

    See Also
    --------
    fmt : format a number for a sentence.
    set_language : choose the language shown.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> share = kq.fmt(0.8123, 'pct')
    >>> kq.prose(f"The top decile holds {share} of AUM.", zh=f"前10%的客户持有{share}的管理资产。")
    The top decile holds 81.2% of AUM.
    """
    for name, value in (("text", text), ("zh", zh)):
        if not isinstance(value, str) and not (name == "zh" and value is None):
            msg = f"prose: {name} must be a str (Markdown), got {type(value).__name__}."
            raise ParameterError(msg)
    return Prose(localise(text, zh).strip())


# --- numbers -----------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float | np.floating) and math.isnan(value))
    except TypeError:  # pragma: no cover - exotic scalars
        return False


def _decimals_for(value: float, significant: int = 3) -> int:
    """Decimal places that show ``significant`` digits of ``value`` (0 for large values)."""
    a = abs(value)
    if a == 0 or not math.isfinite(a):
        return 0
    return max(0, significant - 1 - math.floor(math.log10(a)))


def _fixed(value: float, decimals: int, *, strip: bool = False) -> str:
    text = f"{value:,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0") or re.fullmatch(r"-0\.0*", text):
        text = text[1:]
    return text


def _money(value: float, currency: str, digits: int | None) -> str:
    a = abs(value)
    if currency.upper() in ("CNY", "RMB", "元"):
        for size, unit in ((1e12, "万亿元"), (1e8, "亿元"), (1e4, "万元")):
            if a >= size:
                x = value / size
                d = digits if digits is not None else _decimals_for(x)
                return f"{_fixed(x, d, strip=digits is None)}{unit}"
        d = digits if digits is not None else 0
        return f"{_fixed(value, d)}元"
    for size, unit in ((1e9, "bn"), (1e6, "m")):
        if a >= size:
            x = value / size
            d = digits if digits is not None else (1 if abs(x) < 100 else 0)
            return f"{_fixed(x, d)}{unit} {currency}"
    d = digits if digits is not None else 0
    return f"{_fixed(value, d)} {currency}"


def fmt(
    value: Any,
    kind: str = "auto",
    *,
    digits: int | None = None,
    currency: str = "CNY",
) -> str:
    """Format one number for a reader: separators, percentages, 万/亿元, never scientific.

    Parameters
    ----------
    value : number, bool, str or None
        The value. Missing values (None, NaN, NA) give "—"; strings come back unchanged.
    kind : {"auto", "int", "pct", "num", "money", "p"}, default="auto"
        ``"int"``: rounded, with thousands separators (12,345). ``"pct"``: a share from 0 to 1
        as a percentage (0.123 -> "12.3%"; shares below 1% keep two significant digits).
        ``"num"``: three significant digits, at least the integer part, with separators.
        ``"money"``: CNY in 元, 万元, 亿元 or 万亿元 (three significant digits); another currency as
        "12,345 EUR", "1.2m EUR", "3.4bn EUR". ``"p"``: a p-value, three decimals, and
        "< 0.001" below 0.001 (never 0.000). ``"auto"``: "int" for whole numbers, "num"
        otherwise, "yes"/"no" for bools.
    digits : int, optional
        Decimal places (of the percentage, of the number, or of the 万/亿 amount) instead of
        the sensible default.
    currency : str, default="CNY"
        Currency of a ``"money"`` value (``customers.attrs["currency"]``).

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        If ``kind`` is unknown, ``digits`` is negative, or ``value`` is not a number where one
        is needed.

    See Also
    --------
    prose : a sentence built from formatted numbers.
    display_table : the same formats applied to a table.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.fmt(12345.6, "int"), kq.fmt(0.8123, "pct"), kq.fmt(0.0042, "pct")
    ('12,346', '81.2%', '0.42%')
    >>> kq.fmt(0.000012345, "num"), kq.fmt(1234567.0, "num")
    ('0.0000123', '1,234,567')
    >>> kq.fmt(500_000, "money"), kq.fmt(1.234e9, "money"), kq.fmt(880, "money")
    ('50万元', '12.3亿元', '880元')
    >>> kq.fmt(3.7e12, "money")
    '3.7万亿元'
    >>> kq.fmt(1_234_567, "money", currency="EUR"), kq.fmt(float("nan"), "pct")
    ('1.2m EUR', '—')
    >>> kq.fmt(3.2e-12, "p"), kq.fmt(0.0421, "p")
    ('< 0.001', '0.042')
    """
    if kind not in _KINDS:
        msg = f"fmt: kind must be one of {_fmt_values(_KINDS)}, got {kind!r}."
        raise ParameterError(msg)
    if digits is not None and (not isinstance(digits, numbers.Integral) or digits < 0):
        msg = f"fmt: digits must be a non-negative int or None, got {digits!r}."
        raise ParameterError(msg)
    if _is_missing(value):
        return DASH
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        if kind in ("auto",):
            return localise("yes", "是") if value else localise("no", "否")
        value = int(value)
    if not isinstance(value, numbers.Real):
        msg = f"fmt: value must be a number, bool, str or None, got {type(value).__name__}."
        raise ParameterError(msg)
    x = float(value)
    if not math.isfinite(x):
        return "∞" if x > 0 else "−∞"
    if kind == "auto":
        kind = "int" if x.is_integer() and abs(x) < 1e15 else "num"
    if kind == "int":
        return _fixed(round(x), 0)
    if kind == "pct":
        p = x * 100
        if digits is None:
            digits = 1 if abs(p) >= 1 or p == 0 else min(_decimals_for(p, 2), 6)
        return f"{_fixed(p, digits)}%"
    if kind == "money":
        return _money(x, currency, digits)
    if kind == "p":
        d = 3 if digits is None else max(digits, 1)
        floor = max(P_FLOOR, 10.0**-d)
        return f"< {_fixed(floor, d, strip=True)}" if 0 <= x < floor else _fixed(x, d)
    if digits is None:
        digits = 0 if x.is_integer() else min(_decimals_for(x), 12)
    return _fixed(x, digits)


# --- labels from the data dictionary -----------------------------------------------------------


@lru_cache(maxsize=1)
def value_labels() -> dict[tuple[str, str], str]:
    """Chinese names of category values, keyed by ``(column, value)``; column ``"*"`` for any.

    From the data dictionary (``data/README.md``, section "Values"), the tier presets
    (``tier_presets.csv``, ``name_zh``), :data:`~kequn_lib.PERSONAS`,
    :data:`~kequn_lib.RFM_SEGMENTS`, :data:`~kequn_lib.VALUE_QUADRANTS` and the content
    checklist (``kequn_lib.content.CHECKLIST_ZH``).
    """
    from ._resources import data_path

    found: dict[tuple[str, str], str] = {}
    text = data_path("README.md").read_text(encoding="utf-8")
    start = text.find("## Values")
    if start >= 0:
        for line in text[start:].split("\n## ", 1)[0].splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 3 and cells[0].startswith("`") and cells[1].startswith("`"):
                found[(cells[0].strip("`"), cells[1].strip("`"))] = cells[2]
    presets = pd.read_csv(data_path("tier_presets.csv"), usecols=["tier", "name_zh"])
    for tier, zh in presets.drop_duplicates("tier").itertuples(index=False):
        found.setdefault(("tier", str(tier)), str(zh))
    from .datasets.synthetic import PERSONAS
    from .potential import VALUE_QUADRANTS
    from .rfm_analysis import RFM_SEGMENTS

    for name, zh in PERSONAS.items():
        for col in ("persona", "true_persona"):
            found.setdefault((col, name), zh)
    for en, zh in RFM_SEGMENTS.values():
        found.setdefault(("segment", en), zh)
    for en, zh in zip(VALUE_QUADRANTS["quadrant"], VALUE_QUADRANTS["quadrant_zh"], strict=True):
        found.setdefault(("quadrant", str(en)), str(zh))
    for en, zh in zip(VALUE_QUADRANTS["action"], VALUE_QUADRANTS["action_zh"], strict=True):
        found.setdefault(("action", str(en)), str(zh))
    from .content import CHECKLIST_ZH

    for key, zh in CHECKLIST_ZH.items():
        found.setdefault(key, zh)
    return found


@lru_cache(maxsize=1)
def _values_anywhere() -> dict[str, str]:
    """Values whose Chinese name is the same in every column that has them."""
    names: dict[str, set[str]] = {}
    for (_col, value), zh in value_labels().items():
        names.setdefault(value, set()).add(zh)
    return {value: next(iter(zh)) for value, zh in names.items() if len(zh) == 1}


def value_zh(value: Any, column: Any = None) -> str | None:
    """The Chinese name of a category value in ``column`` (any column when not given), or None.

    A value that is itself a column name of the data dictionary (a long table's ``metric``)
    gets that column's Chinese term.
    """
    if not isinstance(value, str):
        return None
    known = value_labels()
    if column is not None and (str(column), value) in known:
        return known[(str(column), value)]
    if ("*", value) in known:
        return known[("*", value)]
    if value in _values_anywhere():
        return _values_anywhere()[value]
    # a long table's column of column names ("aum", "contribution"): their dictionary terms
    label = column_labels().get(value)
    return label.zh if label is not None and label.zh else None


def _humanise(name: str) -> str:
    words = str(name).replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else words


def _label(name: Any, labels: Mapping[str, Any] | None, column: Any = None) -> _Label:
    if labels and name in labels:
        given = labels[name]
        if isinstance(given, tuple):
            return _Label(*given)
        return _Label(str(given))
    known = column_labels().get(str(name))
    if known is not None:
        return known
    # in the Chinese build, a column named by a category value (a crosstab's columns) gets the
    # value's Chinese name; the English build shows the name in words, as before
    zh = value_zh(name, column) if get_language() == "zh" else None
    return _Label(_humanise(name), zh or "")


# --- tables ------------------------------------------------------------------------------------


def _format_column(
    s: pd.Series, kind: str, currency: str
) -> tuple[list[str], bool]:
    """Formatted cells of one column and whether it is numeric (right-aligned)."""
    values = list(s)
    if get_language() == "zh" and not pd.api.types.is_numeric_dtype(s.dtype):
        # category values under their Chinese names (data dictionary, section "Values")
        values = [value_zh(v, s.name) or v for v in values]
    if kind == "text":
        return [DASH if _is_missing(v) else _as_text(v) for v in values], False
    if pd.api.types.is_bool_dtype(s.dtype):
        return [fmt(v) for v in values], False
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if not numeric:
        return [DASH if _is_missing(v) else _as_text(v) for v in values], False
    x = pd.to_numeric(s, errors="coerce").astype("float64")
    finite = x[np.isfinite(x)]
    if kind == "pct":
        # one number of decimals for the whole column: 1, or 2 when shares are below 1%
        top = finite.abs().max() * 100 if len(finite) else 0
        d = 1 if top >= 1 or top == 0 else 2
        return [fmt(v, "pct", digits=d) for v in values], True
    if kind == "money":
        return [fmt(v, "money", currency=currency) for v in values], True
    if kind == "p":
        return [fmt(v, "p") for v in values], True
    if kind == "int" or (len(finite) and bool((finite == finite.round()).all())):
        return [fmt(v, "int") for v in values], True
    typical = finite.abs()
    typical = typical[typical > 0]
    d = min(_decimals_for(float(typical.median())), 6) if len(typical) else 0
    return [fmt(v, "num", digits=d) for v in values], True


def _as_text(v: Any) -> str:
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, list | tuple | set | frozenset):
        return ", ".join(_as_text(i) for i in v)
    if isinstance(v, numbers.Number) and not isinstance(v, bool):
        return fmt(v)
    return str(v)


class DisplayTable:
    """A table formatted for readers; made by :func:`display_table`.

    Attributes
    ----------
    frame : pandas.DataFrame
        The formatted cells (strings) under their human labels; what the reader sees.
    caption : str or None
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        headers: list[_Label],
        numeric: list[bool],
        caption: str | None,
    ):
        self.frame = frame
        self.caption = caption
        self._headers = headers
        self._numeric = numeric

    def __repr__(self) -> str:
        body = self.frame.to_string(index=False, max_colwidth=None)
        return f"{self.caption}\n{body}" if self.caption else body

    def to_html(self) -> str:
        """The table as an HTML fragment (no truncation; numbers right-aligned)."""
        head = "".join(
            f'<th class="{"kequn-num" if n else "kequn-text"}">{h.html()}</th>'
            for h, n in zip(self._headers, self._numeric, strict=True)
        )
        rows = []
        for row in self.frame.itertuples(index=False):
            cells = "".join(
                f'<td class="{"kequn-num" if n else "kequn-text"}">{html.escape(str(v))}</td>'
                for v, n in zip(row, self._numeric, strict=True)
            )
            rows.append(f"<tr>{cells}</tr>")
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        style = (
            "<style>table.kequn-table{border-collapse:collapse;margin:0.5em 0 1em}"
            "table.kequn-table th,table.kequn-table td{padding:0.25em 0.6em;"
            "border-bottom:1px solid #ddd;vertical-align:top}"
            "table.kequn-table .kequn-num{text-align:right;font-variant-numeric:tabular-nums}"
            "table.kequn-table .kequn-text{text-align:left}"
            "table.kequn-table th{font-weight:600}"
            "table.kequn-table .kequn-zh,table.kequn-table .kequn-en"
            "{font-weight:400;font-size:0.9em}"
            "table.kequn-table caption{caption-side:top;text-align:left;font-style:italic}"
            "</style>"
        )
        return (
            f'{style}<table class="kequn-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


def _meaningful_index(index: pd.Index) -> bool:
    if isinstance(index, pd.MultiIndex):
        return True
    if isinstance(index, pd.RangeIndex) and index.name is None:
        return False
    if index.name is None and pd.api.types.is_integer_dtype(index.dtype):
        return not index.equals(pd.RangeIndex(len(index)))
    return True


def display_table(
    df: pd.DataFrame | pd.Series,
    *,
    labels: Mapping[str, str | tuple[str, str]] | None = None,
    percent: Iterable[str] = (),
    money: Iterable[str] = (),
    currency: str | None = None,
    index: bool | None = None,
    caption: str | None = None,
) -> DisplayTable:
    """Format a table for readers: the one table formatter of the report.

    Thousands separators, shares as percentages, money in 万/亿元 (or "1.2m EUR"), p-values
    as "0.042" or "< 0.001", no scientific notation, missing values as "—", text shown as
    text, no truncation, column labels from the data dictionary (English with the Chinese
    term), a meaningless index hidden.

    Parameters
    ----------
    df : pandas.DataFrame or pandas.Series
        The table. It is not modified.
    labels : mapping, optional
        Column labels that replace the data dictionary's: ``{"col": "Label"}`` or
        ``{"col": ("Label", "中文")}``. Columns absent from both get their name in words.
    percent : iterable of str, default=()
        Columns holding shares (0 to 1), shown as percentages. Columns the dictionary marks
        ``pct`` (e.g. ``aum_share``) are shown so without being named.
    money : iterable of str, default=()
        Columns holding amounts of money. Columns the dictionary marks ``money`` (``aum``, the
        balances) are shown so without being named.
    currency : str, optional
        Currency of the money columns: by default ``df.attrs["currency"]``, else CNY.
    index : bool, optional
        Show the index as the first column(s). By default it is shown unless it is a plain
        0..n-1 range without a name.
    caption : str, optional
        A caption shown above the table.

    Returns
    -------
    DisplayTable
        Displays as an HTML table in notebooks and the book; ``.frame`` holds the strings.

    Raises
    ------
    ParameterError
        If ``df`` is not a DataFrame or Series, or ``percent``/``money`` name columns that the
        table does not have.

    See Also
    --------
    fmt : the number formats used in the cells.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> t = pd.DataFrame({"tier": ["mass", "private_banking"], "customers": [48_000, 120],
    ...                   "aum": [2.1e10, 9.6e9], "aum_share": [0.686, 0.314]})
    >>> table = kq.display_table(t)
    >>> list(table.frame.columns)
    ['Tier (分层)', 'Customers (客户数)', 'AUM (管理资产)', 'AUM share (管理资产占比)']
    >>> table.frame.to_numpy().tolist()
    [['mass', '48,000', '210亿元', '68.6%'], ['private_banking', '120', '96亿元', '31.4%']]
    """
    if isinstance(df, pd.Series):
        df = df.to_frame(df.name if df.name is not None else "value")
    if not isinstance(df, pd.DataFrame):  # a pyarrow Table or polars DataFrame: to pandas
        frame = _foreign_frame(df, owner="display_table")
        df = df if frame is None else frame
    if not isinstance(df, pd.DataFrame):
        msg = f"display_table: df must be a pandas DataFrame or Series, got {type(df).__name__}."
        raise ParameterError(msg)
    percent, money = list(percent), list(money)
    missing = [c for c in [*percent, *money] if c not in df.columns]
    if missing:
        msg = (
            f"display_table: percent/money name column(s) {_fmt_values(missing)} that the "
            f"table does not have. Columns: {_fmt_values(list(df.columns), 20)}."
        )
        raise ParameterError(msg)
    if currency is None:
        currency = str(df.attrs.get("currency", "CNY"))
    show_index = _meaningful_index(df.index) if index is None else bool(index)
    data = df.reset_index() if show_index else df
    if show_index and isinstance(df.index, pd.MultiIndex):
        data.columns = [str(c) for c in data.columns]
    cells: dict[str, list[str]] = {}
    headers: list[_Label] = []
    numeric: list[bool] = []
    for i, col in enumerate(data.columns):
        label = _label(col, labels, df.columns.name)
        if col in percent:
            kind = "pct"
        elif col in money:
            kind = "money"
        elif show_index and i < df.index.nlevels:
            kind = "text" if not pd.api.types.is_numeric_dtype(data[col].dtype) else ""
        else:
            kind = label.kind
        values, is_num = _format_column(data.iloc[:, i], kind, currency)
        key = label.text()
        while key in cells:  # two columns with the same label stay two columns
            key += " "
        cells[key] = values
        headers.append(label)
        numeric.append(is_num)
    frame = pd.DataFrame(cells, index=pd.RangeIndex(len(data)))
    return DisplayTable(frame, headers, numeric, caption)


# --- key figures -------------------------------------------------------------------------------


def _clean(name: str, value: Any) -> Any:
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            msg = (
                f"key_figures: {name}={value} is not a finite number. Pass a finite value, or "
                "leave the figure out when it cannot be computed."
            )
            raise ParameterError(msg)
        return float(f"{value:.6g}")  # six significant digits: stable across BLAS builds
    msg = f"key_figures: {name} must be a number, bool or str, got {type(value).__name__}."
    raise ParameterError(msg)


class KeyFigures(Mapping[str, Any]):
    """Headline numbers of a notebook, collected by the report into ``key_figures.json``.

    Created by :func:`key_figures`. In a notebook it shows nothing to the reader (the numbers
    belong in sentences, see :func:`prose`); the report builder reads its machine-readable
    output and gathers every set into ``key_figures.json``.
    """

    def __init__(self, figures: Mapping[str, Any]):
        self._figures = {str(k): _clean(str(k), v) for k, v in figures.items()}

    def __getitem__(self, key: str) -> Any:
        return self._figures[key]

    def __iter__(self):
        return iter(self._figures)

    def __len__(self) -> int:
        return len(self._figures)

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self._figures.items())
        return f"KeyFigures({body})"

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        # Only the machine-readable bundle: no table of internal names for the reader. The
        # text/plain entry is empty so that a front end falling back to it shows nothing.
        return {KEY_FIGURES_MIME: dict(self._figures), "text/plain": ""}


def key_figures(figures: Mapping[str, Any] | None = None, /, **named: Any) -> KeyFigures:
    """Declare a notebook's headline numbers (collected by the report, not shown as a table).

    Parameters
    ----------
    figures : mapping, optional
        Names and values. Values must be numbers (rounded to six significant digits), bools or
        strings.
    **named
        More figures as keyword arguments.

    Returns
    -------
    KeyFigures
        A read-only mapping; in a notebook its output is read by the report builder only.

    Raises
    ------
    ParameterError
        If a value is not a finite number, a bool or a string.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.key_figures(top10_aum_share=0.8123456789, customers=50_000)
    KeyFigures(top10_aum_share=0.812346, customers=50000)
    """
    merged = dict(figures or {})
    merged.update(named)
    return KeyFigures(merged)
