"""True provenance: stored URLs are the upstream ones (never the replay server's), composed
records of the snapshot are flagged, and no identifier is invented."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from tracker.config import Settings
from tracker.db.engine import open_store, session
from tracker.db.models import Company, Product, Publication, PublicationSource, Registration
from tracker.devtools.replay import MOUNTS, ReplayServer, replay_env, upstream_url
from tracker.parsers.europepmc import parse_result
from tracker.records import PublicationRecord, RegistrationRecord
from tracker.sources.provenance import (
    COMPOSED_HEADER,
    INVENTED_IDS_HEADER,
    RECORDED_IDS_HEADER,
    UPSTREAM_HEADER,
    ServedAs,
    is_loopback,
    without_secrets,
)
from tracker.store import save_record
from tracker.store.provenance import mark_composed

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"
DEFAULTS = Settings.model_fields


# ---- one mapping from a replay URL to the upstream URL ------------------------------------

@pytest.mark.parametrize(("fetched", "upstream"), [
    ("http://127.0.0.1:8123/openfda/device/510k.json?search=k_number:K1&limit=100&api_key=SECRET",
     "https://api.fda.gov/device/510k.json?search=k_number%3AK1&limit=100"),
    ("http://127.0.0.1:8123/openfda/device/classification.json?search=product_code:QAS",
     "https://api.fda.gov/device/classification.json?search=product_code:QAS"),
    ("http://127.0.0.1:8123/eudamed/devices/udiDiData?srn=KR-MF-000001205&page=0",
     "https://ec.europa.eu/tools/eudamed/api/devices/udiDiData?srn=KR-MF-000001205&page=0"),
    ("/eudamed/devices/basicUdiData/udiDiData/00000000-0000-4000-9000-000006000001?languageIso2Code=en",
     "https://ec.europa.eu/tools/eudamed/api/devices/basicUdiData/udiDiData/00000000-0000-4000-9000-000006000001"
     "?languageIso2Code=en"),
    ("http://localhost:9/pubmed/efetch.fcgi?db=pubmed&retstart=0",
     "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pubmed&retstart=0"),
    ("http://127.0.0.1:8123/europepmc/search?query=lunit&format=json&cursorMark=*",
     "https://www.ebi.ac.uk/europepmc/webservices/rest/search?query=lunit&format=json&cursorMark=*"),
    ("http://127.0.0.1:8123/news/www.massdevice.com/feed/atom/", "https://www.massdevice.com/feed/atom/"),
    ("http://127.0.0.1:8123/news/news.google.com/rss/search?q=radiology+AI",
     "https://news.google.com/rss/search?q=radiology+AI"),
    ("http://127.0.0.1:8123/fda/list.html", DEFAULTS["fda_list_url"].default),
    ("http://127.0.0.1:8123/fda/ai-ml-enabled-devices.csv", DEFAULTS["fda_list_url"].default),
    ("http://127.0.0.1:8123/elsewhere/x.json", None),
    ("http://127.0.0.1:8123/news/", None),
])
def test_upstream_url_of_each_source_shape(fetched: str, upstream: str | None) -> None:
    assert upstream_url(fetched) == upstream


def test_every_replay_base_maps_back_to_the_production_default() -> None:
    env = replay_env("http://127.0.0.1:1")
    for source, (variable, setting, _) in MOUNTS.items():
        mapped = upstream_url(env[variable] + ("/x" if source != "fda" else ""))
        assert mapped and not is_loopback(mapped), source
        if source not in ("news", "fda"):
            assert mapped == f"{DEFAULTS[setting].default}/x"


def test_url_helpers() -> None:
    assert without_secrets("https://api.fda.gov/device/pma.json?api_key=K&limit=5") == \
        "https://api.fda.gov/device/pma.json?limit=5"
    assert without_secrets("https://x.org/a?b=c%20d") == "https://x.org/a?b=c%20d"  # untouched
    assert is_loopback("http://127.0.0.1:5/a") and is_loopback("http://localhost/a")
    assert not is_loopback("https://api.fda.gov/x") and not is_loopback("")


# ---- what an answer says: ServedAs ----------------------------------------------------------

def _paper(pmid: str, **kw: object) -> PublicationRecord:
    return PublicationRecord(source="pubmed", title=f"Paper {pmid}", external_id=pmid, pmid=pmid, **kw)  # type: ignore[arg-type]


def test_served_as_without_replay_headers_is_the_fetched_url_and_recorded() -> None:
    served = ServedAs.from_headers("https://api.fda.gov/device/510k.json?api_key=K&limit=1", {}.get)
    assert served.upstream == "https://api.fda.gov/device/510k.json?limit=1"
    assert served.mark(_paper("1")).composed is False


def test_served_as_composed_recorded_and_invented_ids() -> None:
    headers = {UPSTREAM_HEADER: b"https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi",
               COMPOSED_HEADER: b"1", RECORDED_IDS_HEADER: b"27797938 9997"}
    served = ServedAs.from_headers("http://127.0.0.1:1/pubmed/efetch.fcgi", headers.get)
    assert served.upstream.startswith("https://eutils.ncbi.nlm.nih.gov/")
    assert served.mark(_paper("30834436")).composed is True
    assert served.mark(_paper("27797938")).composed is False  # a recorded article of a composed page
    invented = ServedAs.from_headers("http://127.0.0.1:1/europepmc/search", {
        COMPOSED_HEADER: "1", INVENTED_IDS_HEADER: "PPR9709384 10.5555/x.1"}.get)
    preprint = PublicationRecord(source="europepmc", title="A preprint", external_id="PPR:PPR9709384",
                                 doi="10.5555/x.1", source_url="https://europepmc.org/article/PPR/PPR9709384")
    marked = invented.mark(preprint)
    assert marked.composed and marked.external_id == "" and marked.doi is None and marked.source_url == ""


# ---- Europe PMC: no invented URL or id -----------------------------------------------------

def _epmc(source: str, ident: str, doi: str | None = None) -> dict[str, object]:
    return {"source": source, "id": ident, "title": "Artificial intelligence in radiology: a test paper", "pubYear": "2021", **({"doi": doi} if doi else {})}


def test_europepmc_ids_only_for_its_own_source_codes() -> None:
    dev = parse_result(_epmc("DEV", "van-leeuwen-2021-100-products"))
    assert dev.source_url == "" and dev.external_id == "" and "DEV" not in dev.external_id
    doi = parse_result(_epmc("DOI", "10.1007/s00330-021-07892-z", doi="10.1007/s00330-021-07892-z"))
    assert doi.source_url == "https://doi.org/10.1007/s00330-021-07892-z"
    assert doi.external_id == "doi:10.1007/s00330-021-07892-z"
    med = parse_result(_epmc("MED", "27797938"))
    assert med.source_url == "https://europepmc.org/article/MED/27797938" and med.external_id == "MED:27797938"


def test_source_copies_without_an_id_are_kept_under_a_store_reference(db) -> None:  # type: ignore[no-untyped-def]
    dev = parse_result(_epmc("DEV", "some-slug"))
    save_record(db, record=dev)
    copy = db.exec(select(PublicationSource)).one()
    assert copy.external_id == f"record:publication/{copy.publication_id}" and copy.source_url == ""
    assert save_record(db, record=dev).value == "unchanged"


# ---- the replay server's answers carry the provenance headers -------------------------------

def test_replay_answers_carry_upstream_and_composed_headers() -> None:
    with ReplayServer(SNAPSHOT) as srv:
        composed = httpx.get(f"{srv.url}/eudamed/devices/udiDiData", params={
            "srn": "KR-MF-000001205", "page": 0, "pageSize": 100, "size": 100, "languageIso2Code": "en",
            "iso2Code": "en"})
        assert composed.headers[UPSTREAM_HEADER].startswith("https://ec.europa.eu/tools/eudamed/api/devices/udiDiData?")
        assert composed.headers[COMPOSED_HEADER] == "1"  # the body's "_provenance": "composed ..."
        real = httpx.get(f"{srv.url}/eudamed/certificates/search/", params={
            "actorSrn": "DE-MF-000006413", "page": 0, "pageSize": 100, "size": 100, "languageIso2Code": "en"})
        assert real.status_code == 200 and COMPOSED_HEADER not in real.headers
        fda = httpx.get(f"{srv.url}/fda/ai-ml-enabled-devices.csv")
        assert fda.headers[UPSTREAM_HEADER].startswith("https://www.fda.gov/") and COMPOSED_HEADER not in fda.headers
        pubmed = httpx.get(f"{srv.url}/pubmed/efetch.fcgi", params={
            "db": "pubmed", "WebEnv": "MCID_radai_snapshot_0001", "query_key": 1, "retstart": 0})
        assert pubmed.headers[COMPOSED_HEADER] == "1" and "27797938" in pubmed.headers[RECORDED_IDS_HEADER].split()


def test_manifests_flag_what_their_provenance_notes_call_composed() -> None:
    def entries(source: str) -> list[dict]:
        return [json.loads(line) for line in (SNAPSHOT / source / "manifest.jsonl").read_text("utf-8").splitlines()
                if line.strip()]
    assert all(e.get("composed") for e in entries("europepmc") + entries("news"))
    assert all(e.get("composed") for e in entries("openfda") if e.get("body") != "not_found.json")


# ---- a small replay crawl -------------------------------------------------------------------

def test_eudamed_crawl_stores_upstream_urls_and_composed_flags(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.jobs.crawl import run_spider

    result = run_spider("eudamed", database_url=db_url, env=replay_env(replay.url), replay=True,
                        args={"vendors": "AIRAmed GmbH,Lunit Inc."})
    assert result.ok, result.error_text
    engine = open_store(db_url)
    with session(engine) as s:
        rows = {r.number: r for r in s.exec(select(Registration))}
        companies = list(s.exec(select(Company)))
    engine.dispose()
    assert rows and all(r.source_url.startswith("https://ec.europa.eu/tools/eudamed/api/") for r in rows.values())
    assert all(not is_loopback(c.source_url) for c in companies)
    assert rows["Z-25-052-S-IX-E"].composed is False  # the real AIRAmed certificate
    lunit = [r for r in rows.values() if r.applicant == "Lunit Inc."]
    assert lunit and all(r.composed for r in lunit)


def test_pubmed_crawl_flags_composed_articles_but_not_recorded_ones(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.jobs.crawl import run_spider

    assert run_spider("pubmed", database_url=db_url, env=replay_env(replay.url), replay=True,
                      args={"query": "radiology"}).ok
    engine = open_store(db_url)
    with session(engine) as s:
        papers = {p.pmid: p for p in s.exec(select(Publication))}
        copies = list(s.exec(select(PublicationSource)))
    engine.dispose()
    assert papers["27797938"].composed is False  # a real article (Gut 2017), served as recorded
    assert papers["30834436"].composed is True  # composed from the labelled dev set
    assert all(not is_loopback(c.source_url) and c.source_url.startswith("https://pubmed.") for c in copies)


# ---- products and companies follow their registrations -------------------------------------

def _registration(number: str, applicant: str, *, composed: bool) -> RegistrationRecord:
    return RegistrationRecord(source="eudamed", source_url="https://ec.europa.eu/tools/eudamed/api/x",
                              regulator="EU", kind="EUDAMED device", number=number, device_name=number,
                              applicant=applicant, composed=composed)


def test_mark_composed_products_and_companies(db) -> None:  # type: ignore[no-untyped-def]
    for number, applicant, composed in (("A1", "Alpha", True), ("A2", "Alpha", True),
                                        ("B1", "Beta", True), ("B2", "Beta", False)):
        save_record(db, record=_registration(number, applicant, composed=composed))
    regs = {r.number: r for r in db.exec(select(Registration))}
    both = Product(slug="alpha-one", company_id=regs["A1"].company_id, name="One", normalized_name="one")
    mixed = Product(slug="beta-one", company_id=regs["B1"].company_id, name="One", normalized_name="one")
    bare = Product(slug="beta-two", company_id=regs["B1"].company_id, name="Two", normalized_name="two")
    db.add_all([both, mixed, bare])
    db.flush()
    regs["A1"].product_id = regs["A2"].product_id = both.id
    regs["B1"].product_id = regs["B2"].product_id = mixed.id
    db.flush()
    figures = mark_composed(db)
    assert figures["products"] == 1 and figures["companies"] == 1
    assert both.composed and not mixed.composed and not bare.composed
    companies = {c.name: c.composed for c in db.exec(select(Company))}
    assert companies == {"Alpha": True, "Beta": False}
    assert mark_composed(db)["changed"] == 0
    regs["B2"].composed = True
    db.flush()
    assert mark_composed(db)["products"] == 1 and mixed.composed
