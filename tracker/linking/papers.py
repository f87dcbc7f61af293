"""What the linker reads of a paper, from a JSONL line (INTERFACES.md) or a stored row."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def _strings(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str) and item.strip():
                out.append(item)
            elif isinstance(item, dict):  # an author {"name", "affiliations"}
                out.extend(_strings(item.get("affiliations") or item.get("affiliation")))
    return out


@dataclass
class Paper:
    key: str
    title: str
    abstract: str = ""
    affiliations: list[str] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    conflicts: str = ""
    db_id: int | None = None

    @property
    def text(self) -> str:
        """Title and abstract: what the gazetteer and the embedding model read."""
        return f"{self.title.strip()}\n{self.abstract.strip()}".strip()

    @property
    def side_text(self) -> str:
        """Affiliations and conflict statements: company names there corroborate a mention."""
        return "\n".join([*self.affiliations, self.conflicts]).strip()

    def digest(self) -> str:
        parts = [self.title, self.abstract, "|".join(self.affiliations),
                 "|".join(self.publication_types), self.conflicts]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def paper_from_json(obj: Any) -> Paper:
    """A paper from an INTERFACES.md line; ``ValueError`` without ``id`` or ``title``."""
    if not isinstance(obj, dict):
        raise ValueError("a line must hold a JSON object")
    pid, title = obj.get("id"), obj.get("title")
    missing = [k for k, v in (("id", pid), ("title", title))
               if not isinstance(v, str | int) or not str(v).strip()]
    if missing:
        raise ValueError(f"missing required field(s): {', '.join(missing)}")
    abstract = obj.get("abstract")
    return Paper(key=str(pid), title=str(title), abstract=abstract if isinstance(abstract, str) else "",
                 affiliations=list(dict.fromkeys(_strings(obj.get("affiliations"))
                                                 + _strings(obj.get("authors")))),
                 publication_types=_strings(obj.get("publication_types")),
                 conflicts=str(obj.get("conflicts") or ""))


def paper_from_row(row: Any) -> Paper:
    """A paper from a stored ``Publication``."""
    return Paper(key=str(row.id), db_id=row.id, title=row.title or "", abstract=row.abstract or "",
                 affiliations=list(dict.fromkeys(_strings(row.affiliations)
                                                 + _strings(row.authors))),
                 publication_types=_strings(row.publication_types),
                 conflicts=row.conflicts or "")
