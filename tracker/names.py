"""Name normalisation for companies and products, and the one list of legal forms.

``normalize_company("iSchemaView, Inc.") == normalize_company("iSchemaView Inc.")``: legal
suffixes, punctuation, accents and case do not make a different company.
``strip_legal_form("Viz.ai, Inc.") == "Viz.ai"``: the name as people write it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Legal-form suffixes seen in FDA, EUDAMED and press records (compared after lower-casing
# and removing punctuation: "B.V." is "bv", "Co.," is "co", "A/S" is "as"). Order does not
# matter; they are stripped repeatedly from the end.
LEGAL_SUFFIXES = frozenset(
    ["inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "lp", "plc", "gmbh", "ag", "kg", "mbh", "bv", "nv", "sa", "sas", "sarl", "srl", "spa", "sl", "slu", "ab", "as", "asa", "oy", "oyj", "aps", "uab", "kk", "pty", "pte", "pvt", "sro", "sp", "zoo", "zo", "oo", "ug", "se", "sagl", "doo", "ltda", "bhd", "cv"]
)
LEGAL_QUALIFIERS = frozenset(["private", "public"])
"""Words of a legal form ("Private Limited", "Public Company Limited") that are dropped from
display names (``strip_legal_form``) but kept in the company key: stored keys
(``Company.normalized_name``) must not change."""

_TRADEMARKS = re.compile(r"[\u00ae\u2122\u2120\u00a9]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DOTTED = re.compile(r"\b((?:[A-Za-z]\.){2,})")


def fold(text: str) -> str:
    """Lower-case, strip accents and trademark signs, turn punctuation into spaces."""
    text = _TRADEMARKS.sub(" ", text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def join_dotted(text: str) -> str:
    """Dotted abbreviations written as one word: "B.V." -> "BV", "S.A." -> "SA"."""
    return _DOTTED.sub(lambda m: m.group(1).replace(".", ""), text)


def is_legal_form(word: str, *, qualifiers: bool = False) -> bool:
    """Whether one written word is a legal form ("Inc.", "GmbH", "B.V.", "S.A.S.", "A/S");
    with ``qualifiers`` "Private" and "Public" count too."""
    key = fold(word).replace(" ", "")
    return key in LEGAL_SUFFIXES or (qualifiers and key in LEGAL_QUALIFIERS)


def legal_form_in_text(word: str) -> bool:
    """``is_legal_form`` for a word of running text (news, affiliations): a lower-case form
    of two letters counts only with a dot ("co.", "s.a."), so "as" and "se" stay words."""
    if not is_legal_form(word):
        return False
    return not (word.islower() and "." not in word and len(fold(word).replace(" ", "")) <= 2)


def drop_legal_forms(words: Sequence[str], *, qualifiers: bool = True) -> list[str]:
    """``words`` without the legal forms that end them; the first word always stays."""
    out = list(words)
    while len(out) > 1 and is_legal_form(out[-1], qualifiers=qualifiers):
        out.pop()
    return out


def strip_legal_form(name: str) -> str:
    """A company name as papers and news write it: "Viz.ai, Inc." -> "Viz.ai",
    "Siemens Healthcare GmbH" -> "Siemens Healthcare", "Qure.ai Technologies Private
    Limited" -> "Qure.ai Technologies"; case and inner punctuation are kept."""
    words = drop_legal_forms(name.replace(",", " ").split())
    return " ".join(words).strip(" .,") if words else name.strip()


def normalize_company(name: str) -> str:
    """The key two spellings of one company share."""
    return " ".join(drop_legal_forms(fold(join_dotted(name)).split(), qualifiers=False))


def normalize_product(name: str) -> str:
    """Product names: folded, trademark signs removed (versions are kept)."""
    return fold(name)


def slugify(text: str) -> str:
    return fold(text).replace(" ", "-") or "unnamed"
