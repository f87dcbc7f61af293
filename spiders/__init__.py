"""Scrapy project: one spider per source. Spiders only navigate; parsing lives in the pure
functions of ``tracker.parsers`` and items are written through ``tracker.store``."""
