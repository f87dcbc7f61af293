"""``tracker process``: link, grade and extract events for what is new in the store.

Linking runs before grading (vendor independence uses the linked product's company).
Each step is incremental: a second run on an unchanged store does (almost) nothing.
A paper that linking or grading fails on costs no other paper: it is named in a warning,
counted in the step's ``failed`` figure, left as it was and tried again on the next run.
The nightly job runs the same steps (``tracker.jobs.steps.PROCESS_STEPS``).

It holds the nightly job's lock (``tracker.jobs.locks.nightly_lock``: the store's, then the
data directory's) while it runs: run beside a nightly run it would write the same link and
grade rows (on PostgreSQL, colliding on them). While another run holds the lock it raises
``AlreadyRunning`` at once and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.jobs.locks import AlreadyRunning, nightly_lock
from tracker.jobs.steps import PROCESS_STEPS, call_step

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

__all__ = ["AlreadyRunning", "ProcessReport", "process_store"]

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)


def process_store(engine: Engine, settings: Settings, *,
                  steps: tuple[str, ...] = tuple(PROCESS_STEPS)) -> ProcessReport:
    """Run the processing steps in order, under the nightly lock; each returns a dict of
    figures for the report. Raises ``AlreadyRunning`` while another run holds the lock."""
    report = ProcessReport()
    with nightly_lock(engine.url.render_as_string(hide_password=False), Path(settings.data_dir)):
        for name in steps:
            report.steps[name] = call_step(PROCESS_STEPS[name], engine, settings)
    return report
