"""Platforms and marketplaces that distribute other vendors' AI products, and which products
each carries.

- ``seed_platforms(session)``: load ``tracker/resources/platforms.toml`` (every platform and
  carriage with its public source; idempotent).
- ``extract_carriages(session)``: read stored news items for sentences such as "X is now
  available on the Y marketplace", "Z joins Y's AI marketplace" or "X has been added to the
  Y platform"; Y must be a known platform (name or alias), X a stored product (name or
  alias; a vendor counts when it has exactly one product). Stored with origin ``extracted``
  and the news item's URL; never overwrites a seeded, manual or imported carriage.
- ``ProductIndex``: stored products by folded name and alias, per company (company names
  resolve through ``tracker.market.resolve.CompanyResolver``: the store's company keys and
  alias table), shared with ``tracker.products.importer``.

Rules of a carriage's date: ``since`` keeps the precision the source gives (day, month,
year); for an extracted carriage it is the news item's publication day (carried by then).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from tracker import dates
from tracker.db.models import Company, NewsItem, Platform, PlatformProduct, Product, ProductAlias
from tracker.names import fold, normalize_company, slugify

PLATFORM_KINDS = ("independent", "pacs-vendor", "oem-marketplace", "ai-vendor-reseller")
ORIGINS = ("seed", "extracted", "manual", "import")
TRUSTED = frozenset({"seed", "manual", "import"})
"""Origins an extracted carriage never overwrites."""
SEED_SOURCE = "platforms.toml"


class PlatformSeedError(ValueError):
    """The platforms file is unreadable or an entry in it is invalid."""


@dataclass(frozen=True)
class CarriageEntry:
    product: str
    company: str
    since: date | None
    since_precision: str | None
    until: date | None
    source_url: str
    create: bool = False
    note: str = ""


@dataclass(frozen=True)
class PlatformEntry:
    slug: str
    name: str
    kind: str
    company: str
    source_url: str
    aliases: tuple[str, ...] = ()
    website: str | None = None
    note: str = ""
    products: tuple[CarriageEntry, ...] = field(default=())


def default_platforms_path() -> Path:
    return Path(str(resources.files("tracker.resources").joinpath("platforms.toml")))


def parse_dated(value: Any) -> tuple[date | None, str | None]:
    """``tracker.dates.parse_dated`` (the one reading of a dated fact), a bad date raised as
    the seed file's error."""
    try:
        return dates.parse_dated(value)
    except dates.DateError as exc:
        raise PlatformSeedError(f"{exc}: use YYYY-MM-DD, YYYY-MM or YYYY") from exc



def read_platforms(path: Path | None = None) -> list[PlatformEntry]:
    """The platforms of a seed file, checked (every platform and carriage needs a source)."""
    path = path or default_platforms_path()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PlatformSeedError(f"{path}: {exc}") from exc
    entries: list[PlatformEntry] = []
    seen: set[str] = set()
    for number, item in enumerate(data.get("platform", []), 1):
        where = f"{path} platform #{number}"
        slug, name, source = item.get("slug", ""), item.get("name", ""), item.get("source", "")
        if not slug or not name or not source:
            raise PlatformSeedError(f"{where}: needs a slug, a name and a source")
        if slug != slugify(slug) or slug in seen:
            raise PlatformSeedError(f"{where}: slug {slug!r} must be unique, lower-case with hyphens")
        if item.get("kind", "independent") not in PLATFORM_KINDS:
            raise PlatformSeedError(f"{where}: kind must be one of {', '.join(PLATFORM_KINDS)}")
        seen.add(slug)
        carriages = []
        for k, prod in enumerate(item.get("product", []), 1):
            if not prod.get("product") or not prod.get("source"):
                raise PlatformSeedError(f"{where} product #{k}: needs a product and a source")
            since, precision = parse_dated(prod.get("since"))
            until, _ = parse_dated(prod.get("until"))
            carriages.append(CarriageEntry(
                product=str(prod["product"]), company=str(prod.get("company", "")), since=since,
                since_precision=precision, until=until, source_url=str(prod["source"]),
                create=bool(prod.get("create", False)), note=str(prod.get("note", ""))))
        entries.append(PlatformEntry(
            slug=slug, name=name, kind=item.get("kind", "independent"), company=str(item.get("company", "")),
            source_url=source, aliases=tuple(item.get("aliases", [])), website=item.get("website"),
            note=str(item.get("note", "")), products=tuple(carriages)))
    return entries


# --- products and companies -------------------------------------------------------------------


def _compact(key: str) -> str:
    return key.replace(" ", "")


class ProductIndex:
    """Stored products by company and by folded name/alias (spaces ignored), from one
    snapshot of the product tables; ``add`` keeps it current when products are created."""

    def __init__(self, session: Session) -> None:
        from tracker.market.resolve import CompanyResolver  # domain areas share company resolution

        self.session = session
        self.companies = CompanyResolver(session)
        self.products: dict[int, Product] = {p.id or 0: p for p in session.exec(select(Product).order_by(col(Product.id)))}
        self.by_key: dict[str, set[int]] = {}
        self.names: dict[int, set[str]] = {}
        for product in self.products.values():
            self._index(product.id or 0, product.name)
            if product.display_name:
                self._index(product.id or 0, product.display_name)
        for alias in session.exec(select(ProductAlias).order_by(col(ProductAlias.id))):
            self._index(alias.product_id, alias.alias)

    def _index(self, product_id: int, name: str) -> None:
        key = fold(name)
        if key:
            self.by_key.setdefault(_compact(key), set()).add(product_id)
            self.names.setdefault(product_id, set()).add(key)

    def add(self, product: Product, *names: str) -> None:
        self.products[product.id or 0] = product
        for name in (product.name, *names):
            self._index(product.id or 0, name)

    def company_id(self, name: str) -> int | None:
        """The stored company a vendor name resolves to (exact key or alias, then fuzzy)."""
        if not name.strip():
            return None
        return self.companies.resolve(name).company_id

    def find(self, name: str, *, company_id: int | None = None) -> Product | None:
        """The product with this name or alias: within the company when given, else the one
        product anywhere that has it (None when none or several do). A name written with its
        vendor in front ("Lunit INSIGHT CXR" for Lunit's "INSIGHT CXR") or without it
        ("INSIGHT MMG" for Lunit's "Lunit INSIGHT MMG") also matches."""
        key = _compact(fold(name))
        if not key:
            return None
        ids = set(self.by_key.get(key, set()))
        if company_id is not None:
            ids = {i for i in ids if self.products[i].company_id == company_id}
            if not ids:
                company = self.session.get(Company, company_id)
                prefix = _compact(normalize_company(company.name)) if company else ""
                variants = {prefix + key} if prefix else set()
                if prefix and key.startswith(prefix) and len(key) > len(prefix):
                    variants.add(key[len(prefix):])
                ids = {i for v in variants for i in self.by_key.get(v, set())
                       if self.products[i].company_id == company_id}
        if len(ids) == 1:
            return self.products[ids.pop()]
        return None

    def products_of(self, company_id: int) -> list[Product]:
        return [p for p in self.products.values() if p.company_id == company_id]


# --- seeding -----------------------------------------------------------------------------------


def _platform_company(session: Session, index: ProductIndex, entry: PlatformEntry) -> int | None:
    if not entry.company:
        return None
    found = index.company_id(entry.company)
    if found is not None:
        return found
    from tracker.store.companies import get_or_create_company

    company = get_or_create_company(session, name=entry.company, source=SEED_SOURCE,
                                    source_url=entry.source_url)
    if company.kind is None and entry.kind == "independent":
        company.kind = "platform"
        session.add(company)
    index.companies.keys[normalize_company(company.name)] = (company.id or 0, company.name)
    return company.id


def _upsert_platform(session: Session, entry: PlatformEntry, company_id: int | None) -> tuple[Platform, str]:
    platform = session.exec(select(Platform).where(Platform.slug == entry.slug)).first()
    values: dict[str, Any] = {"name": entry.name, "kind": entry.kind, "company_id": company_id, "website": entry.website,
              "source": "seed", "source_url": entry.source_url}
    if platform is None:
        platform = Platform(slug=entry.slug, **values)
        session.add(platform)
        session.flush()
        return platform, "new"
    changed = {k: v for k, v in values.items() if getattr(platform, k) != v}
    for key, value in changed.items():
        setattr(platform, key, value)
    if changed:
        session.add(platform)
    return platform, "updated" if changed else "unchanged"


def _seed_product(session: Session, index: ProductIndex, carriage: CarriageEntry) -> Product | None:
    company_id = index.company_id(carriage.company) if carriage.company else None
    if carriage.company and company_id is None and not carriage.create:
        return None
    product = index.find(carriage.product, company_id=company_id)
    if product is not None or not carriage.create or not carriage.company:
        return product
    from tracker.products.resolution import unique_slug
    from tracker.store.companies import get_or_create_company

    company = (session.get(Company, company_id) if company_id is not None else None) or get_or_create_company(
        session, name=carriage.company, source=SEED_SOURCE, source_url=carriage.source_url)
    product = Product(slug=unique_slug(session, slugify(f"{company.name} {carriage.product}")),
                      company_id=company.id or 0, name=carriage.product, normalized_name=fold(carriage.product),
                      source=SEED_SOURCE, source_url=carriage.source_url)
    session.add(product)
    session.flush()
    index.add(product)
    return product


def set_carriage(session: Session, *, platform: Platform, product: Product, origin: str, since: date | None,
                 since_precision: str | None, until: date | None = None, source: str, source_url: str,
                 news_item_id: int | None = None) -> str:
    """Record that ``platform`` carries ``product``: "new", "updated", "unchanged" or "kept"
    (an extracted carriage never replaces a seeded, manual or imported one)."""
    row = session.exec(select(PlatformProduct).where(PlatformProduct.platform_id == platform.id,
                                                     PlatformProduct.product_id == product.id)).first()
    values: dict[str, Any] = {"since": since, "since_precision": since_precision, "until": until, "origin": origin,
              "news_item_id": news_item_id, "source": source, "source_url": source_url}
    if row is None:
        session.add(PlatformProduct(platform_id=platform.id or 0, product_id=product.id or 0, **values))
        session.flush()
        return "new"
    if row.origin in TRUSTED and origin not in TRUSTED:
        return "kept"
    if row.origin == "manual" and origin != "manual":
        return "kept"
    if origin == "extracted" and row.since is not None and since is not None and row.since <= since:
        return "unchanged"  # the earliest news item that says so stays the source
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for key, value in changed.items():
        setattr(row, key, value)
    if changed:
        session.add(row)
    return "updated" if changed else "unchanged"


def seed_platforms(session: Session, *, path: Path | None = None) -> dict[str, Any]:
    """Write the seed file's platforms and carriages (flushes; the caller commits). A carriage
    whose product is not in the store is counted ``unresolved`` and listed, and picked up on a
    later run once the product exists."""
    entries = read_platforms(path)
    index = ProductIndex(session)
    counts: Counter[str] = Counter()
    unresolved: list[str] = []
    for entry in entries:
        platform, outcome = _upsert_platform(session, entry, _platform_company(session, index, entry))
        counts[f"platforms_{outcome}"] += 1
        for carriage in entry.products:
            product = _seed_product(session, index, carriage)
            if product is None:
                unresolved.append(f"{entry.slug}: {carriage.product}")
                continue
            counts[f"carriages_{set_carriage(session, platform=platform, product=product, origin='seed', since=carriage.since, since_precision=carriage.since_precision, until=carriage.until, source='seed', source_url=carriage.source_url)}"] += 1
    session.flush()
    return {**dict(counts), "unresolved": unresolved}


# --- extraction from news ------------------------------------------------------------------------

_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'“])")
# "now available on/in/through/via the X marketplace", "joins X's AI marketplace",
# "added to the X platform", "X adds ... to its marketplace"
_TRIGGERS = re.compile(
    r"\b(?:(?:now\s+)?available\s+(?:on|in|through|via|from)\b|joins?\b|joined\b|(?:been\s+|was\s+|is\s+)?added\s+to\b"
    r"|adds?\b|added\b|launch(?:es|ed)?\s+on\b|integrated\s+(?:into|with)\b)", re.I)
_PLACE = re.compile(r"\b(?:marketplace|market\s+place|platform|app\s*store|ecosystem)\b", re.I)
_MIN_NAME = 4  # shorter product names are too ambiguous to find in running text


@dataclass(frozen=True)
class Carriage:
    """One carriage read from a sentence."""

    platform_slug: str
    product_id: int
    sentence: str


_CORPORATE_TAIL = frozenset({"technologies", "technology", "medical", "systems", "solutions", "healthcare",
                             "imaging", "software", "analytics", "diagnostics", "group", "holdings"})


def _bare_company(key: str) -> str:
    """A company key without trailing corporate words: "qure ai technologies" -> "qure ai"."""
    words = key.split()
    while len(words) > 1 and words[-1] in _CORPORATE_TAIL:
        words.pop()
    return " ".join(words)


def _word_re(key: str) -> re.Pattern[str]:
    return re.compile(r"(?<![0-9a-z])" + re.escape(key).replace(r"\ ", r"\s+") + r"(?![0-9a-z])")


class CarriageExtractor:
    """Finds platform carriages in sentences, with the store's platforms and products."""

    def __init__(self, session: Session, *, entries: list[PlatformEntry] | None = None) -> None:
        self.index = ProductIndex(session)
        aliases = {e.slug: e.aliases for e in (entries if entries is not None else _safe_entries())}
        self.platforms: list[tuple[re.Pattern[str], Platform]] = []
        for platform in session.exec(select(Platform).order_by(col(Platform.id))):
            names = {platform.name, *aliases.get(platform.slug, ())}
            for name in names:
                key = fold(name)
                if len(key) >= 3:
                    self.platforms.append((_word_re(key), platform))
        # longest names first, so "Sectra Amplifier Marketplace" wins over "Amplifier"; then
        # by name and slug, so a tie never depends on the order rows or set items come in
        self.platforms.sort(key=lambda item: (-len(item[0].pattern), item[0].pattern, item[1].slug))
        self.products: list[tuple[re.Pattern[str], int]] = []
        self.short: list[tuple[re.Pattern[str], int]] = []  # "qER": matched only as written
        for product_id, keys in self.index.names.items():
            for key in keys:
                if len(key.replace(" ", "")) >= _MIN_NAME:
                    self.products.append((_word_re(key), product_id))
            name = self.index.products[product_id].name
            if len(fold(name).replace(" ", "")) < _MIN_NAME and len(name) >= 2 and name != name.lower():
                self.short.append((re.compile(r"(?<![\w.])" + re.escape(name) + r"(?![\w])"), product_id))
        self.vendors: list[tuple[re.Pattern[str], int]] = []
        for key, (company_id, _name) in self.index.companies.keys.items():
            for variant in {key, _bare_company(key)}:
                if len(variant.replace(" ", "")) >= _MIN_NAME:
                    self.vendors.append((_word_re(variant), company_id))

    def extract(self, text: str) -> list[Carriage]:
        found: list[Carriage] = []
        for sentence in _SENTENCES.split(text or ""):
            sentence = " ".join(sentence.split())
            trigger = _TRIGGERS.search(sentence)
            if trigger is None or _PLACE.search(sentence) is None:
                continue
            folded = fold(sentence)
            platform, span = self._platform(folded)
            if platform is None:
                continue
            product_ids = self._products(folded, span, platform)
            if not product_ids:
                product_ids = {pid for pattern, pid in self.short if pattern.search(sentence)
                               and self.index.products[pid].company_id != platform.company_id}
            found += [Carriage(platform.slug, pid, sentence) for pid in sorted(product_ids)]
        return found

    def _platform(self, folded: str) -> tuple[Platform | None, tuple[int, int]]:
        for pattern, platform in self.platforms:
            match = pattern.search(folded)
            if match:
                return platform, match.span()
        return None, (0, 0)

    def _products(self, folded: str, span: tuple[int, int], platform: Platform) -> set[int]:
        masked = folded[:span[0]] + " " * (span[1] - span[0]) + folded[span[1]:]
        ids: set[int] = set()
        for pattern, product_id in self.products:
            if pattern.search(masked) and self.index.products[product_id].company_id != platform.company_id:
                ids.add(product_id)
        if ids:
            # a product also named by a longer product name in the sentence is that one
            names = {pid: max(sorted(self.index.names[pid]), key=len) for pid in ids}
            ids = {pid for pid in ids if not any(pid != other and names[pid] in names[other] for other in ids)}
            return ids
        for pattern, company_id in self.vendors:  # "Vendor joins X's marketplace": its one product
            if company_id != platform.company_id and pattern.search(masked):
                products = self.index.products_of(company_id)
                if len(products) == 1:
                    ids.add(products[0].id or 0)
        return ids


def _safe_entries() -> list[PlatformEntry]:
    try:
        return read_platforms()
    except PlatformSeedError:
        return []


def news_text(item: NewsItem) -> str:
    return " ".join(t for t in (item.title, item.summary or "", item.body or "") if t)


def extract_carriages(session: Session, *, entries: list[PlatformEntry] | None = None) -> dict[str, int]:
    """Read every stored news item for carriages and store them (origin ``extracted``);
    flushes. Idempotent: a second pass changes nothing."""
    items = list(session.exec(select(NewsItem).order_by(NewsItem.id)))  # type: ignore[arg-type]
    counts: Counter[str] = Counter({"news_items": len(items)})
    if not items:
        return dict(counts)
    extractor = CarriageExtractor(session, entries=entries)
    platforms = {p.slug: p for p in session.exec(select(Platform))}
    for item in items:
        published = item.published.date() if item.published else None
        for carriage in extractor.extract(news_text(item)):
            product = extractor.index.products[carriage.product_id]
            outcome = set_carriage(session, platform=platforms[carriage.platform_slug], product=product,
                                   origin="extracted", since=published,
                                   since_precision="day" if published else None, source="news",
                                   source_url=item.url, news_item_id=item.id)
            counts[f"carriages_{outcome}"] += 1
    session.flush()
    return dict(counts)


def platforms_step(session: Session, *, path: Path | None = None) -> dict[str, Any]:
    """Seed the platforms file, then read the news for carriages; commits."""
    seeded = seed_platforms(session, path=path)
    extracted = extract_carriages(session, entries=read_platforms(path))
    session.commit()
    changed = sum(v for k, v in {**seeded, **extracted}.items()
                  if isinstance(v, int) and k.endswith(("_new", "_updated")))
    return {"seed": seeded, "extracted": extracted, "changed": changed}
