"""The self-contained HTML report: figures built from the store only, each with its definition and provenance."""
