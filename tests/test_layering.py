"""The library imports without Textual, Scrapy or the heavy ML stack (docs/architecture.md)."""

import subprocess
import sys

import pytest

HEAVY = ["textual", "scrapy", "torch", "sentence_transformers", "faiss", "spacy", "twisted"]


@pytest.mark.parametrize("module", ["tracker", "tracker.cli", "tracker.config", "tracker.db.models",
                                    "tracker.store", "tracker.jobs.reports", "tracker.jobs.crawl",
                                    "tracker.jobs.nightly", "tracker.jobs.steps"])
def test_import_loads_no_heavy_library(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} loaded {out.stdout.strip()}"


def test_help_is_instant_and_light() -> None:
    code = (
        "import sys\nsys.argv=['tracker','--help']\nfrom tracker.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', [m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in out.stdout
    assert "crawl" in out.stdout and "stats" in out.stdout


def test_import_linter_contracts_hold() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stdout + out.stderr
