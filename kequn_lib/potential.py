"""Potential value (潜力价值): what a customer could bring, beyond what they bring today.

Contribution tiering ranks customers by what they already hold and earn for the bank. This module
estimates what they *could* hold, from two kinds of evidence:

* balances and profile: :func:`estimate_wallet` estimates each customer's total financial assets
  across all banks (the *wallet*, 钱包) by high-quantile regression, hence the untapped
  ``potential`` and the bank's ``share_of_wallet`` (钱包份额);
* transactions: :class:`BGNBD` fits the BG/NBD model of repeat purchasing to an RFM table and
  predicts each customer's purchases in the coming periods and the probability that they are
  still active (``p_alive``); :func:`simulate_bgnbd` draws RFM tables from that model.

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
from scipy import optimize, special
from sklearn.base import BaseEstimator

from .errors import KequnError, ParameterError, SchemaError, _fmt_values, check_number
from .schema import require_columns, require_frame, require_numeric

__all__ = [
    "BGNBD",
    "VALUE_QUADRANTS",
    "estimate_wallet",
    "simulate_bgnbd",
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


def _random_generator(random_state: Any, owner: str) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    msg = f"{owner}: random_state must be an int, a numpy Generator or None, got {random_state!r}."
    raise ParameterError(msg)


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
        msg = f"{owner}: feature names must be strings, got {_fmt_values(bad_type)}."
        raise ParameterError(msg)
    dup = sorted({f for f in features if features.count(f) > 1})
    if dup:
        msg = f"{owner}: features repeat: {_fmt_values(dup)}. List each column once."
        raise ParameterError(msg)
    truth = [f for f in features if f.startswith("true_")]
    if truth:
        msg = (
            f"{owner}: features {_fmt_values(truth)} are synthetic ground truth (true_*), which "
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
                        f"first at index [{_fmt_values(rows)}]. Pass na_category='missing' to "
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


def estimate_wallet(
    data: pd.DataFrame,
    *,
    features: list[str],
    target: str = "aum",
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
    target : str, default="aum"
        What the customer holds with the bank today (CNY, >= 0).
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

        - ``wallet_estimate`` : float, CNY, the estimated wallet, never below ``target``;
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
    require_frame(data, owner=owner)
    if not isinstance(target, str):
        msg = f"{owner}: target must be a column name, got {target!r}."
        raise ParameterError(msg)
    if target.startswith("true_"):
        msg = f"{owner}: target {target!r} is ground truth (true_*); methods never read it."
        raise ParameterError(msg)
    features = _check_feature_list(features, target, owner)
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
            msg = f"{owner}: log_features {_fmt_values(stray)} are not among features {features}."
            raise ParameterError(msg)
    require_columns(data, [*features, target], owner=owner)
    y_money = require_numeric(data, target, owner=owner, nonnegative=True)
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
            warnings.warn(
                f"{owner}: the quantile regression stopped at max_iter={max_iter} before "
                "converging; the estimate is approximate. Raise max_iter or use fewer features.",
                UserWarning,
                stacklevel=2,
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
    }
)
"""The four quadrants of :func:`value_matrix`, in priority order, with what a bank does in each."""

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
    require_frame(data, owner=owner)
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


def value_matrix(
    data: pd.DataFrame,
    *,
    contribution: str = "contribution",
    potential: str = "potential",
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
    contribution : str, default="contribution"
        Column with the customer's contribution (贡献度).
    potential : str, default="potential"
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
    c, p, c_cut, p_cut = _value_inputs(
        data, contribution, potential, contribution_cut, potential_cut, quantile, owner
    )
    high_c = c > c_cut
    high_p = p > p_cut
    codes = np.where(high_c, np.where(high_p, 0, 1), np.where(high_p, 2, 3))
    quadrant = pd.Categorical.from_codes(codes, categories=_QUADRANT_ORDER, ordered=True)
    zh = pd.Categorical.from_codes(
        codes, categories=[_QUADRANT_ZH[q] for q in _QUADRANT_ORDER], ordered=True
    )
    return pd.DataFrame({"quadrant": quadrant, "quadrant_zh": zh}, index=data.index)


def value_matrix_summary(
    data: pd.DataFrame,
    *,
    contribution: str = "contribution",
    potential: str = "potential",
    contribution_cut: float | None = None,
    potential_cut: float | None = None,
    quantile: float = 0.5,
) -> pd.DataFrame:
    """Count customers, contribution and potential per value-matrix quadrant.

    Parameters
    ----------
    data, contribution, potential, contribution_cut, potential_cut, quantile
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
    c, p, c_cut, p_cut = _value_inputs(
        data, contribution, potential, contribution_cut, potential_cut, quantile, owner
    )
    labels = value_matrix(
        data, contribution=contribution, potential=potential,
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


# =============================================================================================
# BG/NBD
# =============================================================================================

_PARAM_NAMES = ("r", "alpha", "a", "b")


class _NotFittedError(KequnError, AttributeError):
    pass


def _bgnbd_loglik(
    theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer BG/NBD log-likelihood and its gradient in (r, alpha, a, b).

    Returns ``ll`` of shape (n,) and ``grad`` of shape (n, 4).
    """
    r, alpha, a, b = theta
    pos = x > 0
    bx1 = np.where(pos, b + x - 1.0, 1.0)
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    A1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    A2 = special.betaln(a, b + x) - special.betaln(a, b)
    A3 = -(r + x) * log_aT
    A4 = np.where(pos, np.log(a) - np.log(bx1) - (r + x) * log_atx, -np.inf)
    M = np.logaddexp(A3, A4)
    ll = A1 + A2 + M
    w4 = np.exp(A4 - M)  # weight of the "dropped out after the last purchase" branch
    w3 = 1.0 - w4
    dg_ab = special.digamma(a + b)
    dg_abx = special.digamma(a + b + x)
    grad = np.empty((x.shape[0], 4))
    grad[:, 0] = (special.digamma(r + x) - special.digamma(r) + np.log(alpha)
                  - w3 * log_aT - w4 * log_atx)
    grad[:, 1] = r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + tx))
    grad[:, 2] = dg_ab - dg_abx + w4 / a
    grad[:, 3] = (dg_ab + special.digamma(b + x) - special.digamma(b) - dg_abx
                  - np.where(pos, w4 / bx1, 0.0))
    return ll, grad


def _validate_rfm(
    rfm_table: Any, frequency: str, recency: str, T: str, owner: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    require_frame(rfm_table, owner=owner)
    require_columns(rfm_table, [frequency, recency, T], owner=owner)
    if len(rfm_table) == 0:
        msg = f"{owner}: the RFM table is empty; pass one row per customer (kq.rfm)."
        raise SchemaError(msg)
    x = require_numeric(rfm_table, frequency, owner=owner, nonnegative=True)
    tx = require_numeric(rfm_table, recency, owner=owner, nonnegative=True)
    tT = require_numeric(rfm_table, T, owner=owner, nonnegative=True)
    idx = rfm_table.index

    def fail(mask: np.ndarray, column: str, rule: str, values: Any) -> None:
        rows = idx[mask]
        msg = (
            f"{owner}: {rule}; {int(mask.sum())} row(s) fail, first at index "
            f"[{_fmt_values(rows)}] with {values}. Use the definitions of kq.rfm: frequency = "
            "number of repeat purchase periods, recency = time from first to last purchase, "
            "T = time from first purchase to the end of observation."
        )
        raise SchemaError(msg, column=column, rows=list(rows))

    xa, txa, Ta = x.to_numpy(), tx.to_numpy(), tT.to_numpy()
    bad = xa != np.round(xa)
    if bad.any():
        fail(bad, frequency, f"column {frequency!r} must hold whole numbers (a count)",
             f"values [{_fmt_values(xa[bad].tolist())}]")
    bad = txa > Ta * (1 + 1e-12) + 1e-12
    if bad.any():
        pairs = [f"{u:g} > {v:g}" for u, v in zip(txa[bad], Ta[bad], strict=True)]
        fail(bad, recency, f"{recency!r} must not exceed {T!r}",
             f"{recency} > {T}: [{_fmt_values(pairs)}]")
    bad = (xa > 0) & (txa <= 0)
    if bad.any():
        fail(bad, recency, f"customers with {frequency!r} > 0 must have {recency!r} > 0",
             f"{frequency} [{_fmt_values(xa[bad].tolist())}]")
    bad = (xa == 0) & (txa > 0)
    if bad.any():
        fail(bad, recency, f"customers with {frequency!r} = 0 must have {recency!r} = 0",
             f"{recency} [{_fmt_values(txa[bad].tolist())}]")
    return xa, np.minimum(txa, Ta), Ta, idx


def _safe_exp(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.exp(x)


class BGNBD(BaseEstimator):
    """BG/NBD model of repeat purchasing ("buy till you die"), fitted by maximum likelihood.

    While active, a customer buys at a Poisson rate ``lambda``; after each repeat purchase they
    drop out for good with probability ``p``. Across customers ``lambda ~ Gamma(r, alpha)`` (shape
    ``r``, rate ``alpha``) and ``p ~ Beta(a, b)``.

    Parameters
    ----------
    penalizer_coef : float, default=0.0
        L2 penalty on the four parameters, added to the mean negative log-likelihood
        (``penalizer_coef * sum(params**2)``); 0 gives the plain maximum-likelihood estimate.
        A small value (0.001–0.1) stabilises fits on small or degenerate tables.

    Attributes
    ----------
    params_ : pandas.Series
        Estimates of ``r``, ``alpha``, ``a``, ``b`` (``alpha`` is in the time unit of the RFM
        table).
    standard_errors_ : pandas.Series
        Asymptotic standard errors from the inverse Hessian of the (penalised) negative
        log-likelihood; NaN when the Hessian is not positive definite.
    covariance_ : pandas.DataFrame
        The 4 × 4 asymptotic covariance matrix of ``params_``.
    summary_ : pandas.DataFrame
        One row per parameter: ``estimate``, ``std_err``, ``lower_95``, ``upper_95`` (Wald
        interval on the log scale, so it stays positive).
    log_likelihood_ : float
        Maximised total log-likelihood (without the penalty).
    n_customers_ : int
        Number of customers used in the fit.
    converged_ : bool
        Whether the optimiser reported success or reached a near-zero gradient.

    See Also
    --------
    simulate_bgnbd : Draw an RFM table from the BG/NBD process.

    Notes
    -----
    Model and likelihood: Fader, Hardie and Lee (2005), "'Counting your customers' the easy way:
    an alternative to the Pareto/NBD model", Marketing Science 24(2). For a customer with
    ``x`` repeat purchases, the last at ``t_x``, observed for ``T`` since the first purchase,

    ``L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
    + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))``.

    It is maximised over the log-parameters with L-BFGS-B using the analytic gradient; logs of
    gamma and beta functions and a log-sum-exp keep it stable for large counts. Identical
    ``(x, t_x, T)`` rows are pooled with weights. Standard errors use a central finite-difference
    Hessian of the analytic gradient, transformed to the natural scale by the delta method.

    Inputs follow kq.rfm (lifetimes' definitions): ``frequency`` counts repeat purchase periods,
    ``recency`` and ``T`` are measured from the first purchase. A known property of the model:
    a customer with no repeat purchase has ``p_alive = 1``, since dropping out only happens right
    after a purchase.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> rfm = kq.simulate_bgnbd(2000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0, random_state=0)
    >>> model = kq.BGNBD().fit(rfm)
    >>> model.params_.index.tolist()
    ['r', 'alpha', 'a', 'b']
    >>> bool(abs(model.params_["r"] - 0.5) < 3 * model.standard_errors_["r"])
    True
    >>> model.p_alive().between(0, 1).all()
    np.True_
    """

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    # -- fitting --------------------------------------------------------------------------------

    def fit(
        self,
        rfm_table: pd.DataFrame,
        *,
        frequency: str = "frequency",
        recency: str = "recency",
        T: str = "T",
    ) -> BGNBD:
        """Fit the model to an RFM table by maximum likelihood.

        Parameters
        ----------
        rfm_table : pandas.DataFrame
            One row per customer (e.g. ``kq.rfm(transactions)``).
        frequency : str, default="frequency"
            Column with the number of repeat purchase periods (whole number >= 0).
        recency : str, default="recency"
            Column with the time from first to last purchase (0 when frequency is 0).
        T : str, default="T"
            Column with the time from first purchase to the end of observation (>= recency).

        Returns
        -------
        BGNBD
            The fitted estimator (``self``).

        Raises
        ------
        SchemaError
            If a column is missing, not numeric, negative, NaN or inf; frequency is not a whole
            number; recency exceeds T; frequency > 0 with recency 0 (or the reverse); the table
            is empty.
        ParameterError
            If ``penalizer_coef`` is negative, there are fewer than 10 customers, or nobody
            has a repeat purchase (the model is then not identified).
        """
        owner = "BGNBD.fit"
        penalizer = check_number(self.penalizer_coef, name="penalizer_coef", owner=owner, low=0.0)
        x, tx, T_arr, _ = _validate_rfm(rfm_table, frequency, recency, T, owner)
        n = x.shape[0]
        if n < 10:
            msg = f"{owner}: {n} customer(s) is too few to fit 4 parameters; pass at least 10."
            raise ParameterError(msg)
        if not (x > 0).any():
            msg = (
                f"{owner}: no customer has a repeat purchase ({frequency!r} is 0 for all {n}), "
                "so the purchase rate and dropout are not identified. Use a longer observation "
                "window or a finer period (freq) in kq.rfm."
            )
            raise ParameterError(msg)

        # pool identical rows
        stacked = np.column_stack([x, tx, T_arr])
        uniq, counts = np.unique(stacked, axis=0, return_counts=True)
        ux, utx, uT = uniq[:, 0], uniq[:, 1], uniq[:, 2]
        wts = counts.astype("float64")

        def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(logp)
            ll, grad = _bgnbd_loglik(theta, ux, utx, uT)
            f = -(wts @ ll) / n + penalizer * np.sum(theta**2)
            g = (-(wts @ grad) / n + 2 * penalizer * theta) * theta
            if not np.isfinite(f):
                return np.inf, np.zeros(4)
            return float(f), g

        # start: unit shape parameters, alpha from the average purchase rate
        rate = x.sum() / max(T_arr.sum(), 1e-12)
        x0 = np.log([1.0, 1.0 / max(rate, 1e-12), 1.0, 1.0])
        res = optimize.minimize(
            objective, x0, jac=True, method="L-BFGS-B",
            bounds=[(-30.0, 30.0)] * 4,
            options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
        )
        logp = res.x
        grad_norm = float(np.max(np.abs(objective(logp)[1])))
        self.converged_ = bool(res.success or grad_norm < 1e-6)
        at_bound = np.abs(logp) > 29.0
        advice = (
            f"try a larger penalizer_coef (e.g. {max(0.01, 10 * self.penalizer_coef):g})"
        )
        if not self.converged_ or at_bound.any():
            warnings.warn(
                f"{owner}: the optimiser did not settle on an interior maximum "
                f"({res.message}; largest gradient {grad_norm:.2g}; parameters at a bound: "
                f"{[p for p, b in zip(_PARAM_NAMES, at_bound, strict=True) if b]}). The "
                f"estimates are the best point found; {advice}.",
                UserWarning,
                stacklevel=2,
            )
        theta = np.exp(logp)

        # Hessian of the total penalised negative log-likelihood, in log-parameters
        H = np.empty((4, 4))
        for j in range(4):
            h = 1e-5 * max(1.0, abs(logp[j]))
            e = np.zeros(4)
            e[j] = h
            H[:, j] = (objective(logp + e)[1] - objective(logp - e)[1]) * n / (2 * h)
        H = (H + H.T) / 2
        try:
            cov_log = np.linalg.inv(H)
            ok = bool(np.all(np.linalg.eigvalsh(H) > 0))
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            warnings.warn(
                f"{owner}: the Hessian at the estimate is not positive definite, so standard "
                "errors are not available (NaN). The data may not identify all four "
                f"parameters; {advice}.",
                UserWarning,
                stacklevel=2,
            )
            cov_log = np.full((4, 4), np.nan)
        cov = cov_log * np.outer(theta, theta)
        se_log = np.sqrt(np.diag(cov_log))

        names = list(_PARAM_NAMES)
        self.params_ = pd.Series(theta, index=names, name="estimate")
        self.covariance_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="std_err")
        self.summary_ = pd.DataFrame(
            {
                "estimate": theta,
                "std_err": self.standard_errors_.to_numpy(),
                # a parameter at a bound can have a huge interval: inf, not an overflow warning
                "lower_95": _safe_exp(logp - 1.959964 * se_log),
                "upper_95": _safe_exp(logp + 1.959964 * se_log),
            },
            index=pd.Index(names, name="parameter"),
        )
        ll, _ = _bgnbd_loglik(theta, ux, utx, uT)
        self.log_likelihood_ = float(wts @ ll)
        self.n_customers_ = n
        self.columns_ = {"frequency": frequency, "recency": recency, "T": T}
        self._train = (x, tx, T_arr, rfm_table.index.copy())
        log.debug("BGNBD fitted on %d customers: %s", n, dict(self.params_.round(4)))
        return self

    # -- prediction -----------------------------------------------------------------------------

    def _table(
        self, rfm_table: pd.DataFrame | None, owner: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
        if not hasattr(self, "params_"):
            msg = f"{owner}: this BGNBD is not fitted yet; call .fit(rfm_table) first."
            raise _NotFittedError(msg)
        if rfm_table is None:
            return self._train
        return _validate_rfm(rfm_table, self.columns_["frequency"], self.columns_["recency"],
                             self.columns_["T"], owner)

    def p_alive(self, rfm_table: pd.DataFrame | None = None) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        Parameters
        ----------
        rfm_table : pandas.DataFrame, optional
            Customers to score, with the columns named in :meth:`fit`; the training table by
            default.

        Returns
        -------
        pandas.Series
            ``p_alive`` in (0, 1], indexed like the RFM table. It is 1 for customers with no
            repeat purchase, falls as the time since the last purchase (``T - recency``)
            grows, and, for a fixed gap, is lower for frequent buyers (their silence is more
            telling).

        Raises
        ------
        KequnError
            If the model is not fitted, or the table breaks the rules checked by :meth:`fit`.

        Notes
        -----
        ``P(alive | x, t_x, T) = 1 / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``
        (Fader, Hardie and Lee 2005, eq. 11), evaluated in logs.
        """
        x, tx, T_arr, idx = self._table(rfm_table, "BGNBD.p_alive")
        r, alpha, a, b = self.params_.to_numpy()
        pos = x > 0
        log_odds = np.where(
            pos,
            np.log(a) - np.log(np.where(pos, b + x - 1.0, 1.0))
            + (r + x) * (np.log(alpha + T_arr) - np.log(alpha + tx)),
            -np.inf,
        )
        return pd.Series(np.exp(-np.logaddexp(0.0, log_odds)), index=idx, name="p_alive")

    def expected_purchases(
        self, t: float = 1.0, rfm_table: pd.DataFrame | None = None
    ) -> pd.Series:
        """Expected number of purchases of each customer in the next ``t`` periods.

        Parameters
        ----------
        t : float, default=1.0
            Length of the future window, in the time unit of the RFM table (>= 0).
        rfm_table : pandas.DataFrame, optional
            Customers to score, with the columns named in :meth:`fit`; the training table by
            default.

        Returns
        -------
        pandas.Series
            ``expected_purchases`` (>= 0), indexed like the RFM table.

        Raises
        ------
        KequnError
            If the model is not fitted, ``t`` is negative, or the table breaks the rules
            checked by :meth:`fit`.

        Notes
        -----
        Conditional expectation given ``(x, t_x, T)`` (Fader, Hardie and Lee 2005, eq. 10):

        ``E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1;
        t/(α+T+t))] / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``.

        The formula divides by ``a − 1``; if the fitted ``a`` is within 1e-6 of 1 it is
        nudged by that amount (the expectation is continuous in ``a``).
        """
        owner = "BGNBD.expected_purchases"
        x, tx, T_arr, idx = self._table(rfm_table, owner)
        t = check_number(t, name="t", owner=owner, low=0.0)
        r, alpha, a, b = self.params_.to_numpy()
        if abs(a - 1.0) < 1e-6:
            a = 1.0 + 1e-6 if a >= 1.0 else 1.0 - 1e-6
        if t == 0:
            return pd.Series(0.0, index=idx, name="expected_purchases")
        z = t / (alpha + T_arr + t)
        log_ratio = (r + x) * (np.log(alpha + T_arr) - np.log(alpha + T_arr + t))
        hyp = special.hyp2f1(r + x, b + x, a + b + x - 1.0, z)
        # 1 - ratio * hyp, via expm1 when hyp > 0 (accurate for small t)
        log_term = log_ratio + np.log(np.where(hyp > 0, hyp, 1.0))
        bracket = np.where(hyp > 0, -np.expm1(log_term), 1.0 - np.exp(log_ratio) * hyp)
        first = (a + b + x - 1.0) / (a - 1.0) * bracket
        pos = x > 0
        log_odds = np.where(
            pos,
            np.log(a) - np.log(np.where(pos, b + x - 1.0, 1.0))
            + (r + x) * (np.log(alpha + T_arr) - np.log(alpha + tx)),
            -np.inf,
        )
        out = first * np.exp(-np.logaddexp(0.0, log_odds))
        return pd.Series(out, index=idx, name="expected_purchases")


# =============================================================================================
# Simulation
# =============================================================================================


def simulate_bgnbd(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray = 52.0,
    holdout: float = 0.0,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Draw an RFM table from the BG/NBD process with known parameters.

    Parameters
    ----------
    n_customers : int
        Number of customers (>= 1).
    r, alpha : float
        Shape and rate of the Gamma distribution of purchase rates (> 0); the mean rate is
        ``r / alpha`` purchases per period.
    a, b : float
        Parameters of the Beta distribution of dropout probabilities (> 0); the mean
        probability of dropping out after a purchase is ``a / (a + b)``.
    T : float or array-like, default=52.0
        Observation length since each customer's first purchase, in periods (> 0): one value
        for everyone or one per customer (staggered acquisition).
    holdout : float, default=0.0
        If > 0, also simulate the next ``holdout`` periods and report the purchases made there
        (to check :meth:`BGNBD.expected_purchases` against what happened).
    random_state : int, numpy Generator or None, default=0
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (0 … n−1), with ``frequency`` (int64, repeat purchases),
        ``recency`` and ``T`` (float, periods), and the ground truth ``true_lambda``,
        ``true_p``, ``true_alive`` (bool, still active at ``T``) and, when ``holdout > 0``,
        ``true_holdout_purchases`` (int64).

    Raises
    ------
    ParameterError
        If a parameter is not a positive finite number, ``T`` has the wrong length or
        non-positive values, or ``holdout`` is negative.

    See Also
    --------
    BGNBD : Fit the model to such a table.

    Notes
    -----
    Each customer's rate ``lambda ~ Gamma(r, alpha)`` and dropout probability ``p ~ Beta(a, b)``
    are drawn; the number of purchases the customer would make in ``(0, T]`` if they never left
    is ``N ~ Poisson(lambda T)``, and the index of the purchase after which they leave is
    ``K ~ Geometric(p)``. So ``frequency = min(N, K)``; given ``N``, purchase times are uniform
    order statistics, so ``recency = T · Beta(x, N − x + 1)``. A customer is alive at ``T`` when
    ``N < K``; by memorylessness their holdout purchases are
    ``min(Poisson(lambda · holdout), K − N)``. Everything is vectorised.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> rfm = kq.simulate_bgnbd(5, r=0.5, alpha=5.0, a=0.8, b=2.5, random_state=0)
    >>> list(rfm.columns)
    ['frequency', 'recency', 'T', 'true_lambda', 'true_p', 'true_alive']
    >>> bool((rfm["recency"] <= rfm["T"]).all())
    True
    """
    owner = "simulate_bgnbd"
    from .errors import check_int

    n = check_int(n_customers, name="n_customers", owner=owner, low=1)
    params = {}
    for name, value in {"r": r, "alpha": alpha, "a": a, "b": b}.items():
        params[name] = check_number(value, name=name, owner=owner, low=0.0, low_inclusive=False)
    holdout = check_number(holdout, name="holdout", owner=owner, low=0.0)
    T_arr = np.asarray(T, dtype="float64") if not isinstance(T, str) else np.array([np.nan])
    if T_arr.ndim == 0:
        T_arr = np.full(n, float(T_arr))
    if T_arr.shape != (n,):
        msg = (
            f"{owner}: T must be one number or one value per customer ({n}), got shape "
            f"{T_arr.shape}."
        )
        raise ParameterError(msg)
    if not np.all(np.isfinite(T_arr) & (T_arr > 0)):
        msg = f"{owner}: T must be finite and > 0, got {_fmt_values(T_arr[:5].tolist())}."
        raise ParameterError(msg)
    rng = _random_generator(random_state, owner)

    lam = rng.gamma(params["r"], 1.0 / params["alpha"], size=n)
    p = np.clip(rng.beta(params["a"], params["b"], size=n), 1e-12, 1.0)
    K = rng.geometric(p)
    N = rng.poisson(lam * T_arr)
    x = np.minimum(N, K)
    pos = x > 0
    order_stat = rng.beta(np.where(pos, x, 1), np.where(pos, N - x + 1, 1))
    recency = np.where(pos, T_arr * order_stat, 0.0)
    alive = N < K
    out = pd.DataFrame(
        {
            "frequency": x.astype("int64"),
            "recency": recency,
            "T": T_arr,
            "true_lambda": lam,
            "true_p": p,
            "true_alive": alive,
        },
        index=pd.RangeIndex(n, name="customer_id"),
    )
    if holdout > 0:
        future = np.minimum(rng.poisson(lam * holdout), np.where(alive, K - N, 0))
        out["true_holdout_purchases"] = future.astype("int64")
    return out
