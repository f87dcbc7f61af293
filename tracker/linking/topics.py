"""Modalities and findings named in a text, to tell apart products of one family.

A mammography paper naming "Lunit INSIGHT" is about INSIGHT MMG, not INSIGHT CXR; an
Aidoc paper on pulmonary embolism is about BriefCase (PE). Products get their topics from
name, aliases, modality field and intended use; papers from title and abstract.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_I = re.IGNORECASE
MODALITIES: dict[str, re.Pattern[str]] = {
    "xr": re.compile(r"(?i:x-?rays?|radiograph\w*)|\bCXRs?\b|\bDR\b|\bCR\b"),
    "ct": re.compile(r"\bCT\w{0,2}\b|computed tomograph\w*|\bNCCT\b|\bLDCT\b|\bCTA\b|\bCTPA?\b"),
    "mr": re.compile(r"\bMRI?\b|\bMR\w{0,1}\b|magnetic resonance|\bFLAIR\b"),
    "mg": re.compile(r"mammogra\w*|\bMMG\b|\bFFDM\b|tomosynthesis|\bDBT\b", _I),
    "us": re.compile(r"ultraso\w+|sonograph\w*|echocardiograph\w*", _I),
    "nm": re.compile(r"\bPET\b|\bSPECT\b|scintigra\w*"),
}
_MODALITY_FIELD = {"x-ray": "xr", "xray": "xr", "radiography": "xr", "cr": "xr", "dr": "xr",
                   "ct": "ct", "mr": "mr", "mri": "mr", "mammography": "mg", "mg": "mg",
                   "dbt": "mg", "us": "us", "ultrasound": "us", "pet": "nm", "spect": "nm",
                   "nm": "nm"}

FINDINGS: dict[str, re.Pattern[str]] = {
    "haemorrhage": re.compile(r"(?i:h(a)?emorrhag\w*|\bbleed\w*)|\bICH\b"),
    "occlusion": re.compile(r"vessel occlusion|\bLVOs?\b|occlusion", _I),
    "perfusion": re.compile(r"perfusion|penumbra|ischemic core|ischaemic core|\bCTP\b|mismatch", _I),
    "aspects": re.compile(r"(?i:alberta stroke|early isch\w*)|\bASPECTS\b"),
    "embolism": re.compile(r"(?i:embol\w*)|\bi?PEs?\b|\bCTPA\b"),
    "fracture": re.compile(r"fractur\w*", _I),
    "spine": re.compile(r"c-?spine|cervical spine|vertebra\w*|spinal", _I),
    "nodule": re.compile(r"nodul\w*|lung cancer|lung-rads", _I),
    "tuberculosis": re.compile(r"(?i:tubercul\w*)|\bTB\b"),
    "chest_findings": re.compile(r"(?i:pneumothora\w*|consolidation|pleural effusion|pneumonia|"
                                 r"abnormal(ities)? (on )?chest|chest radiograph\w*|"
                                 r"chest x-?ray\w*)|\bCXRs?\b"),
    "breast": re.compile(r"breast|mammogra\w*|\bMMG\b", _I),
    "density": re.compile(r"\bdensit(y|ies)\b|dense breasts?|volumetric breast", _I),
    "tomosynthesis": re.compile(r"tomosynthesis|\bDBT\b", _I),
    "bone_age": re.compile(r"bone[- ]?age|skeletal (age|maturity)", _I),
    "osteoarthritis": re.compile(r"(?i:osteoarthriti\w*|kellgren)|\bOA\b"),
    "neurodegeneration": re.compile(r"atroph\w*|dementia|alzheimer\w*|hippocamp\w*|"
                                    r"neurodegener\w*|brain volum\w*|volumetr\w*(?! breast| density)", _I),
    "ms": re.compile(r"(?i:multiple sclerosis|white matter (lesion|hyperintens)\w*)|\bMS\b"),
    "prostate": re.compile(r"prostat\w*|PI-RADS", _I),
    "cardiac": re.compile(r"coronar\w*|cardiac|\bFFR\w*|calcium scor\w*|myocard\w*", _I),
    "liver": re.compile(r"\bliver\b|hepat\w*", _I),
    "head_trauma": re.compile(r"(?i:traumatic brain|head (injur\w*|trauma)|midline shift|basal "
                              r"cistern\w*|intracranial lesions?)|\bTBI\b"),
    "emphysema": re.compile(r"emphysema\w*|\bCOPD\b|chronic obstructive|airway wall|air trapping|"
                            r"\bPi10\b", _I),
    "ventricular_function": re.compile(r"ejection fraction|\bLVEF\b|\bGLS\b|longitudinal strain|"
                                       r"ventricular (volume|function)\w*", _I),
    "amyloidosis": re.compile(r"amyloid\w*", _I),
    "heart_failure": re.compile(r"heart failure|\bHF[pr]EF\b", _I),
    "contouring": re.compile(r"organs?[- ]at[- ]risk|\bOARs?\b|contour\w*|delineat\w*|"
                             r"auto-?segment\w*", _I),
    "acquisition_guidance": re.compile(r"acquisition guidance|guid\w* (novice|operators?|"
                                       r"nurses?|acquisition)|image acquisition", _I),
    "calcium": re.compile(r"(?i:coronary (artery )?calcium|agatston)|\bCAC\b"),
    "stroke": re.compile(r"stroke|infarct\w*|isch(a)?emi\w*", _I),
    "image_quality": re.compile(r"denois\w*|noise reduction|image quality|accelerat\w*|"
                                r"reconstruction|low[- ]dose|super[- ]resolution", _I),
    "covid": re.compile(r"covid\w*|sars-cov-2", _I),
    "incidental": re.compile(r"incidental\w*|unsuspected|opportunistic", _I),
}


@dataclass(frozen=True)
class Topics:
    modalities: frozenset[str]
    findings: Counter[str]

    @classmethod
    def of(cls, text: str, modality_field: list[str] | None = None) -> Topics:
        mods = {m for m, rx in MODALITIES.items() if rx.search(text)}
        for value in modality_field or []:
            key = _MODALITY_FIELD.get(value.strip().lower())
            if key:
                mods.add(key)
            else:
                mods.update(m for m, rx in MODALITIES.items() if rx.search(value))
        findings: Counter[str] = Counter()
        for name, rx in FINDINGS.items():
            n = len(rx.findall(text))
            if n:
                findings[name] = n
        return cls(frozenset(mods), findings)


@dataclass(frozen=True)
class Agreement:
    """How well a product's topics fit a paper's."""

    modality: int  # 1 shared modality, 0 unknown, -1 disjoint
    findings: int  # findings of the product the paper names
    product_findings: int  # findings the product has at all
    weight: int  # how often the paper names the product's findings

    @property
    def conflict(self) -> bool:
        return self.modality < 0

    @property
    def fits(self) -> bool:
        return self.modality >= 0 and self.findings > 0


def agreement(product: Topics, paper: Topics) -> Agreement:
    if product.modalities and paper.modalities:
        modality = 1 if product.modalities & paper.modalities else -1
    else:
        modality = 0
    shared = [f for f in product.findings if f in paper.findings]
    return Agreement(modality, len(shared), len(product.findings),
                     sum(paper.findings[f] for f in shared))
