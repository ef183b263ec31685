"""One date parser for every entry point: DataFrame columns (rfm, transaction checks) and files.

Accepted without being told: ISO dates with ``-``, ``/`` or ``.`` (``2024-01-05``,
``2024/1/5``, ``2024.01.05``, optionally with a time), the Chinese form ``2024年1月5日``, and
8-digit integers or strings read as ``YYYYMMDD``. Day-first or month-first forms
(``05/01/2024``) are accepted when the column itself decides the order (a first field above 12
means day first, a second one month first) or when ``dayfirst=`` says it. ``YYMMDD`` needs
``date_format="yymmdd"``; Excel serial day numbers need ``date_format="excel"``; any other
``date_format`` is a ``strftime`` pattern. Numbers are never read as nanoseconds since 1970.

A column whose order nothing decides, that mixes forms, or that holds values which are no
date is a :class:`~kequn_lib.SchemaError` naming the column, example values and the argument
to pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import fmt_values
from .errors import ParameterError, SchemaError

__all__ = ["parse_dates"]

_NA = {"", "na", "n/a", "nan", "nat", "null", "none", "-", "--", "#n/a", "无数据"}
_TIME = r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
_YMD = r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + _TIME
_AB_Y = r"(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})" + _TIME
_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")
_FAMILIES = {
    "ymd": "year first (2024-01-05, 2024/1/5, 2024年1月5日)",
    "ymd8": "8 digits YYYYMMDD (20240105)",
    "aby": "day and month before the year (05/01/2024)",
    "number": "numbers (Excel serials such as 45292, or YYMMDD such as 240105)",
    "other": "other text",
}


def _fail(owner: str, column: str, what: str, values: Any, fix: str,
          rows: Any = ()) -> SchemaError:
    shown = list(dict.fromkeys(pd.Series(list(values), dtype=object).tolist()))[:5]
    msg = f"{owner}: column {column!r} {what}, e.g. [{fmt_values(shown)}]. {fix}"
    return SchemaError(msg, column=column, rows=list(rows))


def _assemble(parts: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Datetimes from year/month/day(/hour/minute/second) columns; invalid dates become NaT."""
    nums = {k: pd.to_numeric(parts[k], errors="coerce") for k in parts.columns}
    frame = pd.DataFrame({
        "year": nums["y"], "month": nums["m"], "day": nums["d"],
        "hour": nums.get("H", pd.Series(0, index=index)).fillna(0),
        "minute": nums.get("M", pd.Series(0, index=index)).fillna(0),
        "second": nums.get("S", pd.Series(0, index=index)).fillna(0),
    }, index=index)
    return pd.to_datetime(frame, errors="coerce")


def _from_numbers(values: pd.Series, fmt: str | None, *, owner: str, column: str) -> pd.Series:
    arr = values.astype("float64")
    whole = arr.dropna()
    if fmt == "excel":
        if (whole < 1).any() or (whole > 2_958_465).any():  # 9999-12-31
            bad = whole[(whole < 1) | (whole > 2_958_465)]
            raise _fail(owner, column, "has numbers outside the Excel date range", bad,
                        "Excel serials count days from 1899-12-30 (45292 is 2024-01-01).",
                        bad.index)
        return _EXCEL_ORIGIN + pd.to_timedelta(arr, unit="D")
    if not (whole == whole.round()).all():
        raise _fail(owner, column, "holds fractional numbers, which are not dates", whole,
                    "If they are Excel serial dates, pass date_format='excel'.")
    if fmt is not None:
        text = whole.astype("int64").astype(str).reindex(values.index)
        return _with_format(text, fmt, owner=owner, column=column)
    if ((whole >= 1e7) & (whole < 1e8)).all():
        text = whole.astype("int64").astype(str).reindex(values.index)
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    if ((whole >= 20_000) & (whole < 80_000)).all():
        hint = ("They look like Excel serial day numbers (45292 is 2024-01-01): pass "
                "date_format='excel'.")
    else:
        hint = ("Dates as numbers are read as YYYYMMDD (20240105); for YYMMDD pass "
                "date_format='yymmdd', for Excel serials date_format='excel'.")
    raise _fail(owner, column, "holds numbers that are not YYYYMMDD dates", whole, hint)


def _with_format(text: pd.Series, fmt: str, *, owner: str, column: str) -> pd.Series:
    pattern = {"yymmdd": "%y%m%d", "yyyymmdd": "%Y%m%d"}.get(fmt.lower(), fmt)
    try:
        return pd.to_datetime(text, format=pattern, errors="coerce")
    except (TypeError, ValueError) as err:
        msg = f"{owner}: date_format={fmt!r} is not a usable strftime pattern ({err})."
        raise ParameterError(msg) from None


def parse_dates(
    values: Any,
    *,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    column: str = "date",
    owner: str = "parse_dates",
    errors: str = "raise",
) -> pd.Series:
    """Read a column of dates the same way every kequn entry point does.

    Parameters
    ----------
    values : pandas.Series or array-like
        Dates as datetimes, text or numbers.
    dayfirst : bool, optional
        Order of ``dd/mm/yyyy`` against ``mm/dd/yyyy`` forms. Default: decided by the column
        (a first field above 12 means day first, a second field above 12 month first); an error
        when nothing decides.
    date_format : str, optional
        ``"excel"`` (serial day numbers, 45292 = 2024-01-01), ``"yymmdd"``, ``"yyyymmdd"`` or a
        ``strftime`` pattern such as ``"%d.%m.%Y"``.
    column, owner : str
        Names used in error messages.
    errors : {"raise", "coerce"}, default="raise"
        ``"coerce"``: text that is no date becomes ``NaT`` (for the caller to report); an
        undecided order, mixed forms and numbers that are not dates still raise.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` on the input's index (time zones dropped, wall time kept); missing
        values (empty, ``NA``, ``-``, ...) are ``NaT``.

    Raises
    ------
    SchemaError
        Values that are no date, numbers that are not ``YYYYMMDD`` (Excel serials without
        ``date_format="excel"``), a day/month order nothing decides, or a mix of forms. The
        message names the column, shows example values and the argument to pass.
    ParameterError
        ``date_format`` that is not a usable pattern.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.parse_dates(["2024-01-05", "2024/1/6", "2024年1月7日"]).dt.day.tolist()
    [5, 6, 7]
    >>> kq.parse_dates([20240105, 20240131]).dt.strftime("%Y-%m-%d").tolist()
    ['2024-01-05', '2024-01-31']
    >>> kq.parse_dates(["05/01/2024", "25/01/2024"]).dt.month.tolist()
    [1, 1]
    >>> kq.parse_dates([45292.0], date_format="excel").iloc[0]
    Timestamp('2024-01-01 00:00:00')
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.astype("datetime64[ns]")
    if date_format is not None and not isinstance(date_format, str):
        raise ParameterError(f"{owner}: date_format must be a string, got {date_format!r}.")
    if dayfirst is not None and not isinstance(dayfirst, bool | np.bool_):
        raise ParameterError(f"{owner}: dayfirst must be True, False or None, got {dayfirst!r}.")
    fmt = date_format.lower() if isinstance(date_format, str) and date_format.lower() in {
        "excel", "yymmdd", "yyyymmdd"} else date_format
    if pd.api.types.is_bool_dtype(s.dtype):
        raise _fail(owner, column, "holds true/false values, not dates", s.dropna().unique(),
                    "Pass the date column.")
    if pd.api.types.is_numeric_dtype(s.dtype):
        out = _from_numbers(s, fmt, owner=owner, column=column)
        return _checked(out, s, owner=owner, column=column, fmt=date_format)
    text = s.astype("string").str.strip()
    missing = text.isna() | text.str.lower().isin(_NA).fillna(True)
    text = text.mask(missing)
    if fmt == "excel" or (fmt is None and text.dropna().str.fullmatch(r"\d+(\.\d+)?").all()
                          and len(text.dropna())):
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers[~missing].isna().any():
            bad = text[~missing & numbers.isna()]
            raise _fail(owner, column, "mixes numbers and other text", bad,
                        "Give every date in one form.", bad.index)
        if fmt is None and not text.dropna().str.fullmatch(r"\d{8}").all():
            return _checked(_from_numbers(numbers, None, owner=owner, column=column), s,
                            owner=owner, column=column, fmt=date_format)
        if fmt == "excel":
            return _checked(_from_numbers(numbers, "excel", owner=owner, column=column), s,
                            owner=owner, column=column, fmt=date_format)
    if fmt is not None:
        return _checked(_with_format(text, fmt, owner=owner, column=column), s, owner=owner,
                        column=column, fmt=date_format)
    # fast path: plain ISO dates
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if not (out.isna() & ~missing).any():
        return out.astype("datetime64[ns]")
    present = text[~missing]
    ymd = present.str.extract(f"^{_YMD}$")
    is_ymd = ymd["y"].notna()
    is_8 = ~is_ymd & present.str.fullmatch(r"\d{8}").fillna(False)
    aby = present[~is_ymd & ~is_8].str.extract(f"^{_AB_Y}$")
    is_aby = pd.Series(False, index=present.index)
    is_aby[aby.index] = aby["y"].notna()
    is_num = ~is_ymd & ~is_8 & ~is_aby & present.str.fullmatch(r"\d+(\.\d+)?").fillna(False)
    other = ~is_ymd & ~is_8 & ~is_aby & ~is_num
    if other.any():  # text no parser reads is bad data, not another form
        try:
            guessed = pd.to_datetime(present[other], format="mixed", dayfirst=bool(dayfirst),
                                     errors="coerce")
        except (TypeError, ValueError):
            guessed = pd.Series(pd.NaT, index=present[other].index)
        junk = pd.Series(False, index=present.index)
        junk[guessed.index] = guessed.isna().to_numpy()
        if junk.any() and errors != "coerce":
            raise _fail(owner, column, f"has {int(junk.sum())} value(s) that are not dates",
                        present[junk], "Fix these cells (a valid day, e.g. 2024-01-31) or "
                        "drop the rows.", present.index[junk])
        other = other & ~junk
    kinds = {"ymd": is_ymd | is_8, "aby": is_aby, "number": is_num, "other": other}
    found = {k: m for k, m in kinds.items() if m.any()}
    if len(found) > 1:
        shown = "; ".join(f"{_FAMILIES[k]}: {fmt_values(present[m].head(3).tolist(), 3)}"
                          for k, m in found.items())
        msg = (f"{owner}: column {column!r} mixes date forms ({shown}). Write every date in "
               "one form, or pass date_format= the pattern of the column (e.g. "
               "date_format='%d/%m/%Y').")
        raise SchemaError(msg, column=column)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if is_ymd.any():
        out[is_ymd[is_ymd].index] = _assemble(ymd[is_ymd], ymd[is_ymd].index)
    if is_8.any():
        out[is_8[is_8].index] = pd.to_datetime(present[is_8], format="%Y%m%d", errors="coerce")
    if is_aby.any():
        parts = aby[is_aby.reindex(aby.index)]
        a = pd.to_numeric(parts["a"]); b = pd.to_numeric(parts["b"])  # noqa: E702
        day_first_seen, month_first_seen = bool((a > 12).any()), bool((b > 12).any())
        if day_first_seen and month_first_seen:
            ex = [*present[parts.index[a > 12]].head(2), *present[parts.index[b > 12]].head(2)]
            raise _fail(owner, column, "has dates with the day first and others with the "
                        "month first", ex, "Write every date in one order, or pass "
                        "date_format= the pattern (e.g. '%d/%m/%Y') to find the others.")
        if dayfirst is None:
            if not (day_first_seen or month_first_seen):
                raise _fail(owner, column, "has dates like 05/01/2024 whose day/month order no "
                            "value decides", present[is_aby], "Pass dayfirst=True (05/01/2024 "
                            "is 5 January) or dayfirst=False (it is 1 May).")
            dayfirst = day_first_seen
        elif (dayfirst and month_first_seen) or (not dayfirst and day_first_seen):
            ex = present[parts.index[b > 12 if dayfirst else a > 12]]
            raise _fail(owner, column, f"contradicts dayfirst={dayfirst}", ex,
                        f"Pass dayfirst={not dayfirst}, or fix these dates.")
        parts = parts.rename(columns={"a": "d", "b": "m"} if dayfirst else {"a": "m", "b": "d"})
        out[parts.index] = _assemble(parts, parts.index)
    if other.any():
        try:
            out[other[other].index] = pd.to_datetime(present[other], format="mixed",
                                                      dayfirst=bool(dayfirst), errors="coerce")
        except (TypeError, ValueError):
            pass
    if errors == "coerce":
        return out.astype("datetime64[ns]")
    return _checked(out, s, owner=owner, column=column, fmt=date_format, missing=missing)


def _checked(out: pd.Series, s: pd.Series, *, owner: str, column: str, fmt: Any,
             missing: pd.Series | None = None) -> pd.Series:
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_localize(None)
    out = pd.Series(out, index=s.index).astype("datetime64[ns]")
    if missing is None:
        missing = s.isna()
    bad = out.isna() & ~missing
    if bad.any():
        hint = ("" if fmt is None else f" with date_format={fmt!r}")
        raise _fail(owner, column, f"has {int(bad.sum())} value(s) that are not dates{hint}",
                    s[bad], "Fix these cells (a valid day, e.g. 2024-01-31) or drop the rows.",
                    s.index[bad])
    return out
