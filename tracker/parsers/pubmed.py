"""NCBI E-utilities responses: esearch (count, history keys, ids) and efetch PubMed XML.

``parse_efetch`` turns a ``PubmedArticleSet`` into ``PublicationRecord``s. Real quirks it
handles: inline markup (``<i>``, ``<sup>``, ``<sub>``, MathML) flattened to text in titles and
abstracts; structured abstracts (several ``AbstractText`` with ``Label``); missing abstracts;
dates given as Year/Month(name or number)/Day, a Season or a free ``MedlineDate``;
collective authors; retractions (publication type "Retracted Publication" or a
``RetractionIn`` comment; a "Retraction of Publication" is the notice, not a retracted paper);
ids from the article's own ``ArticleIdList`` (never from its reference list).
Malformed XML and bad articles become ``Parsed.problems``; nothing raises. Parsing is bounded:
a body over :data:`MAX_XML_BYTES` is refused, and lxml's default limits hold (no
``huge_tree``: a text node over 10 MB or nesting deeper than 256 makes the page malformed).
A date part out of range (year 0 or 20231, month 13, day 32) is dropped with a problem and
the article is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from tracker.parsers import Parsed
from tracker.records import Author, PublicationRecord

SOURCE = "pubmed"
ARTICLE_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_YEAR = re.compile(r"\b(1[89][0-9]{2}|20[0-9]{2})\b")
"""A publication year as PubMed writes it (1800-2099); any other is out of range."""
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)

MAX_XML_BYTES = 32 * 1024 * 1024
"""The largest E-utilities body parsed (32 MiB): an efetch page of 200 articles is about
1 MB (the snapshot's ``efetch_0000.xml``: 900 KB), so only a runaway body is refused."""


@dataclass
class SearchResult:
    """One esearch answer."""

    count: int = 0
    retmax: int = 0
    retstart: int = 0
    webenv: str | None = None
    query_key: str | None = None
    ids: list[str] = field(default_factory=list)
    translation: str | None = None
    problems: list[str] = field(default_factory=list)


def text_of(element: etree._Element | None) -> str:
    """All text under an element with markup flattened and whitespace collapsed."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _root(body: bytes | str, problems: list[str], max_bytes: int) -> etree._Element | None:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body  # bad UTF-8: malformed
    if len(data) > max_bytes:
        problems.append(f"body of {len(data):,} bytes is over the {max_bytes:,}-byte limit")
        return None
    if not data.strip():
        problems.append("empty body")
        return None
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        problems.append(f"line {exc.lineno}: malformed XML: {exc.msg}")
        return None


_COUNT = re.compile(r"[0-9]{1,18}")


def _count(root: etree._Element, tag: str, problems: list[str]) -> int:
    """The non-negative whole number in ``tag`` (0 when absent); anything else is a problem."""
    text = (root.findtext(tag) or "0").strip()
    if not _COUNT.fullmatch(text):
        problems.append(f"bad number in esearch answer: {tag} {text[:40]!r}")
        return 0
    return int(text)


def parse_esearch(body: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> SearchResult:
    """Count, history-server keys (``WebEnv``, ``QueryKey``) and ids of an esearch answer."""
    result = SearchResult()
    root = _root(body, result.problems, max_bytes)
    if root is None:
        return result
    error = root.findtext("ERROR")
    if error:
        result.problems.append(f"esearch error: {error.strip()}")
    if root.tag != "eSearchResult":
        result.problems.append(f"not an esearch answer: <{root.tag}>")
        return result
    result.count = _count(root, "Count", result.problems)
    result.retmax = _count(root, "RetMax", result.problems)
    result.retstart = _count(root, "RetStart", result.problems)
    result.webenv = (root.findtext("WebEnv") or "").strip() or None
    result.query_key = (root.findtext("QueryKey") or "").strip() or None
    result.ids = [text_of(i) for i in root.findall("IdList/Id") if text_of(i)]
    result.translation = (root.findtext("QueryTranslation") or "").strip() or None
    return result


def _month(value: str) -> int | None:
    """The month of ``1``-``12``, a month name or a season; None when it is none of these."""
    value = value.strip().lower()
    if re.fullmatch(r"[0-9]{1,2}", value):
        return int(value) if 1 <= int(value) <= 12 else None
    return _MONTHS.get(value[:3]) or _SEASONS.get(value)


def _date(element: etree._Element | None, problems: list[str]) -> date | None:
    """A (possibly partial) date; a missing month or day is taken as the first.

    A part out of range is reported and taken as missing: without a readable year
    (:data:`_YEAR`) there is no date; a bad ``Month``/``Season`` or ``Day`` becomes the first."""
    if element is None:
        return None
    medline = element.findtext("MedlineDate") or ""  # "1998 Dec-1999 Jan", "2020 Nov-Dec"
    year_text = (element.findtext("Year") or "").strip()
    if not year_text:
        match = _YEAR.search(medline)
        year_text = match.group(1) if match else ""
    if not year_text:
        return None
    if not _YEAR.fullmatch(year_text):
        problems.append(f"{element.tag}: year {year_text[:20]!r} out of range, date not used")
        return None
    month = _date_month(element, medline, problems) or 1
    day_text = (element.findtext("Day") or "").strip()
    if not day_text:
        return date(int(year_text), month, 1)
    try:
        return date(int(year_text), month, int(day_text) if re.fullmatch(r"[0-9]{1,2}", day_text) else 0)
    except ValueError:
        problems.append(f"{element.tag}: day {day_text[:20]!r} out of range, taken as the first")
        return date(int(year_text), month, 1)


def _date_month(element: etree._Element, medline: str, problems: list[str]) -> int | None:
    """The month of a date element: its ``Month``, else its ``Season`` (an unreadable one is
    reported), else the first word of its ``MedlineDate`` (free text: no report)."""
    for tag in ("Month", "Season"):
        text = (element.findtext(tag) or "").strip()
        if not text:
            continue
        month = _month(text)
        if month is None:
            problems.append(f"{element.tag}: {tag.lower()} {text[:20]!r} out of range, taken as missing")
        return month
    words = re.findall(r"[A-Za-z]+", medline)
    return _month(words[0]) if words else None


def _abstract(article: etree._Element) -> tuple[str | None, list[dict[str, str]]]:
    sections = []
    for part in article.findall("Abstract/AbstractText"):
        text = text_of(part)
        if text:
            label = (part.get("Label") or part.get("NlmCategory") or "").strip()
            sections.append({"label": label, "text": text})
    if not sections:
        return None, []
    joined = "\n".join(f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections)
    return joined, sections


def _authors(article: etree._Element) -> list[Author]:
    authors = []
    for node in article.findall("AuthorList/Author"):
        if node.get("ValidYN", "Y") == "N":
            continue
        collective = text_of(node.find("CollectiveName"))
        name = collective or " ".join(
            p for p in (text_of(node.find("ForeName")) or text_of(node.find("Initials")),
                        text_of(node.find("LastName"))) if p)
        affiliations = [text_of(a) for a in node.findall("AffiliationInfo/Affiliation") if text_of(a)]
        if not name and not affiliations:  # an unnamed author is kept only for its affiliation
            continue
        orcid = next((text_of(i) for i in node.findall("Identifier") if i.get("Source") == "ORCID"), None)
        if orcid:
            orcid = orcid.rsplit("/", 1)[-1]
        authors.append(Author(name=name, affiliations=affiliations, orcid=orcid or None))
    return authors


def _ids(node: etree._Element) -> dict[str, str]:
    ids: dict[str, str] = {}
    for item in node.findall("PubmedData/ArticleIdList/ArticleId"):
        kind, value = (item.get("IdType") or "").lower(), text_of(item)
        if kind and value:
            ids.setdefault(kind, value)
    return ids


def _grants(citation: etree._Element) -> list[dict[str, str]]:
    grants = []
    for grant in citation.findall("Article/GrantList/Grant"):
        entry = {key: text_of(grant.find(tag)) for key, tag in
                 (("grant_id", "GrantID"), ("acronym", "Acronym"), ("agency", "Agency"), ("country", "Country"))}
        entry = {k: v for k, v in entry.items() if v}
        if entry:
            grants.append(entry)
    return grants


def _title(article: etree._Element) -> str:
    title = text_of(article.find("ArticleTitle")) or text_of(article.find("VernacularTitle"))
    if title.startswith("[") and title.endswith("]."):  # translated titles are bracketed
        title = title[1:-2] + "."
    return title


def parse_article(node: etree._Element, *, source_url: str = "",
                  problems: list[str] | None = None) -> PublicationRecord:
    """One ``PubmedArticle`` element as a record; raises ValueError when unusable. What was
    read only in part (a date out of range) is added to ``problems``, naming the PMID."""
    citation = node.find("MedlineCitation")
    if citation is None:
        raise ValueError("no MedlineCitation")
    pmid = text_of(citation.find("PMID"))
    if not pmid.isascii() or not pmid.isdigit():
        raise ValueError(f"bad PMID {pmid!r}")
    article = citation.find("Article")
    if article is None:
        raise ValueError(f"PMID {pmid}: no Article")
    title = _title(article)
    if not title:
        raise ValueError(f"PMID {pmid}: no title")
    ids = _ids(node)
    doi = ids.get("doi") or next((text_of(e) for e in article.findall("ELocationID")
                                  if e.get("EIdType") == "doi"), None)
    abstract, sections = _abstract(article)
    notes: list[str] = []
    pub_date = (_date(article.find("Journal/JournalIssue/PubDate"), notes)
                or _date(article.find("ArticleDate"), notes))
    entry = next((_date(d, notes) for d in node.findall("PubmedData/History/PubMedPubDate")
                  if d.get("PubStatus") == "entrez"), None)
    if problems is not None:
        problems.extend(f"PMID {pmid}: {note}" for note in notes)
    types = [text_of(t) for t in article.findall("PublicationTypeList/PublicationType") if text_of(t)]
    comments = {c.get("RefType") for c in citation.findall("CommentsCorrectionsList/CommentsCorrections")}
    return PublicationRecord(
        source=SOURCE,
        source_url=source_url or ARTICLE_URL.format(pmid=pmid),
        raw=etree.tostring(node, encoding="unicode"),
        title=title,
        external_id=pmid,
        pmid=pmid,
        doi=doi or None,
        pmcid=ids.get("pmc"),
        abstract=abstract,
        abstract_sections=sections,
        year=pub_date.year if pub_date else None,
        pub_date=pub_date,
        journal=text_of(article.find("Journal/Title")) or text_of(citation.find("MedlineJournalInfo/MedlineTA"))
        or None,
        authors=_authors(article),
        publication_types=types,
        mesh=[text_of(d) for d in citation.findall("MeshHeadingList/MeshHeading/DescriptorName") if text_of(d)],
        keywords=[text_of(k) for k in citation.findall("KeywordList/Keyword") if text_of(k)],
        grants=_grants(citation),
        conflicts=text_of(citation.find("CoiStatement")) or None,
        language=text_of(article.find("Language")) or None,
        is_preprint="Preprint" in types,
        is_retracted="Retracted Publication" in types or "RetractionIn" in comments,
        entry_date=entry,
    )


def parse_efetch(body: bytes | str, *, source_url: str = "",
                 max_bytes: int = MAX_XML_BYTES) -> Parsed[PublicationRecord]:
    """All articles of an efetch ``PubmedArticleSet``; a bad article is a problem, not a crash.

    ``source_url`` is kept only as context in problems: each record points at its own
    stable PubMed page.
    """
    parsed: Parsed[PublicationRecord] = Parsed()
    root = _root(body, parsed.problems, max_bytes)
    if root is None:
        return parsed
    if root.tag == "eFetchResult" or root.find("ERROR") is not None:
        parsed.problems.append(f"efetch error: {text_of(root.find('ERROR')) or text_of(root)}")
        return parsed
    if root.tag != "PubmedArticleSet":
        parsed.problems.append(f"not a PubmedArticleSet: <{root.tag}>")
        return parsed
    for number, node in enumerate(root, 1):
        if not isinstance(node.tag, str):
            continue
        if node.tag == "PubmedBookArticle":
            parsed.problems.append(f"article {number}: book article skipped")
            continue
        if node.tag != "PubmedArticle":
            continue
        where = f"article {number} (line {node.sourceline})"
        notes: list[str] = []
        try:
            parsed.records.append(parse_article(node, problems=notes))
        except (ValueError, TypeError) as exc:
            parsed.problems.append(f"{where}: {exc}")
        parsed.problems.extend(f"{where}: {note}" for note in notes)
    return parsed
