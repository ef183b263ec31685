"""Benchmark: the synthetic group activity log and the group-health measures at 1M customers.

Prints one JSON line per measurement with keys operation, size, tool, seconds, peak_mb (and
``rows`` for the log, ``ratio`` for the peer). ``size`` is the number of customers; the log has
``size * weeks`` rows. The peer is a plain pandas ``groupby`` computing the same weekly table
as ``kq.weekly_group_activity`` (checked equal), so the ratio shows what the bincount path
buys over the obvious pandas idiom in the same run.

Usage::

    python bench/bench_group_health.py              # 1,000,000 customers, 12 weeks
    python bench/bench_group_health.py 200000 26    # another size and length
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

import kequn_lib as kq


def measure(operation: str, size: int, func, tool: str = "kequn", **extra) -> tuple:
    tracemalloc.start()
    t0 = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(json.dumps({"operation": operation, "size": size, "tool": tool,
                      "seconds": round(seconds, 3), "peak_mb": round(peak / 2**20, 1), **extra}),
          flush=True)
    return result, seconds


def pandas_weekly(log: pd.DataFrame) -> pd.DataFrame:
    """The weekly table with a pandas groupby (the peer)."""
    active = (log["posts"] > 0) | (log["replies"] > 0) | log["attended"]
    g = log.assign(active=active).groupby(["group_id", "week"], observed=True)
    out = g.agg(members=("customer_id", "nunique"), active_members=("active", "sum"),
                posts=("posts", "sum"), replies=("replies", "sum")).reset_index()
    out["activity"] = (out["posts"] + out["replies"]) / out["members"]
    return out


def main(n: int = 1_000_000, weeks: int = 12) -> None:
    roster = pd.DataFrame({"group": np.arange(n) // 100, "customer_id": np.arange(n)})
    log, _ = measure("make_group_activity", n,
                     lambda: kq.make_group_activity(roster, weeks=weeks, random_state=0),
                     rows=n * weeks)
    weekly, t_kq = measure("weekly_group_activity", n, lambda: kq.weekly_group_activity(log))
    peer, t_pd = measure("weekly_group_activity", n, lambda: pandas_weekly(log),
                         tool="pandas-groupby")
    same = np.allclose(weekly["activity"].to_numpy(), peer["activity"].to_numpy())
    print(json.dumps({"operation": "weekly_group_activity", "size": n, "tool": "ratio",
                      "ratio": round(t_pd / t_kq, 2), "same_result": bool(same)}), flush=True)
    measure("group_health", n, lambda: kq.group_health(log))
    measure("silent_groups", n, lambda: kq.silent_groups(log))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 12)
