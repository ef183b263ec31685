"""A short repr for result dataclasses: scalars shown, tables summarised by their shape.

A notebook that ends a cell with a result (``kq.concentration(...)``) shows its ``repr``; the
dataclass default prints every table in full. :class:`ResultRepr` gives each result class one
readable line instead, wrapped when long::

    Segmentation(
        rows=537, k=3, data=<DataFrame: 537 rows × 26 columns>,
        labels=<Series 'segment': 537 rows>, profile=<DataFrame: 3 rows × 38 columns>,
        ...
    )

Use it as a base of a ``@dataclass(frozen=True, repr=False)`` class (``repr=False`` keeps the
dataclass from writing its own). A class may put headline numbers first (the number of
customers, a verdict) by overriding :meth:`ResultRepr._repr_headline`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ResultRepr", "result_repr", "summarise"]

_WIDTH = 100  # a repr that fits in this many characters stays on one line
_INLINE_ITEMS = 8  # tuples, lists and mappings up to this long are shown item by item
_TEXT = 60  # longer strings are cut


def _number(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}" if abs(int(value)) >= 1000 else str(int(value))
    value = float(value)
    if not math.isfinite(value):
        return repr(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summarise(value: Any) -> str:
    """One short piece of text for a value: the value itself if small, else its kind and size."""
    if isinstance(value, pd.DataFrame):
        return f"<DataFrame: {_count(len(value), 'row')} × {_count(value.shape[1], 'column')}>"
    if isinstance(value, pd.Series):
        name = f" {value.name!r}" if value.name is not None else ""
        return f"<Series{name}: {_count(len(value), 'row')}>"
    if isinstance(value, pd.Index):
        return f"<{type(value).__name__}: {len(value):,} entries>"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _number(value.item()) if value.dtype.kind in "biuf" else repr(value.item())
        shape = " × ".join(f"{n:,}" for n in value.shape)
        return f"<array: {shape} {value.dtype}>"
    if value is None or isinstance(value, bool | np.bool_):
        return repr(value if value is None else bool(value))
    if isinstance(value, numbers.Real):
        return _number(value)
    if isinstance(value, str):
        return repr(value if len(value) <= _TEXT else value[: _TEXT - 1] + "…")
    if isinstance(value, Mapping):
        if len(value) <= _INLINE_ITEMS:
            items = ", ".join(f"{k!r}: {summarise(v)}" for k, v in value.items())
            return "{" + items + "}"
        return f"<{type(value).__name__}: {_count(len(value), 'item')}>"
    if isinstance(value, tuple | list | frozenset | set):
        if len(value) <= _INLINE_ITEMS and not isinstance(value, frozenset | set):
            items = ", ".join(summarise(v) for v in value)
            if isinstance(value, list):
                return f"[{items}]"
            return f"({items},)" if len(value) == 1 else f"({items})"
        return f"<{type(value).__name__}: {_count(len(value), 'item')}>"
    text = repr(value)
    if "\n" in text or len(text) > _TEXT:
        return f"<{type(value).__name__}>"
    return text


def result_repr(obj: Any, headline: Mapping[str, Any] | None = None) -> str:
    """The short repr of a dataclass: headline items first, then each field not among them.

    Every value, headline or field, is shown through :func:`summarise`.
    """
    parts = [f"{k}={summarise(v)}" for k, v in (headline or {}).items()]
    shown = set(headline or ())
    parts += [f"{fld.name}={summarise(getattr(obj, fld.name))}"
              for fld in dataclasses.fields(obj) if fld.name not in shown]
    name = type(obj).__name__
    line = f"{name}({', '.join(parts)})"
    if len(line) <= _WIDTH:
        return line
    lines: list[str] = []
    for part in parts:  # fill each line up to the width, as a wrapped call reads
        if lines and len(lines[-1]) + len(part) + 2 <= _WIDTH:
            lines[-1] += f" {part},"
        else:
            lines.append(f"    {part},")
    return f"{name}(\n" + "\n".join(lines) + "\n)"


class ResultRepr:
    """Mixin: a short repr for a result dataclass (see the module docstring)."""

    __slots__ = ()

    def _repr_headline(self) -> dict[str, Any]:
        """Items shown before the fields (``{name: value}``); a field named here is shown once."""
        return {}

    def __repr__(self) -> str:
        return result_repr(self, self._repr_headline())
