"""The news sources the news spiders read: one TOML file a user can extend.

The packaged list is ``tracker/resources/news_sources.toml``; the ``news_sources_file``
setting names another. Each ``[[source]]`` block is one feed or press page::

    [[source]]
    name = "massdevice"                 # unique; used in logs and as the item's ``feed``
    kind = "feed"                       # feed (RSS/Atom) | sitemap | listing (press page)
    url = "https://www.massdevice.com/feed/atom/"
    publisher = "MassDevice"            # used when an item does not name its publisher
    follow = false                      # fetch each item's page for its body text
    include = ""                        # regex an article URL must match (sitemap/listing)
    max_items = 200                     # at most this many items per crawl

``fetch_url`` implements the ``news_base_url`` setting: requests go to a mirror (the replay
server in tests and the demo) while stored items keep their original URL.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("feed", "sitemap", "listing")


class NewsSourcesError(ValueError):
    """The sources file cannot be read or a block in it is invalid."""


@dataclass(frozen=True, kw_only=True)
class NewsSource:
    name: str
    kind: str
    url: str
    publisher: str | None = None
    follow: bool = False
    include: str = ""
    max_items: int = 200

    def wants(self, url: str) -> bool:
        """Whether an article URL found on a sitemap or listing page belongs to this source."""
        return not self.include or re.search(self.include, url) is not None


def default_sources_path() -> Path:
    return Path(str(resources.files("tracker.resources").joinpath("news_sources.toml")))


def load_news_sources(path: Path | None = None, *, base: str | None = None) -> list[NewsSource]:
    """Read and check the sources file; ``{base}`` in a URL is replaced by ``base``."""
    path = path or default_sources_path()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NewsSourcesError(f"{path}: {exc}") from exc
    sources: list[NewsSource] = []
    names: set[str] = set()
    for number, block in enumerate(data.get("source", []), 1):
        sources.append(_source(block, where=f"{path} source #{number}", base=base))
        if sources[-1].name in names:
            raise NewsSourcesError(f"{path} source #{number}: duplicate name {sources[-1].name!r}")
        names.add(sources[-1].name)
    return sources


def _source(block: dict[str, Any], *, where: str, base: str | None) -> NewsSource:
    missing = [k for k in ("name", "kind", "url") if not block.get(k)]
    if missing:
        raise NewsSourcesError(f"{where}: missing {', '.join(missing)}")
    if block["kind"] not in KINDS:
        raise NewsSourcesError(f"{where}: kind must be one of {', '.join(KINDS)}")
    url = str(block["url"])
    if "{base}" in url:
        if not base:
            raise NewsSourcesError(f"{where}: uses {{base}} but news_base_url is not set")
        url = url.replace("{base}", base.rstrip("/"))
    try:
        re.compile(block.get("include", ""))
    except re.error as exc:
        raise NewsSourcesError(f"{where}: bad include pattern: {exc}") from exc
    return NewsSource(name=str(block["name"]), kind=block["kind"], url=url,
                      publisher=block.get("publisher") or None, follow=bool(block.get("follow")),
                      include=block.get("include", ""), max_items=int(block.get("max_items", 200)))


def fetch_url(url: str, *, base: str | None) -> str:
    """Where to request ``url``: itself, or ``<base>/<host>/<path>?<query>`` on a mirror."""
    if not base or url.startswith(base):
        return url
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    mirrored = f"{base.rstrip('/')}/{parts.netloc}{parts.path or '/'}"
    return f"{mirrored}?{parts.query}" if parts.query else mirrored
