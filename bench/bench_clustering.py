"""Benchmark of kequn_lib.clustering at scale.

Measures, on one customer table of ``--n`` rows (default 1,000,000) and about ten features:

* ``pipeline_fit``: ``segment_pipeline(n_clusters=8, n_init=1)`` fitted on the DataFrame
  (preparation + k-means) against a bare ``KMeans(n_clusters=8, n_init=1)`` fitted on the
  already-prepared matrix in the same run (goal: pipeline <= 1.5x bare);
* ``predict_in_chunks``: labelling every row after the fit;
* ``choose_k``: k = 2..10 with the silhouette on a 10,000-row sample (goal: <= 2 minutes),
  with ``n_init=1`` as above and with the pipeline's default ``n_init=4``.

The fit comparison is repeated (``--repeat``, default 3, alternating the two) because the
machine's load varies; compare the fastest run of each. Each measurement prints one JSON line
``{"operation", "size", "tool", "seconds", "peak_mb"}``;
``peak_mb`` is the growth of the process's peak resident memory during that step (0 when the
step stayed below an earlier peak). Run from the repository root::

    python bench/bench_clustering.py --n 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans

import kequn_lib as kq

FEATURES = ["aum", "wealth_balance", "loan_balance", "fee_income_12m", "age", "tenure_months",
            "products_held", "app_logins_90d", "rm_contacts_90d", "has_loan"]
MONEY = ["aum", "wealth_balance", "loan_balance", "fee_income_12m"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(operation: str, size: int, tool: str, fn: Callable[[], Any]) -> Any:
    before = _peak_mb()
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    row = {"operation": operation, "size": size, "tool": tool, "seconds": round(seconds, 3),
           "peak_mb": round(max(_peak_mb() - before, 0.0), 1)}
    print(json.dumps(row), flush=True)
    return out


def customers(n: int, seed: int) -> pd.DataFrame:
    """The synthetic bank's individual customers, or a simulated frame if it is unavailable."""
    try:
        data = kq.make_customers(n=n, random_state=seed)
        return data[[*FEATURES, "customer_id"]]
    except Exception:  # generator not available: simulate the same columns
        rng = np.random.default_rng(seed)
        return pd.DataFrame({
            "customer_id": np.arange(n),
            **{c: np.exp(rng.normal(10, 2, n)) for c in MONEY},
            "age": rng.integers(18, 90, n), "tenure_months": rng.integers(0, 300, n),
            "products_held": rng.poisson(2, n), "app_logins_90d": rng.poisson(10, n),
            "rm_contacts_90d": rng.poisson(0.5, n), "has_loan": rng.random(n) < 0.3,
        })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fit comparison")
    parser.add_argument("--skip-choose-k", action="store_true")
    args = parser.parse_args()
    n = args.n
    data = customers(n, args.seed)
    numeric = [c for c in FEATURES if c not in MONEY]
    pipe = kq.segment_pipeline(money=MONEY, numeric=numeric, n_clusters=8, n_init=1,
                               random_state=args.seed)
    X = None
    for _ in range(args.repeat):  # alternate the two, so machine load hits both alike
        measure("pipeline_fit", n, "kequn segment_pipeline", lambda: pipe.fit(data))
        if X is None:
            X = pipe.named_steps["prepare"].transform(data)
        bare = KMeans(n_clusters=8, n_init=1, random_state=args.seed)
        measure("pipeline_fit", n, "sklearn KMeans on prepared matrix",
                lambda bare=bare, X=X: bare.fit(X))
    measure("predict_in_chunks", n, "kequn predict_in_chunks",
            lambda: kq.predict_in_chunks(pipe, data, chunk_size=250_000))
    if not args.skip_choose_k:
        measure("choose_k_2_10", n, "kequn choose_k (silhouette on 10,000)",
                lambda: kq.choose_k(data, pipe, k_range=range(2, 11), sample_size=10_000,
                                    progress=False))
        default = kq.segment_pipeline(money=MONEY, numeric=numeric, random_state=args.seed)
        measure("choose_k_2_10", n, "kequn choose_k, default n_init=4",
                lambda: kq.choose_k(data, default, k_range=range(2, 11), sample_size=10_000,
                                    progress=False))


if __name__ == "__main__":
    main()
