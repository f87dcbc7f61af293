# mypy: disable-error-code="arg-type,return-value"
# (SQLModel ids are int | None until a row is flushed)
"""Refit after a batch of decisions: ``tracker train linking`` fits the link threshold on
people's link decisions (tracker/linking/thresholds.py) and ``tracker train grading
--from-overrides`` trains on people's level decisions added to, or replacing the labels of,
the labelled examples; on a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracker.db.models import Company, PaperProductLink, Product, Publication
from tracker.evidence import override_grade, override_link
from tracker.grading.training import (
    Example,
    examples_from_store,
    level_decisions,
    read_labelled,
    with_level_decisions,
)
from tracker.linking.thresholds import (
    MIN_DECISIONS,
    decided_link_pairs,
    fit_link_threshold,
    link_threshold_path,
    load_link_threshold,
    save_link_threshold,
)

FIXED = datetime(2025, 3, 1, tzinfo=UTC)
DEV = Path(__file__).resolve().parent / "data" / "dev" / "papers_a.jsonl"


# -- the threshold fit ---------------------------------------------------------------------

def _pairs(accepted: list[float], rejected: list[float]) -> list[tuple[float, bool]]:
    return [(s, True) for s in accepted] + [(s, False) for s in rejected]


def test_fit_separates_accepted_from_rejected_links() -> None:
    accepted = [0.70 + 0.01 * i for i in range(15)]  # 0.70 .. 0.84
    rejected = [0.60 + 0.01 * i for i in range(8)]  # 0.60 .. 0.67
    fitted = fit_link_threshold(_pairs(accepted, rejected))
    assert fitted["threshold"] == pytest.approx(0.685)  # half-way between 0.67 and 0.70
    assert (fitted["f1"], fitted["precision"], fitted["recall"]) == (1.0, 1.0, 1.0)
    assert (fitted["decisions"], fitted["accepted"], fitted["rejected"]) == (23, 15, 8)
    assert fitted["keep_all_f1"] == pytest.approx(round(2 * 15 / (2 * 15 + 8), 4))
    assert fitted["fitted_at"] == date.today().isoformat()
    assert "F1" in fitted["criterion"]


def test_fit_maximises_f1_when_the_classes_overlap() -> None:
    # rejected links scattered among accepted ones: a cut at 0.75 keeps 9 of 10 accepted
    # and 1 of 12 rejected (F1 0.9); keeping all gives F1 0.625; a cut at 0.85 loses recall
    accepted = [0.65] + [0.80, 0.81, 0.82, 0.83, 0.84, 0.86, 0.87, 0.88, 0.89]
    rejected = [0.60, 0.61, 0.62, 0.63, 0.64, 0.66, 0.67, 0.68, 0.69, 0.70, 0.72, 0.85]
    fitted = fit_link_threshold(_pairs(accepted, rejected))
    assert fitted["threshold"] == pytest.approx(0.76)  # between 0.72 (rejected) and 0.80
    assert (fitted["true_positives"], fitted["false_positives"],
            fitted["false_negatives"]) == (9, 1, 1)
    assert fitted["f1"] == pytest.approx(0.9)
    # every link at or above the threshold is kept, none below: the figures hold
    kept = [s for s in accepted + rejected if s >= fitted["threshold"]]
    assert len(kept) == fitted["kept"] == 10


def test_fit_keeping_everything_stops_at_the_lowest_decided_score() -> None:
    pairs = _pairs([0.9] * 19, [0.95])  # the rejected one scores highest: keep everything
    fitted = fit_link_threshold(pairs)
    assert fitted["threshold"] == 0.9 and fitted["recall"] == 1.0


def test_fit_refuses_too_few_or_one_sided_decisions() -> None:
    with pytest.raises(ValueError, match=f"only 19 decided .* at least {MIN_DECISIONS}"):
        fit_link_threshold(_pairs([0.8] * 10, [0.6] * 9))
    with pytest.raises(ValueError, match="no rejected links"):
        fit_link_threshold(_pairs([0.8] * 25, []))
    with pytest.raises(ValueError, match="no accepted links"):
        fit_link_threshold(_pairs([], [0.8] * 25))


def test_save_and_load_the_threshold(tmp_path: Path) -> None:
    assert load_link_threshold(tmp_path) is None
    fitted = fit_link_threshold(_pairs([0.8] * 12, [0.6] * 10))
    path = save_link_threshold(tmp_path, fitted)
    assert path == link_threshold_path(tmp_path) == tmp_path / "models" / "link_threshold.json"
    saved = json.loads(path.read_text())
    assert saved["decisions"] == 22 and saved["fitted_at"] == date.today().isoformat()
    assert load_link_threshold(tmp_path) == pytest.approx(0.7)
    path.write_text("{broken")
    with pytest.raises(ValueError, match="link_threshold.json"):
        load_link_threshold(tmp_path)
    path.write_text(json.dumps({"threshold": 3}))
    with pytest.raises(ValueError, match="between 0 and 1"):
        load_link_threshold(tmp_path)


# -- tracker train linking on a store ------------------------------------------------------

def _linked_store(db: Any, scores: list[tuple[float, bool | None]]) -> list[tuple[int, int]]:
    """One product, one paper per score with an automatic link; a person accepts (True) or
    rejects (False) it, or does not decide (None)."""
    company = Company(name="Acme", normalized_name="acme", created_at=FIXED)
    db.add(company)
    db.flush()
    product = Product(slug="acme-scan", company_id=company.id, name="Acme Scan",
                      normalized_name="acme scan", created_at=FIXED)
    db.add(product)
    db.flush()
    pairs = []
    for n, (score, decision) in enumerate(scores):
        pub = Publication(pmid=str(7000 + n), title=f"Paper {n}", normalized_title=f"paper {n}",
                          source="test", fetched_at=FIXED, created_at=FIXED, updated_at=FIXED)
        db.add(pub)
        db.flush()
        db.add(PaperProductLink(publication_id=pub.id, product_id=product.id, score=score,
                                method="test", created_at=FIXED))
        db.commit()
        pairs.append((pub.id, product.id))
        if decision is not None:
            override_link(db, publication_id=pub.id, product_id=product.id, accept=decision,
                          author="ana", reason="test")
    return pairs


def test_decided_link_pairs_read_the_latest_decision_of_automatic_links(db) -> None:  # type: ignore[no-untyped-def]
    pairs = _linked_store(db, [(0.9, True), (0.7, False), (0.8, None)])
    override_link(db, publication_id=pairs[1][0], product_id=pairs[1][1], accept=True,
                  author="bo", reason="on second reading it does")
    hand = Publication(title="Hand-made", normalized_title="hand-made", source="test")
    db.add(hand)
    db.commit()
    override_link(db, publication_id=hand.id, product_id=pairs[0][1], accept=True,  # type: ignore[arg-type]
                  author="ana", reason="missed by the linker")
    assert sorted(decided_link_pairs(db)) == [(0.7, True), (0.9, True)]


def test_train_linking_command(db, db_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.cli import app as cli

    data = tmp_path / "data"
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data))
    scores: list[tuple[float, bool | None]] = [(0.6 + 0.01 * i, False) for i in range(6)]
    scores += [(0.71 + 0.01 * i, True) for i in range(13)]
    scores += [(0.99, None)]  # undecided: not used
    pairs = _linked_store(db, scores)
    runner = CliRunner()
    refused = runner.invoke(cli, ["train", "linking", "--database-url", db_url])
    assert refused.exit_code == 2
    assert "only 19 decided automatic links (13 accepted, 6 rejected)" in refused.output
    assert load_link_threshold(data) is None
    override_link(db, publication_id=pairs[-1][0], product_id=pairs[-1][1], accept=True,
                  author="ana", reason="test")
    out = runner.invoke(cli, ["train", "linking", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    assert "link threshold 0.680 from 20 decisions (14 accepted, 6 rejected)" in out.output
    assert load_link_threshold(data) == pytest.approx(0.68)  # half-way between 0.65 and 0.71
    saved = json.loads(link_threshold_path(data).read_text())
    assert (saved["accepted"], saved["rejected"], saved["f1"]) == (14, 6, 1.0)
    assert saved["fitted_at"] == date.today().isoformat()


# -- tracker train grading --from-overrides ------------------------------------------------

def _dev_examples(n: int) -> list[Example]:
    """``n`` labelled papers of the development set, those with a PMID id first."""
    examples, problems = read_labelled([DEV])
    assert not problems
    return sorted(examples, key=lambda e: not e.paper.id.startswith("PMID:"))[:n]


def _store_paper(db: Any, *, pmid: str | None, title: str, doi: str | None = None) -> int:
    pub = Publication(pmid=pmid, doi=doi, title=title, normalized_title=title.lower(),
                      abstract="Sensitivity was 90%.", source="test", fetched_at=FIXED,
                      created_at=FIXED, updated_at=FIXED)
    db.add(pub)
    db.commit()
    return pub.id  # type: ignore[return-value]


def test_level_decisions_relabel_matching_examples_and_add_the_rest(db, db_url) -> None:  # type: ignore[no-untyped-def]
    examples = _dev_examples(3)
    first, second = examples[0], examples[1]
    new_level = "6" if first.level != "6" else "5"
    pub_first = _store_paper(db, pmid=first.paper.id.split(":")[1], title="Same paper")
    pub_second = _store_paper(db, pmid=second.paper.id.split(":")[1], title="Same again")
    pub_new = _store_paper(db, pmid="99999999", title="A paper no file has")
    override_grade(db, publication_id=pub_first, field_name="level", value="2", author="ana")
    override_grade(db, publication_id=pub_first, field_name="level", value=new_level,
                   author="ana", reason="the latest decision wins")
    override_grade(db, publication_id=pub_second, field_name="level", value=second.level,
                   author="bo", reason="confirmed")
    override_grade(db, publication_id=pub_new, field_name="level", value=None, author="bo",
                   reason="not relevant")
    decided = level_decisions(db_url)
    assert [d.publication_id for d in decided] == [pub_first, pub_second, pub_new]
    merged, counts = with_level_decisions(examples, decided)
    assert counts == {"relabelled": 1, "confirmed": 1, "added": 1}
    assert len(merged) == 4
    assert merged[0].paper.id == first.paper.id and merged[0].level == new_level
    assert merged[0].paper.title == first.paper.title  # the file's text is kept
    assert "relabelled" in merged[0].source and "by ana" in merged[0].source
    assert merged[1].level == second.level and merged[2] is examples[2]
    assert (merged[3].paper.id, merged[3].level) == ("store:99999999", None)
    # the default --from-store adds only the paper no file has (no duplicate of the others)
    extra = examples_from_store(db_url, known={e.paper.id for e in examples})
    assert [e.paper.id for e in extra] == ["store:99999999"]


def test_train_grading_from_overrides_trains_on_the_decisions(db, db_url, tmp_path,
                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.cli import app as cli
    from tracker.grading import training

    examples = _dev_examples(12)
    labelled = tmp_path / "labelled.jsonl"
    lines = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    chosen = {e.paper.id for e in examples}
    labelled.write_text("".join(json.dumps(x) + "\n" for x in lines if x["id"] in chosen))
    target = examples[0]
    new_level = "6" if target.level != "6" else "5"
    pub = _store_paper(db, pmid=target.paper.id.split(":")[1], title="Same paper")
    override_grade(db, publication_id=pub, field_name="level", value=new_level, author="ana",
                   reason="a cost-effectiveness analysis")
    seen: dict[str, Any] = {}

    class Model:
        version, cv = "grading-test", {"accuracy": 1.0, "macro_f1": 1.0, "bucket_accuracy": 1.0}

        def save(self, path: Path) -> None:
            seen["saved"] = path

    def fake_train(items: list[Example], **kw: Any) -> Model:
        seen["items"], seen["sources"] = items, kw["sources"]
        return Model()

    monkeypatch.setattr(training, "train", fake_train)
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    out = runner.invoke(cli, ["train", "grading", "--examples", str(labelled),
                              "--from-overrides", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    assert "level decisions: 1 (1 relabelled, 0 already so labelled, 0 added)" in out.output
    levels = {e.paper.id: e.level for e in seen["items"]}
    assert len(levels) == 12 and levels[target.paper.id] == new_level
    assert {"store_overrides": 1, "relabelled": 1, "confirmed": 0, "added": 0} in seen["sources"]
    # without --from-overrides the file's label stays (the existing behaviour)
    out = runner.invoke(cli, ["train", "grading", "--examples", str(labelled),
                              "--database-url", db_url])
    assert out.exit_code == 0, out.output
    assert {e.paper.id: e.level for e in seen["items"]}[target.paper.id] == target.level
    assert len(seen["items"]) == 12
    conflict = runner.invoke(cli, ["train", "grading", "--examples", str(labelled),
                                   "--from-overrides", "--no-store", "--database-url", db_url])
    assert conflict.exit_code == 2


def test_train_grading_from_overrides_refuses_an_undecided_store(db_url, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tracker.cli import app as cli

    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(DEV.read_text())
    out = CliRunner().invoke(cli, ["train", "grading", "--examples", str(labelled),
                                   "--from-overrides", "--database-url", db_url])
    assert out.exit_code == 2 and "no paper's level was decided" in out.output
