"""Store benchmark: the same store operations on SQLite and on PostgreSQL at 100,000 papers.
Prints figures, asserts nothing.

    python benchmarks/store.py                 # 100,000 papers, up to 5,000 upserts or 40 s
    python benchmarks/store.py --quick         # 10,000 papers, up to 1,000 upserts or 15 s
    python benchmarks/store.py --papers 50000 --upserts 2000 --upsert-seconds 120

About 9-10 minutes at 100,000 papers on two busy cores, a third of it the exports; the quick
mode about 2.5 minutes.

For each engine, a fresh store gets the demo's product universe the real way (the FDA
AI-enabled list of the recorded snapshot imported and resolved into products: about 800
products), then synthetic but realistic papers in bulk (titles and abstracts drawn from the
words and sentences of the real papers in the recorded PubMed snapshot, linked ones naming
their product; authors, MeSH terms, a PubMed source copy each, a grade each
with the level mix of the demo, a quarter of them linked to one or two products, skewed so a
few products have hundreds of papers and most have a handful; a few reviewers' overrides). The bulk load is set-up, shown but not the point. Then, timed:

1. upserts through the crawl's own path (``spiders.pipelines.StorePipeline``: one savepoint
   per record, a commit every 50), two new papers to one Europe PMC copy of a stored paper;
   and the same with a commit per record, as in a distributed crawl. The pipeline is fed
   until the sample is done or the time cap passed; the rate is over what went through;
2. the evidence-gaps screen's reads: the TUI's products bundle (``tracker.tui.data.StoreData``:
   evidence set, ownership, product rows), the gap lists and the reference figures;
   ``tracker stats --evidence``'s figures (which read the evidence themselves);
3. the nightly's export (``tracker.exports.run.export_all``: every kind, CSV and JSON).

PostgreSQL is a throwaway server (``tracker.devtools.servers.PostgresServer``) with its
durability on (``fast=False``: fsync, synchronous commit, full-page writes, as a real server);
SQLite runs as the tracker runs it (WAL, ``synchronous=NORMAL``). Both in the same temporary
folder on the same disk. Reads run twice and the second (warm) run is reported.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from tracker.config import Settings, get_settings  # noqa: E402
from tracker.db.engine import open_store, session  # noqa: E402
from tracker.db.models import (  # noqa: E402
    EvidenceGrade,
    Override,
    PaperProductLink,
    Product,
    Publication,
    PublicationSource,
)
from tracker.records import Author, PublicationRecord  # noqa: E402
from tracker.store.publication_match import normalize_title  # noqa: E402

FDA_LIST = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"
CHUNK = 2000
NOW = datetime(2025, 6, 1, tzinfo=UTC)
SEED = 20250601

LEVELS = ["1t"] * 6 + ["1c"] * 4 + ["2"] * 40 + ["3"] * 22 + ["4"] * 10 + ["5"] * 6 + ["6"] * 3 + [None] * 9
"""Roughly the demo store's mix (40% at level 2, about 41% at levels 3-6), in percent."""
JOURNALS = ["Radiology", "European Radiology", "AJR Am J Roentgenol", "Insights into Imaging",
            "Radiology: Artificial Intelligence", "Eur J Radiol", "Acad Radiol", "Lancet Digit Health",
            "npj Digit Med", "Neuroradiology", "Br J Radiol", "J Digit Imaging"]
MESH = ["Artificial Intelligence", "Deep Learning", "Radiography", "Tomography, X-Ray Computed",
        "Magnetic Resonance Imaging", "Mammography", "Sensitivity and Specificity", "Humans",
        "Retrospective Studies", "Prospective Studies", "ROC Curve", "Radiologists"]


@dataclass
class Figures:
    """Seconds (or a rate) per operation for one engine."""

    engine: str
    seconds: dict[str, float] = field(default_factory=dict)
    rates: dict[str, int] = field(default_factory=dict)
    """For the rate rows: how many records the seconds are for (the rate is count / seconds)."""
    notes: dict[str, str] = field(default_factory=dict)


# -- synthetic papers ---------------------------------------------------------------------------

@dataclass
class Corpus:
    """Title words and abstract sentences of the real papers in the recorded PubMed snapshot:
    synthetic titles and abstracts drawn from them keep real word frequencies (which decide
    how many stored titles a new paper's title words match) and real lengths."""

    title_words: list[str]
    sentences: list[str]

    @classmethod
    def load(cls) -> Corpus:
        import xml.etree.ElementTree as ET

        words: list[str] = []
        sentences: list[str] = []
        for path in sorted((ROOT / "data" / "snapshot" / "pubmed").glob("efetch_*.xml")):
            for article in ET.parse(path).getroot().iter("PubmedArticle"):
                title = article.find(".//ArticleTitle")
                if title is not None:
                    words += "".join(title.itertext()).rstrip(".").split()
                for part in article.iter("AbstractText"):
                    sentences += [x.strip() + "." for x in "".join(part.itertext()).split(". ") if x.strip()]
        return cls(words, sentences)

    def title(self, rng: random.Random, product: str | None) -> str:
        words = rng.choices(self.title_words, k=rng.randint(8, 15))
        if product:
            words.insert(rng.randint(0, 3), product)
        return " ".join(words).capitalize()

    def abstract(self, rng: random.Random) -> str:
        return " ".join(rng.choices(self.sentences, k=rng.randint(8, 12)))


def _authors(rng: random.Random) -> list[dict[str, Any]]:
    return [{"name": f"Author{rng.randint(1, 40000)} {chr(65 + rng.randint(0, 25))}",
             "affiliations": [f"Department of Radiology, Hospital {rng.randint(1, 3000)}"],
             "orcid": None} for _ in range(rng.randint(3, 9))]


def _weights(n: int, rng: random.Random) -> list[float]:
    """Zipf-like popularity over products in a random order: a few with hundreds of papers."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1.0 / r ** 1.1 for r in ranks]


def bulk_papers(engine: Engine, *, papers: int, rng: random.Random, corpus: Corpus) -> dict[str, int]:
    """Insert ``papers`` papers with a source copy and a grade each, a quarter linked to one or
    two products (bulk inserts, explicit ids; PostgreSQL's sequences moved past them)."""
    with session(engine) as s:
        products = [(pid, name) for pid, name in s.execute(
            select(Product.id, Product.name).where(Product.kind == "software").order_by(Product.id))]
    weights = _weights(len(products), rng)
    counts = {"publications": 0, "links": 0, "grades": 0}
    with engine.begin() as conn:
        for start in range(1, papers + 1, CHUNK):
            pubs, sources, grades, links = [], [], [], []
            for i in range(start, min(start + CHUNK, papers + 1)):
                linked = rng.random() < 0.25
                chosen = rng.choices(products, weights=weights, k=rng.choice([1, 1, 1, 2])) if linked else []
                year = rng.choices(range(2012, 2026), weights=range(1, 15))[0]
                what = chosen[0][1] if chosen else None
                title = corpus.title(rng, what)
                pmid = str(30_000_000 + i)
                pubs.append({
                    "id": i, "pmid": pmid, "doi": f"10.9999/bench.{i}" if rng.random() < 0.8 else None,
                    "title": title, "normalized_title": normalize_title(title), "abstract": corpus.abstract(rng),
                    "abstract_sections": [], "year": year, "pub_date": date(year, rng.randint(1, 12), 1),
                    "journal": rng.choice(JOURNALS), "authors": _authors(rng),
                    "affiliations": [], "publication_types": ["Journal Article"],
                    "mesh": rng.sample(MESH, 4), "keywords": [], "grants": [], "language": "eng",
                    "is_preprint": rng.random() < 0.03, "is_retracted": rng.random() < 0.002,
                    "content_hash": f"{i:032x}", "source": "pubmed", "composed": False,
                    "source_url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                    "fetched_at": NOW, "created_at": NOW, "updated_at": NOW})
                sources.append({"publication_id": i, "source": "pubmed", "external_id": pmid,
                                "source_url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
                                "fetched_at": NOW, "raw": None, "content_hash": f"{i:032x}",
                                "composed": False})
                grades.append({"publication_id": i, "level": rng.choice(LEVELS),
                               "confidence": round(rng.uniform(0.3, 0.99), 3),
                               "prospective": rng.random() < 0.2, "multicentre": rng.random() < 0.35,
                               "multinational": rng.random() < 0.1, "reader_study": rng.random() < 0.15,
                               "rct": rng.random() < 0.02, "sample_size": rng.randint(40, 20000),
                               "vendor_independent": rng.choice([True, False, None]),
                               "relevance": "product-evaluation" if linked else "ai-imaging",
                               "relevance_reason": "synthetic", "cues": ["AUC"],
                               "needs_review": rng.random() < 0.04, "model_version": "benchmark",
                               "created_at": NOW})
                for pid in {p for p, _ in chosen}:
                    links.append({"publication_id": i, "product_id": pid,
                                  "score": round(rng.uniform(0.55, 1.0), 3), "method": "mention+embedding",
                                  "evidence": f"{what} was evaluated.", "model_version": "benchmark",
                                  "created_at": NOW})
            conn.execute(insert(Publication.__table__), pubs)  # type: ignore[arg-type]
            conn.execute(insert(PublicationSource.__table__), sources)  # type: ignore[arg-type]
            conn.execute(insert(EvidenceGrade.__table__), grades)  # type: ignore[arg-type]
            if links:
                conn.execute(insert(PaperProductLink.__table__), links)  # type: ignore[arg-type]
            counts["publications"] += len(pubs)
            counts["grades"] += len(grades)
            counts["links"] += len(links)
        conn.execute(insert(Override.__table__), [  # type: ignore[arg-type]
            {"target": "grade", "publication_id": rng.randint(1, papers), "field_name": "level",
             "value": rng.choice(["2", "3", "4"]), "author": f"reviewer{n % 4}", "reason": "checked",
             "created_at": NOW} for n in range(200)])
        if engine.dialect.name == "postgresql":
            for table in ("publication", "publicationsource", "evidencegrade", "paperproductlink", "override"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # fresh planner statistics, as after a night of autovacuum
    return counts


def upsert_records(papers: int, count: int, rng: random.Random, offset: int,
                   corpus: Corpus) -> list[PublicationRecord]:
    """Two thirds new PubMed papers, one third Europe PMC copies of stored papers (a new
    source copy and a filled-in DOI: an update)."""
    records = []
    for n in range(count):
        if n % 3 == 2:
            i = rng.randint(1, papers)
            pmid = str(30_000_000 + i)
            records.append(PublicationRecord(
                source="europepmc", external_id=f"MED:{pmid}", pmid=pmid, doi=f"10.9999/bench.{i}",
                title=f"Stored paper {i}", year=2020, source_url=f"https://europepmc.org/article/MED/{pmid}",
                fetched_at=NOW))
            continue
        i = offset + n
        pmid = str(40_000_000 + i)
        records.append(PublicationRecord(
            source="pubmed", external_id=pmid, pmid=pmid,
            title=corpus.title(rng, None), abstract=corpus.abstract(rng), year=2025,
            journal=rng.choice(JOURNALS),
            authors=[Author(name=a["name"], affiliations=a["affiliations"]) for a in _authors(rng)],
            mesh=rng.sample(MESH, 4), publication_types=["Journal Article"],
            source_url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/", fetched_at=NOW))
    return records


# -- timed operations ---------------------------------------------------------------------------

@contextmanager
def timed(figures: Figures, label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    figures.seconds[label] = time.perf_counter() - start


def through_pipeline(url: str, records: list[PublicationRecord], *, batch: int | None,
                     seconds: float) -> tuple[int, float, dict[str, int]]:
    """The crawl's own item pipeline, with Scrapy's settings and stats objects: records fed
    until all went through or ``seconds`` passed; (records, seconds, outcomes)."""
    from scrapy.settings import Settings as ScrapySettings
    from scrapy.statscollectors import MemoryStatsCollector

    from spiders.pipelines import StorePipeline

    values: dict[str, Any] = {"TRACKER_DATABASE_URL": url}
    if batch is not None:
        values["TRACKER_STORE_BATCH"] = batch
    crawler = SimpleNamespace(settings=ScrapySettings(values), spider=SimpleNamespace(name="benchmark"))
    crawler.stats = MemoryStatsCollector(crawler)  # type: ignore[attr-defined]
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    start = time.perf_counter()
    done = 0
    for record in records:
        pipeline.process_item(record)
        done += 1
        if time.perf_counter() - start > seconds:
            break
    pipeline.close_spider(crawler.spider)  # the last commit
    elapsed = time.perf_counter() - start
    stats = crawler.stats.get_stats()  # type: ignore[attr-defined]
    return done, elapsed, {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("tracker/")}


def warm(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run twice; the second run's result and seconds."""
    fn()
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run_engine(name: str, url: str, *, papers: int, upserts: int, upsert_seconds: float, work: Path,
               corpus: Corpus, progress: Callable[[str], None]) -> Figures:
    from tracker.evidence.figures import store_figures
    from tracker.exports.run import export_all
    from tracker.jobs import steps
    from tracker.jobs.importers import import_fda_list
    from tracker.tui.data import StoreData
    from tracker.views.gaps import evidence_gaps

    figures = Figures(name)
    settings: Settings = get_settings(database_url=url, data_dir=work / f"data-{name}")
    rng = random.Random(SEED)
    engine = open_store(url)
    with timed(figures, "set-up: products from the FDA list (import + resolve)"):
        import_fda_list(engine, path=FDA_LIST)
        steps.seed_events(engine, settings)
        resolved = steps.resolve_products(engine, settings)
    figures.notes["products"] = str(resolved.get("products"))
    progress(f"{name}: {resolved.get('products')} products; loading {papers:,} papers")
    with timed(figures, f"set-up: bulk load of {papers:,} papers (not the upsert path)"):
        counts = bulk_papers(engine, papers=papers, rng=rng, corpus=corpus)
    figures.notes.update({k: f"{v:,}" for k, v in counts.items()})

    progress(f"{name}: up to {upserts:,} upserts through the pipeline ({upsert_seconds:.0f} s at most)")
    records = upsert_records(papers, upserts, rng, offset=papers + 1, corpus=corpus)
    done, elapsed, outcome = through_pipeline(url, records, batch=None, seconds=upsert_seconds)
    figures.seconds["upsert"], figures.rates["upsert"] = elapsed, done
    figures.notes["upsert"] = ", ".join(f"{k} {v}" for k, v in sorted(outcome.items()))
    records = upsert_records(papers, max(1, upserts // 5), rng, offset=papers + upserts + 1, corpus=corpus)
    done, elapsed, _ = through_pipeline(url, records, batch=1, seconds=upsert_seconds / 5)
    figures.seconds["upsert, commit per record"], figures.rates["upsert, commit per record"] = elapsed, done

    progress(f"{name}: gaps and figures")
    store = StoreData(settings, engine)

    def bundle() -> Any:
        store.invalidate()
        return store.products()

    products, figures.seconds["gaps screen: products bundle (evidence, ownership, rows)"] = warm(bundle)
    _, figures.seconds["gaps screen: gap lists"] = warm(lambda: evidence_gaps(products.rows, products.evidence))

    def screen_figures() -> Any:
        with session(engine) as s:
            return store_figures(s, products.evidence)

    def stats_figures() -> Any:
        with session(engine) as s:
            return store_figures(s)

    _, figures.seconds["gaps screen: reference figures"] = warm(screen_figures)
    _, figures.seconds["stats --evidence: figures (reads the evidence)"] = warm(stats_figures)
    figures.notes["rows"] = f"{len(products.rows):,} product rows, {len(products.evidence.links):,} links"

    progress(f"{name}: export")
    folder = work / f"exports-{name}"
    with timed(figures, "export: every kind, CSV + JSON (nightly)"):
        exported = export_all(engine, folder=folder)
    figures.notes["export"] = f"{exported.get('papers', 0):,} paper rows, " \
        f"{sum(p.stat().st_size for p in folder.iterdir()) / 1024 / 1024:.0f} MiB"
    shutil.rmtree(folder, ignore_errors=True)
    engine.dispose()
    return figures


# -- report -------------------------------------------------------------------------------------

def table(sqlite: Figures, postgres: Figures | None) -> str:
    rows = [("operation", "SQLite", "PostgreSQL", "ratio")]
    names = {"upsert": "upserts (StorePipeline, commit per 50)",
             "upsert, commit per record": "upserts, commit per record (distributed crawl)"}

    def cell(figs: Figures | None, label: str) -> str:
        if figs is None or label not in figs.seconds:
            return "-"
        seconds = figs.seconds[label]
        if label in figs.rates:
            return f"{figs.rates[label] / seconds:,.1f}/s ({figs.rates[label]:,})"
        return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"

    def per_unit(figs: Figures, label: str) -> float:
        return figs.seconds[label] / figs.rates.get(label, 1)

    for label in sqlite.seconds:
        ratio = "-"
        if postgres is not None and label in postgres.seconds and sqlite.seconds[label] > 0:
            ratio = f"{per_unit(postgres, label) / per_unit(sqlite, label):.2f}"
        rows.append((names.get(label, label), cell(sqlite, label), cell(postgres, label), ratio))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]:>{widths[3]}}"
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=None, help="papers in each store (default 100,000)")
    parser.add_argument("--upserts", type=int, default=None, help="records through the pipeline (default 5,000)")
    parser.add_argument("--upsert-seconds", type=float, default=None,
                        help="stop feeding the pipeline after this long (default 40; the rate is "
                             "over what went through); a fifth of it for the commit-per-record run")
    parser.add_argument("--quick", action="store_true", help="10,000 papers, 1,000 upserts, 15 s")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    papers = args.papers or (10_000 if args.quick else 100_000)
    upserts = args.upserts or (1_000 if args.quick else 5_000)
    upsert_seconds = args.upsert_seconds or (15.0 if args.quick else 40.0)

    from tracker.devtools.servers import PostgresServer, missing_postgres

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-store-"))

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        corpus = Corpus.load()
        sqlite = run_engine("sqlite", f"sqlite:///{work / 'tracker.db'}", papers=papers,
                            upserts=upserts, upsert_seconds=upsert_seconds, work=work,
                            corpus=corpus, progress=progress)
        postgres: Figures | None = None
        reason = "--sqlite-only" if args.sqlite_only else missing_postgres()
        if reason is None:
            with PostgresServer(fast=False) as server:
                url = server.create_database("bench")
                postgres = run_engine("postgresql", url, papers=papers, upserts=upserts,
                                      upsert_seconds=upsert_seconds, work=work, corpus=corpus,
                                      progress=progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Store benchmark: {papers:,} papers over {sqlite.notes['products']} products "
          f"({sqlite.notes['links']} links, {sqlite.notes['grades']} grades); "
          f"PostgreSQL with durability on")
    print(table(sqlite, postgres))
    print("ratio: PostgreSQL time / SQLite time, per record for the upserts (above 1: PostgreSQL slower)")
    print(f"upserts: up to {upserts:,} records or {upsert_seconds:.0f} s ({upsert_seconds / 5:.0f} s with a "
          f"commit per record), whichever came first; a third are Europe PMC copies of stored "
          f"papers; outcomes on SQLite: {sqlite.notes['upsert']}")
    print(f"gaps screen: {sqlite.notes['rows']}; export: {sqlite.notes['export']}")
    if postgres is None:
        print(f"PostgreSQL skipped: {reason}")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
