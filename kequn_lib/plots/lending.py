"""Figures for the WeBank / MYbank lending case study (:mod:`kequn_lib.lending`).

Each function draws on ``ax`` (or the current Axes) and returns it; titles are bilingual. Call
``kq.use_theme()`` first so the Chinese text renders.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .._display import column_labels
from .._i18n import get_language
from .._i18n import label as _bi
from .._i18n import localise as _loc
from .._validation import require_columns, require_frame, require_numeric
from ..errors import ParameterError, SchemaError
from ..lending import lending_facts
from . import _docstrings
from ._theme import _get_ax, _require_plot_data

__all__ = [
    "plot_growth_paths",
    "plot_loan_sizes",
    "plot_size_sensitivity",
    "plot_tolerance_curve",
    "plot_volume_decomposition",
]

_BANK_COLORS = {"WeBank": "#1f77b4", "MYbank": "#ff7f0e"}
_BANK_ZH = {"WeBank": "微众银行", "MYbank": "网商银行"}


def _legend_terms(ax: Axes, hue: str | None) -> None:
    """The legend's title is the data dictionary's term for the column in the page's language.
    A path's ``label`` gets none (its entries say enough); another column without a term keeps
    its name in the English build and gets no title in the Chinese one. In the Chinese build the
    entries name the banks in Chinese."""
    legend = ax.get_legend()
    if legend is None:
        return
    if legend.get_title().get_text():
        known = column_labels().get(str(hue)) if hue else None
        zh = get_language() == "zh"
        if known is not None and (known.zh if zh else known.en):
            legend.set_title(known.zh if zh else known.en)
        elif zh or hue == "label":
            legend.set_title("")
    if get_language() == "zh":
        for text in legend.get_texts():
            text.set_text(_BANK_ZH.get(text.get_text(), text.get_text()))


def _cny(v: float, _pos: Any = None) -> str:
    if abs(v) >= 1e8:
        return f"{v / 1e8:g}亿"
    if abs(v) >= 1e4:
        return f"{v / 1e4:g}万"
    return f"{v:g}"


def _fact_std(bank: str, metric: str) -> float | None:
    facts = lending_facts()
    row = facts[(facts["bank"] == bank) & (facts["metric"] == metric)]
    return None if row.empty else float(row["value_std"].iloc[0])


@_docstrings.share
def plot_loan_sizes(
    data: pd.DataFrame | None = None,
    *,
    x: str = "amount",
    hue: str | None = "bank",
    bounds: bool = True,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Histogram of loan sizes on a log axis, with each bank's stated bounds drawn in.

    Parameters
    ----------
    data : pandas.DataFrame
        Loan books (e.g. from :func:`~kequn_lib.simulate_loan_book`, concatenated).
    x : str, default="amount"
        Column of loan amounts (CNY).
    hue : str or None, default="bank"
        Column splitting the books.
    bounds : bool, default=True
        Draw the facts: each bank's loan limit (dashed), WeBank's 1万 average bound and
        MYbank's 5万 threshold (dotted), and each book's mean (solid).
    {ax}
    **kwargs
        Passed to :func:`seaborn.histplot`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> book = kq.simulate_loan_book("WeBank", n_loans=500)
    >>> ax = kq.plot_loan_sizes(book)
    >>> ax.get_xlabel()
    'Loan amount (元, log scale)'
    """
    ax = _get_ax(ax)
    data = require_frame(data, owner="plot_loan_sizes")
    require_columns(data, [x] + ([hue] if hue else []), owner="plot_loan_sizes")
    _require_plot_data(data, [], owner="plot_loan_sizes")
    amounts = require_numeric(data, x, owner="plot_loan_sizes", nonnegative=True)
    if not (amounts > 0).all():
        msg = (f"plot_loan_sizes: column {x!r} must be positive (the axis is logarithmic); "
               f"{int((amounts <= 0).sum())} row(s) are 0. Drop them before plotting.")
        raise SchemaError(msg, column=x)
    plot_data = data.copy()
    if hue:
        plot_data[hue] = plot_data[hue].astype(str)
    opts = {"element": "step", "stat": "density", "common_norm": False, "bins": 40,
            "fill": False}
    opts.update(kwargs)
    palette = _BANK_COLORS if hue == "bank" else None
    sns.histplot(data=plot_data, x=x, hue=hue, log_scale=True, ax=ax, palette=palette, **opts)
    if bounds:
        groups = plot_data.groupby(hue, sort=True) if hue else [("all", plot_data)]
        for name, g in groups:
            color = _BANK_COLORS.get(str(name), "grey")
            ax.axvline(float(g[x].mean()), color=color, lw=1.2)
            bank = str(name)
            limit = _fact_std(bank, "max_loan")
            if limit is not None:
                ax.axvline(limit, color=color, ls="--", lw=1)
            if bank == "WeBank":
                ax.axvline(_fact_std(bank, "average_loan_size"), color=color, ls=":", lw=1.2)
            if bank == "MYbank":
                ax.axvline(50_000.0, color=color, ls=":", lw=1.2)
        # the key sits under the axis label, off the data
        ax.annotate(_loc("solid: book mean 均值 · dotted: stated bound 1万/5万 · "
                         "dashed: loan limit 限额",
                         "实线：样本均值 · 点线：公开口径 1万/5万 · 虚线：贷款限额"),
                    xy=(0, 0), xycoords="axes fraction", xytext=(0, -42),
                    textcoords="offset points", va="top", fontsize="small")
    if hue and ax.get_legend() is not None:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    _legend_terms(ax, hue)
    ax.xaxis.set_major_formatter(FuncFormatter(_cny))
    ax.set_xlabel(_loc("Loan amount (元, log scale)", "单笔贷款金额（元，对数刻度）"))
    ax.set_ylabel(_bi("Density", "密度"))
    ax.set_title(_bi("Loan size distributions", "单笔贷款金额分布", paren=False))
    return ax


@_docstrings.share
def plot_size_sensitivity(
    data: pd.DataFrame | None = None,
    *,
    x: str = "sigma",
    y: str = "mean",
    hue: str | None = "bank",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Average loan implied by each calibration as the free log-sd varies.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.size_sensitivity` (one or both banks).
    x, y, hue : str
        Columns for the free parameter, the implied statistic (CNY) and the bank.
    {ax}
    **kwargs
        Passed to :func:`seaborn.lineplot`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> ax = kq.plot_size_sensitivity(kq.size_sensitivity("MYbank", sigmas=[0.5, 1.0]))
    >>> ax.get_xlabel()
    'Log-sd of loan size σ (assumption)'
    """
    ax = _get_ax(ax)
    data = require_frame(data, owner="plot_size_sensitivity")
    require_columns(data, [x, y] + ([hue] if hue else []), owner="plot_size_sensitivity")
    _require_plot_data(data, [x, y], owner="plot_size_sensitivity", rows=False)
    palette = _BANK_COLORS if hue == "bank" else None
    sns.lineplot(data=data, x=x, y=y, hue=hue, marker="o", ax=ax, palette=palette, **kwargs)
    ax.axhline(10_000.0, color=_BANK_COLORS["WeBank"], ls=":", lw=1.2,
               label=_loc("WeBank average bound 1万", "微众银行笔均上限 1万"))
    ax.yaxis.set_major_formatter(FuncFormatter(_cny))
    ax.set_xlabel(_loc("Log-sd of loan size σ (assumption)", "贷款金额对数标准差 σ（假设）"))
    ax.set_ylabel(_loc("Average loan (元)", "笔均贷款（元）"))
    ax.set_title(_bi("Implied average loan vs spread", "平均贷款额与分布离散度", paren=False))
    ax.legend(fontsize="small")
    _legend_terms(ax, hue)
    return ax


@_docstrings.share
def plot_growth_paths(
    data: pd.DataFrame | None = None,
    *,
    x: str = "month",
    y: str = "growth_factor",
    hue: str | None = "label",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Compounded growth paths (one line per rate), on a log axis.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.growth_path` (several, concatenated).
    x, y, hue : str
        Columns for month, growth factor and path label.
    {ax}
    **kwargs
        Passed to :func:`seaborn.lineplot`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> ax = kq.plot_growth_paths(kq.growth_path(1.0, monthly_rate=0.3, months=5))
    >>> ax.get_ylabel()
    'Multiple of month 0 (倍数, log scale)'
    """
    ax = _get_ax(ax)
    data = require_frame(data, owner="plot_growth_paths")
    require_columns(data, [x, y] + ([hue] if hue else []), owner="plot_growth_paths")
    _require_plot_data(data, [x, y], owner="plot_growth_paths", rows=False)
    sns.lineplot(data=data, x=x, y=y, hue=hue, marker="o", ax=ax, **kwargs)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}×"))
    for _label, g in data.groupby(hue, sort=False) if hue else [(None, data)]:
        last = g.iloc[-1]
        ax.annotate(f"{last[y]:.2f}×", (last[x], last[y]), textcoords="offset points",
                    xytext=(4, 0), fontsize="small", va="center")
    ax.set_xlabel(_bi("Month", "月"))
    ax.set_ylabel(_loc("Multiple of month 0 (倍数, log scale)", "相对第 0 月的倍数（对数刻度）"))
    ax.set_title(_bi("Month-on-month growth compounds", "月环比增长的复利效应", paren=False))
    _legend_terms(ax, hue)
    return ax


@_docstrings.share
def plot_tolerance_curve(
    data: pd.DataFrame | None = None,
    *,
    x: str = "tolerance",
    y: str = "approval_rate",
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Approval rate against the tolerated overdue rate, with the two banks' bounds marked.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.approval_under_tolerance` over a grid of tolerances.
    x, y : str, default="tolerance", "approval_rate"
        Columns to plot (``y`` may also be ``"volume"``).
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> t = kq.approval_under_tolerance(tolerance=[0.002, 0.005, 0.01], n_applicants=1_000)
    >>> ax = kq.plot_tolerance_curve(t)
    >>> ax.get_xlabel()
    'Tolerated overdue rate (逾期率容忍度)'
    """
    ax = _get_ax(ax)
    data = require_frame(data, owner="plot_tolerance_curve")
    require_columns(data, [x, y], owner="plot_tolerance_curve")
    if y not in ("approval_rate", "volume", "approved"):
        msg = f"plot_tolerance_curve: y={y!r}; use 'approval_rate', 'approved' or 'volume'."
        raise ParameterError(msg)
    _require_plot_data(data, [x, y], owner="plot_tolerance_curve", rows=False)
    d = data.sort_values(x)
    ax.plot(d[x], d[y], marker="o", ms=3, color="0.3", **kwargs)
    for bank in ("WeBank", "MYbank"):
        bound = _fact_std(bank, "overdue_rate")
        ax.axvline(bound, color=_BANK_COLORS[bank], ls="--", lw=1.2,
                   label=_loc(f"{bank} stated bound {bound:.1%}",
                              f"{_BANK_ZH.get(bank, bank)}公开口径 {bound:.1%}"))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    if y == "approval_rate":
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel(_bi("Approval rate", "审批通过率"))
    elif y == "volume":
        ax.yaxis.set_major_formatter(FuncFormatter(_cny))
        ax.set_ylabel(_loc("Approved volume (放款金额, 元)", "放款金额（元）Approved volume"))
    else:
        ax.set_ylabel(_bi("Approved applicants", "通过笔数"))
    ax.set_xlabel(_bi("Tolerated overdue rate", "逾期率容忍度"))
    ax.set_title(_bi("Risk tolerance drives approvals", "风险容忍度与审批通过率", paren=False))
    ax.legend(fontsize="small", loc="lower right")
    return ax


@_docstrings.share
def plot_volume_decomposition(
    data: pd.DataFrame | None = None,
    *,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Bar chart of a volume gap split into count and average-size effects.

    Parameters
    ----------
    data : pandas.DataFrame
        Output of :func:`~kequn_lib.decompose_volume` (index ``effect``, column
        ``contribution``), or several stacked with a ``scenario`` column.
    {ax}
    **kwargs
        Passed to :func:`seaborn.barplot`.

    {returns_ax}

    Examples
    --------
    >>> import kequn_lib as kq
    >>> d = kq.decompose_volume({"n_loans": 10, "volume": 100.0}, {"n_loans": 20, "volume": 300.0})
    >>> ax = kq.plot_volume_decomposition(d)
    >>> ax.get_ylabel()
    'Contribution to the gap (元)'
    """
    ax = _get_ax(ax)
    data = require_frame(data, owner="plot_volume_decomposition")
    d = data.reset_index() if "effect" not in data.columns else data.copy()
    require_columns(d, ["effect", "contribution"], owner="plot_volume_decomposition")
    _require_plot_data(d, ["contribution"], owner="plot_volume_decomposition", rows=False)
    names = {"count": _bi("count", "笔数", paren=False),
             "average_size": _bi("average size", "笔均", paren=False),
             "total": _bi("total gap", "差额", paren=False)}
    d["effect"] = d["effect"].map(names).fillna(d["effect"])
    hue = "scenario" if "scenario" in d.columns else None
    sns.barplot(data=d, x="effect", y="contribution", hue=hue, ax=ax,
                order=[v for v in names.values() if v in set(d["effect"])], **kwargs)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.yaxis.set_major_formatter(FuncFormatter(_cny))
    ax.set_xlabel(_bi("Effect", "效应"))
    ax.set_ylabel(_loc("Contribution to the gap (元)", "对差距的贡献（元）"))
    ax.set_title(_bi("Where the volume gap comes from", "放贷规模差距分解", paren=False))
    if hue:
        ax.legend(fontsize="small")
    return ax
