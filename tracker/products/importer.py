"""``tracker import-products``: an analyst's product list (a CE registry export, a spreadsheet)
into the store.

Rows come from CSV (UTF-8, with or without a byte-order mark; quoted cells may hold commas
and line breaks), a JSON array of objects, or JSON Lines. Columns map to fields by
``DEFAULT_COLUMNS`` (case, spaces, hyphens and underscores ignored) or by an explicit mapping
(``"Trade name=name,Manufacturer=company"``).

Every row is validated first; when any row is bad nothing is imported (the errors say
``FILE:LINE: reason``). Then, in one transaction, each row resolves to a stored product:

1. the company by the store's company keys (``tracker.names.normalize_company``, the company
   alias table, then the fuzzy rule of ``tracker.market.resolve``), created when unknown;
2. the product by the company's product names and aliases (spaces ignored, a vendor-prefixed
   name matches), then by the row's aliases; created when none matches, with the import's
   source name and the row's URL as its provenance;
3. the row's aliases become product aliases; an empty modality or subspecialty is filled
   (its source recorded in ``Product.taxonomy``); a row with a Basic UDI-DI / UDI-DI adds the
   EU registration it identifies (CE class, CE date). Without a UDI the CE class and date
   are checked but stored nowhere: the tracker invents no identifier.

Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.names import fold, normalize_company, slugify

if TYPE_CHECKING:  # the command line reads DEFAULT_COLUMNS for its help: keep this import light
    from sqlmodel import Session

    from tracker.db.models import Product

FIELDS = ("name", "company", "modality", "ce_class", "ce_date", "subspecialty", "url", "udi", "aliases")
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "product", "product name", "trade name", "device name"),
    "company": ("company", "manufacturer", "vendor", "applicant"),
    "modality": ("modality", "modalities"),
    "ce_class": ("ce class", "class", "risk class"),
    "ce_date": ("ce date", "ce mark date", "certificate date"),
    "subspecialty": ("subspecialty", "speciality", "specialty"),
    "url": ("url", "source url", "link", "website"),
    "udi": ("udi", "basic udi", "basic udi di", "udi di"),
    "aliases": ("aliases", "alias", "other names"),
}
"""Field -> the column names it is read from by default (first one present wins)."""

MAPPING_HELP = "; ".join(f"{f}: {', '.join(cols)}" for f, cols in DEFAULT_COLUMNS.items())
CE_CLASSES = ("I", "IIa", "IIb", "III")
_SPLIT = re.compile(r"\s*[;|]\s*")
_MODALITY_SPLIT = re.compile(r"\s*[;,/|]\s*")


class ImportUsageError(ValueError):
    """The file cannot be read, or the mapping or format is not understood."""


@dataclass
class ImportRow:
    line: int
    name: str
    company: str
    modality: list[str] = field(default_factory=list)
    ce_class: str | None = None
    ce_date: date | None = None
    subspecialty: str | None = None
    url: str | None = None
    udi: str | None = None
    aliases: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    rows: int = 0
    errors: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _column_key(text: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", str(text)).casefold().split())


def parse_mapping(text: str | None) -> dict[str, str]:
    """``"Trade name=name,Manufacturer=company"`` -> {column key: field}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        column, sep, target = part.rpartition("=")
        target = target.strip()
        if not sep or not column.strip():
            raise ImportUsageError(f"mapping {part.strip()!r}: write COLUMN=FIELD")
        if target not in FIELDS:
            raise ImportUsageError(f"mapping {part.strip()!r}: field must be one of {', '.join(FIELDS)}")
        mapping[_column_key(column)] = target
    return mapping


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in ("csv", "json", "jsonl"):
            raise ImportUsageError(f"unknown format {fmt!r}: csv, json or jsonl")
        return fmt
    suffix = path.suffix.lower()
    return {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "csv")


def read_records(path: Path, fmt: str) -> tuple[list[tuple[int, Any]], list[str]]:
    """(line, record) pairs of a file and the errors of records that cannot be read."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportUsageError(f"{path}: {exc}") from exc
    if fmt == "csv":
        return _csv_records(text), []
    if fmt == "jsonl":
        records: list[tuple[int, Any]] = []
        errors: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    errors.append(f"{path}:{number}: not JSON ({exc.msg})")
        return records, errors
    return _json_records(path, text), []


def _csv_records(text: str) -> list[tuple[int, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    out: list[tuple[int, Any]] = []
    start = 1
    for cells in reader:
        if header is None:
            header = cells
        elif any(c.strip() for c in cells):
            record: dict[str, Any] = {header[i] if i < len(header) else f"column {i + 1}": c
                                      for i, c in enumerate(cells)}
            if len(cells) > len(header):
                record["__extra__"] = len(cells) - len(header)
            out.append((start, record))
        start = reader.line_num + 1
    return out


def _json_records(path: Path, text: str) -> list[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    if not stripped.startswith("["):
        raise ImportUsageError(f"{path}: a JSON import is an array of objects (use --format jsonl for JSON Lines)")
    out: list[tuple[int, Any]] = []
    pos = offset + 1
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            raise ImportUsageError(f"{path}: the JSON array is not closed")
        if text[pos] == "]":
            return out
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ImportUsageError(f"{path}:{exc.lineno}: not JSON ({exc.msg})") from exc
        out.append((text.count("\n", 0, pos) + 1, value))
        pos = end


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    return " ".join(str(value).split())  # line breaks and tabs inside a cell are spaces


def _ce_class(text: str) -> str | None:
    key = re.sub(r"^(?:ce\s+)?class\s+", "", text.strip(), flags=re.I).strip()
    for known in CE_CLASSES:
        if key.casefold() == known.casefold():
            return known
    return None


def _ce_date(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text.strip())
    if not match:
        raise ValueError
    year, month, day = match.groups()
    return date(int(year), int(month or 1), int(day or 1))


def validate(path: Path, records: list[tuple[int, Any]], mapping: dict[str, str]) -> tuple[list[ImportRow], list[str]]:
    """Rows with their fields, and ``FILE:LINE: reason`` for every bad one."""
    rows: list[ImportRow] = []
    errors: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in records:
        where = f"{path}:{line}"
        if not isinstance(record, dict):
            errors.append(f"{where}: a row must be an object with named columns")
            continue
        if record.get("__extra__"):
            errors.append(f"{where}: {record['__extra__']} more cell(s) than the header has columns")
            continue
        values = _map(record, mapping)
        problems: list[str] = []
        name, company = values.get("name", ""), values.get("company", "")
        if not name:
            problems.append("no product name (column name/product)")
        if not company:
            problems.append("no company (column company/manufacturer)")
        ce_class = None
        if values.get("ce_class"):
            ce_class = _ce_class(values["ce_class"])
            if ce_class is None:
                problems.append(f"CE class {values['ce_class']!r} is not I, IIa, IIb or III")
        ce_date = None
        if values.get("ce_date"):
            try:
                ce_date = _ce_date(values["ce_date"])
            except ValueError:
                problems.append(f"CE date {values['ce_date']!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
        url = values.get("url") or None
        if url and not re.match(r"https?://\S+$", url):
            problems.append(f"url {url!r} is not an http(s) URL")
        key = (normalize_company(company), fold(name))
        if not problems and key in seen:
            problems.append(f"the same product as line {seen[key]}")
        if problems:
            errors.append(f"{where}: {'; '.join(problems)}")
            continue
        seen[key] = line
        rows.append(ImportRow(
            line=line, name=name, company=company,
            modality=[m for m in _MODALITY_SPLIT.split(values.get("modality", "")) if m],
            ce_class=ce_class, ce_date=ce_date, subspecialty=values.get("subspecialty") or None, url=url,
            udi=values.get("udi") or None,
            aliases=[a for a in _SPLIT.split(values.get("aliases", "")) if a and fold(a) != fold(name)]))
    return rows, errors


def _map(record: dict[str, Any], mapping: dict[str, str]) -> dict[str, str]:
    by_key = {_column_key(k): v for k, v in record.items() if k != "__extra__"}
    values: dict[str, str] = {}
    for column, target in mapping.items():
        if column in by_key and _cell(by_key[column]):
            values[target] = _cell(by_key[column])
    for target, columns in DEFAULT_COLUMNS.items():
        if target in values or target in mapping.values():
            continue
        for column in columns:
            if column in by_key and _cell(by_key[column]):
                values[target] = _cell(by_key[column])
                break
    return values


def import_rows(session: Session, rows: list[ImportRow], *, source: str) -> Counter[str]:
    """Resolve or create each row's company and product (flushes; the caller commits)."""
    from tracker.db.models import Company, Product
    from tracker.products.platforms import ProductIndex
    from tracker.products.resolution import add_product_alias, unique_slug
    from tracker.store.companies import add_company_alias, get_or_create_company

    index = ProductIndex(session)
    counts: Counter[str] = Counter(matched=0, created=0, aliases_added=0)
    for row in rows:
        company_id = index.company_id(row.company)
        if company_id is None:
            company = get_or_create_company(session, name=row.company, source=source, source_url=row.url or "")
            index.companies.keys[normalize_company(company.name)] = (company.id or 0, company.name)
            company_id = company.id or 0
            counts["companies_created"] += 1
        elif normalize_company(row.company) not in index.companies.keys:
            # a spelling resolved by the fuzzy rule: remember it so it resolves exactly next time
            known = session.get(Company, company_id)
            if known is not None and add_company_alias(session, company=known, alias=row.company,
                                                       kind="spelling", source=source):
                index.companies.keys[normalize_company(row.company)] = (company_id, known.name)
                counts["company_aliases_added"] += 1
        product = index.find(row.name, company_id=company_id)
        for alias in row.aliases:
            product = product or index.find(alias, company_id=company_id)
        if product is None:
            product = Product(slug=unique_slug(session, slugify(f"{_company_name(session, company_id)} {row.name}")),
                              company_id=company_id, name=row.name, normalized_name=fold(row.name),
                              source=source, source_url=row.url or "")
            session.add(product)
            session.flush()
            index.add(product)
            counts["created"] += 1
        else:
            counts["matched"] += 1
        names = [row.name, *row.aliases] if fold(row.name) != product.normalized_name else row.aliases
        for alias in names:
            if add_product_alias(session, product=product, alias=alias, source=source):
                index.add(product, alias)
                counts["aliases_added"] += 1
        counts["fields_filled"] += _fill(session, product, row, source)
        counts["registrations_added"] += _registration(session, product, row, source)
    session.flush()
    return counts


def _company_name(session: Session, company_id: int) -> str:
    from tracker.db.models import Company

    company = session.get(Company, company_id)
    return company.name if company is not None else ""


def _open(product: Product, field_name: str) -> bool:
    """Whether the row may set the field: it is empty or came from an automatic rule; a
    person's correction (O1) or an earlier import is kept."""
    rule = ((product.taxonomy or {}).get(field_name) or {}).get("rule")
    return not getattr(product, field_name) or rule not in ("import", "O1")


def _fill(session: Session, product: Product, row: ImportRow, source: str) -> int:
    """Set the modality or subspecialty the row states, recording where it came from (rule
    ``import``: every later classification keeps it, ``tracker.products.classify`` I1)."""
    filled = 0
    taxonomy = dict(product.taxonomy or {})
    provenance = row.url or f"import:{source}"
    if row.modality and _open(product, "modality"):
        product.modality = ";".join(row.modality)
        taxonomy["modality"] = {"value": product.modality, "source": provenance, "rule": "import"}
        filled += 1
    if row.subspecialty and _open(product, "subspecialty"):
        product.subspecialty = row.subspecialty
        taxonomy["subspecialty"] = {"value": row.subspecialty, "source": provenance, "rule": "import"}
        filled += 1
    if filled:
        product.taxonomy = taxonomy
        session.add(product)
    return filled


def _registration(session: Session, product: Product, row: ImportRow, source: str) -> int:
    """The EU registration a row's UDI identifies (added once; a stored one is left as is)."""
    from sqlmodel import select

    from tracker.db.models import Registration

    if not row.udi:
        return 0
    exists = session.exec(select(Registration).where(Registration.regulator == "EU",
                                                     Registration.number == row.udi)).first()
    if exists is not None:
        if exists.product_id is None:
            exists.product_id = product.id
            session.add(exists)
        return 0
    session.add(Registration(
        regulator="EU", kind="EUDAMED device", number=row.udi, device_name=row.name, applicant=row.company,
        company_id=product.company_id, product_id=product.id, decision_date=row.ce_date, ce_class=row.ce_class,
        source=source, source_url=row.url or "",
        raw={"import": source, "line": row.line, "modality": row.modality, "subspecialty": row.subspecialty}))
    session.flush()
    return 1


def import_file(session: Session, path: Path, *, fmt: str | None = None, mapping: str | None = None,
                source: str | None = None, dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then import every row in one transaction (nothing when any
    row is bad; rolled back on ``dry_run``)."""
    columns = parse_mapping(mapping)
    records, errors = read_records(path, detect_format(path, fmt))
    rows, bad = validate(path, records, columns)
    result = ImportResult(rows=len(records), errors=sorted(errors + bad, key=_line_of), dry_run=dry_run)
    if result.errors:
        return result
    try:
        result.counts = import_rows(session, rows, source=source or f"import:{path.name}")
    except Exception:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return result


def _line_of(error: str) -> int:
    match = re.search(r":(\d+):", error)
    return int(match.group(1)) if match else 0
