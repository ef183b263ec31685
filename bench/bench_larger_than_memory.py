"""Larger than memory: ``kq.rfm`` over a Parquet transaction log bigger than half of the RAM.

Usage (from the repository root)::

    .venv/bin/python bench/bench_larger_than_memory.py --gib 13      # the full demonstration
    .venv/bin/python bench/bench_larger_than_memory.py --gib 0.5     # a quick run

Step 1 writes a synthetic transaction log (the columns of ``make_transactions``: customer_id,
date, amount, kind, channel) as Parquet files of ``--rows-per-file`` rows into ``--dir``
until the files on disk reach ``--gib`` GiB. Generation is idempotent and resumable: file
``i`` is always drawn from the seed ``(--seed, i)``, written under a temporary name and
renamed when complete, so an interrupted run picks up where it stopped and a finished one is
reused (delete the folder, or pass ``--fresh``, to start over). Step 2 runs ``kq.rfm`` on the
glob in a fresh child process and reports its wall time and peak resident memory (the child's
``ru_maxrss``, which includes the Python interpreter and the imported libraries). With
``--tools kequn duckdb`` a hand-written DuckDB query of the same definition runs on the same
files in its own child, under the same ``--memory-limit`` (kequn gets it through
``KEQUN_DUCKDB_MEMORY_LIMIT``), and its output is compared with kequn's (``max_rel_diff``).
``--repeat N`` runs each tool N times, rotating which goes first, and reports the median wall
and CPU time and the largest peak (one run of a 10-second query varies by about 10%).

Prints one JSON line per measurement::

    {"operation": "rfm_parquet", "size": 28000000, "tool": "kequn", "seconds": 41.0,
     "peak_mb": 900.0, "gib_on_disk": 0.5, ...}

Disk: the log itself, plus DuckDB's spill files while it runs (in a fresh folder under the
system's temporary directory, removed afterwards). The full 13 GiB run takes a long time on a
small machine; it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

START = np.datetime64("2024-01-01T00:00:00", "s")
SECONDS = 365 * 86_400
KINDS = ["deposit", "withdrawal", "transfer", "payment", "wealth_purchase", "fee"]
CHANNELS = ["app", "branch", "atm", "online", "counter"]


def _machine_gib() -> float:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            return int(fh.readline().split()[1]) / 2**20
    except OSError:
        return float("nan")


def _chunk(i: int, rows: int, customers: int, seed: int) -> pa.Table:
    """Rows of file ``i``: heavy-tailed activity per customer, a year of timestamps."""
    rng = np.random.default_rng([seed, i])
    # a few customers transact far more than most (Zipf-like activity)
    ids = np.minimum(rng.pareto(1.2, rows) * customers / 20, customers - 1).astype("int64")
    ids = (ids * 2_654_435_761) % customers  # spread the busy customers over the id range
    seconds = rng.integers(0, SECONDS, rows)
    dates = (START + seconds.astype("timedelta64[s]")).astype("datetime64[us]")
    amount = np.round(rng.lognormal(6.0, 1.3, rows), 2)
    kind = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(KINDS), rows).astype("int8")), pa.array(KINDS)
    )
    channel = pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(CHANNELS), rows).astype("int8")), pa.array(CHANNELS)
    )
    return pa.table(
        {
            "customer_id": ids,
            "date": pa.array(dates),
            "amount": amount,
            "kind": kind,
            "channel": channel,
        }
    )


def generate(folder: Path, gib: float, rows: int, customers: int, seed: int) -> tuple[int, float]:
    """Write part files until the folder holds ``gib`` GiB; return (rows, seconds spent)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = gib * 2**30
    spent, i = 0.0, 0
    while True:
        done = sorted(folder.glob("part-*.parquet"))
        size = sum(p.stat().st_size for p in done)
        if size >= target:
            break
        path = folder / f"part-{i:05d}.parquet"
        if not path.exists():
            t0 = time.perf_counter()
            tmp = path.with_suffix(".parquet.tmp")
            pq.write_table(_chunk(i, rows, customers, seed), tmp, compression="snappy")
            os.replace(tmp, path)
            spent += time.perf_counter() - t0
            sys.stderr.write(f"wrote {path.name} ({size / 2**30:.2f} GiB so far)\n")
        i += 1
    files = sorted(folder.glob("part-*.parquet"))
    n = sum(pq.ParquetFile(p).metadata.num_rows for p in files)
    return n, spent


_CHILD = """
import json, resource, sys, time
import kequn_lib as kq
import pandas
kq.rfm  # resolve the lazy name (imports the module) before the clock starts
c0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
out = kq.rfm(sys.argv[1])
seconds = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_SELF)
out.to_parquet(sys.argv[2])
print(json.dumps({"seconds": seconds, "peak_mb": use.ru_maxrss / 1024, "customers": len(out),
                  "cpu_seconds": use.ru_utime + use.ru_stime - c0.ru_utime - c0.ru_stime}))
"""

# The same definition (lifetimes' summary_data_from_transaction_data, daily periods, the log's
# last day as the end) written by hand for DuckDB, under the same memory limit.
_SQL = """
WITH p AS (
    SELECT customer_id, CAST(date AS DATE) AS d, SUM(amount) AS amt
    FROM read_parquet(?) GROUP BY ALL
), f AS (
    SELECT customer_id, MIN(d) AS first_d, MAX(d) AS last_d, COUNT(*) AS n, SUM(amt) AS total,
           arg_min(amt, d) AS first_amt
    FROM p GROUP BY customer_id
), e AS (SELECT max(last_d) AS end_d FROM f)
SELECT customer_id,
       CAST(n - 1 AS DOUBLE) AS frequency,
       CAST(date_diff('day', first_d, last_d) AS DOUBLE) AS recency,
       CAST(date_diff('day', first_d, end_d) AS DOUBLE) AS "T",
       CASE WHEN n > 1 THEN (total - first_amt) / (n - 1) ELSE 0.0 END AS monetary_value
FROM f, e ORDER BY customer_id
"""

_DUCKDB_CHILD = """
import json, resource, sys, time
import duckdb
import pandas
sql = sys.stdin.read()
c0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
con = duckdb.connect(config={"memory_limit": sys.argv[3]})
con.execute("SET enable_progress_bar = false")
out = con.execute(sql, [sys.argv[1]]).df().set_index("customer_id")
seconds = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_SELF)
out.to_parquet(sys.argv[2])
print(json.dumps({"seconds": seconds, "peak_mb": use.ru_maxrss / 1024, "customers": len(out),
                  "cpu_seconds": use.ru_utime + use.ru_stime - c0.ru_utime - c0.ru_stime}))
"""


def _max_rel_diff(ref_path: str, other_path: str) -> float:
    import pandas as pd

    ref = pd.read_parquet(ref_path).sort_index()
    other = pd.read_parquet(other_path).sort_index()[ref.columns]
    if not ref.index.equals(other.index.astype(ref.index.dtype)):
        return float("inf")
    a, b = ref.to_numpy(), other.to_numpy()
    return float((np.abs(a - b) / np.maximum(np.abs(a), 1.0)).max(initial=0.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=13.0, help="size of the log on disk, GiB")
    parser.add_argument(
        "--dir", default=os.path.join(tempfile.gettempdir(), "kequn-bench-log"),
        help="folder of the Parquet files (kept between runs, so generation is resumable)",
    )
    parser.add_argument("--rows-per-file", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="delete existing files first")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--tools", nargs="+", default=["kequn"], choices=["kequn", "duckdb"])
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each tool, the order rotating between rounds; the median "
                        "time and CPU time and the largest peak are reported")
    parser.add_argument("--memory-limit", default="1GB",
                        help="DuckDB memory_limit of both tools (kequn: KEQUN_DUCKDB_MEMORY_LIMIT)")
    args = parser.parse_args()

    folder = Path(args.dir) / f"c{args.customers}-r{args.rows_per_file}-s{args.seed}"
    if args.fresh and folder.exists():
        for p in folder.glob("part-*"):
            p.unlink()
    n_rows, spent = generate(folder, args.gib, args.rows_per_file, args.customers, args.seed)
    on_disk = sum(p.stat().st_size for p in folder.glob("part-*.parquet")) / 2**30
    machine = _machine_gib()
    common = {"size": n_rows, "gib_on_disk": round(on_disk, 2),
              "machine_gib": round(machine, 1), "files": len(list(folder.glob("part-*.parquet")))}
    if spent:
        print(json.dumps({"operation": "generate_log_parquet", "tool": "kequn-bench",
                          "seconds": round(spent, 2), "peak_mb": None, **common}), flush=True)
    if args.generate_only:
        return 0
    outputs: dict[str, str] = {}
    env = {**os.environ, "KEQUN_DUCKDB_MEMORY_LIMIT": args.memory_limit}
    runs: dict[str, list[dict]] = {tool: [] for tool in args.tools}
    with tempfile.TemporaryDirectory(prefix="kequn-bench-out-") as tmp:
        for round_ in range(max(1, args.repeat)):
            k = round_ % len(args.tools)  # rotate who goes first: the page cache, the load
            for tool in args.tools[k:] + args.tools[:k]:
                out_path = os.path.join(tmp, f"{tool}.parquet")
                code = _CHILD if tool == "kequn" else _DUCKDB_CHILD
                proc = subprocess.run(
                    [sys.executable, "-c", code, str(folder / "part-*.parquet"), out_path,
                     args.memory_limit],
                    input=_SQL, capture_output=True, text=True, check=False, env=env,
                )
                if proc.returncode != 0:
                    sys.stderr.write(proc.stderr)
                    return proc.returncode
                runs[tool].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                outputs[tool] = out_path
        for tool in args.tools:
            done = runs[tool]
            peak = max(r["peak_mb"] for r in done)
            line = {
                "operation": "rfm_parquet", "tool": tool,
                "seconds": round(statistics.median(r["seconds"] for r in done), 2),
                "peak_mb": round(peak, 1),
                "cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in done), 2),
                **common, "runs": len(done),
                "customers": done[-1]["customers"], "memory_limit": args.memory_limit,
                "peak_share_of_data": round(peak / 1024 / on_disk, 3),
            }
            if tool != "kequn" and "kequn" in outputs:
                line["max_rel_diff"] = _max_rel_diff(outputs["kequn"], outputs[tool])
            print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
