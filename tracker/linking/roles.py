"""The role a named product plays in a paper: only ``evaluated`` and ``compared`` products
are evidence; the others are stored as mentions ("mentioned in"), never counted.

=====================  =====================================================================
role                   cue in the sentences that name it
=====================  =====================================================================
evaluated              the study is told about it (``candidates.Sighting.evaluative``)
compared               it is one side of a head-to-head ("X versus Y", "compared X and Y")
used-as-tool           it selected patients or found cases ("patients selected with RAPID",
                       "cases identified by the software were collected"), built a dataset
reference-standard     its output was the reference ("FFRct as the reference standard")
listed                 hosted on a platform the paper describes, named by survey respondents,
                       one of the applications available or deployed in a list
cited                  named only in passing ("such as", "previous studies")
unresolved             a family or vendor name the paper does not resolve to one member
=====================  =====================================================================

A role other than evaluated/compared is given only when every sentence naming the product
says so (a product that is both used to select cases and evaluated is evaluated).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

EVALUATED = "evaluated"
COMPARED = "compared"
USED_AS_TOOL = "used-as-tool"
REFERENCE = "reference-standard"
LISTED = "listed"
CITED = "cited"
UNRESOLVED = "unresolved"
EVIDENCE_ROLES = (EVALUATED, COMPARED)
ROLES = (EVALUATED, COMPARED, USED_AS_TOOL, REFERENCE, LISTED, CITED, UNRESOLVED)

_I = re.IGNORECASE
TOOL = re.compile(
    r"\b((patients?|cases?|participants?|subjects?) (were |was )?(selected|enrolled|"
    r"included|chosen|recruited|randomi[sz]ed)[^.;]{0,60}\b(using|"
    r"with|by|on the basis of|based on)|(used|employed|applied) (to|for) (select|identify|"
    r"screen|find|triage|enrol|recruit|build|curate|assemble|collect|label|annotate|"
    r"pre-?select|exclude)\w*|selection (tool|criteri\w*)|case[- ]finding|to select patients|"
    r"(imaging |patient )?selection (was |were )?(performed|done|made) (with|using|by)|"
    r"eligib\w*[^.;]{0,200}\b(on|with|using|by)\b|"
    r"(images?|inputs?|channels?|masks?) (were |was )?(generated|produced|created|derived|"
    r"pre-?processed) (\w+ ){0,2}(with|using|by)|"
    r"(eligib\w*|inclusion criteri\w*|all patients had|evidence of salvageable)[^.;]{0,200}"
    r"\b(processed|estimated|assessed|determined|measured|calculated) (with|using|by)|(estimated|determined|calculated|measured) (with|using|by) "
    r"(automated|automatic) (software|perfusion)|eligib\w+ [^.;]{0,60}(using|with|by)|"
    r"dataset (was |were )?(built|curated|assembled|collected|labell?ed)|"
    r"(found|identified|retrieved|detected) by (querying|searching)|"
    r"retriev\w+ [^.;]{0,100}\bflagged\b|"
    r"(generated|produced|obtained|derived|pre-?segmented|pre-?annotated) (\w+ ){0,2}(with|"
    r"using|by) [^;]{0,80}\b(then|subsequently|and) (\w+ )?(reviewed|corrected|edited|"
    r"checked|verified)|querying the (flags|"
    r"alerts|output)|(cases?|patients?|studies|examinations) (were |was )?(identified|found|"
    r"retrieved)\b[^.;]{0,80}\b(with|using|by)|(reconstructed|measured|processed|"
    r"post-?processed|analy[sz]ed|read) (\w+ ){0,3}on [^;]{0,60}workstations?|(labels?|"
    r"annotations?) (were |was )?(generated|produced|obtained) (with|using|by))\b", _I)
REFERENCE_STANDARD = re.compile(
    r"\b(as (the )?(reference|ground[- ]truth|gold[- ]standard)|served as (the )?(reference|"
    r"ground[- ]truth|gold standard)|(reference|ground[- ]truth) (standard )?(was|were) "
    r"(provided|given|obtained|derived|defined) by|compared (against|with|to) [^.;]{0,40}"
    r"\bas (the )?reference)\b", _I)
LIST = re.compile(
    r"\b(hosts?|hosted|hosting|marketplace|app store|platform (offers|provides|includes|"
    r"integrates|hosts)|(applications|apps|algorithms|products|tools|solutions) (available|"
    r"offered|hosted|integrated|deployed|in use|used) (on|in|through|via|at|by)|"
    r"respondents?|survey|questionnaire|interviewees?|reported using|most (commonly|"
    r"frequently) (used|cited|named|reported)|(list|inventory|catalogue|catalog|landscape) of)"
    r"\b", _I)
MANY = re.compile(
    r"\b(include[sd]?|including|examples?|such as|most (often|commonly|frequently)|"
    r"in production|in (clinical |routine |daily )?use|went live|(were|are) (live|installed|"
    r"procured|purchased|licensed|offered)|marketplace|portfolio)\b", _I)
STUDIED = re.compile(
    r"\b(evaluat\w*|compar\w*|assess\w*|test(ed|ing)|validat\w*|benchmark\w*|processed|"
    r"analy[sz]ed|contoured|segmented|read by|scored by|applied)\b", _I)
"""List cues of a sentence naming several products ("Four applications were in production:
A, B, C and D"; "Examples include A, B and C")."""
SURVEY_PAPER = re.compile(
    r"\b(survey(ed|s)?|questionnaires?|respondents?|freedom of information|FOI|interviews?|"
    r"focus groups?)\b", _I)
MEASURED_WITH = re.compile(
    r"\b(analy[sz]ed|quantified|measured|calculated|computed|assessed|segmented|derived|"
    r"obtained|estimated|post-?processed|determined)\b[^.;]{0,80}\b(with|using|by|on|in)\s*"
    r"(the\s+)?$", _I)
"""The words before a name that make it the instrument of a measurement."""
AI_EVALUATED = re.compile(
    r"\b(accura\w*|agreement|correlat\w*|sensitivit\w*|specificit\w*|AUC|performance|"
    r"reproducib\w*|repeatab\w*|reliab\w*|validat\w*|concordan\w*|bias|ICC|kappa|Dice|"
    r"prognostic|predictive value|hazard ratios?|"
    r"(compared|versus|vs\.?) (with |to )?(manual|expert|reference|radiologists?))\b", _I)
"""Words of a paper that evaluates a measurement tool rather than only using one."""
METRIC = re.compile(
    r"\b(sensitivit\w*|specificit\w*|accura\w*|AUC|AUROC|area under|predictive value|"
    r"false[- ](positive|negative)s?|flagged|detected|missed|agreement|kappa|correlat\w*|"
    r"performance)\b", _I)


def _clause(sentence: str, name: str) -> str:
    """The words around a name: the sentence up to it and 60 characters after."""
    at = sentence.find(name)
    if at < 0:
        return sentence
    return sentence[:at + len(name) + 60]


def sighting_role(sentence: str, name: str, *, evaluative: bool, citing: bool,
                  named_in_sentence: int = 1) -> str | None:
    """A non-evidence role one sentence gives the named product, or ``None``. In a sentence
    naming several products the list cue may stand anywhere ("Six applications were hosted:
    A, B, ... and F")."""
    near = _clause(sentence, name)
    if named_in_sentence >= 2 and (LIST.search(sentence) or MANY.search(sentence)) \
            and not METRIC.search(sentence) and not STUDIED.search(sentence):
        return LISTED
    if REFERENCE_STANDARD.search(near):
        return REFERENCE
    measured = METRIC.search(sentence) is not None  # its results are reported: evaluated
    if TOOL.search(near) and not measured:
        return USED_AS_TOOL
    if LIST.search(near) and not measured:
        return LISTED
    if citing and not evaluative:
        return CITED
    return None


def candidate_role(sentences: Sequence[tuple[str, str, bool, bool, str, int]], *,
                   head_to_head: bool) -> str:
    """The role of a candidate from its sightings ``(sentence, name, evaluative, citing,
    section, products named in the sentence)``: a non-evidence role when every non-title
    sighting gives one, else ``compared`` in a head-to-head paper, else ``evaluated``."""
    roles = []
    for sentence, name, evaluative, citing, section, named in sentences:
        if section == "title":
            return COMPARED if head_to_head else EVALUATED
        roles.append(sighting_role(sentence, name, evaluative=evaluative, citing=citing,
                                   named_in_sentence=named))
    if roles and all(r is not None for r in roles):
        # the strongest non-evidence role: reference > tool > listed > cited
        for role in (REFERENCE, USED_AS_TOOL, LISTED, CITED):
            if role in roles:
                return role
    return COMPARED if head_to_head else EVALUATED
