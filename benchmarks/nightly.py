"""The nightly job with nothing new against a cold one, the way a user runs it: prints figures,
asserts nothing.

Both runs are ``tracker nightly --replay data/snapshot --json`` as subprocesses, timed from
outside, on one fresh store and data directory in a temporary folder (SQLite): first the
cold run into the empty store, then the same command again on the same store with the same
recorded snapshot (nothing new: every source answers as before). ``--no-change-runs 2`` adds
a third run, the steady state (a run after a run that changed nothing skips the processing
steps too; see ``tracker.jobs.nightly``).

    python benchmarks/nightly.py [--no-change-runs 1] [--keep]

The code runs from a copy (``tracker/`` and ``spiders/`` copied into the temporary folder
first): the skip rule fingerprints the code, so an edit in the checkout while the benchmark
runs would otherwise make the runs with nothing new look like runs of new code.

Where the time of the run with nothing new goes comes from its own run report: the crawl
(one process per source), each step (skipped ones cost nothing), the store digests of the
skip rule; the rest is start-up, the replay server and the run's bookkeeping. About 4 to 5
minutes on two busy cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "data" / "snapshot"
GOAL = 0.02  # issue 18: a nightly with nothing new costs at most 2% of a cold one


def freeze_code(folder: Path) -> Path:
    """A copy of the code the runs use (the first entry of their ``PYTHONPATH``)."""
    code = folder / "code"
    for package in ("tracker", "spiders"):
        shutil.copytree(ROOT / package, code / package, ignore=shutil.ignore_patterns("__pycache__"))
    return code


def nightly(folder: Path, code: Path) -> tuple[float, dict[str, Any]]:
    """One ``tracker nightly`` on the store in ``folder``: wall seconds and its run report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}  # no user settings
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONPATH=str(code),
               TRACKER_DATA_DIR=str(folder / "data"), TRACKER_CONFIG=str(folder / "none.toml"))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", "nightly",
                           "--replay", str(SNAPSHOT), "--database-url",
                           f"sqlite:///{folder / 'tracker.db'}", "--json"],
                          env=env, capture_output=True, text=True, check=False, cwd=code)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"tracker nightly failed (exit {proc.returncode})")
    return seconds, json.loads(proc.stdout)


def breakdown(report: dict[str, Any]) -> dict[str, float]:
    """Seconds of the crawl, the steps, the skip rule (its store digests; from the report)."""
    crawl = sum(float(s.get("seconds", 0)) for s in report["sources"])
    steps = sum(float(s.get("seconds", 0)) for s in report["steps"].values())
    digests = float(report.get("state", {}).get("skip_rule_seconds", 0))
    return {"crawl": crawl, "steps": steps, "digests": digests}


def skipped(report: dict[str, Any]) -> list[str]:
    return [name for name, step in report["steps"].items() if step.get("status") == "skipped"]


def figures(no_change_runs: int = 1, keep: bool = False) -> list[tuple[str, str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-nightly-"))
    code = freeze_code(folder)
    try:
        cold, cold_report = nightly(folder, code)
        parts = breakdown(cold_report)
        rows = [("nightly, cold (replay snapshot)", f"{cold:.0f} s",
                 f"fresh SQLite store; crawl {parts['crawl']:.0f} s "
                 f"({len(cold_report['sources'])} spider processes), steps {parts['steps']:.0f} s")]
        first = 0.0
        for n in range(1, no_change_runs + 1):
            again, report = nightly(folder, code)
            first = first or again
            parts = breakdown(report)
            rest = again - parts["crawl"] - parts["steps"] - parts["digests"]
            label = "nightly, nothing new" + ("" if n == 1 else f" (run {n + 1}, steady)")
            rows.append((label, f"{again:.1f} s",
                         f"changed {report['changed']}; crawl {parts['crawl']:.1f} s, steps "
                         f"{parts['steps']:.1f} s, store digests {parts['digests']:.1f} s, rest "
                         f"{rest:.1f} s; skipped: {', '.join(skipped(report)) or 'none'}"))
        ratio = first / cold
        verdict = "meets" if ratio <= GOAL else "misses"
        rows.append(("nightly, nothing new / cold", f"{ratio:.1%}",
                     f"{verdict} the {GOAL:.0%} goal ({GOAL * cold:.1f} s here)"))
        return rows
    finally:
        if keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-change-runs", type=int, default=1,
                        help="runs with nothing new after the cold one (2: also the steady state)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary store and data")
    args = parser.parse_args()
    for name, value, note in figures(args.no_change_runs, args.keep):
        print(f"{name:<44} {value:<10} {note}")


if __name__ == "__main__":
    main()
