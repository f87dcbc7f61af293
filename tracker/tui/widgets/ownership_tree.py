"""The ownership tree: each owner with the companies it acquired (and theirs), with the
date of the event; independent brands under their own node. Enter on a company opens its
screen (the node's data is the company id); space folds and unfolds a node."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree

from tracker.views.market import MarketView, independent_brands, ownership_roots

INDEPENDENT_SHOWN = 200
"""Independent brands listed under their node (the rest are counted)."""


class OwnershipTree(Tree[int]):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(Text("Owners"), id=id)
        self.show_root = False
        self.auto_expand = False  # Enter opens the company; space (or a click on ▶) folds

    def show(self, view: MarketView) -> None:
        self.clear()
        names = view.companies
        for root in ownership_roots(view):
            node = self.root.add(Text(names.get(root, "?"), style="bold"), data=root, expand=True)
            self._children(node, root, view, seen={root})
        independent = independent_brands(view)
        group = self.root.add(Text(f"Independent brands ({len(independent)})", style="italic"),
                              expand=False)
        for company in independent[:INDEPENDENT_SHOWN]:
            group.add_leaf(Text(names.get(company, "?")), data=company)
        if len(independent) > INDEPENDENT_SHOWN:
            group.add_leaf(Text(f"… {len(independent) - INDEPENDENT_SHOWN} more", style="dim"))
        closed = sorted(view.ownership.closures, key=lambda c: names.get(c, "").casefold())
        if closed:
            gone = self.root.add(Text(f"Closed ({len(closed)})", style="italic"), expand=False)
            for company in closed:
                when = view.ownership.closures[company][0]
                gone.add_leaf(Text(f"{names.get(company, '?')}  {when or ''}"), data=company)

    def _children(self, node: object, company: int, view: MarketView, seen: set[int]) -> None:
        for edge in view.ownership.children(company):
            if edge.child in seen:
                continue
            label = Text(view.companies.get(edge.child, "?"))
            label.append(f"  {edge.since or 'date unknown'}", style="dim")
            kids = view.ownership.children(edge.child)
            if kids:
                child = node.add(label, data=edge.child, expand=True)  # type: ignore[attr-defined]
                self._children(child, edge.child, view, seen | {edge.child})
            else:
                node.add_leaf(label, data=edge.child)  # type: ignore[attr-defined]
