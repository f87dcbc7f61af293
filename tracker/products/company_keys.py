"""Company identity: which spellings of a company name are one company.

``resolve_companies(names)`` gives every name a ``company_key`` (names with the same key are
one company) and the company's display name. It runs in product resolution
(``tracker.products.companies.merge_company_groups``) over every stored company name and
alias, and in ``tracker resolve-companies`` over a file of names. The rules, all of them here;
each is tested on real rows of the FDA AI-enabled device list (tests/test_company_identity.py).

The spelling key of one name (``spelling``; it needs no other name)
  K1. Case, accents, trademark signs, spacing and punctuation do not count, and neither does
      a space inside a word: "Body Vision Medical Ltd." = "BodyVision Medical Ltd.",
      "Nano-X AI Ltd." = "NanoxAI Ltd.", "Nico.Lab B.V." = "NICo-Lab B.V." (the key is the
      folded name without spaces).
  K2. Legal forms at the end are dropped, including written without their last dot or spaced
      out ("MRIguidance B.V" = "MRIguidance B.V."), Bulgarian AD, EAD, OOD, EOOD ("Smart Soft
      Healthcare AD"), Chinese "Co., Ltd." variants, "S.p.A.", "Sp. z o.o.", "d.o.o.", "ULC",
      "Pte.", "(publ)", "ehf", "L3C", "Joint Stock Company", Turkish "San. ve Tic. A.S.", and
      the misspelt "PTD" for "Pty" ("COMPUMEDICS PTD LTD." = "Compumedics Limited").
  K3. Parentheticals are dropped: "Medicrea International S.A.S. (Medtronic)" = "Medicrea
      International", "GE Healthcare (Tianjin) Company Limited", "(a subsidiary of ...)",
      "DIACOUSTIC MEDICAL (PTY)"; so is a trailing ", a subsidiary of ..." or ", a ... company".
  K4. "d/b/a X", "dba X", "(dba X)", "formerly X", "f/k/a X": the name before it is the
      company, X is another name of it (a brand alias, or a former name): "VGBio, Inc (DBA
      PhysIQ)" is the company that "physIQ, Inc" names (rule R3).
  K5. "Al" written for "AI" after the first word is "AI" ("MaxQ Al Ltd." = "MaxQ AI Ltd.").
  K6. A leading Chinese city or province is dropped when a name follows ("Xiamen Manteia
      Technology" -> "Manteia Technology", "Beijing Infervision Technology").
  A truncated name ending in "and" or "&" loses that word.

Rules over a set of names (``resolve_companies``)
  R1. Equal spelling keys are one company.
  R2. The packaged ``company_aliases.toml``: a name that matches an entry (its name, a legal,
      brand or former name, or a prefix; see the data file) belongs to that company, shown
      under the entry's name. This follows renames and rebrands ("Bay Labs, Inc." -> Caption
      Health, "HeartVista, Inc." -> Vista AI, "DIACARDIO, LTD." -> DiA Imaging Analysis,
      "Perspectum Diagnostics Ltd" -> Perspectum, "Matakina Technology LTD" -> Volpara
      Health, "Zebra Medical Vision Ltd." -> Nanox AI) and groups legal entities of one
      group. Two names of two different entries are never merged by any rule.
  R3. A name equal (R1) to another name's d/b/a or former name (K4) is that company.
  R4. Descriptor tails: names whose words, after dropping trailing descriptors ("Medical",
      "Health", "Technologies", "Imaging", "Diagnostics", "Research", "USA", ... see
      ``DESCRIPTORS``), are the same core ("Exo Inc" / "Exo Imaging", "Bunkerhill, Inc" /
      "BunkerHill Health", "Techsomed" / "Techsomed Medical Technologies") are one company
      when their descriptor sets nest (one holds the other): "Carestream Dental" and
      "Carestream Health" differ by a distinguishing word (dental is no descriptor), and
      "Eko Health" / "Eko Devices" hold different descriptors, so neither pair merges here.
      Where the descriptor sets of one core do not nest, each name joins the one largest set
      that holds it, and a name that two such sets hold joins neither. The core must hold a
      word that is not everyday English (Zipf frequency < 3.5: "Exo", "Hyperfine" yes;
      "Digital", "Vision", "Abbott" no), so "Digital Health" and "Digital Diagnostics" never
      meet through it. A core that another name extends by a distinguishing word is left
      alone: "Carestream" next to "Carestream Dental" joins neither Dental nor Health.
  R5. Typos: two names of the same number of words that differ in exactly one word, where
      both forms of that word are at least 8 letters long and one edit apart (insertion,
      deletion, substitution or transposition of adjacent letters): "Edwards Lifeciences,
      LLC" = "Edwards Lifesciences LLC", "MRlguidance B.V." = "MRIguidance B.V.". Never when
      the two forms are both everyday English words (unless one is the plural of the other).
      So "Augmedics"/"Augmedit" (two edits), "Avicena"/"Avicenna.AI" (one word vs two) and
      "InVision"/"Infervision" stay apart.

The display name of a company: the entry's name (R2), else the spelling most names of the
set use (ties: not all capitals, shortest), without legal form, parentheticals and d/b/a.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tracker.names import LEGAL_SUFFIXES, fold, join_dotted, normalize_company
from tracker.products.companies import CompanyEntry, load_company_entries

EXTRA_LEGAL_FORMS = frozenset(["ad", "ead", "ood", "eood", "jsc", "ulc", "pte", "publ", "ehf", "l3c", "ptd", "spa", "sapa", "kft", "zrt", "nyrt", "sro", "ooo", "pjsc", "bvba", "sprl", "ltda", "eirl", "sas", "sasu", "gmbh", "kgaa"])
"""Legal forms beyond ``tracker.names.LEGAL_SUFFIXES`` (kept apart: ``normalize_company``
keys are stored and must not change)."""

LEGAL_PHRASES: tuple[tuple[str, ...], ...] = (
    ("sp", "z", "o", "o"), ("sp", "z", "oo"), ("sp", "z"), ("joint", "stock", "company"), ("joint", "stock"),
    ("san", "ve", "tic"), ("sanayi", "ve", "ticaret"), ("public", "company"), ("pty", "ltd"),
)
"""Legal forms of several words, as folded words."""

DESCRIPTORS = frozenset(["medical", "medicine", "health", "healthcare", "technology", "technologies", "tech", "diagnostics", "diagnostic", "imaging", "systems", "system", "solutions", "solution", "devices", "device", "research", "instruments", "instrument", "analytics", "labs", "lab", "laboratories", "laboratory", "international", "group", "holdings", "holding", "software", "sciences", "science", "innovations", "innovation", "services", "enterprises", "global", "usa", "us", "america", "americas", "north", "europe", "uk", "na"])
"""Words that describe a company rather than name it (rule R4). Not here on purpose: "ai"
(Eko.ai vs Eko Health), "dental" (Carestream Dental vs Carestream Health), modality and body
words ("ultrasound", "cardiovascular", "neurovascular"), "surgical", "robotics"."""

_SINGULAR = {"technologies": "technology", "tech": "technology", "diagnostics": "diagnostic",
             "systems": "system", "solutions": "solution", "devices": "device",
             "instruments": "instrument", "labs": "laboratory", "lab": "laboratory",
             "laboratories": "laboratory", "sciences": "science", "innovations": "innovation",
             "holdings": "holding", "americas": "america", "usa": "us", "medicine": "medical",
             "healthcare": "health"}

PLACES = frozenset(["beijing", "shanghai", "shenzhen", "hangzhou", "guangzhou", "wuhan", "nanjing", "tianjin", "chongqing", "suzhou", "xiamen", "chengdu", "hefei", "jiangsu", "zhejiang", "guangdong", "shandong", "qingdao", "dalian", "changsha", "xi'an", "xian", "shenyang", "ningbo", "wuxi", "changzhou", "zhuhai", "foshan", "dongguan"])
"""Leading places dropped by K6."""

EVERYDAY_ZIPF = 3.5
"""A word at or above this Zipf frequency is everyday English (R4, R5): digital 4.8,
vision 4.6, abbott 3.8; exo 3.0, hyperfine 1.8, perspectum 0."""

TYPO_MIN_LENGTH = 8
"""R5 compares words of at least this many letters ("avicena" has 7)."""

_ALIAS_MARK = r"(?:d\s*/\s*b\s*/\s*a|dba|formerly|f\s*/\s*k\s*/\s*a|fka)\.?"
_ALIAS_IN_PARENS = re.compile(r"\(\s*" + _ALIAS_MARK + r"\s+([^)]*)\)", re.I)
_ALIAS_TAIL = re.compile(r"(?:[,;]\s*|\s+)" + _ALIAS_MARK + r"[\s,:]+(.+)$", re.I)
_PARENS = re.compile(r"\([^)]*\)?")
_SUBSIDIARY = re.compile(r",?\s+(?:an?\s+)?(?:wholly[- ]owned\s+)?subsidiary\s+of\s+.*$"
                         r"|,\s*an?\s+[\w .&'-]+\s+company\s*$", re.I)


@dataclass(frozen=True)
class Spelling:
    """One name read by rules K1-K6."""

    name: str
    words: tuple[str, ...]
    others: tuple[tuple[str, str], ...] = ()
    """Other names the name itself gives, with their alias kind (d/b/a: brand, formerly:
    former)."""
    legal: str = ""
    """The name without its d/b/a part, parentheticals and subsidiary notes (for display)."""

    @property
    def key(self) -> str:
        """The spelling key (K1): folded words without spaces."""
        return "".join(self.words)


def _is_legal(word: str) -> bool:
    return word in LEGAL_SUFFIXES or word in EXTRA_LEGAL_FORMS


def _drop_legal_forms(words: list[str]) -> list[str]:
    """K2 on folded words; the first word always stays."""
    changed = True
    while changed and len(words) > 1:
        changed = False
        if _is_legal(words[-1]) or words[-1] in ("and",):
            words.pop()
            changed = True
            continue
        for phrase in LEGAL_PHRASES:
            n = len(phrase)
            if len(words) > n and tuple(words[-n:]) == phrase:
                del words[-n:]
                changed = True
                break
        if changed:
            continue
        # a spaced-out form: "b v" (from "B.V"), "s a s", "a s"
        run = 0
        while run < len(words) - 1 and len(words[-1 - run]) == 1:
            run += 1
        for size in range(run, 1, -1):
            if "".join(words[-size:]) in LEGAL_SUFFIXES | EXTRA_LEGAL_FORMS:
                del words[-size:]
                changed = True
                break
    return words


def _kind(mark: str) -> str:
    return "former" if re.match(r"\s*[,;(]?\s*(formerly|f\s*/\s*k|fka)", mark, re.I) else "brand"


def split_names(name: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """K3/K4: (the company's own name, the other names it gives with their kind: ``brand``
    for d/b/a, ``former`` for formerly/f.k.a.)."""
    others = [(m.group(1), _kind(m.group(0))) for m in _ALIAS_IN_PARENS.finditer(name)]
    legal = _ALIAS_IN_PARENS.sub(" ", name)
    tail = _ALIAS_TAIL.search(legal)
    if tail is not None and tail.start() > 0:
        others.append((tail.group(1), _kind(tail.group(0))))
        legal = legal[:tail.start()]
    stripped = _SUBSIDIARY.sub("", _PARENS.sub(" ", legal))
    legal = stripped if fold(stripped) else legal
    cleaned = tuple((o.strip(" .,;"), kind) for o, kind in others if fold(o))
    return " ".join(legal.split()).strip(" ,;:-"), cleaned


def spelling(name: str) -> Spelling:
    """The spelling key of one name (rules K1-K6)."""
    legal, others = split_names(name)
    words = fold(join_dotted(legal)).split()
    words = [("ai" if w == "al" and i > 0 else w) for i, w in enumerate(words)]  # K5
    words = _drop_legal_forms(words)
    if len(words) > 1 and words[0] in PLACES:  # K6
        words = _drop_legal_forms(words[1:])
    if not words:
        words = fold(name).split() or [name.strip().lower()]
    return Spelling(name=name, words=tuple(words), others=others, legal=legal)


def display_name(name: str) -> str:
    """A name as a list shows it: no legal form (K2), parenthetical or d/b/a part (K3, K4);
    case and inner punctuation kept ("MRIguidance B.V" -> "MRIguidance")."""
    legal, _ = split_names(name)
    tokens = legal.replace(",", " ").split()
    token_words = [fold(join_dotted(t)).split() for t in tokens]
    kept = len(_drop_legal_forms([w for ws in token_words for w in ws]))
    out: list[str] = []
    count = 0
    for token, ws in zip(tokens, token_words, strict=True):
        if count >= kept and out:
            break
        out.append(token)
        count += len(ws)
    return " ".join(out).strip(" .,;:-") or name.strip()


def _zipf(word: str) -> float:
    from tracker.nlp.lexicon import zipf

    return zipf(word)


def everyday(word: str) -> bool:
    return _zipf(word) >= EVERYDAY_ZIPF


def core_and_tail(words: Sequence[str]) -> tuple[tuple[str, ...], frozenset[str]]:
    """R4: the words without trailing descriptors, and the descriptors (singular)."""
    core = list(words)
    tail: set[str] = set()
    while len(core) > 1 and core[-1] in DESCRIPTORS:
        word = core.pop()
        tail.add(_SINGULAR.get(word, word))
    return tuple(core), frozenset(tail)


def _plural_pair(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return long_ in (short + "s", short + "es") or (short.endswith("y") and long_ == short[:-1] + "ies")


def typo_pair(a: str, b: str) -> bool:
    """R5 on the one word two names differ in."""
    from rapidfuzz.distance import OSA

    if min(len(a), len(b)) < TYPO_MIN_LENGTH or OSA.distance(a, b, score_cutoff=1) > 1:
        return False
    return _plural_pair(a, b) or not (everyday(a) and everyday(b))


@dataclass
class Resolution:
    """One input name resolved."""

    name: str
    company_key: str
    company: str
    rules: list[str] = field(default_factory=list)
    """Why the name is in its company besides its own key: R2:<entry>, R3, R4, R5."""
    entry: CompanyEntry | None = None
    others: tuple[tuple[str, str], ...] = ()


class _Sets:
    """Union-find over spelling keys; two keys of different entries never join."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.entry: dict[str, str] = {}

    def add(self, key: str) -> None:
        self.parent.setdefault(key, key)

    def find(self, key: str) -> str:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ea, eb = self.entry.get(ra), self.entry.get(rb)
        if ea and eb and ea != eb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        entry = ea or eb
        if entry:
            self.entry[ra] = entry
        return True


def _entry_keys(entries: Sequence[CompanyEntry]) -> dict[str, CompanyEntry]:
    keys: dict[str, CompanyEntry] = {}
    for entry in entries:
        for text in [entry.name, *(a for a, _ in entry.aliases)]:
            keys.setdefault(spelling(text).key, entry)
    return keys


def _entry_for(sp: Spelling, entries: Sequence[CompanyEntry], keys: dict[str, CompanyEntry]) -> CompanyEntry | None:
    if sp.key in keys:
        return keys[sp.key]
    for key in (normalize_company(sp.name), normalize_company(sp.legal), " ".join(sp.words)):
        found = next((e for e in entries if key and e.matches(key)), None)
        if found is not None:
            return found
    return None


def resolve_companies(names: Iterable[str], entries: Sequence[CompanyEntry] | None = None) -> dict[str, Resolution]:
    """Every distinct name -> its company (rules R1-R5 over the whole set)."""
    entries = load_company_entries() if entries is None else entries
    counts = Counter(n for n in names if n and n.strip())
    spellings = {n: spelling(n) for n in counts}
    sets = _Sets()
    why: dict[str, list[str]] = defaultdict(list)
    entry_keys = _entry_keys(entries)
    by_name: dict[str, CompanyEntry] = {}
    for sp in spellings.values():  # R1 (one node per key) and R2
        sets.add(sp.key)
        entry = _entry_for(sp, entries, entry_keys)
        if entry is not None:
            by_name[entry.name] = entry
            node = "entry:" + entry.name
            sets.add(node)
            sets.entry[node] = entry.name
            if sets.union(node, sp.key):
                why[sp.name].append(f"R2:{entry.name}")
    for sp in spellings.values():  # R3
        for other, _ in sp.others:
            key = spelling(other).key
            if key in sets.parent and sets.find(key) != sets.find(sp.key) and sets.union(sp.key, key):
                why[sp.name].append("R3")
                for other_name, other_sp in spellings.items():
                    if other_sp.key == key:
                        why[other_name].append("R3")
    _descriptor_tails(spellings, sets, why)  # R4
    _typos(spellings, sets, why)  # R5
    return _results(counts, spellings, sets, why, by_name)


def _descriptor_tails(spellings: dict[str, Spelling], sets: _Sets, why: dict[str, list[str]]) -> None:
    groups: dict[str, list[tuple[Spelling, frozenset[str]]]] = defaultdict(list)
    cores: dict[str, tuple[str, ...]] = {}
    longer: dict[str, set[tuple[str, ...]]] = defaultdict(set)  # first word -> cores
    for sp in spellings.values():
        core, tail = core_and_tail(sp.words)
        longer[core[0]].add(core)
        if not any(not everyday(w) for w in core):
            continue
        groups["".join(core)].append((sp, tail))
        cores["".join(core)] = core
    for compact, members in groups.items():
        if len({sp.key for sp, _ in members}) < 2:
            continue
        core = cores[compact]
        if any(len(c) > len(core) and c[:len(core)] == core for c in longer[core[0]]):
            continue  # "Carestream" next to "Carestream Dental": a distinguishing word
        tails = {t for _, t in members}
        maximal = [t for t in tails if not any(t < u for u in tails)]
        for sp, tail in members:
            holders = [m for m in maximal if tail <= m]
            if len(holders) != 1:
                continue
            target = next(s for s, t in members if t == holders[0])
            if target.key != sp.key and sets.find(target.key) != sets.find(sp.key) \
                    and sets.union(target.key, sp.key):
                why[sp.name].append("R4")
                why[target.name].append("R4")


def _typos(spellings: dict[str, Spelling], sets: _Sets, why: dict[str, list[str]]) -> None:
    buckets: dict[tuple[int, int, tuple[str, ...]], list[Spelling]] = defaultdict(list)
    seen: set[tuple[str, ...]] = set()
    for sp in spellings.values():
        if sp.words in seen:
            continue
        seen.add(sp.words)
        for i in range(len(sp.words)):
            buckets[(len(sp.words), i, sp.words[:i] + sp.words[i + 1:])].append(sp)
    for (_, i, _), members in buckets.items():
        for x, a in enumerate(members):
            for b in members[x + 1:]:
                if a.key == b.key or sets.find(a.key) == sets.find(b.key):
                    continue
                if typo_pair(a.words[i], b.words[i]) and sets.union(a.key, b.key):
                    why[a.name].append("R5")
                    why[b.name].append("R5")


def _display_rank(name: str, key_count: int) -> tuple[int, int, int, int]:
    clean = display_name(name)
    return (key_count, int(not clean.isupper()), int("(" not in name), -len(clean))


def _results(counts: Counter[str], spellings: dict[str, Spelling], sets: _Sets,
             why: dict[str, list[str]], entries: dict[str, CompanyEntry]) -> dict[str, Resolution]:
    clusters: dict[str, list[str]] = defaultdict(list)
    for name, sp in spellings.items():
        clusters[sets.find(sp.key)].append(name)
    out: dict[str, Resolution] = {}
    used: set[str] = set()
    for root, members in sorted(clusters.items()):
        entry_name = sets.entry.get(root)
        entry = entries.get(entry_name) if entry_name else None
        if entry is not None:
            company = entry.name
            key = spelling(entry.name).key
        else:
            per_key: Counter[str] = Counter()
            for n in members:
                per_key[spellings[n].key] += counts[n]
            best = max(members, key=lambda n: _display_rank(n, per_key[spellings[n].key]))
            company = display_name(best)
            key = spellings[best].key
        while key in used:
            key += "~"
        used.add(key)
        for name in members:
            out[name] = Resolution(name=name, company_key=key, company=company,
                                   rules=sorted(set(why.get(name, []))), entry=entry,
                                   others=spellings[name].others)
    return out


def company_clusters(resolutions: dict[str, Resolution]) -> dict[str, list[str]]:
    """company_key -> the names resolved to it."""
    out: dict[str, list[str]] = defaultdict(list)
    for name, res in resolutions.items():
        out[res.company_key].append(name)
    return dict(out)
