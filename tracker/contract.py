"""The batch JSONL contract (docs/interfaces.md): the paper and product records that
``tracker link-file``, ``tracker classify-file`` and ``tracker eval`` read, the one reader
that validates their lines, and the one atomic writer (the exports use it too).

Every command reads a line by the same rules:

- a line holds one JSON object; blank lines are skipped, a UTF-8 byte order mark is ignored;
- unknown fields are ignored;
- text fields take a string or a number (``"title": 1984`` reads as ``"1984"``); optional
  text fields also take a list of strings (joined by line breaks);
- list fields take a list or a single string; list items may be strings, numbers (read as
  strings) or objects, of which the affiliation or funder text is read (``authors``,
  ``grants``); null items and blank strings are dropped. ``authors`` is read for its
  objects' affiliations only: an author written as a string is a name;
- a required field that is missing, null or blank is reported as
  ``missing required field(s): ...``; a field of the wrong type (``"affiliations": 5``,
  ``"year": "n.d."``) is reported with its name. Either way the line is skipped, its
  problem is reported as ``<file>:<line>: <why>`` and every valid line is kept;
- the project's own exports read back (``tracker export products|papers --format jsonl``):
  ``product_id`` and ``product`` stand for ``id`` and ``name`` in products, ``paper_id`` or
  ``publication_id`` for ``id`` in papers. A line that gives the export's id field and no
  ``id`` is read as an export line: the list fields the export writes as one joined string
  are split (``aliases`` and ``company_aliases`` on ``;``, ``modality`` on ``,``,
  ``publication_types`` on ``;``). A line with ``id`` reads exactly as the contract says
  (a single string is one item).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tracker.names import normalize_company

OBJECT_KEYS = ("affiliations", "affiliation", "agency", "funder", "text")
"""Keys whose text an object in a list field contributes (an author's affiliations, a
grant's agency)."""

_JSON_TYPES = {str: "a string", int: "a number", float: "a number", bool: "a boolean",
               dict: "an object", list: "a list", type(None): "null"}


def _kind(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _wrong(expected: str, value: Any) -> PydanticCustomError:
    return PydanticCustomError("wrong_type", "expected {expected}, got {got}",
                               {"expected": expected, "got": _kind(value)})


def _scalar(value: Any) -> Any:
    """Numbers become strings; strings pass; anything else is left for ``str`` to reject."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _required(value: Any) -> str:
    value = _scalar(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PydanticCustomError("blank", "missing")
    if not isinstance(value, str):
        raise _wrong("a string", value)
    return value.strip()


def text_list(value: Any, *, strict: bool = True) -> list[str]:
    """The list-field rule (see the module docstring); also reads stored JSON columns, where
    (``strict=False``) what is not text is dropped instead of raising."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if not isinstance(value, list):
        if strict:
            raise _wrong("a string or a list of strings", value)
        return []
    out: list[str] = []
    for item in value:
        if item is None:
            continue
        if isinstance(item, dict):
            for key in OBJECT_KEYS:
                out.extend(text_list(item.get(key), strict=strict))
        elif isinstance(item, list):
            out.extend(text_list(item, strict=strict))
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            text = str(item)
            if text.strip():
                out.append(text)
        elif strict:
            raise _wrong("strings in the list", item)
    return out


def author_affiliations(value: Any, *, strict: bool = True) -> list[str]:
    """The affiliations of a list of authors: an author object's ``affiliations`` (or
    ``affiliation``); an author given as a plain string is a name, not an affiliation."""
    if isinstance(value, str):
        return []
    if isinstance(value, list):
        value = [item for item in value if not isinstance(item, str)]
    return text_list(value, strict=strict)


def _text(value: Any) -> str:
    value = _scalar(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(text_list(value))
    if not isinstance(value, str):
        raise _wrong("a string", value)
    return value


def _year(value: Any) -> Any:
    return None if value == "" else value


RequiredText = Annotated[str, BeforeValidator(_required)]
Text = Annotated[str, BeforeValidator(_text)]
TextList = Annotated[list[str], BeforeValidator(text_list)]
AuthorAffiliations = Annotated[list[str], BeforeValidator(author_affiliations)]
Year = Annotated[int | None, BeforeValidator(_year)]


class Record(BaseModel):
    """A validated JSONL line (unknown fields ignored)."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, populate_by_name=True)

    EXPORT_IDS: ClassVar[tuple[str, ...]] = ()
    """The id fields of the project's own export of this kind of record."""
    EXPORT_JOINED: ClassVar[dict[str, str]] = {}
    """List fields that export writes as one joined string, with the separator (a regex)."""

    @model_validator(mode="before")
    @classmethod
    def _export_line(cls, data: Any) -> Any:
        """An export line (an export id field, no ``id``): split the joined list fields. A
        line with ``id`` is left as it is, so the documented contract reads as before."""
        if (not isinstance(data, dict) or "id" in data
                or not any(key in data for key in cls.EXPORT_IDS)):
            return data
        data = dict(data)
        for name, separator in cls.EXPORT_JOINED.items():
            value = data.get(name)
            if isinstance(value, str):
                data[name] = [part.strip() for part in re.split(separator, value)]
        return data


class PaperRecord(Record):
    """A line of papers.jsonl (``id`` and ``title`` required), and the paper as the linker
    and the grader read it, from a line or from a stored row (``paper_from_row``).

    Validation moves the authors' affiliations into ``affiliations`` and the grants into
    ``funding`` (``authors`` and ``grants`` are then empty)."""

    EXPORT_IDS = ("paper_id", "publication_id")
    EXPORT_JOINED = {"publication_types": ";"}

    id: RequiredText = Field(validation_alias=AliasChoices("id", "paper_id", "publication_id"))
    title: RequiredText
    abstract: Text = ""
    year: Year = None
    journal: Text = ""
    affiliations: TextList = Field(default_factory=list)
    authors: AuthorAffiliations = Field(default_factory=list)
    """Read for the authors' affiliations only (see ``author_affiliations``)."""
    publication_types: TextList = Field(default_factory=list)
    mesh: TextList = Field(default_factory=list)
    conflicts: Text = ""
    funding: TextList = Field(default_factory=list)
    grants: TextList = Field(default_factory=list)
    db_id: int | None = None
    """The store's publication id (stored papers only)."""

    @model_validator(mode="after")
    def _merge(self) -> PaperRecord:
        self.affiliations = list(dict.fromkeys(self.affiliations + self.authors))
        self.funding = self.funding + self.grants
        self.authors, self.grants = [], []
        return self

    @property
    def text(self) -> str:
        """Title and abstract: what the gazetteer, the cue matchers and the embedding
        model read."""
        return f"{self.title.strip()}\n{self.abstract.strip()}".strip()

    @property
    def side_text(self) -> str:
        """Affiliations and conflict statements: company names there corroborate a mention."""
        return "\n".join([*self.affiliations, self.conflicts]).strip()


def paper_from_row(row: Any) -> PaperRecord:
    """A stored ``Publication`` as a paper (not validated: stored values are trusted, and an
    item of the wrong type in a JSON column is dropped rather than failing the run)."""
    return PaperRecord.model_construct(
        id=str(row.id), db_id=row.id, title=row.title or "", abstract=row.abstract or "",
        year=row.year, journal=row.journal or "",
        affiliations=list(dict.fromkeys(text_list(row.affiliations, strict=False)
                                        + author_affiliations(row.authors, strict=False))),
        authors=[], publication_types=text_list(row.publication_types, strict=False),
        mesh=text_list(row.mesh, strict=False), conflicts=row.conflicts or "",
        funding=text_list(row.grants, strict=False), grants=[])


class ProductRecord(Record):
    """A line of products.jsonl (``id``, ``name`` and ``company`` required), and the product
    as the linker matches it (``tracker.linking.catalog`` builds them from the store too)."""

    EXPORT_IDS = ("product_id",)
    EXPORT_JOINED = {"aliases": ";", "company_aliases": ";", "modality": "[;,]"}

    id: RequiredText = Field(validation_alias=AliasChoices("id", "product_id"))
    name: RequiredText = Field(validation_alias=AliasChoices("name", "product"))
    company: RequiredText
    aliases: TextList = Field(default_factory=list)
    company_aliases: TextList = Field(default_factory=list)
    modality: TextList = Field(default_factory=list)
    description: Text = ""
    db_id: int | None = None
    """The store's product id (stored products only)."""

    @property
    def company_key(self) -> str:
        return normalize_company(self.company) or self.company.lower()

    @property
    def text(self) -> str:
        """What the embedding model sees: name, company, modality and intended use."""
        parts = [self.name, f"by {self.company}"]
        if self.modality:
            parts.append(", ".join(self.modality))
        if self.description:
            parts.append(self.description)
        return ". ".join(parts)


R = TypeVar("R", bound=BaseModel)


def describe(error: ValidationError) -> str:
    """One line for a record's problems: missing fields first, then wrongly typed ones."""
    missing: list[str] = []
    wrong: list[str] = []
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"]) or "line"
        if item["type"] in ("missing", "blank"):
            missing.append(name)
        else:
            wrong.append(f"{name}: {item['msg'].removeprefix('Value error, ')}")
    parts = ([f"missing required field(s): {', '.join(missing)}"] if missing else []) + wrong
    return "; ".join(parts)


def read_jsonl(path: Path, record: type[R]) -> tuple[list[R], list[str]]:
    """The valid records of a JSONL file, and one ``"<file>:<line>: <why>"`` per bad line."""
    items, problems = read_numbered(path, record)
    return [item for _, item in items], problems


def read_numbered(path: Path, record: type[R]) -> tuple[list[tuple[int, R]], list[str]]:
    """``read_jsonl`` with each record's line number."""
    items: list[tuple[int, R]] = []
    problems: list[str] = []
    with Path(path).open("r", encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{number}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path}:{number}: a line must hold a JSON object")
                continue
            try:
                items.append((number, record.model_validate(obj)))
            except ValidationError as exc:
                problems.append(f"{path}:{number}: {describe(exc)}")
    return items, problems


def read_papers(path: Path) -> tuple[list[PaperRecord], list[str]]:
    return read_jsonl(path, PaperRecord)


def read_products(paths: Sequence[Path]) -> tuple[list[ProductRecord], list[str]]:
    """Products of one or more files; the first file that defines an id wins."""
    products: dict[str, ProductRecord] = {}
    problems: list[str] = []
    for path in paths:
        items, bad = read_jsonl(path, ProductRecord)
        problems += bad
        for item in items:
            products.setdefault(item.id, item)
    return list(products.values()), problems


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text handle on a temp file beside ``path``, renamed over ``path`` only when
    the block ends without an error (else removed: the old file stays as it was)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # as a plainly created file (mkstemp makes 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write one JSON object a line, atomically; returns the number of lines."""
    count = 0
    with atomic_writer(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


class ProductFactsRecord(ProductRecord):
    """A products.jsonl line with what a registry says of the product, for ``tracker
    classify-products`` and ``tracker eval products`` (all optional): ``product_code`` (or a
    list ``product_codes``), ``panel``/``panels``, ``device_names``, and the labels
    ``gold_kind``, ``gold_modality``, ``gold_subspecialty``, ``gold_product_type``."""

    product_codes: TextList = Field(default_factory=list, validation_alias=AliasChoices("product_codes", "product_code"))
    panels: TextList = Field(default_factory=list, validation_alias=AliasChoices("panels", "panel"))
    device_names: TextList = Field(default_factory=list)
    gold_kind: str | None = None
    gold_modality: TextList | None = None
    gold_subspecialty: str | None = None
    gold_product_type: str | None = None
