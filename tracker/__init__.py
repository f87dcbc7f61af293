"""Evidence tracker for AI products in radiology.

The library imports without Textual or Scrapy, and loads torch, sentence-transformers and
faiss only inside the functions that need them.
"""

__version__ = "0.1.0"
