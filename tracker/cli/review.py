"""``tracker review grade|feature|link|not-relevant|list|product|merge-products|split-product``:
a person's decisions on papers and products, stored as
overrides (who: ``--by``, else the ``reviewer`` setting; why: ``--why``, kept with every
decision), and ``tracker train linking``, which fits the link threshold on those decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for
from tracker.cli.grading import train_app

T = TypeVar("T")

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.db.models import Product

review_app = typer.Typer(help="Confirm or override grades and links (stored as overrides).",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")

By = Annotated[str | None, typer.Option(
    "--by", help="Who decides (kept with the override; default: the reviewer setting, "
    "TRACKER_REVIEWER, else the operating-system user).")]
Why = Annotated[str, typer.Option("--why", help="Why (kept with the override).")]


def _reviewer(by: str | None, settings: Settings) -> str:
    """``--by`` when given (a blank one is refused by the overrides API), else the setting."""
    return settings.reviewer if by is None else by


def _publication(s: object, ref: str) -> int:
    from tracker.store.refs import find_publication_ref

    row = find_publication_ref(s, ref)  # type: ignore[arg-type]
    if row is None or row.id is None:
        typer.echo(f"no publication {ref!r} (use a store id, PMID:n or a DOI)", err=True)
        raise typer.Exit(2)
    return row.id


def _or_exit(write: Callable[[], T], *, prefix: str = "") -> T:
    """Run an override write; a bad value or reference exits 2 with the reason."""
    try:
        return write()
    except ValueError as exc:
        typer.echo(f"{prefix}{exc}", err=True)
        raise typer.Exit(2) from exc

@review_app.command("grade")
def review_grade(
    pub: Annotated[str, typer.Argument(help="Publication: store id, PMID:n or DOI")],
    by: By = None,
    why: Why = "",
    level: Annotated[str | None, typer.Option(
        "--level", help="1t, 1c, 2..6, or 'none' (not evidence)")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="Confirm the automatic level")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Set (``--level``) or confirm (``--confirm``) a paper's efficacy level."""
    from tracker.db.engine import session
    from tracker.evidence.overrides import confirm_grade, override_grade

    if (level is None) == (not confirm):
        typer.echo("give exactly one of --level or --confirm", err=True)
        raise typer.Exit(2)
    author = _reviewer(by, settings_for(database_url))
    with session(engine_for(database_url)) as s:
        pub_id = _publication(s, pub)
        row = _or_exit(lambda: confirm_grade(s, publication_id=pub_id, author=author,
                                             reason=why or "confirmed")
                       if confirm else override_grade(s, publication_id=pub_id,
                                                      field_name="level", value=level,
                                                      author=author,
                                                      reason=why or f"level set to {level}"))
    typer.echo(f"publication {pub_id}: level {row.value or 'none'} "
               f"(override {row.id} by {row.author}: {row.reason})")


@review_app.command("feature")
def review_feature(
    pub: Annotated[str, typer.Argument(help="Publication: store id, PMID:n or DOI")],
    name: Annotated[str, typer.Argument(help="prospective, multicentre, multinational, "
                                        "reader_study, rct, vendor_independent, sample_size")],
    value: Annotated[str, typer.Argument(help="true, false, null (or a number)")],
    by: By = None,
    why: Why = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Set one study feature of a paper."""
    from tracker.db.engine import session
    from tracker.evidence.overrides import override_grade

    author = _reviewer(by, settings_for(database_url))
    with session(engine_for(database_url)) as s:
        pub_id = _publication(s, pub)
        row = _or_exit(lambda: override_grade(s, publication_id=pub_id, field_name=name,
                                              value=value, author=author,
                                              reason=why or f"{name} set to {value}"))
    typer.echo(f"publication {pub_id}: {name} = {row.value} "
               f"(override {row.id} by {row.author}: {row.reason})")


@review_app.command("link")
def review_link(
    pub: Annotated[str, typer.Argument(help="Publication: store id, PMID:n or DOI")],
    product: Annotated[str, typer.Argument(help="Product: store id or slug")],
    by: By = None,
    why: Why = "",
    accept: Annotated[bool, typer.Option("--accept/--reject",
                                         help="The paper evaluates the product, or not")] = True,
    database_url: DatabaseUrl = None,
) -> None:
    """Accept or reject the link between a paper and a product."""
    from tracker.db.engine import session
    from tracker.evidence.overrides import override_link
    from tracker.store.refs import find_product_ref

    author = _reviewer(by, settings_for(database_url))
    verb = "accepted" if accept else "rejected"
    with session(engine_for(database_url)) as s:
        pub_id = _publication(s, pub)
        prod = find_product_ref(s, product)
        if prod is None or prod.id is None:
            typer.echo(f"no product {product!r} (use a store id or slug)", err=True)
            raise typer.Exit(2)
        prod_id = prod.id
        row = _or_exit(lambda: override_link(s, publication_id=pub_id, product_id=prod_id,
                                             accept=accept, author=author,
                                             reason=why or f"{verb} in review"))
    typer.echo(f"link publication {pub_id} - {prod.slug} {verb} "
               f"(override {row.id} by {row.author}: {row.reason})")


def _product(s: object, ref: str) -> Product:
    from tracker.store.refs import find_product_ref

    prod = find_product_ref(s, ref)  # type: ignore[arg-type]
    if prod is None or prod.id is None:
        typer.echo(f"no product {ref!r} (use a store id or slug)", err=True)
        raise typer.Exit(2)
    return prod


@review_app.command("product")
def review_product(
    product: Annotated[str, typer.Argument(help="Product: store id or slug")],
    by: By = None,
    why: Why = "",
    kind: Annotated[str | None, typer.Option("--kind", help="software or imaging-system")] = None,
    product_type: Annotated[str | None, typer.Option(
        "--type", help="triage/notification, detection, diagnosis/characterisation, quantification, "
        "segmentation/contouring/planning, reconstruction/enhancement, workflow/reporting, "
        "comprehensive, platform")] = None,
    modality: Annotated[list[str] | None, typer.Option("--modality", help="repeatable: CT, MR, X-ray, ...")] = None,
    subspecialty: Annotated[str | None, typer.Option("--subspecialty", help="neuro, chest, breast, ...")] = None,
    family: Annotated[str | None, typer.Option("--family", help="the vendor's product line")] = None,
    finding: Annotated[list[str] | None, typer.Option("--finding", help="repeatable: a finding it covers")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Correct a product's kind or taxonomy (kept as an override that every run applies)."""
    from tracker.db.engine import session
    from tracker.products.identity import override_product

    changes = {"kind": kind, "product_type": product_type, "modality": modality,
               "subspecialty": subspecialty, "family": family, "findings": finding}
    changes = {k: v for k, v in changes.items() if v}
    if not changes:
        typer.echo("give at least one of --kind, --type, --modality, --subspecialty, --family, --finding", err=True)
        raise typer.Exit(2)
    author = _reviewer(by, settings_for(database_url))
    with session(engine_for(database_url)) as s:
        prod = _product(s, product)
        for name, value in changes.items():
            try:
                override_product(s, product=prod, field_name=name, value=value, author=author,
                                 reason=why or f"{name} set in review")
            except ValueError as exc:
                typer.echo(str(exc), err=True)
                raise typer.Exit(2) from exc
        s.refresh(prod)
        typer.echo(f"{prod.slug}: kind {prod.kind}, type {prod.product_type}, modality {prod.modality}, "
                   f"subspecialty {prod.subspecialty}, family {prod.family} (by {author})")


@review_app.command("merge-products")
def review_merge_products(
    keep: Annotated[str, typer.Argument(help="The product that stays: store id or slug")],
    drop: Annotated[str, typer.Argument(help="The product folded into it")],
    by: By = None,
    why: Why = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Two products are one: registrations, links, mentions and corrections move to KEEP."""
    from tracker.db.engine import session
    from tracker.products.identity import merge_products

    author = _reviewer(by, settings_for(database_url))
    with session(engine_for(database_url)) as s:
        kept, dropped = _product(s, keep), _product(s, drop)
        slug = dropped.slug
        _or_exit(lambda: merge_products(s, keep=kept, drop=dropped, author=author,
                                        reason=why or "merged in review"))
        typer.echo(f"{slug} merged into {kept.slug} (by {author})")


@review_app.command("split-product")
def review_split_product(
    product: Annotated[str, typer.Argument(help="The product to split: store id or slug")],
    name: Annotated[str, typer.Option("--name", help="The new product's name")],
    registrations: Annotated[list[str], typer.Option("--registration", help="repeatable: a registration number that moves")],
    by: By = None,
    why: Why = "",
    database_url: DatabaseUrl = None,
) -> None:
    """A new product of the same company from some of PRODUCT's registrations."""
    from tracker.db.engine import session
    from tracker.products.identity import split_product

    author = _reviewer(by, settings_for(database_url))
    with session(engine_for(database_url)) as s:
        prod = _product(s, product)
        new = _or_exit(lambda: split_product(s, product=prod, numbers=registrations, name=name,
                                             author=author, reason=why or "split in review"))
        typer.echo(f"{new.slug}: {len(registrations)} registrations moved from {prod.slug} (by {author})")


@review_app.command("not-relevant")
def review_not_relevant(
    pubs: Annotated[list[str], typer.Argument(help="Publications: store ids, PMID:n or DOIs")],
    why: Annotated[str, typer.Option(
        "--why", help="Why the papers are not relevant (kept with every decision).")],
    by: By = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark papers not relevant: level none, every automatic link rejected.

    All papers are written in one transaction: an unknown paper writes nothing."""
    from sqlalchemy import select

    from tracker.db.engine import session
    from tracker.db.models import Product
    from tracker.views.review import mark_not_relevant

    author = _reviewer(by, settings_for(database_url))
    with session(engine_for(database_url)) as s:
        ids = [_publication(s, ref) for ref in pubs]
        done = _or_exit(lambda: mark_not_relevant(s, ids, author=author, reason=why),
                        prefix="nothing written: ")
        wanted = sorted({prod for prods in done.papers.values() for prod in prods})
        query = select(Product.id, Product.slug).where(Product.id.in_(wanted))  # type: ignore[call-overload,union-attr]
        slugs: dict[int, str] = dict(s.execute(query).all()) if wanted else {}
    for pub_id, products in done.papers.items():
        rejected = ", ".join(slugs.get(p, str(p)) for p in products) or "no automatic link"
        typer.echo(f"publication {pub_id}: level none; rejected: {rejected}")
    papers, links = len(done.papers), done.links_rejected
    typer.echo(f"{papers} paper{'' if papers == 1 else 's'} not relevant, {links} "
               f"link{'' if links == 1 else 's'} rejected ({len(done.overrides)} overrides by "
               f"{author}: {why})")


def _link_threshold(settings: Settings) -> float | None:
    """The linker's threshold for the queue's link uncertainty; a broken threshold file is
    reported and the built-in one used."""
    from tracker.linking.thresholds import active_link_threshold

    try:
        return active_link_threshold(settings.data_dir)
    except ValueError as exc:
        typer.echo(f"warning: {exc}", err=True)
        return None


@review_app.command("list")
def review_list(
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option(help="At most this many of links and of grades")] = 50,
) -> None:
    """The review queue: undecided links and grades, most valuable decision first.

    Items are links and grades below the review threshold; value = closeness to the
    threshold x a weight for products with little other evidence (tracker/views/review.py)."""
    from dataclasses import asdict

    from tracker.db.engine import session
    from tracker.views.review import review_queue

    settings = settings_for(database_url)
    link_threshold = _link_threshold(settings)
    with session(engine_for(database_url)) as s:
        items = review_queue(s, threshold=settings.review_threshold, limit=limit,
                             link_threshold=link_threshold)
    if as_json:
        echo_json([asdict(i) for i in items])
        return
    if not items:
        typer.echo(f"nothing to review below confidence {settings.review_threshold}")
    for item in items:
        others = "-" if item.other_evidence is None else str(item.other_evidence)
        typer.echo(f"{item.value:5.2f}  {item.kind:<5} pub {item.publication_id:<6} "
                   f"{item.subject:<24} {item.confidence:.2f}  other evidence {others:<3} "
                   f"{item.title[:60]}")
        if item.evidence:
            typer.echo(f"       {item.evidence[:110]}")


@train_app.command("linking")
def train_linking(
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Fit the link threshold on people's accepted and rejected automatic links.

    The threshold with the best F1 over the decided links is saved to
    DATA_DIR/models/link_threshold.json with its counts and date. Needs at least 20
    decisions, some of each kind."""
    from tracker.db.engine import session
    from tracker.linking.thresholds import (
        decided_link_pairs,
        fit_link_threshold,
        save_link_threshold,
    )

    settings = settings_for(database_url)
    with session(engine_for(database_url)) as s:
        pairs = decided_link_pairs(s)
    try:
        fitted = fit_link_threshold(pairs)
    except ValueError as exc:
        typer.echo(f"no threshold fitted: {exc}", err=True)
        raise typer.Exit(2) from exc
    path = save_link_threshold(settings.data_dir, fitted)
    if as_json:
        echo_json({"path": str(path), **fitted})
        return
    typer.echo(f"{path}: link threshold {fitted['threshold']:.3f} from {fitted['decisions']} "
               f"decisions ({fitted['accepted']} accepted, {fitted['rejected']} rejected); "
               f"F1 {fitted['f1']:.3f} (precision {fitted['precision']:.3f}, recall "
               f"{fitted['recall']:.3f}) against {fitted['keep_all_f1']:.3f} keeping every "
               "decided link")
