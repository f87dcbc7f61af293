"""`tracker demo` end to end on the recorded snapshot: every kind of record, exports, and a
second run that changes nothing (the issue's acceptance test; about two minutes)."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tracker.exports.columns import KINDS

pytestmark = pytest.mark.slow


def _demo(db_url: str, data_dir: Path, home: Path) -> subprocess.CompletedProcess[str]:
    code = "from tracker.cli import main; main()"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_CONFIG=str(home / "no-such-tracker.toml"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([sys.executable, "-c", code, "demo", "--database-url", db_url, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=1200, env=env)


@dataclass
class DemoStore:
    home: Path
    db_url: str
    first: subprocess.CompletedProcess[str]

    @property
    def exports(self) -> Path:
        return self.home / "demo" / "exports"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    """One demo run into a fresh store, shared by the tests of this module."""
    home = tmp_path_factory.mktemp("demo")
    db_url = f"sqlite:///{home / 'demo.db'}"
    return DemoStore(home=home, db_url=db_url, first=_demo(db_url, home / "demo", home))


def test_demo_twice(demo_store: DemoStore) -> None:
    tmp_path, db_url, first = demo_store.home, demo_store.db_url, demo_store.first
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

    second = _demo(db_url, tmp_path / "demo", tmp_path)
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


def test_demo_exports_carry_true_provenance(demo_store: DemoStore) -> None:
    """No export holds the replay server's address or an invented URL, and records composed
    for the snapshot are flagged (issue 12, item 8)."""
    from sqlmodel import select

    from tracker.db.engine import open_store, session
    from tracker.db.models import Product, Registration

    assert demo_store.first.returncode == 0, demo_store.first.stderr[-3000:]
    files = sorted(demo_store.exports.iterdir())
    assert {p.suffix for p in files} >= {".csv", ".json"}
    for path in files:
        text = path.read_text("utf-8")
        for bad in ("127.0.0.1", "localhost", "/DEV/", "10.5555/radai-snapshot", "PPR9709384"):
            assert bad not in text, f"{path.name} holds {bad!r}"

    def rows(kind: str) -> list[dict]:
        return json.loads((demo_store.exports / f"{kind}.json").read_text("utf-8"))

    registrations = {r["number"]: r for r in rows("registrations")}
    assert registrations["Z-25-052-S-IX-E"]["composed"] is False  # the real AIRAmed certificate
    eudamed = [r for r in registrations.values() if r["regulator"] == "EU" and r["number"] != "Z-25-052-S-IX-E"]
    assert eudamed and all(r["composed"] is True for r in eudamed)  # composed EUDAMED devices, certificates
    assert all(r["source_url"].startswith("https://ec.europa.eu/tools/eudamed/api/") for r in eudamed)
    assert not any(r["composed"] for r in registrations.values() if r["regulator"] == "FDA")
    papers = {p["pmid"]: p for p in rows("papers")}
    assert papers["27797938"]["composed"] is False and papers["30834436"]["composed"] is True
    products = {p["product_id"]: p for p in rows("products")}
    companies = rows("companies")
    assert all("composed" in r for r in companies)
    engine = open_store(demo_store.db_url)
    try:
        with session(engine) as s:
            by_product: dict[str, list[bool]] = {}
            for slug, composed in s.exec(select(Product.slug, Registration.composed)
                                         .join(Registration, Registration.product_id == Product.id)):
                by_product.setdefault(slug, []).append(composed)
    finally:
        engine.dispose()
    flagged = {slug for slug, row in products.items() if row["composed"]}
    assert flagged and flagged == {slug for slug, flags in by_product.items() if all(flags)}
