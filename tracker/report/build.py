# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Build the report from a store: read the evidence once, then each section in order.

``build_report`` returns the data (:class:`tracker.report.figures.Report`); ``write_report``
renders it (:mod:`tracker.report.html`) and writes one self-contained HTML file. The
generation time is passed in (the command line gives the clock; tests fix it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from tracker.db.models import Company, CompanyEvent, Product, Publication, Registration
from tracker.report.figures import Report

EMPTY_NOTICE = ("The store holds no products yet. Fill it first: `tracker demo` (the recorded "
                "snapshot, offline) or `tracker nightly` (the live sources), then run "
                "`tracker report` again.")


def masked_url(url: str) -> str:
    """The store's URL with any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an odd URL is still shown, without what follows '@'
        return url.split("@")[-1]


def _count(session: Session, column: object) -> int:
    return int(session.execute(select(func.count(column))).scalar_one())


def build_report(engine: Engine, *, generated_at: datetime, store_url: str | None = None,
                 tasks: list[str] | None = None, include_systems: bool = False,
                 min_confidence: float | None = None) -> Report:
    """Every section of the report from the store behind ``engine``."""
    from tracker.db.engine import session as open_session
    from tracker.evidence.effective import evidence_set
    from tracker.evidence.figures import counted_evidence, store_figures
    from tracker.report import sections
    from tracker.store.universe import counted
    from tracker.views.ownership import load_ownership

    with open_session(engine) as s:
        ids = sorted(s.execute(select(Product.id).where(counted(include_systems))).scalars())
        whole = evidence_set(s)
        evidence = counted_evidence(whole, set(ids))
        ctx = sections.Context(s, evidence, ids, store_figures(s, whole, include_systems=include_systems),
                               load_ownership(s, min_confidence=min_confidence), include_systems)
        tasks_section, chosen = sections.tasks_section(ctx, tasks)
        body = [sections.reviews_section(ctx),
                sections.market_section(ctx, min_confidence=min_confidence),
                sections.vendors_section(ctx), tasks_section]
        what = "AI software and imaging-system products" if include_systems else "AI software products"
        counts = {
            what: len(ids),
            "companies": _count(s, Company.id),
            "registrations": _count(s, Registration.id),
            "papers": _count(s, Publication.id),
            "product-paper links (effective)": len(evidence.links),
            "evidence papers of counted products": len({p for p, v in evidence.papers.items()
                                                        if v.is_evidence}),
            "market events": _count(s, CompanyEvent.id),
        }
    url = store_url if store_url is not None else engine.url.render_as_string(hide_password=False)
    return Report(title="AI in radiology: products, market and evidence",
                  store_url=masked_url(url), generated_at=generated_at, counts=counts,
                  sections=body, notice="" if ids else EMPTY_NOTICE,
                  include_systems=include_systems, tasks=chosen)


def write_report(engine: Engine, out: Path, *, generated_at: datetime, store_url: str | None = None,
                 tasks: list[str] | None = None, include_systems: bool = False,
                 min_confidence: float | None = None) -> Report:
    """Build, render and write the report to ``out`` (its folder is made)."""
    from tracker.report.html import render_report

    report = build_report(engine, generated_at=generated_at, store_url=store_url, tasks=tasks,
                          include_systems=include_systems, min_confidence=min_confidence)
    text = render_report(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return report
