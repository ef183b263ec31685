"""Time kequn's ``rfm`` against peers on a synthetic transaction log.

Usage (from the repository root)::

    .venv/bin/python bench/bench_rfm.py --n-transactions 1000000 10000000 --n-customers 200000

Prints one JSON line per measurement::

    {"operation": "rfm", "size": 1000000, "tool": "kequn", "seconds": 0.21, "peak_mb": 60.1, ...}

``seconds`` is the best of ``--repeat`` runs on data already in memory (loading is not timed);
``peak_mb`` is the growth of the process's peak resident memory during the runs. Peers
(``lifetimes``' ``summary_data_from_transaction_data``, a DuckDB query and a polars query with
the same definition) are not kequn dependencies: they live in ``bench/.venv-peers``, created with

    python -m venv bench/.venv-peers
    bench/.venv-peers/bin/pip install -r bench/requirements-peers.txt

and run there as subprocesses. A peer that is not installed is reported as skipped. Each peer's
output is compared with kequn's (``max_rel_diff``; goal: below 1e-9).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _memory import _peak_kb, _reset_peak, _status_kb

HERE = Path(__file__).resolve().parent
PEERS = ("lifetimes", "duckdb", "polars")
START = "2024-01-01"
DAYS = 365

# --- memory measurement (Linux /proc; falls back to ru_maxrss elsewhere) -------------------------


# --- the log ---------------------------------------------------------------------------------


def make_log(n: int, customers: int, seed: int = 0):
    """A shuffled log: skewed activity per customer, times of day, lognormal amounts (CNY)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    weight = rng.pareto(1.5, customers) + 0.05
    ids = rng.choice(customers, size=n, p=weight / weight.sum()).astype("int64")
    seconds = rng.integers(0, DAYS * 86_400, n).astype("timedelta64[s]")
    date = (np.datetime64(START, "ns") + seconds).astype("datetime64[ns]")
    amount = np.round(rng.lognormal(6.5, 1.4, n), 2)
    return pd.DataFrame({"customer_id": ids, "date": date, "amount": amount})


# --- workers (each runs in its own process) -----------------------------------------------------


def _run_kequn(tx, end):
    sys.path.insert(0, str(HERE.parent))  # the repository, when kequn is not installed
    import kequn_lib as kq

    return kq.rfm(tx, observation_end=end)


def _run_lifetimes(tx, end):
    import warnings

    warnings.simplefilter("ignore")
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=end,
        freq="D",
    )


_SQL = """
WITH p AS (
    SELECT customer_id, CAST(date AS DATE) AS d, SUM(amount) AS amt
    FROM tx WHERE CAST(date AS DATE) <= DATE '{end}'
    GROUP BY ALL
), f AS (
    SELECT customer_id, MIN(d) AS first_d, MAX(d) AS last_d, COUNT(*) AS n, SUM(amt) AS total,
           arg_min(amt, d) AS first_amt
    FROM p GROUP BY customer_id
)
SELECT customer_id,
       CAST(n - 1 AS DOUBLE) AS frequency,
       CAST(date_diff('day', first_d, last_d) AS DOUBLE) AS recency,
       CAST(date_diff('day', first_d, DATE '{end}') AS DOUBLE) AS "T",
       CASE WHEN n > 1 THEN (total - first_amt) / (n - 1) ELSE 0.0 END AS monetary_value
FROM f ORDER BY customer_id
"""


def _run_duckdb(tx, end):
    import duckdb

    con = duckdb.connect()
    con.register("tx", tx)
    out = con.execute(_SQL.format(end=end)).df().set_index("customer_id")
    con.close()
    return out


def _run_polars(tx, end):
    import datetime as dt

    import polars as pl

    end_d = dt.date.fromisoformat(end)
    p = (
        tx.lazy()
        .with_columns(pl.col("date").dt.date().alias("d"))
        .filter(pl.col("d") <= end_d)
        .group_by("customer_id", "d")
        .agg(pl.col("amount").sum())
        .group_by("customer_id")
        .agg(
            first_d=pl.col("d").min(),
            last_d=pl.col("d").max(),
            n=pl.len(),
            total=pl.col("amount").sum(),
            first_amt=pl.col("amount").sort_by("d").first(),
        )
        .select(
            "customer_id",
            frequency=(pl.col("n") - 1).cast(pl.Float64),
            recency=(pl.col("last_d") - pl.col("first_d")).dt.total_days().cast(pl.Float64),
            T=(pl.lit(end_d) - pl.col("first_d")).dt.total_days().cast(pl.Float64),
            monetary_value=pl.when(pl.col("n") > 1)
            .then((pl.col("total") - pl.col("first_amt")) / (pl.col("n") - 1))
            .otherwise(0.0),
        )
        .sort("customer_id")
        .collect()
    )
    return p.to_pandas().set_index("customer_id")


def worker(tool: str, data: str, out: str, repeat: int, end: str) -> None:
    if tool == "polars":
        import polars as pl

        tx = pl.read_parquet(data)
    else:
        import pandas as pd

        tx = pd.read_parquet(data)
    fn = {"kequn": _run_kequn, "lifetimes": _run_lifetimes, "duckdb": _run_duckdb,
          "polars": _run_polars}[tool]
    fn(tx.head(1000), end)  # imports and warm-up, outside the measurement
    before = _status_kb("VmRSS") or _peak_kb()
    reset = _reset_peak()
    best = float("inf")
    result = None
    for _ in range(repeat):
        result = None
        t0 = time.perf_counter()
        result = fn(tx, end)
        best = min(best, time.perf_counter() - t0)
    peak = (_peak_kb() - before) / 1024
    result.astype("float64").to_parquet(out)
    print(json.dumps({"seconds": round(best, 4), "peak_mb": round(max(peak, 0.0), 1),
                      "peak_exact": reset}))


# --- driver ------------------------------------------------------------------------------------


def _compare(ref_path: str, out_path: str) -> float:
    import numpy as np
    import pandas as pd

    ref = pd.read_parquet(ref_path).sort_index()
    other = pd.read_parquet(out_path).sort_index()
    other.index = other.index.astype(ref.index.dtype)
    if not ref.index.equals(other.index):
        return float("inf")
    other = other[ref.columns]
    diff = np.abs(ref.to_numpy() - other.to_numpy()) / np.maximum(np.abs(ref.to_numpy()), 1.0)
    return float(diff.max(initial=0.0))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-transactions", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--n-customers", type=int, default=200_000)
    ap.add_argument("--tools", nargs="+", default=["kequn", *PEERS])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers-python", default=str(HERE / ".venv-peers" / "bin" / "python"))
    ap.add_argument("--end", default="2024-12-15", help="observation_end (drops later days)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.data, args.out, args.repeat, args.end)
        return
    peers_ok = Path(args.peers_python).exists()
    with tempfile.TemporaryDirectory(prefix="kequn-bench-") as tmp:
        for n in args.n_transactions:
            data = os.path.join(tmp, f"tx{n}.parquet")
            make_log(n, args.n_customers).to_parquet(data)
            ref = os.path.join(tmp, f"kequn{n}.parquet")
            for tool in args.tools:
                line = {"operation": "rfm", "size": n, "tool": tool,
                        "n_customers": args.n_customers}
                python = sys.executable if tool == "kequn" else args.peers_python
                if tool != "kequn" and not peers_ok:
                    line["skipped"] = "peer venv not found: see bench/requirements-peers.txt"
                    print(json.dumps(line), flush=True)
                    continue
                out = ref if tool == "kequn" else os.path.join(tmp, f"{tool}{n}.parquet")
                cmd = [python, __file__, "--worker", tool, "--data", data, "--out", out,
                       "--repeat", str(args.repeat), "--end", args.end]
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    line["skipped"] = proc.stderr.strip().splitlines()[-1][:200]
                    print(json.dumps(line), flush=True)
                    continue
                line.update(json.loads(proc.stdout.strip().splitlines()[-1]))
                if tool != "kequn" and os.path.exists(ref):
                    line["max_rel_diff"] = _compare(ref, out)
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
