"""Source-agnostic records shared by spiders, httpx clients and importers.

Parsers turn a response body into these; the store turns them into rows. Every record
carries where it came from (``source``, ``source_url``, ``fetched_at``) and its raw payload,
so any figure can be traced back to a record id or a URL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any


def utcnow() -> datetime:
    """The current time in UTC (one place to freeze in tests)."""
    return datetime.now(UTC)


def content_hash(payload: Any) -> str:
    """A stable SHA-256 of a JSON-able payload (keys sorted), used to detect changes."""
    text = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(kw_only=True)
class Provenance:
    """Where a record came from."""

    source: str
    source_url: str = ""  # the upstream URL (never a mirror's or the replay server's address)
    fetched_at: datetime = field(default_factory=utcnow)
    raw: Any = None
    composed: bool = False  # composed for the recorded snapshot, not recorded from upstream

    def payload(self) -> dict[str, Any]:
        """The record's content without provenance, for change detection."""
        data = asdict(self)
        for key in ("source", "source_url", "fetched_at", "raw", "composed"):
            data.pop(key, None)
        return data

    def digest(self) -> str:
        return content_hash(self.payload())


@dataclass(kw_only=True)
class RegistrationRecord(Provenance):
    """One regulatory record: an FDA decision or a EUDAMED device/certificate."""

    regulator: str  # "FDA" | "EU"
    kind: str  # "510(k)" | "De Novo" | "PMA" | "EUDAMED device" | "EUDAMED certificate"
    number: str  # K123456, DEN123456, P123456/S012, UDI-DI or certificate number
    device_name: str
    applicant: str
    decision_date: date | None = None
    panel: str | None = None
    product_code: str | None = None
    device_class: str | None = None
    regulation_number: str | None = None
    ce_class: str | None = None
    legislation: str | None = None  # "MDD" | "MDR"
    status: str | None = None
    summary_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Author:
    name: str
    affiliations: list[str] = field(default_factory=list)
    orcid: str | None = None


@dataclass(kw_only=True)
class PublicationRecord(Provenance):
    """One paper as one source describes it (PubMed, Europe PMC, ...)."""

    title: str
    external_id: str  # the id in this source: PMID for PubMed, "MED:123"/"PPR:456" for EPMC
    pmid: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    abstract: str | None = None
    abstract_sections: list[dict[str, str]] = field(default_factory=list)
    year: int | None = None
    pub_date: date | None = None
    journal: str | None = None
    authors: list[Author] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    mesh: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    grants: list[dict[str, str]] = field(default_factory=list)
    conflicts: str | None = None
    language: str | None = None
    is_preprint: bool = False
    is_retracted: bool = False
    entry_date: date | None = None

    @property
    def affiliations(self) -> list[str]:
        seen: dict[str, None] = {}
        for author in self.authors:
            for aff in author.affiliations:
                seen.setdefault(aff, None)
        return list(seen)


@dataclass(kw_only=True)
class NewsRecord(Provenance):
    """One news item or press release, stored once per URL."""

    url: str
    title: str
    published: datetime | None = None
    summary: str | None = None
    body: str | None = None
    publisher: str | None = None
    feed: str | None = None


@dataclass(kw_only=True)
class EventRecord(Provenance):
    """A market event: acquisition, merger, closure, rebrand, CE mark, FDA clearance, ..."""

    event_type: str
    company: str  # the subject: target of an acquisition, company cleared, funded, ...
    counterparty: str | None = None  # acquirer, partner, new name
    event_date: date | None = None
    status: str | None = None  # "announced" | "completed"
    stake: float | None = None  # share acquired, 1.0 for a full acquisition
    sentence: str | None = None
    news_url: str | None = None
    origin: str = "extracted"  # "seed" | "extracted" | "manual"
    confidence: float = 1.0


@dataclass(kw_only=True)
class ProductCodeRecord(Provenance):
    """An FDA product classification (openFDA ``device/classification``): it enriches every
    FDA registration with that product code."""

    product_code: str
    device_name: str
    device_class: str | None = None
    regulation_number: str | None = None
    medical_specialty: str | None = None
    review_panel: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
