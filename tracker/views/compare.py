# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Products side by side, and products by clinical task (finding).

A comparison shows each product's row (``tracker.views.products``), the findings its sources
state, every registration (regulator, number, date, CE class, source) and its evidence
profile (``tracker.views.company.evidence_profile``: the rule of
``tracker.evidence.effective``). A product is for a task by the one rule of
``tracker.views.products.has_finding`` (its tasks from ``tracker.products.tasks`` and its stated
findings).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Product, Registration
from tracker.evidence.effective import EvidenceSet, evidence_set
from tracker.products.tasks import TASKS, TaskMatch, findings_list, product_tasks
from tracker.store.registrations import decision_order
from tracker.store.universe import counted
from tracker.views.company import EvidenceProfile, evidence_profile
from tracker.views.ownership import Ownership
from tracker.views.products import ProductRow, finding_matches, product_rows

TASKS_RULE = ("clinical tasks of tracker.products.tasks (a fixed vocabulary matched as whole words in "
              "a product's name, its registrations' device names and its stated findings: rules "
              "K1-K3); each product counted once per task")


@dataclass
class ProductComparison:
    row: ProductRow
    findings: list[str]
    """Its clinical tasks (``ProductRow.tasks``), then the findings its sources state."""
    clearances: list[dict[str, Any]]
    """Each registration: regulator, kind, number, decision_date, ce_class, source_url."""
    profile: EvidenceProfile


def _clearances(session: Session, product_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not product_ids:
        return out
    rows = session.execute(
        select(Registration.product_id, Registration.regulator, Registration.kind,
               Registration.number, Registration.decision_date, Registration.ce_class,
               Registration.device_class, Registration.source_url, Registration.composed)
        .where(Registration.product_id.in_(product_ids))  # type: ignore[union-attr]
        .order_by(*decision_order()))
    for pid, regulator, kind, number, decided, ce_class, device_class, url, composed in rows:
        out[pid].append({"regulator": regulator, "kind": kind, "number": number,
                         "decision_date": decided, "ce_class": ce_class or "",
                         "device_class": device_class or "", "source_url": url or "",
                         "composed": bool(composed)})
    return out


def compare_products(session: Session, product_ids: list[int], *, evidence: EvidenceSet | None = None,
                     ownership: Ownership | None = None) -> list[ProductComparison]:
    """The products in the given order (imaging systems too: they were asked for by id);
    unknown ids are skipped, a repeated id is shown once."""
    ids = list(dict.fromkeys(product_ids))
    evidence = evidence or evidence_set(session)
    rows = {r.id: r for r in product_rows(session, evidence=evidence, ownership=ownership,
                                          include_systems=True)}
    wanted = [pid for pid in ids if pid in rows]
    clearances = _clearances(session, wanted)
    return [ProductComparison(rows[pid], _tasks_then_findings(rows[pid]),
                              clearances.get(pid, []), evidence_profile([pid], evidence))
            for pid in wanted]


def _tasks_then_findings(row: ProductRow) -> list[str]:
    """Its tasks, then each stated finding that is not already a task's label."""
    labels = {" ".join(t.split()).casefold() for t in row.tasks}
    return [*row.tasks, *(f for f in row.findings if " ".join(f.split()).casefold() not in labels)]


def findings_catalogue(session: Session, *, include_systems: bool = False) -> list[tuple[str, int]]:
    """``(clinical task, products with it)``, most products first then vocabulary order
    (``TASKS_RULE``): the choices of the finding filter and the report's per-task tables."""
    return tasks_catalogue(product_tasks(session, include_systems=include_systems).values())


def tasks_catalogue(per_product: Iterable[Iterable[TaskMatch]]) -> list[tuple[str, int]]:
    """``findings_catalogue`` from each product's task matches already at hand (the TUI's
    product rows carry them)."""
    counts: Counter[str] = Counter()
    for matches in per_product:
        counts.update({m.label for m in matches})
    order = {task.label: i for i, task in enumerate(TASKS)}
    return sorted(counts.items(), key=lambda item: (-item[1], order[item[0]]))


def task_products(session: Session, finding: str, *, include_systems: bool = False) -> list[int]:
    """Ids of the products for ``finding`` (a task label, an abbreviation such as "LVO", or a
    stated finding), by id: the rule of ``has_finding`` without building whole rows."""
    tasks = product_tasks(session, include_systems=include_systems)
    stated = dict(session.execute(select(Product.id, Product.findings).where(counted(include_systems))).all())
    return sorted(pid for pid, matches in tasks.items()
                  if finding_matches(finding, [*(m.label for m in matches), *findings_list(stated.get(pid))]))
