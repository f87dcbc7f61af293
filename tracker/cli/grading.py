"""``tracker classify-file``, ``tracker eval grading`` and ``tracker train grading``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, settings_for
from tracker.cli.evaluate import eval_app

train_app = typer.Typer(help="Retrain a model from labelled examples.", no_args_is_help=True)
app.add_typer(train_app, name="train")

# inputs are checked by reading them: a missing or unreadable file ends in one line, exit 2
ProductsFiles = Annotated[list[Path] | None, typer.Option(
    "--products",
    help="products.jsonl (repeatable): the catalogue the relevance gate and vendor "
         "independence read (default: the packaged FDA AI product list).")]


def _catalog_linker(products: list[Path] | None) -> tuple[Any, list[str]]:
    """A mentions-only linker over the given products, else the packaged FDA AI list, and
    the catalogue's bad lines: built once per command (its gazetteer takes seconds)."""
    from tracker.contract import read_products
    from tracker.linking.catalog import builtin_catalog
    from tracker.linking.linker import Linker

    problems: list[str] = []
    if products:
        catalog, problems = read_products(products)
    else:
        catalog = builtin_catalog()
    return Linker(catalog, embedder=None), problems


def _contexts(papers: list[Any], linker: Any, problems: list[str] | None = None) -> tuple[Any, Any]:
    """``relevance_for`` and ``vendors_for`` from linking the papers against the catalogue
    (a paper the linker fails on is reported in ``problems`` and graded on its text)."""
    from tracker.contract import PaperRecord
    from tracker.linking.files import paper_contexts
    from tracker.nlp.relevance import Relevance, classify_relevance

    contexts = paper_contexts(papers, linker, problems)

    def relevance(paper: PaperRecord) -> Relevance:
        found = contexts.get(paper.id)
        return found.relevance if found else classify_relevance(paper)

    return relevance, (lambda p: contexts[p.id].vendors if p.id in contexts else [])


@app.command("classify-file")
def classify_file(
    papers: Annotated[Path, typer.Option("--papers", help="papers.jsonl (docs/interfaces.md)")],
    out: Annotated[Path, typer.Option("--out", help="Where to write one grade per paper")],
    products: ProductsFiles = None,
) -> None:
    """Grade every paper of a JSONL file: relevance, level, confidence, study features, cues."""
    from tracker.contract import check_output, each_alone, read_papers, write_jsonl
    from tracker.grading.classifier import active_model
    from tracker.grading.grader import grade_papers, grading_embedder

    check_output(out)
    settings = settings_for()
    items, problems = read_papers(papers)
    linker, product_problems = _catalog_linker(products)
    problems += product_problems
    for problem in problems:
        typer.echo(f"{problem} (skipped)", err=True)
    failed: list[str] = []
    relevance_for, vendors_for = _contexts(items, linker, failed)
    model = active_model(settings.data_dir)
    embedder = grading_embedder(settings, model)

    def grade(chunk: Any) -> Any:
        return grade_papers(chunk, model=model, vendors_for=vendors_for,
                            review_threshold=settings.review_threshold, embedder=embedder,
                            relevance_for=relevance_for)

    rows: list[dict[str, Any]] = []
    for start in range(0, len(items), 512):  # a paper the grader fails on is left out, reported
        done, bad = each_alone(items[start:start + 512], grade, lambda p: f"paper {p.id}")
        rows.extend(g.to_json() for _, g in done)
        failed += bad
    for problem in failed:
        typer.echo(f"{problem} (skipped)", err=True)
    problems += failed
    write_jsonl(out, rows)
    typer.echo(f"{out}: {len(rows)} papers graded"
               + (f", {len(problems)} lines skipped" if problems else ""), err=True)
    if problems:
        raise typer.Exit(3)


@eval_app.command("grading")
def eval_grading(
    gold: Annotated[list[Path], typer.Option(
        "--gold", exists=True, dir_okay=False,
        help="Labelled papers (gold_level, gold_features); repeat for several files")],
    products: ProductsFiles = None,
    negatives: Annotated[list[Path] | None, typer.Option(
        "--negatives", exists=True, dir_okay=False,
        help="Papers that are not product evaluations (papers.jsonl or PubMedQA's "
             "ori_pqal.json; repeatable): reports the share left without a level")] = None,
    as_json: AsJson = False,
    folds: Annotated[int, typer.Option(help="Folds when the gold set overlaps training")] = 5,
) -> None:
    """Accuracy, macro-F1, confusion matrix, bucket and feature accuracy on a labelled set.

    When gold papers were in the active model's training set, levels are out-of-fold
    predictions (the model refitted without each fold) and the output says so."""
    from tracker.grading.evaluation import evaluate_gold
    from tracker.grading.metrics import format_figures
    from tracker.grading.training import read_labelled

    settings = settings_for()
    examples, problems = read_labelled(list(gold))
    linker, product_problems = _catalog_linker(products)
    relevance_for, vendors_for = _contexts([e.paper for e in examples], linker)
    for problem in problems + product_problems:
        typer.echo(f"{problem} (skipped)", err=True)
    if not examples:
        typer.echo("no labelled papers to evaluate", err=True)
        raise typer.Exit(3)
    figures = evaluate_gold(examples, settings=settings, vendors_for=vendors_for, folds=folds,
                            relevance_for=relevance_for)
    for path in negatives or []:
        from tracker.grading.evaluation import read_negatives, ungraded_share

        items = read_negatives(path)
        relevance_neg, vendors_neg = _contexts(items, linker)
        figures.setdefault("negatives", {})[path.name] = ungraded_share(
            items, settings=settings, vendors_for=vendors_neg, relevance_for=relevance_neg)
    if as_json:
        echo_json(figures)
    else:
        typer.echo(format_figures(figures))
    if problems or product_problems:
        raise typer.Exit(3)


@train_app.command("grading")
def train_grading(
    examples: Annotated[list[Path] | None, typer.Option(
        "--examples", exists=True, dir_okay=False,
        help="Labelled JSONL files (default: the shipped set plus DATA_DIR/labelled/*.jsonl)")
    ] = None,
    database_url: DatabaseUrl = None,
    from_store: Annotated[bool, typer.Option(
        "--from-store/--no-store", help="Add papers whose level a person set in review")] = True,
    from_overrides: Annotated[bool, typer.Option(
        "--from-overrides", help="Refit on people's level decisions: a decided paper that is "
        "in the labelled files takes the person's level, the others are added")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Model file (default DATA_DIR/models/grading_model.json)")] = None,
) -> None:
    """Retrain the level classifier; prints its cross-validated figures."""
    from tracker.grading.classifier import user_model_path
    from tracker.grading.training import (
        default_example_files,
        examples_from_store,
        level_decisions,
        read_labelled,
        with_level_decisions,
    )
    from tracker.grading.training import train as train_model

    if from_overrides and not from_store:
        typer.echo("--from-overrides reads the store's decisions: drop --no-store", err=True)
        raise typer.Exit(2)
    settings = settings_for(database_url)
    files = list(examples) if examples else default_example_files(settings.data_dir)
    items, problems = read_labelled(files)
    for problem in problems:
        typer.echo(f"{problem} (skipped)", err=True)
    sources: list[dict[str, Any]] = [{"file": f.name} for f in files]
    if from_overrides:
        decided = level_decisions(settings.database_url)
        if not decided:
            typer.echo("--from-overrides: no paper's level was decided in the store "
                       f"({settings.database_url}); nothing to refit on", err=True)
            raise typer.Exit(2)
        items, counts = with_level_decisions(items, decided)
        sources.append({"store_overrides": len(decided), **counts})
        typer.echo(f"level decisions: {len(decided)} ({counts['relabelled']} relabelled, "
                   f"{counts['confirmed']} already so labelled, {counts['added']} added)")
    elif from_store:
        extra = examples_from_store(settings.database_url, known={e.paper.id for e in items})
        items += extra
        sources.append({"store_overrides": len(extra)})
    if len(items) < 10:
        typer.echo(f"only {len(items)} labelled papers: at least 10 are needed", err=True)
        raise typer.Exit(2)
    model = train_model(items, model_name=settings.embedding_model, device=settings.device,
                        sources=sources)
    target = out or user_model_path(settings.data_dir)
    model.save(target)
    cv = model.cv
    typer.echo(f"{target}: {model.version} trained on {len(items)} papers; out-of-fold "
               f"accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}, "
               f"bucket accuracy {cv['bucket_accuracy']:.3f}")
