"""The one rule that picks feature columns when the analyst names none.

:func:`segment_pipeline`, :func:`profile_segments` and :func:`dunbar_groups` all call
:func:`choose_features` when they are not told which columns to use, so the three agree. A column
describes *who the customer is or how they behave* only if it is none of these:

* an **id** (named like ``id``/``no``/``num``/``number``, 号, 编号, 证件, or unique per row);
* a **label**: a two-valued column named like flag/target/label/churn/attrition/default/
  subscribed/outcome, or the column passed as ``target_col=``;
* a **campaign outcome or contact** record (UCI Bank Marketing's ``campaign``, ``pdays``,
  ``previous``, ``poutcome``, ``contact``, ``duration``, ``day``/``month`` of the call, the
  economic context at the call, and what the loaders make of them): facts about the bank's
  calls, known only during or after a campaign;
* ground truth of synthetic data (``true_*``), the ``bank`` a customer belongs to, a constant,
  or a category with more than 30 levels;
* a column named in ``exclude=``;
* an exact **copy** of a column kept before it (in the UCI Bank Marketing table
  ``deposit_balance`` equals ``aum``; in the credit-card table ``credit_limit`` equals ``aum``):
  the first is kept, the copy is left out with the reason ``"copy of 'aum'"``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._validation import fmt_values, renamed_keywords, require_frame
from ..errors import ParameterError
from ..schema import MONEY_COLUMNS

__all__ = ["choose_features"]

log = logging.getLogger(__package__)

#: Categorical columns with more levels than this are left out of the automatic choice.
MAX_DEFAULT_LEVELS = 30
#: Money columns (log1p then scaled): the data dictionary's money, never ``true_*``.
DEFAULT_MONEY = tuple(c for c in MONEY_COLUMNS if not c.startswith("true_"))
#: Columns always left out besides the rules: the bank is an institution, not a trait.
DEFAULT_EXCLUDE = ("bank",)

_ID_ANYWHERE = {"id", "ids", "uuid", "guid"}
_ID_LAST = {"no", "num", "number", "nr", "key"}
_ID_ZH = ("号", "编号", "编码", "证件", "身份证")
_LABEL_TOKENS = {"flag", "target", "label", "churn", "churned", "attrition", "attrited",
                 "default", "defaulted", "subscribed", "subscription", "outcome", "response",
                 "converted", "exited", "y"}
_CAMPAIGN_NAMES = {
    "campaign", "campaign_contacts", "pdays", "previous", "previous_contacts",
    "previously_contacted", "poutcome", "contact", "duration", "day", "month", "day_of_week",
    "emp_var_rate", "cons_price_idx", "cons_conf_idx", "euribor3m", "nr_employed",
}
_CAMPAIGN_TOKENS = {"campaign", "pdays", "poutcome", "subscribed"}
_UNIQUE_MIN_ROWS = 50  # below this, a column of distinct counts is no evidence of an id


def _tokens(name: Any) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name))
    return [t for t in re.split(r"[^0-9a-zA-Z]+", text.lower()) if t]


def _snake(name: Any) -> str:
    return "_".join(_tokens(name))


def _is_numberlike(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _is_constant(s: pd.Series) -> bool:
    """True when ``s`` has at most one distinct non-missing value (min == max for numbers)."""
    if _is_numberlike(s):
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        arr = arr[~np.isnan(arr)]
        return arr.size == 0 or bool(arr.min() == arr.max())
    return s.nunique(dropna=True) <= 1


def _named_like_id(name: Any) -> bool:
    text = str(name)
    if any(z in text for z in _ID_ZH):
        return True
    tokens = _tokens(text)
    if not tokens:
        return False
    if _ID_ANYWHERE & set(tokens) or tokens[-1] in _ID_LAST:
        return True
    last = tokens[-1]  # run-together names such as CLIENTNUM or custno
    return len(last) > 4 and last.endswith(("num", "id")) and last.upper() == str(name).upper()


def _unique_per_row(s: pd.Series) -> bool:
    integer = pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s)
    text = not _is_numberlike(s) and not pd.api.types.is_datetime64_any_dtype(s)
    if not (integer or text) or s.isna().any():
        return False
    if len(s) < (_UNIQUE_MIN_ROWS if integer else 10):
        return False
    head = s.iloc[:1000]
    return bool(head.is_unique and s.is_unique)


def _is_binary(s: pd.Series) -> bool:
    return s.nunique(dropna=True) <= 2


def _reason(name: Any, s: pd.Series, *, exclude: set, target: set) -> str | None:
    """Why column ``name`` is not a feature, or None when it is one."""
    snake = _snake(name)
    tokens = set(snake.split("_"))
    if name in target:
        return "label (target_col=)"
    if name in exclude:
        return "excluded (exclude=)"
    if snake.startswith("true_"):
        return "ground truth (true_*)"
    if name in DEFAULT_EXCLUDE:
        return "institution, not a customer trait"
    if _named_like_id(name):
        return "id-like (named like an id)"
    if snake in _CAMPAIGN_NAMES or tokens & _CAMPAIGN_TOKENS:
        return "campaign contact or outcome"
    if tokens & _LABEL_TOKENS and not snake.startswith("has_") and _is_binary(s):
        return "label (two values, named like an outcome)"
    if _unique_per_row(s):
        return "id-like (unique per row)"
    if _is_constant(s):
        return "constant"
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
        return "date or time"
    if not _is_numberlike(s):
        if not (isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(s)):
            return f"not a number or category ({s.dtype})"
        if s.nunique(dropna=True) > MAX_DEFAULT_LEVELS:
            return f"more than {MAX_DEFAULT_LEVELS} categories"
    return None


def _same_values(a: pd.Series, b: pd.Series) -> bool:
    """True when ``a`` and ``b`` hold the same values row by row (NaN equal to NaN)."""
    if _is_numberlike(a) and _is_numberlike(b):
        x = a.to_numpy(dtype="float64", na_value=np.nan)
        y = b.to_numpy(dtype="float64", na_value=np.nan)
        return bool(np.array_equal(x[:1000], y[:1000], equal_nan=True)
                    and np.array_equal(x, y, equal_nan=True))
    if _is_numberlike(a) or _is_numberlike(b):
        return False
    x, y = a.astype(object), b.astype(object)
    return bool(x.iloc[:1000].equals(y.iloc[:1000]) and x.equals(y))


def _names(value: Any, name: str, owner: str) -> set:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    try:
        return set(value)
    except TypeError:
        msg = f"{owner}: {name}= must be a column name or a list of them, got {value!r}."
        raise ParameterError(msg) from None


@renamed_keywords(target="target_col")
def choose_features(
    data: pd.DataFrame,
    *,
    exclude: Iterable[str] | str | None = None,
    target_col: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """Say which columns describe customers, and why each other column is left out.

    This is the rule behind the automatic column choice of :func:`segment_pipeline`,
    :func:`profile_segments` and :func:`dunbar_groups` (when they are given no column lists).

    Parameters
    ----------
    data : pandas.DataFrame
        A customer table.
    exclude : str or list of str, optional
        More columns to leave out.
    target_col : str or list of str, optional
        The outcome being studied (e.g. ``"subscribed_term_deposit"``): always left out, even
        when its name does not look like a label. (Formerly ``target=``, still accepted with a
        ``FutureWarning``.)

    Returns
    -------
    pandas.DataFrame
        One row per column of ``data`` (index: the column names, in table order) with
        ``use`` (bool), ``kind`` (``"money"``, ``"numeric"``, ``"categorical"`` for a used
        column, else ``""``) and ``reason`` (why a column is left out, ``""`` when used).

    Raises
    ------
    InputTypeError
        If ``data`` is not a DataFrame.
    ParameterError
        If ``exclude`` or ``target_col`` is not a column name or a list of them.

    Notes
    -----
    Left out, in this order of precedence: ``target_col=``; ``exclude=``; ``true_*`` ground truth;
    ``bank``; ids (a name with the token ``id``, ending in ``no``/``num``/``number``/``nr``/
    ``key``, a run-together name such as ``CLIENTNUM``, or a Chinese name with 号, 编号, 编码,
    证件 or 身份证); campaign contact and outcome columns (``campaign``, ``pdays``,
    ``previous``, ``poutcome``, ``contact``, ``duration``, ``day``, ``month``, ``day_of_week``,
    the economic context of the 2014 Bank Marketing release, ``campaign_contacts``,
    ``previous_contacts``, ``previously_contacted``, anything named with ``subscribed``);
    two-valued columns named like an outcome (flag, target, label, churn, attrition, default,
    subscribed, outcome, response, converted, exited, y), except ``has_*`` traits such as
    ``has_credit_default``; integer or text columns unique per row (from 50 rows, 10 for text);
    constants; dates; categories with more than 30 levels; last, exact copies of a column
    already kept (same value in every row; the first in table order is kept, and the reason
    names it, e.g. ``"copy of 'aum'"``). Money columns are the data dictionary's (``aum``,
    balances, card balances and limits, volumes, fees).

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> data = pd.DataFrame({"CLIENTNUM": [7, 8, 9], "aum": [1e3, 5e4, 2e6],
    ...                      "age": [30, 45, 61], "Attrition_Flag": ["yes", "no", "no"]})
    >>> chosen = kq.choose_features(data)
    >>> chosen.index[chosen["use"]].tolist()
    ['aum', 'age']
    >>> chosen.loc["Attrition_Flag", "reason"]
    'label (two values, named like an outcome)'
    >>> copied = kq.choose_features(data.assign(deposit_balance=data["aum"]))
    >>> copied.loc["deposit_balance", "reason"]
    "copy of 'aum'"
    """
    owner = "choose_features"
    data = require_frame(data, owner=owner)
    excl = _names(exclude, "exclude", owner)
    tgt = _names(target_col, "target_col", owner)
    rows = []
    kept: list[Any] = []
    for col in data.columns:
        s = data[col]
        if isinstance(s, pd.DataFrame):  # repeated column name: leave both copies out
            rows.append((col, False, "", "duplicate column name"))
            continue
        why = _reason(col, s, exclude=excl, target=tgt)
        if why is None:
            first = next((k for k in kept if _same_values(data[k], s)), None)
            why = None if first is None else f"copy of {first!r}"
            if first is None:
                kept.append(col)
        if why is not None:
            rows.append((col, False, "", why))
        elif _is_numberlike(s):
            rows.append((col, True, "money" if col in DEFAULT_MONEY else "numeric", ""))
        else:
            rows.append((col, True, "categorical", ""))
    out = pd.DataFrame(rows, columns=["column", "use", "kind", "reason"]).set_index("column")
    out.index.name = None
    return out


def _auto_columns(
    data: pd.DataFrame, *, exclude: Any = (), target_col: Any = None, owner: str,
    log_choice: bool = True,
) -> dict[str, list[str]]:
    """``{"money": [...], "numeric": [...], "categorical": [...]}`` by :func:`choose_features`;
    the choice and what was left out (copies named with the column they copy) are logged at
    INFO level."""
    table = choose_features(data, exclude=exclude, target_col=target_col)
    used = table[table["use"]]
    picked = {k: [c for c, kind in used["kind"].items() if kind == k]
              for k in ("money", "numeric", "categorical")}
    left = table.loc[~table["use"], "reason"]
    if log_choice and log.isEnabledFor(logging.INFO):
        log.info("%s: features chosen %s", owner, {k: v for k, v in picked.items() if v})
        if len(left):
            log.info("%s: left out %s", owner,
                     fmt_values([f"{c} ({r})" for c, r in left.items()], 20))
    return picked
