"""`tracker demo` end to end on the recorded snapshot: every kind of record, exports, and a
second run that changes nothing (the issue's acceptance test; about two minutes)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.exports.columns import KINDS

pytestmark = pytest.mark.slow


def _demo(db_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    code = "from tracker.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, "demo", "--database-url", db_url, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=1200)


def test_demo_twice(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = _demo(db_url, tmp_path / "demo")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    counts = {}
    for line in first.stdout.split("Store now holds:")[1].splitlines()[1:9]:
        name, value = line.split()
        counts[name] = int(value)
    assert all(v > 0 for v in counts.values()), counts
    exports = tmp_path / "demo" / "exports"
    assert {p.name for p in exports.iterdir()} >= {f"{k}.csv" for k in KINDS}
    products = json.loads((exports / "products.json").read_text("utf-8"))
    assert len(products) == counts["products"] and all(p["source_url"] for p in products)
    _gap_lists_agree(db_url, json.loads((exports / "gaps.json").read_text("utf-8")))

    second = _demo(db_url, tmp_path / "demo")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "Nothing changed: the store already held this snapshot." in second.stdout
    assert second.stdout.split("Store now holds:")[1].splitlines()[1:9] == \
        first.stdout.split("Store now holds:")[1].splitlines()[1:9]


def _gap_lists_agree(db_url: str, exported: list[dict]) -> None:
    """The TUI's gap lists (views over the evidence core) equal the ``gaps`` export."""
    from tracker.db.engine import open_store, session
    from tracker.evidence.effective import evidence_set
    from tracker.evidence.gaps import GAPS
    from tracker.views.gaps import evidence_gaps
    from tracker.views.products import product_rows

    engine = open_store(db_url)
    try:
        with session(engine) as s:
            ev = evidence_set(s)
            rows = product_rows(s, evidence=ev)
            tui = evidence_gaps(rows, ev).lists
    finally:
        engine.dispose()
    assert len(rows) == len(exported)
    for gap in GAPS:
        shown = {r.slug for r in tui[gap.key]}
        assert shown == {r["product_id"] for r in exported if r[gap.column]}, gap.key
        assert 0 < len(shown) <= len(rows)
