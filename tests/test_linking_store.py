"""``link_new`` on a store: links, incremental reruns, overrides untouched, semantic search;
the faiss index and the embedding cache on their own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import select

from tracker.db.engine import session
from tracker.db.models import (
    Company,
    LinkState,
    Override,
    PaperProductLink,
    Product,
    Publication,
)


def _add_paper(s, title: str, abstract: str, digest: str) -> int:  # type: ignore[no-untyped-def]
    row = Publication(title=title, normalized_title=title.lower(), abstract=abstract,
                      content_hash=digest, source="test")
    s.add(row)
    s.flush()
    return int(row.id or 0)


@pytest.mark.slow
def test_link_new_is_incremental_and_leaves_overrides_alone(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tracker.config import get_settings
    from tracker.linking.index import search_papers
    from tracker.linking.pipeline import link_new

    settings = get_settings(data_dir=tmp_path / "data")
    with session(engine) as s:
        company = Company(name="Aidoc Medical, Ltd.", normalized_name="aidoc medical")
        s.add(company)
        s.flush()
        product = Product(slug="aidoc-ich", company_id=company.id or 0, name="BriefCase (ICH)",
                          normalized_name="briefcase ich", modality="CT",
                          description="Triage of intracranial hemorrhage on head CT")
        s.add(product)
        s.flush()
        evaluated = _add_paper(s, "Aidoc BriefCase for intracranial hemorrhage on head CT",
                               "Methods: 8,723 head CT scans were analysed by Aidoc BriefCase "
                               "for intracranial hemorrhage. Results: Sensitivity was 92%.", "a1")
        off_topic = _add_paper(s, "Hip fracture surgery within 48 hours",
                               "Patients operated on within 48 hours had lower mortality.", "b1")
        s.add(Override(target="link", publication_id=off_topic, product_id=product.id,
                       field_name="link", value=True, author="analyst"))
        s.commit()

    first = link_new(engine, settings)
    assert first["linked_now"] == 2 and first["links"] == 1 and first["embedded"] >= 2
    with session(engine) as s:
        [link] = s.exec(select(PaperProductLink)).all()
        assert link.publication_id == evaluated and link.method.endswith("+embedding")
        assert "Aidoc BriefCase" in link.evidence
        assert len(s.exec(select(LinkState)).all()) == 2
    meta = json.loads((tmp_path / "data" / "index" / "papers.faiss.json").read_text())
    assert meta["count"] == 1 and meta["dim"] == 384  # only the radiology-AI paper is indexed

    second = link_new(engine, settings)
    assert second["linked_now"] == 0 and second["embedded"] == 0

    with session(engine) as s:
        row = s.get(Publication, off_topic)
        assert row is not None
        row.abstract, row.content_hash = row.abstract + " Costs fell.", "b2"
        s.add(row)
        s.commit()
    third = link_new(engine, settings)
    assert third["linked_now"] == 1
    with session(engine) as s:
        assert len(s.exec(select(Override)).all()) == 1  # a person's decision stays

    hits = search_papers(engine, settings, "AI triage of brain bleeds on CT", k=5)
    assert hits and hits[0][0] == evaluated


def test_faiss_index_replaces_removes_and_round_trips(tmp_path: Path) -> None:
    from tracker.linking.index import VectorIndex

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(20, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex(8, model="m")
    index.add(list(range(100, 120)), vectors)
    index.add([100], vectors[5:6])  # replaces id 100
    assert index.count == 20
    assert index.search(vectors[5:6], 2)[0][0][1] == pytest.approx(1.0, abs=1e-5)
    index.remove([101, 102])
    index.save(tmp_path / "i.faiss")
    loaded = VectorIndex.load(tmp_path / "i.faiss")
    assert loaded is not None and loaded.count == 18 and loaded.model == "m"
    hnsw = VectorIndex(8, model="m", kind="hnsw")
    hnsw.add(list(range(20)), vectors)
    hnsw.remove([3])
    assert hnsw.count == 19 and hnsw.search(vectors[7:8], 1)[0][0][0] == 7
    assert VectorIndex.load(tmp_path / "missing.faiss") is None


class _CountingModel:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, **_):  # type: ignore[no-untyped-def]
        self.seen += list(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


@pytest.mark.parametrize("backend", ["file", "sql"])
def test_unchanged_text_is_never_embedded_twice(backend: str, tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    from tracker.embeddings import Embedder, FileVectorCache, SqlVectorCache

    def fresh() -> tuple[Embedder, _CountingModel]:
        cache = FileVectorCache(tmp_path / "emb") if backend == "file" else SqlVectorCache(engine)
        embedder = Embedder("fake-model", cache=cache)
        model = _CountingModel()
        embedder._model = model
        return embedder, model

    embedder, model = fresh()
    first = embedder.embed(["a", "bb", "a"])
    assert model.seen == ["a", "bb"] and first.shape == (3, 2)
    embedder, model = fresh()  # a new process reading the same cache
    again = embedder.embed(["bb", "a", "ccc"])
    assert model.seen == ["ccc"]
    assert np.allclose(again[:2], first[[1, 0]])
    assert embedder.stats.cache_hits == 2


def test_link_new_stores_relevance_and_mentions_then_grading_reads_them(  # type: ignore[no-untyped-def]
        engine, tmp_path: Path) -> None:
    """A paper that uses a product only to select patients gets a mention, not a link, and
    no level; an off-topic paper gets no level and stays out of review; a linked one is a
    product evaluation with a level."""
    from tracker.config import get_settings
    from tracker.db.models import EvidenceGrade, PaperMention
    from tracker.grading.pipeline import grade_new
    from tracker.linking.pipeline import link_new
    from tracker.views.review import review_queue

    settings = get_settings(data_dir=tmp_path / "data")
    with session(engine) as s:
        company = Company(name="iSchemaView, Inc.", normalized_name="ischemaview")
        s.add(company)
        s.flush()
        product = Product(slug="rapid-ctp", company_id=company.id or 0, name="RAPID",
                          normalized_name="rapid", modality="CT",
                          description="Perfusion maps and ischemic core volumes on CT perfusion")
        s.add(product)
        s.flush()
        tool = _add_paper(s, "Thrombectomy 6 to 16 hours after stroke with selection by "
                          "perfusion imaging", "Methods: Patients were selected using RAPID "
                          "perfusion software (iSchemaView) with an ischemic core under 70 ml. "
                          "Results: Functional independence at 90 days was 45% versus 17%.",
                          "t1")
        evaluated = _add_paper(s, "Accuracy of RAPID perfusion software for the ischemic core",
                               "Methods: We compared RAPID ischemic core volumes with final "
                               "infarct on follow-up MRI in 120 patients. Results: Agreement was "
                               "good (ICC 0.82).", "e1")
        off_topic = _add_paper(s, "Hip fracture surgery within 48 hours",
                               "Patients operated on within 48 hours had lower mortality.", "o1")
        s.commit()
    link_new(engine, settings)
    grade_new(engine, settings)
    with session(engine) as s:
        links = {(lk.publication_id, lk.product_id) for lk in s.exec(select(PaperProductLink))}
        mentions = {(m.publication_id, m.role) for m in s.exec(select(PaperMention))}
        states = {st.publication_id: st.relevance for st in s.exec(select(LinkState))}
        grades = {g.publication_id: g for g in s.exec(select(EvidenceGrade))}
        queue = review_queue(s, threshold=0.99)
    assert links == {(evaluated, product.id)}
    assert (tool, "used-as-tool") in mentions
    assert states[off_topic] == "off-topic" and states[evaluated] == "product-evaluation"
    assert grades[tool].level is None and grades[tool].relevance == "ai-imaging"
    assert grades[off_topic].level is None and grades[off_topic].prospective is None
    assert grades[evaluated].level is not None
    assert grades[evaluated].relevance == "product-evaluation"
    assert off_topic not in {item.publication_id for item in queue}
