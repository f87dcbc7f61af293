"""Pure parsers for news: RSS/Atom feeds, sitemaps, press listing pages and article pages.

Every text field is stored as plain text: markup, scripts and entities are removed by
``html_to_text``. Parsers never fetch; they take a body and the page's original URL (which
may differ from the URL it was fetched from when a mirror serves it).

Bad input is reported, never raised: a body over its size cap (:data:`MAX_FEED_BYTES`,
:data:`MAX_PAGE_BYTES`, :data:`MAX_SITEMAP_BYTES`) is skipped with a problem, a URL that
cannot be parsed (``http://[::1``) is not followed, and a feed's encoding and characters are
made readable before feedparser sees them (:func:`_feed_text`).
"""

from __future__ import annotations

import codecs
import html
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html

from tracker.parsers import Parsed
from tracker.parsers.jsonbody import BadBody, load_json
from tracker.records import NewsRecord

SOURCE = "news"

MAX_FEED_BYTES = 2 * 1024 * 1024
"""The largest feed parsed (2 MiB; for a text body, its length); a longer one is reported and
skipped. A news feed carries its newest items (the recorded feeds are under 8 KB), while
feedparser's time and memory grow with the body: a malformed feed goes through its
pure-Python fallback parser at a few seconds per MB. The cap bounds one feed to seconds."""

MAX_PAGE_BYTES = 4 * 1024 * 1024
"""The largest article or listing page parsed (4 MiB; lxml parses HTML in C, so pages get
more room than feeds). A longer body is reported and skipped (a feed item keeps the feed's
fields)."""

MAX_SITEMAP_BYTES = 50 * 1024 * 1024
MAX_SITEMAP_URLS = 50_000
"""The sitemaps.org protocol's own limits for one sitemap: 50 MiB uncompressed, 50,000 URLs.
A longer body is skipped and entries past the 50,000th are ignored, with a problem each."""

_DROP = ("script", "style", "noscript", "nav", "aside", "footer", "header", "form", "iframe",
         "svg", "button", "figure")
_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
           "article", "blockquote")
_DATELINE = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})")


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment (or of text with entities): no tags, one space between
    words, a blank line between paragraphs."""
    if not markup or not markup.strip():
        return ""
    if "<" not in markup:
        return _squeeze(html.unescape(markup))
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return _squeeze(html.unescape(re.sub(r"<[^>]*>", " ", markup)))
    return _element_text(root)


def _element_text(root: Any) -> str:
    """Plain text of an element (see :func:`html_to_text`); changes the element."""
    _strip_markup(root)
    return _paragraphs(root.text_content())


def _strip_markup(root: Any) -> None:
    """End every block under ``root`` with a blank line, then drop its scripts, navigation
    and the like (their tails stay, as with lxml's ``drop_tree``).

    The HTML parser keeps control characters that lxml refuses to have written back, so each
    text written here is first cleaned of them (:func:`_writable`)."""
    for block in root.iterdescendants(*_BLOCKS):
        block.tail = "\n\n" + _writable(block.tail)
    for bad in list(root.iterdescendants(*_DROP)):
        parent, previous = bad.getparent(), bad.getprevious()
        if previous is None:
            parent.text = _writable(parent.text) + _writable(bad.tail)
        else:
            previous.tail = _writable(previous.tail) + _writable(bad.tail)
        parent.remove(bad)


def _writable(text: str | None) -> str:
    """``text`` with the characters XML forbids (control characters) as spaces."""
    return _NOT_XML_CHAR.sub(" ", text) if text else ""


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _paragraphs(text: str) -> str:
    """``text`` with one space between words and a blank line between paragraphs."""
    paragraphs = [_squeeze(p) for p in _PARAGRAPH_BREAK.split(text)]
    return "\n\n".join(p for p in paragraphs if p)


def _squeeze(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def parse_date(value: str | None) -> datetime | None:
    """A timestamp from ISO dates, RFC 822 dates or press-release datelines
    ("LOS ANGELES, Nov. 01, 2022 (GLOBE NEWSWIRE)"); naive times are taken as UTC, and a time
    whose offset is not a real one (``+2500``) is none. A missing day or month is the first."""
    if not value or not value.strip():
        return None
    try:  # ISO 8601 (sitemaps, meta tags) is read without dateutil's much slower lexer
        return _zoned(datetime.fromisoformat(value.strip()))
    except ValueError:
        pass
    match = _DATELINE.search(value)
    candidates = [value.strip()] + ([" ".join(match.groups())] if match else [])
    # a part the text lacks is the first (a day missing from "January 2022" is the 1st),
    # never today's day or month as dateutil's default would make it
    first = datetime(datetime.now(UTC).year, 1, 1)
    for text in candidates:
        try:
            with warnings.catch_warnings():  # "NZ", "EST5": an unknown zone name is read as UTC
                warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
                parsed = dateparser.parse(text, default=first)
        except (ValueError, OverflowError):
            continue
        if parsed is not None:
            try:
                return _zoned(parsed)
            except ValueError:
                continue
    return None


def _zoned(value: datetime) -> datetime:
    """``value``, in UTC when naive; raises ValueError when its offset is a day or more (dateutil
    reads one from ``+2500``, and any later use of the time would raise)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    value.utcoffset()
    return value


def dateline_date(text: str) -> datetime | None:
    """The date of a press-release dateline near the start of a text, if any."""
    match = _DATELINE.search(text)
    return parse_date(" ".join(match.groups())) if match else None


_URL_DATES = (re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/"), re.compile(r"/(20\d\d)/(\d\d)/"),
              re.compile(r"[-_/](20\d\d)(\d\d)(\d\d)(?:[/?#]|$)"))


def url_date(url: str) -> datetime | None:
    """A date written in a URL path (``/2022/11/07/``, ``/2022/01/``, ``-20200313``)."""
    for pattern in _URL_DATES:
        match = pattern.search(url)
        if match:
            parts = [int(g) for g in match.groups()] + [1]
            try:
                return datetime(parts[0], parts[1], parts[2], tzinfo=UTC)
            except ValueError:
                continue
    return None


def _absolute(base: str, href: str) -> str | None:
    """``href`` made absolute against ``base``; None when either is not a URL that can be
    split (an unclosed or invalid IPv6 host: ``http://[::1``, ``http://[zz]/``)."""
    try:
        link = urljoin(base, href.strip())
        urlsplit(link)
    except ValueError:
        return None
    return link


def _host(url: str) -> str | None:
    """The host part of ``url``; None when it cannot be split (see :func:`_absolute`)."""
    try:
        return urlsplit(url).netloc
    except ValueError:
        return None


def _strip_publisher(title: str, publisher: str | None) -> str:
    # aggregators append " - Publisher" to titles
    if publisher and title.endswith(f" - {publisher}"):
        return title[: -len(publisher) - 3].strip()
    return title


def parse_feed(body: bytes | str, *, feed_url: str, feed: str, publisher: str | None = None,
               max_bytes: int = MAX_FEED_BYTES) -> Parsed[NewsRecord]:
    """Items of an RSS or Atom feed; items without a usable link or a title are reported, not
    kept. A feed over ``max_bytes`` is reported and skipped."""
    result: Parsed[NewsRecord] = Parsed()
    if len(body) > max_bytes:
        result.problems.append(f"feed {feed_url}: {len(body):,} bytes is over the "
                               f"{max_bytes:,}-byte limit; skipped")
        return result
    text = body if isinstance(body, str) else _feed_text(body, result.problems, where=feed_url)
    try:
        parsed = _feedparser(_xml_safe(text))
    except ValueError as exc:
        result.problems.append(f"unreadable feed {feed_url} (feedparser: {exc})")
        return result
    if not parsed.entries:
        problem = getattr(parsed, "bozo_exception", None)
        result.problems.append(f"no items in feed {feed_url}" + (f" (malformed: {problem})" if problem else ""))
        return result
    feed_title = html_to_text(parsed.feed.get("title")) or None
    for number, entry in enumerate(parsed.entries, 1):
        given = (entry.get("link") or "").strip()
        link = _absolute(feed_url, given) if given else None
        if link is None:
            result.problems.append(f"{feed_url} item {number}: " + (f"bad link {given!r}" if given else "no link"))
            continue
        item_publisher = html_to_text(entry.get("source", {}).get("title")) or publisher or feed_title
        title = _strip_publisher(html_to_text(entry.get("title")), item_publisher)
        if not title:
            result.problems.append(f"{feed_url} item {number}: no title")
            continue
        summary = _strip_trailing(html_to_text(entry.get("summary")), item_publisher) or None
        contents = [c.get("value", "") for c in entry.get("content", [])]
        body_text = html_to_text(max(contents, key=len)) if contents else ""
        result.records.append(NewsRecord(
            source=SOURCE, source_url=feed_url, raw=_raw_entry(entry), url=link, title=title,
            published=_entry_time(entry), summary=summary,
            body=body_text if body_text and body_text != summary else None,
            publisher=item_publisher, feed=feed))
    return result


def _feedparser(text: str) -> Any:
    """feedparser's reading of a feed text (made XML-safe), passed as UTF-8 bytes in a stream:
    feedparser opens a string that names a file or URL. Our own html_to_text drops markup, so
    feedparser's sanitising and URL rewriting are left off (they were most of its time).

    It raises ValueError on one kind of malformed feed that no rewriting of the text can rule
    out: CPython's SAX reader splits a namespaced name on whitespace, so a namespace URI with
    two whitespace characters in it (raw, as a reference or through a DOCTYPE entity) breaks
    feedparser's unpacking."""
    return feedparser.parse(io.BytesIO(text.encode("utf-8")),
                            response_headers={"content-type": "application/xml; charset=utf-8"},
                            sanitize_html=False, resolve_relative_uris=False)


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
         (b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))
_DECLARED = re.compile(rb"^<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"'>]*)[\"']")
_ENC_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")


def _feed_text(body: bytes, problems: list[str], *, where: str) -> str:
    """The text of an XML body, decoded by one rule: a byte order mark (or the UTF-16 form of
    ``<?``) decides; else the XML declaration's encoding when it names a text encoding Python
    has; else UTF-8. Bytes that are not valid in that encoding are read as UTF-8 when they are
    valid UTF-8, else as windows-1252 (undefined bytes become U+FFFD); an unknown declared
    encoding or such a fallback is reported."""
    encoding = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    if encoding is None:
        encoding = "utf-8"
        declared = _DECLARED.match(body)
        name = declared.group(1).decode("ascii", "replace") if declared else "utf-8"
        if _text_encoding(name):
            encoding = name
        else:
            problems.append(f"{where}: unknown encoding {name!r} declared; read as UTF-8")
    try:
        return body.decode(encoding)
    except ValueError:  # UnicodeDecodeError, and UnicodeError from codecs such as idna
        pass
    try:
        text, used = body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text, used = body.decode("windows-1252", "replace"), "windows-1252"
    problems.append(f"{where}: not valid {encoding}; read as {used}")
    return text


def _text_encoding(name: str) -> bool:
    """Whether ``name`` is an XML encoding name that Python decodes text with."""
    if not _ENC_NAME.fullmatch(name):
        return False
    try:
        return bool(getattr(codecs.lookup(name), "_is_text_encoding", True))
    except LookupError:
        return False


_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")


def _xml_safe(text: str) -> str:
    """``text`` with every character XML forbids (controls, lone surrogates, U+FFFE/U+FFFF),
    and every character reference to one (``&#xD800;``, ``&#0;``, ``&#x110000;``), replaced
    by U+FFFD: feedparser's fallback parser raises on such references."""
    return _CHAR_REF.sub(_safe_ref, _NOT_XML_CHAR.sub("\ufffd", text))


def _safe_ref(match: re.Match[str]) -> str:
    digits = (match.group(1) or match.group(2)).lstrip("0") or "0"
    if len(digits) > 7:  # beyond U+10FFFF in any base (and int() refuses huge numbers)
        return "&#xFFFD;"
    code = int(digits, 16) if match.group(1) else int(digits)
    return match.group(0) if code <= 0x10FFFF and not _NOT_XML_CHAR.match(chr(code)) else "&#xFFFD;"


def _entry_time(entry: Any) -> datetime | None:
    """The item's publication (else update) time in UTC; a leap second is read as :59, and
    a time that is not a date is none."""
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if not stamp:
        return None
    try:
        year, month, day, hour, minute, second = stamp[:6]
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (ValueError, TypeError, OverflowError):
        return None


def _strip_trailing(text: str, publisher: str | None) -> str:
    # aggregator summaries end with the publisher's name as a separate line
    if publisher and text.endswith(publisher) and text != publisher:
        return text[: -len(publisher)].strip()
    return text


def _raw_entry(entry: Any) -> dict[str, Any]:
    keep = ("id", "link", "title", "published", "updated", "summary")
    return {k: str(entry.get(k)) for k in keep if entry.get(k)}


@dataclass(frozen=True)
class SitemapPage:
    url: str
    lastmod: datetime | None = None


def parse_sitemap(body: bytes, *, url: str, max_bytes: int = MAX_SITEMAP_BYTES
                  ) -> tuple[list[SitemapPage], list[str], list[str]]:
    """(pages, nested sitemap URLs, problems) of a sitemap or sitemap index. A body over
    ``max_bytes`` or not XML gives only a problem; a ``loc`` that is not a URL is reported and
    the other entries are kept."""
    if len(body) > max_bytes:
        return [], [], [f"sitemap {url}: {len(body):,} bytes is over the {max_bytes:,}-byte limit; skipped"]
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [], [], [f"malformed sitemap {url}: {exc}"]
    pages: list[SitemapPage] = []
    nested: list[str] = []
    problems: list[str] = []
    is_index = etree.QName(root).localname == "sitemapindex"
    entries = root.xpath("./*[local-name()='url' or local-name()='sitemap']")
    if len(entries) > MAX_SITEMAP_URLS:
        problems.append(f"sitemap {url}: {len(entries):,} entries, only the first {MAX_SITEMAP_URLS:,} read")
    for node in entries[:MAX_SITEMAP_URLS]:
        loc = "".join(node.xpath("./*[local-name()='loc']/text()")).strip()
        if not loc:
            continue
        link = _absolute(url, loc)
        if link is None:
            problems.append(f"sitemap {url} line {node.sourceline}: bad URL {loc!r}")
        elif is_index:
            nested.append(link)
        else:
            lastmod = "".join(node.xpath("./*[local-name()='lastmod']/text()"))
            pages.append(SitemapPage(link, parse_date(lastmod)))
    return pages, nested, problems


def parse_listing(body: bytes | str, *, page_url: str, include: str = "",
                  max_bytes: int = MAX_PAGE_BYTES) -> tuple[list[str], str | None, list[str]]:
    """(article links, next page's URL or None, problems) of a press listing page. Links are
    those on the same site matching ``include``; an ``href`` that is not a URL is no link. A
    body over ``max_bytes`` or not HTML gives only a problem."""
    if len(body) > max_bytes:
        return [], None, [f"listing {page_url}: {len(body):,} bytes is over the {max_bytes:,}-byte limit; skipped"]
    try:
        doc = lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        return [], None, [f"listing {page_url}: unreadable page ({exc})"]
    host = _host(page_url)
    links: list[str] = []
    for href in doc.xpath("//a/@href"):
        link = _absolute(page_url, href)
        if link is None:
            continue
        link = link.split("#")[0]
        if _host(link) != host or link.rstrip("/") == page_url.rstrip("/"):
            continue
        if include and not re.search(include, link):
            continue
        if link not in links:
            links.append(link)
    following = (_absolute(page_url, href) for href in doc.xpath("//a[@rel='next']/@href | //link[@rel='next']/@href"))
    return links, next((u for u in following if u), None), []


def _meta(doc: Any, *names: str) -> str | None:
    for name in names:
        values = doc.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
        if values and values[0].strip():
            return html_to_text(values[0])
    return None


def _json_ld_date(doc: Any) -> str | None:
    """The first ``datePublished`` string of the page's JSON-LD objects (see
    :func:`_json_ld_objects`); a block that is not JSON, or is nested too deeply, is ignored."""
    for block in doc.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = load_json(block)
        except BadBody:
            continue
        for item in _json_ld_objects(data):
            value = item.get("datePublished")
            if isinstance(value, str) and value.strip():
                return value
    return None


def _json_ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-LD block: the block itself or the items of a top-level list, and
    the items of their ``@graph`` lists; anything else (scalars, other shapes) has none."""
    for item in data if isinstance(data, list) else [data]:
        if not isinstance(item, dict):
            continue
        yield item
        graph = item.get("@graph")
        if isinstance(graph, list):
            yield from (node for node in graph if isinstance(node, dict))


def parse_article(body: bytes | str, *, url: str, feed: str | None = None,
                  publisher: str | None = None, max_bytes: int = MAX_PAGE_BYTES) -> Parsed[NewsRecord]:
    """One article or press-release page: title, date, publisher, summary and body text
    (:func:`_article_text`); a page over ``max_bytes``, or with neither paragraphs nor a
    description (an error page answered with status 200), is reported and skipped."""
    result: Parsed[NewsRecord] = Parsed()
    if len(body) > max_bytes:
        result.problems.append(f"{url}: {len(body):,} bytes is over the {max_bytes:,}-byte limit; skipped")
        return result
    try:
        doc = lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError) as exc:
        result.problems.append(f"{url}: unreadable page ({exc})")
        return result
    title = _meta(doc, "og:title") or html_to_text("".join(doc.xpath("string(//h1)"))) \
        or html_to_text(doc.findtext(".//title"))
    if not title:
        result.problems.append(f"{url}: no title")
        return result
    date_text = (_meta(doc, "article:published_time", "date", "pubdate", "dc.date")
                 or (doc.xpath("//time/@datetime") or [None])[0] or _json_ld_date(doc))
    summary, site = _meta(doc, "description", "og:description"), _meta(doc, "og:site_name")
    body_text = _article_text(doc)
    if not body_text and not summary:  # an error page served as 200 ("Service Unavailable")
        result.problems.append(f"{url}: no article text (no paragraphs, no description)")
        return result
    published = parse_date(date_text) or url_date(url) or dateline_date((body_text or "")[:300])
    result.records.append(NewsRecord(
        source=SOURCE, source_url=url, url=url, title=title, published=published,
        summary=summary, body=body_text, publisher=site or publisher, feed=feed,
        raw={"title": title, "date": date_text}))
    return result


def _article_text(doc: Any) -> str | None:
    """The text of the paragraphs (outside asides) of the page's article (``<article>``,
    ``<main>``, an ``articleBody``), else of its ``<body>``, else of the whole page.

    The container's markup is stripped once (:func:`_strip_markup`), after the paragraphs
    are chosen: a paragraph inside a dropped element (a ``<header>``) still counts, as its own
    text. This changes the page: read everything else first."""
    container = (doc.xpath("//article | //main | //*[@itemprop='articleBody']") or doc.xpath("//body") or [doc])[0]
    chosen = container.xpath(".//p[not(ancestor::aside)]")
    _strip_markup(container)
    # one pass over all the text: joined with a blank line, each paragraph stays its own
    return _paragraphs("\n\n".join(p.text_content() for p in chosen)) or None
