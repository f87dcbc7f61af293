"""Vendor independence: is the paper (co-)authored or (co-)funded by the product's vendor?

"The vendor" is the linked products' company under any of its names and aliases, and the
companies that owned it in the paper's year (completed acquisitions in
``tracker/resources/market_events.toml``, owners of owners too, a rebrand's new name):
``vendor_names``. Evidence, strongest first:

1. an affiliation names the vendor, or a clause of the funding or conflict statement names
   it without denying the tie (any role: employee, consultant, shareholder, founder,
   advisory board, speaker, grant or research support) -> ``False``; "No author has a
   financial relationship with Brainomix" denies the tie, "... no conflicts except A.B.,
   who consults for Brainomix" does not;
2. without a known vendor: an author affiliated with a company (legal suffix such as Inc.,
   GmbH, B.V., or a known imaging-AI company), a conflict statement declaring employment,
   shares or founding, or a paid role for a named company -> ``False``;
3. a conflict statement declaring none, denying any tie to the vendor, or naming other
   companies only; or a funding statement naming no vendor -> ``True``;
4. otherwise ``None``: the text does not say (academic affiliations alone do not say
   whether an author has ties to the vendor).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from tracker.contract import PaperRecord
from tracker.names import fold, legal_form_in_text, normalize_company
from tracker.nlp.variants import company_forms
from tracker.resources import GENERIC_TAIL, core_name, known_names, owners_at

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
    r"\b(employees?|employed by|employment|shareholders?|stockholders?|stock options?|"
    r"owners?|co-?owners?|owns|"
    r"holds? (?:stock|shares|equity)|equity|founders?|co-?founders?|ceo|cto|cmo|"
    r"chief (?:medical|executive|technology) officer)\b", re.IGNORECASE)


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


def _clauses(text: str) -> list[str]:
    """A statement cut into clauses: at semicolons and at sentence ends (a full stop, then
    a capital), not after initials ("A.B.") or legal forms ("Inc.")."""
    out: list[str] = []
    for part in re.split(r";|\n+", text or ""):
        start = 0
        for end in _SENTENCE_END.finditer(part):
            before = part[start:end.start() + 1].split()
            last = before[-1] if before else ""
            if re.fullmatch(r"(?:[A-Z]\.)+|[A-Z][a-z]?\.", last) or legal_form_in_text(last):
                continue
            out.append(part[start:end.start() + 1])
            start = end.end()
        out.append(part[start:])
    return [c.strip() for c in out if c.strip()]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_NEGATION = re.compile(r"\b(?:no|not|none|nor|neither|never|without|nothing)\b|n't\b", re.I)
_EXCEPTION = re.compile(r"\b(?:except|excepting|other than|apart from|besides|but|however|"
                        r"although|beyond|aside from|save for|with the exception)\b", re.I)
WEAK_ROLE = re.compile(
    r"\b(consult\w*|advis\w*|speaker\w*|lectur\w*|honorari\w*|grants?|research support|"
    r"supported by|funded by|funding from|royalt\w*|fees?|paid|compensat\w*|travel|"
    r"sponsor\w*|patents?|licen[cs]\w*|board)\b", re.IGNORECASE)
"""Roles that tie an author to a company only when the company is named with them."""
_TIE_WORDS = re.compile(r"\b(?:employ\w*|consult\w*|grants?|fees?|stock|shares?|sharehold\w*|"
                        r"equity|found\w*|advis\w*|speaker\w*|honorari\w*|royalt\w*|paid|"
                        r"funded|funding|support\w*|receiv\w*|owns?|holds?)\b", re.IGNORECASE)
"""Words after an exception ("except A.B., who is an employee of ...") that make it one."""


def _negated(clause: str, hit: str) -> bool:
    """The clause denies the tie to ``hit`` ("No author has a financial relationship with
    Brainomix", "none related to AZmed") and makes no exception ("... except A.B., who
    consults for Brainomix")."""
    padded = f" {fold(clause)} "
    at = padded.find(f" {fold(hit)} ")
    before = padded[:at] if at >= 0 else padded
    before = before.replace(" no longer ", " ")
    denial = _NEGATION.search(before)
    if not denial:
        return False
    exception = _EXCEPTION.search(clause, denial.start())
    return not (exception and _TIE_WORDS.search(clause, exception.end()))


def _tie(statements: list[str], names: Iterable[str]) -> tuple[str, str] | None:
    """The first clause of ``statements`` that names one of ``names`` and does not deny the
    tie: ``(name, clause)``."""
    listed = list(names)
    for statement in statements:
        for clause in _clauses(statement):
            hit = mentions(clause, listed)
            if hit and not _negated(clause, hit):
                return hit, clause
    return None


def _denies(statements: list[str], names: Iterable[str]) -> str | None:
    """A clause that names one of ``names`` only to deny any tie to it."""
    listed = list(names)
    for statement in statements:
        for clause in _clauses(statement):
            hit = mentions(clause, listed)
            if hit and _negated(clause, hit):
                return clause
    return None


def _industry_role(conflicts: str) -> str | None:
    """Without a known vendor: a clause declaring employment, shares or founding, or a paid
    role (consulting, grants, speaking, advisory boards) for a named company."""
    for clause in _clauses(conflicts):
        role = INDUSTRY_ROLE.search(clause)
        if role and not _negated(clause, role.group(0)):
            return clause
        weak = WEAK_ROLE.search(clause)
        company = mentions(clause, KNOWN_VENDORS)
        if weak and company and not _negated(clause, company):
            return clause
        if weak and not _negated(clause, weak.group(0)) and any(
                _segment_has_legal_form(seg.split()) for seg in _SEGMENTS.split(clause)):
            return clause
    return None


def vendor_names(vendors: Iterable[str], year: int | None, *,
                 events_file: str | Path | None = None) -> tuple[list[str], dict[str, str]]:
    """The names that stand for the vendor in a paper of ``year``: the vendor's names and
    aliases (also those of the market events file), and the companies that owned it in that
    year or before (completed acquisitions; owners of owners too; a rebrand's new name), as
    matching variants; and, for each owner's variant, why it counts ("owner of Aidence since
    2022-01")."""
    given = [v for v in vendors if v and v.strip()]
    if not given:
        return [], {}
    # brand names the legal name does not show ("Nanox.AI" for Zebra Medical Vision)
    given = list(dict.fromkeys(given + [f for v in given for f in company_forms(v)]))
    names = known_names(events_file)
    own: list[str] = list(given)
    for vendor in given:
        for key in (normalize_company(vendor), core_name(vendor)):
            own.extend(names.get(key, []))
    owner_reason: dict[str, str] = {}
    for owner, reason in owners_at(own, year, path=events_file):
        for alias in [owner, *names.get(normalize_company(owner), []),
                      *names.get(core_name(owner), [])]:
            for variant in vendor_variants([alias]):
                owner_reason.setdefault(variant, f"{owner}, {reason}")
    variants = vendor_variants(own)
    extra = [v for v in owner_reason if v not in variants]
    for v in variants:
        owner_reason.pop(v, None)
    return variants + extra, owner_reason


def vendor_independence(paper: PaperRecord, *, vendors: Iterable[str] = (),
                        events_file: str | Path | None = None) -> tuple[bool | None, str]:
    """``(value, why)`` for one paper; ``vendors`` are the linked products' company names
    and aliases (empty when unknown). The vendor's owners in the paper's year (from
    ``events_file``, default the packaged ``market_events.toml``) count as the vendor."""
    names, owner_of = vendor_names(vendors, paper.year, events_file=events_file)
    statements = [paper.conflicts, *paper.funding]
    body = f"{paper.abstract}"

    def who(hit: str) -> str:
        key = fold(hit)
        return f"the vendor's owner {owner_of[key]}" if key in owner_of else f"the vendor {hit}"

    if names:
        for aff in paper.affiliations:
            hit = mentions(aff, names)
            if hit:
                return False, f"affiliation names {who(hit)}: {aff[:120]}"
        tie = _tie(statements, names)
        if tie:
            return False, f"funding/conflicts name {who(tie[0])}: {tie[1][:160]}"
        funded = re.search(r"((?:funded|sponsored|financed) by|(?:financial|research|grant) "
                           r"support (?:from|by)|supported by (?:a |an )?(?:grant|funding|"
                           r"research|unrestricted)[^.;]{0,40}?(?:from|by))\s*([^.;]+)", body, re.I)
        if funded:
            hit = mentions(funded.group(2), names)
            if hit:
                return False, f"abstract: {funded.group(0)[:120]} ({who(hit)})"
    else:
        corporate = _corporate_affiliation(paper.affiliations)
        if corporate:
            return False, f"company affiliation: {corporate[:120]}"
        role = _industry_role(paper.conflicts)
        if role:
            return False, f"conflicts declare a tie to industry: {role[:160]}"
        tie = _tie(statements, KNOWN_VENDORS)
        if tie:
            return False, f"funding/conflicts name the company {tie[0]}: {tie[1][:160]}"
    if NO_CONFLICT.search(paper.conflicts):
        return True, "conflict statement declares none"
    if names and _denies(statements, names):
        return True, "conflict statement denies any tie to the vendor"
    if paper.conflicts.strip():
        if names:
            return True, "conflict statement names neither the vendor nor its owner"
        return True, "conflict statement declares no tie to an imaging company"
    if any(f.strip() for f in paper.funding):
        return True, "funding names no vendor" if names else "funding names no company"
    if paper.affiliations:
        return None, ("the text does not say: no conflict statement or funding, and the "
                      "affiliations name no company")
    return None, "the text does not say: no conflict statement, funding or affiliation"
