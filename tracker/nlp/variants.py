"""Spellings a paper may use for a product or company registered under another.

Regulators register "Lunit INSIGHT CXR" by "Lunit Inc." and "Rapid LVO 1.0" by
"iSchemaView, Inc."; papers write "INSIGHT-CXR", "Lunit's algorithm", "RapidAI". The
functions here derive those spellings from the registered names (pure string work; the
gazetteer turns them into token patterns and judges their strength at match time).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tracker.names import drop_legal_forms, fold, join_dotted, normalize_company
from tracker.nlp.lexicon import (
    COMPANY_GENERIC,
    COMPANY_PLACES,
    is_generic,
    odd_case,
    zipf,
)

# Brand names that cannot be derived from the legal name (well-known renames and trading
# names in radiology AI; the left side is ``normalize_company`` of the registered name).
KNOWN_BRANDS: dict[str, tuple[str, ...]] = {
    "ischemaview": ("RapidAI", "Rapid AI"),
    "zebra medical vision": ("Nanox AI", "Nanox.AI", "Zebra-Med"),
    "siemens healthcare": ("Siemens Healthineers",),
    "siemens medical solutions usa": ("Siemens Healthineers",),
    "ge medical systems": ("GE Healthcare", "GE HealthCare"),
    "ge healthcare": ("GE HealthCare",),
    "philips medical systems nederland": ("Philips Healthcare",),
    "cortechs labs": ("Cortechs.ai",),
    "annalise ai": ("annalise.ai", "Harrison.ai"),
    "volpara health technologies": ("Volpara Solutions",),
    "jlk": ("JLK Inspection",),
}

_VERSION_TAIL = re.compile(
    r"[\s,\-]*(?:\(\s*)?(?:(?:v|ver\.?|version|release|rev\.?)\s*\d[\w.]*|\d+(?:\.\d+)+[a-z]?)"
    r"(?:\s*\))?\s*$", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*")
_WORD = re.compile(r"[A-Za-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z])")


def _everyday(word: str) -> bool:
    """A word too frequent in English to stand for a company alone ("Deep", "Clear")."""
    return zipf(word.lower()) >= 4.5


def strip_version(name: str) -> str:
    """"Transpara 1.7.1" -> "Transpara", "qXR v3" -> "qXR"; other names unchanged."""
    stripped = _VERSION_TAIL.sub("", name).strip(" ,-")
    return stripped if _WORD.search(stripped) else name


def _legal_tokens(name: str) -> list[str]:
    joined = _PAREN.sub(" ", join_dotted(name))
    return [t for t in re.split(r"[\s,]+", joined) if t.strip(".,")]


def company_forms(name: str, aliases: Iterable[str] = ()) -> list[str]:
    """The legal name, its aliases and the brand forms derived from them, longest first."""
    forms: list[str] = []
    for base in [name, *aliases]:
        tokens = drop_legal_forms([t.strip(",") for t in _legal_tokens(base)])
        while len(tokens) > 1 and fold(tokens[0]) in COMPANY_PLACES:
            tokens.pop(0)
        forms.append(" ".join(tokens).strip(". "))
        while len(tokens) > 1 and fold(tokens[-1]) in COMPANY_GENERIC:
            tokens.pop()
            if len(tokens) == 1 and (fold(tokens[0]) in COMPANY_GENERIC or is_generic(tokens[0])
                                     or _everyday(tokens[0])
                                     or fold(tokens[0]) in {"ai", "it", "my", "we"}):
                break  # "AI Medical AG" is not "AI"
            forms.append(" ".join(tokens).strip(". "))
        last = forms[-1]
        # "Qure.ai" -> "Qure", "Annalise-AI" -> "Annalise"
        bare = re.sub(r"(?i)[.\-\s](ai|io|com|med|health)$", "", last)
        if bare != last and len(bare) >= 3 and not (" " not in bare and _everyday(bare)):
            forms.extend([bare, re.sub(r"[.\-]", " ", last)])
        forms.extend(KNOWN_BRANDS.get(fold(" ".join(tokens)), ()))
    forms.extend(b for key, brands in KNOWN_BRANDS.items()
                 if key == normalize_company(name) for b in brands)
    return _unique(f for f in forms if len(f.replace(" ", "")) >= 2)


def separator_variants(name: str) -> list[str]:
    """"INSIGHT CXR" -> "INSIGHT-CXR", "INSIGHTCXR"; "BoneView" -> "Bone View"."""
    out = [name]
    words = _WORD.findall(name)
    if 1 < len(words) <= 4 and not any(w.isdigit() for w in words):
        for sep in (" ", ""):
            out.append(sep.join(words))
    camel = _CAMEL.sub(" ", name)
    if camel != name:
        out.append(camel)
    return _unique(out)


def product_forms(name: str, aliases: Iterable[str], brands: Iterable[str]) -> list[tuple[str, str]]:
    """``(spelling, kind)`` pairs for one product; kind is ``name``, ``alias``, ``bare``
    (company prefix dropped) or ``prefixed`` (company brand added)."""
    brand_list = [b for b in brands if b]
    bases: list[tuple[str, str]] = []
    for text, kind in [(name, "name"), *((a, "alias") for a in aliases)]:
        text = text.strip()
        if not text:
            continue
        for form in _unique([text, strip_version(text)]):
            bases.append((form, kind))
            inner = _PAREN.findall(form)
            outer = _PAREN.sub(" ", form).strip()
            if inner and outer:
                for part in inner:
                    if _WORD.search(part) and not _VERSION_TAIL.fullmatch(" " + part):
                        bases.append((f"{outer} {part}", kind))
                        bases.append((f"{outer} for {part}", kind))
                        # "Advanced intelligent Clear-IQ Engine (AiCE)": the short name
                        if " " not in part.strip() and odd_case(part.strip()):
                            bases.append((part.strip(), kind))
    out: list[tuple[str, str]] = []
    for form, kind in bases:
        out.append((form, kind))
        low = fold(form)
        for brand in brand_list:
            b = fold(brand)
            if low.startswith(b + " "):
                rest = _drop_prefix(form, len(_WORD.findall(brand)))
                words = _WORD.findall(rest)
                # "INSIGHT CXR" stays a spelling; a lone dictionary word ("Risk",
                # "Neurodegenerative") does not
                if words and any(not is_generic(w) for w in words) and (
                        len(words) >= 2 or odd_case(words[0]) or zipf(words[0]) < 1.5):
                    out.append((rest, "bare"))
                # "Brainomix 360 e-ASPECTS" is written "e-ASPECTS": a suite number dropped
                if len(words) >= 2 and words[0].isdigit():
                    tail = _drop_prefix(rest, 1)
                    tail_words = _WORD.findall(tail)
                    if odd_case("".join(tail_words)) or (
                            any(zipf(w) < 1.5 for w in tail_words)
                            and any(not is_generic(w) for w in tail_words)):
                        out.append((tail, "bare"))
            elif low != b:
                out.append((f"{brand} {form}", "prefixed"))
    return _unique_pairs((v, kind) for form, kind in out
                         for v in (separator_variants(form) if kind != "prefixed" else [form]))


def _drop_prefix(text: str, n_words: int) -> str:
    matches = list(_WORD.finditer(text))
    if len(matches) <= n_words:
        return ""
    return text[matches[n_words].start():].strip()


def family_prefix(names: list[str]) -> str | None:
    """The longest shared leading words of two or more product names of one company
    ("Lunit INSIGHT" for "Lunit INSIGHT CXR" and "Lunit INSIGHT MMG")."""
    split = [_PAREN.sub(" ", n).split() for n in names]
    if len(split) < 2:
        return None
    prefix: list[str] = []
    for words in zip(*split, strict=False):
        if len({fold(w) for w in words}) != 1:
            break
        prefix.append(words[0])
    text = " ".join(prefix).strip(" -,")
    return text if len(text.replace(" ", "")) >= 4 else None


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        item = " ".join(item.split())
        if item and item not in seen:
            seen[item] = None
    return list(seen)


def _unique_pairs(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for text, kind in items:
        text = " ".join(text.split())
        if text and text not in seen:
            seen[text] = kind
    return list(seen.items())
