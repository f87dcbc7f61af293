"""``tracker process``: link, grade and extract events for what is new in the store.

Linking runs before grading (vendor independence uses the linked product's company).
Each step is incremental: a second run on an unchanged store does (almost) nothing.
The nightly job runs the same steps.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# step name -> "module:function" called with (engine, settings), returning a dict of figures
PROCESS_STEPS: dict[str, str] = {
    "link": "tracker.linking.pipeline:link_new",
    "grade": "tracker.grading.pipeline:grade_new",
    "events": "tracker.market.pipeline:extract_events_new",
}


@dataclass
class ProcessReport:
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)


def call_step(target: str, engine: Engine, settings: Any) -> dict[str, Any]:
    """Import and run one step (lazily: the ML stack loads only when a step needs it)."""
    module_name, func_name = target.split(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return dict(func(engine, settings) or {})


def process_store(engine: Engine, settings: Any, *, steps: tuple[str, ...] = tuple(PROCESS_STEPS)) -> ProcessReport:
    """Run the processing steps in order; each returns a dict of figures for the report."""
    report = ProcessReport()
    for name in steps:
        report.steps[name] = call_step(PROCESS_STEPS[name], engine, settings)
    return report
