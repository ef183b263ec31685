"""Tier dynamics: tier migration read as a Markov chain (分层迁移的马尔可夫预测).

The one-step movements counted by :func:`~kequn_lib.tier_migration` become a transition matrix
over the tiers plus an absorbing "exited" state, with new customers entering by the observed
mix. From it :meth:`Migration.project` gives n-step shares, :meth:`Migration.steady_state` the
long-run tier mix of a book whose leavers are replaced by newcomers, and
:meth:`Migration.expected_periods` how many periods a customer spends in each tier before
leaving. The functions here do the arithmetic; the methods of ``Migration`` are the public face.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_int
from .errors import ParameterError

__all__: list[str] = []


def _chain(migration: Any) -> tuple[np.ndarray, np.ndarray, list[str], str, str]:
    """Transition matrix over ``tiers + [exited]`` (exited absorbing) and the entry mix."""
    shares = migration.shares
    new, exited = shares.index[-1], shares.columns[-1]
    tiers = [str(t) for t in shares.index[:-1]]
    k = len(tiers)
    P = np.zeros((k + 1, k + 1))
    P[:k, :] = shares.iloc[:k, :].to_numpy(dtype="float64")
    empty = P[:k].sum(axis=1) == 0
    P[np.flatnonzero(empty), np.flatnonzero(empty)] = 1.0  # a tier nobody was in: stays put
    P[k, k] = 1.0
    entry = shares.iloc[k, :k].to_numpy(dtype="float64")
    return P, entry, tiers, str(new), str(exited)


def project(migration: Any, steps: int = 1) -> pd.DataFrame:
    """n-step shares: where customers of each tier (and new customers) are after ``steps``."""
    steps = check_int(steps, name="steps", owner="Migration.project", low=1, high=1000)
    P, entry, tiers, new, exited = _chain(migration)
    Pn = np.linalg.matrix_power(P, steps)
    entry_row = np.append(entry, 0.0) @ np.linalg.matrix_power(P, steps - 1)
    if entry.sum() == 0:
        entry_row = np.zeros_like(entry_row)
    out = pd.DataFrame(np.vstack([Pn[:-1], entry_row]),
                       index=pd.Index([*tiers, new], name="before"),
                       columns=pd.Index([*tiers, exited], name=f"after {steps} step(s)"))
    return out


def steady_state(migration: Any, entry_mix: Any = None) -> pd.Series:
    """Long-run tier mix when every leaver is replaced by a newcomer of the entry mix."""
    owner = "Migration.steady_state"
    P, entry, tiers, _, _ = _chain(migration)
    k = len(tiers)
    if entry_mix is not None:
        given = pd.Series(entry_mix, dtype="float64")
        given.index = given.index.map(str)
        unknown = sorted(set(given.index) - set(tiers))
        if unknown or not np.all(np.isfinite(given)) or (given < 0).any() or given.sum() <= 0:
            msg = (
                f"{owner}: entry_mix must give non-negative weights by tier ({tiers}), not all "
                f"zero; got {dict(given)}" + (f" with unknown tiers {unknown}" if unknown else "")
                + "."
            )
            raise ParameterError(msg)
        entry = given.reindex(tiers, fill_value=0.0).to_numpy()
    exit_p = P[:k, k]
    if exit_p.any() and entry.sum() == 0:
        msg = (
            f"{owner}: customers leave but no new customer was observed, so the book shrinks to "
            "nothing and has no steady mix. Pass entry_mix= (the tiers newcomers join, e.g. "
            "{'大众': 1.0}), or compare snapshots that include new customers."
        )
        raise ParameterError(msg)
    mix = entry / entry.sum() if entry.sum() else np.zeros(k)
    R = P[:k, :k] + exit_p[:, None] * mix[None, :]
    vals, vecs = np.linalg.eig(R.T)
    i = int(np.argmin(np.abs(vals - 1.0)))
    pi = np.abs(np.real(vecs[:, i]))
    pi = pi / pi.sum()
    return pd.Series(pi, index=pd.Index(tiers, name="tier"), name="steady_share")


def expected_periods(migration: Any) -> pd.DataFrame:
    """Expected number of periods spent in each tier before exit, by starting tier."""
    owner = "Migration.expected_periods"
    P, entry, tiers, new, _ = _chain(migration)
    k = len(tiers)
    Q = P[:k, :k]
    try:
        N = np.linalg.inv(np.eye(k) - Q)
    except np.linalg.LinAlgError:
        N = None
    if N is None or not np.all(np.isfinite(N)) or (N < -1e-9).any():
        stuck = [t for t, e in zip(tiers, P[:k, k], strict=True) if e == 0]
        msg = (
            f"{owner}: from some tiers nobody was seen leaving ({stuck}), so the expected time "
            "in the book is infinite. Compare snapshots further apart, or pool several periods."
        )
        raise ParameterError(msg)
    mix = entry / entry.sum() if entry.sum() else np.zeros(k)
    rows = np.vstack([N, mix @ N])
    out = pd.DataFrame(rows, index=pd.Index([*tiers, new], name="start"),
                       columns=pd.Index(tiers, name="tier"))
    out["total"] = out.sum(axis=1)
    return out
