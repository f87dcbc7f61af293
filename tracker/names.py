"""Name normalisation for companies and products.

``normalize_company("iSchemaView, Inc.") == normalize_company("iSchemaView Inc.")``: legal
suffixes, punctuation, accents and case do not make a different company.
"""

from __future__ import annotations

import re
import unicodedata

# Legal-form suffixes seen in FDA, EUDAMED and press records (compared after lower-casing
# and removing punctuation). Order does not matter; they are stripped repeatedly from the end.
LEGAL_SUFFIXES = frozenset(
    ["inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "lp", "plc", "gmbh", "ag", "kg", "mbh", "bv", "nv", "sa", "sas", "sarl", "srl", "spa", "sl", "slu", "ab", "as", "asa", "oy", "oyj", "aps", "uab", "kk", "pty", "pte", "pvt", "sro", "sp", "zoo", "zo", "oo", "ug", "se", "sagl", "doo", "ltda", "bhd", "cv"]
)
_TRADEMARKS = re.compile(r"[\u00ae\u2122\u2120\u00a9]")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and trademark signs, turn punctuation into spaces."""
    text = _TRADEMARKS.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def normalize_company(name: str) -> str:
    """The key two spellings of one company share."""
    # join dotted abbreviations first: "B.V." -> "bv", "S.A." -> "sa"
    joined = re.sub(r"\b((?:[A-Za-z]\.){2,})", lambda m: m.group(1).replace(".", ""), name)
    words = fold(joined).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def normalize_product(name: str) -> str:
    """Product names: folded, trademark signs removed (versions are kept)."""
    return fold(name)


def slugify(text: str) -> str:
    return fold(text).replace(" ", "-") or "unnamed"
