"""Companies and their aliases."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.db.models import Company, CompanyAlias
from tracker.names import normalize_company


def find_company(session: Session, *, name: str) -> Company | None:
    """The company a name (or any alias of it) belongs to."""
    key = normalize_company(name)
    if not key:
        return None
    company = session.exec(select(Company).where(Company.normalized_name == key)).first()
    if company is not None:
        return company
    alias = session.exec(select(CompanyAlias).where(CompanyAlias.normalized == key)).first()
    return session.get(Company, alias.company_id) if alias else None


def add_company_alias(
    session: Session, *, company: Company, alias: str, kind: str = "spelling", source: str = "unknown"
) -> bool:
    """Record another name for a company; False when the name already resolves somewhere."""
    key = normalize_company(alias)
    if not key or key == company.normalized_name:
        return False
    existing = session.exec(select(CompanyAlias).where(CompanyAlias.normalized == key)).first()
    if existing is not None:
        return False
    session.add(CompanyAlias(company_id=company.id or 0, alias=alias, normalized=key,
                             kind=kind, source=source))
    session.flush()
    return True


def get_or_create_company(
    session: Session, *, name: str, source: str = "unknown", source_url: str = "",
    country: str | None = None,
) -> Company:
    """The company for ``name``, created on first sight; spelling variants become aliases."""
    company = find_company(session, name=name)
    if company is None:
        company = Company(name=name.strip(), normalized_name=normalize_company(name),
                          source=source, source_url=source_url, country=country)
        session.add(company)
        session.flush()
    if name.strip() != company.name:
        _remember_spelling(session, company=company, spelling=name.strip(), source=source)
    return company


def _remember_spelling(session: Session, *, company: Company, spelling: str, source: str) -> None:
    # Exact spellings are kept so exports can show what each record said.
    exists = session.exec(
        select(CompanyAlias).where(CompanyAlias.company_id == company.id,
                                   CompanyAlias.alias == spelling)
    ).first()
    if exists is None and normalize_company(spelling) != company.normalized_name:
        add_company_alias(session, company=company, alias=spelling, source=source)


def company_aliases(session: Session, *, company_id: int) -> list[str]:
    rows = session.exec(select(CompanyAlias.alias).where(CompanyAlias.company_id == company_id)
                        .order_by(CompanyAlias.id))  # type: ignore[arg-type]
    return list(rows)
