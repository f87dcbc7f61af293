"""Market events from news text: a blank English spaCy pipeline, a gazetteer of the store's
companies (EntityRuler), trigger phrases (Matcher) and argument rules.

Event types and what the two names mean (``company`` / ``counterparty``):

- ``acquisition``: target / acquirer; ``stake`` from "75% of"/"75% stake" (None = full);
  ``status`` ``announced`` for "to acquire", "agreed", "announced", "is acquiring";
  else ``completed``.
- ``merger``: first party / second party.
- ``closure``: the company (administration, bankruptcy, shutting down).
- ``rebrand``: old name / new name.
- ``ce_mark``, ``fda_clearance``, ``funding``: the company (``amount_usd`` for funding).
- ``partnership``: first party / second party (platform distribution, integration,
  licensing deals).

Each event keeps its sentence, the news URL and a confidence: a base per rule, more when
the names are known companies, less for a name guessed in a Title-Case headline or for an
event dated in the sentence rather than by the item (a retrospective mention).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from tracker.contract import analysed
from tracker.market.orgs import OrgSpan, gazetteer_patterns, org_spans
from tracker.names import legal_form_in_text, normalize_company
from tracker.nlp.pipeline import blank_pipeline
from tracker.records import EventRecord

BASE_CONFIDENCE = {"acquisition": 0.75, "merger": 0.7, "closure": 0.7, "rebrand": 0.65,
                   "ce_mark": 0.75, "fda_clearance": 0.8, "funding": 0.75, "partnership": 0.65}
TWO_PARTY = frozenset({"acquisition", "merger", "rebrand", "partnership"})

_W = {"acquire": ["acquire", "acquires", "acquired", "acquiring"],
      "acquisition": ["acquisition", "acquisitions"],
      "buy": ["buy", "buys", "bought", "buying", "purchase", "purchases", "purchased"],
      "partner": ["partner", "partners", "partnered", "partnering", "partnership", "collaboration",
                  "collaborates", "collaborated", "teams", "teamed"],
      "deal": ["deal", "agreement", "alliance"],
      "strike": ["strikes", "struck", "signs", "signed", "inks", "inked", "announces", "forms"],
      "expand": ["expand", "expands", "expanding", "expanded", "announce", "announces"],
      "merge": ["merge", "merges", "merged", "merging", "merger"],
      "receive": ["receives", "received", "receive", "obtains", "obtained", "gains", "gained",
                  "wins", "won", "secures", "secured", "earns", "earned", "gets", "got"],
      "raise": ["raises", "raised", "raising", "secures", "secured", "closes", "closed"],
      "rename": ["rebrands", "rebranded", "renamed", "renames"],
      "close": ["enters", "entered", "entering", "goes", "went", "placed", "falls", "fell"]}


def _any(key: str) -> dict[str, Any]:
    return {"LOWER": {"IN": _W[key]}}


TRIGGERS: dict[str, list[list[dict[str, Any]]]] = {
    "acquisition": [[_any("acquire")], [_any("acquisition")], [_any("buy")],
                    [{"LOWER": {"IN": ["takes", "took"]}}, {"LOWER": "over"}],
                    [{"LOWER": {"IN": ["controlling", "majority"]}}, {"LOWER": {"IN": ["interest", "stake"]}}]],
    "merger": [[_any("merge")]],
    "closure": [[_any("close"), {"LOWER": "into", "OP": "?"}, {"LOWER": "administration"}],
                [{"LOWER": {"IN": ["files", "filed", "filing"]}}, {"LOWER": "for"}, {"LOWER": "bankruptcy"}],
                [{"LOWER": {"IN": ["shuts", "shut", "shutting"]}}, {"LOWER": "down"}],
                [{"LOWER": {"IN": ["ceases", "ceased"]}}, {"LOWER": {"IN": ["operations", "trading"]}}],
                [{"LOWER": {"IN": ["liquidation", "insolvency"]}}]],
    "rebrand": [[_any("rename"), {"LOWER": {"IN": ["as", "to"]}, "OP": "?"}],
                [{"LOWER": {"IN": ["changes", "changed"]}}, {"LOWER": {"IN": ["its", "their"]}}, {"LOWER": "name"}]],
    "ce_mark": [[{"LOWER": "ce"}, {"TEXT": "-", "OP": "?"}, {"LOWER": {"IN": ["mark", "marking", "certification", "approval"]}}],
                [{"LOWER": "mdr"}, {"LOWER": {"IN": ["certification", "certificate", "approval"]}}]],
    "fda_clearance": [[{"LOWER": "fda"}, {"LOWER": {"IN": ["510(k", ")", "de", "novo"]}, "OP": "*"},
                       {"LOWER": {"IN": ["clearance", "approval", "authorization", "clearances"]}}],
                      [{"LOWER": "510(k"}, {"TEXT": ")"}, {"LOWER": "clearance"}],
                      [{"LOWER": "de"}, {"LOWER": "novo"}, {"LOWER": {"IN": ["clearance", "authorization", "grant"]}}],
                      [{"LOWER": {"IN": ["cleared", "approved"]}}, {"LOWER": "by"}, {"LOWER": "the", "OP": "?"}, {"LOWER": "fda"}]],
    "funding": [[_any("raise"), {"TEXT": {"IN": ["$", "€", "£", "US$"]}}],
                [{"LOWER": {"IN": ["funding", "financing", "investment", "seed"]}}, {"LOWER": "round"}],
                [{"LOWER": "series"}, {"TEXT": {"REGEX": "^[A-F]$"}}]],
    "partnership": [[_any("partner"), {"LOWER": {"IN": ["with", "between", "to", "on"]}}],
                    [_any("strike"), {"LOWER": {"IN": ["a", "an"]}, "OP": "?"}, _any("deal"), {"LOWER": "with"}],
                    [{"LOWER": {"IN": ["distribution", "licensing", "commercialization"]}}, _any("deal")],
                    [_any("expand"), {"LOWER": {"IN": ["the", "their", "its"]}, "OP": "?"}, {"LOWER": "integration"}]],
}

ANNOUNCED = re.compile(r"\b(to acquire|will acquire|agreed|agrees|agreement to|plans? to|announc\w+|"
                       r"is acquiring|are acquiring|intends? to|definitive|pending|proposed|to buy)\b", re.I)
COMPLETED = re.compile(r"\b(complet\w+|closed the|closes the|closing of|finali[sz]ed)\b", re.I)
STAKE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s?%")
MONEY = re.compile(r"[$€£]\s?(\d+(?:\.\d+)?)\s?(million|billion|m|bn|b)\b", re.I)
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                      "august", "september", "october", "november", "december"], 1)}
WHEN = re.compile(r"\b(?:in\s+)?(?:(early|mid|late)[- ]|(" + "|".join(MONTHS) + r")\s+)?((?:19|20)\d\d)\b", re.I)
MONTH_IN = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(?:19|20)\d\d\b", re.I)
DATELINE = re.compile(r"^[A-Z][A-Za-z .,']*?\d{4}(?:\s*\([^)]*\))?\s*(?:--|—|–)\s*")
_COORD = re.compile(r"^(,|and|, and|&|:|as well as|, as well as)$|^, (a|an|the) [^;]*, and$")


@dataclass
class ExtractedEvent:
    event_type: str
    company: str
    counterparty: str | None
    sentence: str
    confidence: float
    event_date: date | None = None
    status: str | None = None
    stake: float | None = None
    amount_usd: float | None = None
    news_url: str | None = None
    rule: str = ""
    known: list[bool] = field(default_factory=list)
    date_precision: str | None = None  # day (the news item's date), month or year (the sentence's)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.event_type, normalize_company(self.company), normalize_company(self.counterparty or ""))

    def to_record(self, *, source: str = "news", fetched_at: Any = None) -> EventRecord:
        extra = {"fetched_at": fetched_at} if fetched_at else {}
        return EventRecord(source=source, source_url=self.news_url or "", raw={"rule": self.rule, "amount_usd": self.amount_usd},
                           event_type=self.event_type, company=self.company, counterparty=self.counterparty,
                           event_date=self.event_date, status=self.status, stake=self.stake,
                           sentence=self.sentence, news_url=self.news_url, origin="extracted",
                           confidence=round(self.confidence, 2), **extra)


class EventExtractor:
    """Build once (with the store's company names), then call ``extract`` per news item."""

    def __init__(self, company_names: Iterable[str] = ()) -> None:
        from spacy.matcher import Matcher

        self.nlp = blank_pipeline()  # a fresh one: the entity ruler is added to it
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns = gazetteer_patterns(company_names, self.nlp.tokenizer)
        ruler.add_patterns(patterns or [{"label": "ORG", "pattern": [{"LOWER": "\u0000"}]}])  # type: ignore[attr-defined]
        self.matcher = Matcher(self.nlp.vocab)
        for event_type, pats in TRIGGERS.items():
            self.matcher.add(event_type, pats)

    def extract(self, texts: list[str], *, published: date | None = None, news_url: str | None = None) -> list[ExtractedEvent]:
        """Events in the title and body of one item, one per (type, company, counterparty)."""
        found: dict[tuple[str, str, str], ExtractedEvent] = {}
        for text in texts:
            if not text:
                continue
            doc = self.nlp(DATELINE.sub("", analysed(text).strip()))
            for sentence in doc.sents:
                for event in self._sentence_events(sentence, published, news_url):
                    previous = found.get(event.key)
                    if previous is None:
                        found[event.key] = event
                    else:  # corroborated by another sentence
                        best = event if event.confidence > previous.confidence else previous
                        other = previous if best is event else event
                        found[event.key] = replace(best, confidence=min(1.0, best.confidence + 0.05),
                                                   status=_stronger(previous.status, event.status),
                                                   stake=best.stake if best.stake is not None else other.stake,
                                                   amount_usd=best.amount_usd or other.amount_usd)
        return list(found.values())

    def _sentence_events(self, sentence: Any, published: date | None, news_url: str | None) -> list[ExtractedEvent]:
        orgs = org_spans(sentence)
        if not orgs:
            return []
        events: list[ExtractedEvent] = []
        seen: set[tuple[str, int]] = set()
        for match_id, start, end in self.matcher(sentence.as_doc()):
            event_type = self.nlp.vocab.strings[match_id]
            if (event_type, start) in seen:
                continue
            seen.add((event_type, start))
            for first, second in _arguments(event_type, orgs, start, end, sentence):
                events.append(self._event(event_type, first, second, sentence, published, news_url, (start, end)))
        return _dedupe(events)

    def _event(self, event_type: str, first: OrgSpan, second: OrgSpan | None, sentence: Any,
               published: date | None, news_url: str | None, trigger: tuple[int, int]) -> ExtractedEvent:
        text = sentence.text
        when, explicit = _sentence_date(text)
        precision = ("month" if MONTH_IN.search(text) else "year") if when else ("day" if published else None)
        confidence = BASE_CONFIDENCE[event_type]
        parties = [first] + ([second] if second else [])
        confidence += 0.1 * sum(p.known for p in parties) / len(parties)
        if explicit and published and when and when.year != published.year:
            confidence -= 0.1  # a retrospective mention
        event = ExtractedEvent(event_type=event_type, company=first.text, counterparty=second.text if second else None,
                               sentence=text, confidence=min(confidence, 1.0), event_date=when or published,
                               news_url=news_url, rule=f"{event_type}:{sentence[trigger[0]:trigger[1]].text.lower()}",
                               known=[p.known for p in parties], date_precision=precision)
        if event_type == "acquisition":
            event.status = "completed" if COMPLETED.search(text) or not ANNOUNCED.search(text) else "announced"
            stake = STAKE.search(text)
            event.stake = float(stake.group(1)) / 100 if stake else None
        if event_type == "funding":
            event.amount_usd = _money(text)
        return event


def _arguments(event_type: str, orgs: list[OrgSpan], start: int, end: int, sentence: Any) -> list[tuple[OrgSpan, OrgSpan | None]]:
    left = [o for o in orgs if o.end <= start]
    right = [o for o in orgs if o.start >= end]
    words = [t.text.lower() for t in sentence]
    if event_type not in TWO_PARTY:
        subject = left[-1] if left else (right[0] if right and event_type != "closure" else None)
        return [(subject, None)] if subject else []
    if event_type == "acquisition":
        passive = end < len(words) and words[end] == "by" or "by" in words[end:end + 1]
        by = [o for o in right if o.start > 0 and words[o.start - 1] == "by"]
        if by and (passive or words[start] in ("acquisition", "acquisitions")):
            targets = [o for o in right if o.start < by[0].start] or left[-1:]
            return [(t, by[0]) for t in _coordinated(targets[:1] + targets[1:], sentence) if t != by[0]]
        if not left or not right:
            return []
        return [(t, left[-1]) for t in _coordinated(right, sentence)]
    if event_type == "rebrand":
        return [(left[-1], right[0])] if left and right else []
    pair = _coordinated(left[::-1], sentence, reverse=True)[:2]
    if len(pair) == 2 and (not right or event_type == "partnership" and words[end - 1] != "with"):
        return [(pair[1], pair[0])]
    if left and right:
        return [(left[-1], right[0])]
    return []


def _coordinated(spans: list[OrgSpan], sentence: Any, *, reverse: bool = False) -> list[OrgSpan]:
    """The first span plus those joined to it by ",", "and", "&" or an appositive."""
    if not spans:
        return []
    chosen = [spans[0]]
    for nxt in spans[1:]:
        a, b = (nxt, chosen[-1]) if reverse else (chosen[-1], nxt)
        gap = re.sub(r"\([^)]*\)", "", sentence[a.end:b.start].text).strip()
        gap = _after_legal_form(gap)
        gap = re.sub(r"\s+", " ", gap).replace(" ,", ",")
        if not _COORD.match(gap):
            break
        chosen.append(nxt)
    return chosen


def _after_legal_form(gap: str) -> str:
    """The gap without a legal form that opens it (", Inc. and" -> "and")."""
    head, _, rest = gap.lstrip(", ").partition(" ")
    return rest.strip() if legal_form_in_text(head.rstrip(",")) else gap


def _dedupe(events: list[ExtractedEvent]) -> list[ExtractedEvent]:
    out: dict[tuple[str, str, str], ExtractedEvent] = {}
    for event in events:
        if event.counterparty and normalize_company(event.company) == normalize_company(event.counterparty):
            continue
        if event.key not in out or event.confidence > out[event.key].confidence:
            out[event.key] = event
    return list(out.values())


def _stronger(a: str | None, b: str | None) -> str | None:
    return "completed" if "completed" in (a, b) else a or b


def _sentence_date(text: str) -> tuple[date | None, bool]:
    match = WHEN.search(text)
    if not match:
        return None, False
    part, month, year = match.groups()
    if month:
        return date(int(year), MONTHS[month.lower()], 1), True
    if part or match.group(0).lower().startswith("in"):
        start_month = {"early": 1, "mid": 6, "late": 10}.get((part or "").lower(), 1)
        return date(int(year), start_month, 1), True
    return None, False


def _money(text: str) -> float | None:
    match = MONEY.search(text)
    if not match:
        return None
    scale = 1e9 if match.group(2).lower() in ("billion", "bn", "b") else 1e6
    return float(match.group(1)) * scale
