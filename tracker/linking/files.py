"""``tracker link-file`` and ``tracker eval linking`` without a store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.linking.catalog import CatalogProduct, product_from_json
from tracker.linking.jsonl import read_jsonl, write_jsonl_atomic
from tracker.linking.linker import Link, Linker
from tracker.linking.papers import Paper, paper_from_json

BATCH = 256


@dataclass
class FileRun:
    links: list[Link] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    papers: int = 0
    products: int = 0


def read_products(paths: Sequence[Path]) -> tuple[list[CatalogProduct], list[str]]:
    products: dict[str, CatalogProduct] = {}
    problems: list[str] = []
    for path in paths:
        items, bad = read_jsonl(path, product_from_json)
        problems += bad
        for item in items:
            products.setdefault(item.key, item)  # the first file that defines an id wins
    return list(products.values()), problems


def make_linker(products: list[CatalogProduct], settings: Any, *, embed: bool = True) -> Linker:
    embedder = None
    if embed:
        from tracker.linking.embedder import Embedder

        embedder = Embedder.from_settings(settings)
    return Linker(products, embedder=embedder)


def link_papers(linker: Linker, papers: list[Paper]) -> list[Link]:
    links: list[Link] = []
    for i in range(0, len(papers), BATCH):
        for result in linker.link(papers[i:i + BATCH]):
            links.extend(result.links)
    return links


def link_file(*, products: Sequence[Path], papers: Path, out: Path | None, settings: Any,
              embed: bool = True) -> FileRun:
    """Link every valid paper of ``papers`` against the products; write ``out`` atomically."""
    catalog, problems = read_products(products)
    items, bad = read_jsonl(papers, paper_from_json)
    run = FileRun(problems=problems + bad, papers=len(items), products=len(catalog))
    run.links = link_papers(make_linker(catalog, settings, embed=embed), items) if catalog else []
    if out is not None:
        write_jsonl_atomic(out, (link_row(link) for link in run.links))
    return run


def link_row(link: Link) -> dict[str, Any]:
    return {"paper_id": link.paper, "product_id": link.product, "score": link.score,
            "method": link.method, "evidence": link.evidence}
