"""Rule-based level: publication type and title first, then the highest firmly cued level.

Weights: a cue in the title counts 2, in the aim or conclusion 1.5, elsewhere 1; a cue in a
background or hedged sentence ("future studies should assess cost-effectiveness") counts 0.2.
A level is called when its weight reaches its threshold (``THRESHOLDS``); the highest such
level wins, as the efficacy model asks for the highest level a paper demonstrates.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tracker.contract import PaperRecord
from tracker.evidence.vocabulary import LEVELS
from tracker.grading.analysis import PaperCues

NON_PRIMARY_TYPES = {
    "review", "systematic review", "meta-analysis", "editorial", "comment", "news",
    "practice guideline", "guideline", "consensus development conference",
    "consensus development conference, nih", "published erratum", "retraction notice",
    "biography", "historical article", "interview", "lecture", "scoping review",
    "network meta-analysis", "introductory journal article", "newspaper article",
}
"""PubMed publication types of papers that are not primary evaluations."""

NON_PRIMARY_TITLE = re.compile(
    r"\b((?<!retrospective )(?<!chart )(?<!record )(?<!peer )(?<!radiologist )(?<!radiologists' )"
    r"(?<!to )(?<!for )(?<!second )(?<!double )(?<!human )review(?! time)(?! workload)"
    r"|meta-?analys[ie]s|overview|editorial|commentary|perspectives?|viewpoint|"
    r"guidelines?|recommendations?|consensus (?:statement|guidelines?|recommendations?|report|document)|"
    r"white paper|position (?:paper|statement)|"
    r"(?<!skeletal )(?<!bone )survey|questionnaire|state of the art|primer|pictorial essay|what (?:radiologists|"
    r"you) (?:need|should) to know|lessons learned|opinion|a call to|reply|erratum|"
    r"correction to|letter to the editor|^\s*(?:re:|in )?response to|^\s*re(?=:))\b",
    re.IGNORECASE)

WEIGHT = {"title": 2.0, "aim": 1.5, "conclusion": 1.5}
THRESHOLDS = {"L6": 1.0, "L5": 2.0, "L4": 2.0, "L3": 1.0, "L2": 1.0, "L1c": 1.0, "L1t": 1.0}


@dataclass
class RuleCall:
    """What the rules say about a paper, with the cues that decided it."""

    level: str | None
    reason: str
    cues: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    non_primary_type: bool = False
    non_primary_title: bool = False


def cue_weight(section: str, hedged: bool) -> float:
    if hedged or section == "background":
        return 0.2
    return WEIGHT.get(section, 1.0)


def level_scores(pc: PaperCues) -> dict[str, float]:
    """Weighted cue count per label (levels and the other cue labels)."""
    scores: dict[str, float] = {}
    for cue in pc.cues:
        scores[cue.label] = scores.get(cue.label, 0.0) + cue_weight(cue.section, cue.hedged)
    return scores


def non_primary_type(paper: PaperRecord) -> str | None:
    for value in (*paper.publication_types, *paper.mesh):
        if value.strip().lower() in NON_PRIMARY_TYPES:
            return value
    return None


def _title_has(pc: PaperCues, label: str) -> bool:
    return any(c.label == label and c.section == "title" for c in pc.cues)


def rule_level(paper: PaperRecord, pc: PaperCues) -> RuleCall:
    """The rules' call: ``None`` for a non-primary paper, else the highest cued level."""
    scores = level_scores(pc)
    ptype = non_primary_type(paper)
    title_hit = NON_PRIMARY_TITLE.search(paper.title)
    if ptype:
        return RuleCall(None, f"publication type {ptype}", [f"publication type: {ptype}"],
                        scores, non_primary_type=True, non_primary_title=bool(title_hit))
    if title_hit:
        return RuleCall(None, f"title says {title_hit.group(0)!r}",
                        [f"title: {title_hit.group(0)}"], scores, non_primary_title=True)
    review = scores.get("REVIEW", 0.0)
    if review >= 2.0 and review > scores.get("L2", 0.0):
        return RuleCall(None, "review cues", _texts(pc, "REVIEW"), scores)
    if pc.labelled("NONCOMMERCIAL"):
        return RuleCall(None, "in-house or research algorithm, not a product",
                        _texts(pc, "NONCOMMERCIAL"), scores)
    if scores.get("DEVELOPMENT", 0.0) >= 3.0 and not scores.get("COMMERCIAL"):
        return RuleCall(None, "develops a new algorithm", _texts(pc, "DEVELOPMENT"), scores)
    return highest_level(pc, scores)


def highest_level(pc: PaperCues, scores: dict[str, float]) -> RuleCall:
    """The highest level whose weighted cues pass its threshold (``THRESHOLDS``)."""
    def hit(label: str) -> bool:
        return scores.get(label, 0.0) >= THRESHOLDS[label]

    if hit("L6"):
        return RuleCall("6", "cues of level 6", _texts(pc, "L6"), scores)
    if hit("L5") and scores.get("PROGNOSTIC", 0.0) < scores.get("L5", 0.0):
        return RuleCall("5", "cues of level 5", _texts(pc, "L5"), scores)
    if hit("L4") and not _title_has(pc, "L3"):
        return RuleCall("4", "cues of level 4", _texts(pc, "L4"), scores)
    if hit("L3"):
        return RuleCall("3", "cues of level 3", _texts(pc, "L3"), scores)
    if _title_has(pc, "L1t"):
        return RuleCall("1t", "cues of level 1t in the title", _texts(pc, "L1t"), scores)
    if _title_has(pc, "L2") or (hit("L2") and scores.get("L2", 0.0) >= scores.get("L1c", 0.0)
                                + scores.get("PROGNOSTIC", 0.0)):
        return RuleCall("2", "cues of level 2", _texts(pc, "L2"), scores)
    if hit("L1c") or scores.get("PROGNOSTIC", 0.0) >= 2.0:
        return RuleCall("1c", "cues of level 1c", _texts(pc, "L1c") or _texts(pc, "PROGNOSTIC"),
                        scores)
    if hit("L1t"):
        return RuleCall("1t", "cues of level 1t", _texts(pc, "L1t"), scores)
    if hit("L2"):
        return RuleCall("2", "cues of level 2", _texts(pc, "L2"), scores)
    return RuleCall("2", "no level cue: diagnostic accuracy is the usual evaluation", [],
                    scores)


def level_cues(pc: PaperCues, level: str | None) -> list[str]:
    """The cues behind a level (review and development cues for ``None``)."""
    if level is None:
        return (_texts(pc, "REVIEW") + _texts(pc, "DEVELOPMENT"))[:6]
    return _texts(pc, f"L{level}")


def _texts(pc: PaperCues, label: str) -> list[str]:
    firm = [c.text for c in pc.labelled(label, firm=True)] or [c.text for c in
                                                                 pc.labelled(label)]
    return list(dict.fromkeys(t.lower() for t in firm))[:6]


SCORED = ("L1t", "L1c", "L2", "L3", "L4", "L5", "L6", "REVIEW", "DEVELOPMENT",
          "NONCOMMERCIAL", "COMMERCIAL", "READERS", "RECALL", "PROGNOSTIC", "AGREEMENT",
          "RCT", "PROSPECTIVE")
TITLED = ("L1t", "L1c", "L2", "L3", "L4", "L5", "L6", "REVIEW", "DEVELOPMENT", "PROGNOSTIC")

RULE_FEATURES: tuple[str, ...] = (
    *(f"score_{lab}" for lab in SCORED), *(f"title_{lab}" for lab in TITLED),
    "non_primary_type", "non_primary_title", "no_abstract", "letter", "vendor_named",
    *(f"rule_{lev}" for lev in ("none", *LEVELS)),
)
"""Names of the rule features handed to the classifier, in order."""


def rule_features(paper: PaperRecord, call: RuleCall, pc: PaperCues) -> list[float]:
    """The rule features (``RULE_FEATURES``) of one paper: log-scaled scores and flags."""
    from tracker.grading.vendor import KNOWN_VENDORS, mentions

    s = call.scores
    values = [math.log1p(s.get(lab, 0.0)) for lab in SCORED]
    values += [float(_title_has(pc, lab)) for lab in TITLED]
    types = {t.lower() for t in paper.publication_types}
    values += [float(call.non_primary_type), float(call.non_primary_title),
               float(not paper.abstract.strip()), float("letter" in types),
               float(mentions(paper.text, KNOWN_VENDORS) is not None)]
    values += [float((call.level or "none") == name) for name in ("none", *LEVELS)]
    return values


def hard_none(row: list[float]) -> bool:
    """True when a feature row says review/editorial/guideline by type or title: such a paper
    is not evidence whatever the classifier would say (rows of ``rule_features``)."""
    return bool(row[RULE_FEATURES.index("non_primary_type")]
                or row[RULE_FEATURES.index("non_primary_title")])
