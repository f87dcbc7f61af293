"""Company-name spans in a sentence: known names from the store (an EntityRuler gazetteer)
plus capitalised-name guesses for companies the store has not seen yet.

Guesses follow simple rules: a run of name-like tokens (capitalised, CamelCase like RadNet
or iCAD, or ``*.ai``), joined by ``&``, optionally followed by a legal suffix (``, Inc.``).
Words that are capitalised for other reasons (AI, FDA, months, nationalities, job titles,
function words at the start of a sentence) are not names. In a headline written in Title
Case only known names and CamelCase/``.ai`` names count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tracker.names import legal_form_in_text, strip_legal_form


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP = _words("""
a an the and or but of in on at for with as by to from into its it this that these those both
also after before under over new two three four five first second our their his her we they
ai fda ce us usa uk eu nhs ceo cfo cto president chief executive officer dr mr ms mrs
nasdaq nyse lse globe newswire cision prnewswire business wire series mri ct pet x ray mdr mdd
de novo pma january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday
friday saturday sunday dutch british english american german french israeli korean indian
chinese japanese european swedish danish belgian canadian australian swiss italian spanish
early mid late today yesterday read more related webinar study market hospitals demand
teleradiology radiology radiologists transcript corporate participants
""")
_AI_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*\.ai$", re.IGNORECASE)


@dataclass(frozen=True)
class OrgSpan:
    start: int  # token index in the sentence
    end: int
    text: str
    known: bool  # from the store's gazetteer


def gazetteer_patterns(names: Iterable[str], tokenizer: Any) -> list[dict[str, Any]]:
    """EntityRuler patterns (case-insensitive) for every known company name and alias."""
    patterns: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name in names:
        variants = {name.strip(), strip_legal_form(name)}
        for variant in variants:
            words = [t.text.lower() for t in tokenizer(variant)]
            key = " ".join(words)
            if not words or key in seen or (len(words) == 1 and (words[0] in STOP or len(words[0]) < 3)):
                continue
            seen.add(key)
            patterns.append({"label": "ORG", "pattern": [{"LOWER": w} for w in words], "id": name})
    return patterns


def _camel(text: str) -> bool:
    return any(c.isupper() for c in text[1:]) and any(c.islower() for c in text)


def _name_like(token: Any, *, headline: bool) -> bool:
    text = token.text
    if _AI_NAME.match(text):
        return True
    if not text[:1].isalpha() or text.lower() in STOP or text.lower().rstrip(".") in STOP:
        return False
    nxt = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if nxt is not None and nxt.text == "-" and token.i + 2 < len(token.doc) and token.nbor(2).text.islower():
        return False  # "London-based"
    if headline:
        return _camel(text) or (text.isupper() and len(text) > 2)
    return text[0].isupper() or _camel(text)


_FUNCTION = _words("a an and as at by for from in of on the to with gets is are")


def is_headline(sentence: Any) -> bool:
    """A Title-Case headline: most long words capitalised, or capitalised function words."""
    words = [t for t in sentence if t.is_alpha and len(t.text) > 3]
    capital_function = sum(t.text[0].isupper() and t.text.lower() in _FUNCTION
                           for t in list(sentence)[1:])
    ratio = sum(t.text[0].isupper() for t in words) / len(words) if words else 0.0
    return capital_function >= 2 or (len(words) >= 6 and ratio > 0.7)


def org_spans(sentence: Any) -> list[OrgSpan]:
    """Known (gazetteer) and guessed company names in a spaCy sentence span, in order."""
    headline = is_headline(sentence)
    offset = sentence.start
    spans: list[OrgSpan] = []
    taken: set[int] = set()
    inside: set[int] = set()  # tokens in parentheses: tickers, abbreviations
    level = 0
    for token in sentence:
        level += token.text == "("
        if level:
            inside.add(token.i)
        level -= token.text == ")" and level > 0
    for ent in sentence.ents:
        if ent.label_ == "ORG" and ent.start not in inside:
            spans.append(OrgSpan(ent.start - offset, ent.end - offset, ent.text, True))
            taken.update(range(ent.start, ent.end))
    depth = 0
    i = sentence.start
    while i < sentence.end:
        token = sentence.doc[i]
        depth += token.text == "("
        depth -= token.text == ")" and depth > 0
        if depth or i in taken or legal_form_in_text(token.text) or not _name_like(token, headline=headline):
            i += 1
            continue
        j = i + 1
        while j < sentence.end and j not in taken:
            tok = sentence.doc[j]
            if _name_like(tok, headline=headline) and not legal_form_in_text(tok.text):
                j += 1
            elif tok.text == "&" and j + 1 < sentence.end and _name_like(sentence.doc[j + 1], headline=headline):
                j += 2
            else:
                break
        if j < sentence.end and legal_form_in_text(sentence.doc[j].text):
            j += 1
        elif j + 1 < sentence.end and sentence.doc[j].text == "," and legal_form_in_text(sentence.doc[j + 1].text):
            j += 2
        spans.append(OrgSpan(i - offset, j - offset, sentence.doc[i:j].text, False))
        i = j
    return sorted(spans, key=lambda s: s.start)
