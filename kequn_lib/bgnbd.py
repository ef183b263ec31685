"""BG/NBD model of repeat purchasing: who is still active, and how much they will buy (潜力价值).

From transactions, :class:`BGNBD` fits the BG/NBD model of repeat purchasing to an RFM table and
predicts each customer's purchases in the coming periods and the probability that they are still
active (``p_alive``); :func:`simulate_bgnbd` draws RFM tables from that model. Potential value
from balances and profile (wallet estimation) and the value matrix are in
:mod:`kequn_lib.potential`.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator

from ._optim import hessian_from_gradient
from ._validation import (
    REMOVAL_RELEASE,
    check_number,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
    warn,
)
from .errors import NotFittedError, ParameterError, SchemaError

__all__ = [
    "BGNBD",
    "simulate_bgnbd",
]

log = logging.getLogger(__name__)




# =============================================================================================
# BG/NBD
# =============================================================================================

_PARAM_NAMES = ("r", "alpha", "a", "b")



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
    rfm_table = require_frame(rfm_table, owner=owner)
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
            f"[{fmt_values(rows)}] with {values}. Use the definitions of kq.rfm: frequency = "
            "number of repeat purchase periods, recency = time from first to last purchase, "
            "T = time from first purchase to the end of observation."
        )
        raise SchemaError(msg, column=column, rows=list(rows))

    xa, txa, Ta = x.to_numpy(), tx.to_numpy(), tT.to_numpy()
    bad = xa != np.round(xa)
    if bad.any():
        fail(bad, frequency, f"column {frequency!r} must hold whole numbers (a count)",
             f"values [{fmt_values(xa[bad].tolist())}]")
    bad = txa > Ta * (1 + 1e-12) + 1e-12
    if bad.any():
        pairs = [f"{u:g} > {v:g}" for u, v in zip(txa[bad], Ta[bad], strict=True)]
        fail(bad, recency, f"{recency!r} must not exceed {T!r}",
             f"{recency} > {T}: [{fmt_values(pairs)}]")
    bad = (xa > 0) & (txa <= 0)
    if bad.any():
        fail(bad, recency, f"customers with {frequency!r} > 0 must have {recency!r} > 0",
             f"{frequency} [{fmt_values(xa[bad].tolist())}]")
    bad = (xa == 0) & (txa > 0)
    if bad.any():
        fail(bad, recency, f"customers with {frequency!r} = 0 must have {recency!r} = 0",
             f"{recency} [{fmt_values(txa[bad].tolist())}]")
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
    frequency_col : str, default="frequency"
        Column of the RFM table with the number of repeat purchase periods (whole number >= 0).
    recency_col : str, default="recency"
        Column with the time from first to last purchase (0 when frequency is 0).
    T_col : str, default="T"
        Column with the time from first purchase to the end of observation (>= recency).

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
    columns_ : dict
        The RFM columns used in the fit (``frequency``, ``recency``, ``T`` to column names).
    n_features_in_ : int
        Number of RFM columns used (3).
    feature_names_in_ : numpy.ndarray
        Their names, in the order frequency, recency, T.

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
    ``recency`` and ``T`` are measured from the first purchase. The estimator follows the
    scikit-learn contract (``__init__`` stores the parameters, ``fit(X, y=None)``, learned
    attributes end in ``_``), so it can be cloned, pickled and used as the last step of a
    :class:`~sklearn.pipeline.Pipeline`; ``X`` must be a DataFrame with the named columns. A
    known property of the model: a customer with no repeat purchase has ``p_alive = 1``, since
    dropping out only happens right after a purchase.

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

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        *,
        frequency_col: str = "frequency",
        recency_col: str = "recency",
        T_col: str = "T",
    ):
        self.penalizer_coef = penalizer_coef
        self.frequency_col = frequency_col
        self.recency_col = recency_col
        self.T_col = T_col

    # -- fitting --------------------------------------------------------------------------------

    def fit(
        self,
        X: pd.DataFrame,
        y: None = None,
        *,
        frequency: str | None = None,
        recency: str | None = None,
        T: str | None = None,
    ) -> BGNBD:
        """Fit the model to an RFM table by maximum likelihood.

        Parameters
        ----------
        X : pandas.DataFrame
            RFM table, one row per customer (e.g. ``kq.rfm(transactions)``), with the columns
            named by ``frequency_col``, ``recency_col`` and ``T_col``.
        y : None
            Ignored; present for the scikit-learn API.
        frequency, recency, T : str, optional
            Deprecated: name the columns with ``BGNBD(frequency_col=..., recency_col=...,
            T_col=...)`` instead. Still accepted, with a ``FutureWarning``, until kequn 0.3.0.

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
        rfm_table = X
        cols = {"frequency": self.frequency_col, "recency": self.recency_col, "T": self.T_col}
        given = {k: v for k, v in {"frequency": frequency, "recency": recency, "T": T}.items()
                 if v is not None}
        if given:
            old = ", ".join(f"{k}=" for k in given)
            new = ", ".join(f"{k}_col={v!r}" for k, v in given.items())
            warn(
                f"{owner}: the keyword(s) {old} are deprecated and will be removed in kequn "
                f"{REMOVAL_RELEASE}; use BGNBD({new}).fit(X) instead.",
                FutureWarning,
            )
            cols.update(given)
        for key, name in cols.items():
            if not isinstance(name, str):
                attr = "T_col" if key == "T" else f"{key}_col"
                msg = f"{owner}: {attr} must be a column name (str), got {name!r}."
                raise ParameterError(msg)
        frequency, recency, T = cols["frequency"], cols["recency"], cols["T"]
        penalizer = check_number(self.penalizer_coef, name="penalizer_coef", owner=owner, low=0.0)
        x, tx, T_arr, index = _validate_rfm(rfm_table, frequency, recency, T, owner)
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
            warn(
                f"{owner}: the optimiser did not settle on an interior maximum "
                f"({res.message}; largest gradient {grad_norm:.2g}; parameters at a bound: "
                f"{[p for p, b in zip(_PARAM_NAMES, at_bound, strict=True) if b]}). The "
                f"estimates are the best point found; {advice}.",
                UserWarning,
            )
        theta = np.exp(logp)

        # Hessian of the total penalised negative log-likelihood, in log-parameters
        H = hessian_from_gradient(objective, logp, n)
        try:
            cov_log = np.linalg.inv(H)
            ok = bool(np.all(np.linalg.eigvalsh(H) > 0))
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            warn(
                f"{owner}: the Hessian at the estimate is not positive definite, so standard "
                "errors are not available (NaN). The data may not identify all four "
                f"parameters; {advice}.",
                UserWarning,
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
        self.n_features_in_ = 3
        self.feature_names_in_ = np.array([frequency, recency, T], dtype=object)
        self._train = (x, tx, T_arr, index.copy())
        log.debug("BGNBD fitted on %d customers: %s", n, dict(self.params_.round(4)))
        return self

    # -- prediction -----------------------------------------------------------------------------

    def _table(
        self, rfm_table: pd.DataFrame | None, owner: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
        if not hasattr(self, "params_"):
            msg = f"{owner}: this BGNBD is not fitted yet; call .fit(X) first."
            raise NotFittedError(msg)
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

    def unconditional_expected_purchases(self, t: Any) -> pd.Series:
        """Expected repeat purchases of a new customer in their first ``t`` periods, E[X(t)].

        The population curve of the model (no customer history): used to track cumulative
        repeat purchases of a cohort against the model (:func:`tracking`).

        Parameters
        ----------
        t : float or array-like
            Time(s) since the first purchase, in the time unit of the RFM table (>= 0).

        Returns
        -------
        pandas.Series
            ``expected_purchases`` indexed by ``t``.

        Raises
        ------
        KequnError
            If the model is not fitted or a ``t`` is negative or not finite.

        Notes
        -----
        ``E[X(t)] = (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]``
        (Fader, Hardie and Lee 2005, eq. 9).

        Examples
        --------
        >>> import kequn_lib as kq
        >>> rfm = kq.simulate_bgnbd(2000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=40.0, random_state=0)
        >>> curve = kq.BGNBD().fit(rfm).unconditional_expected_purchases([0, 10, 20])
        >>> bool(curve.is_monotonic_increasing)
        True
        """
        owner = "BGNBD.unconditional_expected_purchases"
        self._table(None, owner)  # raises NotFittedError before fit
        t_arr = np.atleast_1d(np.asarray(t, dtype="float64"))
        if not np.all(np.isfinite(t_arr) & (t_arr >= 0)):
            msg = f"{owner}: t must be finite and >= 0, got {fmt_values(t_arr[:5].tolist())}."
            raise ParameterError(msg)
        values = _unconditional_purchases(self.params_.to_numpy(), t_arr)
        return pd.Series(values, index=pd.Index(t_arr, name="t"), name="expected_purchases")


def _unconditional_purchases(theta: np.ndarray, t: np.ndarray) -> np.ndarray:
    """E[X(t)] of the BG/NBD model for parameters ``(r, alpha, a, b)``."""
    r, alpha, a, b = theta
    if abs(a - 1.0) < 1e-6:
        a = 1.0 + 1e-6 if a >= 1.0 else 1.0 - 1e-6
    z = t / (alpha + t)
    hyp = special.hyp2f1(r, b, a + b - 1.0, z)
    return (a + b - 1.0) / (a - 1.0) * (1.0 - np.exp(r * np.log(alpha / (alpha + t))) * hyp)


def _conditional_purchases(
    theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray, t: float
) -> np.ndarray:
    """Conditional expected purchases in the next ``t`` for parameters ``(r, alpha, a, b)``
    (the formula of :meth:`BGNBD.expected_purchases`, for any parameters)."""
    r, alpha, a, b = theta
    if abs(a - 1.0) < 1e-6:
        a = 1.0 + 1e-6 if a >= 1.0 else 1.0 - 1e-6
    if t == 0:
        return np.zeros_like(x, dtype="float64")
    z = t / (alpha + T + t)
    log_ratio = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    log_term = log_ratio + np.log(np.where(hyp > 0, hyp, 1.0))
    bracket = np.where(hyp > 0, -np.expm1(log_term), 1.0 - np.exp(log_ratio) * hyp)
    first = (a + b + x - 1.0) / (a - 1.0) * bracket
    return first * _p_alive_theta(theta, x, tx, T)


def _p_alive_theta(theta: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
    """P(alive) for parameters ``(r, alpha, a, b)``."""
    r, alpha, a, b = theta
    pos = x > 0
    log_odds = np.where(
        pos,
        np.log(a) - np.log(np.where(pos, b + x - 1.0, 1.0))
        + (r + x) * (np.log(alpha + T) - np.log(alpha + tx)),
        -np.inf,
    )
    return np.exp(-np.logaddexp(0.0, log_odds))


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
    from ._validation import check_int

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
        msg = f"{owner}: T must be finite and > 0, got {fmt_values(T_arr[:5].tolist())}."
        raise ParameterError(msg)
    rng = check_random_state(random_state, owner=owner)

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
