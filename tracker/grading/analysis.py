"""Run the cue matchers over a paper once and keep what the rules and the classifier read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tracker.contract import PaperRecord
from tracker.nlp.cues import Cue, build_cue_matcher, match_cues, prepare_text
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
    r"(?<![\d,.] )(?<![\d,.])\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|one|a|single|\d+)"
    r"\s+(?:(?!from\b|in\b|at\b|of\b|and\b|with\b|across\b|by\b|to\b)[A-Za-z][\w-]*\s+){0,2}?"
    r"(centers|centres|center|centre|hospitals|hospital|sites|site|institutions|institution|"
    r"health systems|facilities|practices|clinics|countries|country|nations|states)\b",
    re.IGNORECASE)

COUNTRIES = (
    "United States", "USA", "U.S.", "Canada", "Mexico", "Brazil", "Argentina", "Chile",
    "United Kingdom", "UK", "England", "Scotland", "Wales", "Ireland", "Netherlands",
    "Belgium", "Luxembourg", "France", "Germany", "Austria", "Switzerland", "Italy", "Spain",
    "Portugal", "Denmark", "Norway", "Sweden", "Finland", "Iceland", "Poland", "Czech Republic",
    "Hungary", "Greece", "Turkey", "Israel", "Saudi Arabia", "United Arab Emirates", "Qatar",
    "Iran", "Egypt", "South Africa", "Nigeria", "Kenya", "India", "Pakistan", "Bangladesh",
    "China", "Hong Kong", "Taiwan", "Japan", "Korea", "South Korea", "Singapore", "Malaysia",
    "Thailand", "Vietnam", "Indonesia", "Philippines", "Australia", "New Zealand", "Russia",
    "Croatia", "Slovenia", "Romania", "Estonia", "Lithuania", "Latvia", "Serbia", "Ukraine",
)
_COUNTRY = re.compile(r"(?<![\w.])(" + "|".join(re.escape(c) for c in COUNTRIES) + r")(?![\w])")
_SAME = {"USA": "United States", "U.S.": "United States", "UK": "United Kingdom",
         "England": "United Kingdom", "Scotland": "United Kingdom", "Wales": "United Kingdom",
         "South Korea": "Korea"}


@dataclass
class PaperCues:
    """Everything the matchers found in one paper."""

    cues: list[Cue] = field(default_factory=list)
    sample_size: int | None = None
    site_counts: list[tuple[int, str]] = field(default_factory=list)  # (n, unit)
    countries: set[str] = field(default_factory=set)
    sentences: list[str] = field(default_factory=list)

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
    """Cues of title and abstract (the title is sentence 0), sites, countries, sample size."""
    nlp, matcher = _nlp_and_matcher()
    title_doc = nlp(prepare_text(paper.title))
    abstract_doc = nlp(prepare_text(paper.abstract))
    cues = match_cues(title_doc, matcher, first_sentence=0, section="title")
    cues = [Cue(c.label, c.text, 0, "title", c.hedged) for c in cues]
    cues += match_cues(abstract_doc, matcher, first_sentence=1)
    text = f"{paper.title}. {paper.abstract}"
    sites: list[tuple[int, str]] = []
    for found in SITES.finditer(text):
        word = found.group(1).lower()
        n = _COUNT_WORDS.get(word) if not word.isdigit() else int(word)
        if n:
            sites.append((n, found.group(2).lower()))
    countries = {_SAME.get(c, c) for c in _COUNTRY.findall(text)}
    return PaperCues(cues=cues, sample_size=sample_size(text), site_counts=sites,
                     countries=countries,
                     sentences=[paper.title] + [s.text for s in abstract_doc.sents])
