"""``tracker process``: enrich, link and grade what is new in the store.

Linking runs before grading (vendor independence uses the linked product's company).
Each step is incremental: a second run on an unchanged store does (almost) nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)


@dataclass
class ProcessReport:
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)


def process_store(engine: Engine, settings: Any, *, steps: tuple[str, ...] = ("link", "grade")) -> ProcessReport:
    """Run the processing steps in order; each returns a dict of figures for the report."""
    report = ProcessReport()
    if "link" in steps:
        from tracker.linking.pipeline import link_new

        report.steps["link"] = link_new(engine, settings)
    if "grade" in steps:
        from tracker.grading.pipeline import grade_new

        report.steps["grade"] = grade_new(engine, settings)
    return report
