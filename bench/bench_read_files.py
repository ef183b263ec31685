"""Benchmark: reading an analyst's customer CSV (kq.read_customers) against pandas.read_csv.

One CSV of ``n`` customers (id, age, four money columns, a yes/no flag, a region) is written
once; then each tool reads it in its own process, so the resident-memory peaks do not mix:

* ``kequn``: ``kq.read_customers(path)`` (encoding check, field-count check, header mapping,
  parsing, validation);
* ``pandas``: ``pd.read_csv(path, dtype=...)`` with the right dtypes for the same columns (no
  validation, flags left as text).

Before the clock starts, each process reads a three-row file of the same columns with the same
tool: one-time costs of a session (imports done lazily by pandas, pyarrow and pandera on first
use, about 0.15 s for kequn) are left out, as in the other scripts. Each tool runs three times,
alternating, in fresh processes; the best time and the largest peak are reported.

Prints one JSON line per tool with keys operation, size, tool, seconds, peak_mb (resident peak
above the process's baseline), frame_mb (memory of the resulting frame), file_mb and runs.
The goal for kequn is at most 1.5x pandas' time and a peak at most 4x the frame's memory.

Usage::

    python bench/bench_read_files.py            # 5,000,000 customers
    python bench/bench_read_files.py 1000000
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _memory import _peak_kb, _reset_peak, _status_kb

DTYPES = {"customer_id": "int64", "age": "int64", "deposit_balance": "float64",
          "wealth_balance": "float64", "aum": "float64", "loan_balance": "float64",
          "has_loan": "string", "region": "category"}


def write(path: Path, n: int) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    deposit = rng.lognormal(10, 1.5, n).round(2)
    wealth = (rng.lognormal(9, 2, n) * (rng.random(n) < 0.4)).round(2)
    pd.DataFrame({
        "customer_id": np.arange(1, n + 1), "age": rng.integers(18, 90, n),
        "deposit_balance": deposit, "wealth_balance": wealth,
        "aum": (deposit + wealth).round(2), "loan_balance": (rng.lognormal(11, 1, n)
                                                          * (rng.random(n) < 0.2)).round(2),
        "has_loan": rng.choice(["是", "否"], n),
        "region": rng.choice(["urban", "county", "rural"], n),
    }).to_csv(path, index=False)


def run_one(tool: str, path: Path) -> dict:
    import pandas as pd

    import kequn_lib as kq

    small = path.with_name(f"warm-up-{tool}.csv")  # first-use costs before the clock starts
    small.write_text("".join(path.open(encoding="utf-8").readline() for _ in range(1))
                     + "1,30,1.0,0.0,1.0,0.0,是,urban\n2,40,2.0,0.0,2.0,0.0,否,rural\n"
                     "3,50,3.0,1.0,4.0,0.0,是,county\n", encoding="utf-8")
    if tool == "kequn":
        kq.read_customers(small)
    else:
        pd.read_csv(small, dtype=DTYPES)
    small.unlink()
    base = (_status_kb("VmRSS") or 0.0) / 1024
    _reset_peak()
    t0 = time.perf_counter()
    if tool == "kequn":
        frame = kq.read_customers(path)
    else:
        frame = pd.read_csv(path, dtype=DTYPES)
    seconds = time.perf_counter() - t0
    peak = _peak_kb() / 1024 - base
    return {"tool": tool, "seconds": round(seconds, 3), "peak_mb": round(peak, 1),
            "frame_mb": round(frame.memory_usage(deep=True).sum() / 2**20, 1)}


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        write(path, n)
        file_mb = round(path.stat().st_size / 2**20, 1)
        runs: dict[str, list[dict]] = {"pandas": [], "kequn": []}
        for round_ in range(3):
            for tool in (("pandas", "kequn") if round_ % 2 == 0 else ("kequn", "pandas")):
                out = subprocess.run([sys.executable, __file__, "--one", tool, str(path)],
                                     check=True, capture_output=True, text=True).stdout
                runs[tool].append(json.loads(out.strip().splitlines()[-1]))
        for done in runs.values():
            best = min(done, key=lambda r: r["seconds"])
            row = {**best, "peak_mb": max(r["peak_mb"] for r in done), "runs": len(done)}
            print(json.dumps({"operation": "read customers csv", "size": n, **row,
                              "file_mb": file_mb}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        print(json.dumps(run_one(sys.argv[2], Path(sys.argv[3]))), flush=True)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000)
