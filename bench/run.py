"""Run kequn's benchmarks and write bench/RESULTS.md (regenerated; never edit it by hand).

    make bench                          # everything at the issue sizes (tens of minutes)
    .venv/bin/python bench/run.py --quick   # small sizes, a smoke run
    .venv/bin/python bench/run.py --only bench_rfm bench_import --output part.md

Each ``bench_*.py`` script runs in its own process and prints one JSON line per measurement
(operation, size, tool, seconds, peak_mb, ...). Peers (lifetimes, DuckDB, polars) live in a
separate environment, ``bench/.venv-peers``, created from ``bench/requirements-peers.txt``; a
script skips a peer that is not installed. Timings depend on the machine and its load, so they
are reported, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ["bench_synthetic.py", "--n", "1000000", "--transactions"],
    ["bench_synthetic.py", "--n", "10000000"],
    ["bench_rfm.py", "--n-transactions", "1000000", "10000000", "--n-customers", "200000"],
    ["bench_tiering.py", "--n-customers", "10000000"],
    ["bench_clustering.py"],
    ["bench_groups.py"],
    ["bench_read_files.py", "5000000"],
    ["bench_group_health.py"],
    ["bench_dask.py"],
    ["bench_import.py"],
    ["bench_larger_than_memory.py", "--gib", "1", "--rows-per-file", "10000000",
     "--tools", "kequn", "duckdb", "--repeat", "5"],
]
QUICK = [
    ["bench_synthetic.py", "--n", "100000", "--transactions"],
    ["bench_rfm.py", "--n-transactions", "200000", "--n-customers", "20000", "--repeat", "1"],
    ["bench_tiering.py", "--n-customers", "200000", "--repeat", "1"],
    ["bench_import.py", "--repeat", "3"],
]


def _machine() -> str:
    mem = "?"
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            mem = f"{int(fh.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or platform.machine()
    return (f"{os.cpu_count()} cores ({cpu}), {mem} memory, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def _pick(rows: list[dict], operation: str, tool: str, size: int | None = None) -> dict | None:
    found = [r for r in rows if r.get("operation") == operation and r.get("tool") == tool
             and r.get("seconds") is not None and (size is None or r.get("size") == size)]
    return found[-1] if found else None


def _goals(rows: list[dict]) -> list[str]:
    """The issues' goals, checked against this run's numbers (ratios within one run)."""
    out = []

    def add(goal: str, value: float | None, ok: bool | None, unit: str = "") -> None:
        shown = "not measured" if value is None else f"{value:.2f}{unit}"
        verdict = "" if ok is None else ("met" if ok else "**missed**")
        out.append(f"| {goal} | {shown} | {verdict} |")

    for n, limit in [(1_000_000, 3.0), (10_000_000, 40.0)]:
        r = _pick(rows, "make_customers", "kequn", n)
        add(f"make_customers {n:,}: <= {limit:.0f} s", r and r["seconds"],
            r and r["seconds"] <= limit, " s")
        add(f"make_customers {n:,}: peak <= 2x frame", r and r.get("peak_over_frame"),
            r and r.get("peak_over_frame", 99) <= 2, "x")
    for n in sorted({r["size"] for r in rows if r.get("operation") == "rfm"}):
        k, lt = _pick(rows, "rfm", "kequn", n), _pick(rows, "rfm", "lifetimes", n)
        fast = [x for x in (_pick(rows, "rfm", "duckdb", n), _pick(rows, "rfm", "polars", n)) if x]
        if k and lt:
            add(f"rfm {n:,}: >= 8x faster than lifetimes", lt["seconds"] / k["seconds"],
                lt["seconds"] / k["seconds"] >= 8, "x")
        if k and fast:
            best = min(fast, key=lambda x: x["seconds"])
            ratio = k["seconds"] / best["seconds"]
            add(f"rfm {n:,}: <= 1x the faster of DuckDB/polars ({best['tool']})", ratio,
                ratio <= 1.0, "x")
        duck = _pick(rows, "rfm", "duckdb", n)
        if k and duck and k.get("peak_mb") and duck.get("peak_mb"):
            ratio = k["peak_mb"] / duck["peak_mb"]
            add(f"rfm {n:,}: peak memory <= 1.2x DuckDB's", ratio, ratio <= 1.2, "x")
    for n in sorted({r["size"] for r in rows if r.get("operation") == "aum_tiers"}):
        k, cut = _pick(rows, "aum_tiers", "kequn", n), _pick(rows, "aum_tiers", "pandas.cut", n)
        if k and cut:
            ratio = k["seconds"] / cut["seconds"]
            add(f"aum_tiers {n:,}: <= 1.5x bare pd.cut", ratio, ratio <= 1.5, "x")
    for n in sorted({r["size"] for r in rows if r.get("operation") == "contribution"}):
        k, plain = _pick(rows, "contribution", "kequn", n), _pick(rows, "contribution", "numpy", n)
        if k and plain:
            ratio = k["seconds"] / plain["seconds"]
            add(f"contribution {n:,}: <= 1.5x plain numpy", ratio, ratio <= 1.5, "x")
    k, duck = _pick(rows, "rfm_parquet", "kequn"), _pick(rows, "rfm_parquet", "duckdb")
    if k and duck:
        ratio = k["seconds"] / duck["seconds"]
        add(f"Parquet rfm {k['size']:,} rows: <= 1.1x hand-written DuckDB (wall)", ratio,
            ratio <= 1.1, "x")
        if k.get("cpu_seconds") and duck.get("cpu_seconds"):
            ratio = k["cpu_seconds"] / duck["cpu_seconds"]
            add(f"Parquet rfm {k['size']:,} rows: CPU time vs hand-written DuckDB", ratio, None,
                "x")
        add(f"Parquet rfm {k['size']:,} rows: peak <= 1.2 GiB", k["peak_mb"] / 1024,
            k["peak_mb"] <= 1.2 * 1024, " GiB")
    k = _pick(rows, "import", "kequn")
    first = _pick(rows, "import", "kequn, first use")
    base = _pick(rows, "import", "numpy+pandas+sklearn+pyarrow")
    if k and base:
        ratio = k["seconds"] / base["seconds"]
        add("import kequn_lib: <= 1.2x numpy+pandas+sklearn+pyarrow", ratio, ratio <= 1.2, "x")
    if first and base:
        ratio = first["seconds"] / base["seconds"]
        add("import kequn_lib + first use of rfm/aum_tiers/make_customers vs the same", ratio,
            ratio <= 1.2, "x")
    pipe = _pick(rows, "pipeline_fit", "kequn segment_pipeline")
    bare = _pick(rows, "pipeline_fit", "sklearn KMeans on prepared matrix")
    if pipe and bare:
        ratio = pipe["seconds"] / bare["seconds"]
        add(f"pipeline fit {pipe['size']:,}: <= 1.5x bare KMeans", ratio, ratio <= 1.5, "x")
    k, pd_ = _pick(rows, "read customers csv", "kequn"), _pick(rows, "read customers csv", "pandas")
    if k and pd_:
        ratio = k["seconds"] / pd_["seconds"]
        add(f"read_customers {k['size']:,} rows: <= 1.5x pd.read_csv with dtypes", ratio,
            ratio <= 1.5, "x")
        if k.get("frame_mb"):
            share = k["peak_mb"] / k["frame_mb"]
            add(f"read_customers {k['size']:,} rows: peak <= 4x the frame", share, share <= 4,
                "x")
    ck = _pick(rows, "choose_k_2_10", "kequn choose_k (silhouette on 10,000)")
    if ck:
        add(f"choose_k 2..10 on {ck['size']:,}: <= 120 s", ck["seconds"], ck["seconds"] <= 120,
            " s")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description="Run kequn's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--output", default=str(HERE / "RESULTS.md"))
    parser.add_argument(
        "--only", nargs="+", metavar="SCRIPT",
        help="run only these scripts of the full list (e.g. bench_rfm bench_import); write the "
             "result with --output elsewhere, since RESULTS.md is the record of a whole run")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.only:
        wanted = {name.removesuffix(".py") for name in args.only}
        unknown = wanted - {cmd[0].removesuffix(".py") for cmd in plan}
        if unknown:
            parser.error(f"no such benchmark script: {', '.join(sorted(unknown))}")
        plan = [cmd for cmd in plan if cmd[0].removesuffix(".py") in wanted]
    rows, notes = [], []
    for cmd in plan:
        script = HERE / cmd[0]
        if not script.exists():
            notes.append(f"{cmd[0]}: not present")
            continue
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), *cmd[1:]], capture_output=True,
                              text=True, cwd=HERE.parent)
        sys.stderr.write(f"{' '.join(cmd)}: {time.perf_counter() - started:.0f} s\n")
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                rows.append(json.loads(line))
        if proc.returncode != 0:
            notes.append(f"{' '.join(cmd)} failed: {proc.stderr.strip().splitlines()[-1:]}")
    keys = ["operation", "size", "tool", "seconds", "peak_mb"]
    extra = sorted({k for r in rows for k in r} - set(keys))
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run.py{' --quick' if args.quick else ''}"
        f"{' --only ' + ' '.join(args.only) if args.only else ''}` on "
        f"{time.strftime('%Y-%m-%d')}; do not edit by hand.",
        "",
        f"Machine: {_machine()}.",
        "",
        "| " + " | ".join(keys + extra) + " |",
        "|" + " --- |" * (len(keys) + len(extra)),
    ]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(k, "")) for k in keys + extra) + " |")
    goals = _goals(rows)
    if goals:
        lines += ["", "## Goals (from the issues)", "", "| goal | this run | |",
                  "| --- | --- | --- |", *goals]
    if notes:
        lines += ["", "Notes:", *[f"- {n}" for n in notes]]
    analysis = HERE / "NOTES.md"
    if analysis.exists():
        lines += ["", analysis.read_text(encoding="utf-8").strip()]
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    sys.stderr.write(f"wrote {args.output}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
