"""Where each source lives: request URLs of the APIs (shared by the spiders and the httpx
client), the small httpx client with its retry rules, and the list of news feeds."""
