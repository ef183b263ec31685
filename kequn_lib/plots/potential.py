"""Figures for kequn_lib.bgnbd: the BG/NBD probability-alive map.

The value-matrix scatter is ``plot_value_matrix`` in :mod:`kequn_lib.plots.tiering`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import check_int, check_number, require_frame
from ..bgnbd import BGNBD
from ..errors import ParameterError
from . import _docstrings
from ._theme import _get_ax

__all__ = ["plot_p_alive"]


@_docstrings.share
def plot_p_alive(
    data: pd.DataFrame | None = None,
    *,
    model: BGNBD,
    T: float | None = None,
    max_frequency: int | None = None,
    n_recency: int = 40,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Heat map of the BG/NBD probability that a customer is still active.

    Rows are the number of repeat purchases, columns the time of the last purchase, for
    customers observed for ``T`` periods: the classic picture in which recent buyers are alive
    and frequent buyers who went quiet are probably gone.

    Parameters
    ----------
    data : pandas.DataFrame, optional
        An RFM table used only to choose the ranges (``T`` = its largest ``T``, rows up to its
        99th-percentile frequency); the model's training table by default.
    model : BGNBD
        A fitted model.
    T : float, optional
        Observation length (periods) of the hypothetical customers.
    max_frequency : int, optional
        Largest frequency shown.
    n_recency : int, default=40
        Number of recency columns.
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.pcolormesh` (e.g. ``cmap=``).

    {returns_ax}

    Raises
    ------
    ParameterError
        If ``model`` is not a fitted :class:`~kequn_lib.BGNBD` or a range is invalid.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> rfm = kq.simulate_bgnbd(500, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0, random_state=0)
    >>> ax = kq.plot_p_alive(model=kq.BGNBD().fit(rfm))
    >>> ax.get_ylabel()
    'Frequency (repeat purchases, 重复购买次数)'
    """
    owner = "plot_p_alive"
    if not isinstance(model, BGNBD) or not hasattr(model, "params_"):
        msg = f"{owner}: model must be a fitted kq.BGNBD (call .fit first), got {model!r}."
        raise ParameterError(msg)
    cols = model.columns_
    if data is None:
        freq, T_all = model._train[0], model._train[2]
    else:
        data = require_frame(data, owner=owner)
        freq, _, T_all, _ = model._table(data, owner)
    if T is None:
        T = float(np.max(T_all))
    T = check_number(T, name="T", owner=owner, low=0.0, low_inclusive=False)
    if max_frequency is None:
        max_frequency = max(int(np.quantile(freq, 0.99)), 2)
    max_frequency = check_int(max_frequency, name="max_frequency", owner=owner, low=1)
    n_recency = check_int(n_recency, name="n_recency", owner=owner, low=2)
    x = np.arange(1, max_frequency + 1)
    rec = np.linspace(T / n_recency, T, n_recency)
    grid = pd.DataFrame(
        {cols["frequency"]: np.repeat(x, n_recency), cols["recency"]: np.tile(rec, x.size),
         cols["T"]: T}
    )
    p = model.p_alive(grid).to_numpy().reshape(x.size, n_recency)
    ax = _get_ax(ax)
    kwargs.setdefault("cmap", "viridis")
    edges_r = np.concatenate([[0.0], rec])
    edges_x = np.arange(0.5, max_frequency + 1.0)
    mesh = ax.pcolormesh(edges_r, edges_x, p, vmin=0.0, vmax=1.0, **kwargs)
    ax.figure.colorbar(mesh, ax=ax, label=_bi("P(alive)", "存活概率", paren=False))
    ax.set_xlabel(_loc(f"Recency: time of last purchase (periods since first, T = {T:g}, 最近购买)",
                       f"最近购买：末次购买时间（自首次购买起的期数，T = {T:g}）"))
    ax.set_ylabel(_loc("Frequency (repeat purchases, 重复购买次数)", "频次：重复购买次数"))
    ax.set_title(_loc("Probability still active (BG/NBD, 存活概率)", "存活概率（BG/NBD）"))
    return ax
