"""The PubMed and Europe PMC spiders end to end on the recorded snapshot (replay server)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.db.engine import open_store, session
from tracker.db.models import Product, ProductAlias, Publication, PublicationSource
from tracker.devtools.replay import Fault, replay_env
from tracker.jobs.crawl import SOURCE_GROUPS, run_spider
from tracker.names import normalize_product
from tracker.store.companies import get_or_create_company

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"


def efetch_page_sizes() -> list[int]:
    """Articles per recorded efetch page, counted from the files."""
    return [p.read_text("utf-8").count("<PubmedArticle>")
            for p in sorted((SNAPSHOT / "pubmed").glob("efetch_*.xml"))]


def seed_product(db_url: str) -> None:
    engine = open_store(db_url)
    with session(engine) as s:
        company = get_or_create_company(s, name="Lunit Inc.")
        product = Product(slug="lunit-insight-mmg", company_id=company.id or 0, name="Lunit INSIGHT MMG",
                          normalized_name=normalize_product("Lunit INSIGHT MMG"))
        s.add(product)
        s.flush()
        s.add(ProductAlias(product_id=product.id or 0, alias="INSIGHT MMG", normalized="insight mmg"))
        s.commit()
    engine.dispose()


def crawl(name: str, replay, db_url: str, log: Path):  # type: ignore[no-untyped-def]
    return run_spider(name, database_url=db_url, env=replay_env(replay.url), replay=True, log_file=log)


def rows(db_url: str) -> dict[int, tuple]:
    engine = open_store(db_url)
    with session(engine) as s:
        out = {p.id or 0: (p.pmid, p.doi, p.title, p.abstract, p.journal, p.year, p.updated_at)
               for p in s.exec(select(Publication))}
    engine.dispose()
    return out


def sources_by_publication(db_url: str) -> dict[int, set[str]]:
    engine = open_store(db_url)
    with session(engine) as s:
        found: dict[int, set[str]] = {}
        for src in s.exec(select(PublicationSource)):
            found.setdefault(src.publication_id, set()).add(src.external_id)
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def crawled_template(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Both literature spiders once over the snapshot into a store of their own: the tests
    below each get a copy (a crawl takes seconds; it was repeated for every test)."""
    from tracker.devtools.replay import ReplayServer

    folder = tmp_path_factory.mktemp("crawled")
    url = f"sqlite:///{folder / 'tracker.db'}"
    seed_product(url)
    log = folder / "crawl.log"
    with ReplayServer(SNAPSHOT) as server:
        first = [crawl(name, server, url, log) for name in SOURCE_GROUPS["literature"]]
    return folder, first


@pytest.fixture
def crawled(crawled_template, db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh copy of the crawled store at ``db_url`` (and of its crawl log)."""
    folder, first = crawled_template
    shutil.copyfile(folder / "tracker.db", db_url.removeprefix("sqlite:///"))
    log = tmp_path / "crawl.log"
    shutil.copyfile(folder / "crawl.log", log)
    return first, log


def test_literature_group_holds_both_spiders() -> None:
    assert SOURCE_GROUPS["literature"] == ["pubmed", "europepmc"]


def test_crawling_twice_stores_each_paper_once(crawled, replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    (pubmed, epmc), log = crawled
    assert pubmed.ok and epmc.ok
    before = rows(db_url)
    again = [crawl(name, replay, db_url, log) for name in SOURCE_GROUPS["literature"]]
    assert all(r.ok and r.new == 0 and r.updated == 0 for r in again)
    assert rows(db_url) == before
    assert len(before) == pubmed.new + epmc.new
    pmids = [p[0] for p in before.values() if p[0]]
    assert len(pmids) == len(set(pmids))


def test_papers_in_both_sources_record_both(crawled, db_url: str) -> None:  # type: ignore[no-untyped-def]
    by_pub = sources_by_publication(db_url)
    real = next(ids for ids in by_pub.values() if "27797938" in ids)  # a real PubMed article (Gut 2017)
    assert real == {"27797938", "MED:27797938"}
    assert sum(1 for ids in by_pub.values() if any(i.startswith("MED:") for i in ids) and
               any(i.isdigit() for i in ids)) >= 10


def preprint_publications(db_url: str) -> set[int]:
    """Publications holding a preprint's copy (the snapshot's preprints are fictional: their
    invented PPR ids and DOIs are dropped, so they are found by their raw source code)."""
    engine = open_store(db_url)
    with session(engine) as s:
        found = {src.publication_id for src in s.exec(select(PublicationSource))
                 if isinstance(src.raw, dict) and src.raw.get("source") == "PPR"}
    engine.dispose()
    return found


def test_preprints_merge_with_their_published_version(crawled, db_url: str) -> None:  # type: ignore[no-untyped-def]
    by_pub = sources_by_publication(db_url)
    merged = [by_pub[p] for p in preprint_publications(db_url)]
    assert not any(i.startswith("PPR:PPR9") for ids in by_pub.values() for i in ids)
    assert len(merged) == 2  # one linked by "Preprint of", one found by its title only
    assert all(any(i.isdigit() for i in ids) for ids in merged)
    publications = rows(db_url)
    assert not any(p[1] and p[1].startswith("10.5555/radai-snapshot.preprint") for p in publications.values())


def test_watermark_and_incremental_window(crawled, replay, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tracker.store.runs import get_watermark

    engine = open_store(db_url)
    with session(engine) as s:
        assert get_watermark(s, source="pubmed") and get_watermark(s, source="europepmc")
    engine.dispose()
    replay.requests.clear()
    crawl("pubmed", replay, db_url, tmp_path / "again.log")
    esearch = next(r for r in replay.requests if "esearch.fcgi" in r)
    assert "datetype=edat" in esearch and "mindate=" in esearch and "usehistory=y" in esearch
    assert "tool=radai-tracker" in esearch and "email=" in esearch


def test_http_429_with_retry_after_is_retried(replay, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed_product(db_url)
    replay.add_fault(Fault(path_prefix="/pubmed/esearch.fcgi", status=429, retry_after=1, times=1))
    log = tmp_path / "429.log"
    result = crawl("pubmed", replay, db_url, log)
    assert result.ok and result.new == sum(efetch_page_sizes())
    assert "HTTP 429 on" in log.read_text() and "waiting 1.0s before retry 1" in log.read_text()


def test_malformed_xml_page_is_skipped_and_stored_papers_untouched(crawled, replay, db_url: str,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    before = rows(db_url)
    replay.add_fault(Fault(path_prefix="/pubmed/efetch.fcgi", status=200, body=b"<PubmedArticleSet><PubmedArt",
                           query_contains="retstart=0&", times=1))
    log = tmp_path / "bad.log"
    result = crawl("pubmed", replay, db_url, log)
    assert not result.ok and result.unchanged == sum(efetch_page_sizes()[1:])  # the other pages went on
    assert "efetch page retstart=0 unusable, page skipped: line 1: malformed XML" in log.read_text()
    assert rows(db_url) == before


def test_malformed_json_page_is_logged_and_stored_papers_untouched(crawled, replay, db_url: str,  # type: ignore[no-untyped-def]
                                                                    tmp_path: Path) -> None:
    before = rows(db_url)
    replay.add_fault(Fault(path_prefix="/europepmc/search", status=200, body=b'{"hitCount": 3, "resultList"',
                           query_contains="cursorMark=cmFk", times=1))
    log = tmp_path / "bad.log"
    result = crawl("europepmc", replay, db_url, log)
    first_page = json.loads((SNAPSHOT / "europepmc" / "search_page_1.json").read_text("utf-8"))
    assert not result.ok and result.unchanged == len(first_page["resultList"]["result"])
    assert "unusable, page skipped: malformed JSON" in log.read_text()
    assert rows(db_url) == before


def test_empty_result_pages_are_logged(crawled, replay, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = rows(db_url)
    replay.add_fault(Fault(path_prefix="/pubmed/esearch.fcgi", status=200, times=1, body=(
        b"<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart><QueryKey>1</QueryKey>"
        b"<WebEnv>MCID_empty</WebEnv><IdList/></eSearchResult>")))
    replay.add_fault(Fault(path_prefix="/europepmc/search", status=200, times=1,
                           body=b'{"hitCount": 0, "nextCursorMark": "*", "resultList": {"result": []}}'))
    log = tmp_path / "empty.log"
    assert crawl("pubmed", replay, db_url, log).ok
    assert crawl("europepmc", replay, db_url, log).ok
    text = log.read_text()
    assert "PubMed esearch 1: empty result (0 papers)" in text and "empty result page (0 hits)" in text
    assert rows(db_url) == before


def test_no_products_means_nothing_to_search(replay, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "none.log"
    result = crawl("pubmed", replay, db_url, log)
    assert result.ok and result.new == 0 and "no products in the store" in log.read_text()
