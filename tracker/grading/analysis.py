"""Run the cue matchers over a paper once and keep what the rules and the classifier read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tracker.contract import PaperRecord, analysed
from tracker.nlp.cues import Cue, build_cue_matcher, match_cues, prepare_text, sentence_kinds
from tracker.nlp.pipeline import build_nlp

_NUMBER = r"(\d{1,3}(?:[,\u00a0\u202f ]\d{3})+|\d+)"
_UNITS = (r"patients|outpatients|inpatients|examinations|exams|radiographs|mammograms|"
          r"mammographies|women|men|participants|subjects|individuals|cases|scans|children|"
          r"adults|persons|people|studies|cts|mris|angiograms|datasets|screenings|x-rays|"
          r"volunteers|infants|neonates|pregnancies|tomosynthesis examinations")
SAMPLE = re.compile(
    _NUMBER + r"\s+(?:[A-Za-z][\w-]*\s+){0,3}?(" + _UNITS + r")\b", re.IGNORECASE)
"""A count followed (within three words) by a unit of people or examinations."""

_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
                "one": 1, "a": 1, "single": 1}
SITES = re.compile(
    r"(?<!\d[,.] )(?<![\d,.])\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|one|a|single|\d+)"
    r"\s+(?:(?!from\b|in\b|at\b|of\b|and\b|with\b|across\b|by\b|to\b)[A-Za-z][\w-]*\s+){0,2}?"
    r"(centers|centres|center|centre|hospitals|hospital|sites|site|institutions|institution|"
    r"health systems|facilities|practices|clinics|countries|country|nations|states)\b",
    re.IGNORECASE)

COUNTRIES = (
    "United States", "USA", "U.S.A.", "U.S.", "US", "Canada", "Mexico", "Brazil", "Argentina",
    "Chile", "Colombia", "Peru", "Uruguay", "Cuba", "United Kingdom", "U.K.", "UK", "England",
    "Scotland", "Wales", "Northern Ireland", "Ireland", "Netherlands", "Belgium", "Luxembourg",
    "France", "Germany", "Austria", "Switzerland", "Italy", "Spain", "Portugal", "Denmark",
    "Norway", "Sweden", "Finland", "Iceland", "Poland", "Czech Republic", "Czechia",
    "Slovakia", "Hungary", "Greece", "Cyprus", "Malta", "Bulgaria", "Turkey", "Israel",
    "Lebanon", "Jordan", "Saudi Arabia", "United Arab Emirates", "UAE", "Qatar", "Kuwait",
    "Oman", "Bahrain", "Iraq", "Iran", "Egypt", "Morocco", "Tunisia", "Algeria", "South Africa",
    "Nigeria", "Ghana", "Kenya", "Ethiopia", "Uganda", "Tanzania", "Rwanda", "Zambia",
    "Malawi", "Zimbabwe", "Mozambique", "Cameroon", "India", "Pakistan", "Bangladesh",
    "Sri Lanka", "Nepal", "China", "Hong Kong", "Taiwan", "Japan", "Korea", "South Korea",
    "Republic of Korea", "Singapore", "Malaysia", "Thailand", "Vietnam", "Viet Nam",
    "Indonesia", "Philippines", "Cambodia", "Myanmar", "Mongolia", "Kazakhstan",
    "Australia", "New Zealand", "Russia", "Belarus", "Croatia", "Slovenia", "Serbia",
    "Romania", "Estonia", "Lithuania", "Latvia", "Ukraine",
)
_COUNTRY = re.compile(r"(?<![\w.])(" + "|".join(re.escape(c) for c in COUNTRIES) + r")(?![\w$])")
_SAME = {"USA": "United States", "U.S.": "United States", "U.S.A.": "United States",
         "US": "United States", "UK": "United Kingdom", "U.K.": "United Kingdom",
         "England": "United Kingdom", "Scotland": "United Kingdom", "Wales": "United Kingdom",
         "Northern Ireland": "United Kingdom", "South Korea": "Korea",
         "Republic of Korea": "Korea", "UAE": "United Arab Emirates", "Czechia": "Czech Republic",
         "Viet Nam": "Vietnam"}
DEMONYMS = {
    "American": "United States", "US": "United States", "U.S.": "United States",
    "British": "United Kingdom", "UK": "United Kingdom", "Scottish": "United Kingdom",
    "Welsh": "United Kingdom", "Irish": "Ireland", "French": "France", "German": "Germany",
    "Dutch": "Netherlands", "Belgian": "Belgium", "Swiss": "Switzerland",
    "Austrian": "Austria", "Italian": "Italy", "Spanish": "Spain", "Catalan": "Spain",
    "Portuguese": "Portugal", "Danish": "Denmark", "Norwegian": "Norway", "Swedish": "Sweden",
    "Finnish": "Finland", "Icelandic": "Iceland", "Polish": "Poland", "Czech": "Czech Republic",
    "Hungarian": "Hungary", "Greek": "Greece", "Turkish": "Turkey", "Israeli": "Israel",
    "Saudi": "Saudi Arabia", "Iranian": "Iran", "Egyptian": "Egypt", "Nigerian": "Nigeria",
    "Kenyan": "Kenya", "Indian": "India", "Pakistani": "Pakistan", "Chinese": "China",
    "Japanese": "Japan", "Korean": "Korea", "Taiwanese": "Taiwan", "Singaporean": "Singapore",
    "Malaysian": "Malaysia", "Thai": "Thailand", "Vietnamese": "Vietnam",
    "Indonesian": "Indonesia", "Australian": "Australia", "Canadian": "Canada",
    "Mexican": "Mexico", "Brazilian": "Brazil", "Russian": "Russia",
    "European": "Europe", "Asian": "Asia", "African": "Africa",
    "North American": "North America", "South American": "South America",
    "Latin American": "Latin America", "Scandinavian": "Scandinavia", "Nordic": "Scandinavia",
    "Middle Eastern": "Middle East",
}
"""Adjectives of countries and regions; they name a place of data only before a noun of
sites or data ("several US sites", "European and Asian sites", "Korean hospitals")."""
REGIONS = {"Europe": "Europe", "Asia": "Asia", "Africa": "Africa",
           "North America": "North America", "South America": "South America",
           "Latin America": "Latin America", "Scandinavia": "Scandinavia",
           "Middle East": "Middle East", "Oceania": "Oceania"}
_DEMONYM = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(d) for d in sorted(DEMONYMS, key=len, reverse=True))
    + r")(?=(?:\s+(?:and|or|[\w'-]+),?){0,3}?\s+(?:hospitals?|cent(?:er|re)s?|sites?|"
    r"institutions?|clinics?|practices|cohorts?|datasets?|data|studies|trials?|patients|women|"
    r"men|children|adults|participants|populations?|screening|programmes?|programs?|"
    r"registr(?:y|ies)|cases|examinations|radiographs|mammograms|scans|images|health systems|"
    r"universities|units)\b)")
_REGION = re.compile(r"(?<![\w.])(" + "|".join(re.escape(r) for r in REGIONS) + r")(?![\w])")
_COMPANY_PAREN = re.compile(r"\([^()]*(?:,|\b(?:Inc|Ltd|GmbH|B\.?V|AG|LLC|Corp|Co)\b)[^()]*\)")
"""A parenthesis that gives a company's or product's address ("(Lunit, Seoul, South
Korea)"); its country is not where the data came from."""
DATA_CONTEXT = re.compile(
    r"\b(?:patients|women|men|children|adults|participants|subjects|individuals|data|"
    r"datasets?|images|examinations|exams|scans|radiographs|mammograms|studies|cohorts?|"
    r"sites|cent(?:er|re)s|hospitals|institutions|clinics|practices|screening|programmes?|"
    r"programs?|registr(?:y|ies)|trials?|populations?|cases|collected|enrolled|recruited|"
    r"included|acquired|obtained|pooled|sourced|contributed|validated|tested)\b", re.I)
NOT_DATA_CONTEXT = re.compile(
    r"\b(?:FDA|CE|cleared|clearance|approved|approval|marketed|commercially|manufacturer|"
    r"vendor|company|headquartered|developed (?:by|in)|manufactured|based in|guidelines?|"
    r"reimburse\w*|investigators)\b")


def regions_of(sentence: str) -> set[str]:
    """Countries and world regions a sentence names as places of data: country names (not
    in a company's address in parentheses), and adjectives before a noun of sites or data
    ("several US sites", "European and Asian sites"); nothing from a sentence about
    clearance, marketing or a company."""
    if NOT_DATA_CONTEXT.search(sentence) or not DATA_CONTEXT.search(sentence):
        return set()
    text = _COMPANY_PAREN.sub(" ", sentence)
    found = {_SAME.get(c, c) for c in _COUNTRY.findall(text)}
    text = _COUNTRY.sub(" ", text)  # "South Africa" is not also "Africa"
    found |= {DEMONYMS[d] for d in _DEMONYM.findall(text)}
    found |= {REGIONS[r] for r in _REGION.findall(text)}
    return found


def place_sentences(paper: PaperRecord) -> list[tuple[str, str]]:
    """``(section, sentence)`` of the title and the abstract cut at full stops followed by a
    capital, after company addresses in parentheses are dropped (so "CINA (Avicenna.AI, La
    Ciotat, France)" neither splits a sentence nor names a place of data)."""
    abstract = _COMPANY_PAREN.sub(" ", analysed(paper.abstract or ""))
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+(?=[A-Z(])|;", abstract) if p.strip()]
    kinds, _ = sentence_kinds(parts)
    return [("title", analysed(paper.title))] + list(zip(kinds, parts, strict=True))


@dataclass
class PaperCues:
    """Everything the matchers found in one paper."""

    cues: list[Cue] = field(default_factory=list)
    sample_size: int | None = None
    site_counts: list[tuple[int, str]] = field(default_factory=list)  # (n, unit)
    countries: set[str] = field(default_factory=set)
    sentences: list[str] = field(default_factory=list)
    """The title (sentence 0) and the abstract's sentences, as the cues number them."""
    sections: list[str] = field(default_factory=list)
    """The section of each sentence (``title`` for sentence 0; see ``Cue.section``)."""
    hedged: list[bool] = field(default_factory=list)
    """Whether each sentence is hedged (``tracker.nlp.cues.HEDGE``)."""

    def labelled(self, label: str, *, firm: bool = False) -> list[Cue]:
        """Cues with this label; ``firm`` keeps those outside background and hedged sentences."""
        return [c for c in self.cues if c.label == label
                and (not firm or (not c.hedged and c.section != "background"))]


@lru_cache(maxsize=1)
def _nlp_and_matcher() -> tuple[Any, Any]:
    nlp = build_nlp()
    return nlp, build_cue_matcher(nlp)


def _to_int(text: str) -> int | None:
    digits = re.sub(r"[,\u00a0\u202f ]", "", text)
    return int(digits) if digits.isdigit() else None


def sample_size(text: str) -> int | None:
    """The largest "N patients/examinations/..." count in the text (not a year, not a %)."""
    best: int | None = None
    for found in SAMPLE.finditer(text):
        start = found.start(1)
        if start and text[start - 1] in ".%-/":
            continue
        if re.search(r"\bper\s*$", text[max(0, start - 5):start], re.IGNORECASE):
            continue
        value = _to_int(found.group(1))
        if value is None or value == 0:
            continue
        if 1900 <= value <= 2100 and "," not in found.group(1) and " " not in found.group(1):
            continue  # a year such as "2019 patients" is far likelier a date than a count
        best = value if best is None else max(best, value)
    return best


def analyse(paper: PaperRecord) -> PaperCues:
    """Cues of title and abstract (the title is sentence 0), sites, countries, sample size;
    of each text its first ``ANALYSED_CHARS`` characters (``tracker.contract``)."""
    nlp, matcher = _nlp_and_matcher()
    title, abstract = analysed(paper.title), analysed(paper.abstract)
    title_doc = nlp(prepare_text(title))
    abstract_doc = nlp(prepare_text(abstract))
    cues = match_cues(title_doc, matcher, first_sentence=0, section="title")
    cues = [Cue(c.label, c.text, 0, "title", c.hedged) for c in cues]
    cues += match_cues(abstract_doc, matcher, first_sentence=1)
    text = f"{title}. {abstract}"
    sites: list[tuple[int, str]] = []
    for found in SITES.finditer(text):
        word = found.group(1).lower()
        n = _COUNT_WORDS.get(word) if not word.isdigit() else int(word)
        if n:
            sites.append((n, found.group(2).lower()))
    countries = {_SAME.get(c, c) for c in _COUNTRY.findall(text)}
    abstract_sentences = [s.text for s in abstract_doc.sents]
    kinds, hedged = sentence_kinds(abstract_sentences)
    title_hedged = sentence_kinds([title], "title")[1]
    return PaperCues(cues=cues, sample_size=sample_size(text), site_counts=sites,
                     countries=countries, sentences=[title] + abstract_sentences,
                     sections=["title"] + kinds, hedged=title_hedged + hedged)
