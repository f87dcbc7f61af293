"""Where and how a paper names a product: evaluated, or only cited.

Sentences get a section (from inline labels such as "METHODS:" or, without labels, from
their position) and two cue sets: evaluation ("we evaluated", "sensitivity of", "was
applied to") and citation ("such as", "previous studies", "has been shown"). Paper-level
cues mark reviews and papers that develop their own algorithm, which are not evidence for a
commercial product (docs/domain.md).
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
SECTION_LABEL = re.compile(
    r"(?:^|(?<=[.!?\s]))(BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE|PURPOSE|OBJECTIVES?|AIMS?|"
    r"IMPORTANCE|MATERIALS? AND METHODS|METHODS AND RESULTS|METHODS?|DESIGN|SETTING|PATIENTS|PARTICIPANTS|"
    r"APPROACH|EXPOSURES?|INTERVENTIONS?|MAIN OUTCOMES? AND MEASURES?|MEASUREMENTS|"
    r"RESULTS?|FINDINGS|CONCLUSIONS?|INTERPRETATION|DISCUSSION|SIGNIFICANCE|"
    r"CLINICAL RELEVANCE(?: STATEMENT)?|KEY POINTS|SUMMARY)\s*:", _I)
_SECTION_KIND = {
    "background": "background", "introduction": "background", "context": "background",
    "rationale": "background", "importance": "background", "purpose": "purpose",
    "objective": "purpose", "objectives": "purpose", "aim": "purpose", "aims": "purpose",
    "conclusion": "conclusion", "conclusions": "conclusion", "interpretation": "conclusion",
    "discussion": "conclusion", "significance": "conclusion", "clinical relevance": "conclusion",
    "clinical relevance statement": "conclusion", "key points": "conclusion",
    "summary": "conclusion",
}

EVALUATION = re.compile(
    r"\b(evaluat\w*|assess\w*|validat\w*|compar\w*|test(ed|ing)?|investigat\w*|examin\w*|"
    r"measur\w*|analy[sz]\w*|appl(y|ied|ying)|perform\w*|us(e|ed|ing)|process\w*|detect\w*|"
    r"flag\w*|identif\w*|sensitivit\w*|specificit\w*|accura\w*|AUCs?|AUROC|area under|"
    r"agreement|correlat\w*|concordan\w*|versus|vs|with and without|assist\w*|aided|"
    r"deploy\w*|implement\w*|install\w*|integrat\w*|impact|effect\w*|outperform\w*|"
    r"reader|readers|benchmark\w*|run|ran|classif\w*|scor(e|ed|es|ing)|triag\w*|"
    r"quantif\w*|segment\w*|computed|calculated|estimat\w*|reliab\w*|reproducib\w*|"
    r"prospective\w*|retrospective\w*|cases|patients|examinations|scans|radiographs|"
    r"determin\w*|shorten\w*|reduc\w*|improv\w*|prioriti[sz]\w*|worklist|turnaround)\b", _I)
CITATION = re.compile(
    r"\b(such as|e\.g\.|for example|for instance|like|previous(ly)?|prior (studies|work|"
    r"reports|literature)|has been (shown|reported|described|demonstrated|validated)|"
    r"have been (shown|reported|described|demonstrated|validated|developed|approved|cleared)|"
    r"other (commercial )?(products?|algorithms?|tools?|solutions?)|in contrast to|unlike|"
    r"similar to|earlier (studies|versions?)|literature|review(ed)? of|in the context of|"
    r"(is|was|are|were) cited|"
    r"not (been )?(evaluated|tested|assessed|studied|examined|investigated|included|used|"
    r"deployed|validated|compared))\b", _I)
PURPOSE = re.compile(
    r"\b(we|our|this (study|work|paper|analysis|trial)|here|aim\w*|purpose|objectives?|"
    r"to (evaluate|assess|investigate|compare|determine|validate|examine|test|measure|"
    r"quantify|explore|estimate))\b", _I)
SOFTWARE = re.compile(
    r"\b(software|algorithms?|tools?|systems?|platforms?|applications?|solutions?|CAD\w*|AI|"
    r"artificial intelligence|deep[- ]learning|machine[- ]learning|products?|devices?|"
    r"versions?|packages?|programs?|models?|neural networks?|CNNs?|convolutional)\b", _I)
SCANNER = re.compile(
    r"\b(scanners?|acquired|acquisition|tesla|\d(\.\d)?[- ]?T\b|magnetom|somatom|biograph|"
    r"signa|discovery|optima|ingenia|achieva|aquilion|revolution|selenia|senographe|"
    r"mammomat|unit|units|contrast agent|gadolinium|iodinated|injector)\b", _I)
COMMERCIAL = re.compile(
    r"\b(commercial(ly)?|vendor|FDA|CE[- ]mark\w*|cleared|approved|off[- ]the[- ]shelf|"
    r"proprietary)\b", _I)
REVIEW_TITLE = re.compile(
    r"\b(systematic review|scoping review|narrative review|literature review|umbrella review|"
    r"a review|review of|an overview|overview of|meta-?analys[ie]s|state of the art|"
    r"landscape|white paper|primer|position (statement|paper)|consensus (statement|guidelines?|"
    r"recommendations?|report|document|conference)|guidelines?|reply|in response|letter|"
    r"comment(ary)? on|re:|editorial|perspective|viewpoint)\b", _I)
REVIEW_ABSTRACT = re.compile(
    r"\b(this (article|review|overview|paper) (reviews|summari[sz]es|discusses|describes the "
    r"(current )?(state|landscape|evidence)|provides an overview)|we (review|summari[sz]e|"
    r"discuss|give an overview)|in this (review|overview)|this narrative|we searched "
    r"(pubmed|medline|embase))\b", _I)
REVIEW_TYPES = {"review", "systematic review", "meta-analysis", "editorial", "comment",
                "news", "practice guideline", "guideline", "scoping review", "consensus",
                "letter"}
_AI_THING = (r"(deep[- ]learning|DL|AI|artificial intelligence|CNN|convolutional|neural network|"
             r"machine[- ]learning|algorithm|classifier|detector|segmentation|radiomics?)")
DEVELOPMENT = re.compile(
    r"\b(we (developed|propose|present|designed|trained|built|introduce|devised)\b[^.;]{0,60}"
    + _AI_THING + r"|(novel|new|proposed) " + _AI_THING + r"|our (model|algorithm|method|network|"
    r"framework|system|approach)|in-house " + _AI_THING + r"|" + _AI_THING
    + r" (was|were) (developed|trained)|(model|network|U-?Net|classifier|algorithm)s? (was|were) "
    r"trained|to (build|develop|train) (a|an|one) ([\w-]+ ){0,3}(model|network|algorithm|"
    r"classifier)|training (set|data|cohort)|radiomics? signatures?)", _I)
def sections(text: str) -> list[tuple[int, str]]:
    """``(offset, kind)`` where each labelled section of an abstract starts."""
    out = []
    for match in SECTION_LABEL.finditer(text):
        label = " ".join(match.group(1).lower().split())
        out.append((match.start(1), _SECTION_KIND.get(label, "body")))
    return out


def section_at(marks: list[tuple[int, str]], offset: int, sentence: int, n_sentences: int) -> str:
    """The section of a sentence: from labels, else the last sentence is the conclusion."""
    kind = ""
    for start, label in marks:
        if start <= offset:
            kind = label
    if kind:
        return kind
    if sentence == n_sentences - 1 and n_sentences > 3:
        return "conclusion"
    return "body"


def refine_section(section: str, sentence: str) -> str:
    """A background sentence that states the study's aim ("We compared X with ...") is the
    purpose, whatever its label."""
    if section == "background" and PURPOSE.search(sentence):
        return "purpose"
    return section


ANAPHOR = re.compile(
    r"\b(their|its|these|both|each|this (software|tool|algorithm|system|product|device)|"
    r"the (software|tools?|algorithms?|systems?|products?|devices?))\b", _I)


def clause_around(sentence: str, mention: str) -> str:
    """The clause (between semicolons) that holds the mention."""
    clauses = sentence.split(";")
    for clause in clauses:
        if mention and mention in clause:
            return clause
    return sentence


def is_review(title: str, publication_types: list[str], abstract: str = "") -> bool:
    """A review, guideline, editorial or letter: by type, title, or an abstract that says it
    reviews ("This article summarises...", "We searched PubMed...")."""
    types = {t.strip().lower() for t in publication_types}
    return bool(types & REVIEW_TYPES) or bool(REVIEW_TITLE.search(title)) or bool(
        REVIEW_ABSTRACT.search(abstract))


def is_development(text: str) -> bool:
    """The abstract says the authors built the model. Narrower than the relevance gate's
    ``DEVELOPMENT`` on purpose: here it costs a product's link score, and a vendor's own
    paper ("the software was developed by ...") must keep its link; measured on the
    development sets, the gate's broader pattern loses three true links."""
    return bool(DEVELOPMENT.search(text))


AI_TOPIC = re.compile(
    r"\b(artificial intelligence|deep[- ]learning|machine[- ]learning|neural network\w*|"
    r"computer[- ]aided|CAD[ex]?|AI|algorithm\w*|automat\w*|software|commercial\w*|"
    r"computer\w*|decision support|triage)\b", _I)


def about_ai(title: str, purpose: list[str]) -> bool:
    """Is the paper about software at all (its title or its stated aim says so)?"""
    return bool(AI_TOPIC.search(title)) or any(AI_TOPIC.search(s) for s in purpose)
