"""Theme (CJK font) and helpers shared by the plot modules.

:func:`use_theme` sets the seaborn theme and a CJK-capable font, so Chinese titles and labels
render in PNG, SVG and PDF output. Plot functions follow seaborn's shape: ``data`` first,
keyword-only variables, ``ax=None`` and ``**kwargs`` last; they draw on ``ax`` (or the current
Axes), return it, and never show or save.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .._display import column_labels
from .._i18n import get_language, set_language
from .._i18n import label as _bi
from .._validation import check_option, require_columns, require_frame, require_numeric
from ..errors import KequnError, ParameterError, SchemaError
from ..tiering import cumulative_shares
from . import _docstrings

__all__ = [
    "cjk_font",
    "plot_lorenz",
    "use_theme",
    "yuan_formatter",
]

log = logging.getLogger(__name__)

# CJK-capable families a machine may already have, best first (all freely licensed or shipped
# with the operating system). SimHei is deliberately absent: kequn never relies on it.
_SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
)


def _bundled_font_path() -> Path | None:
    """Path of Noto Sans SC (SIL OFL 1.1) installed by the dependency ``pylopdf-fonts-zh-cn``."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:  # a hard dependency, but an environment may lack it
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    return path if path.is_file() else None


@cache
def cjk_font() -> tuple[str, str | None]:
    """Find a font family that can draw Chinese text, registering a bundled one if needed.

    A CJK family already known to matplotlib is preferred. Otherwise the Noto Sans SC file that
    kequn's dependency ``pylopdf-fonts-zh-cn`` installs is registered with matplotlib's font
    manager for this session only (nothing is written into matplotlib's files).

    Returns
    -------
    family : str
        The font family name to use, e.g. ``"Noto Sans CJK SC"``.
    path : str or None
        The font file, when kequn registered it; ``None`` for a system font.

    Raises
    ------
    KequnError
        If no CJK font can be found at all.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> family, path = kq.cjk_font()
    >>> isinstance(family, str)
    True
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _SYSTEM_CJK_FAMILIES:
        if family in known:
            log.debug("using system CJK font %s", family)
            return family, None
    path = _bundled_font_path()
    if path is None:
        msg = (
            "No CJK font found: install the package 'pylopdf-fonts-zh-cn' (pip) or a system "
            "font such as Noto Sans CJK SC, then restart Python."
        )
        raise KequnError(msg)
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    log.debug("registered bundled CJK font %s from %s", family, path)
    return family, str(path)


def use_theme(
    context: str = "notebook", *, style: str = "whitegrid", lang: str | None = None, **kwargs: Any
) -> str:
    """Set kequn's seaborn theme with a font that renders Chinese text.

    Call it once at the top of a notebook or script. Importing kequn changes nothing; only this
    call sets matplotlib's global options.

    Parameters
    ----------
    context : str, default="notebook"
        seaborn plotting context (``"paper"``, ``"notebook"``, ``"talk"``, ``"poster"``).
    style : str, default="whitegrid"
        seaborn style.
    lang : {"en", "zh"}, optional
        The language of figure labels, table headers and sentences, passed on to
        :func:`set_language` (a notebook passes its ``LANG`` parameter). By default the
        language is left as it is (English unless set).
    **kwargs
        Passed on to :func:`seaborn.set_theme` (e.g. ``palette=``).

    Returns
    -------
    str
        The CJK font family now first in ``font.sans-serif``.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> family = kq.use_theme()
    >>> import matplotlib.pyplot as plt
    >>> plt.rcParams["font.sans-serif"][0] == family
    True
    """
    context = check_option(context, ["paper", "notebook", "talk", "poster"], name="context",
                           owner="use_theme")
    if lang is not None:
        set_language(lang)
    family, _ = cjk_font()
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,  # CJK fonts often lack U+2212
        "figure.dpi": 100,
        "savefig.dpi": 120,
        "figure.figsize": (8, 4.5),
    }
    rc.update(kwargs.pop("rc", {}))
    sns.set_theme(context=context, style=style, rc=rc, **kwargs)
    # seaborn's set_theme resets font.sans-serif from its own list; put ours first again
    plt.rcParams["font.sans-serif"] = [family, *[f for f in plt.rcParams["font.sans-serif"]
                                                 if f != family]]
    return family


# --- shared helpers for plot functions ---------------------------------------------------------


def _get_ax(ax: Axes | None, *, figsize: tuple[float, float] | None = None) -> Axes:
    """The Axes to draw on: ``ax``, else the current Axes. ``figsize`` is the size a plot needs
    when no figure is open yet (a fresh notebook cell): the new figure gets it, so the plot keeps
    its own shape there; an open figure keeps its size."""
    if ax is None and figsize is not None and not plt.get_fignums():
        plt.figure(figsize=figsize)
    return plt.gca() if ax is None else ax


#: width of the report's text column in inches (about 690 CSS pixels at 96 per inch): figures
#: wider than this are scaled down on the page, and their text with them
PAGE_WIDTH_IN = 7.2


def _page_points(ax: Axes, points: float = 9.0) -> float:
    """Font size that reads as ``points`` once the figure is scaled to the report's page width."""
    width = float(ax.figure.get_figwidth())
    return round(points * max(1.0, width / PAGE_WIDTH_IN), 1)


def _term(name: object) -> str:
    """A column's name on a figure: its Chinese term from the data dictionary in the Chinese
    build (the name itself when it has none), the column name in the English build."""
    if get_language() != "zh":
        return str(name)
    known = column_labels().get(str(name))
    return known.zh if known is not None and known.zh else str(name)


def _value_name(value: object, column: object = None) -> str:
    """A category value on a figure: its Chinese name in the Chinese build (data dictionary,
    section "Values"), the value itself otherwise."""
    if get_language() == "zh":
        from .._display import value_zh

        zh = value_zh(str(value), column)
        if zh:
            return zh
    return str(value)


def _zh_values(data: pd.DataFrame, cols: list[str | None]) -> pd.DataFrame:
    """In the Chinese build, a copy of ``data`` whose category values in ``cols`` carry their
    Chinese names (data dictionary, section "Values"; order kept); ``data`` itself otherwise."""
    cols = [c for c in cols if c is not None and c in data.columns]
    if get_language() != "zh" or not cols:
        return data
    from .._display import value_zh

    out = data.copy()
    for col in cols:
        s = out[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            names = [value_zh(c, col) or c for c in s.cat.categories]
            if len(set(names)) == len(names):
                out[col] = s.cat.rename_categories(names)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(lambda v, col=col: value_zh(v, col) or v)
    return out


def _require_plot_data(
    data: pd.DataFrame, numeric: list[str], *, owner: str, rows: bool = True
) -> None:
    """Check at the door that ``data`` has rows (if asked) and that ``numeric`` columns hold
    numbers (NaN allowed), so bad input raises a kequn error rather than a plotting traceback."""
    if rows and len(data) == 0:
        raise SchemaError(f"{owner}: the table has no rows, so there is nothing to plot. "
                          "Pass a table with at least one row.")
    for col in numeric:
        require_numeric(data, col, owner=owner, allow_nan=True)


def yuan_formatter(unit: str = "万") -> FuncFormatter:
    """Tick formatter showing CNY amounts in 万 (10⁴) or 亿 (10⁸)."""
    scale = {"元": 1.0, "万": 1e4, "亿": 1e8}[unit]
    return FuncFormatter(lambda v, _pos: f"{v / scale:,.0f}")


@_docstrings.share
def plot_lorenz(
    data: pd.DataFrame | pd.Series | None = None,
    *,
    x: str | None = None,
    hue: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the Lorenz curve of a non-negative quantity (e.g. AUM), one line per ``hue`` level.

    Parameters
    ----------
    data : DataFrame or Series
        The values, or a table holding them in column ``x``.
    x : str, optional
        Column of ``data`` with the values; required when ``data`` is a DataFrame.
    {hue}
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    {returns_ax}

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> ax = kq.plot_lorenz(pd.Series([1.0, 2.0, 10.0, 100.0]))
    >>> ax.get_xlabel()
    'Share of customers (客户占比)'
    """
    ax = _get_ax(ax)
    if isinstance(data, pd.Series):
        groups = {str(data.name or "all"): data}
    else:
        data = require_frame(data, owner="plot_lorenz")
        if x is None:
            raise ParameterError("plot_lorenz: pass x= naming the column of values to plot.")
        cols = [x] + ([hue] if hue else [])
        require_columns(data, cols, owner="plot_lorenz")
        data = _zh_values(data, [hue])
        if hue:
            groups = {str(k): g[x] for k, g in data.groupby(hue, observed=True, sort=True)}
        else:
            groups = {x: data[x]}
    for label, values in groups.items():
        curve = cumulative_shares(values)
        ax.plot(curve["customer_share"], curve["value_share"], label=label, **kwargs)
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--",
            label=_bi("equality", "完全平均", paren=False))
    ax.set_xlabel(_bi("Share of customers", "客户占比"))
    ax.set_ylabel(_bi("Share of total", "累计占比"))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    if len(groups) > 1 or hue:
        ax.legend(loc="upper left", fontsize="small")
    return ax
