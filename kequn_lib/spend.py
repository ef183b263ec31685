"""Gamma-Gamma model of spend per transaction: how much a customer spends when they buy.

:class:`GammaGamma` (Fader, Hardie and Lee 2005, "RFM and CLV: using iso-value curves for
customer base analysis") is fitted on the repeat buyers of an RFM table and predicts each
customer's expected spend per transaction, shrinking their own average towards the population's
by how many purchases it rests on. :func:`simulate_gamma_gamma` draws spend from the model with
known parameters. Together with :class:`~kequn_lib.BGNBD` (how many purchases) it gives
customer lifetime value in :mod:`kequn_lib.clv`.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special
from sklearn.base import BaseEstimator

from ._optim import hessian_from_gradient
from ._validation import (
    check_int,
    check_number,
    check_random_state,
    fmt_values,
    require_columns,
    require_frame,
    require_numeric,
)
from .errors import NotFittedError, ParameterError, SchemaError

__all__ = ["GammaGamma", "simulate_gamma_gamma"]

log = logging.getLogger(__name__)

_PARAM_NAMES = ("p", "q", "v")
_Z95 = 1.959964


def _gg_loglik(
    theta: np.ndarray, x: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood of the mean spend ``m`` over ``x`` transactions and its
    gradient in (p, q, v); shapes (n,) and (n, 3)."""
    p, q, v = theta
    px = p * x
    log_vxm = np.log(v + x * m)
    ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
          + (px - 1.0) * np.log(m) + px * np.log(x) - (px + q) * log_vxm)
    dg = special.digamma(px + q)
    grad = np.empty((x.shape[0], 3))
    grad[:, 0] = x * (dg - special.digamma(px) + np.log(m) + np.log(x) - log_vxm)
    grad[:, 1] = dg - special.digamma(q) + np.log(v) - log_vxm
    grad[:, 2] = q / v - (px + q) / (v + x * m)
    return ll, grad


def _spend_columns(
    X: Any, frequency: str, monetary: str, *, owner: str, fitting: bool
) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    X = require_frame(X, owner=owner)
    require_columns(X, [frequency, monetary], owner=owner)
    if len(X) == 0:
        raise SchemaError(f"{owner}: the RFM table is empty; pass one row per customer.")
    x = require_numeric(X, frequency, owner=owner, nonnegative=True).to_numpy(dtype="float64")
    m = require_numeric(X, monetary, owner=owner).to_numpy(dtype="float64")
    idx = X.index

    def fail(mask: np.ndarray, column: str, rule: str, fix: str) -> None:
        rows = idx[mask]
        msg = (
            f"{owner}: {rule}; {int(mask.sum())} of {len(idx)} row(s) fail, first at index "
            f"[{fmt_values(rows)}] with {column} [{fmt_values(X[column].to_numpy()[mask])}]. "
            f"{fix}"
        )
        raise SchemaError(msg, column=column, rows=list(rows))

    bad = x != np.round(x)
    if bad.any():
        fail(bad, frequency, f"column {frequency!r} must hold whole numbers (a count)",
             "Use the frequency of kq.rfm (number of repeat purchase periods).")
    if fitting:
        bad = x < 1
        if bad.any():
            fail(bad, frequency,
                 f"the Gamma-Gamma model is fitted on repeat buyers only ({frequency!r} >= 1)",
                 f"Fit on rfm[rfm[{frequency!r}] > 0]; customers without a repeat purchase "
                 "have no spend history the model can use (it predicts the population mean "
                 "for them).")
    bad = (x >= 1) & (m <= 0)
    if bad.any():
        fail(bad, monetary,
             f"spend per transaction ({monetary!r}) must be > 0 for repeat buyers",
             "The model describes positive amounts: drop refunds and zero-value periods "
             "before kq.rfm, or leave these customers out.")
    return x, m, idx


class GammaGamma(BaseEstimator):
    """Gamma-Gamma model of average spend per transaction, fitted by maximum likelihood.

    Each transaction of a customer is worth ``z ~ Gamma(p, nu)`` (shape ``p``, rate ``nu``);
    across customers ``nu ~ Gamma(q, v)`` (shape ``q``, rate ``v``). A customer's average over
    ``x`` transactions is then all the data carry about their spend, and the expected spend of
    their next transaction is a weighted mean of their own average and the population mean
    ``p v / (q - 1)``.

    Parameters
    ----------
    penalizer_coef : float, default=0.0
        L2 penalty on the three parameters added to the mean negative log-likelihood
        (``penalizer_coef * sum(params**2)``); 0 gives the maximum-likelihood estimate.
    frequency_col : str, default="frequency"
        Column with the number of repeat purchase periods (whole number; >= 1 to fit).
    monetary_col : str, default="monetary_value"
        Column with the mean spend of those periods (> 0), as :func:`~kequn_lib.rfm` gives.

    Attributes
    ----------
    params_ : pandas.Series
        Estimates of ``p``, ``q``, ``v`` (``v`` is in the currency of the table).
    standard_errors_ : pandas.Series
        Asymptotic standard errors from the inverse Hessian of the negative log-likelihood
        (delta method from the log scale); NaN when the Hessian is not positive definite.
    covariance_ : pandas.DataFrame
        The 3 × 3 asymptotic covariance of ``params_``.
    summary_ : pandas.DataFrame
        ``estimate``, ``std_err``, ``lower_95``, ``upper_95`` per parameter (Wald interval on
        the log scale).
    frequency_spend_correlation_ : float
        Pearson correlation of frequency and mean spend among the customers fitted on. The
        model assumes spend is independent of how often a customer buys; a correlation far
        from 0 (beyond about ±0.3) says the assumption, and so a CLV built on it, is doubtful.
    population_mean_spend_ : float
        ``p v / (q − 1)``, the mean spend per transaction across customers (inf when q <= 1).
    log_likelihood_ : float
        Maximised log-likelihood (without the penalty).
    n_customers_ : int
        Number of customers fitted on.
    converged_ : bool
        Whether the optimiser reported success or reached a near-zero gradient.

    See Also
    --------
    BGNBD : how many transactions; together they give :func:`clv`.
    simulate_gamma_gamma : draw spend from the model.

    Notes
    -----
    Fader, Hardie and Lee (2005), Journal of Marketing Research 42(4), 415–430, and Fader and
    Hardie (2013), "The Gamma-Gamma model of monetary value". With ``m`` the mean of ``x``
    transactions, the likelihood of a customer is

    ``f(m | x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q m^(px−1) x^(px) / (v + x m)^(px+q)``,

    maximised over log-parameters with L-BFGS-B and the analytic gradient. The conditional
    expectation is ``E[Z | x, m] = p (v + x m) / (p x + q − 1)``. Customers without a repeat
    purchase get the population mean. The model needs ``q > 1`` for a finite mean.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> rfm = kq.simulate_gamma_gamma(3000, p=6.0, q=4.0, v=15.0, random_state=0)
    >>> model = kq.GammaGamma().fit(rfm)
    >>> model.params_.index.tolist()
    ['p', 'q', 'v']
    >>> bool(abs(model.params_["p"] - 6.0) < 3 * model.standard_errors_["p"])
    True
    >>> bool((model.conditional_expected_spend(rfm) > 0).all())
    True
    """

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        *,
        frequency_col: str = "frequency",
        monetary_col: str = "monetary_value",
    ):
        self.penalizer_coef = penalizer_coef
        self.frequency_col = frequency_col
        self.monetary_col = monetary_col

    def fit(self, X: pd.DataFrame, y: None = None) -> GammaGamma:
        """Fit the model on repeat buyers.

        Parameters
        ----------
        X : pandas.DataFrame
            RFM table of repeat buyers (``frequency_col`` >= 1, ``monetary_col`` > 0), e.g.
            ``rfm[rfm["frequency"] > 0]``.
        y : None
            Ignored (scikit-learn convention).

        Returns
        -------
        GammaGamma
            The fitted estimator.

        Raises
        ------
        SchemaError
            A column is missing or not numeric; a row has frequency 0 or a non-whole
            frequency, or spend <= 0 (the message names the first rows and says how to fix).
        ParameterError
            A negative ``penalizer_coef``, or fewer than 10 customers.
        """
        owner = "GammaGamma.fit"
        penalizer = check_number(self.penalizer_coef, name="penalizer_coef", owner=owner, low=0.0)
        x, m, _ = _spend_columns(X, self.frequency_col, self.monetary_col, owner=owner,
                                 fitting=True)
        n = x.shape[0]
        if n < 10:
            msg = f"{owner}: {n} customer(s) is too few to fit 3 parameters; pass at least 10."
            raise ParameterError(msg)

        def objective(logp: np.ndarray) -> tuple[float, np.ndarray]:
            theta = np.exp(logp)
            ll, grad = _gg_loglik(theta, x, m)
            f = -ll.sum() / n + penalizer * np.sum(theta**2)
            if not np.isfinite(f):
                return np.inf, np.zeros(3)
            g = (-grad.sum(axis=0) / n + 2 * penalizer * theta) * theta
            return float(f), g

        # start: method of moments on the customers' means (p from their spread, q = 3)
        mean_m = float(m.mean())
        x0 = np.log([1.0, 3.0, 2.0 * mean_m])
        res = optimize.minimize(
            objective, x0, jac=True, method="L-BFGS-B", bounds=[(-20.0, 20.0)] * 3,
            options={"maxiter": 3000, "ftol": 1e-15, "gtol": 1e-10},
        )
        logp = res.x
        grad_norm = float(np.max(np.abs(objective(logp)[1])))
        self.converged_ = bool(res.success or grad_norm < 1e-6)
        if not self.converged_ or (np.abs(logp) > 19.0).any():
            warnings.warn(
                f"{owner}: the optimiser did not settle on an interior maximum ({res.message}; "
                f"largest gradient {grad_norm:.2g}). The estimates are the best point found; "
                f"try penalizer_coef={max(0.001, 10 * penalizer):g}.",
                UserWarning,
                stacklevel=2,
            )
        theta = np.exp(logp)
        H = hessian_from_gradient(objective, logp, n)
        try:
            ok = bool(np.all(np.linalg.eigvalsh(H) > 0))
            cov_log = np.linalg.inv(H) if ok else np.full((3, 3), np.nan)
        except np.linalg.LinAlgError:
            ok, cov_log = False, np.full((3, 3), np.nan)
        if not ok:
            warnings.warn(
                f"{owner}: the Hessian at the estimate is not positive definite, so standard "
                "errors are NaN; the data may not identify q and v separately (try a small "
                "penalizer_coef such as 0.001).",
                UserWarning,
                stacklevel=2,
            )
        names = list(_PARAM_NAMES)
        se_log = np.sqrt(np.diag(cov_log))
        self.params_ = pd.Series(theta, index=names, name="estimate")
        self.covariance_ = pd.DataFrame(cov_log * np.outer(theta, theta), index=names,
                                        columns=names)
        self.standard_errors_ = pd.Series(theta * se_log, index=names, name="std_err")
        with np.errstate(over="ignore"):
            self.summary_ = pd.DataFrame(
                {"estimate": theta, "std_err": self.standard_errors_.to_numpy(),
                 "lower_95": np.exp(logp - _Z95 * se_log),
                 "upper_95": np.exp(logp + _Z95 * se_log)},
                index=pd.Index(names, name="parameter"),
            )
        self._cov_log = cov_log
        self.log_likelihood_ = float(_gg_loglik(theta, x, m)[0].sum())
        self.n_customers_ = n
        self.frequency_spend_correlation_ = (
            float(np.corrcoef(x, m)[0, 1]) if np.ptp(x) > 0 and np.ptp(m) > 0 else 0.0
        )
        p, q, v = theta
        self.population_mean_spend_ = float(p * v / (q - 1.0)) if q > 1 else float("inf")
        log.debug("GammaGamma fitted on %d customers: %s (corr %.3f)", n,
                  dict(self.params_.round(4)), self.frequency_spend_correlation_)
        return self

    def _check_fitted(self, owner: str) -> None:
        if not hasattr(self, "params_"):
            msg = f"{owner}: this GammaGamma is not fitted yet; call .fit(rfm) first."
            raise NotFittedError(msg)

    def conditional_expected_spend(self, X: pd.DataFrame) -> pd.Series:
        """Expected spend per transaction of each customer, given their history.

        Parameters
        ----------
        X : pandas.DataFrame
            RFM table with the columns named at construction; customers with frequency 0 are
            allowed (they get the population mean, their spend column is ignored).

        Returns
        -------
        pandas.Series
            ``expected_spend`` indexed like ``X``:
            ``p (v + x m) / (p x + q − 1)`` (0 transactions: ``p v / (q − 1)``).

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        SchemaError
            Missing columns, non-whole frequency, spend <= 0 for a repeat buyer.
        ParameterError
            A customer without a repeat purchase when the fitted ``q <= 1`` (no finite mean).
        """
        owner = "GammaGamma.conditional_expected_spend"
        self._check_fitted(owner)
        x, m, idx = _spend_columns(X, self.frequency_col, self.monetary_col, owner=owner,
                                   fitting=False)
        return pd.Series(self._expected(self.params_.to_numpy(), x, m, owner=owner), index=idx,
                         name="expected_spend")

    @staticmethod
    def _expected(theta: np.ndarray, x: np.ndarray, m: np.ndarray, *, owner: str) -> np.ndarray:
        p, q, v = theta
        mm = np.where(x > 0, m, 0.0)
        denom = p * x + q - 1.0
        if (denom <= 0).any():
            msg = (
                f"{owner}: the fitted q = {q:.3g} <= 1 gives an infinite mean spend for "
                "customers without a repeat purchase. Score repeat buyers only, or refit "
                "with a penalizer_coef."
            )
            raise ParameterError(msg)
        return p * (v + x * mm) / denom


def simulate_gamma_gamma(
    n_customers: int,
    *,
    p: float,
    q: float,
    v: float,
    frequency: int | np.ndarray | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Draw repeat buyers' mean spend from the Gamma-Gamma model with known parameters.

    Parameters
    ----------
    n_customers : int
        Number of customers (>= 1).
    p, q, v : float
        Model parameters (> 0): transactions are ``Gamma(p, nu)``, ``nu ~ Gamma(q, v)``.
    frequency : int or array-like, optional
        Number of transactions of each customer (>= 1): one value or one per customer.
        Default: ``1 + Poisson(3)``, a spread like that of a real log.
    random_state : int, numpy Generator or None, default=0
        Seed of the draws.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (0 … n−1): ``frequency`` (float), ``monetary_value`` (mean
        of the customer's transactions) and the ground truth ``true_nu`` and
        ``true_mean_spend`` (``p / nu``).

    Raises
    ------
    ParameterError
        A parameter that is not a positive number, or a frequency below 1 or of the wrong
        length.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> kq.simulate_gamma_gamma(3, p=6.0, q=4.0, v=15.0).columns.tolist()
    ['frequency', 'monetary_value', 'true_nu', 'true_mean_spend']
    """
    owner = "simulate_gamma_gamma"
    n = check_int(n_customers, name="n_customers", owner=owner, low=1)
    par = {k: check_number(val, name=k, owner=owner, low=0.0, low_inclusive=False)
           for k, val in {"p": p, "q": q, "v": v}.items()}
    rng = check_random_state(random_state, owner=owner)
    if frequency is None:
        x = 1 + rng.poisson(3.0, n)
    else:
        x = np.asarray(frequency)
        if x.ndim == 0:
            x = np.full(n, x)
        if x.shape != (n,) or not np.issubdtype(x.dtype, np.number) or (x < 1).any() or (
            x != np.round(x)
        ).any():
            msg = (
                f"{owner}: frequency must be whole numbers >= 1, one value or one per "
                f"customer ({n}); got shape {x.shape}."
            )
            raise ParameterError(msg)
    x = x.astype("float64")
    nu = rng.gamma(par["q"], 1.0 / par["v"], n)
    # the mean of x Gamma(p, nu) draws is Gamma(p x, rate nu x)
    m = rng.gamma(par["p"] * x, 1.0 / (nu * x))
    return pd.DataFrame(
        {"frequency": x, "monetary_value": m, "true_nu": nu, "true_mean_spend": par["p"] / nu},
        index=pd.RangeIndex(n, name="customer_id"),
    )
