"""Candidate products for a paper, from gazetteer mentions, with the context of each.

A candidate collects every mention that points at one product: its own name or alias
(``product``), a family name ("Lunit INSIGHT", resolved by topic), or the company alone
("a commercial algorithm (Aidoc)", resolved by topic and only in a sentence about
software). Weak mentions (short or everyday names) count only when corroborated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.contract import PaperRecord, ProductRecord, analysed
from tracker.linking.context import (
    ANAPHOR,
    CITATION,
    COMMERCIAL,
    EVALUATION,
    PURPOSE,
    SCANNER,
    SOFTWARE,
    about_ai,
    clause_around,
    is_development,
    is_review,
    refine_section,
    section_at,
    sections,
)
from tracker.linking.topics import Topics, agreement
from tracker.names import fold
from tracker.nlp.gazetteer import Gazetteer, Mention, matcher_text
from tracker.nlp.lexicon import is_common
from tracker.nlp.relevance import is_radiology_ai
from tracker.nlp.variants import company_forms

MAX_UNRESOLVED = 5  # family or vendor members sent to review when the paper does not decide
COMPARED_WITH = re.compile(r"\b(versus|vs\.?|compared (with|to)|comparison|against|and)\b",
                           re.IGNORECASE)
_NEAR = 40  # characters around a weak mention searched for "software", "algorithm", ...


@dataclass
class Sighting:
    """One mention of a candidate, with the sentence around it."""

    mention: Mention
    field: str  # title | abstract
    sentence: str
    section: str  # title | background | purpose | body | conclusion
    evaluative: bool
    citing: bool
    commercial: bool


@dataclass
class Candidate:
    product: str
    via: str  # product | family | company
    sightings: list[Sighting] = field(default_factory=list)
    strong: bool = False
    company_named: bool = False
    topic_fit: int = 0  # findings shared with the paper
    modality: int = 0  # 1 agree, 0 unknown, -1 conflict
    similarity: float | None = None
    unresolved: bool = False  # a family or vendor name the paper's topic does not decide


@dataclass
class Analysis:
    paper: PaperRecord
    candidates: dict[str, Candidate]
    companies: set[str]
    side_companies: set[str]  # named in affiliations or conflict statements
    text_companies: list[str]  # companies named in the title or abstract, as written
    found_topics: Topics | None  # None: not needed while analysing (no name sighted)
    review: bool
    development: bool

    @property
    def topics(self) -> Topics:
        """Modalities and findings of the paper's text (computed on first use: most papers
        of a day name no product, and their topics are never asked for)."""
        if self.found_topics is None:
            self.found_topics = Topics.of(analysed(self.paper.text))
        return self.found_topics


class CandidateFinder:
    def __init__(self, products: Sequence[ProductRecord]) -> None:
        self.products = {p.id: p for p in products}
        self.gazetteer = Gazetteer(list(products))
        self.topics = {p.id: Topics.of(" ".join([p.name, *p.aliases, p.description]), p.modality)
                       for p in products}
        self.name_words = {p.id: _name_words(p) for p in products}

    def analyse(self, papers: Sequence[PaperRecord]) -> list[Analysis]:
        nlp = self.gazetteer.nlp
        titles = list(nlp.pipe(matcher_text(analysed(p.title)) for p in papers))
        abstracts = list(nlp.pipe(matcher_text(analysed(p.abstract)) for p in papers))
        return [self._one(p, t, a) for p, t, a in zip(papers, titles, abstracts, strict=True)]

    def _one(self, paper: PaperRecord, title_doc: Any, abstract_doc: Any) -> Analysis:
        gaz = self.gazetteer
        # each text as analysed: its first ANALYSED_CHARS characters (tracker.contract)
        title, abstract, text = analysed(paper.title), analysed(paper.abstract), analysed(paper.text)
        side_text = analysed(paper.side_text)
        title_found = gaz.find(title_doc, title)
        abstract_found = gaz.find(abstract_doc, abstract)
        side = gaz.find_text(side_text) if side_text else None
        companies = title_found.companies | abstract_found.companies | (
            side.companies if side else set())
        sightings: list[Sighting] = []
        sightings += _sightings(title_found.mentions, title_doc, title, "title")
        sightings += _sightings(abstract_found.mentions, abstract_doc, abstract, "abstract")
        # a paper that names nothing (most of a day's papers) needs none of what follows
        topics = Topics.of(text) if sightings else None
        company_cues: dict[str, bool] = {}

        def company_cue(name: str) -> bool:
            """Asked only about company sightings: is it a radiology AI paper, and is its
            title or stated aim about software?"""
            if name not in company_cues:
                company_cues["ai_paper"] = is_radiology_ai(text)
                company_cues["ai_topic"] = about_ai(
                    title, [s.sentence for s in sightings if s.section == "purpose"]
                    + _purpose_sentences(abstract))
            return company_cues[name]
        candidates: dict[str, Candidate] = {}
        counted = [s for s in sightings if s.mention.kind == "product"
                   and self._counts(s, companies)]
        # "Viz LVO versus Rapid LVO": a weak name compared with a counted one counts too
        counted += [s for s in sightings if s.mention.kind == "product" and s not in counted
                    and COMPARED_WITH.search(s.sentence) and any(
                        o.sentence == s.sentence and o.mention.company != s.mention.company
                        for o in counted)]
        for s in sightings:  # own names first, then family and company mentions by topic
            if s in counted:
                for key in s.mention.targets:
                    self._add(candidates, key, "product", s, companies)
        # one span may name several companies' products ("Volpara" under two legal names):
        # resolve over all of them together
        pooled: dict[tuple[str, int, int], set[str]] = {}
        for s in sightings:
            if s.mention.kind != "product":
                pooled.setdefault((s.field, s.mention.start, s.mention.end), set()).update(
                    s.mention.targets)
        for s in sightings:
            m = s.mention
            if m.kind == "product" or not self._counts(s, companies):
                continue
            if m.kind == "company" and not (SOFTWARE.search(s.sentence) or (
                    company_cue("ai_paper") and not SCANNER.search(s.sentence))):
                continue  # "scanned on a Siemens scanner" says nothing about software
            if m.kind == "company" and not company_cue("ai_topic"):
                continue  # "density measured by software (Volpara)" in a surgery paper
            if any(o.mention.kind == "product" and o.mention.company == m.company
                   and (o.field, o.sentence) == (s.field, s.sentence) for o in sightings):
                continue  # "ChestLink (Oxipit, Vilnius)": the company attributes a named product
            pool = tuple(sorted(pooled[(s.field, m.start, m.end)]))
            local = s.sentence[max(0, s.sentence.find(m.text)):]
            assert topics is not None  # a sighting was made
            keys, resolved = self._resolve(pool, topics, text, local)
            for key in keys:
                if key in m.targets:
                    self._add(candidates, key, m.kind, s, companies)
                    if not resolved:
                        candidates[key].unresolved = True
        for key, cand in candidates.items():
            assert topics is not None  # every candidate comes from a sighting
            fit = agreement(self.topics[key], topics)
            cand.topic_fit, cand.modality = fit.findings, fit.modality
        written = [m.text for m in (*title_found.mentions, *abstract_found.mentions)
                   if m.kind == "company"]
        return Analysis(paper, candidates, companies, side.companies if side else set(), written,
                        topics,
                        review=is_review(title, paper.publication_types, abstract),
                        development=is_development(abstract))

    def _counts(self, s: Sighting, companies: set[str]) -> bool:
        """Strong mentions count; weak ones need the company, a trademark sign or version,
        or (unless made of everyday words) a software word next to them."""
        m = s.mention
        if m.strong and not m.very_common:
            return True
        if m.company in companies or m.marked:
            return True
        if m.very_common and _capitalised_word(m.text):
            # "RAPID perfusion software", "from Philips, Siemens and RAPID packages"
            return bool(SOFTWARE.search(_near(s, 70)))
        if m.very_common or (m.plain and not _capitalised_word(m.text)):
            return False
        return bool(SOFTWARE.search(_near(s)))

    def _named(self, key: str, text: str) -> float:
        """The share of a product's own name words (brand removed) the paper uses:
        "FFRCT (HeartFlow)" points at "HeartFlow FFRct Analysis", not "HeartFlow Plaque"."""
        words = self.name_words[key]
        if not words:
            return 0.0
        low = text.lower()
        return sum(1 for w in words if re.search(rf"\b{re.escape(w)}\b", low)) / len(words)

    def _resolve(self, targets: tuple[str, ...], topics: Topics, text: str, local: str = ""
                 ) -> tuple[list[str], bool]:
        """The family members or company products the paper's topic points at, and whether
        the paper decides between them. Ties are kept only for members with a finding of
        their own that the paper names ("Aidoc ICH and PE": a head-to-head within one
        vendor); otherwise the tied members come back unresolved (for review), never all
        linked by default."""
        scored = []
        for key in targets:
            fit = agreement(self.topics[key], topics)
            if fit.conflict:
                continue
            if fit.findings > 0 or (len(targets) == 1 and fit.modality > 0):
                # most shared findings, then fewest of its own findings the paper lacks
                rank = (fit.weight, self._named(key, text),
                        -(fit.product_findings - fit.findings), fit.modality)
                scored.append((rank, fit.weight, key))
        if not scored:
            # the paper names the family or vendor but not what it studies: every member
            # that does not conflict goes to review (a short list only)
            open_ = [key for key in targets if not agreement(self.topics[key], topics).conflict]
            return (open_, False) if 0 < len(open_) <= MAX_UNRESOLVED else ([], True)
        heaviest = max(weight for _, weight, _ in scored)
        pool = sorted(((rank, key) for rank, weight, key in scored if weight * 2 >= heaviest),
                      key=self._best_first)
        if len(pool) == 1:
            return [pool[0][1]], True
        keys = _representatives(pool, self.topics, topics)
        if len(keys) == 1:
            return keys, True
        peak = max(topics.findings[f] for key in keys for f in self.topics[key].findings
                   if f in topics.findings)
        # a head-to-head within one vendor ("Aidoc ICH and PE"): members whose own finding
        # the paper names prominently; a suite ("Brainomix 360, which gives ASPECTS, vessel
        # occlusion and perfusion"): members whose own finding the rest of the sentence names
        near = Topics.of(local)
        own = [key for key in keys if self._own_finding(key, keys, topics, peak / 2)
               or self._own_finding(key, keys, near, 1)]
        if own:
            return own, True
        if pool[0][0] > pool[1][0]:
            return [pool[0][1]], True
        return [key for rank, key in pool if rank == pool[0][0]], False

    def _best_first(self, item: tuple[tuple[float, ...], str]) -> tuple[Any, ...]:
        """Rank, best first; between equal ranks the line's base product (the shortest name:
        "Lunit INSIGHT CXR" before "Lunit INSIGHT CXR Triage"), then the name. Never the
        catalogue's ids: they follow the order a store happened to number its products in."""
        rank, key = item
        name = self.products[key].name
        return (tuple(-part for part in rank), len(name), name.casefold(), key)

    def _own_finding(self, key: str, tied: list[str], topics: Topics, least: float) -> bool:
        """The paper names, at least ``least`` times, a finding of ``key`` that no other
        tied member has."""
        others: set[str] = set()
        for other in tied:
            if other != key:
                others.update(self.topics[other].findings)
        return any(topics.findings.get(f, 0) >= max(1.0, least) and f not in others
                   for f in self.topics[key].findings)

    def _add(self, candidates: dict[str, Candidate], key: str, via: str, s: Sighting,
             companies: set[str]) -> None:
        cand = candidates.setdefault(key, Candidate(product=key, via=via))
        cand.sightings.append(s)
        cand.strong = cand.strong or (s.mention.strong and via == "product")
        cand.company_named = cand.company_named or self.products[key].company_key in companies


def _representatives(pool: list[tuple[Any, str]], product_topics: dict[str, Topics],
                     paper: Topics) -> list[str]:
    """One member per set of findings the paper names: "BriefCase (PE)" and "BriefCase
    (iPE)" both match a paper on embolism; the better ranked (fewer findings the paper
    lacks) stands for both. ``pool`` is sorted best first."""
    seen: set[frozenset[str]] = set()
    out = []
    for _, key in pool:
        shared = frozenset(f for f in product_topics[key].findings if f in paper.findings)
        if shared not in seen:
            seen.add(shared)
            out.append(key)
    return out


def _purpose_sentences(abstract: str) -> list[str]:
    """Sentences of the abstract's purpose/objective section, or that state an aim."""
    marks = sections(abstract)
    out = []
    for i, (start, kind) in enumerate(marks):
        if kind == "purpose":
            end = marks[i + 1][0] if i + 1 < len(marks) else len(abstract)
            out.append(abstract[start:end])
    # each full stop ends a piece; a piece that states an aim counts whole (one pass: the
    # single pattern ``[^.]*\bwe aimed[^.]*\.`` took time quadratic in a piece's length)
    out += [piece for piece in _PIECES.findall(abstract) if _AIM.search(piece)]
    return out


_PIECES = re.compile(r"[^.]*\.")
_AIM = re.compile(r"\b(?:we aimed|we sought|the aim|the purpose|this study)", re.IGNORECASE)


def _name_words(product: ProductRecord) -> list[str]:
    """Lower-cased words of the product name without the company's words and fillers."""
    split = re.sub(r"(?<=[a-z]{2})(?=[A-Z][a-z])", " ", product.name)
    brand = set(fold(" ".join(company_forms(product.company, product.company_aliases))).split())
    words = re.findall(r"[A-Za-z0-9]+", split)
    return list(dict.fromkeys(w.lower() for w in words if w.lower() not in brand
                              and w.lower() not in {"for", "and", "the", "of", "with"}
                              and w.lower() not in {"analysis", "software", "ai", "system"}))


def _capitalised_word(text: str) -> bool:
    """An everyday word written all in capitals ("RAPID LVO"): how brands are written."""
    return any(len(w) >= 4 and w.isupper() and w.isalpha() and is_common(w)
               for w in re.findall(r"[A-Za-z]+", text))


def _near(s: Sighting, width: int = _NEAR) -> str:
    """The words around a mention inside its sentence."""
    text = s.sentence
    at = text.find(s.mention.text)
    if at < 0:
        return text
    return text[max(0, at - width):at + len(s.mention.text) + width]


def _annotates(m: Mention, mentions: list[Mention], text: str) -> bool:
    """A name inside the parenthesis right after another product of the same company
    annotates it: "RAPID LVO (RAPID 4.9, iSchemaView)" names one product, not two."""
    if m.kind != "product":
        return False
    for other in mentions:
        if (other.kind == "product" and other.company == m.company and other.end <= m.start
                and other.targets != m.targets
                and re.fullmatch(r"\s*\(\s*", text[other.end:m.start])):
            return True
    return False


def _sightings(mentions: list[Mention], doc: Any, text: str, field_name: str) -> list[Sighting]:
    if not mentions:
        return []
    sents = list(doc.sents)
    marks = sections(text) if field_name == "abstract" else []
    out = []
    for m in mentions:
        if _annotates(m, mentions, text):
            continue
        sent = sents[m.sentence] if m.sentence < len(sents) else sents[-1]
        sentence = text[sent.start_char:sent.end_char].strip()
        if field_name == "title":
            section = "title"
        else:
            section = refine_section(
                section_at(marks, sent.start_char, m.sentence, len(sents)), sentence)
        clause = clause_around(sentence, m.text)
        citing = bool(CITATION.search(clause))
        evaluative = section == "title" or (bool(EVALUATION.search(clause)) and not citing
                                            and section != "background")
        if section == "background" and not citing and m.sentence + 1 < len(sents):
            # "Two tools, X and Y, are marketed. We assessed their ability ..."
            following = sents[m.sentence + 1].text
            evaluative = bool(PURPOSE.search(following) and ANAPHOR.search(following))
        out.append(Sighting(m, field_name, sentence, section, evaluative, citing,
                            bool(COMMERCIAL.search(sentence))))
    return out
