"""Key figures: the headline numbers a notebook declares for the report."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping
from typing import Any

from .errors import ParameterError

__all__ = ["KeyFigures", "key_figures"]

KEY_FIGURES_MIME = "application/vnd.kequn.key-figures+json"


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
    """Headline numbers of a notebook, shown as a small table and collected by the report.

    Created by :func:`key_figures`. In a notebook it displays as a table; the report builder
    gathers every displayed set into ``reports/key_figures.json``.
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
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(_fmt(v))}</td></tr>"
            for k, v in self._figures.items()
        )
        table = (
            "<table><thead><tr><th>key figure</th><th>value</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        return {
            "text/plain": repr(self),
            "text/html": table,
            KEY_FIGURES_MIME: dict(self._figures),
        }


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def key_figures(figures: Mapping[str, Any] | None = None, /, **named: Any) -> KeyFigures:
    """Declare a notebook's headline numbers (shown as a table; collected by the report).

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
        A read-only mapping that displays as a table in a notebook.

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
