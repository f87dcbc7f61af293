"""``tracker search`` on a real SQLite store (tests/tui_store.py), and the paper index built
from the store alone (no data folder): with stand-in vectors, and once with the real model
after the linking step ran with another data folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlmodel import select
from tui_store import MARKUP_TITLE, PAPERS, build_store
from typer.testing import CliRunner

from tracker.cli import app as cli
from tracker.db.engine import session
from tracker.db.models import EmbeddingCache, LinkState, Publication

KEYS = {"publication_id", "pmid", "doi", "title", "year", "journal", "level", "vendor_independent",
        "products", "score", "method", "url", "source_url"}


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_store(engine)


def _run(db_url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["search", *args, "--database-url", db_url])


def _json(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_keyword_search_prints_a_table(db_url, ids) -> None:  # type: ignore[no-untyped-def]
    result = _run(db_url, "lung cancer", "--mode", "keyword")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "year", "level", "title", "journal", "products", "score"]
    row = lines[1]
    assert row.split()[:3] == [str(ids[PAPERS[0][0]]), "2021", "3"]
    assert "Veye Lung Nodules in lung cancer screening" in row and "Eur Radiol" in row
    assert lines[-1] == "1 of 1 papers (keyword search, newest first)"


def test_json_shape_and_provenance(db_url, ids) -> None:  # type: ignore[no-untyped-def]
    hits = _json(_run(db_url, "lung", "--mode", "keyword", "--json"))
    assert [h["publication_id"] for h in hits] == [
        ids["Artificial intelligence in radiology: a review"], ids[MARKUP_TITLE],
        ids[PAPERS[0][0]], ids[PAPERS[1][0]]]  # newest first; abstracts searched too
    assert all(set(h) == KEYS for h in hits)
    first = hits[2]
    assert first["pmid"] == "30000000" and first["year"] == 2021 and first["level"] == "3"
    assert first["products"] == ["Veye Lung Nodules"] and first["method"] == "keyword"
    assert first["score"] is None and first["vendor_independent"] is True
    assert first["source_url"] == first["url"] == "https://pubmed.ncbi.nlm.nih.gov/30000000/"
    assert len(_json(_run(db_url, "lung", "--mode", "keyword", "--json", "--limit", "2"))) == 2
    titles_only = _json(_run(db_url, "lung", "--mode", "keyword", "--json", "--titles-only"))
    assert {h["publication_id"] for h in titles_only} == {  # not the review: "lung" is in its abstract
        ids[MARKUP_TITLE], ids[PAPERS[0][0]], ids[PAPERS[1][0]]}


def test_filters_mirror_the_paper_query(db_url, ids) -> None:  # type: ignore[no-untyped-def]
    def found(*args: str) -> set[int]:
        return {h["publication_id"] for h in _json(_run(db_url, *args, "--mode", "keyword", "--json"))}

    assert found("lung", "--level", "2") == {ids[MARKUP_TITLE]}
    assert found("lung", "--level", "L3") == {ids[PAPERS[0][0]]}
    assert found("lung", "--year", "2020") == {ids[PAPERS[1][0]]}
    assert found("lung", "--independent") == {ids[MARKUP_TITLE], ids[PAPERS[0][0]]}
    assert found("lung", "--not-independent") == {ids[PAPERS[1][0]]}
    assert found("accuracy", "--product", "Lunit") == {ids[PAPERS[3][0]]}
    assert found("study", "--product", "red-dot") == set()
    bad = _run(db_url, "lung", "--level", "7")
    assert bad.exit_code == 2 and "not an efficacy level" in bad.output
    assert _run(db_url, "lung", "--mode", "fuzzy").exit_code == 2


def test_markup_and_quotes_are_taken_literally(db_url, ids) -> None:  # type: ignore[no-untyped-def]
    result = _run(db_url, "[red]lung[/red]", "--mode", "keyword")
    assert result.exit_code == 0, result.output
    assert "[bold]Deep[/] learning for [red]lung[/red] nodules" in result.output
    hits = _json(_run(db_url, "[link=x]test[/link]", "--mode", "keyword", "--json"))
    assert [h["title"] for h in hits] == [MARKUP_TITLE]
    for query in ('"lung', "lung's 100%", "_ung"):
        empty = _run(db_url, query, "--mode", "keyword")
        assert empty.exit_code == 0 and "no papers found (keyword search)" in empty.output


def test_empty_store_and_auto_without_an_index(engine, db_url) -> None:  # type: ignore[no-untyped-def]
    result = _run(db_url, "lung")
    assert result.exit_code == 0 and "the store holds no papers yet" in result.output
    assert json.loads(_run(db_url, "lung", "--json").stdout) == []
    build_store(engine)
    auto = _run(db_url, "lung")
    assert auto.exit_code == 0
    assert auto.output.splitlines()[0] == ("semantic search unavailable: no paper index yet "
                                           "(built by `tracker process`); keyword search ran")
    semantic = _run(db_url, "lung", "--mode", "semantic")
    assert semantic.exit_code == 1 and "no paper index yet" in semantic.output


class _Embedder:
    """Stand-in vectors (one axis per paper): no model is loaded."""

    model_name = "stand-in"

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.eye(8, dtype=np.float32)[[len(t) % 8 for t in texts]]


def test_store_index_reads_cached_vectors_and_embeds_only_the_rest(engine, ids, caplog) -> None:  # type: ignore[no-untyped-def]
    from tracker.contract import PaperRecord
    from tracker.embeddings import text_hash
    from tracker.linking.index import build_store_index, paper_index

    with session(engine) as s:
        papers = {p.id: p for p in s.exec(select(Publication))}
        relevant = [ids[PAPERS[0][0]], ids[PAPERS[3][0]], ids[PAPERS[4][0]]]
        for pid in papers:
            s.add(LinkState(publication_id=pid, model_version="v", relevant=pid in relevant))
        for axis, pid in enumerate(relevant[:2]):
            text = PaperRecord.model_construct(title=papers[pid].title,
                                               abstract=papers[pid].abstract or "").text
            s.add(EmbeddingCache(content_hash=text_hash(text), model="stand-in", dim=8,
                                 vector=np.eye(8, dtype=np.float32)[axis].tobytes()))
        s.commit()
    embedder = _Embedder()
    with caplog.at_level("INFO", logger="tracker.linking.index"):
        index = build_store_index(engine, embedder)
    assert index is not None and sorted(index.ids().tolist()) == sorted(relevant)
    assert len(embedder.embedded) == 1 and embedder.embedded[0].startswith(PAPERS[4][0])
    assert "2 vectors from the cache, 1 embedded now, 0 left out" in caplog.text
    hits = index.search(np.eye(8, dtype=np.float32)[[1]], 3)[0]
    assert hits[0] == (relevant[1], pytest.approx(1.0))

    bounded = build_store_index(engine, _Embedder(), embed_limit=0)
    assert bounded is not None and bounded.count == 2  # over the limit: left out

    from tracker.config import get_settings

    settings = get_settings()  # an empty data folder: no saved index
    first, origin = paper_index(engine, settings, embedder)
    again, _ = paper_index(engine, settings, embedder)
    assert origin == "store" and again is first  # kept for this engine
    with session(engine) as s:
        state = s.get(LinkState, ids[PAPERS[5][0]])
        assert state is not None
        state.relevant = True
        s.add(state)
        s.commit()
    rebuilt, _ = paper_index(engine, settings, embedder)
    assert rebuilt is not first and rebuilt is not None and rebuilt.count == 4


@pytest.mark.slow
def test_semantic_search_with_the_store_alone_matches_the_file_index(  # type: ignore[no-untyped-def]
        engine, db_url, tmp_path: Path, monkeypatch) -> None:
    from tracker.config import get_settings
    from tracker.db.models import Company, Product
    from tracker.embeddings import Embedder
    from tracker.linking.index import build_store_index, index_dir, paper_index, search_papers
    from tracker.linking.pipeline import link_new

    with session(engine) as s:
        company = Company(name="Aidoc Medical, Ltd.", normalized_name="aidoc medical")
        s.add(company)
        s.flush()
        s.add(Product(slug="aidoc-ich", company_id=company.id or 0, name="BriefCase (ICH)",
                      normalized_name="briefcase ich", modality="CT",
                      description="Triage of intracranial hemorrhage on head CT"))
        papers = [
            ("Aidoc BriefCase for intracranial hemorrhage on head CT",
             "Methods: 8,723 head CT scans were analysed by Aidoc BriefCase for intracranial "
             "hemorrhage. Results: Sensitivity was 92%."),
            ("Deep learning detection of pulmonary embolism on CT pulmonary angiography",
             "Methods: A convolutional neural network read 1,200 CTPA studies. Results: AUC 0.94."),
            ("Artificial intelligence for fracture detection on radiographs",
             "Methods: A deep learning algorithm read 600 wrist radiographs. Results: "
             "sensitivity 91%."),
            ("Hip fracture surgery within 48 hours",
             "Patients operated on within 48 hours had lower mortality."),
        ]
        for n, (title, abstract) in enumerate(papers):
            s.add(Publication(title=title, normalized_title=title.lower(), abstract=abstract,
                              content_hash=f"h{n}", source="test"))
        s.commit()
    folder_a = get_settings(data_dir=tmp_path / "a")
    link_new(engine, folder_a)
    assert (index_dir(folder_a) / "papers.faiss").is_file()
    folder_b = get_settings(data_dir=tmp_path / "b")
    assert not index_dir(folder_b).exists()

    query = "AI triage of brain bleeds on CT"
    from_file = search_papers(engine, folder_a, query, k=3)
    from_store = search_papers(engine, folder_b, query, k=3)
    assert len(from_file) == 3  # the off-topic paper is not indexed
    assert [pid for pid, _ in from_store] == [pid for pid, _ in from_file]
    assert [s for _, s in from_store] == pytest.approx([s for _, s in from_file], abs=1e-5)
    embedder = Embedder.from_settings(folder_b, engine=engine)
    assert paper_index(engine, folder_b, embedder)[1] == "store"
    assert paper_index(engine, folder_a, embedder)[1] == "file"
    rebuilt = build_store_index(engine, embedder)
    assert rebuilt is not None and rebuilt.count == 3
    assert embedder.stats.encoded == 0  # every vector from the store's cache

    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "b"))
    hits = _json(_run(db_url, query, "--json", "--limit", "2"))
    assert [h["publication_id"] for h in hits] == [pid for pid, _ in from_file[:2]]
    assert all(h["method"] == "semantic" and h["score"] is not None for h in hits)
