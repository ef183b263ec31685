"""Figures describing a customer base: category mixes, product take-up, asset distributions."""

from __future__ import annotations

from typing import Any

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import require_columns, require_frame, require_numeric, require_role
from ..errors import ParameterError, SchemaError
from . import _docstrings
from ._theme import _get_ax, _page_points, _term, _value_name, _zh_values

__all__ = ["plot_aum_distribution", "plot_mix", "plot_take_up"]


@_docstrings.share
def plot_mix(
    data: pd.DataFrame,
    *,
    x: str,
    hue: str,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Stacked horizontal bars: the share of each ``hue`` level within each ``x`` level.

    Parameters
    ----------
    {data_customers}
    x : str
        Column whose levels become the bars (e.g. ``"bank"``).
    hue : str
        Column whose shares stack within each bar (e.g. ``"industry"``).
    {ax}
    **kwargs
        Passed to :meth:`pandas.DataFrame.plot.barh`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> ax = kq.plot_mix(kq.make_customers(n=500), x="bank", hue="region")
    >>> ax.get_xlabel()
    'Share of customers (客户占比)'
    """
    data = require_frame(data, owner="plot_mix")
    require_columns(data, [x, hue], owner="plot_mix")
    if data[[x, hue]].dropna().empty:
        msg = (f"plot_mix: no row has both {x!r} and {hue!r} (the table has {len(data)} rows), "
               "so there is no mix to plot. Pass a table with values in both columns.")
        raise SchemaError(msg)
    ax = _get_ax(ax)
    data = _zh_values(data, [x, hue])
    shares = pd.crosstab(data[x], data[hue], normalize="index")
    shares.plot.barh(stacked=True, ax=ax, width=0.75, colormap=kwargs.pop("colormap", "tab20"),
                     **kwargs)
    ax.set_xlim(0, 1)
    ax.set_xlabel(_bi("Share of customers", "客户占比"))
    ax.set_ylabel(_term(x))
    ax.invert_yaxis()
    ax.legend(title=_term(hue), bbox_to_anchor=(1.01, 1), loc="upper left", fontsize="small")
    return ax


@_docstrings.share
def plot_take_up(
    data: pd.DataFrame,
    *,
    flags: list[str],
    by: str,
    labels: dict[str, str] | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Heatmap of product take-up: the share of customers with each flag, per ``by`` level.

    Parameters
    ----------
    data : DataFrame
        One row per customer, with boolean flag columns.
    flags : list of str
        Boolean columns (e.g. ``["has_deposit", "has_loan"]``).
    by : str
        Grouping column (e.g. ``"bank"``).
    labels : dict, optional
        Display names of the flags.
    {ax}
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> ax = kq.plot_take_up(kq.make_customers(n=500), flags=["has_loan"], by="bank")
    """
    data = require_frame(data, owner="plot_take_up")
    require_columns(data, [*flags, by], owner="plot_take_up")
    ax = _get_ax(ax)
    table = data.groupby(by, observed=True)[flags].mean().T
    table.index = [(labels or {}).get(f, _term(f)) for f in table.index]
    table.columns = [_value_name(c, by) for c in table.columns]
    kwargs.setdefault("annot_kws", {"fontsize": _page_points(ax)})
    sns.heatmap(table, annot=True, fmt=".0%", cmap=kwargs.pop("cmap", "Blues"), vmin=0, vmax=1,
                cbar_kws={"label": _bi("share of customers", "客户占比", paren=False)}, ax=ax,
                **kwargs)
    ax.set_xlabel(_term(by))
    ax.set_ylabel("")
    return ax


@_docstrings.share
def plot_aum_distribution(
    data: pd.DataFrame,
    *,
    x: str = "aum",
    hue: str | None = None,
    bars: dict[str, float] | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Histogram of a money column on a log scale, optionally split by ``hue``, with bars marked.

    Zero balances cannot be shown on a log axis; they are left out of the histogram and their
    count is added to the title.

    Parameters
    ----------
    {data_customers}
    x : str, default="aum"
        Money column in CNY. Needs the AUM role: a table without this column is refused with a
        message that names the columns that could stand in (never a loan or a credit limit).
    {hue}
    bars : dict, optional
        Named thresholds in CNY drawn as vertical lines (e.g. ``{"金卡 5万": 5e4}``).
    {ax}
    **kwargs
        Passed to :func:`seaborn.histplot`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> ax = kq.plot_aum_distribution(kq.make_customers(n=500), bars={"50万": 5e5})
    """
    data = require_frame(data, owner="plot_aum_distribution")
    require_role(data, x, owner="plot_aum_distribution")
    values = require_numeric(data, x, owner="plot_aum_distribution", nonnegative=True)
    if hue is not None:
        require_columns(data, [hue], owner="plot_aum_distribution")
    ax = _get_ax(ax)
    positive = data.loc[values > 0]
    zeros = int((values <= 0).sum())
    if positive.empty:
        raise ParameterError(f"plot_aum_distribution: column {x!r} has no positive values.")
    sns.histplot(_zh_values(positive, [hue]), x=x, hue=hue, log_scale=True, element="step",
                 stat="count", common_norm=False, ax=ax, **kwargs)
    if hue is not None and ax.get_legend() is not None:
        ax.get_legend().set_title(_term(hue))
    for label, value in (bars or {}).items():
        ax.axvline(value, color="black", lw=1, ls=":")
        ax.text(value, ax.get_ylim()[1] * 0.95, f" {label}", fontsize="small", va="top")
    ax.set_xlabel(_loc(f"{x} (CNY 元, log scale)", f"{_term(x)}（元，对数刻度）"))
    ax.set_ylabel(_bi("Customers", "客户数"))
    if zeros:
        ax.set_title(_loc(f"({zeros:,} zero balances not shown)", f"（未显示 {zeros:,} 个零余额）"),
                     fontsize="small", loc="right")
    return ax


