"""The batch JSONL contract (docs/interfaces.md): the paper and product records that
``tracker link-file``, ``tracker classify-file``, ``tracker classify-products`` and
``tracker eval`` read, the one reader that validates their lines, the one atomic writer (the
exports use it too), and the cap on the text the linker and the grader analyse.

Every command reads a file by the same rules:

- the file is read as bytes and split into lines on ``\\n`` only (a ``\\r`` before it is
  dropped), so U+2028, U+0085 or a bare CR inside a line neither splits it nor shifts the
  line numbers after it; a UTF-8 byte order mark at the start of a line is ignored; blank
  lines are skipped;
- a line is UTF-8 (else ``not valid UTF-8 (byte N of the line)``) holding one standard JSON
  object: ``NaN``/``Infinity``, an escaped lone surrogate (``"\\ud800"``) and nesting deeper
  than the parser's recursion limit are reported, never replaced or raised;
- unknown fields are ignored;
- text fields take a string or a number (``"title": 1984`` reads as ``"1984"``); optional
  text fields also take a list of strings (joined by line breaks);
- list fields take a list or a single string; list items may be strings, numbers (read as
  strings) or objects, of which the affiliation or funder text is read (``authors``,
  ``grants``); null items and blank strings are dropped. ``authors`` is read for its
  objects' affiliations only: an author written as a string is a name;
- ``year`` takes an integer or an integer written as a string (not ``true``);
- a required field that is missing, null or blank is reported as
  ``missing required field(s): ...``; a field of the wrong type (``"affiliations": 5``,
  ``"year": "n.d."``) is reported with its name. Either way the line is skipped, its
  problem is reported as ``<file>:<line>: <why>`` and every valid line is kept;
- an id read before (papers of a file; products over all their files) is reported as
  ``duplicate id <id> (the first, <file>:<line>, is kept)``: the first wins;
- a file that cannot be read, or an output that cannot be written, raises ``OSError``: the
  command ends with one line and exit status 2 (``check_output`` tries the output's folder
  before the work);
- the project's own exports read back (``tracker export products|papers --format jsonl``):
  ``product_id`` and ``product`` stand for ``id`` and ``name`` in products, ``paper_id`` or
  ``publication_id`` for ``id`` in papers. A line that gives the export's id field and no
  ``id`` is read as an export line: the list fields the export writes as one joined string
  are split (``aliases`` and ``company_aliases`` on ``;``, ``modality`` on ``,``,
  ``publication_types`` on ``;``). A line with ``id`` reads exactly as the contract says
  (a single string is one item).

Texts of any length are read and written whole; the linker and the grader analyse the first
``ANALYSED_CHARS`` characters of each (spaCy refuses a text over 1,000,000).
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any, ClassVar, Protocol, TypeVar, cast

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

from tracker.jsontext import JsonError, strict_loads
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
    if isinstance(value, bool):  # pydantic would read true as 1
        raise _wrong("an integer", value)
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
T = TypeVar("T")
U = TypeVar("U")


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


class BadLine(ValueError):
    """A line that cannot be read; the message says why in one line."""


class _Identified(Protocol):
    id: str


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in a parsed line holds an unpaired surrogate (only a
    ``\\uD800``-style escape can put one there). Iterative: a line may nest deeply."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return False


def _parse_line(raw: bytes) -> dict[str, Any] | None:
    """The JSON object of one line (its bytes without the ``\\n``), ``None`` for a blank
    line; raises :class:`BadLine` for bytes that are not UTF-8, text that is not standard
    JSON, nesting deeper than the parser's recursion limit, an escaped lone surrogate, or a
    value that is not an object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadLine(f"not valid UTF-8 (byte {exc.start + 1} of the line)") from None
    text = text.removeprefix("\ufeff").removesuffix("\r")
    if not text.strip():
        return None
    try:
        obj = strict_loads(text)
    except JsonError as exc:
        raise BadLine(f"not valid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise BadLine("a line must hold a JSON object")
    if "\\u" in text and _lone_surrogate(obj):
        raise BadLine("not valid Unicode (an escaped lone surrogate such as \\ud800)")
    return obj


def _parse_record(raw: bytes, record: type[R]) -> R | None:
    """One line validated as ``record`` (``None`` for a blank line); raises
    :class:`BadLine` with every problem of the line in one message."""
    obj = _parse_line(raw)
    if obj is None:
        return None
    try:
        return record.model_validate(obj)
    except ValidationError as exc:
        raise BadLine(describe(exc)) from None
    except RecursionError:  # lists nested in lists, read by ``text_list``
        raise BadLine("nested too deeply") from None


def read_jsonl(path: Path, record: type[R], *, unique: dict[str, str] | None = None
               ) -> tuple[list[R], list[str]]:
    """The valid records of a JSONL file, and one ``"<file>:<line>: <why>"`` per bad line."""
    items, problems = read_numbered(path, record, unique=unique)
    return [item for _, item in items], problems


def read_numbered(path: Path, record: type[R], *, unique: dict[str, str] | None = None
                  ) -> tuple[list[tuple[int, R]], list[str]]:
    """``read_jsonl`` with each record's line number. With ``unique`` (id -> where it was
    first read, shared by the files of one input), a record whose ``id`` was read before is
    a problem and skipped: the first wins.

    The file is read as bytes and split on ``\\n`` only, so a U+2028, U+0085 or bare CR
    inside a line neither splits it nor shifts the line numbers after it. An unreadable
    file raises ``OSError`` (the commands end with one line and exit status 2)."""
    items: list[tuple[int, R]] = []
    problems: list[str] = []
    with Path(path).open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                item = _parse_record(raw.removesuffix(b"\n"), record)
            except BadLine as exc:
                problems.append(f"{path}:{number}: {exc}")
                continue
            if item is None:
                continue
            if unique is not None:
                key = cast(_Identified, item).id
                first = unique.setdefault(key, f"{path}:{number}")
                if first != f"{path}:{number}":
                    problems.append(f"{path}:{number}: duplicate id {key} (the first, {first}, "
                                    "is kept)")
                    continue
            items.append((number, item))
    return items, problems


def read_papers(path: Path) -> tuple[list[PaperRecord], list[str]]:
    """The papers of a file; a repeated id is reported and the first paper kept."""
    return read_jsonl(path, PaperRecord, unique={})


def read_products(paths: Sequence[Path]) -> tuple[list[ProductRecord], list[str]]:
    """Products of one or more files; a repeated id (in one file or across files) is
    reported and the first product kept."""
    products: list[ProductRecord] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        items, bad = read_jsonl(path, ProductRecord, unique=seen)
        products += items
        problems += bad
    return products, problems


def each_alone(items: Sequence[T], run: Callable[[Sequence[T]], Sequence[U]],
               name: Callable[[T], str]) -> tuple[list[tuple[T, U]], list[str]]:
    """Each item with its result of ``run`` (one result per item, in order), run on all
    items at once; when that raises, on each item alone, so an item that fails is left out
    and reported (``"<name>: <Error>: <message>"``) and the others keep their results. When
    every one of several items fails alone, the fault is not an item's: the first error is
    raised."""
    if not items:
        return [], []
    try:
        return list(zip(items, run(items), strict=True)), []
    except Exception as exc:  # any error: one item's fault must not cost the others
        if len(items) == 1:
            return [], [_failure(name(items[0]), exc)]
    done: list[tuple[T, U]] = []
    failed: list[str] = []
    first: Exception | None = None
    for item in items:
        try:
            done += zip([item], run([item]), strict=True)
        except Exception as exc:  # as above
            first = first or exc
            failed.append(_failure(name(item), exc))
    if first is not None and not done:
        raise first
    return done, failed


def _failure(name: str, exc: Exception) -> str:
    return f"{name}: {type(exc).__name__}: {exc}".splitlines()[0]


ANALYSED_CHARS = 100_000
"""The most characters of one text (a title, an abstract, a paper's affiliations and
conflict statements) that the linker and the grader analyse: the first ``ANALYSED_CHARS``.
spaCy refuses a text over 1,000,000 characters (error E088), and the cue matcher's
``prepare_text`` may triple a text's length ("a=b" becomes "a = b"), so the cap stays below
a third of that; it is far above a real title or abstract. The whole text stays stored and
is written out unchanged: only what is analysed is cut."""


def analysed(text: str) -> str:
    """The part of ``text`` the linker and the grader analyse (``ANALYSED_CHARS``)."""
    return text[:ANALYSED_CHARS]


def check_output(path: Path) -> None:
    """Make the folder of an output file and check that the file can go there, so a batch
    command fails at once, before its work, not at the end; raises ``OSError`` (a regular
    file where a folder must be, a folder where the file must be)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)


def _temp_beside(path: Path) -> tuple[int, Path]:
    """A new temp file beside ``path``, created with mode 0666 so the kernel applies the
    process umask, as for any plainly created file (``mkstemp`` makes 0600: others on a
    shared machine could not read an export; changing the umask to read it races threads)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp name", str(path))


@contextmanager
def atomic_writer(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text handle on a temp file beside ``path``, renamed over ``path`` only when
    the block ends without an error (else removed: the old file stays as it was). An I/O
    error names ``path``, not the temp file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # its error names the file in the way
    try:
        fd, tmp = _temp_beside(path)
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
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


def read_product_facts(path: Path) -> tuple[list[ProductFactsRecord], list[str]]:
    """The products of a ``classify-products``/``eval products`` file; a repeated id is
    reported and the first product kept."""
    return read_jsonl(path, ProductFactsRecord, unique={})
