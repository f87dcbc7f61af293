"""What the grader reads of a paper, from a JSONL line (INTERFACES.md) or a stored row."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    out: list[str] = []
    for item in value:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):  # an author {"name", "affiliations"} or a grant
            for key in ("affiliations", "affiliation", "agency", "funder", "text"):
                out.extend(_strings(item.get(key)))
    return [s for s in out if s and s.strip()]


@dataclass
class PaperText:
    """A paper as the grader sees it."""

    id: str
    title: str
    abstract: str = ""
    affiliations: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    mesh: list[str] = field(default_factory=list)
    conflicts: str = ""
    funding: list[str] = field(default_factory=list)
    journal: str = ""
    year: int | None = None

    @property
    def text(self) -> str:
        """Title and abstract, the text the embedding model sees."""
        return f"{self.title.strip()}\n{self.abstract.strip()}".strip()

    def digest(self) -> str:
        """A hash of everything grading reads: a changed paper is graded again."""
        parts = [self.title, self.abstract, "|".join(self.affiliations),
                 "|".join(self.publication_types), "|".join(self.mesh), self.conflicts,
                 "|".join(self.funding)]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def paper_from_json(obj: dict[str, Any]) -> PaperText:
    """A paper from an INTERFACES.md line; raises ``ValueError`` without ``id`` or ``title``."""
    if not isinstance(obj, dict):
        raise ValueError("a line must hold a JSON object")
    pid, title = obj.get("id"), obj.get("title")
    if pid in (None, "") or not isinstance(title, str) or not title.strip():
        missing = [k for k, v in (("id", pid), ("title", title)) if v in (None, "")]
        raise ValueError(f"missing required field(s): {', '.join(missing) or 'title'}")
    year = obj.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    funding = _strings(obj.get("funding")) + _strings(obj.get("grants"))
    affiliations = _strings(obj.get("affiliations")) + _strings(obj.get("authors"))
    return PaperText(
        id=str(pid), title=title, abstract=str(obj.get("abstract") or ""),
        affiliations=list(dict.fromkeys(affiliations)),
        publication_types=_strings(obj.get("publication_types")),
        mesh=_strings(obj.get("mesh")), conflicts=str(obj.get("conflicts") or ""),
        funding=funding, journal=str(obj.get("journal") or ""), year=year,
    )


def paper_from_row(row: Any) -> PaperText:
    """A paper from a stored ``Publication``."""
    affiliations = _strings(row.affiliations) + _strings(row.authors)
    return PaperText(
        id=str(row.id), title=row.title or "", abstract=row.abstract or "",
        affiliations=list(dict.fromkeys(affiliations)),
        publication_types=_strings(row.publication_types), mesh=_strings(row.mesh),
        conflicts=row.conflicts or "", funding=_strings(row.grants), journal=row.journal or "",
        year=row.year,
    )


def read_papers(path: Any) -> tuple[list[PaperText], list[str]]:
    """Papers from a JSONL file and one problem line ("file:line: why") per skipped line."""
    import json
    from pathlib import Path

    papers: list[PaperText] = []
    problems: list[str] = []
    raw = Path(path).read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            papers.append(paper_from_json(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: not valid JSON ({exc.msg})")
        except ValueError as exc:
            problems.append(f"{path}:{number}: {exc}")
    return papers, problems
