"""Study features of one paper from its cues: design, sites, countries, readers, RCT, size.

Each feature is ``True``/``False`` when the text says so and ``None`` when it does not; each
comes with the cue that decided it (its provenance).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.contract import PaperRecord
from tracker.grading.analysis import PaperCues

RCT_TYPES = {"randomized controlled trial", "pragmatic clinical trial",
             "clinical trial, phase iii", "equivalence trial"}
PROSPECTIVE_TYPES = RCT_TYPES | {"clinical trial", "controlled clinical trial",
                                 "prospective studies"}
MULTICENTRE_TYPES = {"multicenter study"}
RETROSPECTIVE_MESH = {"retrospective studies"}
SINGLE_UNITS = {"center", "centre", "hospital", "site", "institution"}
MULTI_UNITS = {"centers", "centres", "hospitals", "sites", "institutions", "health systems",
               "facilities", "practices", "clinics"}


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


def design(paper: PaperRecord, pc: PaperCues, f: StudyFeatures) -> None:
    types = _types(paper)
    rct = _first(pc, "RCT") or next((t for t in types if t in RCT_TYPES), None)
    if rct:
        f.rct, f.why["rct"] = True, f"cue: {rct}"
    pro, retro = _first(pc, "PROSPECTIVE"), _first(pc, "RETROSPECTIVE")
    pro_data = _first(pc, "PROSPECTIVE_DATA", firm=False)
    pro_type = next((t for t in types if t in PROSPECTIVE_TYPES), None)
    retro = retro or next((t for t in types if t in RETROSPECTIVE_MESH), None)
    if retro and (not pro or pro_data):
        f.prospective, f.why["prospective"] = False, f"cue: {retro}"
    elif pro or f.rct or pro_type:
        f.prospective, f.why["prospective"] = True, f"cue: {pro or rct or pro_type}"
    elif retro:
        f.prospective, f.why["prospective"] = False, f"cue: {retro}"
    if f.rct is None and f.prospective is False:
        f.rct, f.why["rct"] = False, "retrospective design"


def sites(paper: PaperRecord, pc: PaperCues, f: StudyFeatures) -> None:
    types = _types(paper)
    multi = _first(pc, "MULTICENTRE") or next((t for t in types if t in MULTICENTRE_TYPES), None)
    counted = [(n, unit) for n, unit in pc.site_counts if unit in MULTI_UNITS and n >= 2]
    single_count = [(n, unit) for n, unit in pc.site_counts if unit in SINGLE_UNITS and n == 1]
    single = _first(pc, "SINGLECENTRE")
    countries = [(n, u) for n, u in pc.site_counts if u in ("countries", "nations") and n >= 2]
    if multi or counted:
        f.multicentre = True
        f.why["multicentre"] = f"cue: {multi}" if multi else f"{counted[0][0]} {counted[0][1]}"
    elif single or single_count:
        f.multicentre = False
        f.why["multicentre"] = f"cue: {single}" if single else "one site named"
    mnat = _first(pc, "MULTINATIONAL")
    if mnat or countries:
        f.multinational = True
        f.why["multinational"] = f"cue: {mnat}" if mnat else f"{countries[0][0]} countries"
    elif len(pc.countries) >= 2 and f.multicentre:
        f.multinational = True
        f.why["multinational"] = "countries named: " + ", ".join(sorted(pc.countries))
    elif f.multicentre is False:
        f.multinational, f.why["multinational"] = False, "single centre"
    elif f.multicentre and len(pc.countries) == 1:
        f.multinational = False
        f.why["multinational"] = f"one country named: {next(iter(pc.countries))}"


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
