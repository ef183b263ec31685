"""The same calls on pandas and on a Dask DataFrame over a local cluster (2 workers).

Usage (from the repository root)::

    .venv/bin/python bench/bench_dask.py --n-transactions 2000000 --n-customers 1000000

Each measurement runs in a fresh child process (so ``peak_mb``, the child's peak resident
memory, belongs to that measurement alone) and prints one JSON line::

    {"operation": "rfm", "size": 2000000, "tool": "kequn-dask", "seconds": 3.1, "peak_mb": 610.0}

``seconds`` covers the call (for Dask: until the result is in the client's memory, i.e. with
``.compute()`` for the row-aligned outputs); building the data is not timed. On one small
machine Dask adds scheduling overhead; the point of the Dask path is that the same call runs
on a cluster whose workers hold data no single machine could, and that its results equal
pandas (``max_abs_diff``).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd


def _data(kind: str, n: int) -> pd.DataFrame:
    import kequn_lib as kq

    if kind == "customers":
        return kq.make_customers(n=n, random_state=0)
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "customer_id": rng.integers(0, max(n // 10, 1), n),
        "date": np.datetime64("2024-01-01", "s") + rng.integers(0, 365 * 86_400, n),
        "amount": np.round(rng.lognormal(6, 1.3, n), 2),
    })


def child(operation: str, tool: str, n: int, partitions: int) -> dict:
    import kequn_lib as kq

    frame = _data("transactions" if operation == "rfm" else "customers", n)
    calls = {
        "rfm": lambda d: kq.rfm(d),
        "aum_tiers+contribution+pareto_tiers": lambda d: (
            kq.aum_tiers(d), kq.contribution(d), kq.pareto_tiers(d, value_col="aum")
        ),
    }
    expected = calls[operation](frame)
    if tool == "kequn":
        t0 = time.perf_counter()
        calls[operation](frame)
        seconds, diff = time.perf_counter() - t0, 0.0
    else:
        import dask
        import dask.dataframe as dd
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                          dashboard_address=None) as cluster, Client(cluster):
            ddf = dd.from_pandas(frame, npartitions=partitions).persist()
            t0 = time.perf_counter()
            got = calls[operation](ddf)
            got = dask.compute(*got) if isinstance(got, tuple) else got
            seconds = time.perf_counter() - t0
        if operation == "rfm":
            diff = float((got - expected).abs().to_numpy().max())
        else:
            diff = float((got[1] - expected[1]).abs().to_numpy().max())
            assert got[0].equals(expected[0]) and got[2].equals(expected[2])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"operation": operation, "size": n, "tool": tool, "seconds": round(seconds, 3),
            "peak_mb": round(peak, 1), "max_abs_diff": diff, "partitions": partitions}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-transactions", type=int, default=2_000_000)
    parser.add_argument("--n-customers", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--child", nargs=3, metavar=("OPERATION", "TOOL", "N"))
    args = parser.parse_args()
    if args.child:
        op, tool, n = args.child
        print(json.dumps(child(op, tool, int(n), args.partitions)), flush=True)
        return 0
    jobs = [("rfm", args.n_transactions),
            ("aum_tiers+contribution+pareto_tiers", args.n_customers)]
    for op, n in jobs:
        for tool in ("kequn", "kequn-dask"):
            proc = subprocess.run(
                [sys.executable, __file__, "--partitions", str(args.partitions),
                 "--child", op, tool, str(n)],
                capture_output=True, text=True, check=False,
            )
            lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
            if proc.returncode or not lines:
                tail = proc.stderr.strip().splitlines()[-1:]
                print(json.dumps({"operation": op, "size": n, "tool": tool, "seconds": None,
                                  "peak_mb": None, "error": tail}), flush=True)
                continue
            print(lines[-1], flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
