"""Word lists the gazetteer uses to judge how distinctive a name is.

A product name is only as good as its rarest word: "red dot", "RAPID" or "Insight" are
everyday English, "CXR" or "LVO" name a finding or a modality rather than a product. Word
frequencies come from ``wordfreq`` (Zipf scale: 3 is about once per million words); words
that are everyday only in papers ("plaque", "contour", "ischemia") come from
``data/medical_words.json`` (built by scripts/build_medical_words.py from real abstracts).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

COMMON_ZIPF = 3.0
"""A word at or above this Zipf frequency is everyday English (rapid 4.4, insight 4.2)."""

VERY_COMMON_ZIPF = 4.0
"""Names this frequent ("contact", "insight") need the company or a trademark sign nearby."""

# Radiology words: a name made only of these (and common words) names a task, not a product.
GENERIC = frozenset(["ct", "mr", "mri", "cta", "ctp", "ncct", "ldct", "cxr", "xr", "x", "ray", "xray", "rx", "dr", "cr", "us", "pet", "spect", "nm", "mmg", "mg", "dbt", "ffdm", "mammo", "mammography", "mammogram", "tomosynthesis", "ultrasound", "echo", "radiograph", "radiography", "angio", "angiography", "chest", "lung", "lungs", "pulmonary", "thorax", "thoracic", "brain", "head", "neck", "neuro", "breast", "bone", "bones", "spine", "spinal", "cspine", "cervical", "knee", "hip", "hand", "wrist", "ankle", "foot", "age", "boneage", "cardiac", "heart", "coronary", "calcium", "liver", "prostate", "kidney", "colon", "abdomen", "abdominal", "pelvis", "vessel", "vascular", "aorta", "nodule", "nodules", "fracture", "fractures", "trauma", "stroke", "lvo", "ich", "pe", "ipe", "tb", "aspects", "perfusion", "triage", "detection", "detect", "detector", "cad", "cade", "cadx", "ai", "analysis", "analyser", "analyzer", "quantification", "segmentation", "screening", "scan", "scans", "image", "images", "imaging", "hemorrhage", "haemorrhage", "bleed", "emboli", "embolism", "occlusion", "ms", "dm", "nd", "oa", "lcs", "dementia", "suite", "plus", "pro", "lite", "clinical", "medical", "health", "healthcare", "software", "app", "platform", "system", "version", "digital", "2d", "3d", "full", "field", "automated", "automatic", "auto", "deep", "learning", "dl", "ml", "machine", "contouring", "assessment", "triage", "notification", "reporting", "report", "service"])

# Trailing words of a company name that are not part of its brand ("Aidoc Medical").
COMPANY_GENERIC = frozenset(["medical", "technologies", "technology", "tech", "healthcare", "health", "imaging", "systems", "system", "solutions", "software", "labs", "laboratories", "laboratory", "diagnostics", "group", "international", "holdings", "holding", "sciences", "science", "ai", "intelligence", "analytics", "innovations", "innovation", "private", "public", "corporation", "america", "usa", "nederland", "deutschland", "france", "uk", "europe", "na", "north", "global", "digital", "limited", "the", "vision"])

# Leading place names in registered company names ("Beijing Infervision Technology").
COMPANY_PLACES = frozenset(["beijing", "shanghai", "shenzhen", "hangzhou", "guangzhou", "wuhan", "nanjing", "tianjin", "chongqing", "suzhou", "xiamen", "chengdu", "hefei", "jiangsu", "zhejiang", "guangdong", "shandong", "qingdao", "dalian", "changsha", "koninklijke"])

_ODD_CASE = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]|[A-Za-z]\d|\d[A-Za-z]")


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common an English word is (0 for unknown words)."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word.lower(), "en"))


@lru_cache(maxsize=1)
def medical_words() -> frozenset[str]:
    """Words found in at least three of ~1,500 real biomedical abstracts."""
    data = resources.files("tracker.nlp").joinpath("data/medical_words.json").read_text("utf-8")
    return frozenset(json.loads(data)["words"])


def is_common(word: str) -> bool:
    """Everyday English or everyday in biomedical abstracts."""
    return zipf(word) >= COMMON_ZIPF or word.lower() in medical_words()


def is_generic(word: str) -> bool:
    low = word.lower()
    return low in GENERIC or len(low) <= 2 or bool(re.fullmatch(r"v?\d[\d.]*", low))


def odd_case(word: str) -> bool:
    """CamelCase, inner capitals or letters mixed with digits: qXR, BoneView, CAD4TB."""
    return bool(_ODD_CASE.search(word))


def distinctive(word: str) -> bool:
    """A word that on its own points at a product or company (not English, not radiology)."""
    if odd_case(word):
        return True
    return not is_generic(word) and not is_common(word) and len(word) >= 5
