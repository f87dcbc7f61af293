"""The product universe: registrations grouped into products under companies (see
``resolution``), a user's own products (``manual``) and their figures (``stats``)."""
