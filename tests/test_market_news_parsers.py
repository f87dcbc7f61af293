"""News parsers and the sources file, on the recorded snapshot and on bad input."""

from pathlib import Path

import pytest

from tracker.parsers.news import (
    MAX_FEED_BYTES,
    html_to_text,
    parse_article,
    parse_feed,
    parse_listing,
    parse_sitemap,
    url_date,
)
from tracker.sources.news import NewsSourcesError, fetch_url, load_news_sources

NEWS = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "news"


def test_google_news_rss_items() -> None:
    parsed = parse_feed((NEWS / "feeds/google-news-radiology-ai.xml").read_bytes(), feed_url="u", feed="g")
    assert parsed.problems == [] and len(parsed.records) == 11
    first = parsed.records[0]
    assert first.title == "RadNet broadens AI focus with acquisitions of Aidence, Quantib"  # " - AuntMinnie" stripped
    assert first.publisher == "AuntMinnie" and first.url == "https://www.auntminnie.com/index.aspx?sec=log&itemID=134806"
    assert first.published.isoformat() == "2022-01-24T17:56:00+00:00"
    assert first.summary == "RadNet adds two Dutch AI developers to its imaging business."
    undated = [r for r in parsed.records if r.publisher == "Fierce Healthcare"][0]
    assert undated.published is None


def test_atom_content_is_text_without_markup() -> None:
    parsed = parse_feed((NEWS / "feeds/massdevice-atom.xml").read_bytes(), feed_url="u", feed="m", publisher="MassDevice")
    qure = parsed.records[0]
    assert qure.body.startswith("Qure.ai raised $40 million") and "<" not in qure.body
    assert "track(" not in qure.body and "MassDevice & partners" in qure.body


def test_html_to_text_strips_tags_entities_and_scripts() -> None:
    assert html_to_text("<p>A &amp; B <b>bold</b></p><script>x()</script><p>two</p>") == "A & B bold\n\ntwo"
    assert html_to_text("Caf&eacute; &lt;ok&gt;") == "Café <ok>"
    assert html_to_text(None) == ""


def test_malformed_feed_is_a_problem() -> None:
    parsed = parse_feed(b"<rss><channel><item><title>x</ti", feed_url="bad", feed="b")
    assert parsed.records == [] and "bad" in parsed.problems[0]


def test_feed_item_without_link_is_reported() -> None:
    body = b"<rss version='2.0'><channel><title>t</title><item><title>No link</title></item>" \
           b"<item><title>Ok</title><link>https://a.example/x</link></item></channel></rss>"
    parsed = parse_feed(body, feed_url="f", feed="f")
    assert [r.title for r in parsed.records] == ["Ok"] and "no link" in parsed.problems[0]


def test_sitemap_index_and_urlset() -> None:
    pages, nested, problems = parse_sitemap((NEWS / "feeds/imagingwire-sitemap-index.xml").read_bytes(), url="u")
    assert pages == [] and nested == ["https://theimagingwire.com/post-sitemap.xml"] and problems == []
    pages, nested, _ = parse_sitemap((NEWS / "feeds/imagingwire-post-sitemap.xml").read_bytes(), url="u")
    assert len(pages) == 3 and pages[2].lastmod.year == 2022 and nested == []


def test_malformed_sitemap() -> None:
    assert "malformed" in parse_sitemap(b"<urlset><url><loc>x", url="s")[2][0]


def test_listing_keeps_press_releases_only() -> None:
    page = "https://www.icadmed.com/about/news-events/press-releases/"
    links, nxt, problems = parse_listing((NEWS / "pages/icad-press-releases.html").read_bytes(), page_url=page,
                                         include="/press-releases/[^/]+/?$")
    assert len(links) == 1 and links[0].startswith(page + "icad-and-google-health") and nxt is None
    assert problems == []


def test_article_body_without_navigation_and_date_from_dateline() -> None:
    url = "https://www.einpresswire.com/article/598897685/x"
    record = parse_article((NEWS / "pages/einpresswire.html").read_bytes(), url=url).records[0]
    assert record.published.date().isoformat() == "2022-11-01"
    assert record.publisher == "EIN Presswire" and record.body.startswith("LOS ANGELES")
    assert "cookie" not in record.body and "newsletter" not in record.body and "gtag" not in record.body


def test_article_without_title_is_a_problem() -> None:
    parsed = parse_article(b"<html><body><p>text only</p></body></html>", url="u")
    assert parsed.records == [] and "no title" in parsed.problems[0]


def test_dates_in_urls() -> None:
    assert url_date("https://x.com/RDNT/c-o-rdnt-20200313").date().isoformat() == "2020-03-13"
    assert url_date("https://theimagingwire.com/2022/01/").date().isoformat() == "2022-01-01"
    assert url_date("https://thedailycable.co/02/18/tech/403556/x") is None


def test_sources_file_and_mirror_urls(tmp_path: Path) -> None:
    sources = load_news_sources()
    assert {s.kind for s in sources} == {"feed", "sitemap", "listing"}
    assert fetch_url("https://a.com/p/q?x=1", base="http://127.0.0.1:9/news") == "http://127.0.0.1:9/news/a.com/p/q?x=1"
    assert fetch_url("https://a.com/p", base=None) == "https://a.com/p"
    own = tmp_path / "s.toml"
    own.write_text('[[source]]\nname = "mine"\nkind = "feed"\nurl = "{base}/feed.xml"\n', "utf-8")
    assert load_news_sources(own, base="http://h/news")[0].url == "http://h/news/feed.xml"
    with pytest.raises(NewsSourcesError, match="news_base_url"):
        load_news_sources(own)
    own.write_text('[[source]]\nname = "x"\nkind = "podcast"\nurl = "u"\n', "utf-8")
    with pytest.raises(NewsSourcesError, match="kind"):
        load_news_sources(own)


# bad input: reported, never raised (issue 15)
def _rss(*items: bytes, head: bytes = b"") -> bytes:
    return head + b"<rss version='2.0'><channel><title>t</title>" + b"".join(items) + b"</channel></rss>"


def test_feed_with_a_reference_to_a_lone_surrogate_keeps_the_item() -> None:
    parsed = parse_feed(_rss(b"<item><title>A &#xD800; B</title><link>https://a.example/x</link></item>",
                             b"<item><title>&#xD800;</title><link>https://a.example/y</link></item>"),
                        feed_url="f", feed="f")
    assert [r.title for r in parsed.records] == ["A \ufffd B", "\ufffd"] and parsed.problems == []


@pytest.mark.parametrize("encoding", [b"\x00", b"bogus-xx", b"hex", b"utf-8\x00"])
def test_feed_with_a_bad_encoding_declaration_is_read_as_utf8(encoding: bytes) -> None:
    head = b"<?xml version='1.0' encoding='" + encoding + b"'?>"
    parsed = parse_feed(_rss("<item><title>Café</title><link>https://a.example/x</link></item>".encode(), head=head),
                        feed_url="f", feed="f")
    assert [r.title for r in parsed.records] == ["Café"]
    assert len(parsed.problems) == 1 and "read as UTF-8" in parsed.problems[0]


def test_feed_body_that_names_a_file_is_not_opened() -> None:
    # feedparser opens a string or bytes naming a file; the body is always parsed as a feed
    parsed = parse_feed(str(NEWS / "feeds/signify-rss.xml").encode(), feed_url="f", feed="f")
    assert parsed.records == [] and "no items" in parsed.problems[0]


def test_feed_over_the_size_cap_is_skipped_with_a_problem() -> None:
    item = b"<item><title>T</title><link>https://a.example/x</link></item>"
    body = _rss(item * (MAX_FEED_BYTES // len(item) + 1))
    parsed = parse_feed(body, feed_url="big", feed="f")
    assert parsed.records == [] and "over the 2,097,152-byte limit" in parsed.problems[0]
    small = _rss(item * 3)
    assert len(parse_feed(small, feed_url="f", feed="f", max_bytes=len(small)).records) == 3


@pytest.mark.parametrize("link", ["http://[::1", "http://[zz]/"])
def test_feed_item_with_an_invalid_ipv6_link_is_reported(link: str) -> None:
    parsed = parse_feed(_rss(f"<item><title>Bad</title><link>{link}</link></item>".encode(),
                             b"<item><title>Ok</title><link>https://a.example/x</link></item>"),
                        feed_url="f", feed="f")
    assert [r.title for r in parsed.records] == ["Ok"] and "bad link" in parsed.problems[0]


def test_article_without_body_element() -> None:
    parsed = parse_article(b'<html><head><title>Only a head</title><meta name="description" '
                           b'content="Acme AI gets FDA clearance."></head></html>', url="u")
    assert parsed.problems == [] and parsed.records[0].title == "Only a head"
    assert parsed.records[0].body is None and parsed.records[0].summary
    bare = parse_article(b"<html><head><title>Only a head</title></head></html>", url="u")
    assert bare.records == [] and "no article text" in bare.problems[0]


def test_listing_skips_hrefs_that_are_not_urls() -> None:
    page = b"<html><body><a href='http://[zz]/'>a</a><a href='http://[::1'>b</a><a href='/news/ok'>c</a></body></html>"
    links, nxt, problems = parse_listing(page, page_url="https://a.example/news/")
    assert links == ["https://a.example/news/ok"] and nxt is None and problems == []
    assert parse_listing(page, page_url="http://[::1")[0] == []


def test_sitemap_entry_that_is_not_a_url_is_reported_and_the_others_kept() -> None:
    body = (b"<urlset><url><loc>http://[::1</loc></url><url><loc>https://a.example/p</loc></url>"
            b"<url><loc>http://[zz]/</loc></url></urlset>")
    pages, nested, problems = parse_sitemap(body, url="s")
    assert [p.url for p in pages] == ["https://a.example/p"] and nested == []
    assert len(problems) == 2 and "bad URL" in problems[0]


def test_json_ld_nested_too_deeply_or_of_any_shape_is_ignored() -> None:
    def page(ld: bytes) -> bytes:
        return (b"<html><head><script type='application/ld+json'>" + ld +
                b"</script></head><body><h1>T</h1><p>x</p></body></html>")

    assert parse_article(page(b"[" * 100_000), url="u").records[0].published is None
    for shape in (b"5", b"[1, null]", b'{"datePublished": 5}', b'{"@graph": 3}'):
        assert parse_article(page(shape), url="u").records[0].published is None
    graph = parse_article(page(b'{"@graph": [1, {"datePublished": "2021-03-04"}]}'), url="u").records[0]
    assert graph.published.date().isoformat() == "2021-03-04"


def test_page_over_the_size_cap_is_a_problem() -> None:
    parsed = parse_article(b"<html><body><h1>T</h1><p>x</p></body></html>", url="u", max_bytes=10)
    assert parsed.records == [] and "limit" in parsed.problems[0]


def test_feed_namespace_with_whitespace_is_reported_not_raised() -> None:
    # CPython's SAX reader splits namespaced names on whitespace; feedparser then raises
    body = _rss(b"<item><title>T</title><link>https://a.example/x</link><c:x>1</c:x></item>")
    body = body.replace(b"<rss ", "<rss xmlns:c='http://a\u2028b\u2028c/' ".encode())
    parsed = parse_feed(body, feed_url="f", feed="f")
    assert parsed.records == [] and parsed.problems[0].startswith("unreadable feed f (feedparser:")


def test_article_paragraph_with_control_characters() -> None:
    # lxml refuses to write back the control characters its HTML parser keeps
    page = b"<html><body><h1>T</h1><article><p>a\x0b<script>x()</script>\x0bb</p><p>c<br>\x0cd</p></article></body></html>"
    assert parse_article(page, url="u").records[0].body == "a b\n\nc\n\nd"


def test_time_with_an_offset_of_a_day_or_more_is_no_date() -> None:
    # dateutil reads "+2500" as an offset that every later use of the time raises on
    body = b"<urlset><url><loc>https://a.example/p</loc><lastmod>Mon, 01 Jan 2020 00:00:00 +2500</lastmod></url></urlset>"
    pages, _, problems = parse_sitemap(body, url="s")
    assert [(p.url, p.lastmod) for p in pages] == [("https://a.example/p", None)] and problems == []


def test_a_date_without_its_day_is_the_first_not_today() -> None:
    from tracker.parsers.news import parse_date

    parsed = parse_date("January 2022")
    assert parsed is not None and (parsed.year, parsed.month, parsed.day) == (2022, 1, 1)


def test_an_error_page_served_as_200_is_not_an_article() -> None:
    from tracker.parsers.news import parse_article

    page = b"<html><head><title>503</title></head><body><h1>Service Unavailable</h1></body></html>"
    parsed = parse_article(page, url="https://www.icadmed.com/news/x.html")
    assert parsed.records == [] and "no article text" in parsed.problems[0]
