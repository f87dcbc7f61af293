"""The digest as Markdown, HTML and JSON, and the three files written atomically.

Scraped text (titles, names, sentences) is untrusted and never becomes markup: in Markdown
every character Markdown or HTML would read is backslash-escaped; the HTML page is rendered by
jinja2 with autoescape from the same structured items (not from the Markdown); a link is made
only from an ``http(s)`` URL. Files are ``digest-YYYY-MM-DDTHHMMZ.{md,html,json}``, the time
the digest was made (UTC), so two runs on one day keep both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tracker.contract import atomic_writer
from tracker.digest.build import SECTION_RULES, Digest
from tracker.digest.changes import NEW_PAPERS, SECTIONS, Item

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~!&])")
_URL = re.compile(r"^https?://[^\s<>()\[\]\"'`]+$")


def md(text: object) -> str:
    """Text shown literally by any Markdown renderer: one line, specials escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) URL, else None (shown as text, never linked)."""
    return url if url and _URL.match(url) else None


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class Line:
    """One item as text pieces, for both renderers."""

    headline: str
    facts: list[str]
    source_url: str
    record: str
    rule: str


def _names(refs: list[dict[str, Any]]) -> str:
    return ", ".join(str(r["name"]) for r in refs)


def describe(item: Item) -> Line:
    """The item's headline and facts (plain text; each renderer escapes)."""
    d = item.details
    facts: list[str] = []
    if item.section in ("fda_clearances", "ce_registrations"):
        headline = f"{d['kind']} {d['number']}: {d['device_name']}"
        facts.append(f"applicant {d['applicant']}")
        facts.append(f"decision {d['decision_date'] or 'date unknown'}")
        if d.get("ce_class"):
            facts.append(f"CE class {d['ce_class']}")
        if d.get("device_class"):
            facts.append(f"device class {d['device_class']}")
    elif item.section == "products":
        headline = item.title
        facts += [f"company {d['company']}"] + [f"{k.replace('_', ' ')} {d[k]}" for k in
                                                 ("product_type", "subspecialty", "modality") if d.get(k)]
    elif item.section == "companies":
        headline = item.title
        if d.get("products"):
            facts.append("products: " + ", ".join(d["products"]))
    elif item.section in ("paper_links", "level_changes", NEW_PAPERS):
        paper = d["paper"]
        headline = paper["title"]
        facts.append(", ".join(str(x) for x in (paper.get("year"), paper.get("journal")) if x) or "year unknown")
        if item.section == "paper_links":
            facts.append(f"{d['action']} by {d['by']}" + (f" (score {d['score']})" if d.get("score") is not None else ""))
            facts.append(f"level {paper.get('level') or 'not graded'}")
        elif item.section == "level_changes":
            change = f"level {d['old'] or 'none'} → {d['new'] or 'none'} by {d['by']}"
            if d.get("confirmed"):
                change += " (confirmed)"
            if d.get("overridden"):
                change += f" (a person's level {paper.get('level')} stands)"
            facts.append(change)
        if paper.get("pmid"):
            facts.append(f"PMID {paper['pmid']}")
    else:
        headline = item.title
        facts.append(f"dated {d['event_date'] or 'unknown'}")
        facts += [f"{k} {d[k]}" for k in ("status", "origin") if d.get(k)]
    if item.products and item.section not in ("products", "companies"):
        facts.append("product: " + _names(item.products))
    elif item.companies and item.section in ("fda_clearances", "ce_registrations"):
        facts.append("company: " + _names(item.companies))
    if item.recorded_at:
        facts.append(f"recorded {_when(item.recorded_at)}")
    p = item.provenance
    return Line(headline, facts, p.get("source_url", ""), p.get("record", ""), p.get("rule", ""))


def _watch_title(match: Any) -> str:
    w = match.watch
    return f"{w.kind}: {w.label} (watch {w.id})"


# ---- Markdown ----------------------------------------------------------------------------

def _md_item(item: Item) -> str:
    line = describe(item)
    url = safe_url(line.source_url)
    source = f"[source]({url})" if url else (md(line.source_url) if line.source_url else "no source URL")
    facts = " · ".join(md(f) for f in line.facts)
    rule = f" · {md(line.rule)}" if _own_rule(line) else ""
    return f"- **{md(line.headline)}** · {facts} · {source} · record `{line.record}`{rule}"


def _own_rule(line: Line) -> bool:
    """A person's decision: its rule names the override and who made it (other items follow
    their section's rule, shown under the heading)."""
    return line.rule.startswith("Override")


SHOWN = 50
"""Items shown per section in the Markdown and HTML (0: all). The JSON always holds every item."""


def _more(count: int, limit: int, digest: Digest) -> str | None:
    if not limit or count <= limit:
        return None
    stem = f"{file_stem(digest)}.json"
    return (f"… and {count - limit} more: every item is in {stem} "
            f"(or `tracker digest --limit 0`).")


def _summary(digest: Digest) -> list[tuple[str, int]]:
    return [(title, len(digest.changes.sections.get(key, []))) for key, title in SECTIONS.items()]


def to_markdown(digest: Digest, *, limit: int = SHOWN) -> str:
    """The digest as Markdown: a count per section, watched items, then each non-empty
    section (at most ``limit`` items each; 0 shows all)."""
    period = digest.period
    out = [f"# Digest: changes since {_when(period.since)}", "",
           f"Period {_when(period.since)} to {_when(period.until)}; start: {md(period.rule)}. "
           + ("Imaging systems included." if digest.changes.include_systems
              else "AI software products only (imaging systems left out)."), ""]
    if digest.empty:
        out += [f"No changes since {_when(period.since)}.", ""]
    else:
        out += ["| section | new |", "|---|---:|"]
        out += [f"| {md(title)} | {count} |" for title, count in _summary(digest)] + [""]
    if digest.watched:
        out += ["## Watched", ""]
        for match in digest.watched:
            out += [f"### {md(_watch_title(match))}", ""]
            if match.note:
                out += [f"_{md(match.note)}_", ""]
            elif not match.items:
                out += ["Nothing new.", ""]
            out += [_md_item(i) for i in (match.items[:limit] if limit else match.items)]
            more = _more(len(match.items), limit, digest)
            if more:
                out += ["", more]
            if match.items:
                out.append("")
    for key, title in SECTIONS.items():
        items = digest.changes.sections.get(key, [])
        if not items:
            continue
        out += [f"## {title} ({len(items)})", "", f"_{md(SECTION_RULES[key])}_", ""]
        out += [_md_item(i) for i in (items[:limit] if limit else items)]
        more = _more(len(items), limit, digest)
        if more:
            out += ["", more]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# ---- HTML --------------------------------------------------------------------------------

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Digest: changes since {{ since }}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1rem; } .rule, .meta, .note { color: #666; font-size: .9rem; }
li { margin: .35rem 0; } table { border-collapse: collapse; } td, th { padding: .1rem .6rem; text-align: left; } .facts { color: #444; } code { font-size: .85rem; }
</style>
</head>
<body>
<h1>Digest: changes since {{ since }}</h1>
<p class="meta">Period {{ since }} to {{ until }}; start: {{ rule }}. {{ scope }}</p>
{% if empty %}<p id="empty">No changes since {{ since }}.</p>{% else %}
<table id="summary"><tr><th>section</th><th>new</th></tr>
{% for title, count in summary %}<tr><td>{{ title }}</td><td>{{ count }}</td></tr>{% endfor %}
</table>{% endif %}
{% if watched %}
<section id="watched"><h2>Watched</h2>
{% for w in watched %}
<h3>{{ w.title }}</h3>
{% if w.note %}<p class="note">{{ w.note }}</p>{% elif not w.entries %}<p class="note">Nothing new.</p>{% endif %}
<ul>{% for i in w.shown %}{{ item(i) }}{% endfor %}</ul>
{% if w.more %}<p class="note">{{ w.more }}</p>{% endif %}
{% endfor %}
</section>
{% endif %}
{% for s in sections %}
<section id="{{ s.key }}"><h2>{{ s.title }} ({{ s.entries|length }})</h2>
<p class="rule">{{ s.rule }}</p>
<ul>{% for i in s.shown %}{{ item(i) }}{% endfor %}</ul>
{% if s.more %}<p class="note">{{ s.more }}</p>{% endif %}
</section>
{% endfor %}
</body>
</html>
"""

_ITEM = """<li><strong>{{ l.headline }}</strong> <span class="facts">{{ l.facts|join(' · ') }}</span>
· {% if url %}<a href="{{ url }}" rel="noopener noreferrer">source</a>{% elif l.source_url %}{{ l.source_url }}{% else %}no source URL{% endif %} · record <code>{{ l.record }}</code> <span class="rule">({{ l.rule }})</span></li>"""


def to_html(digest: Digest, *, limit: int = SHOWN) -> str:
    """The digest as one self-contained HTML page (jinja2, autoescape on), at most ``limit``
    items per section (0: all)."""
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    item_template = env.from_string(_ITEM)

    def item(i: Item) -> Any:
        from markupsafe import Markup

        line = describe(i)
        return Markup(item_template.render(l=line, url=safe_url(line.source_url)))  # noqa: S704 (autoescaped)

    period = digest.period
    return env.from_string(_TEMPLATE).render(
        since=_when(period.since), until=_when(period.until), rule=period.rule, empty=digest.empty,
        scope=("Imaging systems included." if digest.changes.include_systems
               else "AI software products only (imaging systems left out)."),
        watched=[{"title": _watch_title(m), "note": m.note, "entries": m.items,
                  "shown": m.items[:limit] if limit else m.items,
                  "more": _more(len(m.items), limit, digest)} for m in digest.watched],
        sections=[{"key": k, "title": t, "rule": SECTION_RULES[k], "entries": entries,
                   "shown": entries[:limit] if limit else entries,
                   "more": _more(len(entries), limit, digest)}
                  for k, t in SECTIONS.items() if (entries := digest.changes.sections.get(k))],
        summary=_summary(digest), item=item)


# ---- JSON and files ----------------------------------------------------------------------

def to_json(digest: Digest) -> str:
    return json.dumps(digest.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def file_stem(digest: Digest) -> str:
    """``digest-YYYY-MM-DDTHHMMZ`` (when it was made, UTC): two runs on one day keep both."""
    return f"digest-{digest.generated_at.astimezone(UTC).strftime('%Y-%m-%dT%H%MZ')}"


def write_files(digest: Digest, folder: Path) -> dict[str, str]:
    """``<file_stem>.md``, ``.html`` and ``.json`` in ``folder``, each written atomically;
    returns format -> path."""
    stem = file_stem(digest)
    paths: dict[str, str] = {}
    for fmt, render in (("md", to_markdown), ("html", to_html), ("json", to_json)):
        path = Path(folder) / f"{stem}.{fmt}"
        text = render(digest)
        with atomic_writer(path) as handle:
            handle.write(text)
        paths[fmt] = str(path)
    return paths
