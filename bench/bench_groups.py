"""Benchmark: Dunbar-sized groups (kequn_lib.dunbar_groups) on a large synthetic bank.

Prints one JSON line per measurement with keys operation, size, tool, seconds, peak_mb.
``peak_mb`` is the peak of memory allocated through Python's allocator during the call
(tracemalloc; numpy reports its buffers to it), not the process's resident size.

Usage::

    python bench/bench_groups.py            # 1,000,000 customers
    python bench/bench_groups.py 200000     # another size
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc

import kequn_lib as kq

FEATURES = ["age", "tenure_months", "products_held", "app_logins_90d", "rm_contacts_90d"]
MONEY = ["aum", "loan_balance", "wealth_balance"]


def measure(operation: str, size: int, func) -> object:
    tracemalloc.start()
    t0 = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"operation": operation, "size": size, "tool": "kequn",
                      "seconds": round(seconds, 3), "peak_mb": round(peak / 2**20, 1)}),
          flush=True)
    return result


def main(n: int = 1_000_000) -> None:
    # individuals only (age is missing for firms); draw extra rows so that n remain
    customers = kq.make_customers(n=int(n * 1.25) + 100, random_state=0)
    customers = customers[customers["customer_kind"] == "individual"].iloc[:n]
    customers = customers.reset_index(drop=True)
    # segments: a cheap stand-in for kq.segment_pipeline at this size (AUM sextiles), so the
    # figure measures the grouping step alone
    rank = customers["aum"].rank(method="first")
    labels = (6 * (rank - 1) // len(customers)).astype("int64")
    size = len(customers)
    groups = measure(
        "dunbar_groups", size,
        lambda: kq.dunbar_groups(customers, by=labels, features=FEATURES, money=MONEY),
    )
    measure(
        "dunbar_dispersion", size,
        lambda: kq.dunbar_dispersion(customers, groups, features=FEATURES, money=MONEY),
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
