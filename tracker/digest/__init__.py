"""What changed in the store since a date, watchlists, and the digest files (Markdown, HTML, JSON)."""
