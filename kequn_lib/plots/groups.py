"""Figures for :mod:`kequn_lib.groups` and :mod:`kequn_lib.layers`: group sizes against the
50–150 band and the relationship funnel by segment."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import check_int, require_columns, require_frame
from . import _docstrings
from ._theme import _get_ax, _require_plot_data, _term, _value_name

__all__ = [
    "plot_group_sizes",
    "plot_layer_funnel",
]


@_docstrings.share
def plot_group_sizes(
    data: pd.DataFrame | pd.Series | None = None,
    *,
    x: str = "group",
    min_size: int = 50,
    max_size: int = 150,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Histogram of group sizes with the size band shaded.

    Parameters
    ----------
    data : DataFrame or Series
        The result of :func:`~kequn_lib.dunbar_groups` (one row per customer, group id in column
        ``x``), or a Series of group ids, one per customer.
    x : str, default="group"
        Column with the group id when ``data`` is a DataFrame.
    min_size, max_size : int, default=50, 150
        The band to shade (the source essay's 50–150 members).
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.hist` (e.g. ``bins=``, ``color=``).

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> ax = kq.plot_group_sizes(pd.Series(["a"] * 60 + ["b"] * 70 + ["c"] * 20))
    >>> ax.get_xlabel()
    'Members per group (人)'
    """
    ax = _get_ax(ax)
    min_size = check_int(min_size, name="min_size", owner="plot_group_sizes", low=1)
    max_size = check_int(max_size, name="max_size", owner="plot_group_sizes", low=min_size)
    if isinstance(data, pd.Series):
        ids = data
    else:
        data = require_frame(data, owner="plot_group_sizes")
        require_columns(data, [x], owner="plot_group_sizes")
        ids = data[x]
    sizes = ids.value_counts(sort=False)
    sizes = sizes[sizes > 0].to_numpy()
    ax.axvspan(min_size, max_size, color="tab:green", alpha=0.12,
               label=_loc(f"band {min_size}–{max_size} 邓巴区间",
                          f"邓巴区间 {min_size}–{max_size}（band）"))
    if sizes.size:
        hi = max(int(sizes.max()), max_size) + 1
        kwargs.setdefault("bins", np.linspace(0, hi, min(60, hi) + 1))
        kwargs.setdefault("color", "tab:blue")
        ax.hist(sizes, label=_bi("groups", "客群", paren=False), **kwargs)
        outside = int(((sizes < min_size) | (sizes > max_size)).sum())
        head = _bi("Group sizes", "客群规模", paren=False)
        ax.set_title(_loc(f"{head}: {sizes.size:,} groups, {outside:,} outside the band",
                          f"{head}：共 {sizes.size:,} 个群，{outside:,} 个在区间之外"))
    else:
        ax.set_title(_loc("Group sizes 客群规模: no groups", "客群规模 Group sizes：没有群"))
    ax.set_xlabel(_bi("Members per group", "人"))
    ax.set_ylabel(_bi("Groups", "个"))
    ax.set_xlim(left=0)
    ax.legend(loc="upper left", fontsize="small")
    return ax


@_docstrings.share
def plot_layer_funnel(
    data: pd.DataFrame | None = None,
    *,
    x: str = "layer",
    y: str = "share_reached",
    hue: str | None = "segment",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Relationship funnel: share of each segment reaching each layer, one line per segment.

    Parameters
    ----------
    data : pandas.DataFrame
        The result of :func:`~kequn_lib.layer_funnel` (one row per segment and layer).
    x : str, default="layer"
        Column with the (ordered categorical) layer.
    y : str, default="share_reached"
        Column with the share (0–1) to draw; ``"conversion"`` is the other natural choice.
    hue : str or None, default="segment"
        Column naming the segment; ``None`` draws one line.
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    {returns_ax}

    Raises
    ------
    SchemaError
        If a named column is missing.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> lay = pd.Series(["none", "1 accepts service", "2 trusts staff", "none"])
    >>> f = kq.layer_funnel(pd.DataFrame(index=lay.index), layer_col=lay)
    >>> kq.plot_layer_funnel(f).get_ylabel()
    'Customers reaching the layer (%)'
    """
    ax = _get_ax(ax)
    data = require_frame(data, owner="plot_layer_funnel")
    cols = [x, y] + ([hue] if hue else [])
    require_columns(data, cols, owner="plot_layer_funnel")
    _require_plot_data(data, [y], owner="plot_layer_funnel", rows=False)
    if isinstance(data[x].dtype, pd.CategoricalDtype):
        levels = [str(c) for c in data[x].cat.categories]
    else:
        levels = [str(c) for c in pd.unique(data[x])]
    pos = {lv: i for i, lv in enumerate(levels)}
    groups = data.groupby(hue, observed=True, sort=True) if hue else [("all", data)]
    kwargs.setdefault("marker", "o")
    for label, g in groups:
        g = g.assign(_pos=g[x].astype(str).map(pos)).sort_values("_pos")
        ax.plot(g["_pos"].to_numpy(), 100 * g[y].to_numpy(dtype="float64"),
                label=_value_name(label, hue), **kwargs)
    ax.set_xticks(range(len(levels)), [_value_name(lv, x) for lv in levels])
    ax.set_xlabel(_bi("Relationship layer", "关系层级"))
    if y == "share_reached":
        ax.set_ylabel(_loc("Customers reaching the layer (%)", "到达该层级的客户（%）"))
    elif y == "conversion":
        ax.set_ylabel(_loc("Conversion from the layer before (%)", "自上一层级的转化率（%）"))
    else:
        ax.set_ylabel(f"{y} (%)")
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylim(0, 105)
    ax.set_title(_bi("Relationship funnel by segment", "关系裂变漏斗"))
    if hue:
        ax.legend(title=_term(hue), fontsize="small", loc="upper right")
    return ax
