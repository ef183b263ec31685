"""Figures for :mod:`kequn_lib.health`: group activity over time (silent groups against the
rest) and product take-up against content fit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import check_int, check_random_state, require_columns, require_frame
from . import _docstrings
from ._theme import _get_ax, _require_plot_data

__all__ = [
    "plot_group_activity",
    "plot_take_up_vs_fit",
]

def _hue_labels() -> dict[bool, str]:
    """Legend labels of the silent flag, in the page's language first."""
    return {True: _bi("silent", "沉默群", paren=False), False: _bi("others", "其他群", paren=False)}


@_docstrings.share
def plot_group_activity(
    data: pd.DataFrame | None = None,
    *,
    x: str = "week",
    y: str = "activity",
    units: str = "group_id",
    hue: str | None = "silent",
    n_lines: int = 20,
    random_state: Any = 0,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Weekly activity of groups: the median and middle half per ``hue`` level, and a few
    single groups as thin lines.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and week, as returned by :func:`~kequn_lib.weekly_group_activity`,
        optionally joined with the ``silent`` flag of :func:`~kequn_lib.silent_groups`
        (``weekly.join(flags["silent"], on="group_id")``).
    x, y : str, default="week", "activity"
        Columns with the week and the activity (posts + replies per member per week).
    units : str, default="group_id"
        Column naming the group, for the thin lines.
    hue : str or None, default="silent"
        Column splitting the groups (bool ``silent`` is labelled silent / others); ``None``
        draws all groups as one.
    n_lines : int, default=20
        Single groups drawn as thin lines per ``hue`` level (0 for none).
    random_state : int, numpy Generator or None, default=0
        Seed of the choice of single groups.
    {ax}
    **kwargs
        Passed to :func:`seaborn.lineplot` for the median lines.

    {returns_ax}

    Raises
    ------
    SchemaError
        If a named column is missing, ``y`` is not numeric or ``x`` holds neither numbers nor
        dates, or the table has no rows.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> roster = pd.DataFrame({"group": ["a"] * 60 + ["b"] * 70, "customer_id": range(130)})
    >>> log = kq.make_group_activity(roster, weeks=8, random_state=0)
    >>> weekly = kq.weekly_group_activity(log)
    >>> flags = kq.silent_groups(log)["silent"]
    >>> ax = kq.plot_group_activity(weekly.join(flags, on="group_id"))
    >>> ax.get_ylabel()
    'Posts + replies per member per week'
    """
    owner = "plot_group_activity"
    ax = _get_ax(ax)
    n_lines = check_int(n_lines, name="n_lines", owner=owner, low=0)
    data = require_frame(data, owner=owner)
    require_columns(data, [x, y, units] + ([hue] if hue else []), owner=owner)
    weeks_are_dates = pd.api.types.is_datetime64_any_dtype(data[x])
    _require_plot_data(data, [y] if weeks_are_dates else [x, y], owner=owner)
    rng = check_random_state(random_state, owner=owner)
    frame = data[[x, y, units] + ([hue] if hue else [])].copy()
    hue_labels = _hue_labels()
    if hue:
        frame["_hue"] = frame[hue].map(hue_labels) if pd.api.types.is_bool_dtype(
            frame[hue]) else frame[hue].astype(str)
    else:
        frame["_hue"] = _bi("groups", "客群", paren=False)
    levels = sorted(frame["_hue"].dropna().unique(), key=str)
    palette = dict(zip(levels, sns.color_palette("deep", len(levels)), strict=True))
    if hue_labels[True] in palette:
        palette[hue_labels[True]] = "tab:red"
        palette[hue_labels[False]] = "tab:blue"
    for level in levels:
        ids = pd.unique(frame.loc[frame["_hue"] == level, units])
        pick = rng.choice(len(ids), size=min(n_lines, len(ids)), replace=False)
        for gid in ids[np.sort(pick)]:
            one = frame[frame[units] == gid].sort_values(x)
            ax.plot(one[x].to_numpy(), one[y].to_numpy(dtype="float64"),
                    color=palette[level], alpha=0.25, linewidth=0.7)
    kwargs.setdefault("estimator", "median")
    kwargs.setdefault("errorbar", ("pi", 50))
    kwargs.setdefault("linewidth", 2.2)
    sns.lineplot(data=frame, x=x, y=y, hue="_hue", hue_order=levels, palette=palette, ax=ax,
                 **kwargs)
    n_groups = frame[units].nunique()
    if hue and hue_labels[True] in levels:
        n_silent = frame.loc[frame["_hue"] == hue_labels[True], units].nunique()
        ax.set_title(_loc(f"Weekly activity per group 客群活跃度: {n_silent:,} of {n_groups:,} "
                          "groups falling silent",
                          f"客群活跃度 Weekly activity：{n_groups:,} 个群中 "
                          f"{n_silent:,} 个趋于沉默"))
    else:
        ax.set_title(_loc(f"Weekly activity per group 客群活跃度 ({n_groups:,} groups)",
                          f"客群活跃度 Weekly activity（{n_groups:,} 个群）"))
    ax.set_xlabel(_bi("Week", "周"))
    ax.set_ylabel(_loc("Posts + replies per member per week", "每位成员每周发言与回复数"))
    ax.set_ylim(bottom=0)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(_loc("median, middle half", "中位数与中间一半"))
    return ax


@_docstrings.share
def plot_take_up_vs_fit(
    data: pd.DataFrame | None = None,
    *,
    x: str = "content_fit",
    y: str = "take_up_rate",
    hue: str | None = "forwarded_share",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Product take-up per group against content fit, coloured by the forwarded share.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group, as returned by :func:`~kequn_lib.group_health`.
    x : str, default="content_fit"
        Column with content fit (0–1, the share of the three questions the content answers).
    y : str, default="take_up_rate"
        Column with products taken up per member over the window (drawn per 100 members).
    hue : str or None, default="forwarded_share"
        Numeric column for the colour (0–1; the share of identical forwarded "central kitchen"
        items); ``None`` draws one colour.
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter`.

    {returns_ax}

    Raises
    ------
    SchemaError
        If a named column is missing or not numeric.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> h = pd.DataFrame({"content_fit": [0.3, 0.6, 0.8], "take_up_rate": [0.05, 0.1, 0.2],
    ...                   "forwarded_share": [0.8, 0.5, 0.2]})
    >>> kq.plot_take_up_vs_fit(h).get_xlabel()
    'Content fit: share of the three questions answered (%)'
    """
    owner = "plot_take_up_vs_fit"
    ax = _get_ax(ax)
    data = require_frame(data, owner=owner)
    require_columns(data, [x, y] + ([hue] if hue else []), owner=owner)
    _require_plot_data(data, [x, y] + ([hue] if hue else []), owner=owner, rows=False)
    xs = 100 * data[x].to_numpy(dtype="float64")
    ys = 100 * data[y].to_numpy(dtype="float64")
    kwargs.setdefault("s", 14)
    kwargs.setdefault("alpha", 0.7)
    if hue:
        kwargs.setdefault("cmap", "viridis_r")
        points = ax.scatter(xs, ys, c=100 * data[hue].to_numpy(dtype="float64"), vmin=0,
                            vmax=100, **kwargs)
        bar = ax.figure.colorbar(points, ax=ax)
        bar.set_label(_loc("Forwarded identical items 转发同质内容 (%)",
                           "转发同质内容 Forwarded identical items（%）")
                      if hue == "forwarded_share"
                      else f"{hue} (%)")
    else:
        ax.scatter(xs, ys, **kwargs)
    ax.set_xlabel(_loc("Content fit: share of the three questions answered (%)",
                       "内容契合度：回答三个问题的比例（%）"))
    ax.set_ylabel(_loc("Products taken up per 100 members", "每百名成员的产品采纳数"))
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylim(bottom=0)
    ax.set_title(_loc(f"Take-up against content fit 内容契合度与产品采纳 ({len(data):,} groups)",
                      f"内容契合度与产品采纳 Take-up against content fit（{len(data):,} 个群）"))
    return ax
