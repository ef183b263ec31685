"""Figures for behaviour-based segments (kequn_lib.clustering).

* :func:`plot_k_selection`: one panel per score of :func:`~kequn_lib.choose_k` against k;
* :func:`plot_segment_profile`: heatmap of segment z-scores from
  :func:`~kequn_lib.profile_segments`, rows labelled by persona;
* :func:`plot_segment_embedding`: the prepared customers projected on two principal components,
  coloured by segment;
* :func:`plot_partition_crosstab`: heatmap of a crosstab such as AUM tiers vs segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import (
    check_int,
    check_option,
    check_random_state,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
)
from ..clustering._selection import KSelection
from ..errors import ParameterError, SchemaError
from . import _docstrings
from ._theme import _get_ax, _page_points, _require_plot_data, _term

__all__ = [
    "plot_k_selection",
    "plot_partition_crosstab",
    "plot_segment_embedding",
    "plot_segment_profile",
]

#: Size of heatmap annotations in points (legible at the page width).
ANNOT_PT = 9

# score: (English, Chinese) name, and the hint: (English, Chinese)
_HIGHER, _LOWER = ("higher is better", "越高越好"), ("lower is better", "越低越好")
_SCORES = {
    "silhouette": (("Silhouette", "轮廓系数"), _HIGHER),
    "calinski_harabasz": (("Calinski-Harabasz", None), _HIGHER),
    "davies_bouldin": (("Davies-Bouldin", None), _LOWER),
    "inertia": (("Within-segment SS", "组内平方和"), ("look for the elbow", "看拐点")),
    "bic": (("BIC", None), _LOWER),
}


def plot_k_selection(data: KSelection | pd.DataFrame | None = None, *,
                     ax: Axes | Sequence[Axes] | None = None,
                     figsize: tuple = (11, 3.4), **kwargs: Any) -> Figure:
    """Draw the scores of :func:`~kequn_lib.choose_k` against k, one panel per score.

    Parameters
    ----------
    data : KSelection or pandas.DataFrame
        Output of :func:`~kequn_lib.choose_k` (the title then names its rule), or a table
        like its ``scores`` (columns ``k``, the scores, ``recommended``).
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw: one Axes per panel (as many as there are scores), or one Axes whose
        place is split into the panels. By default the current figure when it has no Axes yet
        (``plt.figure(...)``), otherwise a new figure of ``figsize``.
    figsize : tuple, default=(11, 3.4)
        Size in inches of the figure made when no figure is open or the current one is in use.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (its ``axes`` hold the panels): one panel per available score
        (BIC only for mixtures); the recommended k is marked by a dashed vertical line in
        every panel.

    Notes
    -----
    A figure the function makes (or an empty current one) gets the recommendation as its
    title and a tight layout; a figure holding the Axes you pass keeps its layout, and gets
    the title only if it has none.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> _ = kq.use_theme()
    >>> scores = pd.DataFrame({"k": [2, 3], "silhouette": [0.3, 0.4], "inertia": [9.0, 5.0],
    ...                        "recommended": [False, True]})
    >>> len(kq.plot_k_selection(scores).axes)
    2
    """
    rule = None
    if isinstance(data, KSelection):
        data, rule = data.scores, data.rule
    data = require_frame(data, owner="plot_k_selection")
    require_columns(data, ["k"], owner="plot_k_selection")
    _require_plot_data(data, [c for c in _SCORES if c in data.columns], owner="plot_k_selection")
    k = require_numeric(data, "k", owner="plot_k_selection")
    if not (k == k.round()).all() or not (k >= 1).all():
        msg = ("plot_k_selection: column 'k' must hold whole numbers >= 1 (the segment counts); "
               f"got {k[(k != k.round()) | (k < 1)].tolist()[:5]}. Pass the output of kq.choose_k.")
        raise SchemaError(msg, column="k")
    scores = [c for c in _SCORES if c in data.columns and data[c].notna().any()]
    if not scores:
        raise ParameterError(
            "plot_k_selection: data has no score column; pass the output of kq.choose_k.")
    fig, axes, own = _panel_axes(ax, len(scores), figsize=figsize, owner="plot_k_selection")
    best = data.loc[data["recommended"], "k"] if "recommended" in data.columns else []
    for panel, col in zip(axes, scores, strict=True):
        label, hint = _bi(*_SCORES[col][0], paren=False), _loc(*_SCORES[col][1])
        panel.plot(data["k"], data[col], marker="o", **kwargs)
        for k in best:
            panel.axvline(k, color="grey", ls="--", lw=1)
        panel.set_title(f"{label}\n({hint})", fontsize="medium")
        panel.set_xlabel(_loc("k (number of segments 客群数)", "k（客群数）"))
        panel.set_xticks(list(data["k"]))
    axes[0].set_ylabel(_loc("score (unitless)", "得分（无量纲）"))
    if len(best) and (own or not fig.get_suptitle()):
        head = _bi("Choosing k", "选择客群数", paren=False)
        en, zh = (f" ({rule})", f"（{rule}）") if rule else ("", "")
        fig.suptitle(_loc(f"{head}: recommended k={int(best.iloc[0])}{en}",
                          f"{head}：建议 k={int(best.iloc[0])}{zh}"),
                     fontsize="medium")
    if own:
        fig.tight_layout()
    return fig


def _panel_axes(ax: Axes | Sequence[Axes] | None, n: int, *, figsize: tuple,
                owner: str) -> tuple[Figure, list[Axes], bool]:
    """``n`` Axes in a row for a multi-panel plot, their figure, and whether the plot owns it
    (made it, or found it empty) and so may set its title and layout."""
    if ax is None:
        fig = plt.gcf() if plt.get_fignums() and not plt.gcf().axes else plt.figure(
            figsize=figsize)
        return fig, list(fig.subplots(1, n, squeeze=False)[0]), True
    if isinstance(ax, Axes):
        if n == 1:
            return ax.figure, [ax], False
        spec = ax.get_subplotspec()
        if spec is None:
            raise ParameterError(
                f"{owner}: draws {n} panels and cannot split an Axes placed by hand; pass {n} "
                f"Axes (e.g. plt.subplots(1, {n})[1]) or an Axes from plt.subplots.")
        fig = ax.figure
        ax.remove()
        grid = spec.subgridspec(1, n)
        return fig, [fig.add_subplot(grid[0, i]) for i in range(n)], False
    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n or not all(isinstance(a, Axes) for a in axes):
        raise ParameterError(
            f"{owner}: draws {n} panel(s), so ax= needs {n} Axes (or one to split); got "
            f"{len(axes)} item(s). Pass e.g. plt.subplots(1, {n})[1].")
    return axes[0].figure, axes, False


@_docstrings.share
@renamed_keywords(label="label_col")
def plot_segment_profile(
    data: pd.DataFrame | None = None,
    *,
    features: list[str] | None = None,
    max_features: int | None = None,
    label_col: str = "persona",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Heatmap of segment z-scores (segment mean vs the whole base), one row per segment.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.profile_segments` (columns ``z_<feature>``).
    features : list of str, optional
        Features to show (without the ``z_`` prefix); default all.
    max_features : int, optional
        Show only this many features: those whose largest \\|z\\| over the segments is largest
        (the features that separate segments most), in the profile's order.
    label_col : str, default="persona"
        Column used to label rows, after the segment number; ``None`` for the number only.
    {ax}
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    {returns_ax}

    Notes
    -----
    Without ``ax`` the heatmap draws on the current Axes; when no figure is open yet it gets a
    new one, 8 inches wide (the page width) and as tall as its rows need, so the 9-point
    annotations stay legible.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> _ = kq.use_theme()
    >>> prof = kq.profile_segments(pd.DataFrame({"aum": [1.0, 2.0, 9e5, 8e5]}), [0, 0, 1, 1])
    >>> kq.plot_segment_profile(prof).get_xlabel()
    'Feature (z-score vs all customers 相对全体的标准分)'
    """
    data = require_frame(data, owner="plot_segment_profile")
    zcols = [c for c in data.columns if str(c).startswith("z_")]
    if features is not None:
        zcols = [f"z_{f}" for f in features]
        require_columns(data, zcols, owner="plot_segment_profile")
    if not zcols:
        raise ParameterError(
            "plot_segment_profile: no z_ columns; pass the output of kq.profile_segments.")
    if max_features is not None:
        max_features = check_int(max_features, name="max_features",
                                 owner="plot_segment_profile", low=1)
        spread = data[zcols].astype(float).abs().max()
        keep = set(spread.sort_values(ascending=False, kind="stable").index[:max_features])
        zcols = [c for c in zcols if c in keep]
    ax = _get_ax(ax, figsize=(8, max(3.0, 1.6 + 0.42 * len(data))))
    z = data[zcols].astype(float)
    z.columns = [c[2:] for c in zcols]
    if label_col is not None and label_col in data.columns:
        z.index = [f"{s}: {p}" for s, p in zip(data.index, data[label_col], strict=True)]
    lim = max(1.0, float(np.nanmax(np.abs(z.to_numpy()))) if z.size else 1.0)
    opts = {"cmap": "RdBu_r", "vmin": -lim, "vmax": lim, "annot": True,
            "fmt": ".1f", "annot_kws": {"fontsize": _page_points(ax, ANNOT_PT)},
            "linewidths": 0.5,
            "cbar_kws": {"label": _loc("z-score (standard deviations)", "标准分（标准差）")}}
    opts.update(kwargs)
    sns.heatmap(z, ax=ax, **opts)
    ax.set_xlabel(_loc("Feature (z-score vs all customers 相对全体的标准分)",
                       "特征（相对全体的标准分 z-score vs all customers）"))
    ax.set_ylabel(_bi("Segment", "客群", paren=False))
    ax.set_title(_bi("Segment profiles", "客群画像", paren=False))
    ax.tick_params(axis="x", labelrotation=60)
    return ax


@_docstrings.share
def plot_segment_embedding(
    data: pd.DataFrame | None = None,
    *,
    pipeline: Any = None,
    hue: str | pd.Series | None = None,
    sample_size: int | None = 5000,
    random_state: int | None = 0,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Scatter customers on the first two principal components of the prepared features.

    Parameters
    ----------
    data : pandas.DataFrame
        The customer table the pipeline was fitted on (or one with the same columns).
    pipeline : Pipeline
        A fitted pipeline from :func:`~kequn_lib.segment_pipeline`; its ``"prepare"`` step
        gives the matrix that is projected.
    hue : str or pandas.Series, optional
        Segment labels: a column of ``data`` or a Series on ``data``'s index (e.g. the output of
        ``fit_predict``). Default: ``pipeline.predict(data)`` when the model can predict.
    sample_size : int or None, default=5000
        Points drawn (a seeded random sample, for legibility and speed); ``None`` draws all.
    {random_state_sample}
    {ax}
    **kwargs
        Passed to :func:`seaborn.scatterplot`.

    Returns
    -------
    matplotlib.axes.Axes
        Axis labels give each component's share of the variance.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> _ = kq.use_theme()
    >>> data = pd.DataFrame({"x": [0.0, 0.2, 5.0, 5.2], "y": [1.0, 1.1, 3.0, 3.3]})
    >>> pipe = kq.segment_pipeline(n_clusters=2).fit(data)
    >>> kq.plot_segment_embedding(data, pipeline=pipe).get_xlabel()[:3]
    'PC1'
    """
    from sklearn.decomposition import PCA

    owner = "plot_segment_embedding"
    data = require_frame(data, owner=owner)
    if pipeline is None or not hasattr(pipeline, "named_steps") \
            or "prepare" not in pipeline.named_steps:
        raise ParameterError(f"{owner}: pass pipeline= (a fitted kq.segment_pipeline(...)).")
    if isinstance(hue, str):
        require_columns(data, [hue], owner=owner)
        labels = data[hue]
    elif isinstance(hue, pd.Series):
        labels = hue.reindex(data.index)
    elif hue is None and hasattr(pipeline, "predict"):
        labels = pd.Series(np.asarray(pipeline.predict(data)), index=data.index)
    else:
        raise ParameterError(f"{owner}: pass hue= (a column name or a Series of labels).")
    if sample_size is not None:
        sample_size = check_int(sample_size, name="sample_size", owner=owner, low=2)
        if len(data) > sample_size:
            pos = np.sort(check_random_state(random_state, owner=owner).choice(
                len(data), size=sample_size, replace=False))
            data, labels = data.iloc[pos], labels.iloc[pos]
    X = np.asarray(pipeline.named_steps["prepare"].transform(data), dtype=float)
    pca = PCA(n_components=2, random_state=0).fit(X)
    xy = pca.transform(X)
    ax = _get_ax(ax)
    plot_df = pd.DataFrame({"pc1": xy[:, 0], "pc2": xy[:, 1],
                            "segment": pd.Categorical(np.asarray(labels).astype(str))})
    opts = {"s": 8, "alpha": 0.6, "linewidth": 0, "palette": "tab10"}
    opts.update(kwargs)
    sns.scatterplot(data=plot_df, x="pc1", y="pc2", hue="segment", ax=ax, **opts)
    ratio = pca.explained_variance_ratio_
    ax.set_xlabel(_loc(f"PC1 ({ratio[0]:.0%} of variance, standardised units)",
                       f"第一主成分 PC1（解释方差 {ratio[0]:.0%}，标准化单位）"))
    ax.set_ylabel(_loc(f"PC2 ({ratio[1]:.0%} of variance)",
                       f"第二主成分 PC2（解释方差 {ratio[1]:.0%}）"))
    ax.set_title(_loc("Customers on two principal components, by segment 客群主成分投影",
                      "客群主成分投影（Customers on two principal components）"))
    ax.legend(title=_bi("segment", "客群", paren=False), fontsize="small", markerscale=2,
              loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0)
    return ax


@_docstrings.share
def plot_partition_crosstab(
    data: Any = None,
    *,
    x: str | None = None,
    y: str | None = None,
    normalize: str = "index",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Heatmap of a crosstab of two labellings, e.g. AUM tiers (rows) vs segments (columns).

    Parameters
    ----------
    data : PartitionComparison, pandas.DataFrame
        The output of :func:`~kequn_lib.compare_partitions`, a crosstab of counts, or a table
        holding the two label columns ``x`` and ``y``.
    x, y : str, optional
        Row and column label columns of ``data`` (only for a table of labels).
    normalize : {"index", "columns", "none"}, default="index"
        Show row shares, column shares or raw counts.
    {ax}
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> _ = kq.use_theme()
    >>> cmp = kq.compare_partitions(pd.Series(["a", "a", "b"], name="tier"),
    ...                             pd.Series([0, 1, 1], name="segment"))
    >>> kq.plot_partition_crosstab(cmp).get_ylabel()
    'tier'
    """
    owner = "plot_partition_crosstab"
    normalize = check_option(normalize, ["index", "columns", "none"], name="normalize",
                             owner=owner)
    title = None
    if hasattr(data, "crosstab") and hasattr(data, "adjusted_rand"):
        table = data.crosstab
        title = f"ARI = {data.adjusted_rand:.2f}, NMI = {data.nmi:.2f}"
    else:
        data = require_frame(data, owner=owner)
        if x is not None or y is not None:
            if x is None or y is None:
                raise ParameterError(f"{owner}: pass both x= and y= (the two label columns).")
            require_columns(data, [x, y], owner=owner)
            table = pd.crosstab(data[x], data[y])
        else:
            table = data
    if table.size == 0:
        msg = (f"{owner}: the cross-tabulation is empty (no rows), so there is nothing to plot. "
               "Pass labels for at least one customer.")
        raise SchemaError(msg)
    table = table.astype(float)
    if normalize == "index":
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
        what = _bi("share of row", "行占比", paren=False)
    elif normalize == "columns":
        table = table.div(table.sum(axis=0).replace(0, np.nan), axis=1)
        what = _bi("share of column", "列占比", paren=False)
    else:
        what = _bi("customers", "客户数", paren=False)
    ax = _get_ax(ax)
    opts = {"cmap": "Blues", "annot": True, "fmt": ".0%" if normalize != "none" else ".0f",
            "annot_kws": {"fontsize": _page_points(ax, ANNOT_PT)}, "linewidths": 0.5,
            "cbar_kws": {"label": what}}
    opts.update(kwargs)
    sns.heatmap(table, ax=ax, **opts)
    ax.set_ylabel(_term(table.index.name) if table.index.name else _loc("rows", "行"))
    ax.set_xlabel(_term(table.columns.name) if table.columns.name else _loc("columns", "列"))
    head = _loc(f"{ax.get_ylabel()} vs {ax.get_xlabel()} ({what})",
                f"{ax.get_ylabel()} × {ax.get_xlabel()}（{what}）")
    ax.set_title(head + (f"\n{title}" if title else ""), fontsize="medium")
    return ax
