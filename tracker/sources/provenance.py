"""What a mirror says about the answer it served: the upstream URL and which records were
composed rather than recorded. The crawler stores what this module reads, never the mirror's
own address.

The loopback replay server (``tracker.devtools.replay``) sends, with every recorded answer:

- ``X-Replay-Upstream``: the URL the recording stands for on the real service;
- ``X-Replay-Composed: 1`` when the body's records were composed for the snapshot, with
  ``X-Replay-Recorded-Ids`` naming the records of such a body that are recorded after all;
- ``X-Replay-Invented-Ids``: identifiers in the body that the real service does not have
  (a record keeps none of them).

A real service sends none of these headers: the fetched URL is then the upstream URL, and
nothing is composed. API keys are dropped from every URL that is stored or shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UPSTREAM_HEADER = "X-Replay-Upstream"
COMPOSED_HEADER = "X-Replay-Composed"
RECORDED_IDS_HEADER = "X-Replay-Recorded-Ids"
INVENTED_IDS_HEADER = "X-Replay-Invented-Ids"
SECRET_PARAMS = frozenset({"api_key"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})

R = TypeVar("R")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def without_secrets(url: str) -> str:
    """``url`` without API keys in its query (for URLs that are stored or shown)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k not in SECRET_PARAMS]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


def is_loopback(url: str | None) -> bool:
    """Whether ``url`` points at this machine (the replay server, a local mirror)."""
    host = (urlsplit(url or "").hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass(frozen=True)
class ServedAs:
    """What one answer says about its provenance (see the module docstring)."""

    upstream: str
    composed: bool = False
    recorded_ids: frozenset[str] = field(default_factory=frozenset)
    invented_ids: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_headers(cls, fetched_url: str, header: Callable[[str], Any]) -> ServedAs:
        """Read the headers of an answer fetched from ``fetched_url``; ``header(name)`` gives a
        header's value (str, bytes or None): ``response.headers.get`` of Scrapy or httpx."""
        upstream = _text(header(UPSTREAM_HEADER)) or fetched_url
        return cls(
            upstream=without_secrets(upstream),
            composed=_text(header(COMPOSED_HEADER)).lower() in ("1", "true", "yes"),
            recorded_ids=frozenset(_text(header(RECORDED_IDS_HEADER)).split()),
            invented_ids=frozenset(_text(header(INVENTED_IDS_HEADER)).split()),
        )

    def mark(self, record: R) -> R:
        """``record`` with ``composed`` set for this answer and without invented ids."""
        ids = record_ids(record)
        composed = self.composed and not (ids & self.recorded_ids)
        changes: dict[str, Any] = {}
        if composed and not getattr(record, "composed", False):
            changes["composed"] = True
        if self.invented_ids and ids & self.invented_ids:
            changes.update(_drop_invented(record, self.invented_ids))
        return replace(record, **changes) if changes else record  # type: ignore[type-var]


def record_ids(record: Any) -> set[str]:
    """The identifiers a record carries (what the manifest's id lists name): a registration's
    number, a paper's PMID, DOI, PMC id and source id, a news item's URL."""
    ids: set[str] = set()
    for name in ("number", "pmid", "doi", "pmcid", "url"):
        value = getattr(record, name, None)
        if value:
            ids.add(str(value))
    external = str(getattr(record, "external_id", "") or "")
    if external:
        ids.add(external)
        ids.add(external.split(":", 1)[-1])
    return ids


def _drop_invented(record: Any, invented: Iterable[str]) -> dict[str, Any]:
    """Field changes that remove invented identifiers (and URLs built from them)."""
    invented = set(invented)
    changes: dict[str, Any] = {}
    for name in ("pmid", "doi", "pmcid", "published_doi"):
        if getattr(record, name, None) in invented:
            changes[name] = None
    external = str(getattr(record, "external_id", "") or "")
    if external and (external in invented or external.split(":", 1)[-1] in invented):
        changes["external_id"] = ""
    url = str(getattr(record, "source_url", "") or "")
    if url and any(ident in url for ident in invented):
        doi = changes.get("doi", getattr(record, "doi", None))
        changes["source_url"] = f"https://doi.org/{doi}" if doi else ""
    return changes
