"""Tables of the store.

Collected rows keep ``source``, ``source_url``, ``fetched_at`` and their raw payload.
Automatic results (links, grades) and human overrides live in separate tables, so no
automatic run can change a person's decision.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, MetaData, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from tracker.records import utcnow

# Named constraints make SQLite batch migrations reliable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def _json(default: Any = None) -> Any:
    return Field(default_factory=(lambda: default() if callable(default) else default),
                 sa_type=JSON)


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC on every engine.

    PostgreSQL keeps the instant of an aware value whatever its offset, but SQLite keeps the
    wall-clock digits and drops the offset, so ``2022-01-24 23:56+02:00`` would be another
    instant (and another day) there. An aware value is converted to UTC before it is stored;
    a naive one is taken as UTC already. Read back, PostgreSQL's values are aware and in UTC
    (``tracker.db.engine`` sets each session's time zone), SQLite's naive in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


def _ts(nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class Collected(SQLModel):
    """Provenance columns shared by every collected row."""

    source: str = Field(index=True)
    source_url: str = ""
    fetched_at: datetime = _ts()
    raw: Any = _json()
    content_hash: str = ""
    composed: bool = False  # composed for the recorded snapshot, not recorded from upstream


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    normalized_name: str = Field(unique=True, index=True)
    country: str | None = None
    website: str | None = None
    kind: str | None = None  # ai-vendor | imaging-oem | provider-network | platform | teleradiology | pharma | other
    source: str = "unknown"
    source_url: str = ""
    composed: bool = False
    created_at: datetime = _ts()


class CompanyAlias(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("normalized", name="uq_companyalias_normalized"),)
    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    alias: str
    normalized: str
    kind: str = "spelling"  # spelling | legal | brand | former
    source: str = "unknown"


class Product(SQLModel, table=True):
    """A product is a brand's offering; it keeps its company when the company is acquired
    (ownership over time comes from company events)."""

    __table_args__ = (UniqueConstraint("company_id", "normalized_name", name="uq_product_company_name"),)
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str
    normalized_name: str = Field(index=True)
    display_name: str = ""  # unique among products: the name plus what tells it apart
    kind: str = Field(default="software", index=True)  # software | imaging-system
    product_type: str | None = Field(default=None, index=True)
    modality: str | None = None  # ";"-joined list, e.g. "CT;MR"
    subspecialty: str | None = Field(default=None, index=True)
    findings: Any = _json(list)
    findings_count: int | None = None
    family: str | None = Field(default=None, index=True)
    taxonomy: Any = _json(dict)  # field -> {"value", "source", "rule"}: why each value
    description: str | None = None
    source: str = "unknown"
    source_url: str = ""
    composed: bool = False
    created_at: datetime = _ts()


class ProductOverride(SQLModel, table=True):
    """A person's decision on a product's kind, taxonomy or identity; the latest per
    product and field wins over the automatic value (as ``Override`` does for papers)."""

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    field_name: str  # kind | product_type | modality | subspecialty | family | findings
    value: Any = _json()
    author: str
    reason: str = ""
    created_at: datetime = _ts()


class Platform(SQLModel, table=True):
    """A platform or marketplace that distributes other vendors' AI products."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True)
    name: str
    kind: str = "independent"  # independent | pacs-vendor | oem-marketplace | ai-vendor-reseller
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    website: str | None = None
    source: str = "seed"
    source_url: str = ""
    created_at: datetime = _ts()


class PlatformProduct(SQLModel, table=True):
    """A platform carries a product (from ``since``, until ``until`` when known)."""

    __table_args__ = (UniqueConstraint("platform_id", "product_id", name="uq_platformproduct_pair"),)
    id: int | None = Field(default=None, primary_key=True)
    platform_id: int = Field(foreign_key="platform.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    since: date | None = None
    since_precision: str | None = None  # day | month | year
    until: date | None = None
    origin: str = "seed"  # seed | extracted | manual | import
    news_item_id: int | None = Field(default=None, foreign_key="newsitem.id")
    source: str = "seed"
    source_url: str = ""
    created_at: datetime = _ts()


class ProductAlias(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("product_id", "normalized", name="uq_productalias_product_norm"),)
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    alias: str
    normalized: str = Field(index=True)
    source: str = "unknown"


class Registration(Collected, table=True):
    __table_args__ = (UniqueConstraint("regulator", "number", name="uq_registration_regulator_number"),)
    id: int | None = Field(default=None, primary_key=True)
    regulator: str = Field(index=True)  # FDA | EU
    kind: str  # 510(k) | De Novo | PMA | EUDAMED device | EUDAMED certificate
    number: str = Field(index=True)
    device_name: str
    applicant: str
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    product_id: int | None = Field(default=None, foreign_key="product.id", index=True)
    decision_date: date | None = Field(default=None, index=True)
    panel: str | None = None
    product_code: str | None = None
    device_class: str | None = None
    regulation_number: str | None = None
    ce_class: str | None = None
    legislation: str | None = None
    status: str | None = None
    summary_url: str | None = None
    extra: Any = _json(dict)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime,
                                 nullable=False, index=True)
    """When the store first recorded it (``fetched_at`` moves on each re-fetch; this never does)."""


class Publication(SQLModel, table=True):
    """One paper, whichever sources found it (see PublicationSource)."""

    # the candidates of a paper's other version (tracker.store.publication_match): the other
    # kind (preprint or not), close years, title words checked inside the index
    __table_args__ = (Index("ix_publication_version_match", "is_preprint", "year", "normalized_title"),)
    id: int | None = Field(default=None, primary_key=True)
    pmid: str | None = Field(default=None, unique=True, index=True)
    doi: str | None = Field(default=None, unique=True, index=True)  # lower-cased
    pmcid: str | None = Field(default=None, index=True)
    title: str
    normalized_title: str = Field(index=True)
    abstract: str | None = None
    abstract_sections: Any = _json(list)
    year: int | None = Field(default=None, index=True)
    pub_date: date | None = None
    journal: str | None = Field(default=None, index=True)
    authors: Any = _json(list)  # [{"name", "affiliations", "orcid"}]
    affiliations: Any = _json(list)
    publication_types: Any = _json(list)
    mesh: Any = _json(list)
    keywords: Any = _json(list)
    grants: Any = _json(list)
    conflicts: str | None = None
    language: str | None = None
    is_preprint: bool = False
    is_retracted: bool = False
    preprint_of_id: int | None = Field(default=None, foreign_key="publication.id")
    content_hash: str = ""
    source: str = Field(default="", index=True)  # the first source that found it
    source_url: str = ""
    composed: bool = False  # composed for the recorded snapshot (no real upstream record)
    fetched_at: datetime = _ts()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class PublicationSource(Collected, table=True):
    """Each source's copy of a paper (PubMed, Europe PMC, a preprint server)."""

    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_publicationsource_source_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    external_id: str


class NewsItem(Collected, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True, index=True)
    title: str
    published: datetime | None = _ts(nullable=True)
    summary: str | None = None
    body: str | None = None
    publisher: str | None = None
    feed: str | None = None


class CompanyEvent(SQLModel, table=True):
    """A dated market event. ``origin`` is seed, extracted or manual; extracted events never
    overwrite seeded or confirmed ones."""

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(index=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    counterparty_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    event_date: date | None = Field(default=None, index=True)
    date_precision: str | None = None  # day | month | year (of event_date)
    announced_date: date | None = None
    completed_date: date | None = None
    uncertain: bool = False  # a seeded fact the sources leave open (see its note)
    note: str = ""
    status: str | None = None
    stake: float | None = None
    sentence: str | None = None
    news_item_id: int | None = Field(default=None, foreign_key="newsitem.id")
    origin: str = "extracted"
    confidence: float = 1.0
    confirmed: bool = False
    natural_key: str = Field(unique=True, index=True)
    source: str = ""
    source_url: str = ""
    fetched_at: datetime = _ts()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime,
                                 nullable=False, index=True)
    """When the store first recorded it (never moved by a later update)."""


class PaperProductLink(SQLModel, table=True):
    """An automatic link: the paper evaluates the product."""

    __table_args__ = (UniqueConstraint("publication_id", "product_id", name="uq_link_pub_product"),)
    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    score: float
    method: str
    evidence: str = ""
    model_version: str = ""
    created_at: datetime = _ts()


class LinkState(SQLModel, table=True):
    """Which linker version and product set last linked a paper (with or without links), so
    ``tracker process`` relinks only new or changed papers, or all after the catalogue changed."""

    publication_id: int = Field(foreign_key="publication.id", primary_key=True)
    model_version: str = Field(index=True)
    content_hash: str = ""
    links: int = 0
    relevant: bool = False  # passed the radiology-AI filter (embedded and indexed)
    relevance: str | None = None  # product-evaluation | ai-imaging | off-topic
    relevance_reason: str = ""
    linked_at: datetime = _ts()


class PaperMention(SQLModel, table=True):
    """A product a paper names without evaluating it (docs/domain.md, mention roles):
    shown as "mentioned in", never counted as evidence."""

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    role: str  # used-as-tool | listed | cited | reference-standard | unresolved
    score: float = 0.0  # the linker's score (unresolved ones are ranked for review by it)
    evidence: str = ""
    model_version: str = ""
    created_at: datetime = _ts()


class EvidenceGrade(SQLModel, table=True):
    """The automatic grade of one paper."""

    id: int | None = Field(default=None, primary_key=True)
    publication_id: int = Field(foreign_key="publication.id", unique=True, index=True)
    level: str | None = Field(default=None, index=True)
    confidence: float = 0.0
    prospective: bool | None = None
    multicentre: bool | None = None
    multinational: bool | None = None
    reader_study: bool | None = None
    rct: bool | None = None
    sample_size: int | None = None
    vendor_independent: bool | None = None
    relevance: str | None = Field(default=None, index=True)  # see tracker.nlp.relevance
    relevance_reason: str = ""
    cues: Any = _json(list)
    needs_review: bool = False
    model_version: str = ""
    created_at: datetime = _ts()  # when last graded
    previous_level: str | None = None  # the level before the last automatic change
    level_changed_at: datetime | None = _ts(nullable=True)  # when the grader last changed the level


class Override(SQLModel, table=True):
    """A person's decision on a link, a level or a feature; the latest per target wins."""

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(index=True)  # "link" | "grade"
    publication_id: int = Field(foreign_key="publication.id", index=True)
    product_id: int | None = Field(default=None, foreign_key="product.id")
    field_name: str  # "link" | "level" | "prospective" | ...
    value: Any = _json()
    author: str
    reason: str = ""
    created_at: datetime = _ts()


class Watch(SQLModel, table=True):
    """A watched product (its slug), company (its normalized name) or keyword query; the
    digest gives what changed about it a section of its own (``tracker watch``)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # product | company | query
    value: str  # product slug | company normalized name | the query as typed
    label: str = ""  # the name shown (product display name, company name, the query)
    author: str = ""
    created_at: datetime = _ts()


class EmbeddingCache(SQLModel, table=True):
    """Vectors keyed by content hash and model: unchanged text is never embedded twice."""

    content_hash: str = Field(primary_key=True)
    model: str = Field(primary_key=True)
    dim: int
    vector: bytes


class CrawlRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = "nightly"  # nightly | crawl | demo
    status: str = "running"  # running | ok | failed | partial
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    report: Any = _json(dict)
    log_path: str | None = None


class SourceRun(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    run_id: int | None = Field(default=None, foreign_key="crawlrun.id", index=True)
    source: str = Field(index=True)
    status: str = "running"
    requests: int = 0
    items_new: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    errors: int = 0
    error_text: str = ""
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)


class Watermark(SQLModel, table=True):
    """Per-source position of the last successful crawl (a date or a cursor)."""

    source: str = Field(primary_key=True)
    value: str
    updated_at: datetime = _ts()
