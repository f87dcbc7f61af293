"""``tracker link-file`` and ``tracker eval linking`` without a store."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.contract import (
    PaperRecord,
    ProductRecord,
    each_alone,
    read_papers,
    read_products,
    write_jsonl,
)
from tracker.linking.linker import Link, Linker, PaperResult
from tracker.linking.roles import UNRESOLVED
from tracker.nlp.relevance import Relevance, classify_relevance

if TYPE_CHECKING:
    from tracker.config import Settings

BATCH = 256


@dataclass
class FileRun:
    links: list[Link] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    papers: int = 0
    products: int = 0


def make_linker(products: list[ProductRecord], settings: Settings, *, embed: bool = True) -> Linker:
    embedder = None
    if embed:
        from tracker.embeddings import Embedder

        embedder = Embedder.from_settings(settings)
    return Linker(products, embedder=embedder)


def link_results(linker: Linker, papers: list[PaperRecord],
                 problems: list[str] | None = None) -> Iterator[PaperResult]:
    """The linker's result for every paper, in batches of ``BATCH``. A paper the linker
    fails on is left out and reported in ``problems`` (``tracker.contract.each_alone``):
    one pathological paper never costs the rest of the file."""
    for i in range(0, len(papers), BATCH):
        done, failed = each_alone(papers[i:i + BATCH], linker.link, lambda p: f"paper {p.id}")
        if problems is not None:
            problems += failed
        yield from (result for _, result in done)


def link_papers(linker: Linker, papers: list[PaperRecord],
                problems: list[str] | None = None) -> list[Link]:
    return [link for result in link_results(linker, papers, problems) for link in result.links]


def link_file(*, products: Sequence[Path], papers: Path, out: Path | None, settings: Settings,
              embed: bool = True) -> FileRun:
    """Link every valid paper of ``papers`` against the products; write ``out`` atomically."""
    catalog, problems = read_products(products)
    items, bad = read_papers(papers)
    run = FileRun(problems=problems + bad, papers=len(items), products=len(catalog))
    if catalog:
        run.links = link_papers(make_linker(catalog, settings, embed=embed), items, run.problems)
    if out is not None:
        write_jsonl(out, (link_row(link) for link in run.links))
    return run


def link_row(link: Link) -> dict[str, Any]:
    """The ``link-file`` line of docs/interfaces.md."""
    return {"paper_id": link.paper, "product_id": link.product, "score": link.score,
            "method": link.method, "evidence": link.evidence}


@dataclass
class PaperContext:
    """What the linker tells the grader about one paper: its relevance and the companies
    (names and aliases) of the products it evaluates, or names without resolving them."""

    relevance: Relevance
    vendors: list[str]


def paper_contexts(papers: list[PaperRecord], linker: Linker,
                   problems: list[str] | None = None) -> dict[str, PaperContext]:
    """Link ``papers`` (a linker without an embedder: mentions only, nothing embedded) and
    keep what grading needs: ``classify-file`` and ``eval grading`` use it. A paper the
    linker fails on has no context (the grader then reads its text alone)."""
    out: dict[str, PaperContext] = {}
    for result in link_results(linker, papers, problems):
        vendors: list[str] = []
        for link in [*result.links, *(m for m in result.mentions if m.role == UNRESOLVED)]:
            product = linker.products[link.product]
            vendors += [product.company, *product.company_aliases]
        relevance = result.relevance or classify_relevance(result.paper)
        out[result.paper.id] = PaperContext(relevance, list(dict.fromkeys(vendors)))
    return out
