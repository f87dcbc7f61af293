"""View queries over the store: plain SQLAlchemy, no Textual.

Each module answers one view (products table, evidence gaps, paper search, review queue,
runs, market). The TUI calls them from workers; exports and reports may reuse them. Every
row keeps an id or URL so a figure can be traced back to its records.
"""
