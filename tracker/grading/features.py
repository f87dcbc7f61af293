"""Study features of one paper from its cues: design, sites, countries, readers, RCT, size.

Each feature is ``True``/``False`` when the text says so and ``None`` when it does not; each
value comes with the words that decided it and where they stand (``why``, its provenance).
Design, sites and countries are read sentence by sentence with the design phrases of
``tracker.nlp.cues``: a sentence hedged towards other or future studies ("prospective
trials are needed") says nothing, a background sentence only when it speaks of this study,
and a denial ("not prospective", "non-randomised") gives ``False``. The defaults for a study
whose abstract is silent are the grader's (``tracker.grading.grader.fill_defaults``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tracker.contract import PaperRecord
from tracker.grading.analysis import REGIONS, PaperCues, place_sentences, regions_of
from tracker.nlp import cues

RCT_TYPES = {"randomized controlled trial", "pragmatic clinical trial",
             "clinical trial, phase iii", "equivalence trial"}
PROSPECTIVE_TYPES = RCT_TYPES | {"clinical trial", "controlled clinical trial",
                                 "prospective studies"}
MULTICENTRE_TYPES = {"multicenter study"}
RETROSPECTIVE_MESH = {"retrospective studies"}


@dataclass
class StudyFeatures:
    prospective: bool | None = None
    multicentre: bool | None = None
    multinational: bool | None = None
    reader_study: bool | None = None
    rct: bool | None = None
    sample_size: int | None = None
    why: dict[str, str] = field(default_factory=dict)


def _first(pc: PaperCues, label: str, *, firm: bool = True) -> str | None:
    found = pc.labelled(label, firm=firm)
    return found[0].text if found else None


def _types(paper: PaperRecord) -> set[str]:
    return {t.strip().lower() for t in (*paper.publication_types, *paper.mesh)}


@dataclass(frozen=True)
class Said:
    """A design phrase found in one sentence: its words and where it stands."""

    text: str
    sentence: int
    section: str

    def why(self, prefix: str = "cue") -> str:
        where = "title" if self.sentence == 0 else f"sentence {self.sentence}, {self.section}"
        return f"{prefix}: {self.text} ({where})"


def _sentences(pc: PaperCues) -> list[tuple[int, str, str]]:
    """``(number, text, section)`` of the sentences that can state this study's design:
    not hedged towards other or future studies, and not background unless the sentence
    speaks of this study ("Background and purpose: ... We prospectively evaluated ...")."""
    out: list[tuple[int, str, str]] = []
    for i, text in enumerate(pc.sentences):
        section = pc.sections[i] if i < len(pc.sections) else "unknown"
        if cues.DESIGN_HEDGE.search(text):
            continue
        if section == "background" and not cues.FIRST_PERSON.search(text):
            continue
        out.append((i, text, section))
    return out


def _about_others(text: str, start: int) -> bool:
    """The words before ``start`` put the design word on other or future studies."""
    return bool(cues.OTHER_STUDIES.search(text[max(0, start - 40):start]))


def _negated(text: str, start: int) -> bool:
    return bool(cues.NEGATED_BEFORE.search(text[max(0, start - 40):start]))


def design(paper: PaperRecord, pc: PaperCues, f: StudyFeatures) -> None:
    """``rct`` and ``prospective``. Prospective: a statement of this study's design
    ("we prospectively evaluated", "patients were prospectively enrolled", "a prospective,
    multicentre study") is ``True``; a retrospective statement is ``False``, also when the
    data were collected prospectively ("retrospective analysis of prospectively collected
    data"); a denial ("this study was not prospective") is ``False``; prospectively
    collected data alone read as ``True``; trials (cue or publication type) are prospective."""
    types = _types(paper)
    rct_cue, non_randomised = _rct(pc)
    rct = rct_cue or next((t for t in types if t in RCT_TYPES), None)
    if rct:
        f.rct, f.why["rct"] = True, f"cue: {rct}"
    elif non_randomised:
        f.rct, f.why["rct"] = False, non_randomised.why("denied")
    pro_design: list[Said] = []
    pro_data: list[Said] = []
    retro: list[Said] = []
    denied: list[Said] = []
    for i, text, section in _sentences(pc):
        retro_at = [m for m in cues.RETROSPECTIVE.finditer(text)
                    if not _about_others(text, m.start()) and not _negated(text, m.start())]
        for m in retro_at:
            retro.append(Said(_span(text, m.start(), m.end()), i, section))
        for m in cues.PROSPECTIVE.finditer(text):
            said = Said(_span(text, m.start(), m.end()), i, section)
            if _negated(text, m.start()):
                denied.append(said)
            elif _about_others(text, m.start()):
                continue
            elif (any(_covers(d, m.start()) for d in cues.PROSPECTIVE_DATA.finditer(text))
                  or any(r.start() < m.start() for r in retro_at)):
                pro_data.append(said)
            else:
                pro_design.append(said)
    pro_type = next((t for t in types if t in PROSPECTIVE_TYPES), None)
    retro_type = next((t for t in types if t in RETROSPECTIVE_MESH), None)
    if pro_design:
        f.prospective, f.why["prospective"] = True, pro_design[0].why()
    elif retro:
        why = retro[0].why()
        if pro_data:
            why += f"; prospectively gathered data only ({pro_data[0].text})"
        f.prospective, f.why["prospective"] = False, why
    elif denied:
        f.prospective, f.why["prospective"] = False, denied[0].why("denied")
    elif pro_data:
        f.prospective, f.why["prospective"] = True, pro_data[0].why()
    elif f.rct or pro_type:
        f.prospective = True
        f.why["prospective"] = f"randomised trial ({rct})" if f.rct else f"type: {pro_type}"
    elif retro_type:
        f.prospective, f.why["prospective"] = False, f"type: {retro_type}"
    if f.rct is None and f.prospective is False:
        f.rct, f.why["rct"] = False, "retrospective design"


def _rct(pc: PaperCues) -> tuple[str | None, Said | None]:
    """The first firm RCT cue not in a sentence that says "non-randomised"; and that
    denial, if there is one."""
    denial = re.compile(r"\b(?:non|not|quasi)[- ]?randomi[sz]ed\b", re.IGNORECASE)
    denied: Said | None = None
    for cue in pc.labelled("RCT", firm=True):
        text = pc.sentences[cue.sentence] if cue.sentence < len(pc.sentences) else ""
        found = denial.search(text)
        if found:
            denied = denied or Said(found.group(0), cue.sentence, cue.section)
            continue
        return cue.text, None
    return None, denied


def _covers(match: re.Match[str], at: int) -> bool:
    return match.start() <= at < match.end()


def _span(text: str, start: int, end: int, width: int = 50) -> str:
    """The words around a match, for the ``why`` of a feature."""
    left = text.rfind(" ", 0, max(0, start - width // 2))
    right = text.find(" ", min(len(text), end + width // 2))
    piece = text[left + 1 if left >= 0 else 0: right if right >= 0 else len(text)]
    return " ".join(piece.split()).strip(" ,;:")


def sites(paper: PaperRecord, pc: PaperCues, f: StudyFeatures) -> None:
    """``multicentre`` and ``multinational``. Several sites: a multicentre word
    ("multicentre", "multi-institutional", "nationwide"), a count or quantifier before a
    noun of sites ("three academic centres", "several US sites", "data from 12 sites"), a
    plain plural after a preposition ("from centres in Germany"), or several countries. One
    site: "single-centre", "a single tertiary centre", "one academic hospital", "at our
    institution". Several countries: "multinational", "international", "across 4
    countries", or two countries or regions named as places of data ("in the US and the
    UK", "European and Asian sites"); sites in one named country are not multinational."""
    types = _types(paper)
    multi: Said | None = None
    single: Said | None = None
    nations: Said | None = None
    international: Said | None = None
    one_country: Said | None = None
    for i, text, section in _sentences(pc):
        said = _multi_site(text, i, section)
        multi = multi or said
        single = single or _single_site(text, i, section)
        nations = nations or _several_countries(text, i, section)
        found = cues.INTERNATIONAL.search(text)
        if found and not _negated(text, found.start()) and not _about_others(text, found.start()):
            international = international or Said(_span(text, found.start(), found.end()),
                                                  i, section)
        found = cues.ONE_COUNTRY.search(text)
        if found:
            one_country = one_country or Said(found.group(0), i, section)
    regions = _places(paper)
    places = ", ".join(regions)
    where = f"places of data in {places}: {next(iter(regions.values()))}" if regions else ""
    multi_type = next((t for t in types if t in MULTICENTRE_TYPES), None)
    if multi:
        f.multicentre, f.why["multicentre"] = True, multi.why()
    elif multi_type:
        f.multicentre, f.why["multicentre"] = True, f"type: {multi_type}"
    elif nations:
        f.multicentre, f.why["multicentre"] = True, nations.why("several countries")
    elif single:
        f.multicentre, f.why["multicentre"] = False, single.why()
    elif len(regions) >= 2:
        f.multicentre, f.why["multicentre"] = True, where
    if nations:
        f.multinational, f.why["multinational"] = True, nations.why()
    elif international is not None and not (single and not multi):
        f.multinational, f.why["multinational"] = True, international.why()
        if not f.multicentre:
            f.multicentre, f.why["multicentre"] = True, international.why("several countries")
    elif f.multicentre is False:
        f.multinational, f.why["multinational"] = False, "single centre"
    elif f.multicentre and len(regions) >= 2:
        f.multinational, f.why["multinational"] = True, where
    elif f.multicentre and len(regions) == 1:
        region = next(iter(regions))
        if region in WORLD_REGIONS and multi:  # "11 European sites"
            f.multinational, f.why["multinational"] = True, f"sites across {region}: {where}"
        else:
            f.multinational = False
            f.why["multinational"] = f"sites in one country ({region}): {where}"
    elif f.multicentre and one_country:
        f.multinational, f.why["multinational"] = False, one_country.why("one country")


def _places(paper: PaperRecord) -> dict[str, str]:
    """Countries and regions named as places of data, each with the words that name it
    (methods and results; not background, conclusions or hedged sentences)."""
    found: dict[str, str] = {}
    for section, text in place_sentences(paper):
        if section in ("conclusion", "background") or cues.DESIGN_HEDGE.search(text):
            continue
        for region in sorted(regions_of(text)):
            found.setdefault(region, _span(text, 0, 0, 100))
    return found


WORLD_REGIONS = frozenset(REGIONS.values())
"""Regions of several countries: sites across Europe are sites in several countries."""


def _multi_site(text: str, i: int, section: str) -> Said | None:
    for pattern in (cues.MULTI_SITE_WORD, cues.MULTI_SITE_COUNT):
        for m in pattern.finditer(text):
            if _negated(text, m.start()) or _about_others(text, m.start()):
                continue
            if pattern is cues.MULTI_SITE_COUNT and not _several(m.group(1)):
                continue
            if pattern is cues.MULTI_SITE_COUNT and _not_a_site(text, m):
                continue
            return Said(m.group(0), i, section)
    if section in ("conclusion", "background") or HEDGED_PLURAL.search(text):
        return None
    for m in cues.MULTI_SITE_PLURAL.finditer(text):
        if _not_a_site(text, m):
            continue
        if not _negated(text, m.start()) and not _about_others(text, m.start()):
            return Said(m.group(0), i, section)
    return None


def _not_a_site(text: str, m: re.Match[str]) -> bool:
    """"Sites" of anatomy or disease ("lesions at two sites", "multiple anatomical sites"),
    not places of care: a word of ``NOT_A_SITE`` in the match or just before it."""
    return bool(cues.NOT_A_SITE.search(m.group(0))
                or _FINDING_AT.search(text[max(0, m.start() - 30):m.start()]))


_FINDING_AT = re.compile(r"\b(?:lesions?|metasta\w*|tumou?rs?|nodules?|fractures?|injur\w*|"
                         r"biops\w*|involvement|pain|uptake)\s+(?:(?:at|in|on|of)\s+)?$",
                         re.IGNORECASE)


HEDGED_PLURAL = re.compile(r"\b(?:may|might|could|can|should|would)\b", re.IGNORECASE)
"""A plain plural ("across hospitals") in a sentence with a modal verb is a claim about
use, not where the data came from."""


def _several(word: str) -> bool:
    """A quantifier that means two or more (digits: 2 to 999, not a year)."""
    word = word.strip().lower()
    if word.isdigit():
        return 2 <= int(word) < 1000
    return True


def _single_site(text: str, i: int, section: str) -> Said | None:
    m = cues.SINGLE_SITE_WORD.search(text)
    if m and not _negated(text, m.start()):
        return Said(m.group(0), i, section)
    for m in cues.SINGLE_SITE.finditer(text):
        if _negated(text, m.start()):
            continue
        article, modifiers = m.group(1).lower(), m.group(2).split()
        if article in ("a", "an") and not (modifiers and all(
                cues.SITE_ADJECTIVES.match(w) for w in modifiers)):
            continue
        return Said(m.group(0).strip(), i, section)
    m = cues.OUR_SITE.search(text)
    if m:
        return Said(m.group(0), i, section)
    return None


def _several_countries(text: str, i: int, section: str) -> Said | None:
    for pattern in (cues.MULTINATIONAL_WORD, cues.COUNTRY_COUNT):
        for m in pattern.finditer(text):
            if _negated(text, m.start()) or _about_others(text, m.start()):
                continue
            if pattern is cues.COUNTRY_COUNT and not _several(m.group(1)):
                continue
            return Said(m.group(0), i, section)
    return None


def readers(pc: PaperCues, f: StudyFeatures) -> None:
    strong = _first(pc, "L3")
    if strong:
        f.reader_study, f.why["reader_study"] = True, f"cue: {strong}"


def study_features(paper: PaperRecord, pc: PaperCues) -> StudyFeatures:
    """Features from cues; the classifier may fill the ones the cues leave open."""
    f = StudyFeatures(sample_size=pc.sample_size)
    if pc.sample_size is not None:
        f.why["sample_size"] = "largest 'N patients/examinations' count"
    design(paper, pc, f)
    sites(paper, pc, f)
    readers(pc, f)
    return f
