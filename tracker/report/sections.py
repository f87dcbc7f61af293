# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated,union-attr"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""The report's sections, built from the store only, each figure and table with its rule,
the module that computed it and the records behind it.

The rules are not recomputed here: the reference figures come from
``tracker.evidence.figures``, every evidence count from ``tracker.views.company.evidence_profile``
(the rule of ``tracker.evidence.effective``), the market from ``tracker.views.market`` (the
rules of ``tracker.market.metrics``), products by task from ``tracker.views.compare``. This
module groups, orders and lays them out.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Product, Publication
from tracker.evidence.effective import EvidenceSet, effective_grades
from tracker.evidence.figures import BY_KEY, PUBLISHED_SOURCES, Figures
from tracker.evidence.vocabulary import LEVEL_NAMES, LEVELS
from tracker.report import plots
from tracker.report.figures import (
    Block,
    Cell,
    Chart,
    Ids,
    Link,
    Note,
    Provenance,
    Section,
    Table,
)
from tracker.views.company import EvidenceProfile, evidence_profile
from tracker.views.ownership import Ownership

NONE = "none"
HIGHEST_KEYS = (NONE, *LEVELS)
PUBLISHED = "; ".join(f"{year}: {text}" for year, text in PUBLISHED_SOURCES.items())
PROFILE_MODULE = "tracker.views.company.evidence_profile"


@dataclass
class Context:
    """What every section reads once: the counted products and their evidence."""

    session: Session
    evidence: EvidenceSet  # effective links and papers of the counted products
    product_ids: list[int]
    figures: Figures
    ownership: Ownership
    include_systems: bool


def _level_label(level: str) -> str:
    return "no evidence paper" if level == NONE else f"{level} {LEVEL_NAMES[level]}"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def _percent(value: str) -> float | None:
    """``"36%"`` -> 36.0; anything else -> None."""
    text = value.strip()
    return float(text[:-1]) if text.endswith("%") and text[:-1].replace(".", "").isdigit() else None


def _levels_text(by_level: dict[str, int]) -> str:
    return ", ".join(f"{lv}: {n}" for lv, n in by_level.items() if n) or "-"


def _highest_of(profile: EvidenceProfile) -> str:
    found = [lv for lv in LEVELS if profile.by_level.get(lv)]
    return found[-1] if found else "-"


def _sizes(values: Sequence[int]) -> str:
    if not values:
        return "-"
    return f"{min(values)} / {statistics.median(values):g} / {max(values)}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40] or "x"


def _ids_cell(kind: str, ids: Iterable[int]) -> Ids:
    return Ids(kind, tuple(sorted(ids)))


EXTRA_FIGURES = {
    "vendor_independence_stated": "papers whose vendor independence is coded true or false / "
                                  "papers (abstracts rarely say: a low share means unknown)",
    "papers_overridden": "papers with a level, feature or sample size set by a person / papers",
}
"""Figures of tracker.evidence.figures without a published value, shown with the reference ones."""


# -- a. the published reviews' tables ------------------------------------------------------

def reference_table(ctx: Context) -> Table:
    rows: list[list[Cell]] = []
    for key in (*BY_KEY, *EXTRA_FIGURES):
        fig = ctx.figures.figures.get(key)
        if fig is None:
            continue
        ref = BY_KEY.get(key)
        rows.append([fig.label, fig.value, ref.published_2021 if ref else "",
                     ref.published_2025 if ref else "",
                     ref.definition if ref else EXTRA_FIGURES[key]])
    return Table(
        "reviews-figures", "Reference figures: the store beside the published reviews",
        ["figure", "store", "published 2021", "published 2025", "definition"], rows,
        Provenance(rule=f"basis: {ctx.figures.basis}; a product's evidence is its effectively "
                        "linked peer-reviewed evidence papers (tracker.evidence.effective)",
                   module="tracker.evidence.figures.store_figures",
                   records=f"{len(ctx.product_ids)} counted products (ids in the next table)",
                   published=PUBLISHED))


def highest_level_table(ctx: Context) -> Table:
    profile = evidence_profile(ctx.product_ids, ctx.evidence)
    best: dict[str, list[int]] = defaultdict(list)
    for pid in ctx.product_ids:
        best[ctx.evidence.product(pid).highest or NONE].append(pid)
    rows: list[list[Cell]] = [[_level_label(lv), profile.highest.get(lv, 0),
                               _pct(profile.highest.get(lv, 0), profile.products),
                               _ids_cell("product", best.get(lv, []))] for lv in HIGHEST_KEYS]
    prov = Provenance(
        rule="each counted product under the highest effective level of its evidence papers; "
             + profile.rule,
        module=PROFILE_MODULE, records="product ids in the table",
        published=("products with peer-reviewed evidence 36% (2021), 66% (2025); level >= 3 "
                   "18% (2021), 31% (2025): see the reference figures"))
    chart = None
    if profile.products:
        chart = Chart("reviews-highest-chart", "Products by highest level of evidence",
                      plots.stacked_bars("reviews-highest-chart",
                                         [_level_label(lv) for lv in HIGHEST_KEYS],
                                         {"products": [profile.highest.get(lv, 0)
                                                       for lv in HIGHEST_KEYS]},
                                         colours={"products": "#6baed6"},
                                         horizontal=True, xlabel="products"),
                      "bars: products per highest level, none first")
    return Table("reviews-highest", "Products by highest level of evidence",
                 ["highest level", "products", "share", "products (ids)"], rows, prov, chart=chart)


def _evidence_papers(ctx: Context) -> tuple[dict[int, str], str]:
    """Paper id -> level on the figures' basis (the same papers as the paper-level figures)."""
    if ctx.evidence.links:
        chosen = {p.publication_id: p.level for p in ctx.evidence.papers.values()
                  if p.is_peer_reviewed and p.level}
        return chosen, ("peer-reviewed evidence papers effectively linked to a counted product "
                        "(not retracted, not preprints, with an effective level)")
    flags = {pid: (retracted, preprint) for pid, retracted, preprint in ctx.session.execute(
        select(Publication.id, Publication.is_retracted, Publication.is_preprint))}
    chosen = {pid: g.level for pid, g in effective_grades(ctx.session).items()
              if g.level is not None and flags.get(pid, (True, True)) == (False, False)}
    return chosen, ctx.figures.basis


def papers_per_year_table(ctx: Context) -> Table:
    from tracker.views.company import YEAR_LEVELS_RULE, levels_by_year, paper_years

    levels, basis = _evidence_papers(ctx)
    counts = levels_by_year(ctx.session, levels)
    grid = {str(year or "unknown"): per for year, per in counts.items()}
    order = list(grid)
    years = paper_years(ctx.session, levels)
    ids: dict[str, list[int]] = defaultdict(list)
    for pid in levels:
        ids[str(years.get(pid) or "unknown")].append(pid)
    rows: list[list[Cell]] = [[y, *[grid[y][lv] for lv in LEVELS], sum(grid[y].values()),
                               _ids_cell("paper", ids[y])] for y in order]
    prov = Provenance(rule=f"{basis}; {YEAR_LEVELS_RULE}",
                      module="tracker.evidence.effective (evidence_set, effective_grades)",
                      records="paper ids in the table",
                      published=("papers at level 2: 65% (2021), 57% (2025); levels 3-6: 22% "
                                 "(2021), 24% (2025): see the reference figures"))
    chart = None
    if order:
        series = {f"{lv} {LEVEL_NAMES[lv]}": [grid[y][lv] for y in order] for lv in LEVELS}
        colours = {f"{lv} {LEVEL_NAMES[lv]}": plots.LEVEL_COLOURS[lv] for lv in LEVELS}
        chart = Chart("reviews-years-chart", "Papers by level per year",
                      plots.stacked_bars("reviews-years-chart", order, series, colours=colours,
                                         ylabel="papers"),
                      "stacked bars: papers per publication year, one colour per level")
    return Table("reviews-years", "Papers by level per year",
                 ["year", *LEVELS, "papers", "papers (ids)"], rows, prov, chart=chart)


FEATURE_FIGURES = ("vendor_independent", "multicentre", "prospective", "multinational")


def shares_table(ctx: Context) -> Table:
    figs = ctx.figures.figures
    rows: list[list[Cell]] = []
    for key in FEATURE_FIGURES:
        ref = BY_KEY[key]
        rows.append([figs[key].label, figs[key].value, ref.published_2021, ref.published_2025,
                     ref.definition])
    for key in FEATURE_FIGURES:
        fig = figs.get(f"products_{key}")
        if fig is not None:
            rows.append([fig.label, fig.value, "", "",
                         "products with such a peer-reviewed evidence paper / products with "
                         "peer-reviewed evidence"])
    prov = Provenance(rule=f"basis: {ctx.figures.basis}; a feature counts when the paper's "
                           "effective grade codes it true (unknown is not true)",
                      module="tracker.evidence.figures.store_figures", records="papers: as the "
                      "papers by level per year above", published=PUBLISHED)
    chart = None
    whole = figs["papers"].part if "papers" in figs else 0
    if whole:
        labels = [BY_KEY[k].label for k in FEATURE_FIGURES]
        series: dict[str, list[float | None]] = {
            "store": [100 * figs[k].part / whole for k in FEATURE_FIGURES],
            "published 2021": [_percent(BY_KEY[k].published_2021) for k in FEATURE_FIGURES],
            "published 2025": [_percent(BY_KEY[k].published_2025) for k in FEATURE_FIGURES],
        }
        chart = Chart("reviews-shares-chart",
                      "Vendor-independent, multicentre and prospective studies (% of papers)",
                      plots.grouped_bars("reviews-shares-chart", labels, series,
                                         ylabel="% of papers", percent=True),
                      "grouped bars: the store's share beside the published shares")
    return Table("reviews-shares", "Shares of vendor-independent, multicentre and prospective "
                 "studies", ["figure", "store", "published 2021", "published 2025", "definition"],
                 rows, prov, chart=chart)


def _grouped(ctx: Context, column: Any) -> dict[str, list[int]]:
    counted = set(ctx.product_ids)
    groups: dict[str, list[int]] = defaultdict(list)
    for pid, value in ctx.session.execute(select(Product.id, column)):
        if pid in counted:
            groups[value or "unclassified"].append(pid)
    return groups


def by_group_table(ctx: Context, *, key: str, title: str, column: Any, source: str) -> Table:
    groups = _grouped(ctx, column)
    profiles = {name: evidence_profile(ids, ctx.evidence) for name, ids in groups.items()}
    order = sorted(profiles, key=lambda g: (-profiles[g].products, g))
    rows: list[list[Cell]] = []
    for name in order:
        p = profiles[name]
        rows.append([name, p.products, f"{p.products_with_evidence} "
                     f"({_pct(p.products_with_evidence, p.products)})", p.papers,
                     *[p.highest.get(lv, 0) for lv in HIGHEST_KEYS],
                     _ids_cell("product", groups[name])])
    prov = Provenance(rule=f"counted products grouped by {source} ('unclassified' when empty); "
                           "the level columns count products by their highest level; "
                           + evidence_profile([], ctx.evidence).rule,
                      module=f"{PROFILE_MODULE} per group; taxonomy: tracker.products.taxonomy",
                      records="product ids in the table")
    chart = None
    if order:
        series = {_level_label(lv): [profiles[g].highest.get(lv, 0) for g in order]
                  for lv in HIGHEST_KEYS}
        colours = {_level_label(lv): plots.LEVEL_COLOURS[lv] for lv in HIGHEST_KEYS}
        chart = Chart(f"{key}-chart", f"Products by {title} and highest level",
                      plots.stacked_bars(f"{key}-chart", order, series, colours=colours,
                                         horizontal=True, xlabel="products"),
                      f"stacked bars: products per {title}, by highest level")
    return Table(key, f"Evidence by {title}",
                 [title, "products", "with evidence", "papers",
                  *[f"highest {lv}" for lv in HIGHEST_KEYS], "products (ids)"], rows, prov,
                 chart=chart)


def reviews_section(ctx: Context) -> Section:
    blocks: list[Block] = [
        reference_table(ctx), highest_level_table(ctx), papers_per_year_table(ctx),
        shares_table(ctx),
        by_group_table(ctx, key="reviews-subspecialty", title="subspecialty",
                       column=Product.subspecialty, source="Product.subspecialty"),
        by_group_table(ctx, key="reviews-type", title="product type",
                       column=Product.product_type, source="Product.product_type")]
    return Section("reviews", "a. The published reviews' tables, from the store",
                   "The tables of van Leeuwen et al. (2021) and its 2025 follow-up, recomputed from "
                   "this store, with the published values beside them where the tracker keeps them.",
                   blocks)


# -- b. the market --------------------------------------------------------------------------

def market_section(ctx: Context, *, min_confidence: float | None = None) -> Section:
    from tracker.views.market import headline, market_view

    view = market_view(ctx.session, min_confidence=min_confidence,
                       include_systems=ctx.include_systems)
    series = headline(view)
    years = [y.year for y in view.years]
    rules = view.rules
    prov = Provenance(
        rule=f"products: {rules.get('products', '')}; active independent companies: "
             f"{rules.get('active_independent', '')}; acquisitions: {rules.get('acquisitions', '')}",
        module="tracker.views.market.market_view / headline (tracker.market.metrics.market_stats)",
        records="the events behind acquisitions and exits are in the timeline below, with sources",
        published="the 2025 overview's picture: products on the market against active "
                  "independent companies")
    chart = None
    if years:
        chart = Chart("market-headline-chart", "AI software products vs active independent companies",
                      plots.line_chart("market-headline-chart", years,
                                       {"AI software products on the market": series["products"],
                                        "active independent companies": series["companies"]},
                                       xlabel="year (as of 31 December)"),
                      "two lines over the years: products and independent companies")
    rows: list[list[Cell]] = [[y.year, y.products, y.active_independent, y.active_companies,
                               y.acquisitions, ", ".join(y.exits) or "-"] for y in view.years]
    blocks: list[Block] = [Table(
        "market-headline", "AI software products vs active independent companies (31 December)",
        ["year", "products", "active independent companies", "active companies", "acquisitions",
         "exits"], rows, prov, chart=chart)]
    events: list[list[Cell]] = []
    for e in sorted(view.timeline, key=lambda e: e["date"] is None):  # undated last, order kept
        events.append([e["date_label"] or "undated", e["type"], e["company"],
                       e["counterparty"] or "-", e["status"] or "-",
                       f"{e['origin'] or ''}{' (uncertain)' if e['uncertain'] else ''}",
                       e["id"], Link(e["url"], e["url"]) if e["url"] else "-"])
    acquisitions = sum(1 for e in view.timeline if e["type"] in ("acquisition", "merger"))
    blocks.append(Table(
        "market-timeline", "Acquisitions timeline (every market event)",
        ["date", "type", "company (target)", "counterparty (acquirer)", "status", "origin",
         "event id", "source"], events,
        Provenance(rule="market events in the store (CompanyEvent), oldest first; an event's "
                        "company is the target, its counterparty the acquirer or partner; dates "
                        "shown as precisely as the source gives them",
                   module="tracker.views.market.market_view (timeline)",
                   records="event ids and source URLs in the table"),
        note=f"{acquisitions} acquisitions or mergers among {len(view.timeline)} events"))
    return Section("market", "b. The market",
                   "AI software products on the market against the independent companies that "
                   "sell them, and the acquisitions behind the consolidation.", blocks)


# -- c. per-vendor evidence profile ------------------------------------------------------------

TOP_VENDORS = 25
CHART_VENDORS = 12


def vendors_section(ctx: Context) -> Section:
    from tracker.views.company import vendor_profiles

    vendors = vendor_profiles(ctx.session, evidence=ctx.evidence, ownership=ctx.ownership,
                              include_systems=ctx.include_systems)
    top = vendors[:TOP_VENDORS]
    rule = top[0][2].rule if top else evidence_profile([], ctx.evidence).rule
    prov = Provenance(rule=rule + "; vendors ordered by evidence papers, then products",
                      module="tracker.views.company.vendor_profiles",
                      records="company ids and paper ids in the table")
    rows: list[list[Cell]] = []
    for cid, name, p in top:
        rows.append([name, cid, p.products, p.products_with_evidence, p.papers, p.peer_reviewed,
                     *[p.by_level.get(lv, 0) for lv in LEVELS], _highest_of(p),
                     p.vendor_independent, p.multicentre, p.prospective, _sizes(p.sample_sizes),
                     _ids_cell("paper", p.paper_ids)])
    chart = None
    charted = [(name, p) for _, name, p in top[:CHART_VENDORS] if p.papers]
    if charted:
        series = {f"{lv} {LEVEL_NAMES[lv]}": [p.by_level.get(lv, 0) for _, p in charted]
                  for lv in LEVELS}
        colours = {f"{lv} {LEVEL_NAMES[lv]}": plots.LEVEL_COLOURS[lv] for lv in LEVELS}
        chart = Chart("vendors-chart", f"Evidence papers by level, top {len(charted)} vendors",
                      plots.stacked_bars("vendors-chart", [n for n, _ in charted], series,
                                         colours=colours, horizontal=True, xlabel="papers"),
                      "stacked bars: each vendor's evidence papers by level")
    with_papers = sum(1 for _, _, p in vendors if p.papers)
    blocks: list[Block] = [Table(
        "vendors-table", f"Top {len(top)} vendors by evidence",
        ["vendor", "company id", "products", "with evidence", "papers", "peer-reviewed",
         *LEVELS, "highest", "vendor-independent", "multicentre", "prospective",
         "sample size min / median / max", "papers (ids)"], rows, prov,
        note=f"{len(vendors)} vendors with a counted product; {with_papers} with an evidence paper",
        chart=chart)]
    return Section("vendors", "c. Evidence profile per vendor",
                   "Each vendor is a current owner: an acquired brand's products count for the "
                   "company that owns it now.", blocks)


# -- d. per-task comparison --------------------------------------------------------------------

LVO = "large vessel occlusion"
DEFAULT_TASKS = 3


def default_tasks(catalogue: list[tuple[str, int]], count: int = DEFAULT_TASKS) -> list[str]:
    """The most common tasks (``catalogue`` is most products first), large vessel occlusion
    first when there is one."""
    names = [name for name, _ in catalogue]
    lvo = [n for n in names if LVO in n.casefold()]
    chosen = lvo[:1] + [n for n in names if n not in lvo[:1]]
    return chosen[:count]


def _clearance_links(clearances: list[dict[str, Any]], regulator: str) -> list[Link]:
    out = []
    for c in clearances:
        if (c["regulator"] == "FDA") != (regulator == "FDA"):
            continue
        when = c["decision_date"].isoformat() if c["decision_date"] else "undated"
        label = f"{c['number']} ({c['kind']}, {when})" if regulator == "FDA" else \
            f"{c['number']} ({c['ce_class'] or 'class ?'}, {when})"
        out.append(Link(label, c["source_url"] or ""))
    return out


def task_table(ctx: Context, finding: str, index: int) -> Table:
    from tracker.views.compare import TASKS_RULE, compare_products, task_products

    key = f"task-{index}-{slug(finding)}"
    ids = task_products(ctx.session, finding, include_systems=ctx.include_systems)
    found = compare_products(ctx.session, ids, evidence=ctx.evidence, ownership=ctx.ownership)
    found.sort(key=lambda c: (-c.profile.papers, c.row.name.casefold()))
    prov = Provenance(
        rule=f"products for the task '{finding}' ({TASKS_RULE}; or a finding their sources "
             "state, whole words ignoring case); clearances are the store's registrations; "
             + evidence_profile([], ctx.evidence).rule,
        module="tracker.views.compare.task_products / compare_products",
        records="product ids, registration numbers with their source URLs, paper ids")
    rows: list[list[Cell]] = []
    for c in found:
        p = c.profile
        rows.append([c.row.name, c.row.id, c.row.company,
                     c.row.owner, _clearance_links(c.clearances, "FDA") or "-",
                     c.row.ce_class or "-", _clearance_links(c.clearances, "EU") or "-",
                     _levels_text(p.by_level), p.papers, p.peer_reviewed, p.vendor_independent,
                     p.prospective, _sizes(p.sample_sizes), _ids_cell("paper", p.paper_ids)])
    chart = None
    charted = [c for c in found if c.profile.papers][:30]
    if charted:
        series = {f"{lv} {LEVEL_NAMES[lv]}": [c.profile.by_level.get(lv, 0) for c in charted]
                  for lv in LEVELS}
        colours = {f"{lv} {LEVEL_NAMES[lv]}": plots.LEVEL_COLOURS[lv] for lv in LEVELS}
        chart = Chart(f"{key}-chart", f"{finding}: evidence papers by level per product",
                      plots.stacked_bars(f"{key}-chart", [c.row.name for c in charted],
                                         series, colours=colours, horizontal=True,
                                         xlabel="papers"),
                      "stacked bars: each product's evidence papers by level")
    return Table(key, f"Task: {finding} ({len(found)} product{'' if len(found) == 1 else 's'})",
                        ["product", "product id", "company", "owner", "FDA clearances", "CE class",
                         "CE certificates", "papers by level", "papers", "peer-reviewed",
                         "vendor-independent", "prospective", "sample size min / median / max",
                  "papers (ids)"], rows, prov,
                 empty="no counted product in the store is for this task", chart=chart)


def tasks_section(ctx: Context, tasks: list[str] | None) -> tuple[Section, list[str]]:
    from tracker.views.compare import findings_catalogue

    catalogue = findings_catalogue(ctx.session, include_systems=ctx.include_systems)
    chosen = tasks if tasks else default_tasks(catalogue)
    blocks: list[Block] = []
    for n, finding in enumerate(chosen, start=1):
        blocks.append(task_table(ctx, finding, n))
    if not chosen:
        blocks.append(Note("No product in the store names a clinical task yet; pass --task "
                           "FINDING once the registrations name some."))
    intro = ("For each clinical task (tracker.products.tasks: what the products' names and "
             "registrations say they are for), every product: owner, "
             "clearances, CE class and its evidence. Tasks: "
             + ("; ".join(chosen) if chosen else "none") + ". "
             + ("Chosen with --task." if tasks else
                "Default: the most common tasks (large vessel occlusion first when present)."))
    return Section("tasks", "d. Products compared per task", intro, blocks), chosen
