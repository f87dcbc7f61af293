"""Search queries generated from the store, one per product, so a user can audit them.

A product's query is::

    ( <product names> OR ( <company names> AND <AI terms> ) ) AND <imaging terms>

- product names: the product's name and aliases, each a title/abstract phrase. A name that is
  not distinctive counts only together with a company name:
  ``("RAPID"[tiab] AND ("RapidAI"[tiab] OR ...))``. Distinctive: one word of at least 5
  characters with a digit ("AI4CMR"), or several words of which one has a digit, is an
  acronym (all capitals, 3+ letters: "INSIGHT CXR") or is a word of the company's name
  ("Caption Guidance" by Caption Health). Searches ignore case, so "RAPID", "Veye", "Red Dot"
  or "Pericardial effusion" alone would match ordinary words. Names longer than 80
  characters or holding ";" (several device names run together in a registry field) are
  left out and listed as skipped;
- company names: the company's name without its legal form ("Viz.ai, Inc." -> "Viz.ai") and
  its aliases, searched in title/abstract and in author affiliations (vendor-authored papers);
- AI terms and imaging terms: the fixed lists below.

The same structure is rendered in PubMed syntax (``[tiab]``, ``[ad]``, ``[mh]``) and in Europe
PMC syntax (``TITLE_ABS:``, ``AFF:``, ``MESH:``). Spiders OR several products into one request
(up to a length limit), writing the AI and imaging terms once: ``(names OR (companies AND AI))
AND imaging`` over a group equals the OR of the group's product queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from sqlmodel import Session, select

from tracker.db.models import Company, CompanyAlias, Product, ProductAlias
from tracker.names import fold, strip_legal_form

AI_TERMS = ["artificial intelligence", "deep learning", "machine learning", "neural network",
            "computer-aided", "computer-assisted", "algorithm", "software"]
AI_MESH = ["Artificial Intelligence"]
IMAGING_TERMS = ["radiology", "radiologist", "radiologists", "imaging", "radiograph", "radiographs",
                 "radiography", "computed tomography", "CT", "magnetic resonance", "MRI",
                 "mammography", "tomosynthesis", "ultrasound", "PET", "angiography", "screening"]
IMAGING_MESH = ["Diagnostic Imaging", "Radiology"]
_FIELDS = {
    "pubmed": {"tiab": '"{}"[tiab]', "ad": '"{}"[ad]', "mesh": '"{}"[mh]'},
    "europepmc": {"tiab": 'TITLE_ABS:"{}"', "ad": 'AFF:"{}"', "mesh": 'MESH:"{}"'},
}
SOURCES = tuple(_FIELDS)


@dataclass
class ProductQuery:
    """The query one product produced, with the names it used (for auditing)."""

    slug: str
    product: str
    company: str
    names: list[str] = field(default_factory=list)
    names_needing_company: list[str] = field(default_factory=list)
    skipped_names: list[str] = field(default_factory=list)
    company_names: list[str] = field(default_factory=list)
    name_part: dict[str, str] = field(default_factory=dict)  # per source
    company_part: dict[str, str] = field(default_factory=dict)  # per source ("" without a company)

    def core(self, source: str) -> str:
        """The query without the imaging terms."""
        return _core([self], source)

    def query(self, source: str = "pubmed") -> str:
        return f"({self.core(source)}) AND {imaging_block(source)}"


clean_company = strip_legal_form  # "Viz.ai, Inc." -> "Viz.ai" (tracker.names)


def _term(source: str, kind: str, text: str) -> str:
    return _FIELDS[source][kind].format(text.replace('"', "").strip())


def _any(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def imaging_block(source: str) -> str:
    return _any([_term(source, "tiab", t) for t in IMAGING_TERMS] +
                [_term(source, "mesh", m) for m in IMAGING_MESH])


def ai_block(source: str) -> str:
    return _any([_term(source, "tiab", t) for t in AI_TERMS] + [_term(source, "mesh", m) for m in AI_MESH])


def needs_company(name: str, company_words: set[str] | None = None) -> bool:
    """True when the name could be an ordinary phrase (see the module docstring)."""
    words = name.split()
    if len(words) == 1:
        return not (len(name) >= 5 and re.search(r"\d", name) and re.search(r"[A-Za-z]", name))
    for word in words:
        letters = re.sub(r"[^A-Za-z]", "", word)
        if re.search(r"\d", word) or (len(letters) >= 3 and letters.isupper()) \
                or fold(word) in (company_words or set()):
            return False
    return True


def usable_name(name: str) -> bool:
    return len(name) <= 80 and ";" not in name


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        name = " ".join(name.replace('"', "").split())
        if len(fold(name)) >= 2:
            seen.setdefault(fold(name), name)
    return list(seen.values())


def build_query(*, slug: str, product: str, aliases: list[str], company: str,
                company_aliases: list[str]) -> ProductQuery:
    all_names = _unique([product, *aliases])
    names = [n for n in all_names if usable_name(n)]
    companies = _unique([strip_legal_form(company), *[strip_legal_form(a) for a in company_aliases]])
    company_words = {w for c in companies for w in fold(c).split() if len(w) >= 3}
    result = ProductQuery(slug=slug, product=product, company=company, company_names=companies,
                          names=[n for n in names if not needs_company(n, company_words)],
                          names_needing_company=[n for n in names if needs_company(n, company_words)],
                          skipped_names=[n for n in all_names if not usable_name(n)])
    for source in SOURCES:
        company_tiab = _any([_term(source, "tiab", c) for c in companies]) if companies else ""
        parts = [_term(source, "tiab", n) for n in result.names]
        if company_tiab:
            parts += [f"({_term(source, 'tiab', n)} AND {company_tiab})" for n in result.names_needing_company]
        result.name_part[source] = " OR ".join(parts)
        result.company_part[source] = " OR ".join(
            [_term(source, "tiab", c) for c in companies] + [_term(source, "ad", c) for c in companies])
    return result


def _core(queries: list[ProductQuery], source: str) -> str:
    """Names of all products OR (companies of all products AND AI terms): the same as ORing
    each product's own core, written once."""
    names = list(dict.fromkeys(q.name_part[source] for q in queries if q.name_part.get(source)))
    companies = list(dict.fromkeys(term for q in queries if q.company_part.get(source)
                                   for term in q.company_part[source].split(" OR ")))
    parts = list(names)
    if companies:
        parts.append(f"(({' OR '.join(companies)}) AND {ai_block(source)})")
    return " OR ".join(parts)


def product_queries(session: Session, *, slug: str | None = None) -> list[ProductQuery]:
    """One query per product in the store (or for the product ``slug``), by slug."""
    statement = select(Product).order_by(Product.slug)
    if slug:
        statement = statement.where(Product.slug == slug)
    queries = []
    for product in session.exec(statement).all():
        company = session.get(Company, product.company_id)
        aliases = list(session.exec(select(ProductAlias.alias).where(ProductAlias.product_id == product.id)))
        company_aliases = list(session.exec(
            select(CompanyAlias.alias).where(CompanyAlias.company_id == product.company_id)))
        queries.append(build_query(slug=product.slug, product=product.name, aliases=aliases,
                                   company=company.name if company else "", company_aliases=company_aliases))
    return queries


def joined_queries(queries: list[ProductQuery], *, source: str, max_chars: int) -> list[str]:
    """Products ORed into search terms of at most about ``max_chars`` characters once
    URL-encoded (a product whose own query is longer gets a term of its own)."""
    chunks: list[list[ProductQuery]] = []
    for query in queries:
        if not query.core(source):
            continue
        if chunks and _encoded(f"({_core([*chunks[-1], query], source)}) AND {imaging_block(source)}") <= max_chars:
            chunks[-1].append(query)
        else:
            chunks.append([query])
    return [f"({_core(chunk, source)}) AND {imaging_block(source)}" for chunk in chunks]


def _encoded(term: str) -> int:
    return len(quote_plus(term))
