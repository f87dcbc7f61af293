"""``make bench``: the speed figures of issue 18 from one run, as one table.

Parts (each also runs alone; see its docstring):
  day      benchmarks/day_of_pubmed.py  4,000 abstracts through link-file + classify-file
  encode   benchmarks/encode.py         ONNX int8 vs torch encode; our pipeline vs raw encode
  tui      benchmarks/tui.py            gaps screen and grading figures on a 100k-paper store
  nightly  benchmarks/nightly.py        a nightly with nothing new vs a cold one

    python benchmarks/summary.py [PART ...]      (all parts by default)

Prints figures, asserts nothing; a part that fails prints its error in the table and the
others still run. The machine is printed first: figures from another machine differ.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Row = tuple[str, str, str]


def bench(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module of its own name (``tui`` would otherwise be the
    repository's ``tui.py``)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def day() -> list[Row]:
    return bench("day_of_pubmed").figures()


def encode() -> list[Row]:
    return bench("encode").figures()


def tui() -> list[Row]:
    tui_bench = bench("tui")
    url = os.environ.get("BENCH_LARGE_STORE")
    if not url:  # a 100k-paper synthetic store, made once per run
        import subprocess

        folder = Path(tempfile.mkdtemp(prefix="bench-large-"))
        url = f"sqlite:///{folder / 'large.db'}"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_large_store.py"),
                        "--database-url", url], check=True, stdout=subprocess.DEVNULL)
    return tui_bench.figures(url)


def nightly() -> list[Row]:
    return bench("nightly").figures()


PARTS: dict[str, Callable[[], list[Row]]] = {"day": day, "encode": encode, "tui": tui,
                                             "nightly": nightly}


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    return f"{cpus} cores ({model}){memory}, Python {platform.python_version()}"


def main() -> None:
    chosen = sys.argv[1:] or list(PARTS)
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        sys.exit(f"unknown part(s) {', '.join(unknown)}; parts: {', '.join(PARTS)}")
    print(f"machine: {machine()}", flush=True)
    rows: list[Row] = []
    for part in chosen:
        started = time.perf_counter()
        print(f"-- {part} ...", flush=True)
        try:
            got = PARTS[part]()
        except Exception as exc:  # one part's failure must not hide the others' figures
            traceback.print_exc()
            got = [(part, "failed", f"{type(exc).__name__}: {exc}"[:120])]
        rows += got
        print(f"-- {part}: {time.perf_counter() - started:.0f} s", flush=True)
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print()
    print(f"{'figure':<{width}}  {'value':<{value_width}}  note")
    print(f"{'-' * width}  {'-' * value_width}  ----")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<{value_width}}  {note}")


if __name__ == "__main__":
    main()
