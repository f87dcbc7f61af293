"""Market view: events from news (``events``), who owns whom over time (``ownership``),
the seed list of known events (``seed``) and consolidation metrics (``metrics``)."""
