"""Development tooling, apart from runtime code: the loopback replay server that tests, the
demo and ``tracker serve-replay`` use to crawl recorded responses."""
