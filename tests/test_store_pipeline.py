"""The item pipeline: one record the store refuses costs that record only."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler
from sqlalchemy import func
from sqlmodel import select

from spiders.pipelines import StorePipeline
from tracker.records import RegistrationRecord


def _record(n: int, *, bad: bool = False) -> RegistrationRecord:
    return RegistrationRecord(
        source="fda_ai_list", source_url=f"https://www.fda.gov/list.csv#row={n}", regulator="FDA",
        kind="510(k)", number=f"K99900{n}", device_name=f"Device {n}", applicant="Acme AI, Inc.",
        # a wrong-typed value from a careless upstream: the store cannot bind a dict
        decision_date={"when": "soon"} if bad else date(2024, 5, n),  # type: ignore[arg-type]
    )


def _run(db_url: str, records: list[RegistrationRecord]) -> dict[str, int]:
    crawler = get_crawler(Spider, {"TRACKER_DATABASE_URL": db_url})
    crawler.spider = Spider(name="fda_list")
    crawler.stats.open_spider()
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider(crawler.spider)
    for record in records:
        pipeline.process_item(record, crawler.spider)
    pipeline.close_spider(crawler.spider)
    return crawler.stats.get_stats()


def _numbers(engine) -> list[str]:  # type: ignore[no-untyped-def]
    from tracker.db.engine import session
    from tracker.db.models import Registration

    with session(engine) as s:
        return sorted(s.exec(select(Registration.number)).all())


def test_a_bad_record_is_reported_and_its_neighbours_are_stored(db_url: str, engine, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    records = [_record(n, bad=(n == 6)) for n in range(1, 9)]
    with caplog.at_level(logging.ERROR):
        stats = _run(db_url, records)
    assert stats["tracker/new"] == 7 and stats["tracker/store_errors"] == 1
    assert _numbers(engine) == [f"K99900{n}" for n in range(1, 9) if n != 6]
    assert "https://www.fda.gov/list.csv#row=6" in caplog.text  # the bad record's source URL

    again = _run(db_url, records)  # the next run loses nothing either
    assert again["tracker/unchanged"] == 7 and again.get("tracker/new", 0) == 0
    from tracker.db.engine import session
    from tracker.db.models import Registration

    with session(engine) as s:
        assert s.exec(select(func.count()).select_from(Registration)).one() == 7
