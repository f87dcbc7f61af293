"""Create a large synthetic store for the TUI benchmark: 100,000 papers and 2,000 products
by default, with companies, registrations, links, grades, market events, news, overrides and
runs, inserted in bulk (executemany in chunks). The data is random but reproducible (seed);
it is for timing only, not for any figure.

Overrides of every kind are there, so the effective evidence differs from the automatic rows
the way a reviewed store's does (``tracker.evidence.overrides``): rejected, confirmed and
hand-made links, levels set (to a level or to none), features and sample sizes set, and
decisions a later one replaces. A few papers are retracted and a few have no automatic grade;
some products are imaging systems (``tracker.store.universe``: left out of the figures unless
asked).

    python scripts/generate_large_store.py --database-url sqlite:///data/large.db
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from tracker.db.engine import open_store
from tracker.db.models import (
    Company,
    CompanyEvent,
    CrawlRun,
    EvidenceGrade,
    NewsItem,
    Override,
    PaperProductLink,
    Product,
    Publication,
    Registration,
    SourceRun,
)
from tracker.store.publication_match import normalize_title

LEVELS = ["1t", "1c", "2", "2", "2", "2", "3", "3", "4", "5", "6", None]
MODALITIES = ["CT", "MR", "X-ray", "Mammography", "Ultrasound", "PET", "Nuclear"]
SUBSPECIALTIES = ["Chest", "Neuro", "Breast", "MSK", "Abdomen", "Cardiac", "Prostate"]
WORDS = ["deep", "learning", "detection", "lung", "nodule", "fracture", "stroke", "mammography", "screening", "reader", "study", "accuracy", "prospective", "multicentre", "validation", "triage", "segmentation", "volumetry", "artificial", "intelligence", "radiograph", "chest", "brain", "hemorrhage", "cost", "effectiveness"]
CHUNK = 5000
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _bulk(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start:start + CHUNK])


def _title(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize() + f" ({n})"


def _overrides(rng: random.Random, *, papers: int, products: int,
               links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """People's decisions of every kind (inserted in this order, so a later one replaces an
    earlier one on the same key): link rejections (stored as ``false``, ``"reject"`` and
    ``"false"``), confirmations, hand-made links, levels (some to none), features (true,
    false, none), sample sizes, and decisions made twice."""
    out: list[dict[str, Any]] = []

    def add(target: str, pub: int, field_name: str, value: Any, product: int | None = None) -> None:
        out.append({"target": target, "publication_id": pub, "product_id": product,
                    "field_name": field_name, "value": value, "author": f"reviewer{len(out) % 3}",
                    "reason": "synthetic", "created_at": NOW})

    pairs = {(lk["publication_id"], lk["product_id"]) for lk in links}
    chosen = rng.sample(sorted(pairs), min(len(pairs), 300))
    for n, (pub, prod) in enumerate(chosen[:150]):  # rejected, in each stored spelling
        add("link", pub, "link", [False, "reject", "false"][n % 3], prod)
    for pub, prod in chosen[150:250]:  # confirmed
        add("link", pub, "link", True, prod)
    for pub, prod in chosen[250:]:  # rejected, then accepted again
        add("link", pub, "link", False, prod)
        add("link", pub, "link", True, prod)
    for n in range(150):  # hand-made links (pairs the linker did not make)
        pub, prod = rng.randint(1, papers), rng.randint(1, products)
        if (pub, prod) not in pairs:
            add("link", pub, "link", "accept" if n % 2 else True, prod)
    for _ in range(200):
        add("grade", rng.randint(1, papers), "level", rng.choice(["2", "3", "4", "6", None]))
    for name in ("prospective", "multicentre", "multinational", "vendor_independent", "rct",
                 "reader_study"):
        for _ in range(60):
            add("grade", rng.randint(1, papers), name, rng.choice([True, False, None]))
    for _ in range(40):
        add("grade", rng.randint(1, papers), "sample_size", rng.randint(20, 5000))
    for _ in range(40):  # a level decided twice: the later one wins
        pub = rng.randint(1, papers)
        add("grade", pub, "level", rng.choice(["1t", "2"]))
        add("grade", pub, "level", rng.choice(["3", "5", None]))
    return out


def generate(url: str, *, papers: int, products: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    engine = open_store(url)
    n_companies = max(1, products * 7 // 20)
    stamp = {"fetched_at": NOW}
    with engine.begin() as conn:
        _bulk(conn, Company.__table__, [
            {"id": i, "name": f"Vendor {i}", "normalized_name": f"vendor {i}", "source": "synthetic",
             "source_url": "", "created_at": NOW} for i in range(1, n_companies + 1)])
        _bulk(conn, Product.__table__, [
            {"id": i, "slug": f"product-{i}", "company_id": rng.randint(1, n_companies),
             "name": f"Product {i} {rng.choice(WORDS).title()}", "normalized_name": f"product {i}",
             "modality": rng.choice(MODALITIES), "subspecialty": rng.choice(SUBSPECIALTIES),
             "kind": "imaging-system" if rng.random() < 0.15 else "software",
             "source": "synthetic", "source_url": f"https://example.org/p/{i}", "created_at": NOW}
            for i in range(1, products + 1)])
        regs = []
        for i in range(1, products + 1):
            for k in range(rng.randint(1, 2)):
                eu = rng.random() < 0.5
                regs.append({
                    "regulator": "EU" if eu else "FDA",
                    "kind": "EUDAMED certificate" if eu else rng.choice(["510(k)", "510(k)", "De Novo"]),
                    "number": f"{'CE' if eu else 'K'}{i:06d}{k}", "device_name": f"Product {i}",
                    "applicant": "x", "product_id": i, "decision_date": date(2012, 1, 1)
                    + timedelta(days=rng.randint(0, 13 * 365)),
                    "ce_class": rng.choice(["I", "IIa", "IIb", "III"]) if eu else None,
                    "source": "synthetic", "source_url": "", "raw": None, "content_hash": "",
                    "extra": {}, **stamp})
        _bulk(conn, Registration.__table__, regs)
        events = []
        for n in range(products // 20):
            acquirer, target = rng.sample(range(1, n_companies + 1), 2)
            # tracker.market convention: ``company`` is the target, ``counterparty`` the acquirer
            events.append({"event_type": "acquisition" if n % 5 else "closure",
                           "company_id": target,
                           "counterparty_id": acquirer if n % 5 else None,
                           "event_date": date(2015, 1, 1) + timedelta(days=rng.randint(0, 3650)),
                           "status": "completed", "origin": "synthetic", "confidence": 1.0,
                           "confirmed": False, "natural_key": f"syn-{n}", "source": "synthetic",
                           "source_url": "", **stamp})
        _bulk(conn, CompanyEvent.__table__, events)
        pubs, grades, links = [], [], []
        for i in range(1, papers + 1):
            title = _title(rng, i)
            pubs.append({"id": i, "pmid": str(10_000_000 + i), "title": title,
                         "normalized_title": normalize_title(title),
                         "abstract": " ".join(rng.choice(WORDS) for _ in range(120)),
                         "abstract_sections": [], "year": rng.randint(2010, 2025),
                         "journal": rng.choice(["Radiology", "Eur Radiol", "AJR", "Insights Imaging"]),
                         "authors": [], "affiliations": [], "publication_types": [], "mesh": [],
                         "keywords": [], "grants": [], "is_preprint": rng.random() < 0.05,
                         "is_retracted": rng.random() < 0.005, "content_hash": "", "source": "synthetic",
                         "source_url": "", "created_at": NOW, "updated_at": NOW, **stamp})
            level = rng.choice(LEVELS)
            if rng.random() >= 0.02:  # a few papers have no automatic grade
                grades.append({
                    "publication_id": i, "level": level, "confidence": rng.random(),
                    "prospective": rng.random() < 0.2, "multicentre": rng.random() < 0.35,
                    "multinational": rng.random() < 0.12,
                    "vendor_independent": rng.choice([True, False, None]),
                    "cues": [], "needs_review": False, "model_version": "synthetic",
                    "created_at": NOW})
            if rng.random() < 0.45:
                for product in rng.sample(range(1, products + 1), rng.choice([1, 1, 1, 2])):
                    links.append({"publication_id": i, "product_id": product,
                                  "score": round(rng.uniform(0.3, 1.0), 3), "method": "synthetic",
                                  "evidence": "synthetic sentence", "model_version": "",
                                  "created_at": NOW})
        _bulk(conn, Publication.__table__, pubs)
        _bulk(conn, EvidenceGrade.__table__, grades)
        _bulk(conn, PaperProductLink.__table__, links)
        overrides = _overrides(rng, papers=papers, products=products, links=links)
        _bulk(conn, Override.__table__, overrides)
        _bulk(conn, NewsItem.__table__, [
            {"url": f"https://example.org/news/{i}", "title": f"Vendor {rng.randint(1, n_companies)} news {i}",
             "published": NOW - timedelta(days=i), "source": "synthetic", "source_url": "",
             "raw": None, "content_hash": "", **stamp} for i in range(2000)])
        runs = [{"id": i, "kind": "nightly", "status": rng.choice(["ok", "ok", "partial"]),
                 "started_at": NOW - timedelta(days=i), "finished_at": NOW - timedelta(days=i)
                 + timedelta(minutes=30), "report": {}} for i in range(1, 366)]
        _bulk(conn, CrawlRun.__table__, runs)
        _bulk(conn, SourceRun.__table__, [
            {"run_id": r["id"], "source": source, "status": "ok", "requests": rng.randint(1, 500),
             "items_new": rng.randint(0, 50), "items_updated": 0, "items_unchanged": 0,
             "errors": 0, "error_text": "", "started_at": r["started_at"],
             "finished_at": r["finished_at"]}
            for r in runs for source in ("fda_list", "openfda", "eudamed", "pubmed", "europepmc", "news")])
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in ("company", "product", "publication", "crawlrun"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    engine.dispose()
    return {"companies": n_companies, "products": products, "registrations": len(regs),
            "papers": papers, "links": len(links), "grades": len(grades), "events": len(events),
            "overrides": len(overrides)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///data/large.db")
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = generate(args.database_url, papers=args.papers, products=args.products, seed=args.seed)
    print(f"{args.database_url}: {counts} in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
