"""Potential value (潜力价值): what a customer could bring, beyond what they bring today.

Contribution tiering ranks customers by what they already hold and earn for the bank. This module
estimates what they *could* hold from balances and profile: :func:`estimate_wallet` estimates
each customer's total financial assets across all banks (the *wallet*, 钱包) by high-quantile
regression, hence the untapped ``potential`` and the bank's ``share_of_wallet`` (钱包份额). The
transaction side, the BG/NBD model of repeat purchasing, is in :mod:`kequn_lib.bgnbd`.

:func:`value_matrix` crosses contribution with potential into four quadrants (价值矩阵) that map
to what a bank does with each group, and :func:`value_matrix_summary` tabulates them.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    check_number,
    fmt_values,
    renamed_keywords,
    require_columns,
    require_frame,
    require_numeric,
    require_role,
    warn,
)
from .errors import ParameterError, SchemaError

__all__ = [
    "VALUE_QUADRANTS",
    "estimate_wallet",
    "value_matrix",
    "value_matrix_summary",
]

log = logging.getLogger(__name__)

# Money columns of the data dictionary: log1p-transformed when used as wallet features.
_MONEY_FEATURES = (
    "aum",
    "deposit_balance",
    "wealth_balance",
    "loan_balance",
    "fx_volume_12m",
    "fee_income_12m",
)


# =============================================================================================
# Wallet estimation
# =============================================================================================


def _check_feature_list(features: Any, target: str, owner: str) -> list[str]:
    if isinstance(features, str):
        features = [features]
    try:
        features = list(features)
    except TypeError:
        msg = f"{owner}: features must be a list of column names, got {features!r}."
        raise ParameterError(msg) from None
    if not features:
        msg = (
            f"{owner}: features is empty. Pass the columns that describe a customer's capacity, "
            "e.g. features=['age', 'region', 'tenure_months', 'card_level']."
        )
        raise ParameterError(msg)
    bad_type = [f for f in features if not isinstance(f, str)]
    if bad_type:
        msg = f"{owner}: feature names must be strings, got {fmt_values(bad_type)}."
        raise ParameterError(msg)
    dup = sorted({f for f in features if features.count(f) > 1})
    if dup:
        msg = f"{owner}: features repeat: {fmt_values(dup)}. List each column once."
        raise ParameterError(msg)
    truth = [f for f in features if f.startswith("true_")]
    if truth:
        msg = (
            f"{owner}: features {fmt_values(truth)} are synthetic ground truth (true_*), which "
            "a method must never read. Remove them from features; use them only to check the "
            "estimate afterwards."
        )
        raise ParameterError(msg)
    if target in features:
        msg = (
            f"{owner}: the target {target!r} is also listed in features. The wallet is "
            f"predicted from other columns; remove {target!r} from features."
        )
        raise ParameterError(msg)
    return features


def _design_matrix(
    data: pd.DataFrame,
    features: list[str],
    log_features: list[str],
    na_category: str | None,
    owner: str,
) -> pd.DataFrame:
    """Numeric design matrix with an intercept: log1p money, 0/1 flags, one-hot categories."""
    parts: list[pd.DataFrame | pd.Series] = [
        pd.Series(1.0, index=data.index, name="const")
    ]
    for col in features:
        s = data[col]
        if pd.api.types.is_bool_dtype(s) and not s.isna().any():
            parts.append(s.astype("float64").rename(col))
        elif pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            values = require_numeric(data, col, owner=owner, nonnegative=col in log_features)
            parts.append(np.log1p(values) if col in log_features else values)
        else:
            cat = s.astype("category") if not isinstance(s.dtype, pd.CategoricalDtype) else s
            if cat.isna().any():
                if na_category is None:
                    rows = s.index[cat.isna()]
                    msg = (
                        f"{owner}: categorical feature {col!r} has {len(rows)} missing value(s), "
                        f"first at index [{fmt_values(rows)}]. Pass na_category='missing' to "
                        "treat them as their own level, fill them, or drop the feature."
                    )
                    raise SchemaError(msg, column=col, rows=list(rows))
                if na_category not in cat.cat.categories:
                    cat = cat.cat.add_categories([na_category])
                cat = cat.fillna(na_category)
            dummies = pd.get_dummies(cat, prefix=col, prefix_sep="=", drop_first=True)
            parts.append(dummies.astype("float64"))
    X = pd.concat(parts, axis=1)
    # drop columns that carry no information (empty categories, constants besides the intercept)
    spread = X.max() - X.min()
    keep = (spread > 0) | (X.columns == "const")
    return X.loc[:, keep]


@renamed_keywords(target="target_col")
def estimate_wallet(
    data: pd.DataFrame,
    *,
    features: list[str],
    target_col: str = "aum",
    quantile: float = 0.9,
    log_features: list[str] | str = "auto",
    na_category: str | None = None,
    max_iter: int = 2000,
) -> pd.DataFrame:
    """Estimate each customer's wallet (total financial assets at all banks) and its potential.

    The wallet is modelled as a high conditional quantile of what customers *like this one* hold
    with the bank: a linear quantile regression of ``log1p(target)`` on the features. What the
    customer holds today is then compared with it.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer (the customer table).
    features : list of str
        Columns describing a customer's capacity: profile and relationship variables such as
        ``age``, ``education``, ``region``, ``industry``, ``tenure_months``, ``card_level``,
        product flags. Numeric and bool columns enter as they are (money columns as
        ``log1p``); categorical, string and ordered-categorical columns are one-hot encoded
        (first level dropped). ``true_*`` columns are refused.
    target_col : str, default="aum"
        What the customer holds with the bank today (CNY, >= 0). Needs the AUM role: a
        table without this column is refused with a message that names the columns that
        could stand in.
    quantile : float, default=0.9
        The conditional quantile taken as the wallet, in (0, 1). Higher means a more generous
        wallet (more customers look under-served).
    log_features : list of str or "auto", default="auto"
        Numeric features to transform with ``log1p`` (they must be >= 0). ``"auto"`` takes the
        money columns of the data dictionary that are among ``features`` (``deposit_balance``,
        ``wealth_balance``, ``loan_balance``, ``fx_volume_12m``, ``fee_income_12m``).
    na_category : str, optional
        If given, missing values of categorical features become this level (e.g. ``"missing"``
        for corporates without a card level). By default they raise an error.
    max_iter : int, default=2000
        Iteration limit of the quantile-regression solver.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``, with columns

        - ``wallet_estimate`` : float, CNY, the estimated wallet, never below ``target_col``;
        - ``potential`` : float, CNY, ``wallet_estimate - target`` (>= 0), the untapped assets;
        - ``share_of_wallet`` : float in [0, 1], ``target / wallet_estimate`` (NaN when the
          wallet is 0).

    Raises
    ------
    SchemaError
        If a feature or the target column is missing, a numeric feature has NaN or inf, a
        log-transformed feature or the target is negative, or a categorical feature has missing
        values and ``na_category`` is not set.
    ParameterError
        If ``features`` is empty, repeats a name, contains a ``true_*`` column or the target,
        ``quantile`` is outside (0, 1), or there are too few rows for the number of
        coefficients (at least 30 rows and 5 per coefficient).

    See Also
    --------
    value_matrix : Cross contribution with the potential estimated here.

    Notes
    -----
    Method (Perlich, Rosset, Lawrence and Zadrozny, 2007, "High-quantile modeling for customer
    wallet estimation and other applications", KDD): a customer's wallet is not observed, but
    what they hold with us is, and it is at most the wallet. Among customers with the same
    profile, the ones who hold the most with us are plausibly those who hold (almost) all their
    assets with us, so a high conditional quantile of holdings estimates the wallet of everyone
    with that profile. We fit ``Q_q(log1p(target) | X) = X b`` with
    :class:`statsmodels.regression.quantile_regression.QuantReg` and back-transform with
    ``expm1`` (quantiles commute with monotone transforms, so this is the conditional quantile of
    the money itself).

    Assumptions, to state with any result:

    - at least a share ``1 - quantile`` of customers with each profile keep (nearly) all their
      assets with the bank; if nobody does, the wallet is underestimated;
    - the log-wallet is linear in the features (one-hot levels, ``log1p`` money);
    - the features measure capacity, not the bank's own balances: using ``deposit_balance`` or
      ``wealth_balance`` (the parts of ``aum``) makes the model reproduce ``aum`` and the
      potential collapses to zero;
    - the estimate is floored at today's holdings, since a wallet cannot be smaller than what the
      customer already keeps with us.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import kequn_lib as kq
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"age": rng.integers(20, 70, 200),
    ...                    "region": rng.choice(["urban", "rural"], 200)})
    >>> df["aum"] = np.exp(8 + 0.03 * df["age"] + rng.normal(0, 1, 200))
    >>> out = kq.estimate_wallet(df, features=["age", "region"])
    >>> list(out.columns)
    ['wallet_estimate', 'potential', 'share_of_wallet']
    >>> bool((out["wallet_estimate"] >= df["aum"]).all() and (out["potential"] >= 0).all())
    True
    """
    owner = "estimate_wallet"
    data = require_frame(data, owner=owner)
    if not isinstance(target_col, str):
        msg = f"{owner}: target_col must be a column name, got {target_col!r}."
        raise ParameterError(msg)
    if target_col.startswith("true_"):
        msg = f"{owner}: target_col {target_col!r} is ground truth (true_*); methods never read it."
        raise ParameterError(msg)
    features = _check_feature_list(features, target_col, owner)
    quantile = check_number(quantile, name="quantile", owner=owner, low=0.0, high=1.0,
                            low_inclusive=False, high_inclusive=False)
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        msg = f"{owner}: max_iter must be a positive integer, got {max_iter!r}."
        raise ParameterError(msg)
    if isinstance(log_features, str):
        if log_features != "auto":
            msg = (
                f"{owner}: log_features must be 'auto' or a list of columns, "
                f"got {log_features!r}."
            )
            raise ParameterError(msg)
        log_features = [f for f in features if f in _MONEY_FEATURES]
    else:
        log_features = list(log_features)
        stray = [f for f in log_features if f not in features]
        if stray:
            msg = f"{owner}: log_features {fmt_values(stray)} are not among features {features}."
            raise ParameterError(msg)
    require_columns(data, features, owner=owner)
    require_role(data, target_col, owner=owner)
    y_money = require_numeric(data, target_col, owner=owner, nonnegative=True)
    X = _design_matrix(data, features, log_features, na_category, owner)
    n, k = X.shape
    needed = max(30, 5 * k)
    if n < needed:
        msg = (
            f"{owner}: too few customers for the model: {n} row(s) for {k} coefficients "
            f"(intercept, numeric features and one-hot levels); at least {needed} are needed. "
            "Use fewer features or features with fewer levels, or more customers."
        )
        raise ParameterError(msg)

    from statsmodels.regression.quantile_regression import QuantReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, IterationLimitWarning

    y = np.log1p(y_money.to_numpy())
    # centre and scale numeric columns for a well-conditioned solve (the fit is equivariant)
    Xa = X.to_numpy(dtype="float64")
    centre = np.where(X.columns == "const", 0.0, Xa.mean(axis=0))
    scale = np.where(X.columns == "const", 1.0, Xa.std(axis=0))
    Xs = (Xa - centre) / np.where(scale > 0, scale, 1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = QuantReg(y, Xs).fit(q=quantile, max_iter=max_iter)
    for w in caught:
        if issubclass(w.category, IterationLimitWarning | ConvergenceWarning):
            warn(
                f"{owner}: the quantile regression stopped at max_iter={max_iter} before "
                "converging; the estimate is approximate. Raise max_iter or use fewer features.",
                UserWarning,
            )
            break
    log_wallet = Xs @ np.asarray(res.params)
    log.debug("%s: quantile %.2f fitted on %d rows, %d coefficients", owner, quantile, n, k)
    aum = y_money.to_numpy()
    wallet = np.maximum(np.expm1(log_wallet), aum)
    potential = wallet - aum
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(wallet > 0, aum / np.where(wallet > 0, wallet, 1.0), np.nan)
    return pd.DataFrame(
        {"wallet_estimate": wallet, "potential": potential, "share_of_wallet": share},
        index=data.index,
    )


# =============================================================================================
# Value matrix
# =============================================================================================

VALUE_QUADRANTS = pd.DataFrame(
    {
        "quadrant": ["develop", "keep", "grow", "observe"],
        "quadrant_zh": ["重点发展", "维护", "培育", "观察"],
        "contribution_level": ["high", "high", "low", "low"],
        "potential_level": ["high", "low", "high", "low"],
        "action": [
            "Invest: relationship manager attention, tailored wealth and credit offers, "
            "priority service to win the assets still held elsewhere.",
            "Retain: the bank already holds most of the wallet; protect it with service quality "
            "and loyalty benefits rather than new selling.",
            "Cultivate: hidden value that contribution tiering ranks low; targeted campaigns and "
            "upgrades (e.g. towards the gold card) to raise the share of wallet.",
            "Serve efficiently: low-cost digital channels, and watch for life events that move "
            "a customer into another quadrant.",
        ],
        "action_zh": [
            "重点投入：配备客户经理、量身定制理财与信贷方案、优先服务，争取客户仍存放在他行的资产。",
            "巩固维护：银行已握有客户的大部分资产，以服务质量和忠诚度权益守住，而非再推新产品。",
            "培育提升：贡献度分层排名靠后的隐性价值客户，以精准营销和升级（如升为金卡）提高钱包份额。",
            "高效服务：以低成本的线上渠道服务，并留意可能使客户转入其他象限的人生事件。",
        ],
    }
)
_QUADRANTS_DOC = (
    "The four quadrants of :func:`value_matrix`, in priority order, with what a bank does in "
    "each: columns ``quadrant``, ``quadrant_zh``, ``contribution_level``, ``potential_level``, "
    "``action`` and its Chinese wording ``action_zh``."
)
VALUE_QUADRANTS.__doc__ = _QUADRANTS_DOC  # the table's own doc, not pandas.DataFrame's

_QUADRANT_ORDER = VALUE_QUADRANTS["quadrant"].tolist()
_QUADRANT_ZH = dict(zip(VALUE_QUADRANTS["quadrant"], VALUE_QUADRANTS["quadrant_zh"], strict=True))


def _value_inputs(
    data: pd.DataFrame,
    contribution: str,
    potential: str,
    contribution_cut: float | None,
    potential_cut: float | None,
    quantile: float,
    owner: str,
) -> tuple[np.ndarray, np.ndarray, float, float]:
    data = require_frame(data, owner=owner)
    require_columns(data, [contribution, potential], owner=owner)
    if len(data) == 0:
        msg = f"{owner}: the table is empty; pass at least one customer."
        raise SchemaError(msg)
    c = require_numeric(data, contribution, owner=owner).to_numpy()
    p = require_numeric(data, potential, owner=owner, nonnegative=True).to_numpy()
    quantile = check_number(quantile, name="quantile", owner=owner, low=0.0, high=1.0,
                            low_inclusive=False, high_inclusive=False)
    if contribution_cut is None:
        contribution_cut = float(np.quantile(c, quantile))
    else:
        contribution_cut = check_number(contribution_cut, name="contribution_cut", owner=owner)
    if potential_cut is None:
        potential_cut = float(np.quantile(p, quantile))
    else:
        potential_cut = check_number(potential_cut, name="potential_cut", owner=owner)
    return c, p, contribution_cut, potential_cut


@renamed_keywords(contribution="contribution_col", potential="potential_col")
def value_matrix(
    data: pd.DataFrame,
    *,
    contribution_col: str = "contribution",
    potential_col: str = "potential",
    contribution_cut: float | None = None,
    potential_cut: float | None = None,
    quantile: float = 0.5,
) -> pd.DataFrame:
    """Place each customer in one of four quadrants of contribution × potential (价值矩阵).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer with a contribution column (CNY per year, may be negative) and a
        potential column (CNY, >= 0), e.g. the outputs of ``kq.contribution`` and
        :func:`estimate_wallet` joined to the customer table.
    contribution_col : str, default="contribution"
        Column with the customer's contribution (贡献度).
    potential_col : str, default="potential"
        Column with the customer's potential (潜力), e.g. untapped wallet.
    contribution_cut, potential_cut : float, optional
        A customer is *high* on an axis when strictly above the cut. By default each cut is the
        ``quantile`` of its column.
    quantile : float, default=0.5
        Quantile used for a cut left as None (0.5: the median), in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``data``, with ``quadrant`` (ordered categorical: develop < keep < grow <
        observe, the priority order of :data:`VALUE_QUADRANTS`) and ``quadrant_zh`` (the same as
        ordered categorical Chinese names 重点发展, 维护, 培育, 观察).

    Raises
    ------
    SchemaError
        If a column is missing, not numeric, NaN or inf, potential is negative, or the table is
        empty.
    ParameterError
        If ``quantile`` is outside (0, 1) or a cut is not a finite number.

    See Also
    --------
    value_matrix_summary : Counts and totals per quadrant.
    VALUE_QUADRANTS : Names and the action a bank takes in each quadrant.

    Notes
    -----
    The four quadrants and what a bank typically does in each:

    - **develop 重点发展** (high contribution, high potential): the best customers still hold
      much elsewhere; invest relationship-manager time and tailored offers;
    - **keep 维护** (high contribution, low potential): the bank already has most of the wallet;
      retain through service, do not over-sell;
    - **grow 培育** (low contribution, high potential): the customers contribution-based tiering
      misses; cultivate them with targeted campaigns and upgrades;
    - **observe 观察** (low, low): serve at low cost through digital channels and watch.

    The median cut is an assumption that makes the quadrants comparable in size; a bank with a
    capacity for, say, the top 20 % would use ``quantile=0.8``. Ties at the cut count as low, so
    a column with many zeros (potential) keeps its zeros in the low half.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> df = pd.DataFrame({"contribution": [900.0, 800.0, 10.0, 5.0],
    ...                    "potential": [5e5, 0.0, 8e5, 0.0]})
    >>> kq.value_matrix(df)["quadrant"].tolist()
    ['develop', 'keep', 'grow', 'observe']
    """
    owner = "value_matrix"
    data = require_frame(data, owner=owner)  # a pyarrow or polars table: pandas from here
    c, p, c_cut, p_cut = _value_inputs(
        data, contribution_col, potential_col, contribution_cut, potential_cut, quantile, owner
    )
    high_c = c > c_cut
    high_p = p > p_cut
    codes = np.where(high_c, np.where(high_p, 0, 1), np.where(high_p, 2, 3))
    quadrant = pd.Categorical.from_codes(codes, categories=_QUADRANT_ORDER, ordered=True)
    zh = pd.Categorical.from_codes(
        codes, categories=[_QUADRANT_ZH[q] for q in _QUADRANT_ORDER], ordered=True
    )
    return pd.DataFrame({"quadrant": quadrant, "quadrant_zh": zh}, index=data.index)


@renamed_keywords(contribution="contribution_col", potential="potential_col")
def value_matrix_summary(
    data: pd.DataFrame,
    *,
    contribution_col: str = "contribution",
    potential_col: str = "potential",
    contribution_cut: float | None = None,
    potential_cut: float | None = None,
    quantile: float = 0.5,
) -> pd.DataFrame:
    """Count customers, contribution and potential per value-matrix quadrant.

    Parameters
    ----------
    data, contribution_col, potential_col, contribution_cut, potential_cut, quantile
        As in :func:`value_matrix`.

    Returns
    -------
    pandas.DataFrame
        One row per quadrant (all four, in priority order, even when empty) with columns
        ``quadrant``, ``quadrant_zh``, ``n_customers``, ``share_customers``,
        ``total_contribution`` (CNY), ``share_contribution``, ``total_potential`` (CNY),
        ``share_potential``, ``contribution_cut`` and ``potential_cut`` (the cuts used, CNY), and
        ``action`` (what a bank does there). Shares are fractions of the column totals (NaN when
        a total is 0).

    Raises
    ------
    SchemaError, ParameterError
        As in :func:`value_matrix`.

    See Also
    --------
    value_matrix : The per-customer labels.

    Examples
    --------
    >>> import pandas as pd, kequn_lib as kq
    >>> df = pd.DataFrame({"contribution": [900.0, 800.0, 10.0, 5.0],
    ...                    "potential": [5e5, 0.0, 8e5, 0.0]})
    >>> kq.value_matrix_summary(df)[["quadrant", "n_customers", "total_potential"]]
      quadrant  n_customers  total_potential
    0  develop            1         500000.0
    1     keep            1              0.0
    2     grow            1         800000.0
    3  observe            1              0.0
    """
    owner = "value_matrix_summary"
    data = require_frame(data, owner=owner)  # a pyarrow or polars table: pandas from here
    c, p, c_cut, p_cut = _value_inputs(
        data, contribution_col, potential_col, contribution_cut, potential_cut, quantile, owner
    )
    labels = value_matrix(
        data, contribution_col=contribution_col, potential_col=potential_col,
        contribution_cut=c_cut, potential_cut=p_cut,
    )["quadrant"]
    frame = pd.DataFrame({"quadrant": labels.array, "c": c, "p": p})
    g = frame.groupby("quadrant", observed=False)
    out = pd.DataFrame(
        {
            "n_customers": g.size().astype("int64"),
            "total_contribution": g["c"].sum(),
            "total_potential": g["p"].sum(),
        }
    ).reindex(_QUADRANT_ORDER, fill_value=0)
    total_c, total_p = c.sum(), p.sum()
    out.insert(1, "share_customers", out["n_customers"] / len(frame))
    out.insert(3, "share_contribution", out["total_contribution"] / total_c if total_c else np.nan)
    out["share_potential"] = out["total_potential"] / total_p if total_p else np.nan
    out["contribution_cut"] = c_cut
    out["potential_cut"] = p_cut
    out = out.reset_index(names="quadrant")
    out["quadrant"] = pd.Categorical(out["quadrant"], categories=_QUADRANT_ORDER, ordered=True)
    out.insert(1, "quadrant_zh", out["quadrant"].map(_QUADRANT_ZH).astype(str))
    out["action"] = VALUE_QUADRANTS["action"].to_numpy()
    return out
