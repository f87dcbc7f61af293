"""Queries that must stay fast on a large store, checked against the slow way.

The evidence counted in SQL (``tracker.evidence.effective.evidence_summary``: the gaps screen,
the reference figures) gives the same numbers as the evidence read link by link
(``evidence_set``: the exports, the detail views), on both engines, on a generated store with a
person's decisions of every kind (``scripts/generate_large_store.py``: rejected, confirmed and
hand-made links, levels set to a level or to none, features, sample sizes, decisions made
twice; retracted papers, preprints, papers without an automatic grade, imaging systems).

A new paper's other version (preprint or journal) found through an index range is the one a
scan of every stored paper finds."""

from __future__ import annotations

import random
from typing import Any

import pytest
from rapidfuzz import fuzz
from sqlalchemy import delete, event, func, select, update

from scripts.generate_large_store import generate
from tracker.config import get_settings
from tracker.db.engine import open_store, session
from tracker.db.models import EvidenceGrade, Override, PaperProductLink, Product, Publication
from tracker.evidence import effective, override_link
from tracker.evidence.effective import (
    EvidenceSet,
    effective_grades,
    evidence_set,
    evidence_summary,
)
from tracker.evidence.figures import GRADED_BASIS, LINKED_BASIS, compute_figures, store_figures
from tracker.evidence.gaps import gap_lists
from tracker.evidence.vocabulary import FEATURES, TECHNICAL, highest_level
from tracker.records import Author, PublicationRecord
from tracker.store import publication_match as match
from tracker.store.universe import counted
from tracker.tui.data import StoreData
from tracker.views.gaps import evidence_gaps
from tracker.views.products import product_rows

PAPERS, PRODUCTS = 1500, 60


@pytest.fixture
def generated(store_url: str) -> str:
    """A generated store on each engine; a few grades carry a level outside the vocabulary
    (nothing writes one, but the SQL must count it as the Python rule does)."""
    counts = generate(store_url, papers=PAPERS, products=PRODUCTS, seed=11)
    assert counts["overrides"] > 500 and counts["links"] > 500
    engine = open_store(store_url)
    with engine.begin() as conn:
        conn.execute(update(EvidenceGrade).where(EvidenceGrade.publication_id.in_([3, 5, 8]))
                     .values(level=""))
        conn.execute(update(EvidenceGrade).where(EvidenceGrade.publication_id.in_([13, 21]))
                     .values(level="7"))
    with session(engine) as s:  # a decision through the write API after the bulk insert
        override_link(s, publication_id=PAPERS, product_id=1, accept=True, author="ana")
    engine.dispose()
    return store_url


def _by_the_rule(evidence: EvidenceSet, product_id: int) -> tuple[Any, ...]:
    """A product's numbers straight from its evidence papers (docs/domain.md's rule, written
    out here as the oracle)."""
    found = evidence.product(product_id)
    papers = found.evidence  # effectively linked, not retracted, with a level
    peer = [p for p in papers if not p.preprint]
    levels = {p.level for p in peer}
    counts = {}
    for p in papers:
        if p.level:
            counts[p.level] = counts.get(p.level, 0) + 1
    return (len(found.papers), counts, highest_level(p.level for p in papers), len(peer),
            highest_level(p.level for p in peer), bool(levels) and levels <= TECHNICAL,
            {name: any(p.features.get(name) is True for p in peer) for name in FEATURES})


def _summarised(summary: effective.EvidenceSummary, product_id: int) -> tuple[Any, ...]:
    found = summary.product(product_id)
    return (found.linked, dict(found.counts), found.highest, found.peer_reviewed,
            found.highest_peer_reviewed, found.only_technical,
            {name: found.has_feature(name) for name in FEATURES})


@pytest.mark.parametrize("include_systems", [False, True])
def test_sql_counts_equal_the_evidence_read_link_by_link(generated: str,
                                                         include_systems: bool) -> None:
    engine = open_store(generated)
    with session(engine) as s:
        evidence = evidence_set(s)
        summary = evidence_summary(s, include_systems=include_systems)
        ids = sorted(s.execute(select(Product.id).where(counted(include_systems))).scalars())
        assert summary.decided and len(summary.products) > PRODUCTS // 2
        differing = [pid for pid in ids
                     if _by_the_rule(evidence, pid) != _summarised(summary, pid)]
        assert differing == []
        assert gap_lists(ids, summary) == gap_lists(ids, evidence)
        # the distinct peer-reviewed papers of the counted products, overrides applied
        chosen = {p.publication_id: p for pid in ids
                  for p in evidence.product(pid).evidence if p.is_peer_reviewed}
        assert summary.papers.papers == len(chosen) > 0
        assert summary.papers.overridden == sum(p.overridden for p in chosen.values()) > 0
        assert summary.papers.stated["vendor_independent"] == sum(
            p.features["vendor_independent"] is not None for p in chosen.values())
        # the figures: counted in SQL vs computed from the evidence set
        in_sql = store_figures(s, include_systems=include_systems)
        from_set = store_figures(s, evidence, include_systems=include_systems)
        assert in_sql.basis == LINKED_BASIS
        assert in_sql.report() == from_set.report()
        assert in_sql.figures["papers"].part == len(chosen)
    engine.dispose()


def test_tui_rows_and_gaps_equal_the_link_by_link_ones(generated: str) -> None:
    store = StoreData(get_settings(database_url=generated))
    bundle = store.products()
    with store.session() as s:
        evidence = evidence_set(s)
        expected = product_rows(s, evidence=evidence)
    assert [(r.id, r.counts, r.papers, r.highest) for r in bundle.rows] == \
        [(r.id, r.counts, r.papers, r.highest) for r in expected]
    assert {k: [r.id for r in v] for k, v in evidence_gaps(bundle.rows, bundle.summary).lists.items()} \
        == {k: [r.id for r in v] for k, v in evidence_gaps(expected, evidence).lists.items()}
    assert bundle.evidence_read is None  # the gaps screen never read every link
    assert bundle.evidence.links == evidence.links  # read on demand (company, comparison)
    some = [r.id for r in bundle.rows if r.papers][:5]
    years = store.papers_by_level_year(some)
    assert sum(sum(per.values()) for per in years.values()) > 0
    store.close()


def test_figures_without_links_count_every_graded_paper(generated: str) -> None:
    engine = open_store(generated)
    with engine.begin() as conn:
        conn.execute(delete(PaperProductLink))
        conn.execute(delete(Override).where(Override.target == "link"))
    with session(engine) as s:
        in_sql = store_figures(s)
        # the oracle: every effective grade read into Python, as before the SQL counts
        flags = {pid: (retracted, preprint) for pid, retracted, preprint in s.execute(
            select(Publication.id, Publication.is_retracted, Publication.is_preprint))}
        papers = [(g.level, g.features(), bool(g.overridden))
                  for pid, g in effective_grades(s).items()
                  if g.level is not None and flags.get(pid) == (False, False)]
        products, vendors = s.execute(select(func.count(), func.count(func.distinct(
            Product.company_id))).where(counted(False))).one()
        graded = s.execute(select(func.count()).select_from(EvidenceGrade)).scalar_one()
    oracle = compute_figures(EvidenceSet(), products=products, vendors=vendors, papers=papers,
                             basis=GRADED_BASIS)
    assert in_sql.basis == GRADED_BASIS
    assert in_sql.report() == oracle.report()
    assert 0 < in_sql.figures["papers"].part < graded
    assert in_sql.figures["papers_overridden"].part > 0
    engine.dispose()


def test_only_decided_papers_are_read_link_by_link(db_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The design: a bounded number of statements, and the rows read into Python one by one
    are those of the papers a person decided on (few), not every link."""
    generate(db_url, papers=PAPERS, products=PRODUCTS, seed=5)
    engine = open_store(db_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: statements.append(statement))
    asked: list[list[int] | None] = []
    real = effective.evidence_set

    def spy(session: Any, **kwargs: Any) -> EvidenceSet:
        asked.append(kwargs.get("publication_ids"))
        return real(session, **kwargs)

    monkeypatch.setattr(effective, "evidence_set", spy)
    with session(engine) as s:
        summary = evidence_summary(s)
        decided = set(s.execute(select(Override.publication_id)).scalars())
    assert len(statements) <= 7
    assert len(asked) == 1 and asked[0] is not None and set(asked[0]) == decided
    assert summary.decided == decided
    engine.dispose()


# -- a paper's other version (tracker.store.publication_match) at scale ---------------------------

def _versions_by_full_scan(s: Any, record: PublicationRecord, title: str) -> int | None:
    """The rule of ``publication_match._other_version`` over every stored paper (the oracle):
    the other kind, a year within YEAR_GAP or none, the two longest words in the title, no
    conflicting PMIDs, ``titles_match``; the best ratio wins, a tie the first stored."""
    words = sorted((w for w in title.split() if w not in match._STOP), key=len, reverse=True)[:2]
    surname = match.first_author_surname(record.authors)
    best: tuple[float, int] | None = None
    for pid, pre, year, pmid, other, authors in s.execute(
            select(Publication.id, Publication.is_preprint, Publication.year, Publication.pmid,
                   Publication.normalized_title, Publication.authors).order_by(Publication.id)):
        if pre == record.is_preprint or not all(w in other for w in words):
            continue
        if record.year is not None and year is not None and abs(year - record.year) > match.YEAR_GAP:
            continue
        if record.pmid and pmid and record.pmid != pmid:
            continue
        theirs = match.first_author_surname(authors or [])
        same = None if surname is None or theirs is None else surname == theirs
        if match.titles_match(title, other, same_first_author=same):
            score = fuzz.ratio(title, other)
            if best is None or score > best[0]:
                best = (score, pid)
    return best[1] if best else None


def test_other_version_finds_what_a_full_scan_finds(store_url: str) -> None:
    generate(store_url, papers=PAPERS, products=PRODUCTS, seed=3)
    engine = open_store(store_url)
    rng = random.Random(8)
    found = 0
    with session(engine) as s:
        stored = s.execute(select(Publication.id, Publication.title, Publication.year,
                                  Publication.is_preprint)).all()
        for pid, title, year, preprint in rng.sample(stored, 60):
            words = title.split()
            if rng.random() < 0.5:  # the other version's title differs a little
                words[rng.randrange(len(words))] = rng.choice(["among", "study", "ai", "the"])
            record = PublicationRecord(
                source="europepmc", external_id=f"PPR{pid}", title=" ".join(words),
                year=None if rng.random() < 0.1 else year + rng.choice([-3, -1, 0, 2]),
                is_preprint=not preprint, pmid=rng.choice([None, None, "1"]),
                authors=rng.choice([[], [Author(name="Ana Souza")]]))
            normalized = match.normalize_title(record.title)
            expected = _versions_by_full_scan(s, record, normalized)
            got = match._other_version(s, record, normalized)
            assert (got.id if got else None) == expected, (pid, record.title)
            found += expected is not None
    assert found >= 10  # the sample holds real matches, not only misses
    engine.dispose()


def test_other_version_reads_a_range_of_its_index(db_url: str) -> None:
    engine = open_store(db_url)
    statements: list[tuple[str, Any]] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, params, *rest: statements.append((statement, params)))
    record = PublicationRecord(source="pubmed", external_id="1", year=2020,
                               title="Deep learning detection of lung nodules: a multicentre study")
    with session(engine) as s:
        match._other_version(s, record, match.normalize_title(record.title))
    statement, params = statements[0]
    with engine.connect() as conn:
        plan = " ".join(str(row) for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, params))
    assert "COVERING INDEX ix_publication_version_match" in plan and "SCAN publication" not in plan
    engine.dispose()
