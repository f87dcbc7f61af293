"""``tracker resolve-companies`` and ``tracker eval companies``: company identity on a file of
names (rules in tracker/products/company_keys.py, contract in docs/interfaces.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import AsJson, app, echo_json
from tracker.cli.evaluate import eval_app


@app.command("resolve-companies")
def resolve_companies_command(
    names: Annotated[Path, typer.Option("--names", help="names.jsonl: {\"id\": ..., \"name\": ...} a line.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write one resolved line per name (atomically).")],
) -> None:
    """Resolve company names: names with the same company_key are one company. Bad lines are
    reported with their line number and skipped; the exit status is then 3, after every valid
    line is written."""
    from tracker.contract import write_jsonl
    from tracker.products.company_eval import read_names, resolve_rows

    if not names.is_file():
        typer.echo(f"{names}: no such file", err=True)
        raise typer.Exit(2)
    items, problems = read_names(names)
    for problem in problems:
        typer.echo(f"{problem} (skipped)", err=True)
    rows = resolve_rows(items)
    write_jsonl(out, rows)
    companies = len({row["company_key"] for row in rows})
    typer.echo(f"{len(rows)} names, {companies} companies -> {out}")
    if problems:
        raise typer.Exit(3)


@eval_app.command("companies")
def eval_companies(
    gold: Annotated[list[Path], typer.Option("--gold", help="Labelled names (gold_company); repeatable.")],
    as_json: AsJson = False,
) -> None:
    """Pair precision, recall and F1 of company resolution; lists every false merge."""
    from tracker.products.company_eval import evaluate_companies, read_gold

    for path in gold:
        if not path.is_file():
            typer.echo(f"{path}: no such file", err=True)
            raise typer.Exit(2)
    labels, problems = read_gold(gold)
    for problem in problems:
        typer.echo(f"{problem} (skipped)", err=True)
    result = evaluate_companies(labels)
    if as_json:
        echo_json(result)
    else:
        typer.echo(f"names {result['names']}, gold companies {result['gold_companies']}, "
                   f"predicted {result['predicted_companies']}; gold pairs {result['gold_pairs']}, "
                   f"predicted pairs {result['predicted_pairs']}")
        typer.echo(f"pair precision {result['precision']:.3f}  recall {result['recall']:.3f}  "
                   f"F1 {result['f1']:.3f}")
        typer.echo(f"false merges {len(result['false_merges'])}")
        for fm in result["false_merges"]:
            typer.echo(f"  false merge: {fm['a']!r} ({fm['gold_a']}) + {fm['b']!r} ({fm['gold_b']}) "
                       f"-> {fm['company_a']} [{', '.join(fm['rules']) or 'R1'}]")
        for miss in result["missed"]:
            typer.echo(f"  missed: {miss['a']!r} + {miss['b']!r} ({miss['gold_a']})")
    if problems:
        raise typer.Exit(3)
