"""Time and disk of ``make report`` at the default size: this builder against an older one.

    .venv/bin/python bench/bench_report.py                  # this tree only
    .venv/bin/python bench/bench_report.py --old <commit>   # and the builder at <commit>

The older builder runs from a temporary git worktree of ``<commit>`` with the same Python
environment (so its own dependencies, e.g. pdoc for the hand-written site, must be installed).
Both builds run in the same session, one after the other, on the same machine and load; the
ratio is the comparison that means something. Prints one JSON line per build.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _disk(path: Path) -> int:
    seen = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            seen += p.stat().st_size
    return seen


def _build(tree: Path, label: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="kequn-bench-report-") as tmp:
        out = Path(tmp) / "reports"
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "kequn_lib.report", "--output", str(out), "-q"],
            cwd=tree, capture_output=True, text=True, check=False,
            env={**__import__("os").environ, "PYTHONPATH": str(tree)},
        )
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"{label} build failed:\n{proc.stderr[-2000:]}")
        return {"operation": "make report (default size)", "tool": label,
                "seconds": round(seconds, 1), "disk_mb": round(_disk(Path(tmp)) / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=None, help="commit of the older builder")
    args = parser.parse_args()
    rows = [_build(REPO, "kequn (Sphinx book)")]
    if args.old:
        with tempfile.TemporaryDirectory(prefix="kequn-old-") as tmp:
            tree = Path(tmp) / "tree"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.old],
                           cwd=REPO, check=True, capture_output=True)
            try:
                rows.append(_build(tree, f"builder at {args.old[:10]}"))
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO,
                               check=False, capture_output=True)
                shutil.rmtree(tree, ignore_errors=True)
        rows[0]["ratio_to_old"] = round(rows[0]["seconds"] / rows[1]["seconds"], 2)
        rows[0]["disk_ratio_to_old"] = round(rows[0]["disk_mb"] / max(rows[1]["disk_mb"], 0.1), 2)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
