"""Time kequn's tiering steps on a large customer table against a bare ``pd.cut``.

Usage (from the repository root)::

    .venv/bin/python bench/bench_tiering.py --n-customers 10000000

Prints one JSON line per measurement::

    {"operation": "aum_tiers", "size": 10000000, "tool": "kequn", "seconds": 0.3, "peak_mb": 90.0}

Operations: ``aum_tiers`` (kequn, with its input checks) against ``pandas.cut`` with the same
bins and labels (no checks); ``contribution`` (kequn, with its checks) against the same formula
in plain numpy (columns to arrays, the six components and the total, no checks; after the
timing, ``bitwise_equal`` says whether its numbers are kequn's to the last bit);
``pareto_tiers`` (kequn only). ``seconds`` is
the best of ``--repeat`` runs on a table already in memory; ``peak_mb`` is the growth of the
process's peak resident memory during the runs. Each operation runs in its own process. Only
kequn's own dependencies are needed.
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
BOUNDS = [0.0, 5e4, 5e5, 6e6]  # the "industry" preset, CNY
LABELS = ["大众", "富裕", "贵宾", "私人银行"]
CASES = [("aum_tiers", "kequn"), ("aum_tiers", "pandas.cut"), ("contribution", "kequn"),
         ("contribution", "numpy"), ("pareto_tiers", "kequn")]


def make_table(n: int, seed: int = 0):
    """A heavy-tailed customer table with the columns ``contribution`` needs."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    aum = np.round(rng.lognormal(10.5, 2.0, n), 2)
    wealth_share = rng.beta(1.2, 4.0, n)
    return pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1, dtype="int64"),
            "aum": aum,
            "deposit_balance": np.round(aum * (1 - wealth_share), 2),
            "wealth_balance": np.round(aum * wealth_share, 2),
            "loan_balance": np.where(rng.random(n) < 0.2, np.round(rng.lognormal(12, 1.2, n)), 0),
            "fee_income_12m": np.round(rng.lognormal(5, 1.5, n), 2),
            "fx_volume_12m": np.where(rng.random(n) < 0.05, np.round(rng.lognormal(11, 2, n)), 0),
            "products_held": rng.integers(1, 8, n),
            "rm_contacts_90d": rng.poisson(0.5, n),
        }
    )


def worker(operation: str, tool: str, data: str, repeat: int) -> None:
    import numpy as np
    import pandas as pd

    table = pd.read_parquet(data)
    sys.path.insert(0, str(HERE.parent))  # the repository, when kequn is not installed
    import kequn_lib as kq

    contribution = None
    if operation == "pareto_tiers":
        contribution = kq.contribution(table)["contribution"]
    def plain_contribution():
        m = kq.ContributionModel()
        col = {c: table[c].to_numpy(dtype="float64") for c in
               ["deposit_balance", "loan_balance", "wealth_balance", "fee_income_12m",
                "fx_volume_12m", "products_held", "rm_contacts_90d"]}
        dep = col["deposit_balance"] * m.deposit_spread
        loan = col["loan_balance"] * m.loan_spread - col["loan_balance"] * m.loan_credit_cost
        wealth = col["wealth_balance"] * m.wealth_fee_rate
        fee = col["fee_income_12m"] * m.fee_passthrough
        fx = col["fx_volume_12m"] * m.fx_margin
        cost = (m.cost_per_customer + m.cost_per_product * col["products_held"]
                + m.cost_per_rm_contact * col["rm_contacts_90d"] * (365 / 90))
        return np.stack([dep, loan, wealth, fee, fx, cost, dep + loan + wealth + fee + fx - cost])

    fns = {
        ("aum_tiers", "kequn"): lambda: kq.aum_tiers(table),
        ("aum_tiers", "pandas.cut"): lambda: pd.cut(
            table["aum"], [*BOUNDS, np.inf], right=False, labels=LABELS
        ),
        ("contribution", "kequn"): lambda: kq.contribution(table),
        ("contribution", "numpy"): plain_contribution,
        ("pareto_tiers", "kequn"): lambda: kq.pareto_tiers(contribution),
    }
    fn = fns[(operation, tool)]
    full, table = table, table.head(1000)
    fn()  # imports (kequn's names load on first use), preset tables: outside the measurement
    table = full
    before = _status_kb("VmRSS") or _peak_kb()
    exact = _reset_peak()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
        del result
    peak = (_peak_kb() - before) / 1024
    line = {"seconds": round(best, 4), "peak_mb": round(max(peak, 0.0), 1), "peak_exact": exact}
    if (operation, tool) == ("contribution", "numpy"):  # the same formula: the same numbers
        ours = kq.contribution(table).to_numpy().T
        line["bitwise_equal"] = bool(np.array_equal(ours.view("uint64"), fn().view("uint64")))
    print(json.dumps(line))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-customers", type=int, nargs="+", default=[10_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker, args.data, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="kequn-bench-") as tmp:
        for n in args.n_customers:
            data = os.path.join(tmp, f"customers{n}.parquet")
            make_table(n).to_parquet(data)
            for operation, tool in CASES:
                line = {"operation": operation, "size": n, "tool": tool}
                cmd = [sys.executable, __file__, "--worker", operation, tool, "--data", data,
                       "--repeat", str(args.repeat)]
                proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if proc.returncode != 0:
                    line["skipped"] = proc.stderr.strip().splitlines()[-1][:200]
                else:
                    line.update(json.loads(proc.stdout.strip().splitlines()[-1]))
                print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
