"""Analyst exports: products, companies, registrations, papers, links, mentions, grades,
events, gaps.

Each kind has stable, documented columns (``tracker.exports.columns``), a shipped JSON
Schema (``schemas/<kind>.schema.json``), human overrides applied, and a source URL or record
id on every row. Files are UTF-8, dates ISO 8601, written atomically.
"""

from tracker.exports.columns import KINDS

__all__ = ["KINDS"]
