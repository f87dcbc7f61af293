"""Request URLs of the public APIs the tracker asks, with the parameters every request to each
carries (NCBI's ``tool``/``email``/``api_key``, Europe PMC's ``email``, openFDA's
``api_key``). The spiders and the single-record client (``tracker.jobs.fetch``) build their
URLs here, so both ask alike. Base URLs come from the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from tracker.config import Settings

NCBI_TOOL = "radai-tracker"


def eutils_url(settings: Settings, endpoint: str, params: dict[str, Any]) -> str:
    """An E-utilities URL (``esearch.fcgi``, ``efetch.fcgi``)."""
    query = {**params, "tool": NCBI_TOOL, "email": settings.contact_email}
    if settings.ncbi_api_key:
        query["api_key"] = settings.ncbi_api_key
    return f"{settings.pubmed_base_url.rstrip('/')}/{endpoint}?{urlencode(query)}"


def europepmc_search_url(settings: Settings, params: dict[str, Any]) -> str:
    """A Europe PMC REST ``search`` URL."""
    query = {**params, "email": settings.contact_email}
    return f"{settings.europepmc_base_url.rstrip('/')}/search?{urlencode(query)}"


def openfda_url(settings: Settings, endpoint: str, params: dict[str, Any], *, key: bool = True) -> str:
    """An openFDA ``device/<endpoint>.json`` URL; ``key=False`` leaves the API key out (for
    URLs that are shown or stored)."""
    api_key = settings.openfda_api_key if key else None
    query = {**params, **({"api_key": api_key} if api_key else {})}
    return f"{settings.openfda_base_url.rstrip('/')}/device/{endpoint}.json?{urlencode(query)}"
