"""Find a paper or a product from what a person types: a store id, a PMID, a DOI, a slug."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.db.models import Product, Publication


def find_publication_ref(session: Session, ref: str) -> Publication | None:
    """A paper by store id, ``PMID:n`` or bare PMID, ``DOI:...`` or DOI."""
    text = ref.strip()
    low = text.lower()
    if low.startswith("pmid:"):
        return session.exec(select(Publication).where(Publication.pmid == text[5:].strip())).first()
    if low.startswith("doi:") or low.startswith("10."):
        doi = low.removeprefix("doi:").strip()
        return session.exec(select(Publication).where(Publication.doi == doi)).first()
    if text.isdigit():
        row = session.get(Publication, int(text))
        return row or session.exec(select(Publication).where(Publication.pmid == text)).first()
    return None


def find_product_ref(session: Session, ref: str) -> Product | None:
    """A product by store id or slug."""
    text = ref.strip()
    if text.isdigit():
        row = session.get(Product, int(text))
        if row is not None:
            return row
    return session.exec(select(Product).where(Product.slug == text)).first()


def paper_url(pmid: str | None, doi: str | None, fallback: str | None = "",
              publication_id: int | None = None) -> str:
    """The canonical address of a paper: PubMed, else doi.org, else its source URL, else a
    record reference (``record:publication/<id>``)."""
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    if doi:
        return f"https://doi.org/{doi}"
    if fallback:
        return fallback
    return f"record:publication/{publication_id}" if publication_id is not None else ""
