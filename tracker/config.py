"""Typed settings: defaults < optional TOML file < environment (``TRACKER_*``) < CLI flags.

The TOML file is ``tracker.toml`` in the working directory, or the path in
``TRACKER_CONFIG``. Keys are the field names below, e.g. ``database_url = "postgresql://..."``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATA_DIR = Path("data")
DEFAULT_MODEL = "all-MiniLM-L6-v2"
UNKNOWN_REVIEWER = "unknown"


def os_user() -> str:
    """The operating-system user (``getpass.getuser``), or ``"unknown"`` when it cannot be
    read (no login name in the environment and no password-database entry)."""
    import getpass

    try:
        name = getpass.getuser()
    except Exception:  # KeyError (no pwd entry) or OSError (3.13+), whatever the platform raises
        return UNKNOWN_REVIEWER
    return name.strip() or UNKNOWN_REVIEWER


class Settings(BaseSettings):
    """Everything the tracker reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKER_", extra="ignore", use_attribute_docstrings=True
    )

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'tracker.db'}"
    """SQLAlchemy URL of the store: SQLite for one analyst, PostgreSQL for a team."""

    data_dir: Path = DEFAULT_DATA_DIR
    """Folder for runtime files: indexes, embedding cache, exports, logs, the lock file."""

    embedding_model: str = DEFAULT_MODEL
    """sentence-transformers model name or local path; the default is the packaged model."""

    embedding_backend: Literal["torch", "onnx-int8"] = "torch"
    """What runs the embedding model on the CPU: ``torch`` (sentence-transformers), or
    ``onnx-int8``, the same model exported once to ONNX under ``data_dir/models`` and
    quantized to int8 for onnxruntime (faster on a CPU; needs ``pip install
    'radai-tracker[onnx]'``). Its vectors differ slightly from torch's, so they are cached
    and versioned apart (``all-MiniLM-L6-v2@onnx-int8``): switching re-embeds, relinks and
    regrades. On a GPU torch is used whatever this says."""

    device: Literal["auto", "cpu", "cuda"] = "auto"
    """Where embeddings and faiss run; ``auto`` takes CUDA when torch sees a GPU."""

    fda_list_url: str = (
        "https://www.fda.gov/medical-devices/software-medical-device-samd/"
        "artificial-intelligence-enabled-medical-devices"
    )
    """The FDA page listing AI-enabled devices (its CSV download link is followed)."""

    openfda_base_url: str = "https://api.fda.gov"
    """openFDA API root (device/510k, device/pma, device/classification)."""

    openfda_api_key: str | None = None
    """Optional openFDA key (raises the daily limit from 1,000 to 120,000 requests)."""

    eudamed_base_url: str = "https://ec.europa.eu/tools/eudamed/api"
    """EUDAMED public API root (devices and certificates search)."""

    pubmed_base_url: str = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
    """NCBI E-utilities root (esearch, efetch)."""

    europepmc_base_url: str = "https://www.ebi.ac.uk/europepmc/webservices/rest"
    """Europe PMC REST root (search with cursorMark paging)."""

    news_sources_file: Path | None = None
    """TOML file of news feeds and press pages; ``None`` uses the packaged list."""

    news_base_url: str | None = None
    """When set, every news URL ``https://host/path?q`` is fetched from
    ``<news_base_url>/host/path?q`` (a mirror or the replay server); items keep the original
    URL. A ``{base}`` placeholder in the sources file is replaced by this value too."""

    market_events_file: Path | None = None
    """TOML file of known market events to seed; ``None`` uses the packaged list."""

    event_min_confidence: float = 0.7
    """Extracted events below this confidence are stored but not used for ownership."""

    ncbi_api_key: str | None = None
    """NCBI API key: allows 10 requests/s instead of 3."""

    contact_email: str = "tracker@example.org"
    """Contact sent to NCBI (``email``) and in the crawler's user agent."""

    user_agent: str = "radai-tracker/0.1 (+https://github.com/radai-tracker; {email})"
    """User agent of every request; ``{email}`` is replaced by ``contact_email``."""

    pubmed_rps: float = 3.0
    """PubMed requests per second without a key (10 are used when a key is set)."""

    openfda_rpm: int = 240
    """openFDA requests per minute (the API's documented limit)."""

    eudamed_rps: float = 1.0
    """EUDAMED requests per second (no published limit: stay gentle)."""

    openfda_product_codes: list[str] = Field(
        default_factory=lambda: ["QAS", "QIH", "QFM", "QDQ", "QBS", "QKB", "POK", "MYN", "QJU", "LLZ"]
    )
    """FDA product codes whose every 510(k) the openFDA spider collects (radiology AI:
    triage, CADe/CADx, image processing). Numbers from the FDA AI list are queried too."""

    openfda_page_size: int = 100
    """openFDA ``limit`` per request (the API allows up to 1,000)."""

    openfda_overlap_days: int = 60
    """Incremental openFDA crawls re-ask this many days before the watermark (openFDA adds
    decisions weeks after they are made)."""

    eudamed_page_size: int = 100
    """EUDAMED ``pageSize``/``size`` per request (the API caps it at 300)."""

    eudamed_vendors: list[str] = Field(default_factory=list)
    """Vendors to look up in EUDAMED; empty means every company in the store."""

    europepmc_rps: float = 5.0
    """Europe PMC requests per second."""

    pubmed_batch_size: int = 200
    """PubMed ids per efetch request (``retmax``; NCBI advises at most 200 per GET)."""

    europepmc_page_size: int = 1000
    """Europe PMC ``pageSize`` per search request (the API allows up to 1,000)."""

    literature_query_chars: int = 4000
    """Longest search term (URL-encoded) sent in one request; products are ORed into
    requests up to it (URLs stay under 8,190 bytes, the usual server limit)."""

    news_rps: float = 1.0
    """Requests per second to each news site."""

    obey_robots: bool = True
    """Respect robots.txt (turned off only against the local replay server)."""

    http_timeout: float = 30.0
    """Seconds before an HTTP request is abandoned."""

    max_retries: int = 4
    """Retries on 429/5xx/timeouts, with exponential backoff honouring Retry-After."""

    download_maxsize: int = Field(default=64 * 1024 * 1024, ge=0)
    """Largest answer a spider downloads, in bytes (Scrapy's ``DOWNLOAD_MAXSIZE``; 0: no
    limit). A larger answer is abandoned (its declared or received size passes the limit) and
    the request fails, so a runaway or hostile server cannot fill the memory (Scrapy's own
    default is 1 GiB). The sources' largest answers are a few MB: a Europe PMC page of 1,000
    ``core`` records about 4 MB (100 are 384 KB in the snapshot), a 200-article PubMed efetch
    page about 1 MB, the FDA list file and openFDA pages well under that; 64 MiB leaves a
    wide margin for growth."""

    download_warnsize: int = Field(default=16 * 1024 * 1024, ge=0)
    """Answers larger than this many bytes are logged as a warning (Scrapy's
    ``DOWNLOAD_WARNSIZE``; 0: never): four times the largest expected answer, an early sign
    that a source changed or that ``download_maxsize`` needs raising."""

    error_cap: int = 50
    """A spider stops after this many errors (Scrapy's CLOSESPIDER_ERRORCOUNT)."""

    redis_url: str | None = None
    """Redis of a distributed crawl (``redis://[:password@]host:6379/0``, ``rediss://`` for
    TLS): the shared request queue, duplicate filter and per-host rate limit of every crawl
    worker (``tracker crawl --redis-url``, docs/distributed-crawl.md). Unset: crawls run on
    this machine only. Keep it private: queued requests are pickled."""

    redis_key_prefix: str = "tracker"
    """First part of every Redis key of the distributed crawl, so that two trackers can share
    one Redis server."""

    crawl_idle_seconds: float = Field(default=30.0, gt=0)
    """A distributed crawl worker ends a spider once that spider's shared queue has stayed
    empty this long (and no seeding is under way)."""

    crawl_max_host_rps: float | None = Field(default=None, gt=0)
    """An upper bound on requests per second to any one host, on top of each source's own
    rate (on one machine it is Scrapy's download delay, randomised like the sources' own); in
    a distributed crawl it holds for every request across all workers together. Unset: the
    sources' rates only (and none against the replay server)."""

    enabled_sources: list[str] = Field(
        default_factory=lambda: ["regulatory", "literature", "news"]
    )
    """Source groups the nightly job crawls."""

    review_threshold: float = 0.6
    """Links and grades with a confidence below this go to the review queue."""

    reviewer: str = Field(default_factory=os_user)
    """Who records review decisions (``tracker review`` without ``--by``, the TUI's review
    queue): the operating-system user by default, ``"unknown"`` when it cannot be read."""

    retry_backoff: float = 1.0
    """Seconds before the first retry when the server sends no Retry-After (doubling with
    each retry, at most 120 s); spiders and single requests (``tracker add-paper``) alike."""

    embedding_batch_size: int = 64
    """Texts per batch when the embedding model encodes (linker and grader alike); larger
    batches are faster on a GPU with the memory for them."""

    digest_hook: str | None = None
    """Command the nightly runs after writing the digest (mail, a chat webhook): split like a
    shell line but run without a shell; ``{md}``, ``{html}``, ``{json}`` become the digest's
    paths, else the Markdown path is appended (docs/digest.md). Unset: no delivery."""

    digest_hook_timeout: float = Field(default=120.0, gt=0)
    """Seconds the digest hook may run before it is stopped and reported as failed."""

    @field_validator("reviewer", mode="after")
    @classmethod
    def _reviewer(cls, value: str) -> str:
        """A blank name (``TRACKER_REVIEWER=``) falls back to the operating-system user."""
        return value.strip() or os_user()

    @property
    def agent(self) -> str:
        """The user agent with the contact filled in."""
        return self.user_agent.replace("{email}", self.contact_email)

    @property
    def effective_pubmed_rps(self) -> float:
        """NCBI's limit: 10/s with an API key, else the configured rate (at most 3/s)."""
        return 10.0 if self.ncbi_api_key else min(self.pubmed_rps, 3.0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("TRACKER_CONFIG", "tracker.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


def get_settings(**overrides: Any) -> Settings:
    """Build settings now (never at import); ``None`` overrides are ignored."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
