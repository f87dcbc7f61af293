"""A gazetteer of product and company names on spaCy's ``PhraseMatcher``.

Patterns are every spelling ``tracker.nlp.variants`` derives, matched case-insensitively on
tokens; each match is then checked against the spelling it came from:

- a common or radiology word written with a capital in the name ("Rapid", "INSIGHT") must not
  be all lower case in the text ("rapid LVO detection" is not "Rapid LVO");
- a common word with odd casing ("ContaCT") must match exactly;
- a match is **strong** when it holds a distinctive word (rare, 5+ letters, or odd casing
  such as qXR, CAD4TB, e-ASPECTS) or three or more capitalised words ("AI-Rad Companion");
  otherwise it is **weak** (Mia, Vara, Veye, "red dot", RAPID, INSIGHT CXR) and the linker
  counts it only with the company or a product cue (trademark sign, version, "software").

Mention kinds: ``product`` (a name or alias of one product), ``family`` (a shared or
truncated name: "Lunit INSIGHT", "BriefCase") and ``company``; both of the latter point at
several products and the linker picks among them by topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tracker.names import fold
from tracker.nlp.lexicon import VERY_COMMON_ZIPF, distinctive, is_common, is_generic, odd_case, zipf
from tracker.nlp.pipeline import build_nlp, clean_text
from tracker.nlp.variants import company_forms, product_forms, strip_version

KIND_RANK = {"product": 3, "family": 2, "company": 1}
_WORD = re.compile(r"[A-Za-z0-9]+")
_PAREN = re.compile(r"\s*\([^()]*\)\s*")
_LINKING_WORDS = frozenset({"for", "with", "of", "and", "the", "in", "on", "to"})
_NAME_DOT = re.compile(r"(?<=[A-Za-z]{3})\.(?=[A-Za-z]{2})")
_JOINER = re.compile(r"(?<=[A-Za-z0-9])[-/](?=[A-Za-z0-9])")
_AFTER = re.compile(r"^\s*(?:[\u00ae\u2122]|\(?\s*(?:v|ver\.?|version)\s*\d|\d+\.\d)", re.I)


class Named(Protocol):
    id: str
    name: str
    company: str
    aliases: list[str]
    company_aliases: list[str]

    @property
    def company_key(self) -> str: ...


@dataclass(frozen=True)
class Entry:
    """One spelling: its words as written and what it points at."""

    words: tuple[str, ...]
    kind: str  # product | family | company
    targets: tuple[str, ...]
    company: str
    form: str  # name | alias | bare | prefixed | family | company


@dataclass(frozen=True)
class Mention:
    kind: str
    targets: tuple[str, ...]
    company: str
    text: str
    start: int  # character offsets in the analysed text
    end: int
    sentence: int
    strong: bool
    very_common: bool  # one everyday or short word ("Insight", "Rho"): needs company or sign
    plain: bool  # made only of common or radiology words ("red dot", "Risk Pathways")
    marked: bool  # followed by a trademark sign or a version number
    form: str


@dataclass
class Found:
    """What the gazetteer found in one text."""

    mentions: list[Mention] = field(default_factory=list)
    companies: set[str] = field(default_factory=set)  # company keys named anywhere


class Gazetteer:
    def __init__(self, products: Sequence[Named]) -> None:
        from spacy.matcher import PhraseMatcher

        self.nlp = build_nlp()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.entries: dict[str, list[Entry]] = {}
        for text, entry in _spellings(products):
            self._add(text, entry)
        keys, docs = [], []
        for key in self.entries:
            keys.append(key)
        for key, doc in zip(keys, self.nlp.tokenizer.pipe(keys), strict=True):
            docs.append(doc)
            self.matcher.add(key, [doc])

    def _add(self, text: str, entry: Entry) -> None:
        key = " ".join(t.lower_ for t in self.nlp.make_doc(matcher_text(text)))
        if not key or not any(ch.isalnum() for ch in key):
            return
        bucket = self.entries.setdefault(key, [])
        if entry not in bucket:
            bucket.append(entry)

    def find(self, doc: Any, text: str) -> Found:
        """Mentions in a doc made by ``self.nlp`` from ``matcher_text(text)``; ``text`` is the
        original text (cleaning keeps the length, so offsets agree)."""
        sent_of = {}
        for index, sent in enumerate(doc.sents):
            for i in range(sent.start, sent.end):
                sent_of[i] = index
        found = Found()
        accepted: list[tuple[int, int, Mention]] = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            for entry in self.entries.get(self.nlp.vocab.strings[match_id], []):
                verdict = _judge(entry.words, span, text[span.start_char:span.end_char])
                if verdict is None:
                    continue
                strong, very_common, plain = verdict
                if entry.kind == "company":
                    found.companies.add(entry.company)
                mention = Mention(
                    kind=entry.kind, targets=entry.targets, company=entry.company,
                    text=text[span.start_char:span.end_char], start=span.start_char, end=span.end_char,
                    sentence=sent_of.get(start, 0), strong=strong, very_common=very_common, plain=plain,
                    marked=bool(_AFTER.match(text[span.end_char:span.end_char + 16])),
                    form=entry.form)
                accepted.append((start, end, mention))
        by_span: dict[tuple[int, int], list[Mention]] = {}
        for start, end, mention in accepted:
            by_span.setdefault((start, end), []).append(mention)
        taken: set[int] = set()
        for (start, end), group in sorted(by_span.items(), key=_span_order):
            if taken & set(range(start, end)):
                continue
            taken |= set(range(start, end))
            top = max(KIND_RANK[m.kind] for m in group)
            best: dict[tuple[str, tuple[str, ...]], Mention] = {}
            for m in group:
                key = (m.kind, m.targets)
                if KIND_RANK[m.kind] == top and (key not in best or m.strong > best[key].strong):
                    best[key] = m
            found.mentions.extend(best.values())
        found.mentions.sort(key=lambda m: (m.start, m.kind))
        return found

    def find_text(self, text: str) -> Found:
        """Mentions in any text (the doc is made here)."""
        return self.find(self.nlp(matcher_text(text)), text)


def matcher_text(text: str) -> str:
    """Cleaned text with joining hyphens and slashes blanked (same length), so
    "INSIGHT-CXR", "INSIGHT CXR" and "Lunit INSIGHT-CXR" give the same tokens; a dot inside
    a name ("Avicenna.AI", "Qure.ai") is blanked too, so it does not end a sentence."""
    return _NAME_DOT.sub(" ", _JOINER.sub(" ", clean_text(text)))


def _span_order(item: tuple[tuple[int, int], list[Mention]]) -> tuple[int, int, int]:
    (start, end), group = item
    return (-(end - start), -max(KIND_RANK[m.kind] for m in group), start)


def _judge(words: tuple[str, ...], span: Any, written: str) -> tuple[bool, bool, bool] | None:
    """``(strong, very_common, plain)`` when the span may be this spelling, else ``None``."""
    tokens = [t for t in span if any(ch.isalnum() for ch in t.text)]
    if len(tokens) != len(words):
        return None
    strong = False
    capitals_only = False
    for pattern, token in zip(words, tokens, strict=True):
        text = token.text
        # short words ("Rho", "Mia", "Veye") follow the case rule of everyday words
        common = is_common(pattern) or is_generic(pattern) or len(pattern) <= 4
        if odd_case(pattern) and common and text != pattern:
            # "QXR" for "qXR": an all-capitals rendering of a mixed-case brand is the brand
            # (weak: it needs its company or a software word), any other casing is not
            if not (text.isupper() and sum(ch.isupper() for ch in pattern) >= 2):
                return None
            capitals_only = True
        if common and not pattern.islower() and text.islower():
            return None
        if distinctive(pattern) and not capitals_only:
            strong = True
    # hyphen- or dot-joined words read as one odd-cased name: "e-ASPECTS", "AI-Rad"
    if not strong and len(tokens) > 1 and " " not in written and odd_case("".join(words)):
        strong = True
    capitalised = [w for w in words if not w.islower()]
    if not strong and len(words) >= 3 and len(capitalised) >= 2 and any(
            not is_generic(w) for w in words):
        strong = True
    very_common = len(words) == 1 and not odd_case(words[0]) and (
        zipf(words[0]) >= VERY_COMMON_ZIPF or len(words[0]) <= 4)
    plain = all((is_common(w) or is_generic(w)) and not odd_case(w) for w in words)
    return strong, very_common, plain


def _spellings(products: Sequence[Named]) -> Iterable[tuple[str, Entry]]:
    by_company: dict[str, list[Named]] = {}
    for product in products:
        by_company.setdefault(product.company_key, []).append(product)
    for company, members in by_company.items():
        brands = company_forms(members[0].company,
                               sorted({a for m in members for a in m.company_aliases}))
        all_keys = tuple(m.id for m in members)
        for brand in brands:
            yield brand, Entry(_words(brand), "company", all_keys, company, "company")
        # a spelling shared by several products of one company ("BriefCase" registered
        # three times, one per finding) names the family, not one product
        spellings: dict[str, list[tuple[str, str, str]]] = {}
        for product in members:
            for text, form in product_forms(product.name, product.aliases, brands):
                spellings.setdefault(fold(text), []).append((text, form, product.id))
        for group in spellings.values():
            targets = tuple(dict.fromkeys(key for _, _, key in group))
            for text, form, key in group:
                if len(targets) == 1:
                    yield text, Entry(_words(text), "product", (key,), company, form)
                else:
                    yield text, Entry(_words(text), "family", targets, company, "family")
        for prefix in _family_prefixes(members, brands):
            if fold(prefix) in {fold(b) for b in brands}:
                continue
            targets = tuple(m.id for m in members if _has_prefix(m, prefix, brands))
            if targets:
                yield prefix, Entry(_words(prefix), "family", targets, company, "family")


def _words(text: str) -> tuple[str, ...]:
    nlp = build_nlp()
    return tuple(t.text for t in nlp.make_doc(matcher_text(text))
                 if any(ch.isalnum() for ch in t.text))


def _truncations(name: str) -> list[str]:
    """Leading parts of a name left after dropping generic trailing words
    ("Lunit INSIGHT CXR" -> "Lunit INSIGHT"; "BriefCase (ICH)" -> "BriefCase")."""
    base = _PAREN.sub(" ", strip_version(name)).split(" - ")[0].strip()
    words = base.split()
    out = [base] if base != name.strip() else []
    while len(words) > 1 and all(is_generic(w) or w.lower() in _LINKING_WORDS
                                 for w in _WORD.findall(words[-1])):
        words.pop()
        if words[-1].lower() not in _LINKING_WORDS:
            out.append(" ".join(words).strip(" -,"))
    return [o for o in out if o and any(not is_generic(w) for w in _WORD.findall(o))]


def _family_prefixes(members: Sequence[Named], brands: list[str]) -> set[str]:
    out: set[str] = set()
    for product in members:
        names = [product.name, *product.aliases]
        for name in names:
            for cut in _truncations(name):
                out.add(cut)
                low = fold(cut)
                for brand in brands:  # the bare family: "INSIGHT" from "Lunit INSIGHT"
                    if low.startswith(fold(brand) + " "):
                        rest = cut.split(None, len(brand.split()))[-1]
                        if any(not is_generic(w) for w in _WORD.findall(rest)):
                            out.add(rest)
    return out


def _has_prefix(product: Named, prefix: str, brands: list[str]) -> bool:
    low = fold(prefix)
    for name in [product.name, *product.aliases]:
        folded = fold(_PAREN.sub(" ", name))
        candidates = [folded] + [f"{fold(b)} {folded}" for b in brands] + [
            folded[len(fold(b)) + 1:] for b in brands if folded.startswith(fold(b) + " ")]
        if any(c == low or c.startswith(low + " ") for c in candidates):
            return True
    return False
