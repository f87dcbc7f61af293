"""Europe PMC REST search answers (``format=json``, ``resultType=core``).

A page carries ``hitCount``, ``nextCursorMark`` and ``resultList.result``. Each result is a
MEDLINE record (``source`` MED), a PMC-only record (PMC), a preprint (PPR, publisher in
``bookOrReportDetails``) or another source's record (kept; patents, PAT, are skipped). A preprint names its journal version, when Europe PMC knows it,
in ``commentCorrectionList`` with type "Preprint of" (source MED: a PMID); that link is kept
on the record (``published_pmid``) so the store can merge the two. Titles and abstracts carry
HTML (``<i>``, ``<sup>``, ``<h4>`` section headings): flattened to text, headings become
abstract sections.

Bad input becomes problems; nothing raises (every body is read with
:func:`~tracker.parsers.jsonbody.load_json`):

- a body that is not JSON, not an object, or whose ``resultList`` is of the wrong type, is a
  page with a problem and no records; a ``nextCursorMark`` of the wrong type is a problem and
  the page says ``paging_known = False`` (its records are good; the next page is unknown);
  a ``hitCount`` of the wrong type (``"²"``) is a problem and reads as 0;
- a result that is not an object, or has no ``source``, ``id`` or ``title`` (or one of them
  of the wrong type), is a problem naming the result; its neighbours are kept;
- any other field of the wrong type (``doi: 7``, ``pmcid: ["x"]``, ``language: {}``, an
  author's ``lastName: 5``) is dropped with a problem naming it, and the rest of the record is
  kept: the record is still good data, and a later crawl reads the field again. Text fields
  are strings; identifiers (``id``, ``pmid``, years) may also be whole numbers.

Identifiers are never invented: a record's ``external_id`` (``MED:123``) and its Europe PMC
article URL are kept only for the source codes Europe PMC uses (``SOURCE_CODES``). A record
with any other code (the recorded snapshot's composed ``DOI`` and ``DEV`` records) is known
by its DOI (``doi:10.1/x``, URL ``https://doi.org/10.1/x``) or, without one, has no id and
no URL.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.parsers import Parsed
from tracker.parsers.jsonbody import BadBody, expect, load_json
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
    paging_known: bool = True
    """False when the body or its ``nextCursorMark`` could not be read: whether a next page
    follows, and where, is unknown."""


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


def _iso(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


class _Fields:
    """Reads the fields of one result, dropping (and remembering) the ones of the wrong type.

    Each reading names where it looked (``authorList.author[2].lastName``) so the problem says
    which field was dropped: ``MED:1: doi: expected str, got int; field dropped``."""

    def __init__(self) -> None:
        self.dropped: list[str] = []

    def typed(self, value: Any, kind: type | tuple[type, ...], where: str) -> Any:
        """``value`` when absent or of ``kind``; else None, and said."""
        if value is None:
            return None
        try:
            return expect(value, kind, where)
        except BadBody as exc:
            self.dropped.append(str(exc))
            return None

    def text(self, block: dict[str, Any], key: str, where: str = "") -> str | None:
        """``block[key]`` when it is a string (absent: None)."""
        value: str | None = self.typed(block.get(key), str, where + key)
        return value

    def ident(self, block: dict[str, Any], key: str, where: str = "") -> str:
        """``block[key]`` as text when it is a string or a whole number (absent: "")."""
        value = self.typed(block.get(key), (str, int), where + key)
        return str(value).strip() if value is not None else ""

    def block(self, record: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        """``record[key]`` when it is an object (absent: ``{}``)."""
        value: dict[str, Any] | None = self.typed(record.get(key), dict, where + key)
        return value or {}

    def listed(self, record: dict[str, Any], outer: str, inner: str, where: str = "") -> list[Any]:
        """The items of ``record[outer][inner]`` (Europe PMC's ``{"author": [...]}`` wrapping;
        a single item may come unwrapped)."""
        items = self.block(record, outer, where).get(inner)
        if isinstance(items, dict):
            return [items]
        return self.typed(items, list, f"{where}{outer}.{inner}") or []

    def texts(self, record: dict[str, Any], outer: str, inner: str) -> list[str]:
        """The items of a listed field that are strings or numbers, as text."""
        values = self.listed(record, outer, inner)
        kept = [self.typed(v, (str, int, float), f"{outer}.{inner}[{i}]") for i, v in enumerate(values)]
        return [str(v) for v in kept if v is not None]


def _authors(record: dict[str, Any], fields: _Fields) -> list[Author]:
    authors = []
    for i, item in enumerate(fields.listed(record, "authorList", "author")):
        where = f"authorList.author[{i}]."
        if not isinstance(item, dict):
            fields.dropped.append(f"{where[:-1]}: expected dict, got {type(item).__name__}")
            continue
        part = {key: fields.text(item, key, where) for key in
                ("collectiveName", "firstName", "initials", "lastName", "fullName")}
        name = part["collectiveName"] or " ".join(
            p for p in (part["firstName"] or part["initials"], part["lastName"]) if p) or part["fullName"]
        affiliations = [strip_html(text) for j, a in enumerate(fields.listed(
                            item, "authorAffiliationDetailsList", "authorAffiliation", where))
                        if isinstance(a, dict) and (text := fields.text(
                            a, "affiliation", f"{where}authorAffiliationDetailsList.authorAffiliation[{j}]."))]
        if not name and not affiliations:  # an unnamed author is kept only for its affiliation
            continue
        author_id = fields.block(item, "authorId", where)
        orcid = fields.text(author_id, "value", f"{where}authorId.") if author_id.get("type") == "ORCID" else None
        authors.append(Author(name=strip_html(name or ""), affiliations=affiliations, orcid=orcid))
    return authors


def _published_version(record: dict[str, Any], fields: _Fields) -> tuple[str | None, str | None]:
    pmid = doi = None
    for link in fields.listed(record, "commentCorrectionList", "commentCorrection"):
        if not isinstance(link, dict) or str(link.get("type", "")).lower() != "preprint of":
            continue
        ident = fields.ident(link, "id", "commentCorrectionList.commentCorrection.")
        if link.get("source") == "MED" and re.fullmatch(r"[0-9]+", ident):
            pmid = pmid or ident
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


def _year(value: str) -> int | None:
    """A four-digit year (``"2023"``); None for anything else."""
    return int(value) if re.fullmatch(r"[0-9]{4}", value) else None


def parse_result(item: dict[str, Any], *, source_url: str = "",
                 problems: list[str] | None = None) -> EuropePmcRecord:
    """One ``core`` result as a record; raises ValueError when unusable (no source, id or
    title). A field of the wrong type is dropped and said in ``problems`` (when given)."""
    fields = _Fields()
    source, ident = fields.ident(item, "source"), fields.ident(item, "id")
    if not source or not ident:
        raise ValueError("result without source or id" + _why(fields))
    title = strip_html(fields.text(item, "title"))
    if not title:
        raise ValueError(f"{source}:{ident}: no title" + _why(fields))
    types = fields.texts(item, "pubTypeList", "pubType")
    lowered = {t.lower() for t in types}
    corrections = [c for c in fields.listed(item, "commentCorrectionList", "commentCorrection") if isinstance(c, dict)]
    is_preprint = source == "PPR" or "preprint" in lowered
    sections = abstract_sections(fields.text(item, "abstractText"))
    journal_info = fields.block(item, "journalInfo")
    journal = fields.text(fields.block(journal_info, "journal", "journalInfo."), "title", "journalInfo.journal.")
    if not journal and is_preprint:
        journal = fields.text(fields.block(item, "bookOrReportDetails"), "publisher", "bookOrReportDetails.")
    year_text = fields.ident(item, "pubYear") or fields.ident(journal_info, "yearOfPublication", "journalInfo.")
    published_pmid, published_doi = _published_version(item, fields) if is_preprint else (None, None)
    doi = (fields.text(item, "doi") or "").strip() or None
    known = source in SOURCE_CODES
    record = EuropePmcRecord(
        source=SOURCE,
        source_url=source_url or article_url(source, ident, doi),
        raw=item,
        title=title,
        external_id=f"{source}:{ident}" if known else (f"doi:{doi}" if doi else ""),
        pmid=fields.ident(item, "pmid") or None,
        doi=doi,
        pmcid=fields.text(item, "pmcid") or None,
        abstract="\n".join(f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections) or None,
        abstract_sections=sections,
        year=_year(year_text),
        pub_date=_iso(fields.text(item, "firstPublicationDate"))
        or _iso(fields.text(journal_info, "printPublicationDate", "journalInfo.")),
        journal=strip_html(journal) or None,
        authors=_authors(item, fields),
        publication_types=types,
        mesh=[name for i, m in enumerate(fields.listed(item, "meshHeadingList", "meshHeading"))
              if isinstance(m, dict)
              and (name := fields.text(m, "descriptorName", f"meshHeadingList.meshHeading[{i}]."))],
        keywords=fields.texts(item, "keywordList", "keyword"),
        grants=_grants(item, fields),
        language=fields.text(item, "language") or None,
        is_preprint=is_preprint,
        is_retracted="retracted publication" in lowered
        or any(str(c.get("type", "")).lower().startswith("retraction in") for c in corrections),
        entry_date=_iso(fields.text(item, "firstIndexDate")),
        published_pmid=published_pmid,
        published_doi=published_doi,
    )
    if problems is not None:
        problems += [f"{source}:{ident}: {said}; field dropped" for said in fields.dropped]
    return record


def _grants(record: dict[str, Any], fields: _Fields) -> list[dict[str, str]]:
    grants = []
    for i, grant in enumerate(fields.listed(record, "grantsList", "grant")):
        if isinstance(grant, dict):
            where = f"grantsList.grant[{i}]."
            grants.append({name: value for name, key in (("grant_id", "grantId"), ("acronym", "acronym"),
                                                         ("agency", "agency"))
                           if (value := fields.ident(grant, key, where))})
    return grants


def _why(fields: _Fields) -> str:
    return f" ({'; '.join(fields.dropped)})" if fields.dropped else ""


def parse_search(body: bytes | str) -> SearchPage:
    """One search page: records, ``hitCount``, ``nextCursorMark`` and problems."""
    page = SearchPage()
    try:
        data = load_json(body)
    except BadBody as exc:
        page.problems.append(f"malformed JSON: {exc}")
        page.paging_known = False
        return page
    if not isinstance(data, dict):
        page.problems.append("malformed answer: not a JSON object")
        page.paging_known = False
        return page
    if "errCode" in data or "errMsg" in data:
        message = " ".join(str(data.get("errMsg") or data.get("errCode")).split())  # on one line
        page.problems.append(f"Europe PMC error: {message[:200]}")
    page.hit_count = _hit_count(data.get("hitCount"), page)
    cursor = data.get("nextCursorMark")
    if cursor is None or isinstance(cursor, str):
        page.next_cursor = cursor or None
    else:
        page.problems.append(f"nextCursorMark: expected str, got {type(cursor).__name__}")
        page.paging_known = False
    for number, item in enumerate(_results(data, page), 1):
        if not isinstance(item, dict):
            page.problems.append(f"result {number}: not an object")
            continue
        if item.get("source") in SKIPPED_SOURCES:
            page.skipped += 1
            continue
        said: list[str] = []
        try:
            page.records.append(parse_result(item, problems=said))
        except ValueError as exc:
            page.problems.append(f"result {number}: {exc}")
        page.problems += [f"result {number}: {problem}" for problem in said]
    return page


def _hit_count(value: Any, page: SearchPage) -> int:
    """``hitCount``: a whole number (or its ASCII digits); anything else is a problem and 0."""
    if value is None:
        return 0
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    page.problems.append(f"hitCount: expected a count, got {_shown(value)}")
    return 0


def _results(data: dict[str, Any], page: SearchPage) -> list[Any]:
    """``resultList.result`` (absent: no results); a wrong type is a problem."""
    results: Any
    try:
        result_list = data.get("resultList")
        result_list = expect({} if result_list is None else result_list, dict, "resultList")
        results = result_list.get("result")
        results = expect([] if results is None else results, list, "resultList.result")
    except BadBody as exc:
        page.problems.append(f"malformed answer: {exc}")
        return []
    return results


def _shown(value: Any) -> str:
    """A value from the body, on one line and at most 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"
