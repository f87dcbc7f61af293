"""NCBI E-utilities responses: esearch (count, history keys, ids) and efetch PubMed XML.

``parse_efetch`` turns a ``PubmedArticleSet`` into ``PublicationRecord``s. Real quirks it
handles: inline markup (``<i>``, ``<sup>``, ``<sub>``, MathML) flattened to text in titles and
abstracts; structured abstracts (several ``AbstractText`` with ``Label``); missing abstracts;
dates given as Year/Month(name or number)/Day, a Season or a free ``MedlineDate``;
collective authors; retractions (publication type "Retracted Publication" or a
``RetractionIn`` comment; a "Retraction of Publication" is the notice, not a retracted paper);
ids from the article's own ``ArticleIdList`` (never from its reference list).
Malformed XML and bad articles become ``Parsed.problems``; nothing raises.
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
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


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


def _root(body: bytes | str, problems: list[str]) -> etree._Element | None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    if not data.strip():
        problems.append("empty body")
        return None
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        problems.append(f"line {exc.lineno}: malformed XML: {exc.msg}")
        return None


def parse_esearch(body: bytes | str) -> SearchResult:
    """Count, history-server keys (``WebEnv``, ``QueryKey``) and ids of an esearch answer."""
    result = SearchResult()
    root = _root(body, result.problems)
    if root is None:
        return result
    error = root.findtext("ERROR")
    if error:
        result.problems.append(f"esearch error: {error.strip()}")
    if root.tag != "eSearchResult":
        result.problems.append(f"not an esearch answer: <{root.tag}>")
        return result
    try:
        result.count = int(root.findtext("Count") or 0)
        result.retmax = int(root.findtext("RetMax") or 0)
        result.retstart = int(root.findtext("RetStart") or 0)
    except ValueError as exc:
        result.problems.append(f"bad number in esearch answer: {exc}")
    result.webenv = (root.findtext("WebEnv") or "").strip() or None
    result.query_key = (root.findtext("QueryKey") or "").strip() or None
    result.ids = [text_of(i) for i in root.findall("IdList/Id") if text_of(i)]
    result.translation = (root.findtext("QueryTranslation") or "").strip() or None
    return result


def _month(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip().lower()
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    return _MONTHS.get(value[:3]) or _SEASONS.get(value)


def _date(element: etree._Element | None) -> date | None:
    """A (possibly partial) date; a missing month or day is taken as the first."""
    if element is None:
        return None
    year_text = element.findtext("Year") or ""
    medline = element.findtext("MedlineDate") or ""  # "1998 Dec-1999 Jan", "2020 Nov-Dec"
    if not year_text:
        match = _YEAR.search(medline)
        year_text = match.group(1) if match else ""
    if not year_text.strip().isdigit():
        return None
    words = re.findall(r"[A-Za-z]+", medline)
    month = (_month(element.findtext("Month")) or _month(element.findtext("Season"))
             or (_month(words[0]) if words else None) or 1)
    day_text = (element.findtext("Day") or "1").strip()
    try:
        return date(int(year_text), month, int(day_text) if day_text.isdigit() else 1)
    except ValueError:
        return date(int(year_text), month, 1)


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


def parse_article(node: etree._Element, *, source_url: str = "") -> PublicationRecord:
    """One ``PubmedArticle`` element as a record; raises ValueError when unusable."""
    citation = node.find("MedlineCitation")
    if citation is None:
        raise ValueError("no MedlineCitation")
    pmid = text_of(citation.find("PMID"))
    if not pmid.isdigit():
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
    pub_date = _date(article.find("Journal/JournalIssue/PubDate")) or _date(article.find("ArticleDate"))
    entry = next((_date(d) for d in node.findall("PubmedData/History/PubMedPubDate")
                  if d.get("PubStatus") == "entrez"), None)
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


def parse_efetch(body: bytes | str, *, source_url: str = "") -> Parsed[PublicationRecord]:
    """All articles of an efetch ``PubmedArticleSet``; a bad article is a problem, not a crash.

    ``source_url`` is kept only as context in problems: each record points at its own
    stable PubMed page.
    """
    parsed: Parsed[PublicationRecord] = Parsed()
    root = _root(body, parsed.problems)
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
        try:
            parsed.records.append(parse_article(node))
        except (ValueError, TypeError) as exc:
            parsed.problems.append(f"article {number} (line {node.sourceline}): {exc}")
    return parsed
