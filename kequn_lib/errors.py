"""Exceptions raised by kequn.

Every error kequn raises on bad input is a :class:`KequnError`. The subclasses also derive from
the matching built-in exception (``ValueError``, ``LookupError``, ``TypeError``) so that generic
handlers keep working. Messages say what is wrong, show the offending value (or a count and the
first few ids) and say how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "DataFileNotFoundError",
    "DataUnavailableError",
    "InputTypeError",
    "KequnError",
    "NotFittedError",
    "ParameterError",
    "SchemaError",
]


class KequnError(Exception):
    """Base class of every error raised by kequn on bad input or unavailable data."""


class ParameterError(KequnError, ValueError):
    """A function argument has a value outside what the function accepts.

    The message names the parameter, what it must be and what it got.
    """


class SchemaError(KequnError, ValueError):
    """A table does not follow its column contract.

    Raised for a missing column, a wrong dtype or values that break a rule. The message names the
    column, the rule and the first offending rows, and says how to fix the table.

    Attributes
    ----------
    column : str or None
        The column at fault, when there is one.
    rows : list
        Index labels of (up to ten of) the offending rows.
    """

    def __init__(self, message: str, *, column: str | None = None, rows: Sequence[Any] = ()):
        super().__init__(message)
        self.column = column
        self.rows = list(rows)[:10]


class DataUnavailableError(KequnError, LookupError):
    """A dataset cannot be found locally and cannot be downloaded.

    The message says which file to place in which folder to use it without a network.
    """


class InputTypeError(KequnError, TypeError):
    """An argument has the wrong type, e.g. a list where a DataFrame is expected.

    The message names the argument, the type expected and the type received.
    """


class DataFileNotFoundError(KequnError, FileNotFoundError):
    """A file named by the analyst (``read_customers``, ``read_transactions``) does not exist.

    The message gives the path as resolved and the folder it was looked for in.
    """


class NotFittedError(KequnError, AttributeError):
    """A model was used before ``fit``: call ``.fit(...)`` first."""


def _fmt_values(values: Iterable[Any], limit: int = 5) -> str:
    """Format up to ``limit`` values for an error message, with a count of the rest."""
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    rest = len(values) - limit
    return f"{shown}, … ({rest} more)" if rest > 0 else shown


def check_option(value: Any, options: Iterable[Any], *, name: str, owner: str) -> Any:
    """Raise :class:`ParameterError` unless ``value`` is one of ``options``.

    Strings are compared case-insensitively; the canonical spelling from ``options`` is returned.
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
    """Raise :class:`ParameterError` unless ``value`` is an integer within ``[low, high]``."""
    import numbers

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
    """Raise :class:`ParameterError` unless ``value`` is a finite real number within bounds."""
    import math
    import numbers

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
