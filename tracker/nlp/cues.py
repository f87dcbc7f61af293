"""Cue matchers for study design and efficacy level (spaCy ``Matcher`` on a blank pipeline).

Each cue list below is written in a small phrase syntax: tokens separated by spaces, matched
case-insensitively; a token written ``/regex/`` matches the whole lower-cased token; an
optional hyphen or slash is allowed between tokens, so ``cost effectiveness`` also finds
"cost-effectiveness". Labels:

- ``L1t`` .. ``L6``: cues of the efficacy levels of docs/domain.md (van Leeuwen et al. 2021);
- ``REVIEW``, ``DEVELOPMENT``, ``COMMERCIAL``: is the paper a primary evaluation of a product?
- ``PROSPECTIVE``, ``PROSPECTIVE_DATA``, ``RETROSPECTIVE``, ``MULTICENTRE``,
  ``SINGLECENTRE``, ``MULTINATIONAL``, ``READER``, ``RCT``: study features.

A match is reported with its sentence, the abstract section it sits in and whether that
sentence is hedged ("further studies are needed to assess cost-effectiveness").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LEVEL_LABELS = ("L1t", "L1c", "L2", "L3", "L4", "L5", "L6")

CUES: dict[str, tuple[str, ...]] = {
    "L6": (
        "cost /effective(ness)?/", "cost /utility/", "/qalys?/", "/icers?/", "incremental cost",
        "budget impact", "/cost|costs/ /savings?/", "/cost|costs/ /saved|saving/",
        "/economic|economical/", "health /economics?/", "/markov/ model",
        "return on investment", "cost per", "/costs?/ per", "willingness to pay",
        "cost /analysis|analyses|reduction|minimi[sz]ation|benefit|consequences?/",
        "/net/ monetary benefit", "/cost-effective(ness)?/", "decision analytic model",
        "/societal/ perspective", "/costs/", "resource use", "/reimbursement/",
    ),
    "L5": (
        "/mortality/", "/morbidity/", "quality of life", "length of stay",
        "length of hospital stay", "hospital stay", "/functional/ /outcomes?|independence/",
        "/modified/ rankin", "/mrs/ /scores?|0-2|≤2/", "/patient|clinical/ /outcomes?/",
        "/survival/", "/death|deaths/", "/complications?/", "/readmissions?/",
        "/discharged?/ home", "/disability/", "major adverse /cardiac|cardiovascular/ /events?/",
        "/mace/", "interval /cancers?|cancer/ /rates?/", "/interval-cancer/",
        "adverse /events?|outcomes?/", "/myocardial/ /infarction/",
    ),
    "L4": (
        "time to /treatment|thrombectomy|intervention|transfer|reperfusion|notification|surgery|groin|needle/",
        "door to /needle|groin|puncture|treatment|reperfusion/", "/door-to-needle|door-to-groin/",
        "/treatment|management|therapeutic|clinical/ /decisions?|decision-making|recommendations?/",
        "/changes?|changed/ in /management|treatment|therapy/", "patient management",
        "/management/ /changes?|changed/", "/referrals?|referred/",
        "follow up /imaging|examinations?|scans?|recommendations?/", "/transfer/ /times?/",
        "/turnaround/ /times?/", "/treatment/ /times?|delays?/", "unnecessary /biops(y|ies)/",
        "/biops(y|ies)/ /rates?/", "/additional|downstream/ /imaging|testing/",
        "time to /diagnosis|report|reporting/", "/workload|workloads/",
        "/reading|screen-reading/ /workload/", "/implementation|implemented/",
        "/decision-making/", "/revasculari[sz]ation/", "/downstream/",
        "/notification|alert|alerting/ /times?/", "/arrival-to-.+|door-in-door-out/",
        "arrival to", "/delays?/ in /diagnosis|treatment|transfer|care/",
    ),
    "L3": (
        "/readers?|reader-study/ study", "/mrmc/", "multi reader", "/multi-?reader/",
        "multi reader multi case", "with and without /ai|cad|assistance|software|algorithm|support|the|aid/",
        "/with|without/ /ai|cad|dl/ /assistance|support|aid/",
        "/assisted|aided|unaided|unassisted/ /reading|reads?|interpretation|readers?/",
        "/unaided|unassisted/", "/readers?|reader's|readers'/ /performance|accuracy/",
        "/improv(e|ed|es|ing)/ /radiologists?|readers?|physicians?|radiologists'|readers'/",
        "/physicians?|physician's|radiologists'/ /performance/",
        "diagnostic confidence", "/reading|reporting|interpretation/ /times?/",
        "/concurrent/ /use|reader|read|reading|ai/", "/changed?/ /their/ /diagnos[ie]s/",
        "/observers?/ study",
    ),
    # weak cues, not a level by themselves
    "READERS": ("/readers?|radiologists?/",),
    "RECALL": ("/recall|recalls|recalled/", "/recall/ /rates?/", "/triage|triaged|triaging/",
               "second /reader|read|reading/", "/independent/ /reader/",
               "/single|double/ /reading|read/"),
    "PROGNOSTIC": ("/predict|predicts|predicted|predicting|prediction|predictive/",
                   "/prognostic|prognosis/", "hazard /ratios?/", "odds /ratios?/",
                   "/risk/ /prediction|stratification|factor|model/", "/associated|association/ with",
                   "/future/ /events?|cancers?/"),
    "AGREEMENT": ("bland altman", "/bland-altman/", "intraclass correlation", "/icc|iccs/",
                  "limits of agreement", "/kappa/", "/agreement/"),
    "L2": (
        "/sensitivity|sensitivities/", "/specificity|specificities/",
        "/auc|aucs|auroc|auc-roc|aucroc|roc|auroc|c-statistic/",
        "area under the", "/positive|negative/ predictive /values?/", "/ppv|npv/",
        "/accuracy/", "/dice/", "detection rate", "false /positives?|negatives?/",
        "/standalone|stand-alone/", "stand alone", "/f1/ score", "true /positives?/",
        "diagnostic /performance|accuracy/", "/hausdorff/", "surface distance",
        "/detection/ /performance/",
    ),
    "L1c": (
        "/correlat(ed|ion|ions|es|e)/", "manual /measurements?|segmentations?|volumetry|annotations?|tracing|method|analysis/",
        "/volumetry/", "/pearson|spearman/", "concordance correlation", "/biomarkers?/",
        "/histopatholog(y|ic|ical)|histolog(y|ic|ical)/", "/prognostic/",
        "/associated|association/ with /risk|outcomes?|events?/", "/risk/ /prediction/",
        "reference /method|standard method/",
    ),
    "L1t": (
        "/reproducibility|reproducible/", "/repeatability|repeatable/", "test retest",
        "scan rescan", "/inter-?scanner|inter-?vendor|intervendor|cross-?vendor|multivendor/",
        "software /versions?/", "/failure|error|success/ /rates?/", "/reliability|reliable/",
        "/processing|computation|computational|analysis|run|running/ /times?/",
        "/technical/ /success|failure|feasibility/", "/coefficient/ of /variation/",
        "/image/ /quality/", "/snr|cnr/", "signal to noise", "contrast to noise",
        "/noise/ /levels?|reduction/", "/artifacts?|artefacts?/", "/robustness/",
        "/scanners?/ /variability|dependence/", "/different/ /vendors|systems|scanners|software|equipment/",
        "/between/ /views|systems|scanners|vendors|versions/", "/versions/",
        "software /version/", "reconstruction /settings|kernels?|parameters|algorithms?/",
        "slice /thickness/", "acquisition /parameters|protocols?|settings/",
        "/accelerated/", "field /strengths?/", "/precision/",
    ),
    "REVIEW": (
        "this review", "we review", "we reviewed the literature", "literature /search|review/",
        "/pubmed|medline|embase|scopus|cochrane/", "/prisma/", "/meta-analysis|meta-analyses/",
        "meta /analysis|analyses/", "/systematic|narrative|scoping|comprehensive/ review",
        "in this /article|review|paper/ we /describe|discuss|summari[sz]e|review|provide/",
        "we /discuss|summari[sz]e/", "/survey|questionnaire/", "/editorial/",
        "/commentary/", "/guidelines?/", "white paper", "/overview/", "state of the art",
        "/pooled/", "this /article|paper/ /presents|discusses|describes|reviews|proposes/",
        "/conceptual/", "the authors /argue|discuss|emphasi[sz]e|propose|caution|call|describe/",
        "/studies/ were included", "/included/ /studies/",
    ),
    "DEVELOPMENT": (
        "we /developed|propose|proposed|present|trained|designed|introduce/",
        "to develop", "/was|were/ /developed|trained/", "/novel/",
        "/new/ /deep-learning|deep|ai|machine-learning|algorithm|model|system|network|method|u-net|convolutional/",
        "/training|train/ /set|dataset|data|cohort/", "/convolutional/ neural",
        "/proposed/ /method|model|approach|algorithm|network|framework/", "/ablation/",
        "/u-net|unet|resnet|densenet|3d u-net/", "held out", "/held-out/",
        "grand challenge", "/challenge/", "/hybrid/ model",
    ),
    "NONCOMMERCIAL": (
        "/in-house/", "in house", "/not|never/ a commercial", "not /commercially/ available",
        "not a /commercial/ product", "research /prototype|algorithm/", "/open-source/",
        "open source", "/developed/ in /academia/", "code and trained models",
        "/publicly/ /released|available/ code",
    ),
    "COMMERCIAL": (
        "commercially available", "/commercial|commercially|commercialised|commercialized/",
        "/fda/ /cleared|approved/", "/fda-cleared|fda-approved|ce-marked|ce-certified/",
        "/ce/ /marked|mark|certified/", "/®|™/", "/vendors?/", "/off-the-shelf/",
        "off the shelf", "/510\\(k\\)|510k/", "/proprietary/", "/version/ /v?\\d.*/",
        "/v\\d+(\\.\\d+)+/", "/manufacturer|manufacturers/", "/software/ /package|product/",
    ),
    "PROSPECTIVE": ("/prospective|prospectively/",),
    "PROSPECTIVE_DATA": (
        "/prospectively/ /collected|maintained|acquired|gathered|recorded/",
        "prospective /database|registry|data/",
    ),
    "RETROSPECTIVE": ("/retrospective|retrospectively/",),
    "MULTICENTRE": (
        "/multi-?cent(er|re|ric)|multi-?institution(al)?|multi-?sites?|multi-?hospitals?/",
        "multi /cent(er|re|ric)|institution(al)?|sites?|hospitals?/",
        "/several|multiple|various|different/ /hospitals|centers|centres|sites|institutions/",
        "/nationwide|population-based|multi-national|multinational|international/",
    ),
    "SINGLECENTRE": (
        "/single-?cent(er|re)|single-?institution(al)?|single-?sites?|single-?hospital|mono-?cent(er|re|ric)/",
        "single /cent(er|re)|institution(al)?|site|hospital/",
        "one /hospital|center|centre|institution/",
        "our /institution|hospital|center|centre/",
        "a single /academic|tertiary|university/",
    ),
    "MULTINATIONAL": (
        "/multinational|multi-national|transnational|intercontinental/",
        "/international/ /multi-?cent(er|re)|study|cohort|collaboration|datasets?|sites?|centers?|centres?|multicenter|registry|,/",
        "an international",
    ),
    "RCT": (
        "/randomi[sz]ed/ /controlled|clinical|trial|pragmatic|,/", "/randomly/ /assigned|allocated/",
        "/randomi[sz]ation/", "/cluster-randomi[sz]ed/", "/were|was|be/ /randomi[sz]ed/",
        "/randomi[sz]ed/ to", "controlled trial",
    ),
}

HEDGE = re.compile(
    r"\b(future|further (?:research|studies|study|work|evaluation|investigation)|"
    r"(?:are|is|remain|remains) (?:needed|warranted|required|unknown|unclear|to be)|"
    r"warrant(?:s|ed)?|should (?:be|focus|assess|evaluate|investigate)|have not been|"
    r"has not been|yet to be|lack of|is lacking|are lacking|no (?:studies|data|evidence)|"
    r"may|might|could potentially|potential(?:ly)?|support(?:s|ing)? (?:prospective|further)|"
    r"(?:is|was|remains) (?:limited|scarce|lacking)|limited evidence)\b",
    re.IGNORECASE,
)

SECTION = re.compile(
    r"^\s*(background|introduction|context|rationale|purpose|objectives?|aims?|"
    r"materials? and methods|methods?|design|setting|patients?|participants?|"
    r"interventions?|measurements?|main outcome measures?|results?|findings|"
    r"conclusions?|interpretation|discussion|significance|importance|"
    r"clinical relevance(?: statement)?|key points?|summary|trial registration|funding)"
    r"\s*(?:and [a-z ]+)?\s*[:.]",
    re.IGNORECASE,
)

SECTION_KIND = {
    "background": "background", "introduction": "background", "context": "background",
    "rationale": "background", "importance": "background", "significance": "conclusion",
    "purpose": "aim", "objective": "aim", "objectives": "aim", "aim": "aim", "aims": "aim",
    "results": "results", "result": "results", "findings": "results",
    "conclusion": "conclusion", "conclusions": "conclusion", "interpretation": "conclusion",
    "discussion": "conclusion", "clinical relevance": "conclusion", "key point": "conclusion",
    "key points": "conclusion", "summary": "conclusion",
    "clinical relevance statement": "conclusion", "funding": "funding",
    "trial registration": "other",
}


@dataclass(frozen=True)
class Cue:
    """One matched cue in a paper's title or abstract."""

    label: str
    text: str
    sentence: int  # 0 is the title
    section: str  # title | background | aim | methods | results | conclusion | unknown
    hedged: bool


def _token_pattern(phrase: str) -> list[dict[str, Any]]:
    pattern: list[dict[str, Any]] = []
    for i, word in enumerate(phrase.split(" ")):
        if i:
            pattern.append({"ORTH": {"IN": ["-", "/", "–"]}, "OP": "?"})
        if len(word) > 2 and word.startswith("/") and word.endswith("/"):
            pattern.append({"LOWER": {"REGEX": f"^(?:{word[1:-1]})$"}})
        else:
            pattern.append({"LOWER": word})
    return pattern


def build_cue_matcher(nlp: Any) -> Any:
    """A spaCy ``Matcher`` holding every cue list of this module."""
    from spacy.matcher import Matcher

    matcher = Matcher(nlp.vocab)
    for label, phrases in CUES.items():
        matcher.add(label, [_token_pattern(p) for p in phrases])
    return matcher


def _section_of(text: str, current: str) -> str:
    found = SECTION.match(text)
    if not found:
        return current
    name = found.group(1).lower()
    return SECTION_KIND.get(name, "methods")


def prepare_text(text: str) -> str:
    """Spaces around ``=``, ``<`` and ``>`` so "AUC=0.93" yields the token "AUC"."""
    return re.sub(r"\s*([=<>≥≤])\s*", r" \1 ", text or "")


def sentence_kinds(texts: list[str], section: str = "unknown") -> tuple[list[str], list[bool]]:
    """The abstract section of each sentence (a heading carries on to the next one) and
    whether it is hedged (``HEDGE``)."""
    kinds: list[str] = []
    hedged: list[bool] = []
    current = section
    for text in texts:
        current = _section_of(text, current)
        kinds.append(current)
        hedged.append(bool(HEDGE.search(text)))
    return kinds, hedged


def match_cues(doc: Any, matcher: Any, *, first_sentence: int = 1,
               section: str = "unknown") -> list[Cue]:
    """Cues in one processed text; sentence numbers start at ``first_sentence``."""
    sentences = list(doc.sents)
    kinds, hedged = sentence_kinds([sent.text for sent in sentences], section)
    cues: list[Cue] = []
    seen: set[tuple[str, int, int]] = set()
    sent_of = [0] * len(doc)
    for i, sent in enumerate(sentences):
        for t in range(sent.start, sent.end):
            sent_of[t] = i
    for match_id, start, end in matcher(doc):
        label = doc.vocab.strings[match_id]
        key = (label, start, end)
        if key in seen:
            continue
        seen.add(key)
        i = sent_of[start]
        cues.append(Cue(label=label, text=doc[start:end].text, sentence=first_sentence + i,
                        section=kinds[i], hedged=hedged[i]))
    return cues


# --- Design phrases ----------------------------------------------------------------------
# Study features are read with regular expressions over one sentence at a time (the
# grading layer knows each sentence's section), because they turn on small words the token
# patterns above do not see: negations ("not prospective"), quantifiers with modifiers in
# between ("several Catalan stroke centres", "two children's hospitals"), and whether a
# retrospective analysis only reuses prospectively collected data.

_NUM_WORDS = ("two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
              "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
              "dozens of|hundreds of")
MULTI_QUANTIFIER = (r"(?:several|multiple|various|numerous|many|diverse|different|"
                    r"a (?:number|range|variety|total) of|" + _NUM_WORDS + r"|\d{1,3})")
"""Words that count more than one ("several", "multiple", "three", "12")."""
_STOP = (r"(?:from|in|at|of|with|across|by|to|for|per|than|the|were|was|and|or|which|that|"
         r"who|where|between|among|within|over|under|on|into|during|after|before|each|"
         r"these|those|their|its|our)")
MODIFIER = r"(?:(?!" + _STOP + r"\b)[A-Za-z][\w'\u2019.&-]*\s+)"
"""One word that may stand between a quantifier and its noun ("Catalan", "children's")."""
SITE_PLURAL = (r"(?:cent(?:er|re)s|hospitals|sites|institutions|institutes|clinics|practices|"
               r"facilities|(?:health|hospital|healthcare|health care) systems|trusts|units|"
               r"departments|universities|health boards|health authorities|emergency rooms)")
SITE_SINGULAR = (r"(?:cent(?:er|re)|hospital|site|institution|institute|clinic|practice|"
                 r"facility|(?:health|hospital|healthcare) system|trust|unit|department|"
                 r"university)")
CORE_SITES = r"(?:cent(?:er|re)s|hospitals|sites|institutions)"
NOT_A_SITE = re.compile(
    r"\b(anatomic\w*|body|biopsy|injection|metasta\w*|tumou?r|lesions?|skeletal|bone|"
    r"measurement|sampling|puncture|binding|web|cortical|disease|hounsfield|arbitrary|"
    r"vascular|nodal|organ|recurrence|infection|surgical|catheter|access|care)\b", re.I)
"""Words that make "sites"/"units" anatomy or measurement, not places of care."""

MULTI_SITE_WORD = re.compile(
    r"\bmulti[- ]?(?:cent(?:er|re|ric)|centred|institution(?:al)?|sites?|hospitals?|"
    r"vendor-?multi-?cent(?:er|re))\b|\b(?:nationwide|nation-wide|hub[- ]and[- ]spoke)\b",
    re.IGNORECASE)
MULTI_SITE_COUNT = re.compile(
    r"(?<![\w.,%-])(" + MULTI_QUANTIFIER + r")\s+(?:" + MODIFIER + r"){0,3}?(" + SITE_PLURAL
    + r")\b(?!\s+of\s+(?:the\s+)?(?:body|disease|metasta|involvement|injury|fracture|interest))",
    re.IGNORECASE)
MULTI_SITE_PLURAL = re.compile(
    r"\b(?:from|at|across|among|between|in|within)\s+(?:(?:the|participating|partner|"
    r"affiliated|contributing|collaborating|other|all|both)\s+)?(?:" + MODIFIER
    + r"){0,3}?(" + CORE_SITES + r")\b")
"""A plain plural after a preposition ("from centres in Germany", "across hub and spoke
hospitals"); lower case, so "Oxford University Hospitals" (a name) is not one."""
SINGLE_SITE_WORD = re.compile(
    r"\b(?:single|mono|one)[- ]?(?:cent(?:er|re|ric)|centred|institution(?:al)?|site|"
    r"hospital)(?![-\w])(?!\s+(?:and|or|to)\b)", re.IGNORECASE)
SINGLE_SITE = re.compile(
    r"\b(?:(?:at|in|from|within|to|of|by)\s+)?(a|an|one|a single|one single|single)\s+"
    r"(" + MODIFIER + r"{0,3}?)(" + SITE_SINGULAR + r")\b(?![-\w])(?!\s+(?:" + SITE_SINGULAR
    + r"|medical|network|networks|"
    r"system|systems|group|groups|consortium|stay|stays|admissions?|settings?|environment|"
    r"based|wide|level|visits?|discharge|beds?|information|records?|staff|pacs|workflow|"
    r"employees?|physicians?|radiologists?|and|or)\b)", re.IGNORECASE)
SITE_ADJECTIVES = re.compile(
    r"^(?:tertiary|quaternary|primary|secondary|academic|university|teaching|community|"
    r"regional|district|"
    r"general|large|single|private|public|urban|rural|referral|county|children's|"
    r"children\u2019s|cancer|comprehensive|national|major|trauma|stroke|imaging|radiology|"
    r"breast|screening|specialized|specialised|care|medical|[A-Z][\w-]+)$")
"""Words that make "a ... hospital" the study's one site ("at a tertiary hospital", "at a
Dutch hospital"), not a hospital in general ("admitted to a hospital")."""
OUR_SITE = re.compile(r"\bour (?:own )?(?:institution|hospital|cent(?:er|re)|department|clinic|"
                      r"practice|university hospital|medical cent(?:er|re))\b", re.IGNORECASE)

MULTINATIONAL_WORD = re.compile(
    r"\b(?:multi-?national|trans-?national|inter-?continental|multi-?country|"
    r"cross-?national|multi-?regional international)\b", re.IGNORECASE)
INTERNATIONAL = re.compile(r"(?:\binternational|\bInternational(?!\s+[A-Z]))\b(?!\s+(?:guidelines?|classification|"
                           r"society|consensus|standards?|recommendations?|committee|agency|"
                           r"union|commission|criteria|journal|conference|symposium|"
                           r"federation|units?|normali[sz]ed|prognostic|staging|system|"
                           r"scale|workshop|reference|experts?|panel|readers?|radiologists?|"
                           r"reviewers?|literature|recognition|attention|interest|markets?|"
                           r"reputation|travel|students?)\b)")
COUNTRY_COUNT = re.compile(
    r"(?<![\w.,%-])(" + MULTI_QUANTIFIER + r")\s+(?:" + MODIFIER
    + r"){0,2}?(countries|nations|continents)\b", re.IGNORECASE)
ONE_COUNTRY = re.compile(r"\b(?:one|a single|single)\s+(?:country|nation)\b|\bnationwide\b|"
                         r"\bnation-wide\b|\bnational (?:screening|registry|database|cohort|"
                         r"programme|program)\b", re.IGNORECASE)

PROSPECTIVE = re.compile(r"\bprospective(?:ly)?\b", re.IGNORECASE)
RETROSPECTIVE = re.compile(r"\bretrospective(?:ly)?\b", re.IGNORECASE)
PROSPECTIVE_DATA = re.compile(
    r"\bprospectively\s+(?:\w+\s+)?(?:collected|maintained|acquired|gathered|recorded|"
    r"registered|compiled|assembled|built|kept|populated|archived)\b|"
    r"\bprospective\s+(?:[\w-]+\s+){0,2}?(?:database|databases|registry|registries|data|"
    r"dataset|datasets|data set|biobank|repository|collection)\b", re.IGNORECASE)
"""A prospective cue that describes only how the data were gathered."""
NEGATED_BEFORE = re.compile(r"(?:\bnot|\bnon|\bneither|\bnor)(?:\s+(?:a|an|the|been|"
                            r"designed as|conducted|performed|carried out))*[\s-]*$",
                            re.IGNORECASE)
"""A denial right before a design word ("not prospective", "non-randomised", "was not a
multicentre study")."""
OTHER_STUDIES = re.compile(
    r"\b(?:previous|previously|prior|earlier|most|many|published|existing|few|no|lack of|"
    r"absence of|future|further|upcoming|ongoing|planned|larger|unlike)\b(?:\s+[\w-]+){0,2}"
    r"[\s,]*$", re.IGNORECASE)
"""Words before a design word that make it about other or future studies ("unlike previous
retrospective studies", "larger prospective studies")."""
DESIGN_HEDGE = re.compile(
    r"\b(?:future|further|needs?|needed|warrant\w*|should|would|will|planned|"
    r"ongoing|underway|required|requires?|merit\w*|motivat\w*|call(?:s|ed)? for|await\w*|"
    r"yet to|necessary|encourag\w*|justif\w*|prompt\w*|support(?:s|ing)? (?:a |the )?"
    r"(?:prospective|further|larger|multi\w*))\b", re.IGNORECASE)
"""Hedges that take a design word away from this study ("prospective trials are needed");
narrower than ``HEDGE`` ("we prospectively evaluated whether AI may help" still counts)."""
FIRST_PERSON = re.compile(r"\b(?:we|our|this|the present|the current|here)\b", re.IGNORECASE)
"""A background sentence with these words describes this study ("Background and purpose:
... We prospectively evaluated ...")."""
