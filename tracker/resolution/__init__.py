"""Entry point the nightly job calls after a regulatory crawl (the rules live in
``tracker.products.resolution``)."""
