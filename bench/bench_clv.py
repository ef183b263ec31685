"""From a transaction log to customer lifetime value at scale: time and peak memory.

Usage (from the repository root)::

    .venv/bin/python bench/bench_clv.py --n-customers 1000000 --months 6

The synthetic bank's generator writes a log (about ten transactions per customer in six
months) to Parquet; then, timed step by step, the RFM summary is computed from the Parquet
files (DuckDB, bounded memory), BG/NBD and Gamma-Gamma are fitted on a stratified seeded
sample (``kq.clv_sample``), and CLV is scored for every customer partition by partition, with
and without bootstrap intervals. Prints one JSON line per step::

    {"operation": "clv", "step": "rfm_parquet", "n_transactions": ..., "seconds": ..., ...}

``peak_mb`` is the growth of the process's peak resident memory during the step (the log is
generated and written before the clock starts). kequn only: no peer package computes CLV
from a Parquet log in bounded memory, so there is no ratio to report here; ``bench_rfm.py``
compares the RFM step with lifetimes, DuckDB and polars.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

from _memory import _peak_kb, _reset_peak

CAL_END = "2024-06-30"


def _step(name: str, fn, **info):
    _reset_peak()
    before = _peak_kb()
    t = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t
    row = {"operation": "clv", "step": name, "seconds": round(seconds, 3),
           "peak_mb": round((_peak_kb() - before) / 1024, 1), **info}
    print(json.dumps(row), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-customers", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--partition", type=int, default=100_000)
    parser.add_argument("--draws", type=int, default=50)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    import kequn_lib as kq

    folder = Path(tempfile.mkdtemp(prefix="kequn-clv-bench-"))
    customers = kq.make_customers(n=args.n_customers, random_state=0)
    log = kq.make_transactions(customers[["customer_id", "aum", "app_logins_90d",
                                          "rm_contacts_90d", "remittance_count_12m",
                                          "has_loan", "fx_volume_12m", "wealth_balance",
                                          "customer_kind"]],
                               months=args.months, random_state=0)
    n_tx = len(log)
    for i, part in enumerate(np.array_split(np.arange(n_tx), 10)):
        log.iloc[part][["customer_id", "date", "amount"]].to_parquet(
            folder / f"part-{i:02d}.parquet", index=False)
    del log, customers
    info = {"n_transactions": n_tx, "n_customers": args.n_customers}

    table = _step("rfm_parquet", lambda: kq.rfm(str(folder / "*.parquet"), time_unit=7), **info)
    sample = _step("stratified_sample",
                   lambda: kq.clv_sample(table, n=args.sample, random_state=0), **info)

    def fit():
        activity = kq.BGNBD().fit(sample)
        spend = kq.GammaGamma().fit(sample[sample["frequency"] > 0])
        return activity, spend

    activity, spend = _step("fit_on_sample", fit, sample=len(sample), **info)

    def score(draws: int):
        parts = []
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="clv: the spend model")
            for i, start in enumerate(range(0, len(table), args.partition)):
                chunk = table.iloc[start:start + args.partition]
                parts.append(kq.clv(activity, spend, chunk, horizon=1.0, n_draws=draws,
                                    random_state=i))
        return pd.concat(parts)

    point = _step("clv_point_all", lambda: score(0), **info)
    _step("clv_intervals_all", lambda: score(args.draws), draws=args.draws, **info)
    print(json.dumps({"operation": "clv", "step": "total_value",
                      "customers_valued": int(point["clv"].notna().sum()),
                      "clv_sum": float(point["clv"].sum())}), flush=True)


if __name__ == "__main__":
    main()
