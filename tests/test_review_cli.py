# mypy: disable-error-code="arg-type,return-value"
# (SQLModel ids are int | None until a row is flushed)
"""``tracker review`` with the real reviewer (``--by`` optional: the ``reviewer`` setting),
a reason kept with every decision, ``review not-relevant`` in one transaction, and ``review
list`` showing each item's expected value; on a real SQLite store."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select
from tui_store import build_store
from typer.testing import CliRunner

from tracker.cli import app as cli
from tracker.db.models import Override
from tracker.evidence import effective_grade, effective_links

PIXYL = "Reproducibility of Pixyl.Neuro lesion segmentation"
H2H = "Head-to-head comparison of CXR AI products"


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_store(engine)


def _run(db_url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, [*args, "--database-url", db_url])


def _overrides(db: Any) -> list[Override]:
    db.expire_all()
    return list(db.exec(select(Override).order_by(Override.id)).all())


def test_by_is_optional_and_the_reviewer_setting_decides(db, db_url, ids, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_REVIEWER", "dr.lee")
    pub = str(ids[PIXYL])
    out = _run(db_url, "review", "grade", pub, "--level", "3")
    assert out.exit_code == 0, out.output
    assert "by dr.lee" in out.output
    out = _run(db_url, "review", "link", pub, "pixyl-neuro", "--reject", "--by", "ana",
               "--why", "uses it as a tool")
    assert out.exit_code == 0, out.output
    out = _run(db_url, "review", "feature", pub, "multicentre", "true")
    assert out.exit_code == 0, out.output
    rows = _overrides(db)
    assert [(o.field_name, o.author) for o in rows] == [
        ("level", "dr.lee"), ("link", "ana"), ("multicentre", "dr.lee")]
    # every decision keeps a reason: the one given, else what was decided
    assert [o.reason for o in rows] == ["level set to 3", "uses it as a tool",
                                        "multicentre set to true"]
    blank = _run(db_url, "review", "grade", pub, "--confirm", "--by", " ")
    assert blank.exit_code == 2 and "name of the person" in blank.output


def test_by_defaults_to_the_os_user(db, db_url, ids, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "osuser")
    out = _run(db_url, "review", "grade", str(ids[PIXYL]), "--confirm")
    assert out.exit_code == 0, out.output
    assert [(o.author, o.value, o.reason) for o in _overrides(db)] == [("osuser", "1t",
                                                                        "confirmed")]


def test_not_relevant_command(db, db_url, ids, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_REVIEWER", "dr.lee")
    h2h, pixyl = ids[H2H], ids[PIXYL]
    out = _run(db_url, "review", "not-relevant", "PMID:30000005", str(pixyl),
               "--why", "comparison of prototypes, not the products")
    assert out.exit_code == 0, out.output
    assert "lunit-insight-cxr, red-dot" in out.output
    assert "2 papers not relevant, 3 links rejected (5 overrides by dr.lee" in out.output
    rows = _overrides(db)
    assert {(o.target, o.publication_id, o.product_id, o.value) for o in rows} == {
        ("grade", h2h, None, None), ("link", h2h, ids["lunit-insight-cxr"], False),
        ("link", h2h, ids["red-dot"], False), ("grade", pixyl, None, None),
        ("link", pixyl, ids["pixyl-neuro"], False)}
    assert {(o.author, o.reason) for o in rows} == {
        ("dr.lee", "comparison of prototypes, not the products")}
    assert effective_grade(db, h2h).level is None  # type: ignore[union-attr]
    assert effective_links(db, publication_id=h2h) == []
    listed = json.loads(_run(db_url, "review", "list", "--json").output)
    assert {h2h, pixyl}.isdisjoint({i["publication_id"] for i in listed})


def test_not_relevant_writes_nothing_when_a_paper_is_unknown(db, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    out = _run(db_url, "review", "not-relevant", str(ids[H2H]), "PMID:1", "--why", "x",
               "--by", "ana")
    assert out.exit_code == 2 and "no publication 'PMID:1'" in out.output
    missing_why = _run(db_url, "review", "not-relevant", str(ids[H2H]), "--by", "ana")
    assert missing_why.exit_code == 2 and "--why" in missing_why.output
    blank_why = _run(db_url, "review", "not-relevant", str(ids[H2H]), "--by", "ana",
                     "--why", " ")
    assert blank_why.exit_code == 2 and "nothing written" in blank_why.output
    assert _overrides(db) == []


def test_list_shows_the_value_and_is_ranked_by_it(db, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    listed = _run(db_url, "review", "list", "--json")
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)
    values = [i["value"] for i in items]
    assert values == sorted(values, reverse=True) and len(items) == 6
    first = items[0]  # Pixyl's only paper, its link just under the threshold
    assert (first["kind"], first["publication_id"], first["other_evidence"]) == (
        "link", ids[PIXYL], 0)
    assert {"value", "uncertainty", "other_evidence", "threshold"} <= set(first)
    text = _run(db_url, "review", "list")
    assert text.exit_code == 0
    assert text.output.splitlines()[0].startswith(f"{first['value']:5.2f}  link ")
    assert "other evidence 0" in text.output.splitlines()[0]


def test_list_ranks_links_against_a_fitted_link_threshold(db, db_url, ids, tmp_path,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.linking.thresholds import save_link_threshold

    data = tmp_path / "data"
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data))
    save_link_threshold(data, {"threshold": 0.3})
    items = json.loads(_run(db_url, "review", "list", "--json").output)
    links = [i for i in items if i["kind"] == "link"]
    assert {i["threshold"] for i in links} == {0.3}
    review = next(i for i in links if i["title"].endswith("a review"))
    assert review["uncertainty"] == 1.0  # its score 0.3 sits on the fitted threshold
    (data / "models" / "link_threshold.json").write_text("{not json")
    broken = _run(db_url, "review", "list", "--json")
    assert broken.exit_code == 0 and "warning" in broken.output
