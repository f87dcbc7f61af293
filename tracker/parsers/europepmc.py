"""Europe PMC REST search answers (``format=json``, ``resultType=core``).

A page carries ``hitCount``, ``nextCursorMark`` and ``resultList.result``. Each result is a
MEDLINE record (``source`` MED), a PMC-only record (PMC), a preprint (PPR, publisher in
``bookOrReportDetails``) or another source's record (kept; patents, PAT, are skipped). A preprint names its journal version, when Europe PMC knows it,
in ``commentCorrectionList`` with type "Preprint of" (source MED: a PMID); that link is kept
on the record (``published_pmid``) so the store can merge the two. Titles and abstracts carry
HTML (``<i>``, ``<sup>``, ``<h4>`` section headings): flattened to text, headings become
abstract sections. Malformed JSON and bad results become problems; nothing raises.

Identifiers are never invented: a record's ``external_id`` (``MED:123``) and its Europe PMC
article URL are kept only for the source codes Europe PMC uses (``SOURCE_CODES``). A record
with any other code (the recorded snapshot's composed ``DOI`` and ``DEV`` records) is known
by its DOI (``doi:10.1/x``, URL ``https://doi.org/10.1/x``) or, without one, has no id and
no URL.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.parsers import Parsed
from tracker.records import Author, PublicationRecord

SOURCE = "europepmc"
SKIPPED_SOURCES = ("PAT",)  # patents are not papers
# The ``source`` codes of Europe PMC records (REST API documentation; the same list as the
# ropensci/europepmc client's supported sources, plus NBK, PPR and CIT).
SOURCE_CODES = frozenset({"AGR", "CBA", "CIT", "CTX", "ETH", "HIR", "MED", "NBK", "PAT", "PMC", "PPR"})
ARTICLE_URL = "https://europepmc.org/article/{source}/{id}"
DOI_URL = "https://doi.org/{doi}"
_TAG = re.compile(r"<[^>]+>")
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.I | re.S)


@dataclass(kw_only=True)
class EuropePmcRecord(PublicationRecord):
    """A Europe PMC record; a preprint may name the ids of its published version."""

    published_pmid: str | None = None
    published_doi: str | None = None


@dataclass
class SearchPage(Parsed[EuropePmcRecord]):
    hit_count: int = 0
    next_cursor: str | None = None
    skipped: int = 0


def strip_html(value: Any) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub("", value)).split())


def abstract_sections(value: Any) -> list[dict[str, str]]:
    """``<h4>Background</h4>text<h4>Methods</h4>text`` -> labelled sections."""
    if not isinstance(value, str) or not value.strip():
        return []
    parts = _HEADING.split(value)
    sections = []
    lead = strip_html(parts[0])
    if lead:
        sections.append({"label": "", "text": lead})
    for label, text in zip(parts[1::2], parts[2::2], strict=False):
        text = strip_html(text)
        if text:
            sections.append({"label": strip_html(label).rstrip(":").upper(), "text": text})
    return sections


def _iso(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _listed(record: dict[str, Any], outer: str, inner: str) -> list[Any]:
    block = record.get(outer)
    items = block.get(inner) if isinstance(block, dict) else None
    if isinstance(items, dict):
        return [items]
    return items if isinstance(items, list) else []


def _authors(record: dict[str, Any]) -> list[Author]:
    authors = []
    for item in _listed(record, "authorList", "author"):
        if not isinstance(item, dict):
            continue
        name = item.get("collectiveName") or " ".join(
            p for p in (item.get("firstName") or item.get("initials"), item.get("lastName")) if p) \
            or item.get("fullName")
        affiliations = [strip_html(a.get("affiliation")) for a in
                        _listed(item, "authorAffiliationDetailsList", "authorAffiliation")
                        if isinstance(a, dict) and a.get("affiliation")]
        if not name and not affiliations:  # an unnamed author is kept only for its affiliation
            continue
        author_id: dict[str, Any] = item["authorId"] if isinstance(item.get("authorId"), dict) else {}
        orcid = author_id.get("value") if author_id.get("type") == "ORCID" else None
        authors.append(Author(name=strip_html(name or ""), affiliations=affiliations, orcid=orcid))
    return authors


def _published_version(record: dict[str, Any]) -> tuple[str | None, str | None]:
    pmid = doi = None
    for link in _listed(record, "commentCorrectionList", "commentCorrection"):
        if not isinstance(link, dict) or str(link.get("type", "")).lower() != "preprint of":
            continue
        if link.get("source") == "MED" and str(link.get("id", "")).isdigit():
            pmid = pmid or str(link["id"])
        match = re.search(r"doi:\s*(10\.\S+?)\.?(\s|$)", str(link.get("reference", "")))
        if match:
            doi = doi or match.group(1)
    return pmid, doi


def article_url(source: str, ident: str, doi: str | None) -> str:
    """A record's address: its Europe PMC page for a Europe PMC source code, else its DOI's
    page, else nothing (no URL is made up from an id Europe PMC does not have)."""
    if source in SOURCE_CODES and ident:
        return ARTICLE_URL.format(source=source, id=ident)
    return DOI_URL.format(doi=doi) if doi else ""


def parse_result(item: dict[str, Any], *, source_url: str = "") -> EuropePmcRecord:
    """One ``core`` result as a record; raises ValueError when unusable."""
    source, ident = str(item.get("source") or ""), str(item.get("id") or "")
    if not source or not ident:
        raise ValueError("result without source or id")
    title = strip_html(item.get("title"))
    if not title:
        raise ValueError(f"{source}:{ident}: no title")
    types = [str(t) for t in _listed(item, "pubTypeList", "pubType")]
    lowered = {t.lower() for t in types}
    corrections = [c for c in _listed(item, "commentCorrectionList", "commentCorrection") if isinstance(c, dict)]
    is_preprint = source == "PPR" or "preprint" in lowered
    sections = abstract_sections(item.get("abstractText"))
    journal_info: dict[str, Any] = item["journalInfo"] if isinstance(item.get("journalInfo"), dict) else {}
    journal = journal_info["journal"].get("title") if isinstance(journal_info.get("journal"), dict) else None
    if not journal and is_preprint and isinstance(item.get("bookOrReportDetails"), dict):
        journal = item["bookOrReportDetails"].get("publisher")
    year_text = str(item.get("pubYear") or journal_info.get("yearOfPublication") or "")
    published_pmid, published_doi = _published_version(item) if is_preprint else (None, None)
    doi = str(item.get("doi") or "").strip() or None
    known = source in SOURCE_CODES
    return EuropePmcRecord(
        source=SOURCE,
        source_url=source_url or article_url(source, ident, doi),
        raw=item,
        title=title,
        external_id=f"{source}:{ident}" if known else (f"doi:{doi}" if doi else ""),
        pmid=str(item["pmid"]) if item.get("pmid") else None,
        doi=doi,
        pmcid=item.get("pmcid") or None,
        abstract="\n".join(f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections) or None,
        abstract_sections=sections,
        year=int(year_text) if year_text.isdigit() else None,
        pub_date=_iso(item.get("firstPublicationDate")) or _iso(journal_info.get("printPublicationDate")),
        journal=strip_html(journal) or None,
        authors=_authors(item),
        publication_types=types,
        mesh=[str(m["descriptorName"]) for m in _listed(item, "meshHeadingList", "meshHeading")
              if isinstance(m, dict) and m.get("descriptorName")],
        keywords=[str(k) for k in _listed(item, "keywordList", "keyword")],
        grants=[{k: str(v) for k, v in (("grant_id", g.get("grantId")), ("acronym", g.get("acronym")),
                                          ("agency", g.get("agency"))) if v}
                for g in _listed(item, "grantsList", "grant") if isinstance(g, dict)],
        language=item.get("language") or None,
        is_preprint=is_preprint,
        is_retracted="retracted publication" in lowered
        or any(str(c.get("type", "")).lower().startswith("retraction in") for c in corrections),
        entry_date=_iso(item.get("firstIndexDate")),
        published_pmid=published_pmid,
        published_doi=published_doi,
    )


def parse_search(body: bytes | str) -> SearchPage:
    """One search page: records, ``hitCount``, ``nextCursorMark`` and problems."""
    page = SearchPage()
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        page.problems.append(f"malformed JSON: {exc}")
        return page
    if not isinstance(data, dict):
        page.problems.append("malformed answer: not a JSON object")
        return page
    if "errCode" in data or "errMsg" in data:
        page.problems.append(f"Europe PMC error: {data.get('errMsg') or data.get('errCode')}")
    page.hit_count = int(data.get("hitCount") or 0) if str(data.get("hitCount") or 0).isdigit() else 0
    page.next_cursor = data.get("nextCursorMark") or None
    results = data.get("resultList", {}).get("result", []) if isinstance(data.get("resultList"), dict) else []
    for number, item in enumerate(results if isinstance(results, list) else [], 1):
        if not isinstance(item, dict):
            page.problems.append(f"result {number}: not an object")
            continue
        if item.get("source") in SKIPPED_SOURCES:
            page.skipped += 1
            continue
        try:
            page.records.append(parse_result(item))
        except (ValueError, TypeError, AttributeError) as exc:
            page.problems.append(f"result {number}: {exc}")
    return page
