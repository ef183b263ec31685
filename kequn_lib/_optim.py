"""Numerical helpers shared by the maximum-likelihood estimators (BG/NBD, Gamma-Gamma)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def hessian_from_gradient(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, scale: float
) -> np.ndarray:
    """Symmetric Hessian by central differences of the gradient ``objective(x)[1]``, scaled.

    The step is ``1e-5 * max(1, |x_j|)`` per coordinate; the estimators pass their mean negative
    log-likelihood and the number of customers as ``scale`` to get the total's Hessian.
    """
    k = len(x)
    H = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(x[j]))
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (objective(x + e)[1] - objective(x - e)[1]) * scale / (2 * h)
    return (H + H.T) / 2
