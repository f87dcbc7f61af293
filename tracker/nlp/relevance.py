"""The relevance gate: is a paper about a commercial AI product, about AI in imaging, or
off-topic? It runs on the text alone, before anything is embedded, and is cheap (regular
expressions over the title and abstract).

=====================  ===================================================================
label                  when
=====================  ===================================================================
``product-evaluation`` the linker links a catalogue product to it, or a primary study
                       whose text says the AI it evaluates is a product ("commercially
                       available", "FDA-cleared", "CE-marked", a vendor, a trademark sign,
                       an odd-cased brand next to "software"), or a primary study that
                       measures the accuracy or effect of AI it does not develop (AI named in
                       its title, or deployed in practice)
``ai-imaging``         AI (or computer-aided detection) on medical images, but no product
                       evaluated: a new algorithm, a review, a guideline, a survey, a
                       health-economic model of AI in general
``off-topic``          no AI cue, or AI outside imaging
=====================  ===================================================================

The gate errs towards keeping papers: one firm AI cue with one imaging cue is enough for
``ai-imaging``; a catalogue product named anywhere is enough too. Weak words ("algorithm",
"software", "automated", a bare "AI", which is also aortic insufficiency) count only next
to an imaging or detection word. Off-topic papers get no level, no study features, no
embedding and never enter the review queue (docs/grading.md, "Relevance").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from tracker.contract import PaperRecord

PRODUCT_EVALUATION = "product-evaluation"
AI_IMAGING = "ai-imaging"
OFF_TOPIC = "off-topic"
RELEVANCE_LABELS = (PRODUCT_EVALUATION, AI_IMAGING, OFF_TOPIC)
LINKED = "a catalogue product is evaluated (linker)"

_I = re.IGNORECASE
_TASK = (r"(detect\w*|diagnos\w*|triag\w*|segment\w*|quantif\w*|classif\w*|analys[ie]s|"
         r"analy[sz]\w*|measure\w*|volumetr\w*|read(ing|er)?|screening|interpretation|"
         r"determination|estimation|assessment|evaluation|delineation|"
         r"contour\w*|scor\w*|assessment|notification|prioriti[sz]\w*|reporting|software|"
         r"algorithms?|tools?|systems?|models?|solutions?|products?|platforms?|devices?)")
AI_FIRM = re.compile(
    r"\b(artificial[- ]intelligence|deep[- ]learn\w*|machine[- ]learn\w*|neural[- ]networks?|"
    r"convolutional|radiomics?|computer[- ]assisted|computer[- ](aided|assisted)[- ](detection|diagnosis|triage|"
    r"reading|evaluation)|computer[- ]aided|large language models?|foundation models?|"
    r"vision transformers?|chatgpt|gpt-?4\w*|u-?net)\b", _I)
AI_CASED = re.compile(r"\b(CNNs?|CADe|CADx|CAD|LLMs?|DL|ML)\b")
AI_QUALIFIED = re.compile(
    r"\b(AI|A\.I\.)[- ]?(based|powered|driven|enabled|assisted|aided|supported|generated|"
    + _TASK + r")|\((AI|DL|ML)\)|\b(AI|A\.I\.)\b(?=[^.]{0,40}\b(radiolog|imag|scan|radiograph|"
    r"mammogra|CT\b|MRI?\b))", _I)
AI_WEAK = re.compile(
    r"\b((?:automat\w*|computeri[sz]ed|computer[- ]based|software[- ]based)[- ]"
    r"(?:[\w-]+ ){0,2}" + _TASK + r"|(detection|triage|diagnostic|classification|segmentation|analysis|CAD|AI|"
    r"commercial|proprietary|automated|quantitative|volumetric|computeri[sz]ed) (\w+ )?"
    r"(software|algorithms?))\b", _I)
BRAND = re.compile(
    r"(?<![\w-])(?![a-z]{1,3}-?(?:MRI|MR|CT|PET|TNM|Gy|PRs?|DWI|ADC|CTA|US|DNA|RNA|HPV|IQR|PSA)"
    r"(?![\w-]))([a-z]{1,3}-?[A-Z][A-Za-z0-9]+|[A-Z][a-z]+[A-Z][A-Za-z]+|[A-Z]{2,}\d+[A-Z]+\w*)"
    r"(?![\w-])(?=[^.;]{0,40}\b(software|algorithms?|tools?|platforms?|applications?|programs?|"
    r"packages?|versions?|v\d|AI\b|CAD\b|system\b|method\b))")
"""An odd-cased brand ("qXR", "e-ASPECTS", "BoneXpert", "CAD4TB") named with a software word:
a product, whether or not the catalogue knows it."""
IMAGING = re.compile(
    r"\b(radiolog\w*|radiograph\w*|x-?rays?|computed tomograph\w*|tomograph\w*|magnetic "
    r"resonance|mammogra\w*|tomosynthesis|ultraso\w+|sonograph\w*|echocardiogra\w*|"
    r"angiogra\w*|fluoroscop\w*|scintigra\w*|imaging|images?|scans?|neuroimaging|"
    r"contouring|dual-energy|densitometr\w*|fundus|retinal photograph\w*|breast screening|"
    r"screen[- ]reading|screen[- ]detected|"
    r"optical coherence|whole[- ]slide)\b", _I)
IMAGING_CASED = re.compile(r"\b(CTA?|MRI?|MRA|PET|SPECT|CXR|DBT|DXA|DEXA|FFR-?CT|CCTA|NCCT|"
                           r"CTP|OCT)\b")
COMMERCIAL = re.compile(
    r"\b(commercial(ly)?[- ](available|approved|cleared|software|products?|algorithms?|"
    r"AI|tools?|systems?|solutions?|devices?)|commercial\w* (?:\w+ ){0,2}(software|algorithms?|"
    r"AI|tools?|systems?|products?)|FDA[- ](cleared|approved|clearance|approval)|"
    r"(cleared|approved) by the (US )?(FDA|Food and Drug)|510\s?\(k\)|CE[- ]mark\w*|"
    r"CE[- ]certified|CE[- ]class|off[- ]the[- ]shelf|vendor|proprietary (software|algorithm)|"
    r"market(ed|ing) (AI|software|product)|licensed (software|product))\b", _I)
TRADEMARK = re.compile(r"[\u00ae\u2122]")
REVIEW = re.compile(
    r"\b(systematic review|scoping review|narrative review|literature review|umbrella review|"
    r"meta-?analys[ie]s|we review(ed)?|this review|in this review|an overview|overview of|"
    r"state of the art|white paper|primer|position (statement|paper)|consensus (statement|"
    r"recommendations?)|guidelines? (for|on)|recommendations (for|on)|expert opinion|"
    r"editorial|commentary|perspective)\b", _I)
SURVEY = re.compile(r"\b(survey|questionnaire|respondents?|interviews?|focus groups?|"
                    r"discrete[- ]choice|conjoint|delphi|qualitative study|perceptions?|"
                    r"attitudes?)\b", _I)
DEVELOPMENT = re.compile(
    r"\b(we (developed|propose|present|designed|trained|built|introduce|devised|constructed)"
    r"\b[^.;]{0,80}\b(model|algorithm|network|method|framework|system|classifier|pipeline|"
    r"approach|nomogram|tool)|(novel|new|proposed) (deep[- ]learning |AI |machine[- ]learning |"
    r"neural )?(model|algorithm|network|method|framework|architecture|approach)|our (model|"
    r"algorithm|method|network|framework|approach)|in-house (developed )?(model|algorithm|"
    r"software|tool)|(model|algorithm|network|classifier)s? (was|were) (developed|trained|built)"
    r"|(trained|developed) (and|&) (validated|tested)|(training|tuning|derivation) "
    r"(set|cohort|data ?set|sample)|(was|were) trained on|cross-validation|"
    r"development and (external |internal )?validation|to develop|radiomic\w*|"
    r"constructi?o?n? (of )?an? (\w+ )?(predictive|prediction|prognostic|risk) model|"
    r"(predictive|prediction|prognostic) models?|nomograms?|"
    r"(model|classifier|algorithm|network)s? (to|for|that) predict|we (propose|present) an? "
    r"(\w+ ){0,3}(model|method|framework|approach|system|tool)|(was|were) developed)\b", _I)
ECONOMIC = re.compile(
    r"\b(cost[- ]effective\w*|cost[- ]utility|cost[- ]benefit|cost[- ]saving\w*|cost "
    r"analysis|budget impact|QALYs?|quality[- ]adjusted life|ICER|incremental cost|"
    r"health[- ]economic\w*|economic evaluation|markov model)\b", _I)
EVALUATION = re.compile(
    r"\b(sensitivity|specificity|accuracy|AUC|AUROC|area under|positive predictive|negative "
    r"predictive|detection rate|false[- ]positive|recall rate|agreement|kappa|turnaround|"
    r"we (evaluated|assessed|validated|compared|tested|measured|investigated|examined)|"
    r"(was|were) (evaluated|assessed|validated|compared|tested)|correlat\w*|reproducib\w*|"
    r"repeatab\w*|variability|outcomes?|"
    r"time to (diagnosis|report|treatment|notification)|reading time|workload|Dice)\b", _I)
DEPLOYED = re.compile(
    r"\b(deployed|deployment|implemented|implementation|integrated|in clinical (use|practice|"
    r"routine)|real[- ]world|installed|clinical workflow)\b", _I)


@dataclass(frozen=True)
class Relevance:
    label: str  # PRODUCT_EVALUATION | AI_IMAGING | OFF_TOPIC
    reason: str

    @property
    def relevant(self) -> bool:
        return self.label != OFF_TOPIC


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0) if match else None


# The linker, the relevance gate and the grader ask these of the same text several times per
# paper; the answer depends on the text alone, so the last few thousand are remembered.
@lru_cache(maxsize=4096)
def ai_cue(text: str) -> str | None:
    """The first firm AI cue, or a weak one next to an imaging or task word."""
    return (_first(AI_FIRM, text) or _first(AI_CASED, text) or _first(AI_QUALIFIED, text)
            or _first(AI_WEAK, text) or _first(BRAND, text))


@lru_cache(maxsize=4096)
def imaging_cue(text: str) -> str | None:
    return _first(IMAGING, text) or _first(IMAGING_CASED, text)


def is_radiology_ai(text: str) -> bool:
    """The cheap first pass: does the text talk about AI on medical images at all?"""
    return ai_cue(text) is not None and imaging_cue(text) is not None


def commercial_cue(text: str, vendors: Iterable[str] = ()) -> str | None:
    """A sign that the AI in the text is a product: "commercially available", "FDA-cleared",
    "CE-marked", a trademark sign, or one of ``vendors`` named as a whole word."""
    found = _first(COMMERCIAL, text) or _first(TRADEMARK, text) or _first(BRAND, text)
    if found:
        return found
    for vendor in vendors:
        if len(vendor) >= 4 and re.search(rf"(?<![\w-]){re.escape(vendor)}(?![\w-])", text):
            return vendor
    return None


def non_primary(paper: PaperRecord) -> str | None:
    """Review, guideline, editorial or survey, by publication type or by the title."""
    types = {t.strip().lower() for t in paper.publication_types}
    for kind in ("review", "systematic review", "meta-analysis", "editorial", "comment",
                 "guideline", "practice guideline", "consensus development conference",
                 "scoping review", "news", "letter"):
        if kind in types:
            return f"publication type {kind}"
    cue = _first(REVIEW, paper.title) or _first(SURVEY, paper.title)
    if cue:
        return f"title says {cue!r}"
    return None


def classify_relevance(paper: PaperRecord, *, evaluated: bool | None = None,
                       named: bool = False, vendors: Iterable[str] = (),
                       mentioned_as: str | None = None,
                       vendor_named: str | None = None) -> Relevance:
    """The relevance of one paper.

    ``evaluated``: the linker's verdict when a catalogue was searched (True: a product is
    linked as evaluated or compared; False: none is, and the text's own cues decide, for a
    product the catalogue lacks; None: no catalogue). ``named``: a
    catalogue product or its vendor is named at all. ``vendors``: company names that mark
    AI as a product when no catalogue decides. ``mentioned_as``: the role of the catalogue
    products the paper names without evaluating them ("used-as-tool", "listed", ...): such
    a paper is about AI but evaluates no product. ``vendor_named``: a catalogue company the
    title or abstract names (a product cue)."""
    if evaluated:
        return Relevance(PRODUCT_EVALUATION, LINKED)
    text = paper.text
    ai = ai_cue(text)
    imaging = imaging_cue(text)
    if not ai and not named:
        return Relevance(OFF_TOPIC, "no AI cue in the title or abstract")
    if not imaging and not named:
        return Relevance(OFF_TOPIC, f"AI ({ai}) but no imaging cue")
    why_ai = f"AI cue {ai!r}" if ai else "a catalogue product is named"
    secondary = non_primary(paper)
    if secondary:
        return Relevance(AI_IMAGING, f"{why_ai}; not a primary study ({secondary})")
    if evaluated is False and mentioned_as:
        return Relevance(AI_IMAGING, f"{why_ai}; names a product only as {mentioned_as}")
    if evaluated is False:
        why_ai += "; no catalogue product evaluated"
    development = _first(DEVELOPMENT, text)
    commercial = vendor_named or commercial_cue(text, vendors)
    if commercial and not development:
        return Relevance(PRODUCT_EVALUATION, f"{why_ai}; product cue {commercial!r}")
    if development:
        return Relevance(AI_IMAGING, f"{why_ai}; develops its own ({development!r})")
    if evaluates(paper) and (ai_cue(paper.title) or _first(DEPLOYED, text)):
        # a primary study that measures the accuracy or effect of AI it did not develop,
        # named in its title or deployed in practice: in practice a product
        return Relevance(PRODUCT_EVALUATION, f"{why_ai}; measures AI it did not develop")
    return Relevance(AI_IMAGING, f"{why_ai}; no product named")


def economic_evaluation(paper: PaperRecord) -> str | None:
    """A health-economic evaluation (cost-effectiveness, QALYs): an evaluation of AI use
    even when no product is named."""
    return _first(ECONOMIC, paper.text)


def evaluates(paper: PaperRecord) -> bool:
    """Does the text report a measured evaluation (accuracy, agreement, time, workload)?"""
    return EVALUATION.search(paper.text) is not None
