"""Create a large synthetic store for the TUI benchmark: 100,000 papers and 2,000 products
by default, with companies, registrations, links, grades, market events, news, overrides and
runs, inserted in bulk (executemany in chunks). The data is random but reproducible (seed);
it is for timing only, not for any figure.

    python scripts/generate_large_store.py --database-url sqlite:///data/large.db
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

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
                         "normalized_title": title.lower(),
                         "abstract": " ".join(rng.choice(WORDS) for _ in range(120)),
                         "abstract_sections": [], "year": rng.randint(2010, 2025),
                         "journal": rng.choice(["Radiology", "Eur Radiol", "AJR", "Insights Imaging"]),
                         "authors": [], "affiliations": [], "publication_types": [], "mesh": [],
                         "keywords": [], "grants": [], "is_preprint": rng.random() < 0.05,
                         "is_retracted": False, "content_hash": "", "source": "synthetic",
                         "source_url": "", "created_at": NOW, "updated_at": NOW, **stamp})
            level = rng.choice(LEVELS)
            grades.append({"publication_id": i, "level": level, "confidence": rng.random(),
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
        _bulk(conn, Override.__table__, [
            {"target": "grade", "publication_id": rng.randint(1, papers), "field_name": "level",
             "value": rng.choice(["2", "3"]), "author": "bench", "reason": "", "created_at": NOW}
            for _ in range(50)])
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
    engine.dispose()
    return {"companies": n_companies, "products": products, "registrations": len(regs),
            "papers": papers, "links": len(links), "grades": len(grades), "events": len(events)}


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
