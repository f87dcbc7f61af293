"""News spiders end to end on the replay server: stored once per URL, faults survived."""

from pathlib import Path

import pytest
from sqlmodel import select

from tracker.db.engine import open_store, session
from tracker.db.models import NewsItem
from tracker.devtools.replay import Fault, replay_env
from tracker.jobs.crawl import run_spider

NEWS = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "news"


def _items(db_url: str) -> dict[str, NewsItem]:
    engine = open_store(db_url)
    with session(engine) as s:
        rows = {r.url: r for r in s.exec(select(NewsItem))}
    engine.dispose()
    return rows


def test_news_crawl_stores_each_url_once(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    env = replay_env(replay.url)
    feeds = run_spider("news_feeds", database_url=db_url, env=env, replay=True)
    pages = run_spider("news_pages", database_url=db_url, env=env, replay=True)
    assert feeds.ok and pages.ok and feeds.new == 15 and pages.new == 3
    items = _items(db_url)
    assert len(items) == 18
    aunt = items["https://www.auntminnie.com/index.aspx?sec=log&itemID=134806"]
    assert aunt.body.startswith("RadNet is broadening") and aunt.publisher == "AuntMinnie"
    assert "<" not in aunt.body and "Copyright" not in aunt.body
    forum = items["https://windowsforum.com/threads/lunit-microsoft-partnership-revolutionizing-ai-driven-cancer-diagnostics-in-healthcare.372231/latest"]
    assert forum.body is None and forum.summary.startswith("Lunit entered a partnership")  # page 404: feed fields kept
    icad = items["https://www.icadmed.com/about/news-events/press-releases/icad-and-google-health-expand-integration-of-googles-ai-technology-with-icads-profound-breast-health-suite-for-2d-mammography-for-use-as-independent-reader/"]
    assert icad.published.date().isoformat() == "2023-08-14" and icad.feed == "icad-press"
    assert "https://theimagingwire.com/about/" not in items
    again = run_spider("news_feeds", database_url=db_url, env=env, replay=True)
    assert again.ok and again.new == 0 and again.updated == 0
    assert again.requests < feeds.requests  # pages stored with a body are not fetched again


def test_article_page_errors_are_retried_or_skipped(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    replay.add_fault(Fault(path_prefix="/news/www.forbes.com/", status=503, retry_after=0, times=1))
    replay.add_fault(Fault(path_prefix="/news/www.mystateline.com/", status=500, times=-1))
    result = run_spider("news_feeds", database_url=db_url, env=replay_env(replay.url), replay=True)
    items = _items(db_url)
    assert result.new == 15
    assert items["https://www.forbes.com/sites/gilpress/2021/08/10/ai-for-population-health-and-medical-imaging-gets-a-boost-with-230-million-acquisitions/"].body.startswith("Nanox")
    wtvo = [i for u, i in items.items() if "mystateline" in u][0]
    assert wtvo.body is None and wtvo.title.startswith("Aidoc Delivers")


def test_malformed_feed_fails_the_source_but_keeps_the_others(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    replay.add_fault(Fault(path_prefix="/news/www.massdevice.com/feed/", status=200, body=b"<feed><entry><title>x", times=-1))
    result = run_spider("news_feeds", database_url=db_url, env=replay_env(replay.url), replay=True)
    assert not result.ok and result.new == 13
    assert not any("massdevice.com/qure" in u for u in _items(db_url))



def test_sitemap_entry_that_is_not_a_url_is_reported_and_the_others_followed(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    sitemap = (NEWS / "feeds/imagingwire-post-sitemap.xml").read_bytes()
    damaged = sitemap.replace(b"<url>", b"<url><loc>http://[::1</loc></url><url>", 1)
    replay.add_fault(Fault(path_prefix="/news/theimagingwire.com/post-sitemap.xml", status=200, body=damaged, times=-1))
    result = run_spider("news_pages", database_url=db_url, env=replay_env(replay.url), replay=True)
    assert result.ok and result.new == 3 and result.extra["parse_problems"] == 1


@pytest.mark.parametrize(("spider", "env", "delay"), [
    ("spiders.sources.news:NewsFeedsSpider", {"TRACKER_NEWS_RPS": "0.5"}, 2.0),
    ("spiders.sources.eudamed:EudamedSpider", {"TRACKER_EUDAMED_RPS": "4"}, 0.25),
    ("spiders.sources.europepmc:EuropePmcSpider", {"TRACKER_EUROPEPMC_RPS": "5"}, 0.2),
    ("spiders.sources.pubmed:PubmedSpider", {"TRACKER_NCBI_API_KEY": "k"}, 0.1),
    ("spiders.sources.pubmed:PubmedSpider", {}, 1 / 3),
])
def test_each_source_rate_comes_from_its_setting(monkeypatch, spider, env, delay) -> None:  # type: ignore[no-untyped-def]
    """One politeness rule (spiders.base): delay = 1 / the source's rate, none on replay."""
    import importlib

    from scrapy.settings import Settings as ScrapySettings

    module, name = spider.split(":")
    cls = getattr(importlib.import_module(module), name)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = ScrapySettings()
    cls.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == pytest.approx(delay)
    replay = ScrapySettings({"TRACKER_REPLAY": True, "DOWNLOAD_DELAY": 0})
    cls.update_settings(replay)
    assert replay.getfloat("DOWNLOAD_DELAY") == 0
