"""Figures for :mod:`kequn_lib.tiering` and the value matrix of :mod:`kequn_lib.potential`:
tier distribution, Pareto curve, migration heatmap, RFM grid and contribution × potential.

The Lorenz curve is :func:`~kequn_lib.plot_lorenz` (in the theme module)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import (
    _foreign_frame,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
)
from ..errors import ParameterError, SchemaError
from ..tiering import cumulative_shares
from . import _docstrings
from ._theme import _get_ax
from ._theme import _term as _zh

__all__ = [
    "plot_migration",
    "plot_pareto",
    "plot_rfm",
    "plot_tier_distribution",
    "plot_value_matrix",
]



@_docstrings.share
@renamed_keywords(weight="weight_col")
def plot_tier_distribution(
    data: pd.DataFrame | None = None,
    *,
    x: str = "tier",
    weight_col: str = "aum",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Bars of each tier's share of customers next to its share of an amount (AUM by default).

    Parameters
    ----------
    data : DataFrame
        One row per customer with the tier (column ``x``, e.g. from :func:`~kequn_lib.aum_tiers`)
        and the amount (column ``weight_col``).
    x : str, default="tier"
        Tier column; a categorical keeps its order (lowest tier first).
    weight_col : str, default="aum"
        Amount whose share per tier is drawn beside the customer share (CNY, >= 0).
    {ax}
    **kwargs
        Passed to :func:`seaborn.barplot`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> df = pd.DataFrame({"aum": [1e3, 2e3, 8e4, 7e6]})
    >>> df["tier"] = kq.aum_tiers(df)
    >>> kq.plot_tier_distribution(df).get_ylabel()
    'Share (占比)'
    """
    owner = "plot_tier_distribution"
    ax = _get_ax(ax)
    data = require_frame(data, owner=owner)
    require_columns(data, [x], owner=owner)
    w = require_numeric(data, weight_col, owner=owner, nonnegative=True)
    tiers = data[x]
    if not isinstance(tiers.dtype, pd.CategoricalDtype):
        tiers = tiers.astype("category")
    cats = [str(c) for c in tiers.cat.categories]
    n = tiers.value_counts(sort=False).reindex(tiers.cat.categories, fill_value=0)
    amount = w.groupby(tiers.to_numpy(), observed=False).sum().reindex(tiers.cat.categories,
                                                                          fill_value=0)
    total_n, total_w = max(n.sum(), 1), amount.sum() or 1.0
    tidy = pd.DataFrame(
        {
            "tier": cats * 2,
            "measure": [_bi("customers", "客户数", paren=False)] * len(cats)
            + [_loc(f"{weight_col} 金额", f"{_zh(weight_col)}金额")] * len(cats),
            "share": np.concatenate([n.to_numpy() / total_n, amount.to_numpy() / total_w]),
        }
    )
    sns.barplot(tidy, x="tier", y="share", hue="measure", order=cats, ax=ax, **kwargs)
    for container in ax.containers:
        ax.bar_label(container, fmt=lambda v: f"{v:.0%}", fontsize="small")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_bi("Tier", "客户层级"))
    ax.set_ylabel(_bi("Share", "占比"))
    ax.set_title(_loc(f"Customers and {weight_col} by tier 各层级客户与资产占比",
                      f"各层级客户与{_zh(weight_col)}占比"))
    ax.legend(title=None, fontsize="small")
    return ax


@_docstrings.share
def plot_pareto(
    data: pd.DataFrame | pd.Series | None = None,
    *,
    x: str | None = None,
    cuts: tuple[float, ...] = (0.8, 0.95),
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Pareto curve: cumulative share of the positive total against the share of customers,
    largest first, with the ABC cuts of :func:`~kequn_lib.pareto_tiers` marked.

    Parameters
    ----------
    data : DataFrame or Series
        The values (e.g. contribution), or a table holding them in column ``x``.
    x : str, optional
        Column of ``data`` with the values; required when ``data`` is a DataFrame.
    cuts : tuple of float, default=(0.8, 0.95)
        Cumulative shares to mark (as in :func:`~kequn_lib.pareto_tiers`).
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> ax = kq.plot_pareto(pd.Series([70.0, 20.0, 5.0, 3.0, 2.0], name="contribution"))
    >>> ax.get_xlabel()
    'Share of customers, largest first (客户占比)'
    """
    owner = "plot_pareto"
    ax = _get_ax(ax)
    if isinstance(data, pd.Series):
        name, values = str(data.name or "value"), data
    else:
        data = require_frame(data, owner=owner)
        if x is None:
            raise ParameterError(f"{owner}: pass x= naming the column of values to plot.")
        require_columns(data, [x], owner=owner)
        name, values = x, data[x]
    curve = cumulative_shares(values, largest_first=True, negative="clip")
    share, cum = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    kwargs.setdefault("color", "tab:blue")
    ax.plot(share, cum, label=_loc(f"{name} 累计占比", f"{_zh(name)}累计占比"), **kwargs)
    for cut, style in zip(cuts, ["--", ":", "-."], strict=False):
        at = share[np.searchsorted(cum, cut)]
        ax.axhline(cut, color="grey", lw=1, ls=style)
        ax.axvline(at, color="grey", lw=1, ls=style)
        ax.annotate(_loc(f"{cut:.0%} of {name} from top {at:.1%}",
                         f"头部 {at:.1%} 的客户贡献 {cut:.0%}"), (at, cut),
                    textcoords="offset points", xytext=(6, -12), fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_bi("Share of customers, largest first", "客户占比"))
    ax.set_ylabel(_loc(f"Cumulative share of {name} (累计占比)", f"{_zh(name)}累计占比"))
    ax.set_title(_loc(f"Pareto curve of {name} 帕累托曲线", f"{_zh(name)}帕累托曲线"))
    return ax


@_docstrings.share
def plot_migration(
    data: Any = None,
    *,
    counts: bool = False,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Heatmap of a tier transition matrix (迁移矩阵): row shares (or counts) in each cell.

    Parameters
    ----------
    data : Migration or DataFrame
        The result of :func:`~kequn_lib.tier_migration`, or a before × after table.
    counts : bool, default=False
        Draw ``data.counts`` instead of ``data.shares`` (for a ``Migration``).
    {ax}
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> _ = kq.use_theme()  # a CJK font for the Chinese labels
    >>> t = pd.CategoricalDtype(["low", "high"], ordered=True)
    >>> m = kq.tier_migration(pd.Series(["low", "high"], dtype=t), pd.Series(["high", "high"],
    ...                       dtype=t))
    >>> kq.plot_migration(m).get_ylabel()
    'Tier before (期初层级)'
    """
    ax = _get_ax(ax)
    if hasattr(data, "shares") and hasattr(data, "counts"):
        table = data.counts if counts else data.shares
    elif isinstance(data, pd.DataFrame):
        table = data
    elif (table := _foreign_frame(data, owner="plot_migration")) is not None:
        pass  # a pyarrow Table (or polars DataFrame) of the before × after table
    else:
        msg = f"plot_migration: pass the result of tier_migration, got {type(data).__name__}."
        raise ParameterError(msg)
    for col in table.columns:
        require_numeric(table, col, owner="plot_migration", nonnegative=True)
    table = table.loc[table.sum(axis=1) > 0]  # drop empty rows such as "new" with no one
    if table.size == 0:
        msg = ("plot_migration: the table has no customers (no row with a positive count), so "
               "there is nothing to plot. Pass the result of tier_migration on non-empty tiers.")
        raise SchemaError(msg)
    is_share = not counts and float(table.to_numpy().max(initial=0)) <= 1.0
    kwargs.setdefault("cmap", "Blues")
    kwargs.setdefault("annot", True)
    kwargs.setdefault("fmt", ".0%" if is_share else ",.0f")
    kwargs.setdefault("cbar", False)
    sns.heatmap(table.astype(float), ax=ax, linewidths=0.5, **kwargs)
    ax.set_xlabel(_bi("Tier after", "期末层级"))
    ax.set_ylabel(_bi("Tier before", "期初层级"))
    what = (_bi("share of each row", "行占比", paren=False) if is_share
            else _bi("customers", "客户数", paren=False))
    ax.set_title(_loc(f"Tier migration 层级迁移 ({what})", f"层级迁移（{what}）"))
    ax.tick_params(axis="y", rotation=0)
    return ax


@_docstrings.share
@renamed_keywords(value="value_col")
def plot_rfm(
    data: pd.DataFrame | None = None,
    *,
    x: str = "f_score",
    y: str = "r_score",
    value_col: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """RFM grid: customers per (recency score, frequency score) cell, or the mean of ``value_col``.

    Parameters
    ----------
    data : DataFrame
        Scores from :func:`~kequn_lib.rfm_scores` (optionally joined with other columns).
    x, y : str, default="f_score", "r_score"
        Score columns on the two axes.
    value_col : str, optional
        Column whose mean to show per cell (e.g. ``"monetary_value"`` joined from
        :func:`~kequn_lib.rfm`); the number of customers by default.
    {ax}
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> s = pd.DataFrame({"r_score": [1, 2, 2], "f_score": [1, 1, 2]})
    >>> kq.plot_rfm(s).get_xlabel()
    'Frequency score F (频次得分)'
    """
    owner = "plot_rfm"
    ax = _get_ax(ax)
    data = require_frame(data, owner=owner)
    require_columns(data, [x, y] + ([value_col] if value_col else []), owner=owner)
    if len(data) == 0:
        raise SchemaError(f"{owner}: the table has no rows; pass the output of kq.rfm_scores.")
    for col in (x, y):
        score = require_numeric(data, col, owner=owner)
        if not (score == score.round()).all():
            msg = (f"{owner}: column {col!r} must hold whole-number scores (1, 2, ...); "
                   f"got {score[score != score.round()].tolist()[:5]}. Pass the output of "
                   "kq.rfm_scores.")
            raise SchemaError(msg, column=col)
    frame = data[[x, y]].astype("float64").astype("int64")
    if value_col:
        frame = frame.assign(v=require_numeric(data, value_col, owner=owner).to_numpy())
        grid = frame.pivot_table(index=y, columns=x, values="v", aggfunc="mean")
        kwargs.setdefault("fmt", ",.0f")
    else:
        grid = frame.groupby([y, x]).size().unstack(fill_value=0)
        kwargs.setdefault("fmt", ",d")
    grid = grid.sort_index(ascending=False)
    kwargs.setdefault("cmap", "YlGnBu")
    kwargs.setdefault("annot", True)
    kwargs.setdefault("cbar", False)
    sns.heatmap(grid, ax=ax, linewidths=0.5, **kwargs)
    ax.set_xlabel(_bi("Frequency score F", "频次得分"))
    ax.set_ylabel(_bi("Recency score R", "近度得分"))
    what = (_loc(f"mean {value_col}", f"{_zh(value_col)}均值") if value_col
            else _bi("customers", "客户数", paren=False))
    ax.set_title(_loc(f"RFM grid RFM 网格 ({what})", f"RFM 网格（{what}）"))
    ax.tick_params(axis="y", rotation=0)
    return ax


def _symlog_ticks(values: np.ndarray) -> list[float]:
    """0 and ±10^k CNY (k >= 4, i.e. 1万 and up) within the data range: readable symlog ticks."""
    lo, hi = float(np.min(values, initial=0)), float(np.max(values, initial=0))
    ticks = [0.0]
    k = 4
    while 10.0**k <= max(hi, -lo, 1e4) * 1.0001:
        if 10.0**k <= hi * 10:
            ticks.append(10.0**k)
        if -(10.0**k) >= lo * 10 and lo < 0:
            ticks.insert(0, -(10.0**k))
        k += 1
    return ticks


@_docstrings.share
def plot_value_matrix(
    data: pd.DataFrame | None = None,
    *,
    x: str = "contribution",
    y: str = "potential",
    hue: str | None = "quadrant_zh",
    cuts: tuple[float, float] | None = None,
    sample: int | None = 5_000,
    random_state: int | None = 0,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Scatter of contribution against potential, coloured by value-matrix quadrant (价值矩阵).

    Parameters
    ----------
    data : DataFrame
        One row per customer with ``x``, ``y`` and ``hue``, e.g. the contribution, the output of
        :func:`~kequn_lib.estimate_wallet` and of :func:`~kequn_lib.value_matrix` joined.
    x : str, default="contribution"
        Contribution column (CNY per year, may be negative); drawn on a symmetric log scale.
    y : str, default="potential"
        Potential column (CNY, >= 0); symmetric log scale.
    hue : str or None, default="quadrant_zh"
        Quadrant column to colour by.
    cuts : tuple of float, optional
        ``(contribution_cut, potential_cut)`` to draw as lines, e.g. from
        :func:`~kequn_lib.value_matrix_summary`.
    sample : int or None, default=5000
        Draw at most this many customers (a random sample) to keep the figure light.
    {random_state_sample}
    {ax}
    **kwargs
        Passed to :func:`seaborn.scatterplot`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> df = pd.DataFrame({"contribution": [900.0, 800.0, 10.0, -5.0],
    ...                    "potential": [5e5, 0.0, 8e5, 0.0]})
    >>> df = df.join(kq.value_matrix(df))
    >>> kq.plot_value_matrix(df).get_xlabel()
    'Contribution (贡献度, 万元/年)'
    """
    owner = "plot_value_matrix"
    ax = _get_ax(ax)
    data = require_frame(data, owner=owner)
    require_columns(data, [x, y] + ([hue] if hue else []), owner=owner)
    frame = data[[x, y] + ([hue] if hue else [])]
    if sample is not None and len(frame) > sample:
        frame = frame.sample(sample, random_state=random_state)
    kwargs.setdefault("s", 10)
    kwargs.setdefault("alpha", 0.5)
    kwargs.setdefault("linewidth", 0)
    sns.scatterplot(frame, x=x, y=y, hue=hue, ax=ax, **kwargs)
    ax.set_xscale("symlog", linthresh=1e3)
    ax.set_yscale("symlog", linthresh=1e4)
    ax.set_xticks(_symlog_ticks(frame[x].to_numpy(dtype=float)))
    ax.set_yticks(_symlog_ticks(frame[y].to_numpy(dtype=float)))
    ax.set_ylim(bottom=0)
    in_wan = FuncFormatter(lambda v, _pos: f"{v / 1e4:,.0f}")
    ax.xaxis.set_major_formatter(in_wan)
    ax.yaxis.set_major_formatter(in_wan)
    ax.minorticks_off()
    if cuts is not None:
        ax.axvline(cuts[0], color="grey", lw=1, ls="--")
        ax.axhline(cuts[1], color="grey", lw=1, ls="--")
    ax.set_xlabel(_loc("Contribution (贡献度, 万元/年)", "贡献度（万元/年）Contribution"))
    ax.set_ylabel(_loc("Potential (潜力, 万元)", "潜力（万元）Potential"))
    ax.set_title(_loc("Value matrix 价值矩阵: contribution × potential",
                      "价值矩阵 Value matrix：贡献度 × 潜力"))
    if hue:
        ax.legend(title=None, fontsize="small", markerscale=2)
    return ax
