"""Who owns whom on any date, from the stored market events.

Rules (one place, used by the metrics, exports and the TUI):

- A *control* event makes ``counterparty`` the owner of ``company`` from its completion
  date (``completed_date``, else ``event_date``): an acquisition that is not merely
  announced (status ``completed`` or empty) with no stake or a stake above 50%; a merger
  (the company joins the counterparty); a rebrand (the old name's products carry on under
  the new name). Ownership changes only at completion: an announced deal changes nothing.
- A rebrand passes the old name's owner on to the new name (Zebra Medical Vision, owned by
  Nanox, renamed Nanox AI: Nanox AI is Nanox's), unless the new name has an owner of its own.
- Seeded, manual and confirmed events always count. Extracted events count when their
  confidence reaches ``event_min_confidence`` and no trusted event concerns the same
  company (a person's or the seed file's word is never overridden by a news sentence).
- A closure ends a company from its date.
- Undated events are unknown in time: they count for "today" only.
- The ultimate parent follows owners upward (RadNet -> DeepHealth -> iCAD); products stay
  with their company, so a product's history is its company's owners over time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from tracker.db.models import Company, CompanyEvent, Product
from tracker.store.events import is_trusted

CONTROL_TYPES = frozenset({"acquisition", "merger", "rebrand"})
DEAL_TYPES = frozenset({"acquisition", "merger"})


@dataclass(frozen=True)
class Control:
    owner_id: int
    company_id: int
    since: date | None
    event_id: int
    event_type: str


def _is_control(row: CompanyEvent) -> bool:
    if row.event_type not in CONTROL_TYPES or row.counterparty_id is None:
        return False
    if row.event_type == "acquisition":
        if (row.status or "completed") != "completed":
            return False
        return row.stake is None or row.stake > 0.5
    return True


@dataclass
class OwnershipGraph:
    controls: dict[int, list[Control]] = field(default_factory=dict)
    closures: dict[int, tuple[date | None, int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, *, min_confidence: float | None = None) -> OwnershipGraph:
        """Ownership from the stored events; extracted events below ``min_confidence``
        (default: the ``event_min_confidence`` setting) are left out."""
        if min_confidence is None:
            from tracker.config import get_settings

            min_confidence = get_settings().event_min_confidence
        graph = cls(names={c.id or 0: c.name for c in session.exec(select(Company))})
        rows = list(session.exec(select(CompanyEvent).order_by(CompanyEvent.id)))  # type: ignore[arg-type]
        trusted_targets = {r.company_id for r in rows if is_trusted(r) and (_is_control(r) or r.event_type == "closure")}
        for row in rows:
            if not is_trusted(row) and (row.confidence < min_confidence or row.company_id in trusted_targets):
                continue
            if row.event_type == "closure":
                graph.closures.setdefault(row.company_id, (row.event_date, row.id or 0))
            elif _is_control(row):
                since = row.completed_date or row.event_date if row.event_type in DEAL_TYPES else row.event_date
                graph.controls.setdefault(row.company_id, []).append(Control(
                    row.counterparty_id or 0, row.company_id, since, row.id or 0, row.event_type))
        graph._inherit_through_rebrands()
        for items in graph.controls.values():
            items.sort(key=lambda c: (c.since or date.min, c.event_id))
        return graph

    def _inherit_through_rebrands(self) -> None:
        for items in list(self.controls.values()):
            for rebrand in [c for c in items if c.event_type == "rebrand"]:
                new_name = rebrand.owner_id
                if self.controls.get(new_name):
                    continue
                owners = sorted((c for c in items if c.event_type != "rebrand" and c.owner_id != new_name
                                 and (c.since is None or rebrand.since is None or c.since <= rebrand.since)),
                                key=lambda c: (c.since or date.min, c.event_id))
                if owners:
                    last = owners[-1]
                    self.controls[new_name] = [Control(last.owner_id, new_name, rebrand.since or last.since,
                                                       last.event_id, last.event_type)]

    def owner(self, company_id: int, on: date | None = None) -> Control | None:
        """The control in force on ``on`` (None: today, undated events included)."""
        current = None
        for control in self.controls.get(company_id, ()):
            if control.since is None and on is not None:
                continue
            if on is None or control.since is None or control.since <= on:
                current = control
        return current

    def chain(self, company_id: int, on: date | None = None) -> list[Control]:
        """Controls from the company up to its ultimate parent."""
        chain: list[Control] = []
        seen = {company_id}
        current = company_id
        while (control := self.owner(current, on)) is not None and control.owner_id not in seen:
            chain.append(control)
            seen.add(control.owner_id)
            current = control.owner_id
        return chain

    def ultimate_parent(self, company_id: int, on: date | None = None) -> int:
        chain = self.chain(company_id, on)
        return chain[-1].owner_id if chain else company_id

    def independent(self, company_id: int, on: date | None = None) -> bool:
        return self.owner(company_id, on) is None

    def closed(self, company_id: int, on: date | None = None) -> bool:
        closure = self.closures.get(company_id)
        if closure is None:
            return False
        when = closure[0]
        return on is None or (when is not None and when <= on)

    def history(self, company_id: int) -> list[Control]:
        return list(self.controls.get(company_id, ()))


def owner_on(session: Session, *, company_id: int, on: date | None = None) -> Company | None:
    """The direct owner of a company on a date (None: independent)."""
    control = OwnershipGraph.load(session).owner(company_id, on)
    return session.get(Company, control.owner_id) if control else None


def ultimate_parent_on(session: Session, *, company_id: int, on: date | None = None) -> Company | None:
    return session.get(Company, OwnershipGraph.load(session).ultimate_parent(company_id, on))


def owners_table(session: Session) -> dict[int, tuple[str | None, str]]:
    """company id -> (direct owner's name or None, ultimate parent's name), as of today."""
    graph = OwnershipGraph.load(session)
    table: dict[int, tuple[str | None, str]] = {}
    for cid, name in graph.names.items():
        control = graph.owner(cid)
        parent = graph.ultimate_parent(cid)
        table[cid] = (graph.names.get(control.owner_id) if control else None, graph.names.get(parent, name))
    return table


def product_history(session: Session, *, product_id: int) -> list[dict[str, object]]:
    """Owners of a product's company over time: one period per control event, oldest first.
    The first period (``since`` None) is the company on its own."""
    product = session.get(Product, product_id)
    if product is None:
        return []
    graph = OwnershipGraph.load(session)
    periods: list[dict[str, object]] = [{"since": None, "owner": None,
                                         "ultimate_parent": graph.names.get(product.company_id),
                                         "event_id": None}]
    for control in graph.history(product.company_id):
        parent = graph.ultimate_parent(product.company_id, control.since)
        periods.append({"since": control.since, "owner": graph.names.get(control.owner_id),
                        "ultimate_parent": graph.names.get(parent), "event_id": control.event_id})
    return periods
