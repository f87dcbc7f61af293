"""``tracker link-file``, ``tracker eval linking`` and ``tracker process``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for
from tracker.cli.evaluate import eval_app

NoEmbeddings = Annotated[bool, typer.Option(
    "--no-embeddings", help="Skip the embedding model (mentions and topics only; faster).")]


@app.command("link-file")
def link_file_command(
    products: Annotated[list[Path], typer.Option("--products", help="products.jsonl (repeatable).")],
    papers: Annotated[Path, typer.Option("--papers", help="papers.jsonl to link.")],
    out: Annotated[Path, typer.Option("--out", help="links.jsonl to write (atomically).")],
    no_embeddings: NoEmbeddings = False,
) -> None:
    """Link papers to the products they evaluate (docs/interfaces.md). Bad lines are reported with
    their line number and skipped; the exit status is then 3, after every valid link is written."""
    from tracker.contract import check_output
    from tracker.linking.files import link_file

    for path in [*products, papers]:
        if not path.is_file():
            typer.echo(f"{path}: no such file", err=True)
            raise typer.Exit(2)
    check_output(out)
    run = link_file(products=products, papers=papers, out=out, settings=settings_for(),
                    embed=not no_embeddings)
    for problem in run.problems:
        typer.echo(f"{problem} (skipped)", err=True)
    linked = len({link.paper for link in run.links})
    typer.echo(f"{len(run.links)} links for {linked} of {run.papers} papers "
               f"({run.products} products) -> {out}")
    if run.problems:
        raise typer.Exit(3)


@eval_app.command("linking")
def eval_linking(
    gold: Annotated[list[Path], typer.Option("--gold", help="Labelled papers (gold_links); repeatable.")],
    products: Annotated[list[Path], typer.Option("--products", help="products.jsonl (repeatable).")],
    as_json: AsJson = False,
    no_embeddings: NoEmbeddings = False,
) -> None:
    """Precision, recall and F1 of the linker over paper-product pairs."""
    from tracker.linking.evaluate import evaluate_linking

    result = evaluate_linking(gold=gold, products=products, settings=settings_for(),
                              embed=not no_embeddings)
    for problem in result["problems"]:
        typer.echo(f"{problem} (skipped)", err=True)
    if as_json:
        echo_json(result)
        return
    typer.echo(f"papers {result['papers']}, products {result['products']}, "
               f"gold pairs {result['gold_pairs']}, predicted {result['predicted_pairs']}")
    typer.echo(f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
               f"F1 {result['f1']:.3f}")
    if "roles" in result:
        roles = result["roles"]
        typer.echo(f"mention roles: accuracy {roles['accuracy']:.3f}, evidence vs not "
                   f"{roles['evidence_vs_not']:.3f} (of {roles['labelled']} labelled)")
    if "relevance_accuracy" in result:
        typer.echo(f"relevance accuracy {result['relevance_accuracy']:.3f} "
                   f"(of {result['relevance_labelled']} labelled)")
    for fp in result["false_positives"]:
        typer.echo(f"  false positive: {fp['paper_id']} -> {fp['product_id']} ({fp['score']})")
    for fn in result["false_negatives"]:
        typer.echo(f"  missed: {fn['paper_id']} -> {fn['product_id']}")


@app.command("process")
def process_command(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """Link and grade what is new in the store (each step is incremental)."""
    from tracker.jobs.process import AlreadyRunning, process_store

    engine = engine_for(database_url)
    settings = settings_for(database_url)
    try:
        report = process_store(engine, settings)
    except AlreadyRunning as exc:  # a nightly (or another process) is working on this store
        typer.echo(f"not started: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ImportError as exc:  # the grading step may not be installed yet
        if "tracker.grading" not in str(exc):
            raise
        typer.echo(f"grading unavailable ({exc}); linking only", err=True)
        report = process_store(engine, settings, steps=("link",))
    if as_json:
        echo_json(report.steps)
        return
    for step, figures in report.steps.items():
        shown = ", ".join(f"{k} {v}" for k, v in figures.items() if k != "model_version")
        typer.echo(f"{step}: {shown}")
