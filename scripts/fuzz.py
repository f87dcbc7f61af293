"""Fuzz every parser and batch reader for a while; print inputs tried and crashes found.

    python scripts/fuzz.py [--seconds 60] [--only NAME-PREFIX]

Exit status 1 when any target crashed (each distinct crash is printed with an example).
The targets and their strategies live in ``tests/fuzzing`` (the bounded CI run uses them too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzing import all_targets, fuzz_for  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz.py")
    parser.add_argument("--seconds", type=float, default=60.0, help="per target (default 60)")
    parser.add_argument("--only", default="", help="run targets whose name starts with this")
    ns = parser.parse_args()
    targets = [t for t in all_targets() if t.name.startswith(ns.only)]
    total_crashes = 0
    print(f"{'target':<34} {'tried':>8} {'seconds':>8} {'crashes':>8}")
    for target in targets:
        report = fuzz_for(target, ns.seconds)
        total_crashes += len(report.crashes)
        print(f"{report.name:<34} {report.tried:>8} {report.seconds:>8.1f} {len(report.crashes):>8}",
              flush=True)
        for signature, example in report.crashes.items():
            print(f"    {signature}\n      e.g. {example}")
    print(f"{len(targets)} targets, {total_crashes} distinct crashes")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
