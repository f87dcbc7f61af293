"""``tracker review grade|feature|link|list``: a person's decisions, stored as overrides."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for

if TYPE_CHECKING:
    from tracker.db.models import Override

review_app = typer.Typer(help="Confirm or override grades and links (stored as overrides).",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")

By = Annotated[str, typer.Option("--by", help="Who decides (kept with the override).")]
Why = Annotated[str, typer.Option("--why", help="Why (kept with the override).")]


def _publication(s: object, ref: str) -> int:
    from tracker.store.refs import find_publication_ref

    row = find_publication_ref(s, ref)  # type: ignore[arg-type]
    if row is None or row.id is None:
        typer.echo(f"no publication {ref!r} (use a store id, PMID:n or a DOI)", err=True)
        raise typer.Exit(2)
    return row.id


def _or_exit(write: Callable[[], Override]) -> Override:
    """Run one override write; a bad value or reference exits 2 with the reason."""
    try:
        return write()
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc

@review_app.command("grade")
def review_grade(
    pub: Annotated[str, typer.Argument(help="Publication: store id, PMID:n or DOI")],
    by: By,
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
    with session(engine_for(database_url)) as s:
        pub_id = _publication(s, pub)
        row = _or_exit(lambda: confirm_grade(s, publication_id=pub_id, author=by,
                                             reason=why or "confirmed")
                       if confirm else override_grade(s, publication_id=pub_id,
                                                      field_name="level", value=level,
                                                      author=by, reason=why))
    typer.echo(f"publication {pub_id}: level {row.value or 'none'} (override {row.id} by {by})")


@review_app.command("feature")
def review_feature(
    pub: Annotated[str, typer.Argument(help="Publication: store id, PMID:n or DOI")],
    name: Annotated[str, typer.Argument(help="prospective, multicentre, multinational, "
                                        "reader_study, rct, vendor_independent, sample_size")],
    value: Annotated[str, typer.Argument(help="true, false, null (or a number)")],
    by: By,
    why: Why = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Set one study feature of a paper."""
    from tracker.db.engine import session
    from tracker.evidence.overrides import override_grade

    with session(engine_for(database_url)) as s:
        pub_id = _publication(s, pub)
        row = _or_exit(lambda: override_grade(s, publication_id=pub_id, field_name=name,
                                              value=value, author=by, reason=why))
    typer.echo(f"publication {pub_id}: {name} = {row.value} (override {row.id} by {by})")


@review_app.command("link")
def review_link(
    pub: Annotated[str, typer.Argument(help="Publication: store id, PMID:n or DOI")],
    product: Annotated[str, typer.Argument(help="Product: store id or slug")],
    by: By,
    why: Why = "",
    accept: Annotated[bool, typer.Option("--accept/--reject",
                                         help="The paper evaluates the product, or not")] = True,
    database_url: DatabaseUrl = None,
) -> None:
    """Accept or reject the link between a paper and a product."""
    from tracker.db.engine import session
    from tracker.evidence.overrides import override_link
    from tracker.store.refs import find_product_ref

    with session(engine_for(database_url)) as s:
        pub_id = _publication(s, pub)
        prod = find_product_ref(s, product)
        if prod is None or prod.id is None:
            typer.echo(f"no product {product!r} (use a store id or slug)", err=True)
            raise typer.Exit(2)
        prod_id = prod.id
        row = _or_exit(lambda: override_link(s, publication_id=pub_id, product_id=prod_id,
                                             accept=accept, author=by, reason=why))
    verb = "accepted" if accept else "rejected"
    typer.echo(f"link publication {pub_id} - {prod.slug} {verb} (override {row.id} by {by})")


@review_app.command("list")
def review_list(
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
    limit: Annotated[int, typer.Option(help="At most this many of links and of grades")] = 50,
) -> None:
    """The review queue: undecided links and grades below the review threshold."""
    from dataclasses import asdict

    from tracker.db.engine import session
    from tracker.views.review import review_queue

    settings = settings_for(database_url)
    with session(engine_for(database_url)) as s:
        items = review_queue(s, threshold=settings.review_threshold, limit=limit)
    if as_json:
        echo_json([asdict(i) for i in items])
        return
    if not items:
        typer.echo(f"nothing to review below confidence {settings.review_threshold}")
    for item in items:
        typer.echo(f"{item.kind:<5} pub {item.publication_id:<6} {item.subject:<24} "
                   f"{item.confidence:.2f}  {item.title[:70]}")
        if item.evidence:
            typer.echo(f"      {item.evidence[:110]}")
