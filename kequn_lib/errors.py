"""Exceptions raised by kequn.

Every error kequn raises on bad input is a :class:`KequnError`. The subclasses also derive from
the matching built-in exception (``ValueError``, ``LookupError``, ``TypeError``) so that generic
handlers keep working. Messages say what is wrong, show the offending value (or a count and the
first few ids) and say how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
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
