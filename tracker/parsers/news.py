"""Pure parsers for news: RSS/Atom feeds, sitemaps, press listing pages and article pages.

Every text field is stored as plain text: markup, scripts and entities are removed by
``html_to_text``. Parsers never fetch; they take a body and the page's original URL (which
may differ from the URL it was fetched from when a mirror serves it).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from dateutil import parser as dateparser
from lxml import etree
from lxml import html as lxml_html

from tracker.parsers import Parsed
from tracker.records import NewsRecord

SOURCE = "news"
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
    for bad in root.xpath("|".join(f".//{t}" for t in _DROP)):
        bad.drop_tree()
    for block in root.xpath("|".join(f".//{t}" for t in _BLOCKS)):
        block.tail = "\n\n" + (block.tail or "")
    text = root.text_content()
    paragraphs = [_squeeze(p) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _squeeze(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def parse_date(value: str | None) -> datetime | None:
    """A timestamp from ISO dates, RFC 822 dates or press-release datelines
    ("LOS ANGELES, Nov. 01, 2022 (GLOBE NEWSWIRE)"); naive times are taken as UTC."""
    if not value or not value.strip():
        return None
    match = _DATELINE.search(value)
    candidates = [value.strip()] + ([" ".join(match.groups())] if match else [])
    for text in candidates:
        try:
            parsed = dateparser.parse(text)
        except (ValueError, OverflowError):
            continue
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


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


def _strip_publisher(title: str, publisher: str | None) -> str:
    # aggregators append " - Publisher" to titles
    if publisher and title.endswith(f" - {publisher}"):
        return title[: -len(publisher) - 3].strip()
    return title


def parse_feed(body: bytes | str, *, feed_url: str, feed: str, publisher: str | None = None) -> Parsed[NewsRecord]:
    """Items of an RSS or Atom feed; items without a link or title are reported, not kept."""
    parsed = feedparser.parse(body)
    result: Parsed[NewsRecord] = Parsed()
    if not parsed.entries:
        problem = getattr(parsed, "bozo_exception", None)
        result.problems.append(f"no items in feed {feed_url}" + (f" (malformed: {problem})" if problem else ""))
        return result
    feed_title = html_to_text(parsed.feed.get("title")) or None
    for number, entry in enumerate(parsed.entries, 1):
        link = (entry.get("link") or "").strip()
        if not link:
            result.problems.append(f"{feed_url} item {number}: no link")
            continue
        link = urljoin(feed_url, link)
        item_publisher = html_to_text(entry.get("source", {}).get("title")) or publisher or feed_title
        title = _strip_publisher(html_to_text(entry.get("title")), item_publisher)
        if not title:
            result.problems.append(f"{feed_url} item {number}: no title")
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime(*stamp[:6]).replace(tzinfo=UTC) if stamp else None
        summary = _strip_trailing(html_to_text(entry.get("summary")), item_publisher) or None
        contents = [c.get("value", "") for c in entry.get("content", [])]
        body_text = html_to_text(max(contents, key=len)) if contents else ""
        result.records.append(NewsRecord(
            source=SOURCE, source_url=feed_url, raw=_raw_entry(entry), url=link, title=title,
            published=published, summary=summary,
            body=body_text if body_text and body_text != summary else None,
            publisher=item_publisher, feed=feed))
    return result


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


def parse_sitemap(body: bytes, *, url: str) -> tuple[list[SitemapPage], list[str], list[str]]:
    """(pages, nested sitemap URLs, problems) of a sitemap or sitemap index."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [], [], [f"malformed sitemap {url}: {exc}"]
    pages: list[SitemapPage] = []
    nested: list[str] = []
    is_index = etree.QName(root).localname == "sitemapindex"
    for node in root.xpath("./*[local-name()='url' or local-name()='sitemap']"):
        loc = "".join(node.xpath("./*[local-name()='loc']/text()")).strip()
        if not loc:
            continue
        if is_index:
            nested.append(urljoin(url, loc))
        else:
            lastmod = "".join(node.xpath("./*[local-name()='lastmod']/text()"))
            pages.append(SitemapPage(urljoin(url, loc), parse_date(lastmod)))
    return pages, nested, []


def parse_listing(body: bytes | str, *, page_url: str, include: str = "") -> tuple[list[str], str | None]:
    """Article links on a press listing page (same site, matching ``include``) and the next
    page's URL, if any."""
    try:
        doc = lxml_html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return [], None
    host = urlsplit(page_url).netloc
    links: list[str] = []
    for href in doc.xpath("//a/@href"):
        link = urljoin(page_url, href.strip()).split("#")[0]
        if urlsplit(link).netloc != host or link.rstrip("/") == page_url.rstrip("/"):
            continue
        if include and not re.search(include, link):
            continue
        if link not in links:
            links.append(link)
    nxt = doc.xpath("//a[@rel='next']/@href | //link[@rel='next']/@href")
    return links, (urljoin(page_url, nxt[0]) if nxt else None)


def _meta(doc: Any, *names: str) -> str | None:
    for name in names:
        values = doc.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
        if values and values[0].strip():
            return html_to_text(values[0])
    return None


def _json_ld_date(doc: Any) -> str | None:
    for block in doc.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(block)
        except json.JSONDecodeError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("datePublished"):
                return str(item["datePublished"])
    return None


def parse_article(body: bytes | str, *, url: str, feed: str | None = None,
                  publisher: str | None = None) -> Parsed[NewsRecord]:
    """One article or press-release page: title, date, publisher, summary and body text."""
    result: Parsed[NewsRecord] = Parsed()
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
    containers = doc.xpath("//article | //main | //*[@itemprop='articleBody']")
    container = containers[0] if containers else doc.body
    paragraphs = [html_to_text(etree.tostring(p, encoding="unicode", with_tail=False))
                  for p in container.xpath(".//p[not(ancestor::aside)]")]
    body_text = "\n\n".join(p for p in paragraphs if p) or None
    date_text = (_meta(doc, "article:published_time", "date", "pubdate", "dc.date")
                 or (doc.xpath("//time/@datetime") or [None])[0] or _json_ld_date(doc))
    published = parse_date(date_text) or url_date(url) or dateline_date((body_text or "")[:300])
    result.records.append(NewsRecord(
        source=SOURCE, source_url=url, url=url, title=title, published=published,
        summary=_meta(doc, "description", "og:description"), body=body_text,
        publisher=_meta(doc, "og:site_name") or publisher, feed=feed,
        raw={"title": title, "date": date_text}))
    return result
