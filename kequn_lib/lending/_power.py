"""Power of a test on simulated loan books: how large a book would reveal a given difference.

A test on two *simulated* books cannot be evidence about the banks: the difference between the
books was put in by assumption. What such a test can tell is how many loans a real book would
need before a difference of that size shows beyond chance (a power or sensitivity analysis).
Part of :mod:`kequn_lib.lending`; import the public names from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._repr import ResultRepr
from .._validation import check_number
from ..errors import ParameterError

__all__ = ["OverduePower", "overdue_power"]


@dataclass(frozen=True, repr=False)
class OverduePower(ResultRepr):
    """Result of :func:`overdue_power`.

    Attributes
    ----------
    required : pandas.DataFrame
        One row per pair of rates: ``label``, ``rate_a``, ``rate_b``, ``effect_size`` (Cohen's
        h), ``n_loans`` (loans per book for the requested power, rounded up),
        ``overdue_a`` and ``overdue_b`` (overdue loans expected in books of that size).
    curve : pandas.DataFrame
        Tidy: ``label``, ``n_loans`` (loans per book) and ``power`` (probability that the test
        rejects equal rates at that size), one row per pair and book size.
    alpha : float
        Significance level of the two-sided test.
    power : float
        Power the ``required`` sizes reach.
    """

    required: pd.DataFrame
    curve: pd.DataFrame
    alpha: float
    power: float


def _rate(value: object, name: str, owner: str) -> float:
    return check_number(value, name=name, owner=owner, low=0, high=1, low_inclusive=False,
                        high_inclusive=False)


def overdue_power(
    rate_a: float,
    rate_b: float | Sequence[float],
    *,
    n_loans: Sequence[int] | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    labels: Sequence[str] | None = None,
) -> OverduePower:
    """How many loans per book a two-proportion test needs to tell two overdue rates apart.

    Parameters
    ----------
    rate_a : float
        Overdue rate of the first book, a fraction in (0, 1) (0.0025 for 0.25%).
    rate_b : float or sequence of float
        Overdue rate(s) of the second book to compare with ``rate_a``; each in (0, 1) and
        different from ``rate_a``. Several rates give a sensitivity table.
    n_loans : sequence of int, optional
        Book sizes (loans per book, each >= 2) at which to evaluate the power curve. Default: 41
        sizes evenly spaced on a log scale from 100 to 1,000,000.
    alpha : float, default=0.05
        Significance level of the two-sided test, in (0, 1).
    power : float, default=0.8
        Power the ``required`` sizes must reach, in (0, 1).
    labels : sequence of str, optional
        One name per rate in ``rate_b`` (default ``"0.25% vs 0.80%"``).

    Returns
    -------
    OverduePower
        ``required`` (one row per rate pair: effect size and loans per book needed) and
        ``curve`` (power by book size, tidy), with ``alpha`` and ``power``.

    Raises
    ------
    ParameterError
        A rate outside (0, 1), equal rates (no difference to detect), book sizes below 2, or
        ``alpha``/``power`` outside (0, 1), or the wrong number of labels.

    See Also
    --------
    compare_books : the z-test on two books whose size this analysis sizes.

    Notes
    -----
    Equal-sized books and the normal approximation of the two-proportion z-test, with Cohen's
    effect size h = 2·asin(√p_b) − 2·asin(√p_a) (statsmodels ``proportion_effectsize`` and
    ``NormalIndPower``). The loans in a book are treated as independent draws; loans to the same
    borrower, or defaults that move together in a downturn, make the real book needed larger.

    Examples
    --------
    >>> import kequn_lib as kq
    >>> res = kq.overdue_power(0.0025, 0.008)
    >>> int(res.required["n_loans"].iloc[0])
    2510
    >>> bool(res.curve["power"].is_monotonic_increasing)
    True
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    owner = "overdue_power"
    a = _rate(rate_a, "rate_a", owner)
    many = isinstance(rate_b, Sequence | np.ndarray | pd.Series) and not isinstance(rate_b, str)
    rates_b = [_rate(r, f"rate_b[{i}]" if many else "rate_b", owner)
               for i, r in enumerate(rate_b if many else [rate_b])]
    if not rates_b:
        msg = f"{owner}: rate_b is empty; pass at least one overdue rate to compare with."
        raise ParameterError(msg)
    same = [r for r in rates_b if r == a]
    if same:
        msg = (f"{owner}: rate_b={same[0]:g} equals rate_a; there is no difference to detect. "
               "Pass a different rate.")
        raise ParameterError(msg)
    alpha = check_number(alpha, name="alpha", owner=owner, low=0, high=1, low_inclusive=False,
                         high_inclusive=False)
    power = check_number(power, name="power", owner=owner, low=0, high=1, low_inclusive=False,
                         high_inclusive=False)
    if n_loans is None:
        sizes = np.unique(np.round(np.logspace(2, 6, 41)).astype("int64"))
    else:
        sizes = np.asarray(list(n_loans))
        if sizes.ndim != 1 or sizes.size == 0 or not np.isfinite(sizes.astype(float)).all() or (
                sizes < 2).any() or (sizes != np.round(sizes)).any():
            msg = (f"{owner}: n_loans must be whole numbers of loans per book, each >= 2; got "
                   f"{list(n_loans)!r}.")
            raise ParameterError(msg)
        sizes = np.unique(sizes.astype("int64"))
    if labels is None:
        labels = [f"{a:.2%} vs {r:.2%}" for r in rates_b]
    labels = [str(x) for x in labels]
    if len(labels) != len(rates_b):
        msg = f"{owner}: pass one label per rate in rate_b ({len(rates_b)}), got {len(labels)}."
        raise ParameterError(msg)
    analysis = NormalIndPower()
    required, curves = [], []
    for label, b in zip(labels, rates_b, strict=True):
        h = abs(float(proportion_effectsize(b, a)))
        n = float(analysis.solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0,
                                       alternative="two-sided"))
        n_req = int(np.ceil(n))
        required.append({"label": label, "rate_a": a, "rate_b": b, "effect_size": h,
                         "n_loans": n_req, "overdue_a": a * n_req, "overdue_b": b * n_req})
        p = analysis.power(effect_size=h, nobs1=sizes.astype("float64"), alpha=alpha,
                           ratio=1.0, alternative="two-sided")
        curves.append(pd.DataFrame({"label": label, "n_loans": sizes,
                                    "power": np.asarray(p, dtype="float64")}))
    return OverduePower(required=pd.DataFrame(required),
                        curve=pd.concat(curves, ignore_index=True), alpha=alpha, power=power)
