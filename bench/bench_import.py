"""Time ``import kequn_lib`` against importing the libraries every analysis needs anyway.

Usage (from the repository root)::

    .venv/bin/python bench/bench_import.py --repeat 7

Each import runs in a fresh interpreter (``python -c``), so nothing is cached in the process;
``seconds`` is the best of ``--repeat`` runs of the import statement alone (timed inside the
child). Three statements, one JSON line each:

* ``kequn``: ``import kequn_lib``; public names load their module on first use;
* ``kequn, first use``: ``import kequn_lib`` and touch ``kq.rfm``, ``kq.aum_tiers`` and
  ``kq.make_customers`` (what a notebook's first cell pays);
* ``numpy+pandas+sklearn+pyarrow``: the peers' baseline named by the issue.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "kequn": "import kequn_lib",
    "kequn, first use": "import kequn_lib as kq; kq.rfm; kq.aum_tiers; kq.make_customers",
    "numpy+pandas+sklearn+pyarrow": "import numpy, pandas, sklearn, sklearn.cluster, pyarrow",
}

_TIMER = "import time; t0 = time.perf_counter(); {stmt}; print(time.perf_counter() - t0)"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    best = {name: float("inf") for name in CASES}
    for _ in range(args.repeat):  # interleaved, so a burst of load hits every case alike
        for name, stmt in CASES.items():
            out = subprocess.run([sys.executable, "-c", _TIMER.format(stmt=stmt)],
                                 capture_output=True, text=True, check=True, cwd=HERE.parent)
            best[name] = min(best[name], float(out.stdout.strip().splitlines()[-1]))
    for name, seconds in best.items():
        print(json.dumps({"operation": "import", "size": 1, "tool": name,
                          "seconds": round(seconds, 4)}), flush=True)


if __name__ == "__main__":
    main()
