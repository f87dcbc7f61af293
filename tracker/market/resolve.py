"""Company-name resolution against the store: exact (normalised name or alias) first, then a
fuzzy match (rapidfuzz) that must agree on the first word, so "Aidoc" finds "Aidoc Medical,
Ltd." but "Google" does not become "Google Health".

``resolve_companies(session)`` makes the store's event upsert use these rules for the rest of
a session (the store takes a lookup; it does not import this module)."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlmodel import Session, select

from tracker.db.models import Company, CompanyAlias
from tracker.names import normalize_company
from tracker.store.companies import find_company, get_or_create_company
from tracker.store.events import LOOKUP, LOOKUP_FACTORY, company_lookup

FUZZY_CUTOFF = 85.0  # WRatio on normalised names; below it a name is a new company
# words a press name may leave out: "Aidoc" is "Aidoc Medical", but "Google" is not "Google Health"
_CORPORATE = frozenset({"medical", "technologies", "technology", "systems", "solutions", "imaging",
                        "labs", "ai", "software", "healthcare", "group", "holdings", "analytics",
                        "diagnostics", "international", "global", "corporation"})
_GENERIC_FIRST = frozenset({"ai", "the", "medical", "health", "imaging", "radiology", "digital"})


@dataclass(frozen=True)
class Resolved:
    company_id: int | None
    name: str  # the store's name when resolved, else the text's
    score: float  # 100 for exact, the fuzzy score, or 0 when unresolved


class CompanyResolver:
    """Resolves many names against one snapshot of the company table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.keys: dict[str, tuple[int, str]] = {}
        names = {c.id: c.name for c in session.exec(select(Company))}
        for cid, name in names.items():
            self.keys[normalize_company(name)] = (cid or 0, name)
        for alias in session.exec(select(CompanyAlias)):
            self.keys.setdefault(alias.normalized, (alias.company_id, names.get(alias.company_id, alias.alias)))

    def names(self) -> list[str]:
        """Every spelling the store knows (names and aliases), for the gazetteer."""
        aliases = [a.alias for a in self.session.exec(select(CompanyAlias))]
        return sorted({name for _, name in self.keys.values()} | set(aliases))

    def resolve(self, name: str) -> Resolved:
        key = normalize_company(name)
        if not key:
            return Resolved(None, name, 0.0)
        company = find_company(self.session, name=name)
        if company is not None:
            return Resolved(company.id, company.name, 100.0)
        if key in self.keys:
            cid, stored = self.keys[key]
            return Resolved(cid, stored, 100.0)
        first = key.split()[0]
        if len(first) < 4 or first in _GENERIC_FIRST:
            return Resolved(None, name, 0.0)
        words = set(key.split())
        candidates = [k for k in self.keys if k.split()[0] == first
                      and (set(k.split()) - words) <= _CORPORATE | words
                      and (words - set(k.split())) <= _CORPORATE | set(k.split())]
        best = process.extractOne(key, candidates, scorer=fuzz.WRatio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return Resolved(None, name, 0.0)
        cid, stored = self.keys[best[0]]
        return Resolved(cid, stored, float(best[1]))

    def get_or_create(self, name: str, *, source: str, source_url: str = "") -> Company:
        """The store's company for a name, creating it (and remembering the spelling)."""
        found = self.resolve(name)
        if found.company_id is not None:
            company = self.session.get(Company, found.company_id)
            if company is not None:
                return company
        company = get_or_create_company(self.session, name=clean_name(name), source=source,
                                        source_url=source_url)
        self.keys[normalize_company(company.name)] = (company.id or 0, company.name)
        return company


def clean_name(name: str) -> str:
    """A name as written, without a trailing stock ticker like "(NASDAQ: RDNT)"."""
    text = name.split("(")[0].strip().rstrip(",")
    return text or name.strip()


def resolve_companies(session: Session) -> CompanyResolver:
    """Install this module's resolver as the session's company lookup (events saved in it
    resolve names fuzzily) and return it."""
    session.info[LOOKUP_FACTORY] = CompanyResolver
    lookup = company_lookup(session)
    if not isinstance(lookup, CompanyResolver):  # an exact lookup built before
        session.info.pop(LOOKUP, None)
        lookup = company_lookup(session)
    assert isinstance(lookup, CompanyResolver)
    return lookup
