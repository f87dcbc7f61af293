"""EUDAMED devices and certificates for the vendors in the store.

For each vendor (``-a vendors="A,B"``, else ``settings.eudamed_vendors``, else every company in
the store): the actor search (``/eos?name=``) gives its SRN(s); then its devices
(``/devices/udiDiData?srn=``, each device's detail for legislation and device-linked
certificates) and its certificates (``/certificates/search/?actorSrn=``). Pages start at 0.

Guard against the API's habit of ignoring unknown parameters: before anything else the
spider counts each endpoint unfiltered (one probe after the other, each carrying the totals
so far); a filtered answer with the unfiltered total, or any row that does not match its
filter, fails the crawl loudly (logged as an error, rows not stored) instead of storing
everyone's devices under one vendor. The totals, like everything else a callback needs, travel
in the requests, so any worker of a distributed crawl can handle any answer.

Bad answers are reported, never raised: a page or device detail that cannot be read fails
the crawl with one logged error naming the URL (nothing from it is stored); a row, device or
certificate that cannot be read, or a field of the wrong type, is a logged problem and the
rest is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from spiders.base import TrackerSpider
from tracker.config import Settings
from tracker.names import drop_legal_forms, normalize_company
from tracker.parsers.eudamed import (
    FilterIgnored,
    certificate_holder,
    certificate_record,
    certificates_of,
    check_filter,
    detail_of,
    device_record,
    legislation,
    parse_page,
)
from tracker.parsers.jsonbody import BadBody
from tracker.sources.provenance import ServedAs

ENDPOINTS = {"eos": "/eos", "devices": "/devices/udiDiData", "certificates": "/certificates/search/"}


def search_name(name: str) -> str:
    """``"ScreenPoint Medical B.V."`` -> ``"screenpoint medical"`` (legal form dropped)."""
    return " ".join(drop_legal_forms(name.replace(",", " ").split(), qualifiers=False)).lower()


class EudamedSpider(TrackerSpider):
    name = "eudamed"

    def __init__(self, vendors: str = "", name_param: str = "name", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vendors_arg = [v.strip() for v in vendors.split(",") if v.strip()]
        self.name_param = name_param  # a parameter name, so a test can misspell it

    @classmethod
    def requests_per_second(cls, settings: Settings) -> float | None:
        return settings.eudamed_rps

    def url(self, endpoint: str, **params: Any) -> str:
        size = params.pop("size", self.tracker_settings.eudamed_page_size)
        query = {**params, "page": params.pop("page", 0), "pageSize": size, "size": size}
        if endpoint == "devices":
            query["iso2Code"] = "en"
        query["languageIso2Code"] = "en"
        return f"{self.tracker_settings.eudamed_base_url.rstrip('/')}{ENDPOINTS[endpoint]}?{urlencode(query)}"

    def vendors(self, asked: list[str]) -> list[str]:
        """Search names of ``asked`` (the ``vendors`` argument), else of the vendors setting,
        else of every company in the store."""
        names = asked or list(self.tracker_settings.eudamed_vendors)
        if not names:
            from sqlmodel import select

            from tracker.db.engine import open_store, session
            from tracker.db.models import Company

            engine = open_store(self.settings.get("TRACKER_DATABASE_URL"))
            try:
                with session(engine) as s:
                    names = list(s.exec(select(Company.name)))
            finally:
                engine.dispose()
        return sorted({search_name(n) for n in names if search_name(n)})

    async def start(self) -> Any:
        # control probes first: the unfiltered size of each endpoint
        yield self.probe(list(ENDPOINTS)[0], {}, {"asked": self.vendors_arg, "name_param": self.name_param})

    def probe(self, endpoint: str, unfiltered: dict[str, int], args: dict[str, Any]) -> scrapy.Request:
        return scrapy.Request(self.url(endpoint, size=1), callback=self.parse_probe, errback=self.on_error,
                              cb_kwargs={"endpoint": endpoint, "unfiltered": unfiltered, "args": args},
                              priority=10)

    def parse_probe(self, response: Response, endpoint: str, unfiltered: dict[str, int],
                    args: dict[str, Any]) -> Iterator[Any]:
        """One endpoint's unfiltered total; after the last probe, the vendors' searches (each
        carrying the totals). ``args`` are the spider's arguments, for the worker that reads
        the last probe."""
        page = parse_page(response.body)
        if not page.paging_known:  # the total is what a probe is for
            self.fail("%s: %s", response.url, page.problems[0])
            return
        unfiltered = {**unfiltered, endpoint: page.total}
        missing = [e for e in ENDPOINTS if e not in unfiltered]
        if missing:
            yield self.probe(missing[0], unfiltered, args)
            return
        name_param = args["name_param"]
        vendors = self.vendors(args["asked"])
        self.crawler.stats.set_value("tracker/report/vendors", len(vendors))
        for vendor in vendors:
            yield scrapy.Request(self.url("eos", **{name_param: vendor}), callback=self.parse_actors,
                                 errback=self.on_error, cb_kwargs={"vendor": vendor, "unfiltered": unfiltered})

    def _guarded(self, response: Response, endpoint: str, unfiltered_totals: dict[str, int], *, key: str,
                 expected: str, contains: bool = False) -> Any:
        page = parse_page(response.body)
        if not page.paging_known:
            self.fail("%s: %s", response.url, page.problems[0])
            return None
        self.report_problems(page.problems, url=response.url)  # rows that are not objects
        try:
            unfiltered = unfiltered_totals.get(endpoint, 0)
            if page.total > 1 and page.total == unfiltered:
                raise FilterIgnored(f"the filtered search returned all {unfiltered} {endpoint} rows")
            check_filter(page.rows, key=key, expected=expected, contains=contains)
        except FilterIgnored as exc:
            self.crawler.stats.inc_value("tracker/report/filter_ignored")
            self.fail("%s: %s (nothing stored from this page)", response.url, exc)
            return None
        return page

    def parse_actors(self, response: Response, vendor: str, unfiltered: dict[str, int]) -> Iterator[Any]:
        page = self._guarded(response, "eos", unfiltered, key="name", expected=vendor, contains=True)
        if page is None:
            return
        for actor in page.rows:
            srn, holder = actor.get("srn"), actor.get("name")
            if not isinstance(srn, str | None) or not isinstance(holder, str):
                self.report_problems([f"actor with srn {srn!r} and name {holder!r}: expected text"],
                                     url=response.url)
                continue
            if not srn or not normalize_company(holder).startswith(normalize_company(vendor)):
                continue
            self.crawler.stats.inc_value("tracker/report/actors")
            yield scrapy.Request(self.url("devices", srn=srn), callback=self.parse_devices, errback=self.on_error,
                                 cb_kwargs={"srn": srn, "page": 0, "unfiltered": unfiltered})
            yield scrapy.Request(self.url("certificates", actorSrn=srn), callback=self.parse_certificates,
                                 errback=self.on_error,
                                 cb_kwargs={"srn": srn, "holder": holder, "page": 0, "unfiltered": unfiltered})

    def parse_devices(self, response: Response, srn: str, page: int, unfiltered: dict[str, int]) -> Iterator[Any]:
        found = self._guarded(response, "devices", unfiltered, key="manufacturerSrn", expected=srn)
        if found is None:
            return
        base = self.tracker_settings.eudamed_base_url.rstrip("/")
        listed = self.served(response)
        for row in found.rows:
            detail_url = f"{base}/devices/basicUdiData/udiDiData/{row.get('uuid')}?languageIso2Code=en"
            yield scrapy.Request(detail_url, callback=self.parse_detail, errback=self.on_error,
                                 cb_kwargs={"row": row, "listed": listed})
        if not found.last and found.rows:
            yield scrapy.Request(self.url("devices", srn=srn, page=page + 1), callback=self.parse_devices,
                                 errback=self.on_error,
                                 cb_kwargs={"srn": srn, "page": page + 1, "unfiltered": unfiltered})

    def parse_detail(self, response: Response, row: dict[str, Any], listed: ServedAs) -> Iterator[Any]:
        """A device (its row from the list answer, ``listed``) with its detail: composed when
        either answer was."""
        served = self.served(response)
        list_url = listed.upstream
        try:
            detail = detail_of(response.body)
        except BadBody as exc:
            self.fail("%s: unreadable device detail: %s", response.url, exc)
            return
        problems: list[str] = []
        try:
            device = device_record(row, source_url=list_url, detail=detail, problems=problems)
        except ValueError as exc:
            self.report_problems([str(exc), *problems], url=list_url)
            return
        yield served.mark(listed.mark(device))
        for cert in certificates_of(detail, problems):
            try:
                yield served.mark(certificate_record(
                    cert, source_url=served.upstream, holder=device.applicant,
                    srn=device.extra.get("srn"), device=device.device_name,
                    default_legislation=legislation(detail.get("legislation")), problems=problems))
            except ValueError as exc:
                problems.append(str(exc))
        self.report_problems(problems, url=response.url)

    def parse_certificates(self, response: Response, srn: str, holder: str, page: int,
                           unfiltered: dict[str, int]) -> Iterator[Any]:
        found = self._guarded(response, "certificates", unfiltered, key="actorSrn", expected=srn)
        if found is None:
            return
        served = self.served(response)
        problems: list[str] = []
        for cert in found.rows:
            try:
                yield served.mark(certificate_record(cert, source_url=served.upstream, srn=srn, problems=problems,
                                                     holder=certificate_holder(cert, holder, problems)))
            except ValueError as exc:
                problems.append(str(exc))
        self.report_problems(problems, url=response.url)
        if not found.last and found.rows:
            yield scrapy.Request(self.url("certificates", actorSrn=srn, page=page + 1),
                                 callback=self.parse_certificates, errback=self.on_error,
                                 cb_kwargs={"srn": srn, "holder": holder, "page": page + 1,
                                            "unfiltered": unfiltered})

    def on_error(self, failure: Any) -> None:
        self.fail("%s failed: %s", failure.request.url, failure.getErrorMessage())
