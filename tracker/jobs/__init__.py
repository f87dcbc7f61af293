"""Orchestration: the jobs that put the library's parts together.

- ``steps``: the processing steps (seed events, resolve products, link, grade, extract
  events) as functions; each imports its heavy module only when it runs.
- ``crawl``: spiders in child processes, and "crawl, then resolve products" (one function,
  used by ``tracker crawl`` and the nightly job).
- ``process``: ``tracker process`` (link, grade, events).
- ``nightly``: the nightly job (lock, crawl, process, export, report).
- ``fetch``: single records fetched over HTTP (``tracker add-paper``, ``add-product --fda``).
- ``distributed``: a crawl shared by several workers through Redis (seed, worker,
  coordinator; docs/distributed-crawl.md).
- ``backup``: store copies and restores (``tracker backup`` / ``tracker restore``).
- ``importers``, ``reports``, ``demo``: file imports, ``tracker stats``, the demo summary.

Nothing below ``tracker.jobs`` imports it; only the command line (and tests) do.
"""
