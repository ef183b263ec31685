"""Benchmark: synthetic generation (make_customers, make_transactions).

Run one size per process so peak memory is the generator's own:

    python bench/bench_synthetic.py --n 1000000
    python bench/bench_synthetic.py --n 10000000

Prints one JSON line per measurement: operation, size, tool, seconds, peak_mb (resident memory
added by the call, above the interpreter with kequn imported), frame_mb (the result's size) and
their ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import kequn_lib as kq


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="customers")
    parser.add_argument("--transactions", action="store_true",
                        help="also time make_transactions (12 months) on the customers")
    args = parser.parse_args()
    kq.make_customers(n=1_000, random_state=0)  # warm imports and caches
    base = _rss_mb()
    started = time.perf_counter()
    customers = kq.make_customers(n=args.n, random_state=0)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base
    frame = customers.memory_usage(deep=True).sum() / 2**20
    print(json.dumps({"operation": "make_customers", "size": args.n, "tool": "kequn",
                      "seconds": round(seconds, 2), "peak_mb": round(peak), "frame_mb":
                      round(frame), "peak_over_frame": round(peak / frame, 2)}))
    if args.transactions:
        started = time.perf_counter()
        log = kq.make_transactions(customers, months=12, random_state=0)
        seconds = time.perf_counter() - started
        print(json.dumps({"operation": "make_transactions", "size": len(log), "tool": "kequn",
                          "seconds": round(seconds, 2)}))


if __name__ == "__main__":
    main()
