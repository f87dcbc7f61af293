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


def match_cues(doc: Any, matcher: Any, *, first_sentence: int = 1,
               section: str = "unknown") -> list[Cue]:
    """Cues in one processed text; sentence numbers start at ``first_sentence``."""
    sentences = list(doc.sents)
    kinds: list[str] = []
    hedged: list[bool] = []
    current = section
    for sent in sentences:
        current = _section_of(sent.text, current)
        kinds.append(current)
        hedged.append(bool(HEDGE.search(sent.text)))
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
