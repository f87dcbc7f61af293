"""News parsers and the sources file, on the recorded snapshot and on bad input."""

from pathlib import Path

import pytest

from tracker.parsers.news import (
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
    links, nxt = parse_listing((NEWS / "pages/icad-press-releases.html").read_bytes(), page_url=page,
                               include="/press-releases/[^/]+/?$")
    assert len(links) == 1 and links[0].startswith(page + "icad-and-google-health") and nxt is None


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
