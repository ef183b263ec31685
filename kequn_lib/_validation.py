"""Checks every public function runs at the door, in one place.

- ``check_*`` validate an argument and return it in canonical form (:func:`check_option`,
  :func:`check_int`, :func:`check_number`, :func:`check_random_state`, :func:`check_seed`,
  :func:`sklearn_random_state`); a miss is a :class:`~kequn_lib.ParameterError` worded alike:
  the owner, the parameter, what it must be and what it got.
- ``require_*`` check a table (:func:`require_frame`, :func:`require_columns`,
  :func:`require_numeric`, :func:`require_unique`); a miss is a :class:`~kequn_lib.SchemaError`
  (or :class:`~kequn_lib.InputTypeError`) naming the column and the first offending rows.
- :data:`ROLES` and :data:`NEEDS` declare the customer table's column roles (the id required;
  AUM, deposit, wealth, loan and card columns optional) and which role each public function
  needs; :func:`require_role` refuses a table without it by naming the need.
- :func:`fmt_values` formats offending values for a message; :func:`renamed_keywords` keeps an
  old keyword name working, with a ``FutureWarning``, while users move to the new one.
- :func:`warn` issues a warning attributed to the caller's line outside kequn (however deep
  inside the package it is raised), so ``stacklevel`` needs no counting.

Random state
------------
:func:`check_random_state` follows scikit-learn's ``check_random_state`` semantics, adapted to
the numpy ``Generator`` API the package draws with:

- ``None``: draw from numpy's global ``RandomState`` singleton (``np.random.mtrand._rand``), as
  scikit-learn does; ``np.random.seed(n)`` therefore makes a ``None`` run repeatable. The
  Generator returned is seeded from one draw of the global state.
- an integer: ``np.random.default_rng(seed)``; numpy decides which integers are seeds (negative
  ones are not), and its refusal becomes a ``ParameterError``. ``bool`` is refused.
- a ``np.random.Generator``: returned as is (draws advance it).
- a ``np.random.RandomState``: a Generator seeded from one draw of it (so it advances, and the
  same RandomState gives the same stream).

:func:`sklearn_random_state` gives the value to pass to a scikit-learn estimator (``None``, an
int or a RandomState passed through; a Generator becomes one int drawn from it) and
:func:`check_seed` an int for code that needs one (e.g. one seed per Dask partition).
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import InputTypeError, ParameterError, SchemaError

__all__: list[str] = []  # private module: the helpers are for kequn's own modules

#: The release that removes keyword names deprecated by :func:`renamed_keywords`.
REMOVAL_RELEASE = "0.3.0"

F = TypeVar("F", bound=Callable[..., Any])

RandomStateLike = int | np.random.Generator | np.random.RandomState | None

#: Largest seed drawn from a Generator or RandomState (kept at 2**31 - 1 so seeds fit every API).
_SEED_HIGH = 2**31 - 1


# --- value formatting -------------------------------------------------------------------------


def fmt_values(values: Iterable[Any], limit: int = 5, *, total: int | None = None) -> str:
    """Format up to ``limit`` values for an error message, with a count of the rest.

    ``total`` is how many values there are when ``values`` holds only the first of them (an
    engine that fetched the first offending rows and their count).

    Examples
    --------
    >>> fmt_values([1, 2, 3, 4, 5, 6, 7], limit=3)
    '1, 2, 3, … (4 more)'
    >>> fmt_values([1, 2, 3], limit=3, total=40)
    '1, 2, 3, … (37 more)'
    """
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    rest = (len(values) if total is None else total) - limit
    return f"{shown}, … ({rest} more)" if rest > 0 else shown


# --- arguments --------------------------------------------------------------------------------


def check_option(value: Any, options: Iterable[Any], *, name: str, owner: str) -> Any:
    """Raise :class:`ParameterError` unless ``value`` is one of ``options``.

    Strings are compared case-insensitively; the canonical spelling from ``options`` is returned.

    Examples
    --------
    >>> check_option("AUM", ["aum", "count"], name="by", owner="f")
    'aum'
    """
    options = list(options)
    if isinstance(value, str):
        for opt in options:
            if isinstance(opt, str) and opt.lower() == value.lower():
                return opt
    elif value in options:
        return value
    msg = (
        f"{owner}: {name}={value!r} is not supported. "
        f"Use one of: {', '.join(repr(o) for o in options)}."
    )
    raise ParameterError(msg)


def check_int(
    value: Any,
    *,
    name: str,
    owner: str,
    low: int | None = None,
    high: int | None = None,
) -> int:
    """Raise :class:`ParameterError` unless ``value`` is an integer within ``[low, high]``.

    Examples
    --------
    >>> check_int(3, name="k", owner="f", low=1)
    3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{owner}: {name} must be an integer, got {value!r} ({type(value).__name__})."
        raise ParameterError(msg)
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"between {low} and {high}"
            if low is not None and high is not None
            else (f">= {low}" if low is not None else f"<= {high}")
        )
        msg = f"{owner}: {name} must be {bounds}, got {value}."
        raise ParameterError(msg)
    return value


def check_number(
    value: Any,
    *,
    name: str,
    owner: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Raise :class:`ParameterError` unless ``value`` is a finite real number within bounds.

    Examples
    --------
    >>> check_number(0.5, name="share", owner="f", low=0, high=1)
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        msg = f"{owner}: {name} must be a finite number, got {value!r}."
        raise ParameterError(msg)
    value = float(value)
    bad_low = low is not None and (value < low if low_inclusive else value <= low)
    bad_high = high is not None and (value > high if high_inclusive else value >= high)
    if bad_low or bad_high:
        lo = "" if low is None else ("[" if low_inclusive else "(") + f"{low}"
        hi = "" if high is None else f"{high}" + ("]" if high_inclusive else ")")
        rng = f"{lo}, {hi}" if low is not None and high is not None else (lo or hi)
        word = "in" if low is not None and high is not None else (">=" if low is not None else "<=")
        if low is not None and high is None:
            word = ">=" if low_inclusive else ">"
            rng = f"{low}"
        if high is not None and low is None:
            word = "<=" if high_inclusive else "<"
            rng = f"{high}"
        msg = f"{owner}: {name} must be {word} {rng}, got {value}."
        raise ParameterError(msg)
    return value


# --- random state -----------------------------------------------------------------------------


def _bad_random_state(value: Any, *, name: str, owner: str, why: str = "") -> ParameterError:
    msg = (
        f"{owner}: {name} must be None, a non-negative int, a numpy Generator or a numpy "
        f"RandomState, got {value!r} ({type(value).__name__}){why}."
    )
    return ParameterError(msg)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_random_state(
    random_state: Any, *, owner: str, name: str = "random_state"
) -> np.random.Generator:
    """Turn ``random_state`` into a numpy Generator, with scikit-learn's semantics.

    Parameters
    ----------
    random_state : None, int, numpy Generator or numpy RandomState
        ``None`` draws from numpy's global RandomState (``np.random.seed`` makes it repeatable);
        an int seeds ``np.random.default_rng``; a Generator is returned as is; a RandomState
        seeds a Generator from one draw of it.
    owner : str
        The public function or class, for the message.
    name : str, default="random_state"
        The parameter name, for the message.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    ParameterError
        For any other type, a bool, or an integer numpy does not accept as a seed (negative).

    Examples
    --------
    >>> import numpy as np
    >>> a = check_random_state(0, owner="f").integers(100, size=3)
    >>> b = np.random.default_rng(0).integers(100, size=3)
    >>> bool((a == b).all())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng(np.random.mtrand._rand.randint(0, _SEED_HIGH))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, _SEED_HIGH))
    if _is_int(random_state):
        try:
            return np.random.default_rng(int(random_state))
        except ValueError as err:
            raise _bad_random_state(
                random_state, name=name, owner=owner, why=f"; numpy refuses it: {err}"
            ) from None
    raise _bad_random_state(random_state, name=name, owner=owner)


def sklearn_random_state(
    random_state: Any, *, owner: str, name: str = "random_state"
) -> int | np.random.RandomState | None:
    """Return the value to pass as ``random_state`` to a scikit-learn estimator.

    ``None``, an int and a RandomState pass through (an int must be a valid RandomState seed,
    ``0 <= seed < 2**32``); a Generator becomes one int drawn from it.

    Examples
    --------
    >>> import numpy as np
    >>> sklearn_random_state(7, owner="f")
    7
    >>> isinstance(sklearn_random_state(np.random.default_rng(0), owner="f"), int)
    True
    """
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, _SEED_HIGH))
    if _is_int(random_state):
        if not 0 <= int(random_state) < 2**32:
            raise _bad_random_state(
                random_state, name=name, owner=owner, why="; numpy seeds are 0 to 2**32 - 1"
            )
        return int(random_state)
    raise _bad_random_state(random_state, name=name, owner=owner)


def check_seed(random_state: Any, *, owner: str, name: str = "random_state") -> int:
    """Return an int seed: an int passes through, anything else is drawn as by
    :func:`check_random_state` (so ``None`` draws from numpy's global RandomState).

    Examples
    --------
    >>> check_seed(5, owner="f")
    5
    """
    if _is_int(random_state):
        check_random_state(random_state, owner=owner, name=name)  # numpy decides what is a seed
        return int(random_state)
    return int(check_random_state(random_state, owner=owner, name=name).integers(0, _SEED_HIGH))


# --- tables -----------------------------------------------------------------------------------


def require_frame(data: Any, *, owner: str) -> pd.DataFrame:
    """``data`` as a pandas DataFrame, or a :class:`KequnError` (also a ``TypeError``).

    A DataFrame passes as it is. Other dataframes (a pyarrow Table or RecordBatch, a polars
    DataFrame, anything narwhals knows or that speaks the Arrow stream or dataframe-interchange
    protocol) are converted once, here, to pandas (a fresh ``RangeIndex``), so every entry point
    that calls this accepts them and returns pandas. A lazy frame (polars ``LazyFrame``) is
    refused with the call that makes it eager."""
    if isinstance(data, pd.DataFrame):
        return data
    converted = _foreign_frame(data, owner=owner)
    if converted is not None:
        return converted
    kind = type(data).__module__.split(".")[0]
    if hasattr(data, "to_pandas") or hasattr(data, "__dataframe__"):
        msg = (
            f"{owner}: expected a table (a pandas DataFrame; a pyarrow Table or a polars "
            f"DataFrame is converted here), got a {kind} {type(data).__name__}, which is not one. "
            "Pass the whole table, or convert it first with data.to_pandas()."
        )
    else:
        msg = (
            f"{owner}: expected a pandas DataFrame, got {type(data).__name__}. "
            "Pass a table with one row per customer (or per event)."
        )
    raise InputTypeError(msg)


def _foreign_frame(data: Any, *, owner: str) -> pd.DataFrame | None:
    """A non-pandas dataframe converted to pandas; None when ``data`` is none."""
    kind = type(data).__module__.split(".")[0]
    name = type(data).__name__
    if isinstance(data, pd.Series | np.ndarray | dict | list | tuple | str | bytes):
        return None
    if kind == "polars" and name == "LazyFrame":
        msg = (f"{owner}: got a polars LazyFrame, which holds no rows yet. Pass "
               "data.collect() (a polars DataFrame, converted to pandas here).")
        raise InputTypeError(msg)
    try:
        if kind == "pyarrow" and hasattr(data, "to_pandas") and hasattr(data, "schema"):
            return data.to_pandas()  # Table, RecordBatch
        try:
            import narwhals as nw
        except ImportError:  # pragma: no cover - narwhals comes with the dependencies
            nw = None
        if nw is not None:
            frame = nw.from_native(data, eager_only=True, pass_through=True)
            if isinstance(frame, nw.DataFrame):
                return frame.to_pandas()
        if hasattr(data, "__arrow_c_stream__"):
            import pyarrow as pa

            return pa.table(data).to_pandas()
        if hasattr(data, "__dataframe__"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return pd.api.interchange.from_dataframe(data)
    except InputTypeError:
        raise
    except Exception as err:  # each library fails in its own way
        msg = (f"{owner}: could not convert the {kind} {name} to a pandas DataFrame "
               f"({type(err).__name__}: {err}). Convert it first with data.to_pandas().")
        raise InputTypeError(msg) from err
    return None


def missing_columns_error(missing: Iterable[str], data: pd.DataFrame, *, owner: str) -> SchemaError:
    """Build the :class:`SchemaError` for absent columns, listing the columns that are present."""
    missing = list(missing)
    present = [str(c) for c in data.columns]
    msg = (
        f"{owner}: missing column(s) {fmt_values(missing, 10)}. "
        f"The table has: {fmt_values(present, 30)}. "
        "Rename your columns (see the data dictionary, data/README.md) or pass the column name "
        "as a keyword argument."
    )
    return SchemaError(msg, column=missing[0] if missing else None)


def require_columns(data: pd.DataFrame, columns: Iterable[str], *, owner: str) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` that ``data`` lacks."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise missing_columns_error(missing, data, owner=owner)


def require_numeric(
    data: pd.DataFrame,
    column: str,
    *,
    owner: str,
    nonnegative: bool = False,
    allow_nan: bool = False,
) -> pd.Series:
    """Return ``data[column]`` as float64 after checking it is numeric, finite and (optionally)
    non-negative, and that its total stays finite (absolute values adding up to more than
    float64 holds would make every sum, share and Gini inf or NaN); raise
    :class:`SchemaError` naming the first offending rows otherwise."""
    require_columns(data, [column], owner=owner)
    s = data[column]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        try:
            converted = pd.to_numeric(s, errors="coerce")
        except (TypeError, ValueError):  # nested or unsized objects: none of them is a number
            converted = pd.Series(np.nan, index=s.index)
        bad = converted.isna() & s.notna()
        rows = s.index[bad]
        if not bad.any() and s.dtype == object and s.dropna().map(
                lambda v: isinstance(v, numbers.Number) and not isinstance(v, bool)).all():
            s = converted  # Decimal (or mixed int/float objects): real numbers, not text
        elif not bad.any():
            msg = (
                f"{owner}: column {column!r} must be numeric, but has dtype {s.dtype} (numbers "
                "stored as text). Convert it with pd.to_numeric first."
            )
            raise SchemaError(msg, column=column)
        else:
            msg = (
                f"{owner}: column {column!r} must be numeric, but has dtype {s.dtype}; "
                f"{int(bad.sum())} value(s) are not numbers, first at index [{fmt_values(rows)}]: "
                f"[{fmt_values(s[bad].tolist())}]. Convert it with pd.to_numeric first."
            )
            raise SchemaError(msg, column=column, rows=list(rows))
    values = s.astype("float64")
    arr = values.to_numpy()
    peak = _clean_peak(arr, nonnegative=nonnegative, allow_nan=allow_nan)
    if peak is not None:
        _require_finite_total(arr, s.index, column, owner=owner, peak=peak)
        return values
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if nonnegative:
        bad |= arr < 0
    if bad.any():
        rows = s.index[bad]
        rule = "finite" + (" and non-negative" if nonnegative else "")
        rule += "" if allow_nan else " (no NaN)"
        msg = (
            f"{owner}: column {column!r} must be {rule}; {int(bad.sum())} row(s) fail, first at "
            f"index [{fmt_values(rows)}] with values [{fmt_values(arr[bad].tolist())}]. "
            "Fix or drop these rows first."
        )
        raise SchemaError(msg, column=column, rows=list(rows))
    _require_finite_total(arr, s.index, column, owner=owner)
    return values


#: Largest finite float64: a column whose absolute values add up to more overflows any sum.
_FLOAT_MAX = float(np.finfo("float64").max)


def _clean_peak(arr: np.ndarray, *, nonnegative: bool, allow_nan: bool) -> float | None:
    """The largest absolute value of a float64 ``arr`` when its minimum and maximum show that
    every value passes :func:`require_numeric`'s value checks; ``None`` when some may fail (or
    ``arr`` is empty or all NaN), so that the caller builds the row masks that name them.

    Two reductions and no temporary array: a NaN propagates through ``minimum``/``maximum`` (a
    miss when NaN is not allowed; ``fmin``/``fmax`` skip it when it is), an infinity or a
    negative value shows in the extremes."""
    if arr.size == 0:
        return None
    low, high = (np.fmin, np.fmax) if allow_nan else (np.minimum, np.maximum)
    with np.errstate(invalid="ignore"):
        lo, hi = float(low.reduce(arr)), float(high.reduce(arr))
    if lo >= (0.0 if nonnegative else -_FLOAT_MAX) and hi <= _FLOAT_MAX:  # False for NaN
        return max(-lo, hi)
    return None


def _require_finite_total(arr: np.ndarray, index: pd.Index, column: str, *, owner: str,
                          peak: float | None = None) -> None:
    """Raise :class:`SchemaError` when the column's total (of absolute values) overflows float64:
    every sum, share, Gini and cumulative curve of it would come out inf or NaN. ``peak``, the
    largest absolute value when the caller knows it, spares the two reductions."""
    n = arr.size
    if peak is not None and peak * n < _FLOAT_MAX:
        return  # no order of summation can overflow
    if n == 0 or (np.isnan(arr).all() if np.isnan(arr[0]) or np.isnan(arr[-1]) else False):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN
        peak = max(abs(float(np.nanmax(arr))), abs(float(np.nanmin(arr))))
    if not total_may_overflow(peak, n):
        return
    with np.errstate(over="ignore"):
        total = float(np.nansum(np.abs(arr)))
    if np.isfinite(total):
        return
    big = overflow_positions(arr, n)
    rows = list(index[big])
    raise total_overflow_error(owner, column, rows=rows, values=arr[big].tolist(), n=len(rows))


def total_may_overflow(peak: float | None, n: int) -> bool:
    """False when ``n`` values no larger than ``peak`` (in absolute value) cannot add up to
    more than float64 holds, in any order; True when they might (or ``peak`` is unknown)."""
    if peak is None:
        return n > 0
    return bool(np.isfinite(peak)) and peak * n >= _FLOAT_MAX


def overflow_positions(arr: np.ndarray, n: int) -> np.ndarray:
    """Positions in ``arr`` of the values too large for a total over ``n`` rows (absolute value
    at least the float64 maximum over ``n``), largest first, ties in row order: the rows an
    overflow error names (the engines rank their rows the same way)."""
    big = np.flatnonzero(np.abs(arr) >= _FLOAT_MAX / n)
    return big[np.argsort(-np.abs(arr[big]), kind="stable")]


def total_overflow_error(owner: str, column: str, *, rows: Sequence[Any],
                         values: Sequence[float], n: int) -> SchemaError:
    """The :class:`SchemaError` of a column whose total overflows float64: ``n`` rows are too
    large, of which ``rows`` and ``values`` are the first (largest first), for every engine."""
    msg = (
        f"{owner}: column {column!r} adds up to more than the largest number a float64 holds "
        f"(about 1.8e308), so its sums and shares would overflow to inf or NaN; "
        f"{n} row(s) are too large for that, the largest at index "
        f"[{fmt_values(rows, total=n)}] with values [{fmt_values(values, total=n)}]. Check the "
        "column's unit (or divide it, e.g. by 1e4 for 万) before the call."
    )
    return SchemaError(msg, column=column, rows=list(rows))


def strictly_increasing(values: pd.Series) -> bool:
    """Whether numeric ``values`` are strictly increasing (so unique without hashing: the usual
    export order of ids). False for text, categorical or bool values, and whenever a NaN is
    present."""
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(values) \
            or not pd.api.types.is_numeric_dtype(values.dtype):
        return False
    arr = values.to_numpy()
    return arr.ndim == 1 and (arr.size < 2 or bool(np.all(arr[1:] > arr[:-1])))


def require_unique(data: pd.DataFrame, column: str, *, owner: str) -> None:
    """Raise :class:`SchemaError` if ``data[column]`` has repeated values, naming them."""
    require_columns(data, [column], owner=owner)
    dup = data[column].duplicated(keep=False)
    if dup.any():
        values = data.loc[dup, column].unique()
        msg = (
            f"{owner}: column {column!r} must be unique (one row per customer), but "
            f"{len(values)} value(s) repeat: [{fmt_values(values)}] at index "
            f"[{fmt_values(data.index[dup])}]. Aggregate or de-duplicate the table first."
        )
        raise SchemaError(msg, column=column, rows=list(data.index[dup]))


# --- column roles and what each function needs ----------------------------------------------

#: Roles of the customer table's columns: ``{role: (what it is, its default column names)}``.
#: Only ``id`` is required of every table; the others are optional, and a function that needs
#: one says so in :data:`NEEDS` (and its docstring).
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "id": ("a customer id column", ("customer_id",)),
    "aum": ("an AUM column", ("aum",)),
    "deposit": ("a deposit balance column", ("deposit_balance",)),
    "wealth": ("a wealth-product balance column", ("wealth_balance",)),
    "loan": ("a loan balance column", ("loan_balance",)),
    "card": ("a card balance or credit-limit column", ("card_balance", "credit_limit")),
}

#: Words of a column name that make the column fit a role, and words that rule it out. A word
#: matches the start of a word of the name (``"savings"``, ``"TotalAssets"``, ``"fund_value"``;
#: not ``"refund"``), or anywhere for Chinese. AUM is what customers keep at the bank (deposits,
#: investments, wealth products): never a loan, a card balance or a credit limit, which are
#: what they owe or may borrow, so those words rule a column out of the asset roles.
_OWED = ("loan", "credit", "limit", "card", "debt", "overdraft", "mortgage", "liabilit",
         "borrow", "贷", "信用", "额度", "卡", "欠", "负债")
_DEPOSITS = ("deposit", "saving", "存款", "储蓄", "活期", "定期")
_WEALTH = ("wealth", "invest", "fund", "理财", "基金", "资管")
ROLE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "aum": (("aum", "asset", "balance", "资产", "余额", *_DEPOSITS, *_WEALTH), _OWED),
    "deposit": (_DEPOSITS, _OWED),
    "wealth": (_WEALTH, _OWED),
    "loan": (("loan", "mortgage", "贷"), ("limit", "额度", "card", "卡")),
    "card": (("card", "credit", "limit", "卡", "信用", "额度"), ()),
}

#: How a message says a table has no column of the role.
_ROLE_NONE = {
    "aum": "no asset column such as deposits, investments or wealth products",
    "deposit": "no deposit column",
    "wealth": "no wealth-product column",
    "loan": "no loan column",
    "card": "no card column",
}

#: What each public function needs of a customer table beyond the id: ``{function: {role:
#: keyword that names the column}}``; ``None`` for a column the function reads under the role's
#: default name (see :data:`ROLES`). A function that lists several roles needs one of them
#: (:func:`~kequn_lib.contribution` works from deposits, loans or wealth products, the others
#: counted as 0 with ``missing="zero"``). Functions not listed need no balance role (RFM on a
#: transaction log, segment pipelines and profiles on chosen features, Dunbar groups).
NEEDS: dict[str, dict[str, str | None]] = {
    "aum_tiers": {"aum": "aum_col"},
    "quantile_tiers": {"aum": "aum_col"},
    "estimate_wallet": {"aum": "target_col"},
    "layer_criteria": {"aum": "aum_col"},
    "relationship_layers": {"aum": "aum_col"},
    "contribution": {"deposit": None, "loan": None, "wealth": None},
    "plot_aum_distribution": {"aum": "x"},
}


def _name_words(name: str) -> list[str]:
    """Lower-case words of a column name: split at non-letters and at camelCase humps."""
    spaced = "".join(f" {ch}" if ch.isupper() and i and name[i - 1].islower() else ch
                     for i, ch in enumerate(name))
    return [w for w in "".join(ch if ch.isalnum() else " " for ch in spaced.lower()).split()]


def _has_word(name: str, words: Iterable[str]) -> bool:
    parts = _name_words(name)
    return any((w in name) if not w.isascii() else any(p.startswith(w) for p in parts)
               for w in words)


def role_candidates(data: pd.DataFrame, role: str) -> list[str]:
    """Columns of ``data`` that could hold ``role`` (:data:`ROLE_WORDS`): numeric, not true/
    false, not the id, not ground truth (``true_*``), named like the role and not like what
    rules it out (so an AUM is never offered a loan balance or a credit limit).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"customer_id": [1], "savings": [5.0], "loan_balance": [9.0],
    ...                   "credit_limit": [2.0], "FundValue": [1.0], "age": [40]})
    >>> role_candidates(t, "aum")
    ['savings', 'FundValue']
    """
    fits, rules_out = ROLE_WORDS[role]
    out = []
    for c in data.columns:
        name = str(c)
        s = data[c]
        if (not isinstance(s, pd.Series) or not pd.api.types.is_numeric_dtype(s)
                or pd.api.types.is_bool_dtype(s) or name in ROLES["id"][1]
                or name.startswith("true_")):
            continue
        if _has_word(name, fits) and not _has_word(name, rules_out):
            out.append(name)
    return out


def require_role(data: pd.DataFrame, column: str | Sequence[str], *, owner: str) -> None:
    """Raise :class:`SchemaError` naming the need when ``data`` lacks the ``column`` that
    ``owner`` needs for its role in :data:`NEEDS` (for a function that needs one of several
    roles, ``column`` lists their columns and one of them is enough), with the columns that
    could stand in: only columns that fit the role (:func:`role_candidates`).

    ``data`` may have no rows: the Parquet and Dask engines pass a zero-row frame with the
    files' or partitions' dtypes, so every kind of input gets the same words.

    Examples
    --------
    >>> import pandas as pd
    >>> require_role(pd.DataFrame({"aum": [1.0]}), "aum", owner="aum_tiers")
    """
    columns = [column] if isinstance(column, str) else list(column)
    if any(c in data.columns for c in columns):
        return
    need = NEEDS[owner]
    present = [str(c) for c in data.columns]
    near = list(dict.fromkeys(c for role in need for c in role_candidates(data, role)))
    if len(need) == 1:
        (role, keyword), = need.items()
        not_assets = "loans, card balances and credit limits are not assets"
        if near:
            # AUM is built from its parts (deposits, wealth products), not from a total; a
            # column under the role's own name is offered first, then totals, then parts
            parts = [c for c in near if c in role_candidates(data, "deposit")
                     or c in role_candidates(data, "wealth")] if role == "aum" else []
            near.sort(key=lambda c: (c not in ROLES[role][1], c in parts))
            parts = parts or ["deposit_balance", "wealth_balance"]
            build = (f"build AUM as data['aum'] = data[{parts!r}].sum(axis=1) (deposits plus "
                     f"wealth products; {not_assets})" if role == "aum"
                     else f"add {ROLES[role][1][0]!r}")
            tail = (f"this table has {', '.join(near)}: pass {keyword}={near[0]!r} if that is "
                    f"the measure, or {build}")
        else:
            why = f"; {not_assets}" if role == "aum" else ""
            add = ("add AUM, e.g. data['aum'] = data[['deposit_balance', 'wealth_balance']]"
                   ".sum(axis=1)" if role == "aum" else f"add {ROLES[role][1][0]!r}")
            tail = (f"this table has {_ROLE_NONE[role]} (it has: {fmt_values(present, 10)}"
                    f"{why}): {add}, or pass {keyword}= naming the column that holds it")
        msg = f"{owner} needs {ROLES[role][0]} ({columns[0]!r}); {tail}."
        raise SchemaError(msg, column=columns[0])
    whats = [ROLES[r][0] for r in need]
    names = [repr(c) for c in columns]
    what = (f"{', '.join(whats[:-1])} or {whats[-1]} "
            f"({', '.join(names[:-1])} or {names[-1]})")
    if near:
        role = next(r for r in need if near[0] in role_candidates(data, r))
        target = columns[list(need).index(role)]
        msg = (f"{owner} needs {what}; this table has {', '.join(near)}: rename the one that "
               f"holds it, e.g. data.rename(columns={{{near[0]!r}: {target!r}}}).")
    else:
        msg = (f"{owner} needs {what}; this table has none of them (it has: "
               f"{fmt_values(present, 10)}): add at least one.")
    raise SchemaError(msg, column=columns[0])


# --- warnings -------------------------------------------------------------------------------

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def find_stack_level() -> int:
    """The ``stacklevel`` that points :func:`warnings.warn` at the first frame outside kequn."""
    frame = inspect.currentframe()
    level = 0
    try:
        while frame is not None:
            path = os.path.abspath(frame.f_code.co_filename)
            if not path.startswith(_PACKAGE_DIR + os.sep):
                break
            frame = frame.f_back
            level += 1
    finally:
        del frame
    return max(level, 1)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn, attributing the warning to the user's line that called into kequn.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     warn("f: something was done instead")
    >>> seen[0].category.__name__
    'UserWarning'
    """
    warnings.warn(message, category, stacklevel=find_stack_level())


# --- renamed keywords -------------------------------------------------------------------------


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Keep old keyword names of a function working while users move to the new ones.

    ``@renamed_keywords(column="aum_col")`` lets callers still pass ``column=...``: the value
    goes to ``aum_col`` and a ``FutureWarning`` names the new keyword and the release
    (:data:`REMOVAL_RELEASE`) that removes the old one. Passing both is a
    :class:`ParameterError`.

    Examples
    --------
    >>> import warnings
    >>> @renamed_keywords(column="value_col")
    ... def total(data, *, value_col="v"):
    ...     return value_col
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     total(None, column="x")
    'x'
    >>> "value_col=" in str(seen[0].message)
    True
    """

    def decorate(func: F) -> F:
        owner = func.__qualname__.removesuffix(".__init__")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        msg = (
                            f"{owner}: got both {old}= (the old name) and {new}=; "
                            f"pass only {new}=."
                        )
                        raise ParameterError(msg)
                    msg = (
                        f"{owner}: the keyword {old}= is deprecated and will be removed in "
                        f"kequn {REMOVAL_RELEASE}; use {new}= instead."
                    )
                    warn(msg, FutureWarning)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_keywords__ = dict(renames)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
