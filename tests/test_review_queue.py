# mypy: disable-error-code="arg-type,return-value"
# (SQLModel ids are int | None until a row is flushed)
"""The review queue that learns (issue 13, item 7): ranked by expected value (closeness to the
threshold x weight for products with little evidence), off-topic papers kept out, re-ranked
from the decisions at each call, and "not relevant" for whole papers in one transaction.

Every test runs on a real SQLite store (the ``engine``/``db`` fixtures of conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from tracker.db.models import (
    Company,
    EvidenceGrade,
    LinkState,
    Override,
    PaperProductLink,
    Product,
    Publication,
)
from tracker.evidence import effective_grade, effective_links, override_grade, override_link
from tracker.views.review import (
    EVIDENCE_WEIGHT,
    ReviewItem,
    decide,
    evidence_weight,
    mark_not_relevant,
    review_queue,
    uncertainty,
)

FIXED = datetime(2025, 3, 1, tzinfo=UTC)
T = 0.6  # the review threshold of every test (the setting's default)


class Store:
    """A tiny store built row by row: products, papers, links and grades."""

    def __init__(self, db: Any) -> None:
        self.db = db
        company = Company(name="Acme", normalized_name="acme", created_at=FIXED)
        db.add(company)
        db.flush()
        self.company_id = company.id
        self.n = 0

    def product(self, slug: str) -> int:
        row = Product(slug=slug, company_id=self.company_id, name=slug.title(),
                      normalized_name=slug, created_at=FIXED)
        self.db.add(row)
        self.db.commit()
        return row.id  # type: ignore[return-value]

    def paper(self, title: str, *, links: dict[int, float] | None = None,
              level: str | None = "2", confidence: float = 0.9,
              relevance: str | None = None, state_relevance: str | None = None,
              graded: bool = True) -> int:
        self.n += 1
        pub = Publication(pmid=str(5000 + self.n), title=title, normalized_title=title.lower(),
                          year=2024, source="test", fetched_at=FIXED, created_at=FIXED,
                          updated_at=FIXED)
        self.db.add(pub)
        self.db.flush()
        for product_id, score in (links or {}).items():
            self.db.add(PaperProductLink(publication_id=pub.id, product_id=product_id,
                                         score=score, method="test", created_at=FIXED,
                                         evidence=f"{title} evaluates product {product_id}."))
        if graded:
            self.db.add(EvidenceGrade(publication_id=pub.id, level=level, confidence=confidence,
                                      relevance=relevance, created_at=FIXED,
                                      needs_review=confidence < T))
        if state_relevance is not None:
            self.db.add(LinkState(publication_id=pub.id, model_version="test",
                                  relevance=state_relevance, linked_at=FIXED))
        self.db.commit()
        return pub.id  # type: ignore[return-value]

    def evidence(self, product_id: int, count: int) -> list[int]:
        """``count`` confident, well-linked evidence papers of a product (not in the queue)."""
        return [self.paper(f"Evidence {i} for product {product_id}", links={product_id: 0.95})
                for i in range(count)]


@pytest.fixture
def store(db: Any) -> Store:
    return Store(db)


def _keys(items: list[ReviewItem]) -> list[tuple[str, int, int | None]]:
    return [(i.kind, i.publication_id, i.product_id) for i in items]


def test_uncertainty_is_one_at_the_threshold_and_zero_at_the_ends() -> None:
    assert uncertainty(0.6, 0.6) == 1.0
    assert uncertainty(0.3, 0.6) == pytest.approx(0.5)
    assert uncertainty(0.0, 0.6) == 0.0
    assert uncertainty(0.8, 0.6) == pytest.approx(0.5)  # above: measured against 1 - t
    assert uncertainty(1.0, 0.6) == 0.0
    assert evidence_weight(None) == 1.0
    assert evidence_weight(0) == 1.0 + EVIDENCE_WEIGHT
    assert evidence_weight(3) == pytest.approx(1.0 + EVIDENCE_WEIGHT / 4)


def test_equally_uncertain_links_rank_the_product_with_less_evidence_first(store, db) -> None:  # type: ignore[no-untyped-def]
    rich, poor = store.product("rich"), store.product("poor")
    store.evidence(rich, 3)
    to_rich = store.paper("Maybe about rich", links={rich: 0.5})
    to_poor = store.paper("Maybe about poor", links={poor: 0.5})
    queue = review_queue(db, threshold=T)
    assert _keys(queue) == [("link", to_poor, poor), ("link", to_rich, rich)]
    first, second = queue
    assert first.other_evidence == 0 and second.other_evidence == 3
    u = uncertainty(0.5, T)
    assert first.uncertainty == pytest.approx(u, abs=1e-4)
    assert first.value == pytest.approx(u * 2.0, abs=1e-4)
    assert second.value == pytest.approx(u * 1.25, abs=1e-4)
    assert first.title == "Maybe about poor" and first.subject == "Poor"


def test_closeness_to_the_threshold_can_outweigh_little_evidence(store, db) -> None:  # type: ignore[no-untyped-def]
    rich, poor = store.product("rich"), store.product("poor")
    store.evidence(rich, 3)
    near = store.paper("Nearly linked to rich", links={rich: 0.59})  # u 0.98 x 1.25 = 1.23
    far = store.paper("Barely linked to poor", links={poor: 0.3})  # u 0.50 x 2.00 = 1.00
    assert _keys(review_queue(db, threshold=T)) == [("link", near, rich), ("link", far, poor)]


def test_links_are_measured_against_the_link_threshold(store, db) -> None:  # type: ignore[no-untyped-def]
    a, b = store.product("a"), store.product("b")
    low = store.paper("Low", links={a: 0.2})
    high = store.paper("High", links={b: 0.55})
    assert _keys(review_queue(db, threshold=T))[0] == ("link", high, b)
    # with a (fitted) link threshold of 0.2 the low-scoring link is the uncertain one
    queue = review_queue(db, threshold=T, link_threshold=0.2)
    assert _keys(queue)[0] == ("link", low, a)
    assert queue[0].threshold == 0.2 and queue[0].uncertainty == 1.0


def test_a_grade_is_weighted_by_the_product_with_least_evidence(store, db) -> None:  # type: ignore[no-untyped-def]
    rich, poor = store.product("rich"), store.product("poor")
    store.evidence(rich, 2)
    store.evidence(poor, 1)
    both = store.paper("Compares rich and poor", links={rich: 0.9, poor: 0.9}, confidence=0.4)
    rich_only = store.paper("About rich", links={rich: 0.9}, confidence=0.4)
    unlinked = store.paper("About nothing", confidence=0.4)
    queue = review_queue(db, threshold=T)
    assert _keys(queue) == [("grade", both, None), ("grade", rich_only, None),
                            ("grade", unlinked, None)]
    assert [i.other_evidence for i in queue] == [1, 3, None]  # rich_only: rich has 2 + both
    assert queue[2].value == pytest.approx(uncertainty(0.4, T), abs=1e-4)  # no product: x1


def test_off_topic_papers_never_enter_the_queue(store, db) -> None:  # type: ignore[no-untyped-def]
    product = store.product("p")
    off = store.paper("Off topic", links={product: 0.5}, confidence=0.3, relevance="off-topic")
    old = store.paper("Old row without relevance", links={product: 0.5}, confidence=0.3)
    imaging = store.paper("AI imaging", links={product: 0.5}, confidence=0.3,
                          relevance="ai-imaging", state_relevance="off-topic")
    state_off = store.paper("Link state says off-topic", links={product: 0.5}, confidence=0.3,
                            state_relevance="off-topic")
    ungraded_off = store.paper("Linked, never graded, off-topic", links={product: 0.5},
                               graded=False, state_relevance="off-topic")
    queue = review_queue(db, threshold=T)
    papers = {i.publication_id for i in queue}
    assert off not in papers and state_off not in papers and ungraded_off not in papers
    assert {(i.kind, i.publication_id) for i in queue} == {
        ("link", old), ("grade", old), ("link", imaging), ("grade", imaging)}


def test_the_queue_re_ranks_from_the_decisions_at_each_call(store, db) -> None:  # type: ignore[no-untyped-def]
    a, b = store.product("a"), store.product("b")
    store.evidence(a, 1)
    b_evidence = store.evidence(b, 2)
    to_a = store.paper("Maybe about a", links={a: 0.5})
    to_b = store.paper("Maybe about b", links={b: 0.5})
    grade = store.paper("Unsure level", links={a: 0.9}, confidence=0.45)
    queue = review_queue(db, threshold=T)
    assert _keys(queue)[:2] == [("link", to_a, a), ("link", to_b, b)]  # a has less evidence

    # a person rejects b's two evidence links: b now has less evidence than a and moves up
    for pub in b_evidence:
        override_link(db, publication_id=pub, product_id=b, accept=False, author="ana",
                      reason="cites b only")
    queue = review_queue(db, threshold=T)
    assert _keys(queue)[:2] == [("link", to_b, b), ("link", to_a, a)]
    assert queue[0].other_evidence == 0

    # a decided item leaves; the others stay
    decide(db, item=queue[0], accept=True, author="ana", reason="evaluates b")
    decide(db, item=next(i for i in queue if i.kind == "grade"), accept=False, level="3",
           author="ana", reason="reader study")
    after = review_queue(db, threshold=T)
    assert _keys(after) == [("link", to_a, a)]
    assert grade not in {i.publication_id for i in after}


def test_limit_keeps_the_most_valuable_of_each_kind(store, db) -> None:  # type: ignore[no-untyped-def]
    product = store.product("p")
    low = store.paper("Far from the threshold", links={product: 0.1})
    high = store.paper("Close to the threshold", links={product: 0.58})
    assert _keys(review_queue(db, threshold=T, limit=1)) == [("link", high, product)]
    assert low in {i.publication_id for i in review_queue(db, threshold=T, limit=2)}


def test_not_relevant_sets_level_none_and_rejects_every_automatic_link(store, db) -> None:  # type: ignore[no-untyped-def]
    a, b, c = store.product("a"), store.product("b"), store.product("c")
    store.evidence(c, 1)
    pub = store.paper("A phantom study that names a and b", links={a: 0.5, b: 0.9},
                      level="2", confidence=0.4)
    other = store.paper("Untouched", links={c: 0.5}, confidence=0.4)
    assert pub in {i.publication_id for i in review_queue(db, threshold=T)}
    done = mark_not_relevant(db, [pub, pub], author="ana", reason="phantom study, no patients")
    assert done.papers == {pub: [a, b]} and done.links_rejected == 2
    rows = db.exec(select(Override).order_by(Override.id)).all()
    assert [(o.target, o.product_id, o.field_name, o.value) for o in rows] == [
        ("grade", None, "level", None), ("link", a, "link", False), ("link", b, "link", False)]
    assert {(o.author, o.reason) for o in rows} == {("ana", "phantom study, no patients")}
    assert effective_grade(db, pub).level is None  # type: ignore[union-attr]
    assert effective_links(db, publication_id=pub) == []
    queue = review_queue(db, threshold=T)
    assert pub not in {i.publication_id for i in queue}
    assert {i.publication_id for i in queue} == {other}


def test_not_relevant_is_one_transaction(store, db) -> None:  # type: ignore[no-untyped-def]
    a = store.product("a")
    first = store.paper("First", links={a: 0.5})
    second = store.paper("Second", links={a: 0.7})
    with pytest.raises(ValueError, match="no publication"):
        mark_not_relevant(db, [first, second, 999_999], author="ana", reason="off topic")
    assert db.exec(select(Override)).all() == []  # the first two papers' writes rolled back
    with pytest.raises(ValueError, match="name of the person"):
        mark_not_relevant(db, [first], author="  ", reason="off topic")
    with pytest.raises(ValueError, match="say why"):
        mark_not_relevant(db, [first], author="ana", reason=" ")
    assert db.exec(select(Override)).all() == []
    mark_not_relevant(db, [first, second], author="ana", reason="off topic")
    assert len(db.exec(select(Override)).all()) == 4


def test_not_relevant_decisions_survive_a_person_changing_one_later(store, db) -> None:  # type: ignore[no-untyped-def]
    a = store.product("a")
    pub = store.paper("Thought off topic", links={a: 0.5})
    mark_not_relevant(db, [pub], author="ana", reason="off topic")
    override_grade(db, publication_id=pub, field_name="level", value="2", author="bo",
                   reason="it is a standalone accuracy study after all")
    assert effective_grade(db, pub).level == "2"  # type: ignore[union-attr]
    assert effective_links(db, publication_id=pub) == []  # the rejection still stands


def test_uncertain_accepts_and_unresolved_candidates_reach_review(store, db) -> None:  # type: ignore[no-untyped-def]
    """Links just above the link threshold and candidates the linker left unresolved (a
    family it could not resolve, a near miss) are in the queue; accepting one from the
    queue makes it an effective link; confident links stay out."""
    from tracker.db.models import PaperMention

    product = store.product("briefcase-pe")
    shaky = store.paper("Just above the threshold", links={product: 0.65})
    sure = store.paper("Confident link", links={product: 0.95})
    family = store.paper("BriefCase named without its finding")
    db.add(PaperMention(publication_id=family, product_id=product, role="unresolved",
                        score=0.45, evidence="The BriefCase software was deployed."))
    db.add(PaperMention(publication_id=sure, product_id=product, role="cited", score=0.3))
    db.commit()
    items = {(i.kind, i.publication_id) for i in review_queue(db, threshold=T,
                                                               link_threshold=0.6)}
    assert ("link", shaky) in items and ("link", family) in items
    assert ("link", sure) not in items
    item = next(i for i in review_queue(db, threshold=T, link_threshold=0.6)
                if i.publication_id == family)
    decide(db, item=item, accept=True, author="reviewer", reason="PE paper")
    assert (family, product) in {(lk.publication_id, lk.product_id)
                                 for lk in effective_links(db, publication_id=family)}
    assert family not in {i.publication_id for i in review_queue(db, threshold=T,
                                                                 link_threshold=0.6)
                          if i.kind == "link"}
