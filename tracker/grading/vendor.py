"""Vendor independence: is the paper (co-)authored or (co-)funded by the product's vendor?

Evidence, strongest first:
1. an affiliation, the funding or the conflict statement names the vendor -> ``False``;
2. without a known vendor: an author affiliated with a company (legal suffix such as Inc.,
   GmbH, B.V., or a known imaging-AI company) or a conflict statement declaring employment,
   ownership or stock -> ``False``;
3. a conflict statement declaring none, or one that names no vendor -> ``True``;
4. otherwise ``None`` (the text does not say).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from tracker.contract import PaperRecord, ProductRecord
from tracker.names import fold, legal_form_in_text, normalize_company

KNOWN_VENDORS: tuple[str, ...] = (
    "Aidoc", "Aidence", "Annalise", "Arterys", "Avicenna.AI", "Behold.ai", "Brainomix",
    "Canon Medical", "Circle Cardiovascular", "Cleerly", "Combinostics", "Contextflow",
    "Coreline", "Cortechs", "DeepHealth", "Deepwise", "Densitas", "Enlitic", "Fujifilm",
    "GE Healthcare", "GE HealthCare", "Gleamer", "HeartFlow", "Hologic", "iCAD", "icometrix",
    "Imagen Technologies", "Incepto", "Infervision", "iSchemaView", "JLK", "Kheiron", "Koios",
    "Lunit", "MaxQ", "Milvue", "Nanox", "Optellum", "Oxipit", "Perspectum", "Philips",
    "Qure.ai", "Quantib", "RadNet", "RapidAI", "Riverain", "Samsung", "ScreenPoint",
    "Siemens", "Subtle Medical", "Therapixel", "United Imaging", "Vara", "Viz.ai",
    "Volpara", "VUNO", "Zebra Medical", "Nuance", "Agfa", "Carestream", "Sectra",
    "Blackford", "Mirada", "Annalise.ai", "Harrison.ai", "Qlarity", "Shukun", "Airs Medical",
    "Deepnoid", "Nines", "Bayer", "Guerbet", "Bracco", "Butterfly Network", "Caption Health",
    "Ultromics", "Exini", "MVision", "Limbus", "Therapanacea", "Pixyl", "AIRAmed",
)
"""Imaging and imaging-AI companies (used when no linked product names the vendor)."""

CORPORATE_WORDS = re.compile(r"\b(Healthineers|HealthCare|Medical Systems|Technologies)\b")
"""Words of company names that are not legal forms (those come from ``tracker.names``)."""
_SEGMENTS = re.compile(r"[,;()]+")
_ACADEMIC = re.compile(r"universit|hospital|college|school|institut|clinic|faculty|"
                       r"department of|centre|center|foundation trust|nhs", re.IGNORECASE)
NO_CONFLICT = re.compile(
    r"\b(no (?:known |relevant |potential |financial |other )*(?:conflicts?|competing|"
    r"disclosures?|relationships?)|nothing to disclose|none declared|declared? none|"
    r"have no (?:relevant |financial )*(?:conflicts?|competing|disclosures?)|"
    r"declare(?:s|d)? (?:that )?(?:they have )?no|did not receive any (?:specific )?funding|"
    r"^\s*none\.?\s*$|no funding)\b", re.IGNORECASE | re.MULTILINE)
INDUSTRY_ROLE = re.compile(
    r"\b(employee|employed by|employment|shareholder|stockholder|stock options?|"
    r"holds? (?:stock|shares|equity)|equity|founder|co-?founder|ceo|cto|cmo|"
    r"chief (?:medical|executive|technology) officer)\b", re.IGNORECASE)


GENERIC_TAIL = {"medical", "technologies", "technology", "healthcare", "health", "imaging",
                "solutions", "systems", "diagnostics", "private", "ai", "software", "group",
                "holdings", "international", "labs", "analytics", "co", "company"}


def vendor_variants(names: Iterable[str]) -> list[str]:
    """Each vendor name as written, without its legal form ("Aidoc Medical, Ltd." ->
    "aidoc medical"), and without generic trailing words ("aidoc"), so that papers that
    write the brand ("Aidoc, Tel Aviv") are matched; cores under four letters are dropped."""
    out: dict[str, None] = {}
    for name in names:
        for form in (fold(name), normalize_company(name)):
            words = form.split()
            while words:
                core = " ".join(words)
                if len(core) >= 4 or core == form:
                    out.setdefault(core, None)
                if words[-1] not in GENERIC_TAIL or len(words) == 1:
                    break
                words = words[:-1]
    return [v for v in out if len(v) >= 3]


def mentions(text: str, names: Iterable[str]) -> str | None:
    """The first of ``names`` (three letters or more once folded) that ``text`` holds as
    whole words."""
    return _named(f" {fold(text)} ", names)


def _named(padded: str, names: Iterable[str]) -> str | None:
    for name in names:
        key = fold(name)
        if len(key) >= 3 and f" {key} " in padded:
            return name
    return None


def corporate(affiliation: str) -> bool:
    """The affiliation names a company form: a legal form ("Inc.", "GmbH", "B.V.", "AS") or a
    company word ("Healthineers", "Medical Systems")."""
    if CORPORATE_WORDS.search(affiliation):
        return True
    return any(_segment_has_legal_form(part.split()) for part in _SEGMENTS.split(affiliation))


def _segment_has_legal_form(words: list[str]) -> bool:
    """A legal form ends a name ("Lunit Inc.") or stands alone after one ("Aidoc Medical,
    Ltd."); a two-letter code before a postal code is a state or province ("Denver, CO
    80045", "Adelaide, SA 5000", "Calgary, AB T2N 4N1"), not a company form."""
    forms = [legal_form_in_text(w) for w in words]
    if words and all(forms):
        return True
    for i, word in enumerate(words):
        if not forms[i] or i == 0:
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        if len(fold(word).replace(" ", "")) <= 2 and any(ch.isdigit() for ch in following):
            continue
        return True
    return False


def _corporate_affiliation(affiliations: list[str]) -> str | None:
    for aff in affiliations:
        if _ACADEMIC.search(aff):
            continue
        if mentions(aff, KNOWN_VENDORS) or corporate(aff):
            return aff
    return None


def vendor_independence(paper: PaperRecord, *, vendors: Iterable[str] = ()
                        ) -> tuple[bool | None, str]:
    """``(value, why)`` for one paper; ``vendors`` are the linked products' company names
    and aliases (empty when unknown)."""
    names = vendor_variants(v for v in vendors if v and v.strip())
    statements = " ".join([paper.conflicts, *paper.funding])
    body = f"{paper.abstract}"
    if names:
        for aff in paper.affiliations:
            hit = mentions(aff, names)
            if hit:
                return False, f"affiliation names the vendor {hit}: {aff[:120]}"
        hit = mentions(statements, names)
        if hit:
            return False, f"funding/conflicts name the vendor {hit}"
        funded = re.search(r"(funded|supported|sponsored|provided) by ([^.;]+)", body, re.I)
        if funded and mentions(funded.group(2), names):
            return False, f"abstract: {funded.group(0)[:120]}"
    else:
        corporate = _corporate_affiliation(paper.affiliations)
        if corporate:
            return False, f"company affiliation: {corporate[:120]}"
        if INDUSTRY_ROLE.search(paper.conflicts) and not NO_CONFLICT.search(paper.conflicts):
            return False, "conflicts declare employment or ownership in industry"
        hit = mentions(statements, KNOWN_VENDORS)
        if hit and not NO_CONFLICT.search(statements):
            return False, f"funding/conflicts name the company {hit}"
    if NO_CONFLICT.search(paper.conflicts):
        return True, "conflict statement declares none"
    if paper.conflicts.strip() and names:
        return True, "conflict statement names no vendor"
    if paper.funding and names:
        return True, "funding names no vendor"
    if paper.affiliations:
        return True, "no author affiliation names a company and no conflict is declared"
    return None, "the text does not say"


def vendor_finder(products: Iterable[ProductRecord]) -> Callable[[PaperRecord], list[str]]:
    """A function giving, for a paper, the company names (and company aliases) of the
    products it names in its title or abstract (by name or alias); a vendor named alone
    counts too."""
    refs = [([p.name, *p.aliases], [p.company, *p.company_aliases]) for p in products]
    brands = [vendor_variants(vendors) for _, vendors in refs]

    def vendors_for(paper: PaperRecord) -> list[str]:
        padded = f" {fold(paper.text)} "
        found: list[str] = []
        for (names, vendors), variants in zip(refs, brands, strict=True):
            if _named(padded, names) or _named(padded, variants):
                found.extend(vendors)
        return list(dict.fromkeys(found))

    return vendors_for
