"""Single records fetched over HTTP and stored: ``tracker add-paper`` and
``tracker add-product --fda``.

The same request URLs as the spiders (``tracker.sources.apis``), the same parsers
(``tracker.parsers``), the same upserts (``tracker.store.save_record``) and, for a
registration, the same product resolution as after a regulatory crawl. A request that
fails, an answer that cannot be parsed or that does not hold the record asked for raises
``FetchError`` before anything is written.

- A paper by PMID: PubMed ``efetch.fcgi?db=pubmed&id=PMID&retmode=xml``.
- A paper by DOI: Europe PMC ``search?query=DOI:"..."&resultType=core`` (the result whose DOI
  is the one asked for).
- An FDA decision: openFDA ``device/510k`` by ``k_number`` (510(k) and De Novo numbers) or
  ``device/pma`` by ``pma_number`` (and ``supplement_number``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from tracker.db.engine import session
from tracker.db.models import Product, Registration
from tracker.records import PublicationRecord, RegistrationRecord
from tracker.sources.apis import europepmc_search_url, eutils_url, openfda_url
from tracker.sources.http import FetchError, HttpClient, describe
from tracker.sources.provenance import ServedAs
from tracker.store import Outcome, save_record

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

__all__ = ["AddedPaper", "AddedRegistration", "FetchError", "add_fda_registration", "add_paper",
           "fda_number", "fetch_fda", "fetch_paper", "paper_ref"]

_PMID = re.compile(r"(?i)^(?:pmid:?\s*)?(\d{1,9})$")
_DOI = re.compile(r"(?i)^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$")
_FDA = re.compile(r"^(K\d{6}|DEN\d{6}|P\d{6}(?:/S\d{3,4})?)$")


@dataclass
class AddedPaper:
    record: PublicationRecord
    outcome: Outcome
    publication_id: int | None


@dataclass
class AddedRegistration:
    record: RegistrationRecord
    outcome: Outcome
    registration_id: int | None
    product_id: int | None
    product_slug: str | None
    product_name: str | None
    resolution: dict[str, Any]


def paper_ref(text: str) -> tuple[str, str]:
    """``("pmid", "12345")`` or ``("doi", "10.1000/x")`` from what a person typed (a PMID,
    ``PMID:n``, a DOI, ``doi:...`` or a doi.org link); ``ValueError`` otherwise."""
    value = text.strip()
    if match := _PMID.match(value):
        return "pmid", match.group(1)
    if match := _DOI.match(value):
        return "doi", match.group(1).lower()
    raise ValueError(f"{text!r} is neither a PMID nor a DOI (10.xxxx/...)")


def fda_number(text: str) -> str:
    """A 510(k) (K123456), De Novo (DEN123456) or PMA (P123456, P123456/S012) number."""
    number = text.strip().upper()
    if not _FDA.match(number):
        raise ValueError(f"{text!r} is not an FDA number (K123456, DEN123456, P123456 or P123456/S012)")
    return number


def _answer(client: HttpClient, url: str, shown: str, *, ok: tuple[int, ...] = (200,)) -> bytes:
    response = client.get(url, shown=shown)
    if response.status_code not in ok:
        raise FetchError(f"{shown}: {describe(response)}", url=shown, status=response.status_code)
    return response.content


def fetch_paper(client: HttpClient, settings: Settings, ref: str) -> PublicationRecord:
    """The record of one paper, parsed by the crawl's own parser."""
    kind, value = paper_ref(ref)
    records: list[PublicationRecord]
    if kind == "pmid":
        from tracker.parsers.pubmed import parse_efetch

        source = "PubMed"
        url = eutils_url(settings, "efetch.fcgi", {"db": "pubmed", "id": value, "retmode": "xml"})
        parsed = parse_efetch(_answer(client, url, url))
        records, problems = [r for r in parsed.records if r.pmid == value], parsed.problems
    else:
        from tracker.parsers.europepmc import parse_search

        source = "Europe PMC"
        url = europepmc_search_url(settings, {"query": f'DOI:"{value}"', "format": "json",
                                              "resultType": "core", "pageSize": 25})
        page = parse_search(_answer(client, url, url))
        records = [r for r in page.records if (r.doi or "").lower() == value]
        problems = page.problems
    if records:
        return records[0]
    if problems:
        raise FetchError(f"{url}: unreadable answer from {source}: {'; '.join(problems)}", url=url)
    raise FetchError(f"{source} has no paper with {kind.upper()} {value}", url=url, status=404)


def add_paper(engine: Engine, settings: Settings, ref: str, *,
              client: HttpClient | None = None) -> AddedPaper:
    """Fetch one paper and store it (merged with the copy any other source gave)."""
    from tracker.store.publications import find_publication

    with _client(client, settings) as http:
        record = fetch_paper(http, settings, ref)
    with session(engine) as s:
        outcome = save_record(s, record=record)
        s.commit()
        row = find_publication(s, record=record)
        return AddedPaper(record=record, outcome=outcome, publication_id=row.id if row else None)


def fetch_fda(client: HttpClient, settings: Settings, number: str) -> RegistrationRecord:
    """The openFDA record of one FDA decision, parsed by the crawl's own parser."""
    from tracker.parsers.openfda import PARSERS, or_terms

    number = fda_number(number)
    if number.startswith("P"):
        endpoint, (base, _, supplement) = "pma", number.partition("/")
        search = or_terms("pma_number", [base])
        if supplement:
            search += " AND " + or_terms("supplement_number", [supplement])
        params: dict[str, Any] = {"search": search, "limit": 100, "sort": "decision_date:asc"}
    else:
        endpoint = "510k"
        params = {"search": or_terms("k_number", [number]), "limit": 1}
    url, shown = openfda_url(settings, endpoint, params), openfda_url(settings, endpoint, params, key=False)
    response = client.get(url, shown=shown)
    if response.status_code not in (200, 404):
        raise FetchError(f"{shown}: {describe(response)}", url=shown, status=response.status_code)
    served = ServedAs.from_headers(shown, response.headers.get)  # the upstream URL behind a mirror
    page = PARSERS[endpoint](response.content, status=response.status_code, source_url=served.upstream)
    found = [served.mark(r) for r in page.records if isinstance(r, RegistrationRecord) and r.number == number]
    if found:
        return found[0]
    if response.status_code == 404 and not page.not_found:  # not openFDA's "no matches" body
        raise FetchError(f"{shown}: {describe(response)}", url=shown, status=404)
    if page.problems:
        raise FetchError(f"{shown}: unreadable answer from openFDA: {'; '.join(page.problems)}",
                         url=shown, status=response.status_code)
    raise FetchError(f"openFDA has no {endpoint.upper()} record {number}", url=shown, status=404)


def add_fda_registration(engine: Engine, settings: Settings, number: str, *,
                         client: HttpClient | None = None) -> AddedRegistration:
    """Fetch one FDA decision, store the registration, and resolve it into a product (the
    same resolution as after a regulatory crawl)."""
    from tracker.products.pipeline import resolve_new

    with _client(client, settings) as http:
        record = fetch_fda(http, settings, number)
    with session(engine) as s:
        outcome = save_record(s, record=record)
        s.commit()
    figures = resolve_new(engine, settings)
    with session(engine) as s:
        reg = s.exec(select(Registration).where(Registration.regulator == record.regulator,
                                                Registration.number == record.number)).first()
        product = s.get(Product, reg.product_id) if reg is not None and reg.product_id else None
        return AddedRegistration(record=record, outcome=outcome, registration_id=reg.id if reg else None,
                                 product_id=product.id if product else None,
                                 product_slug=product.slug if product else None,
                                 product_name=product.name if product else None, resolution=figures)


@contextmanager
def _client(client: HttpClient | None, settings: Settings) -> Iterator[HttpClient]:
    """The caller's client, or a new one closed afterwards."""
    if client is not None:
        yield client
        return
    with HttpClient(settings) as made:
        yield made
