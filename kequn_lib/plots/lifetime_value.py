"""Figures for kequn_lib.lifetime_value: the model checks of an activity model on a holdout."""

from __future__ import annotations

from typing import Any

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import require_columns, require_frame, require_numeric
from . import _docstrings
from ._theme import _get_ax, _value_name

__all__ = ["plot_calibration_holdout", "plot_tracking"]

_COLOURS = {"actual": "#333333", "model": "#d1495b"}


def _source_legend(ax: Axes) -> None:
    """A legend without title whose entries (``actual``, ``model``) read in the page's language."""
    legend = ax.legend(title=None)
    for text in legend.get_texts():
        text.set_text(_value_name(text.get_text(), "source"))


@_docstrings.share
def plot_calibration_holdout(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Mean holdout purchases, actual against the model, by calibration repeat purchases.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.holdout_by_frequency` (``frequency_cal``, ``source``,
        ``mean_purchases``).
    {ax}
    **kwargs
        Passed to :func:`seaborn.lineplot`.

    {returns_ax}

    Raises
    ------
    SchemaError
        A column is missing.

    See Also
    --------
    holdout_by_frequency : the table drawn.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> table = pd.DataFrame({"frequency_cal": ["0", "0", "1", "1"],
    ...                       "source": ["actual", "model"] * 2,
    ...                       "mean_purchases": [0.2, 0.25, 1.1, 1.0]})
    >>> ax = kq.plot_calibration_holdout(table)
    """
    owner = "plot_calibration_holdout"
    data = require_frame(data, owner=owner)
    require_columns(data, ["frequency_cal", "source", "mean_purchases"], owner=owner)
    require_numeric(data, "mean_purchases", owner=owner)
    ax = _get_ax(ax)
    kwargs.setdefault("marker", "o")
    sns.lineplot(data=data.assign(frequency_cal=data["frequency_cal"].astype(str)),
                 x="frequency_cal", y="mean_purchases", hue="source", style="source",
                 palette=_COLOURS, ax=ax, **kwargs)
    ax.set_xlabel(_bi("Repeat purchases in the calibration period", "校准期重复购买"))
    ax.set_ylabel(_bi("Mean purchases in the holdout", "验证期平均购买"))
    ax.set_title(_loc("Holdout purchases: actual vs model (实际与模型)",
                      "验证期购买：实际与模型（Holdout purchases: actual vs model）"))
    _source_legend(ax)
    return ax


@_docstrings.share
def plot_tracking(
    data: pd.DataFrame,
    *,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Cumulative repeat purchases of the calibration cohort over time, actual and expected.

    A vertical line marks the end of the calibration period: to its left the model was fitted,
    to its right it forecasts.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.tracking` (``date``, ``period``, ``source``,
        ``repeat_purchases``).
    {ax}
    **kwargs
        Passed to :func:`seaborn.lineplot`.

    {returns_ax}

    Raises
    ------
    SchemaError
        A column is missing.

    See Also
    --------
    tracking : the table drawn.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> dates = pd.to_datetime(["2024-01-07", "2024-01-14"] * 2)
    >>> table = pd.DataFrame({"date": dates, "period": ["calibration", "holdout"] * 2,
    ...                       "source": ["actual"] * 2 + ["model"] * 2,
    ...                       "repeat_purchases": [3.0, 8.0, 3.2, 7.5]})
    >>> ax = kq.plot_tracking(table)
    """
    owner = "plot_tracking"
    data = require_frame(data, owner=owner)
    require_columns(data, ["date", "period", "source", "repeat_purchases"], owner=owner)
    require_numeric(data, "repeat_purchases", owner=owner)
    ax = _get_ax(ax)
    sns.lineplot(data=data, x="date", y="repeat_purchases", hue="source", style="source",
                 palette=_COLOURS, ax=ax, **kwargs)
    cal = data.loc[data["period"] == "calibration", "date"]
    if len(cal):
        ax.axvline(cal.max(), color="grey", linestyle=":", linewidth=1)
        ax.annotate(_bi("end of calibration", "校准期结束", paren=False), xy=(cal.max(), 0),
                    xycoords=("data", "axes fraction"), xytext=(4, 6), textcoords="offset points",
                    fontsize=8, color="grey")
    ax.set_xlabel(_bi("Date", "日期"))
    ax.set_ylabel(_bi("Cumulative repeat purchases", "累计重复购买"))
    # whole counts with separators: no "1e6" offset above the axis
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.set_title(_bi("Tracking: cumulative repeat purchases", "累计重复购买跟踪"))
    _source_legend(ax)
    ax.figure.autofmt_xdate()
    return ax
