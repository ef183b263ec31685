"""Contribution-based tiering: AUM tiers, contribution, Pareto/ABC, concentration, migration.

This is how banks traditionally sort customers (客户分层): by the assets they keep at the bank
(AUM tiers with public bars, :func:`aum_tiers`), by what they bring in (:func:`contribution`,
:func:`pareto_tiers`, :func:`concentration`), and by how recently, how often and how much they
transact (:func:`~kequn_lib.rfm`, :func:`~kequn_lib.rfm_scores`, :func:`~kequn_lib.rfm_segments`,
in :mod:`kequn_lib.rfm_analysis`). :func:`tier_migration` follows customers between two
snapshots. What this view misses (potential, 潜力) is in :mod:`kequn_lib.potential`.

Sourced configuration (tier bars) lives in ``data/tier_presets.csv``; assumptions (interest
spreads, costs) are the documented defaults of :class:`ContributionModel`.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from . import backends
from ._repr import ResultRepr
from ._resources import data_path
from ._validation import (
    _foreign_frame,
    check_int,
    check_option,
    fmt_values,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
    require_role,
    require_unique,
    strictly_increasing,
    warn,
)
from .currency import _to_cny
from .errors import ParameterError, SchemaError

__all__ = [
    "Concentration",
    "ContributionModel",
    "Migration",
    "MixedKindsWarning",
    "aum_tiers",
    "concentration",
    "contribution",
    "cumulative_shares",
    "pareto_tiers",
    "split_by_kind",
    "tier_migration",
    "tier_presets",
]

log = logging.getLogger(__name__)


# --- AUM tiers -----------------------------------------------------------------------------------


@cache
def _read_presets() -> pd.DataFrame:
    table = pd.read_csv(data_path("tier_presets.csv"), dtype={"source": "string", "note": "string"})
    table["source"] = table["source"].fillna("")
    return table


def tier_presets() -> pd.DataFrame:
    """Return the table of AUM tier ladders shipped with kequn (``data/tier_presets.csv``).

    Returns
    -------
    pandas.DataFrame
        One row per tier, lowest first within each preset, with columns ``preset``, ``tier``
        (English key), ``name_zh`` (Chinese name), ``lower_bound_cny`` (inclusive bar, CNY),
        ``measured_on``, ``source``, ``status`` (``"sourced"``, ``"unverified"`` or
        ``"assumption"``) and ``note``. A fresh copy: changing it changes nothing in kequn.

    See Also
    --------
    aum_tiers : label customers with one of these ladders.

    Notes
    -----
    Built from public figures. The ``industry`` ladder leans on the one sourced industry-wide bar,
    the CBRC rule that a private-banking client holds at least 600万 CNY of financial net assets;
    its lower bars are assumptions. The ``cmb`` ladder (China Merchants Bank 招商银行) has two
    sourced bars (金葵花 50万, 私人银行 1000万) and two unverified ones (金卡 5万, 钻石 500万).
    The ``corporate`` ladder grades firms by size of relationship (基础 / 成长 / 重点 / 战略客户 at
    0, 100万, 1000万 and 1亿 of total balances); all its bars are assumptions.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> table = kq.tier_presets()
    >>> cmb = table[table["preset"] == "cmb"].set_index("tier")
    >>> cmb.loc["sunflower", "name_zh"], int(cmb.loc["sunflower", "lower_bound_cny"])
    ('金葵花', 500000)
    >>> cmb.loc["sunflower", "status"]
    'sourced'
    """
    return _read_presets().copy()


def _ladder(preset: str, thresholds: Mapping[str, float] | None, labels: str) -> tuple:
    """Return (bounds float64 array, list of labels) after validating the ladder."""
    owner = "aum_tiers"
    if thresholds is None:
        table = _read_presets()
        names = list(dict.fromkeys(table["preset"]))
        preset = check_option(preset, names, name="preset", owner=owner)
        rows = table[table["preset"] == preset]
        col = "name_zh" if labels == "zh" else "tier"
        return rows["lower_bound_cny"].to_numpy(dtype="float64"), rows[col].tolist()
    if not isinstance(thresholds, Mapping) or len(thresholds) == 0:
        msg = (
            f"{owner}: thresholds must be a non-empty mapping from tier name to lower bound in "
            f"CNY, e.g. {{'大众': 0, '富裕': 50_000}}; got {thresholds!r}."
        )
        raise ParameterError(msg)
    names = [str(k) for k in thresholds]
    if len(set(names)) != len(names):
        msg = f"{owner}: tier names must be unique, got {names}."
        raise ParameterError(msg)
    try:
        bounds = np.array([float(v) for v in thresholds.values()], dtype="float64")
    except (TypeError, ValueError):
        msg = f"{owner}: every threshold must be a number (CNY), got {dict(thresholds)!r}."
        raise ParameterError(msg) from None
    if not np.isfinite(bounds).all() or (bounds < 0).any():
        msg = f"{owner}: thresholds must be finite and non-negative, got {dict(thresholds)!r}."
        raise ParameterError(msg)
    if (np.diff(bounds) <= 0).any():
        msg = (
            f"{owner}: thresholds must be strictly increasing from the lowest tier to the "
            f"highest, got {dict(thresholds)!r}. List the tiers in order, lowest bar first."
        )
        raise ParameterError(msg)
    if bounds[0] != 0:
        msg = (
            f"{owner}: the lowest tier must start at 0 so that every customer gets a tier, got "
            f"{names[0]!r}: {bounds[0]:g}. Add a floor tier, e.g. {{'大众': 0, ...}}."
        )
        raise ParameterError(msg)
    return bounds, names


def _require_unique_fast(data: pd.DataFrame, column: str, *, owner: str) -> None:
    """Like ``require_unique`` but O(n) without hashing when numeric ids are strictly increasing
    (the usual export order); other tables fall back to the hash check."""
    if column in data.columns and strictly_increasing(data[column]):
        return
    require_unique(data, column, owner=owner)


@renamed_keywords(column="aum_col")
def aum_tiers(
    data: pd.DataFrame | pd.Series | str | os.PathLike,
    *,
    preset: str = "industry",
    thresholds: Mapping[str, float] | None = None,
    aum_col: str = "aum",
    labels: str = "zh",
    id_col: str | None = "customer_id",
    kind_col: str | None = "customer_kind",
    fx_rate: float | None = None,
) -> pd.Series:
    """Label each customer with an AUM tier (资产分层) from a public ladder or custom bars.

    Parameters
    ----------
    data : pandas.DataFrame, pandas.Series, Parquet path or glob, or Dask DataFrame/Series
        Customer table with an AUM column, or the AUM values themselves (CNY, finite, >= 0).
        A ``.parquet`` file, folder or glob (``"customers/*.parquet"``) is read by DuckDB, so
        it may be larger than memory; a Dask DataFrame is labelled partition by partition.
    preset : str, default="industry"
        Ladder from :func:`tier_presets`: ``"industry"`` (大众 / 富裕 / 贵宾 / 私人银行, with the
        sourced CBRC 600万 private-banking bar) or ``"cmb"`` (China Merchants Bank), both for
        individuals; ``"corporate"`` grades firms by size of relationship. Ignored when
        ``thresholds`` is given.
    thresholds : mapping of str to float, optional
        Custom ladder ``{tier name: inclusive lower bound in CNY}``, lowest first. Bounds must be
        finite, non-negative, strictly increasing and start at 0; names must be unique.
    aum_col : str, default="aum"
        Column of ``data`` holding AUM (ignored for a Series). Needs the AUM role: a table
        without this column (a card portfolio, a loan book) is refused with a message that
        names the columns that could stand in.
    labels : {"zh", "en"}, default="zh"
        For presets: label tiers with the Chinese name (``name_zh``) or the English key.
    id_col : str or None, default="customer_id"
        When this column exists it must be unique (one row per customer); pass ``None`` to tier
        a long table such as a panel of snapshots (:func:`make_panel`). For Parquet input it
        also indexes the result; for a Dask DataFrame it is checked over all partitions.
    kind_col : str or None, default="customer_kind"
        Column telling individuals (个人) from corporates (对公). When a table holds both, one
        ladder would rank firms and households together (and put firms in private banking, a
        rule for individuals), so a :class:`MixedKindsWarning` suggests :func:`split_by_kind`.
        ``None`` skips the check.
    fx_rate : float, optional
        CNY per unit of the table's currency: AUM is multiplied by it before the CNY bars are
        applied. Needed to use a preset on a table whose ``attrs["currency"]`` is not CNY
        (see :func:`table_currency`); without it such a call is refused and the message points
        to :func:`quantile_tiers`, which tiers by the data's own percentiles.

    Returns
    -------
    pandas.Series or dask.dataframe.Series
        Ordered categorical (lowest tier first), named ``"tier"``, with the index of ``data``.
        Every tier of the ladder is a category, even when no customer reaches it, so a table
        with fewer customers than tiers simply leaves some tiers empty. An empty input gives an
        empty Series with the same categories. For Parquet input: a pandas Series indexed by
        ``id_col`` when the files have it (else by row number across the files, in file-name
        order). For Dask input: a lazy Dask Series on the input's partitions (the output is
        as long as the input, so it stays distributed; ``.compute()`` gives pandas).

    Raises
    ------
    SchemaError
        If the AUM column is missing, not numeric, NaN, infinite or negative (the message names
        the column and the first offending rows), or ``id_col`` repeats.
    ParameterError
        For an unknown preset or an invalid custom ladder, a glob matching no file, or a path
        that is not Parquet; a preset (CNY bars) on a table in another currency without
        ``fx_rate`` (for Parquet files and Dask frames, the ``attrs["currency"]`` stored with
        them). Parquet files with differing schemas or currencies raise :class:`SchemaError`
        before any row is read.

    See Also
    --------
    tier_presets : the ladders and their sources.
    split_by_kind : tier individuals and corporates on their own ladders.
    tier_migration : how customers move between tiers over time.

    Notes
    -----
    A customer is in the highest tier whose bar their AUM reaches (bars are inclusive lower
    bounds). Banks measure the bar on monthly average daily balances and delay downgrades; here
    the bar is applied to the snapshot value passed in.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3], "aum": [1_000.0, 80_000.0, 7e6]})
    >>> kq.aum_tiers(df).tolist()
    ['大众', '富裕', '私人银行']
    >>> kq.aum_tiers(df, thresholds={"low": 0, "high": 50_000}).tolist()
    ['low', 'high', 'high']
    """
    owner = "aum_tiers"
    kind = backends.input_kind(data, owner=owner)
    if kind != backends.PANDAS and fx_rate is not None:
        msg = (f"{owner}: fx_rate= applies to pandas input; convert the Parquet or Dask AUM "
               "column to CNY first, or pass thresholds= in its currency.")
        raise ParameterError(msg)
    labels = check_option(labels, ["zh", "en"], name="labels", owner=owner)
    bounds, names = _ladder(preset, thresholds, labels)
    dtype = pd.CategoricalDtype(names, ordered=True)
    hint = " For a long table (a panel of snapshots) pass id_col=None."
    if kind == backends.PARQUET:
        src = backends.parquet_source(data, columns=None, owner=owner)
        empty = src.empty_frame(src.names)  # with the files' attrs (currency)
        require_role(empty, aum_col, owner=owner)  # the pandas words
        backends._kinds.require_arrow_type(src, aum_col, "numeric", owner=owner)
        _to_cny(empty, None, fx_rate=None, cny_ladder=thresholds is None, preset=preset,
                owner=owner, engine="Parquet")
        id_col = id_col if id_col in src.names else None
        codes, ids = backends._duckdb.aum_codes(src, column=aum_col, bounds=bounds,
                                                id_col=id_col, owner=owner)
        index = _parquet_index(codes.size, ids, id_col, owner=owner, hint=hint)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, name="tier")
    if kind == backends.DASK:
        from .backends import _dask

        _to_cny(data._meta, None, fx_rate=None, cny_ladder=thresholds is None, preset=preset,
                owner=owner, engine="Dask")  # the partitions' attrs (currency)
        if not _dask.is_frame(data):  # a Dask Series
            name = str(data.name) if data.name is not None else aum_col
            frame = data.to_frame(name=name)
            cols, id_col = [name], None
        else:
            require_role(data._meta, aum_col, owner=owner)  # the pandas words
            name, frame = aum_col, data
            id_col = id_col if id_col in data.columns else None
            cols = [aum_col] + ([id_col] if id_col else [])
        _dask.require_numeric_dtype(frame, name, owner=owner)
        _dask.check_rows(frame, [("numeric", name, True)], owner=owner, unique=id_col,
                         unique_hint=hint)
        meta = pd.Series(pd.Categorical.from_codes([], dtype=dtype), name="tier")
        return _dask.map_rows(frame[cols], _tier_frame, meta=meta, column=name, bounds=bounds,
                              dtype=dtype)
    if isinstance(data, pd.Series):
        values = require_numeric(data.to_frame(name=aum_col), aum_col, owner=owner,
                                 nonnegative=True)
    else:
        data = require_frame(data, owner=owner)
        require_role(data, aum_col, owner=owner)
        values = require_numeric(data, aum_col, owner=owner, nonnegative=True)
        if id_col is not None and id_col in data.columns:
            try:
                _require_unique_fast(data, id_col, owner=owner)
            except SchemaError as err:
                raise SchemaError(f"{err}{hint}", column=err.column, rows=err.rows) from None
        if kind_col is not None:
            _warn_mixed_kinds(data, kind_col, owner=owner)
    values = _to_cny(data, values, fx_rate=fx_rate, cny_ladder=thresholds is None,
                     preset=preset, owner=owner)
    return _tiers(values, bounds, dtype)


def _tiers(values: pd.Series, bounds: np.ndarray, dtype: pd.CategoricalDtype) -> pd.Series:
    codes = np.searchsorted(bounds, values.to_numpy(), side="right") - 1
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=values.index,
                     name="tier")


def _tier_frame(part: pd.DataFrame, *, column: str, bounds: np.ndarray,
                dtype: pd.CategoricalDtype) -> pd.Series:
    """The tiers of one (already checked) Dask partition."""
    return _tiers(part[column].astype("float64"), bounds, dtype)


def _parquet_index(n: int, ids: np.ndarray | None, id_col: str | None, *, owner: str,
                   hint: str = "") -> pd.Index:
    """Result index of a row-aligned Parquet step: ``id_col`` (checked unique) or row numbers."""
    if id_col is None or ids is None:
        return pd.RangeIndex(n)
    frame = pd.DataFrame({id_col: ids})
    try:
        _require_unique_fast(frame, id_col, owner=owner)
    except SchemaError as err:
        raise SchemaError(f"{err}{hint}", column=err.column, rows=err.rows) from None
    return pd.Index(ids, name=id_col)


# --- individuals and corporates ------------------------------------------------------------------


class MixedKindsWarning(UserWarning):
    """One tier ladder was applied to individuals and corporates together.

    Private banking (the CBRC 600万 bar) is a rule for individuals, and a firm's balances are
    orders of magnitude above a household's, so a shared ladder fills the top tiers with firms.
    Tier each kind on its own (:func:`split_by_kind`).
    """


def _warn_mixed_kinds(data: pd.DataFrame, kind_col: str, *, owner: str) -> None:
    if kind_col not in data.columns:
        return
    counts = data[kind_col].astype("string").str.lower().value_counts()
    if {"individual", "corporate"} <= set(counts.index):
        msg = (
            f"{owner}: one ladder applied to {int(counts['individual']):,} individuals and "
            f"{int(counts['corporate']):,} corporates together (column {kind_col!r}); private "
            "banking is a rule for individuals and firms would fill the top tiers. Tier each "
            "kind on its own: parts = kq.split_by_kind(data), then tier parts['individual'] "
            "with this ladder and parts['corporate'] with preset='corporate' (or filter to one "
            "kind). Pass kind_col=None to tier the mixed table anyway."
        )
        warn(msg, MixedKindsWarning)


def split_by_kind(
    data: pd.DataFrame,
    *,
    kind_col: str = "customer_kind",
    assume: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Split a customer table into one table per kind of customer (individual 个人, corporate 对公).

    The documented idiom for tiering by kind: tiers, contribution shares, concentration and the
    China Merchants Bank comparison are computed on ``parts["individual"]`` (private banking is a
    rule for individuals); corporates get their own view, e.g. by size of relationship with the
    ``"corporate"`` ladder of :func:`tier_presets`.

    Parameters
    ----------
    data : pandas.DataFrame
        Customer table, one row per customer.
    kind_col : str, default="customer_kind"
        Column holding the kind of each customer (``"individual"`` or ``"corporate"``; other
        values get a part of their own).
    assume : str, optional
        Kind of every row when ``kind_col`` is absent, e.g. ``"individual"`` for a public table
        of retail clients. Without it a missing column is an error: kequn does not guess.

    Returns
    -------
    dict of str to pandas.DataFrame
        One entry per kind present, in the order individual, corporate, then any other kind
        alphabetically. Each part is a copy with the rows of that kind, in input order, with the
        input's index and columns (and its ``attrs``). An empty input gives an empty dict.

    Raises
    ------
    SchemaError
        ``kind_col`` is absent and ``assume`` is not given (the message lists the columns), or
        it has missing values (the message names the first rows).
    InputTypeError
        ``data`` is not a DataFrame.

    See Also
    --------
    aum_tiers : warns (:class:`MixedKindsWarning`) when given both kinds at once.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> df = pd.DataFrame({"customer_id": [1, 2, 3], "aum": [2e4, 9e6, 7e6],
    ...                    "customer_kind": ["individual", "corporate", "individual"]})
    >>> parts = kq.split_by_kind(df)
    >>> list(parts), kq.aum_tiers(parts["individual"]).tolist()
    (['individual', 'corporate'], ['大众', '私人银行'])
    >>> kq.aum_tiers(parts["corporate"], preset="corporate").tolist()
    ['成长客户']
    """
    owner = "split_by_kind"
    data = require_frame(data, owner=owner)
    if kind_col not in data.columns:
        if assume is None:
            msg = (
                f"{owner}: column {kind_col!r} is missing; present columns are "
                f"[{fmt_values(list(data.columns))}]. Name the column with kind_col=, or pass "
                "assume='individual' when every row is an individual (a retail table)."
            )
            raise SchemaError(msg, column=kind_col)
        part = data.copy()
        return {str(assume): part} if len(part) else {}
    kinds = data[kind_col]
    if kinds.isna().any():
        rows = data.index[kinds.isna().to_numpy()]
        msg = (
            f"{owner}: column {kind_col!r} has {len(rows)} missing value(s), first at index "
            f"[{fmt_values(rows)}]. Fill them with 'individual' or 'corporate' first."
        )
        raise SchemaError(msg, column=kind_col, rows=list(rows))
    labels = kinds.astype("string")
    present = list(dict.fromkeys(labels.tolist()))
    order = [k for k in ("individual", "corporate") if k in present]
    order += sorted(k for k in present if k not in order)
    return {k: data.loc[(labels == k).to_numpy()].copy() for k in order}


# --- contribution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionModel:
    """Assumptions that turn balances and flows into a yearly contribution (贡献度) in CNY.

    Every default is an **assumption** chosen to be plausible for a Chinese retail bank in the
    mid-2020s (net interest margins around 1.5–2 %), not a sourced figure. Change them to your
    bank's funds-transfer-pricing (FTP, 内部资金转移定价) curve and cost accounting.

    Parameters
    ----------
    deposit_spread : float, default=0.012
        FTP rate minus the rate paid to the depositor, per year (1.2 %): net interest income on
        each yuan of ``deposit_balance``.
    loan_spread : float, default=0.018
        Customer loan rate minus the FTP rate, per year (1.8 %), on ``loan_balance``.
    loan_credit_cost : float, default=0.007
        Expected credit loss per year (0.7 %) of ``loan_balance``, subtracted from loan income.
    wealth_fee_rate : float, default=0.004
        Intermediary income per year (0.4 %) on ``wealth_balance`` (理财, funds, precious metals).
    fee_passthrough : float, default=1.0
        Share of ``fee_income_12m`` kept as contribution (1.0: fees are already bank income).
    fx_margin : float, default=0.001
        Spread earned per yuan of ``fx_volume_12m`` (0.1 %).
    cost_per_customer : float, default=120.0
        Yearly cost of keeping an account open (systems, statements, compliance), CNY.
    cost_per_product : float, default=40.0
        Yearly cost per product held (``products_held``), CNY.
    cost_per_rm_contact : float, default=60.0
        Cost of one relationship-manager contact, CNY; ``rm_contacts_90d`` is annualised
        (times 365/90).

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.ContributionModel(deposit_spread=0.015).deposit_spread
    0.015
    """

    deposit_spread: float = 0.012
    loan_spread: float = 0.018
    loan_credit_cost: float = 0.007
    wealth_fee_rate: float = 0.004
    fee_passthrough: float = 1.0
    fx_margin: float = 0.001
    cost_per_customer: float = 120.0
    cost_per_product: float = 40.0
    cost_per_rm_contact: float = 60.0


# component -> (column, field of ContributionModel)
_COMPONENTS = {
    "nii_deposit": ("deposit_balance", "deposit_spread"),
    "nii_loan": ("loan_balance", "loan_spread"),
    "wealth_fee": ("wealth_balance", "wealth_fee_rate"),
    "fee_income": ("fee_income_12m", "fee_passthrough"),
    "fx_income": ("fx_volume_12m", "fx_margin"),
}
_COST_COLUMNS = ("products_held", "rm_contacts_90d")
# the balance roles of NEEDS["contribution"] (deposit, loan, wealth), under their default names
_BALANCE_COLUMNS = ("deposit_balance", "loan_balance", "wealth_balance")


def contribution(
    data: pd.DataFrame | str | os.PathLike,
    *,
    model: ContributionModel | None = None,
    missing: str = "error",
    id_col: str | None = "customer_id",
) -> pd.DataFrame:
    """Estimate each customer's yearly contribution (贡献度) to the bank, component by component.

    Parameters
    ----------
    data : pandas.DataFrame, Parquet path or glob, or Dask DataFrame
        Customer table with ``deposit_balance``, ``loan_balance``, ``wealth_balance``,
        ``fee_income_12m``, ``fx_volume_12m`` (CNY, >= 0), ``products_held`` and
        ``rm_contacts_90d`` (counts, >= 0). Needs a balance role: at least one of
        ``deposit_balance``, ``loan_balance`` and ``wealth_balance``, whatever ``missing``
        says (a table without any, such as a card portfolio, is refused with a message that
        names the columns that could stand in). Parquet files are read by DuckDB (larger than
        memory is fine); a Dask DataFrame is computed partition by partition.
    model : ContributionModel, optional
        Rates and costs; ``ContributionModel()`` (documented assumptions) by default.
    missing : {"error", "zero"}, default="error"
        What to do when one of the columns above is absent: raise, or count it as 0 (e.g. for a
        public dataset with only a balance). The columns treated as 0 are logged.
    id_col : str or None, default="customer_id"
        When this column exists it must be unique; ``None`` skips the check. For Parquet
        input it also indexes the result; for a Dask DataFrame it is checked over all
        partitions.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Same index as ``data``; float64 columns in CNY per year: ``nii_deposit``, ``nii_loan``
        (after expected credit cost), ``wealth_fee``, ``fee_income``, ``fx_income``,
        ``cost_to_serve`` (positive number, subtracted) and ``contribution`` (revenue minus
        cost; can be negative). For Parquet input: a pandas DataFrame indexed by ``id_col``
        when the files have it (else by row number across the files, in file-name order). For
        Dask input: a lazy Dask DataFrame on the input's partitions (row-aligned output stays
        distributed; ``.compute()`` gives pandas).

    Raises
    ------
    SchemaError
        The table has none of the three balances; a needed column is missing (with
        ``missing="error"``), not numeric, NaN, infinite or negative, or ``id_col`` repeats.
    ParameterError
        ``model`` is not a :class:`ContributionModel` or has a negative or non-finite field; a
        glob matching no file. Parquet files with differing schemas, or a Dask frame missing a
        column, raise :class:`SchemaError` before any work.

    See Also
    --------
    pareto_tiers, concentration : how concentrated contribution is.

    Notes
    -----
    A funds-transfer-pricing view of a customer's profit: balance times spread for deposits and
    loans, fees as booked, minus a simple activity-based cost to serve
    (``cost_per_customer + cost_per_product * products_held + cost_per_rm_contact *
    rm_contacts_90d * 365/90``). All rates are **assumptions**; see :class:`ContributionModel`.
    Balances are snapshots treated as yearly averages.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> df = pd.DataFrame({"deposit_balance": [1e5, 0.0], "loan_balance": [0.0, 2e5],
    ...                    "wealth_balance": [0.0, 0.0], "fee_income_12m": [50.0, 0.0],
    ...                    "fx_volume_12m": [0.0, 0.0], "products_held": [1, 2],
    ...                    "rm_contacts_90d": [0, 1]})
    >>> kq.contribution(df)["contribution"].round(1).tolist()
    [1090.0, 1756.7]
    """
    owner = "contribution"
    kind = backends.input_kind(data, owner=owner)
    model = _check_model(model, owner)
    missing = check_option(missing, ["error", "zero"], name="missing", owner=owner)
    needed = [col for col, _ in _COMPONENTS.values()] + list(_COST_COLUMNS)
    if kind == backends.PARQUET:
        src = backends.parquet_source(data, columns=None, owner=owner)
        names, empty = src.names, src.empty_frame(src.names)
    elif kind == backends.DASK:
        from .backends import _dask

        _dask.require_frame(data, owner=owner)
        names, empty = list(data.columns), data._meta
    else:
        data = require_frame(data, owner=owner)
        names, empty = list(data.columns), data
    # one balance at least (deposits, loans, wealth products): without any, the contribution
    # is minus the cost to serve, whatever missing= says
    require_role(empty, _BALANCE_COLUMNS, owner=owner)
    absent = [c for c in needed if c not in names]
    if absent and missing == "error":
        frame = pd.DataFrame(columns=names)
        require_columns(frame, needed, owner=owner + " (pass missing='zero' to count them as 0)")
    if absent:
        log.info("contribution: columns %s absent, counted as 0", absent)
    present = [c for c in needed if c not in absent]
    id_col = id_col if id_col is not None and id_col in names else None
    if kind == backends.PARQUET:
        for c in present:
            backends._kinds.require_arrow_type(src, c, "numeric", owner=owner)
        out, ids = backends._duckdb.contribution_frame(
            src, columns=needed, present=present, model=model, id_col=id_col, owner=owner)
        out.index = _parquet_index(len(out), ids, id_col, owner=owner)
        return _contribution_total(out)
    if kind == backends.DASK:
        for c in present:
            _dask.require_numeric_dtype(data, c, owner=owner)
        _dask.check_rows(data, [("numeric", c, True) for c in present], owner=owner,
                         unique=id_col)
        meta = _contribution_rows(data._meta, present, model, len(data._meta))
        return _dask.map_rows(data[present] if present else data, _contribution_part,
                              meta=meta, present=present, model=model)
    values = {c: require_numeric(data, c, owner=owner, nonnegative=True).to_numpy()
              for c in present}
    if id_col is not None:
        _require_unique_fast(data, id_col, owner=owner)
    return _contribution_rows(values, present, model, len(data), index=data.index)


def _check_model(model: Any, owner: str) -> ContributionModel:
    model = ContributionModel() if model is None else model
    if not isinstance(model, ContributionModel):
        msg = f"{owner}: model must be a ContributionModel, got {type(model).__name__}."
        raise ParameterError(msg)
    for f in fields(model):
        value = getattr(model, f.name)
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            msg = f"{owner}: ContributionModel.{f.name} must be a finite number >= 0, got {value!r}"
            msg += "."
            raise ParameterError(msg)
    return model


_OUTPUTS = [*_COMPONENTS, "cost_to_serve", "contribution"]


def _contribution_rows(values: Any, present: Sequence[str], model: ContributionModel, n: int,
                       index: pd.Index | None = None) -> pd.DataFrame:
    """The contribution table from checked columns (``values[name]``, float64 arrays)."""
    zero = np.zeros(n)

    def col(name: str) -> np.ndarray:
        if name not in present:
            return zero
        return np.asarray(values[name], dtype="float64")

    # one float64 block, column-major, filled in place: no consolidation copy, no row-wise sum,
    # and no temporary array (the total's row holds the intermediate products until the end)
    block = np.empty((len(_OUTPUTS), n))
    for i, (name, rate) in enumerate(_COMPONENTS.values()):
        np.multiply(col(name), getattr(model, rate), out=block[i])
    loan = list(_COMPONENTS).index("nii_loan")
    cost, total = block[len(_COMPONENTS)], block[-1]
    np.multiply(col("loan_balance"), model.loan_credit_cost, out=total)
    block[loan] -= total
    np.multiply(col("products_held"), model.cost_per_product, out=cost)
    cost += model.cost_per_customer
    np.multiply(col("rm_contacts_90d"), model.cost_per_rm_contact, out=total)
    total *= 365 / 90
    cost += total
    np.add(block[0], block[1], out=total)
    for i in range(2, len(_COMPONENTS)):
        total += block[i]
    total -= cost
    return pd.DataFrame(block.T, index=index if index is not None else pd.RangeIndex(n),
                        columns=_OUTPUTS, copy=False)


def _contribution_part(part: pd.DataFrame, *, present: Sequence[str],
                       model: ContributionModel) -> pd.DataFrame:
    """The contribution of one (already checked) Dask partition."""
    values = {c: part[c].to_numpy(dtype="float64") for c in present}
    return _contribution_rows(values, present, model, len(part), index=part.index)


def _contribution_total(out: pd.DataFrame) -> pd.DataFrame:
    """Parquet path: the components came from SQL; add the total as the pandas path does."""
    block = np.empty((len(_OUTPUTS), len(out)))
    for i, name in enumerate(_OUTPUTS[:-1]):
        block[i] = out[name].to_numpy(dtype="float64")
    total = block[-1]
    np.copyto(total, block[0])
    for i in range(1, len(_COMPONENTS)):
        total += block[i]
    total -= block[len(_COMPONENTS)]
    return pd.DataFrame(block.T, index=out.index, columns=_OUTPUTS, copy=False)


# --- Pareto / concentration ----------------------------------------------------------------------


def _values(values: Any, *, owner: str, name: str = "values") -> pd.Series:
    if isinstance(values, pd.DataFrame):
        msg = f"{owner}: pass one column (a Series), e.g. data['aum'], not a DataFrame."
        raise ParameterError(msg)
    if not isinstance(values, pd.Series):
        try:
            values = pd.Series(np.asarray(values), name=name)
        except Exception as err:
            msg = f"{owner}: values must be a Series or a 1-D array, got {type(values).__name__}."
            raise ParameterError(msg) from err
        if values.ndim != 1:  # pragma: no cover - Series is always 1-D
            raise ParameterError(f"{owner}: values must be 1-D.")
    column = str(values.name) if values.name is not None else name
    return require_numeric(values.to_frame(name=column), column, owner=owner)


@renamed_keywords(column="value_col")
def pareto_tiers(
    values: pd.Series | Sequence[float] | pd.DataFrame | str | os.PathLike,
    *,
    cuts: Sequence[float] = (0.8, 0.95),
    labels: Sequence[str] | None = None,
    value_col: str | None = None,
    id_col: str | None = "customer_id",
) -> pd.Series:
    """ABC (Pareto) classes: the customers who make up the first 80 %, next 15 % and last 5 %.

    Parameters
    ----------
    values : pandas.Series, array-like, DataFrame, Parquet path or glob, or Dask Series/DataFrame
        Contribution, AUM or any amount per customer (finite; negative values allowed). A
        table (pandas or Dask DataFrame, or Parquet files, possibly larger than memory) needs
        ``value_col``.
    cuts : sequence of float, default=(0.8, 0.95)
        Cumulative shares of the positive total that close each class, strictly increasing in
        (0, 1). ``k`` cuts make ``k + 1`` classes.
    labels : sequence of str, optional
        Class names, ``len(cuts) + 1`` of them; ``"A"``, ``"B"``, ``"C"``, … by default.
    value_col : str, optional
        The value column when ``values`` is a table (required then, ignored for a Series).
    id_col : str or None, default="customer_id"
        When a table (pandas, Parquet or Dask) has this column it must be unique (one row per
        customer); Parquet results are also indexed by it. ``None`` skips the check.

    Returns
    -------
    pandas.Series or dask.dataframe.Series
        Ordered categorical named ``"abc"``, index of ``values``: the first label holds the
        largest values. Categories are in rank order (A < B < C means "ranked before"). For
        Parquet input: pandas, indexed by ``id_col`` when the files have it (else by row number
        across the files, in file-name order). For Dask input: a lazy Dask Series on the
        input's partitions (the class thresholds are computed when you call this function).

    Raises
    ------
    SchemaError
        NaN or infinite values (the message names the first rows).
    ParameterError
        Cuts not strictly increasing inside (0, 1), the wrong number of labels, a table without
        ``value_col``, or a glob matching no file.

    See Also
    --------
    concentration : Lorenz curve, Gini and top-k shares.

    Notes
    -----
    Rank customers by value, largest first; each goes in the first class whose cut is above the
    share of the total held by customers with a strictly larger value: the customer who crosses
    80 % still belongs to A, so A always covers at least 80 % of the total, and tied values
    always share a class (all-equal values are all A). Shares are of the positive total;
    values <= 0 add nothing and fall in the last class; if no value is positive every customer
    is in the last class. An empty input gives an empty Series. Computed with one sort of the
    positive values and a threshold per cut (no argsort), so it scales to tens of millions.

    Parquet input: one DuckDB statement finds the thresholds with a running sum over the
    sorted positive values (DuckDB sorts out of core) and labels the rows. Dask input avoids
    the global sort: a first pass builds a histogram of the positive values over fixed bins
    (16 per doubling of the value, from the float's exponent and mantissa, so the bins are
    exact and need no first look at the data) with each bin's count, sum, minimum and maximum;
    the cumulative bin sums locate, for each cut, the bin where the threshold lies; a second
    pass collects only the values of those (at most ``len(cuts)``) bins, sorts them and finds
    the exact threshold value; a third pass labels the rows. The classes equal those of the
    in-memory path except when a cumulative share lands within floating-point rounding (about
    1e-15 relative) of a cut, where summing in another order may tip one value across.

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> kq.pareto_tiers(pd.Series([70.0, 5.0, 20.0, 3.0, 2.0])).tolist()
    ['A', 'B', 'A', 'C', 'C']
    """
    owner = "pareto_tiers"
    kind = backends.input_kind(values, owner=owner)
    cuts_arr, dtype = _pareto_setup(cuts, labels, owner)
    if kind == backends.PARQUET:
        if value_col is None:
            msg = f"{owner}: for Parquet files pass value_col=, the name of the value column."
            raise ParameterError(msg)
        src = backends.parquet_source(values, columns=[value_col], owner=owner)
        backends._kinds.require_arrow_type(src, value_col, "numeric", owner=owner)
        id_col = id_col if id_col in src.names else None
        codes, ids = backends._duckdb.pareto_codes(src, column=value_col, cuts=cuts_arr,
                                                   id_col=id_col, owner=owner)
        index = _parquet_index(codes.size, ids, id_col, owner=owner)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, name="abc")
    if kind == backends.DASK:
        from .backends import _dask

        if _dask.is_frame(values):
            if value_col is None:
                msg = (f"{owner}: for a Dask DataFrame pass value_col=, the name of the value "
                       "column.")
                raise ParameterError(msg)
            _dask.require_columns(values, [value_col], owner=owner)
            unique = id_col if id_col is not None and id_col in values.columns else None
            if unique:  # values first, then ids: the order of the pandas path
                _dask.require_numeric_dtype(values, value_col, owner=owner)
                _dask.check_rows(values, [("numeric", value_col, False)], owner=owner,
                                 unique=unique)
            values = values[value_col]
        name = str(values.name) if values.name is not None else "values"
        _dask.require_numeric_dtype(values.to_frame(name=name), name, owner=owner)
        return _dask.pareto(values, name=name, cuts=cuts_arr, dtype=dtype, owner=owner)
    table = None
    if value_col is not None and not isinstance(values, pd.DataFrame | pd.Series):
        converted = _foreign_frame(values, owner=owner)  # a pyarrow Table, polars, ...
        values = values if converted is None else converted
    if isinstance(values, pd.DataFrame) and value_col is not None:
        require_columns(values, [value_col], owner=owner)
        table, values = values, values[value_col]
    s = _values(values, owner=owner)
    if table is not None and id_col is not None and id_col in table.columns:
        _require_unique_fast(table, id_col, owner=owner)
    v = s.to_numpy()
    k = cuts_arr.size
    pos_sorted = np.sort(v[v > 0])  # ascending; only positive values carry a share
    cum = np.cumsum(pos_sorted)
    if cum.size:
        # t_j = smallest value x with (sum of values <= x) > (1 - cut_j) * total; a value is in
        # class j when it is below the first j thresholds (they decrease with the cut)
        at = np.searchsorted(cum, (1 - cuts_arr) * cum[-1], side="right")
        thresholds = pos_sorted[np.minimum(at, cum.size - 1)][::-1]  # ascending
        codes = k - np.searchsorted(thresholds, v, side="right")
    else:
        codes = np.full(v.size, k)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=s.index, name="abc")


def _pareto_setup(cuts: Any, labels: Any, owner: str) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """Checked cuts (float64, increasing in (0, 1)) and the ordered class dtype."""
    try:
        cuts_arr = np.asarray(list(cuts), dtype="float64")
    except (TypeError, ValueError):
        cuts_arr = np.empty(0)
    if (
        cuts_arr.ndim != 1
        or cuts_arr.size == 0
        or not np.isfinite(cuts_arr).all()
        or (cuts_arr <= 0).any()
        or (cuts_arr >= 1).any()
        or (np.diff(cuts_arr) <= 0).any()
    ):
        msg = f"{owner}: cuts must be strictly increasing shares inside (0, 1), got {tuple(cuts)}."
        raise ParameterError(msg)
    if labels is None:
        labels = [chr(ord("A") + i) for i in range(cuts_arr.size + 1)]
    labels = [str(x) for x in labels]
    if len(labels) != cuts_arr.size + 1 or len(set(labels)) != len(labels):
        msg = f"{owner}: pass {cuts_arr.size + 1} distinct labels for {cuts_arr.size} cuts, "
        msg += f"got {labels}."
        raise ParameterError(msg)
    return cuts_arr, pd.CategoricalDtype(labels, ordered=True)


def _sorted_cumulative(
    values: Any, *, owner: str, largest_first: bool, negative: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """The one cumulative-share computation: sorted values and ``cum`` (n + 1 shares from 0 to
    1) of the total, after the checks every caller shares. Negative values raise
    (``negative="error"``) or count as 0 (``"clip"``)."""
    negative = check_option(negative, ["error", "clip"], name="negative", owner=owner)
    s = _values(values, owner=owner)
    column = str(s.name)
    if s.empty:
        msg = f"{owner}: column {column!r} is empty; pass at least one customer."
        raise SchemaError(msg, column=column)
    if negative == "error":
        s = require_numeric(s.to_frame(name=column), column, owner=owner, nonnegative=True)
    v = np.sort(np.clip(s.to_numpy(), 0, None))
    if largest_first:
        v = v[::-1]
    total = float(v.sum())
    if total <= 0:
        msg = (
            f"{owner}: column {column!r} sums to 0 over {v.size} customers, so shares are "
            "undefined. Pass an amount with a positive total."
        )
        raise SchemaError(msg, column=column)
    cum = np.concatenate([[0.0], np.cumsum(v)]) / total
    return v, cum, column


def cumulative_shares(
    values: pd.Series | Sequence[float],
    *,
    largest_first: bool = False,
    negative: str = "error",
) -> pd.DataFrame:
    """Cumulative share of the total held by the smallest (Lorenz) or largest (Pareto) customers.

    Parameters
    ----------
    values : pandas.Series or array-like
        One amount per customer, finite and (by default) non-negative.
    largest_first : bool, default=False
        ``False``: poorest first, the Lorenz curve. ``True``: largest first, the Pareto curve
        whose 80 % and 95 % crossings :func:`pareto_tiers` uses.
    negative : {"error", "clip"}, default="error"
        Negative values raise, or count as 0 (shares of the positive total).

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows from (0, 0) to (1, 1): ``customer_share`` (``i / n``) and ``value_share``
        (share of the total held by those ``i`` customers).

    Raises
    ------
    SchemaError
        Empty input, NaN or infinite values, negative values with ``negative="error"``, or a
        total of zero.

    See Also
    --------
    concentration : Gini and top-k shares from the same curve.
    plot_lorenz, plot_pareto : draw it.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.cumulative_shares([1.0, 3.0], largest_first=True)["value_share"].tolist()
    [0.0, 0.75, 1.0]
    """
    v, cum, _ = _sorted_cumulative(values, owner="cumulative_shares",
                                   largest_first=bool(largest_first), negative=negative)
    return pd.DataFrame({"customer_share": np.arange(v.size + 1) / v.size, "value_share": cum})


@dataclass(frozen=True, repr=False)
class Concentration(ResultRepr):
    """How concentrated an amount is across customers (result of :func:`concentration`).

    Attributes
    ----------
    lorenz : pandas.DataFrame
        The Lorenz curve on an even grid: ``customer_share`` (0 to 1, poorest first) and
        ``value_share`` (share of the total held by that poorest fraction).
    gini : float
        Gini coefficient, 0 (everyone equal) to almost 1 (one customer holds everything).
    top_shares : pandas.DataFrame
        One row per requested top fraction: ``top`` (fraction of customers), ``n_customers``
        (how many that is, at least 1) and ``value_share`` (their share of the total).
    n : int
        Number of customers.
    total : float
        Sum of the values.
    """

    lorenz: pd.DataFrame
    gini: float
    top_shares: pd.DataFrame
    n: int
    total: float


def concentration(
    values: pd.Series | Sequence[float],
    *,
    top: Sequence[float] = (0.01, 0.1, 0.2),
    points: int = 101,
    negative: str = "error",
) -> Concentration:
    """Lorenz curve, Gini coefficient and top-k shares of an amount (AUM, contribution…).

    Parameters
    ----------
    values : pandas.Series or array-like
        One amount per customer, finite and (by default) non-negative.
    top : sequence of float, default=(0.01, 0.1, 0.2)
        Fractions of customers, largest first, whose share of the total to report (top 1 %,
        10 %, 20 %), each in (0, 1].
    points : int, default=101
        Number of grid points of the Lorenz table (at least 2).
    negative : {"error", "clip"}, default="error"
        Negative values (e.g. loss-making customers' contribution) raise, or count as 0.

    Returns
    -------
    Concentration
        A small frozen dataclass with ``lorenz`` (DataFrame ``customer_share``,
        ``value_share``), ``gini`` (float), ``top_shares`` (DataFrame ``top``, ``n_customers``,
        ``value_share``), ``n`` and ``total``.

    Raises
    ------
    SchemaError
        Empty input, NaN or infinite values, negative values with ``negative="error"``, or a
        total of zero (nothing to share out).
    ParameterError
        ``top`` outside (0, 1] or ``points`` < 2.

    See Also
    --------
    plot_lorenz : draw the curve from the raw values.
    pareto_tiers : ABC classes.

    Notes
    -----
    With values sorted ascending, ``gini = 2 * sum(i * v_i) / (n * sum(v)) - (n + 1) / n``
    (i = 1..n), the area formula for a step Lorenz curve. All-equal values give exactly 0.
    The top-``q`` share uses the ``ceil(q * n)`` largest values.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> c = kq.concentration([1.0, 1.0, 1.0, 97.0], top=(0.25,))
    >>> round(c.gini, 2), c.top_shares["value_share"].tolist()
    (0.72, [0.97])
    """
    owner = "concentration"
    points = check_int(points, name="points", owner=owner, low=2)
    tops = np.asarray(list(top), dtype="float64")
    if tops.ndim != 1 or not np.isfinite(tops).all() or (tops <= 0).any() or (tops > 1).any():
        msg = f"{owner}: top must be fractions of customers in (0, 1], got {tuple(top)}."
        raise ParameterError(msg)
    v, cum, _ = _sorted_cumulative(values, owner=owner, largest_first=False, negative=negative)
    n, total = v.size, float(v.sum())
    grid = np.linspace(0, 1, points)
    lorenz = pd.DataFrame(
        {"customer_share": grid, "value_share": np.interp(grid, np.arange(n + 1) / n, cum)}
    )
    i = np.arange(1, n + 1)
    with np.errstate(over="ignore"):
        weighted = np.sum(i * v)
    if np.isfinite(weighted) and np.isfinite(n * total):
        gini = float(2 * weighted / (n * total) - (n + 1) / n)
    else:  # a large total: the same formula on shares, which cannot overflow
        gini = float(2 * np.sum((i / n) * (v / total)) - (n + 1) / n)
    gini = max(gini, 0.0) if abs(gini) < 1e-12 else gini
    k = np.maximum(np.ceil(tops * n - 1e-9).astype("int64"), 1)
    top_share = 1 - cum[n - k]
    top_shares = pd.DataFrame({"top": tops, "n_customers": k, "value_share": top_share})
    return Concentration(lorenz=lorenz, gini=gini, top_shares=top_shares, n=n, total=total)


# --- migration -----------------------------------------------------------------------------------

EXITED = "流失 exited"
NEW = "新增 new"


@dataclass(frozen=True, repr=False)
class Migration(ResultRepr):
    """Tier movements between two snapshots (result of :func:`tier_migration`).

    Attributes
    ----------
    counts : pandas.DataFrame
        Transition matrix of customer counts: rows are tiers before (plus ``"新增 new"`` for
        customers only in ``after``), columns are tiers after (plus ``"流失 exited"`` for
        customers only in ``before``).
    shares : pandas.DataFrame
        ``counts`` divided by its row totals (rows with no customer are 0).
    summary : pandas.DataFrame
        One row per direction (``up``, ``stay``, ``down``, ``exited``, ``new``) with ``n`` and
        ``share`` (``n`` over the number of customers in ``before``).
    """

    counts: pd.DataFrame
    shares: pd.DataFrame
    summary: pd.DataFrame

    def project(self, steps: int = 1) -> pd.DataFrame:
        """Where customers are after ``steps`` periods if the observed movements repeat.

        ``shares`` read as a Markov chain: "流失 exited" is absorbing, a tier nobody was in
        keeps its customers, and the "新增 new" row follows customers who join at the first
        step with the observed entry mix. See :mod:`kequn_lib.dynamics`.

        Parameters
        ----------
        steps : int, default=1
            Number of periods ahead (1–1000); 1 gives ``shares``.

        Returns
        -------
        pandas.DataFrame
            Rows: tiers before and "新增 new"; columns: tiers and "流失 exited"; each row sums
            to one (the new row is 0 when nobody joined).

        Raises
        ------
        ParameterError
            ``steps`` out of range.

        Examples
        --------
        >>> import pandas as pd
        >>> import kequn_lib as kq
        >>> t = pd.CategoricalDtype(["low", "high"], ordered=True)
        >>> b = pd.Series(["low", "low", "high", "high"], index=[1, 2, 3, 4], dtype=t)
        >>> a = pd.Series(["high", "low", "high", "low"], index=[1, 2, 3, 5], dtype=t)
        >>> kq.tier_migration(b, a).project(steps=2).sum(axis=1).round(6).tolist()
        [1.0, 1.0, 1.0]
        """
        from .dynamics import project

        return project(self, steps)

    def steady_state(self, entry_mix: Any = None) -> pd.Series:
        """Long-run tier mix of a book in which every leaver is replaced by a newcomer.

        Parameters
        ----------
        entry_mix : mapping or pandas.Series, optional
            Weights of the tiers newcomers join (normalised); default: the mix of the new
            customers observed (the "新增 new" row).

        Returns
        -------
        pandas.Series
            ``steady_share`` by tier, summing to one: the stationary distribution of the tier
            chain with exits sent back in by the observed entry mix of new customers.

        Raises
        ------
        ParameterError
            Customers leave but nobody joined (no steady mix exists).
        """
        from .dynamics import steady_state

        return steady_state(self, entry_mix)

    def expected_periods(self) -> pd.DataFrame:
        """Expected number of periods (quarters, for make_panel) spent in each tier before exit.

        Returns
        -------
        pandas.DataFrame
            Rows: starting tier and "新增 new" (a newcomer of the observed entry mix); columns:
            the tiers and ``total`` (expected periods in the book), from the fundamental matrix
            ``(I − Q)⁻¹`` of the chain, counting the starting period.

        Raises
        ------
        ParameterError
            From some tier nobody was seen leaving (the expectation is infinite).
        """
        from .dynamics import expected_periods

        return expected_periods(self)


def _tier_series(x: Any, *, which: str, id_col: str, column: str) -> pd.Series:
    owner = "tier_migration"
    if not isinstance(x, pd.DataFrame | pd.Series):  # a pyarrow Table, a polars DataFrame
        frame = _foreign_frame(x, owner=owner)
        x = x if frame is None else frame
    if isinstance(x, pd.DataFrame):
        require_columns(x, [id_col, column], owner=f"{owner} ({which})")
        require_unique(x, id_col, owner=f"{owner} ({which})")
        s = pd.Series(x[column].to_numpy(), index=pd.Index(x[id_col].to_numpy(), name=id_col))
        s = s.astype(x[column].dtype)
    elif isinstance(x, pd.Series):
        s = x
        if s.index.has_duplicates:
            dup = s.index[s.index.duplicated(keep=False)].unique()
            msg = (
                f"{owner}: {which} has repeated customer ids in its index: "
                f"[{fmt_values(dup)}]. Pass one tier per customer."
            )
            raise SchemaError(msg, column=id_col, rows=list(dup))
    else:
        msg = (
            f"{owner}: {which} must be a Series of tiers indexed by customer id, or a DataFrame "
            f"with {id_col!r} and {column!r}; got {type(x).__name__}."
        )
        raise ParameterError(msg)
    if not isinstance(s.dtype, pd.CategoricalDtype):
        msg = (
            f"{owner}: {which} must be categorical with the tiers in order (lowest first), as "
            f"aum_tiers returns; got dtype {s.dtype}."
        )
        raise SchemaError(msg, column=column)
    if s.isna().any():
        rows = s.index[s.isna().to_numpy()]
        msg = f"{owner}: {which} has {len(rows)} missing tier(s), first for ids "
        msg += f"[{fmt_values(rows)}]."
        raise SchemaError(msg, column=column, rows=list(rows))
    return s


@renamed_keywords(column="tier_col")
def tier_migration(
    before: pd.Series | pd.DataFrame,
    after: pd.Series | pd.DataFrame,
    *,
    id_col: str = "customer_id",
    tier_col: str = "tier",
) -> Migration:
    """Count how customers moved between tiers from one snapshot to the next (客户迁移).

    Parameters
    ----------
    before, after : pandas.Series or pandas.DataFrame
        Tiers at two dates: Series of tiers indexed by customer id (as from :func:`aum_tiers`
        on an id-indexed table), or DataFrames with ``id_col`` and ``tier_col``. Both categorical
        with the same categories, lowest tier first.
    id_col : str, default="customer_id"
        Customer id column, for DataFrame inputs.
    tier_col : str, default="tier"
        Tier column, for DataFrame inputs.

    Returns
    -------
    Migration
        ``counts`` and ``shares`` (transition matrices, before × after, with a ``"新增 new"`` row
        and a ``"流失 exited"`` column) and ``summary`` (``direction``, ``n``, ``share``).

    Raises
    ------
    SchemaError
        Duplicate customer ids, missing tiers, non-categorical tiers or different categories.
    ParameterError
        Inputs that are neither Series nor DataFrames.

    See Also
    --------
    aum_tiers : the tiers.
    make_panel : quarterly snapshots to compare.

    Notes
    -----
    Up / down follow the category order. A customer present only in ``before`` has exited
    (churned); one only in ``after`` is new. Shares in ``summary`` are over the customers of
    ``before`` (so ``new`` reads as growth).

    Examples
    --------
    >>> import pandas as pd
    >>> import kequn_lib as kq
    >>> t = pd.CategoricalDtype(["low", "high"], ordered=True)
    >>> b = pd.Series(["low", "low", "high"], index=[1, 2, 3], dtype=t)
    >>> a = pd.Series(["high", "low"], index=[1, 2], dtype=t)
    >>> kq.tier_migration(b, a).summary.set_index("direction")["n"].tolist()
    [1, 1, 0, 1, 0]
    """
    b = _tier_series(before, which="before", id_col=id_col, column=tier_col)
    a = _tier_series(after, which="after", id_col=id_col, column=tier_col)
    cats = list(b.cat.categories)
    if list(a.cat.categories) != cats:
        msg = (
            f"tier_migration: before and after must use the same tiers in the same order; got "
            f"{cats} and {list(a.cat.categories)}. Label both with the same preset or thresholds."
        )
        raise SchemaError(msg, column=tier_col)
    k = len(cats)
    joined = pd.DataFrame({"b": b.cat.codes}).join(pd.DataFrame({"a": a.cat.codes}), how="outer")
    bc = joined["b"].fillna(k).to_numpy(dtype="int64")  # k = new (absent before)
    ac = joined["a"].fillna(k).to_numpy(dtype="int64")  # k = exited (absent after)
    mat = np.bincount(bc * (k + 1) + ac, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    rows = pd.Index([*map(str, cats), NEW], name="before")
    cols = pd.Index([*map(str, cats), EXITED], name="after")
    counts = pd.DataFrame(mat, index=rows, columns=cols)
    counts = counts.drop(columns=EXITED).join(counts[[EXITED]])  # keep order explicit
    counts.loc[NEW, EXITED] = 0
    totals = counts.sum(axis=1).to_numpy()[:, None]
    shares = pd.DataFrame(
        np.divide(counts.to_numpy(), totals, out=np.zeros(counts.shape), where=totals > 0),
        index=rows, columns=cols,
    )
    both = (bc < k) & (ac < k)
    n_before = int((bc < k).sum())
    n = {
        "up": int((both & (ac > bc)).sum()),
        "stay": int((both & (ac == bc)).sum()),
        "down": int((both & (ac < bc)).sum()),
        "exited": int(((bc < k) & (ac == k)).sum()),
        "new": int(((bc == k) & (ac < k)).sum()),
    }
    summary = pd.DataFrame({"direction": list(n), "n": list(n.values())})
    summary["share"] = summary["n"] / n_before if n_before else 0.0
    return Migration(counts=counts, shares=shares, summary=summary)
