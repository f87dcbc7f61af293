"""``tracker eval linking|grading``: measure the linker and the grader on a labelled set."""

from __future__ import annotations

import typer

from tracker.cli.app import app

eval_app = typer.Typer(help="Measure the linker or the grader on a labelled JSONL set.",
                       no_args_is_help=True)
app.add_typer(eval_app, name="eval")
