"""Batch input (issue 15, defects 3 and 5): the one reader of ``tracker.contract`` reads bytes
strictly (UTF-8, lines split on ``\\n`` only, a byte order mark accepted, duplicate ids
reported), a text over spaCy's 1,000,000-character limit costs neither its line nor the
lines after it, an I/O error ends in one line and exit status 2, and one paper that fails in
``tracker process`` is reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.contract import (
    ANALYSED_CHARS,
    PaperRecord,
    analysed,
    each_alone,
    read_papers,
    read_product_facts,
    read_products,
)

LUNIT = {"id": "lunit-insight-cxr", "name": "Lunit INSIGHT CXR", "company": "Lunit Inc."}
LINKED = {"id": "PMID:2", "title": "Lunit INSIGHT CXR in the emergency department",
          "abstract": "Methods: Lunit INSIGHT CXR analysed 1,135 chest radiographs."}


def _line(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def _file(path: Path, lines: list[bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(end.join(lines) + end)
    return path


def _paper(n: int, **extra: object) -> bytes:
    return _line({"id": f"PMID:{n}", "title": f"Paper {n}", **extra})


# --- the reader -------------------------------------------------------------------------------

def test_invalid_utf8_is_reported_with_its_line_not_replaced(tmp_path: Path) -> None:
    papers = _file(tmp_path / "p.jsonl", [
        _paper(1), _paper(2).replace(b"Paper", b"Pa\xffper"), _paper(3)])
    items, problems = read_papers(papers)
    assert [p.id for p in items] == ["PMID:1", "PMID:3"]
    assert problems == [f"{papers}:2: not valid UTF-8 (byte 30 of the line)"]


def test_a_byte_order_mark_costs_nothing(tmp_path: Path) -> None:
    papers = _file(tmp_path / "p.jsonl", [b"\xef\xbb\xbf" + _paper(1), _paper(2)], end=b"\r\n")
    items, problems = read_papers(papers)
    assert [p.id for p in items] == ["PMID:1", "PMID:2"] and problems == []
    assert items[1].title == "Paper 2"  # the \r of a Windows line end is not part of the line


def test_lines_split_on_newline_only(tmp_path: Path) -> None:
    """U+2028, U+0085 and a bare CR are characters of a line (JSON allows the first two
    inside a string and a CR between tokens); line numbers count ``\\n`` only."""
    papers = _file(tmp_path / "p.jsonl", [
        _paper(1, abstract="First sentence.\u2028Second\u0085third."),
        b'{"id": "PMID:2",\r"title": "Paper 2"}',
        _paper(3, title="Lunit\u2029INSIGHT"),
        b"{not json",
        _paper(5),
    ])
    items, problems = read_papers(papers)
    assert [p.id for p in items] == ["PMID:1", "PMID:2", "PMID:3", "PMID:5"]
    assert items[0].abstract == "First sentence.\u2028Second\u0085third."
    assert [p.split(": ")[0] for p in problems] == [f"{papers}:4"]


def test_duplicate_ids_are_reported_and_the_first_wins(tmp_path: Path) -> None:
    papers = _file(tmp_path / "p.jsonl", [_paper(1), _paper(2), _paper(1, title="Again"),
                                          _line({"paper_id": "PMID:2", "title": "Export"})])
    items, problems = read_papers(papers)
    assert [(p.id, p.title) for p in items] == [("PMID:1", "Paper 1"), ("PMID:2", "Paper 2")]
    assert problems == [f"{papers}:3: duplicate id PMID:1 (the first, {papers}:1, is kept)",
                        f"{papers}:4: duplicate id PMID:2 (the first, {papers}:2, is kept)"]
    first = _file(tmp_path / "a.jsonl", [_line(LUNIT)])
    second = _file(tmp_path / "b.jsonl", [_line({**LUNIT, "name": "Other"}),
                                          _line({**LUNIT, "id": "x"})])
    catalog, problems = read_products([first, second])
    assert [(p.id, p.name) for p in catalog] == [("lunit-insight-cxr", "Lunit INSIGHT CXR"),
                                                 ("x", "Lunit INSIGHT CXR")]
    assert problems == [f"{second}:1: duplicate id lunit-insight-cxr (the first, {first}:1, "
                        "is kept)"]
    facts, problems = read_product_facts(_file(tmp_path / "f.jsonl", [_line(LUNIT)] * 2))
    assert len(facts) == 1 and len(problems) == 1 and "duplicate id" in problems[0]


@pytest.mark.parametrize(("line", "why"), [
    (b'{"id": "PMID:1", "title": NaN}', "not valid JSON (non-standard constant NaN)"),
    (b'{"id": "PMID:1", "title": "t", "year": -Infinity}',
     "not valid JSON (non-standard constant -Infinity)"),
    (b'{"id": "PMID:1", "title": "x\\ud800y"}',
     "not valid Unicode (an escaped lone surrogate such as \\ud800)"),
    (b"[" * 100_000, "not valid JSON (nested too deeply)"),
    (b'{"id": "PMID:1", "title": "t", "year": true}',
     "year: expected an integer, got a boolean"),
    (b'{"id": "PMID:1", "title": "t", "year": ' + b"9" * 5000 + b"}", "not valid JSON"),
], ids=["nan", "infinity", "surrogate", "nesting", "boolean-year", "5000-digit-number"])
def test_lines_that_are_not_plain_json_text_are_reported(tmp_path: Path, line: bytes,
                                                         why: str) -> None:
    papers = _file(tmp_path / "p.jsonl", [line, _paper(2)])
    items, problems = read_papers(papers)
    assert [p.id for p in items] == ["PMID:2"]
    assert len(problems) == 1 and problems[0].startswith(f"{papers}:1: {why}")


def test_the_analysed_text_is_capped_below_spacys_limit() -> None:
    assert ANALYSED_CHARS * 3 < 1_000_000  # prepare_text may triple a text ("a=b" -> "a = b")
    assert analysed("x" * 1_200_000) == "x" * ANALYSED_CHARS
    assert analysed("short") == "short"


# --- the commands -----------------------------------------------------------------------------

@pytest.fixture
def huge(tmp_path: Path) -> Path:
    """A paper with a 1.2-million-character abstract, then a valid paper that names a product."""
    abstract = ("Lunit INSIGHT CXR was used on chest radiographs. " * 30_000)[:1_200_000]
    return _file(tmp_path / "huge.jsonl", [_paper(1, abstract=abstract), _line(LINKED)])


@pytest.mark.slow  # a text of over a million characters through the linker
def test_link_file_reads_a_text_over_spacys_limit_and_the_lines_after_it(
        tmp_path: Path, huge: Path) -> None:
    products = _file(tmp_path / "products.jsonl", [_line(LUNIT)])
    out = tmp_path / "links.jsonl"
    result = CliRunner().invoke(app, ["link-file", "--products", str(products), "--papers",
                                      str(huge), "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 0, result.output
    linked = {json.loads(line)["paper_id"] for line in out.read_text().splitlines()}
    assert "PMID:2" in linked


@pytest.mark.slow  # a text of over a million characters through the grader
def test_classify_file_reads_a_text_over_spacys_limit_and_the_lines_after_it(
        tmp_path: Path, huge: Path) -> None:
    out = tmp_path / "grades.jsonl"
    result = CliRunner().invoke(app, ["classify-file", "--papers", str(huge), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["paper_id"] for line in out.read_text().splitlines()] == [
        "PMID:1", "PMID:2"]


def _problems(stderr: str, path: Path) -> dict[int, str]:
    return {int(line[len(f"{path}:"):].split(":")[0]): line for line in stderr.splitlines()
            if line.startswith(f"{path}:")}


def test_both_commands_read_and_report_lines_identically(tmp_path: Path) -> None:
    papers = _file(tmp_path / "p.jsonl", [
        _line(LINKED), _paper(2).replace(b"Paper", b"Pa\xffper"), _paper(3, abstract="One.\u2028Two."),
        _paper(4, affiliations=5), _line({**LINKED, "title": "Again"}), b"\xff", _paper(7)])
    products = _file(tmp_path / "products.jsonl", [
        _line(LUNIT), _line({**LUNIT, "id": "x", "aliases": 5}), _line(LUNIT)])
    runner = CliRunner()
    linked = runner.invoke(app, ["link-file", "--products", str(products), "--papers",
                                 str(papers), "--out", str(tmp_path / "l.jsonl"),
                                 "--no-embeddings"])
    graded = runner.invoke(app, ["classify-file", "--products", str(products), "--papers",
                                 str(papers), "--out", str(tmp_path / "g.jsonl")])
    assert linked.exit_code == graded.exit_code == 3, (linked.output, graded.output)
    for path, numbers in ((papers, {2, 4, 5, 6}), (products, {2, 3})):
        assert _problems(linked.stderr, path) == _problems(graded.stderr, path)
        assert set(_problems(linked.stderr, path)) == numbers
    grades = [json.loads(line) for line in (tmp_path / "g.jsonl").read_text().splitlines()]
    assert [g["paper_id"] for g in grades] == ["PMID:2", "PMID:3", "PMID:7"]


@pytest.mark.parametrize("command", ["link-file", "classify-file"])
def test_an_output_under_a_regular_file_is_one_line_and_exit_2(tmp_path: Path,
                                                               command: str) -> None:
    papers = _file(tmp_path / "p.jsonl", [_paper(1)])
    products = _file(tmp_path / "products.jsonl", [_line(LUNIT)])
    blocker = tmp_path / "file"
    blocker.write_text("a regular file\n")
    for out in (blocker / "x.jsonl", blocker / "sub" / "x.jsonl"):
        result = CliRunner().invoke(app, [command, "--papers", str(papers), "--products",
                                          str(products), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert len(result.stderr.strip().splitlines()) == 1 and str(blocker) in result.stderr
    assert blocker.read_text() == "a regular file\n"


def test_each_alone_costs_a_failing_item_only_and_raises_a_fault_of_all() -> None:
    def halve(batch: list[int]) -> list[float]:
        if 0 in batch or "x" in batch:
            raise ZeroDivisionError("division by zero")
        return [1 / n for n in batch]

    assert each_alone([1, 0, 4], halve, str) == ([(1, 1.0), (4, 0.25)],
                                                 ["0: ZeroDivisionError: division by zero"])
    assert each_alone([0], halve, str) == ([], ["0: ZeroDivisionError: division by zero"])
    with pytest.raises(ZeroDivisionError):
        each_alone([0, "x"], halve, str)  # type: ignore[list-item]


@pytest.mark.parametrize("command", ["link-file", "classify-file"])
def test_a_missing_or_unreadable_input_is_one_line_and_exit_2(tmp_path: Path,
                                                              command: str) -> None:
    papers = _file(tmp_path / "p.jsonl", [_paper(1)])
    products = _file(tmp_path / "products.jsonl", [_line(LUNIT)])
    for args in (["--papers", str(tmp_path / "missing.jsonl"), "--products", str(products)],
                 ["--papers", str(papers), "--products", str(tmp_path)]):
        result = CliRunner().invoke(app, [command, *args, "--out", str(tmp_path / "o.jsonl")])
        assert result.exit_code == 2, result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- tracker process --------------------------------------------------------------------------

def test_process_reports_and_skips_a_paper_that_fails(engine, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever breaks on one paper (here an injected error) costs that paper only: the
    other papers are linked and graded, and the report counts the failed one."""
    from sqlmodel import select

    from tracker.config import get_settings
    from tracker.db.engine import session
    from tracker.db.models import EvidenceGrade, LinkState, Publication
    from tracker.grading import pipeline
    from tracker.jobs.process import process_store
    from tracker.linking.candidates import CandidateFinder

    def breaks(papers: list[PaperRecord]) -> None:
        if any(p.title.startswith("Broken") for p in papers):
            raise RuntimeError("injected")

    one = CandidateFinder._one
    monkeypatch.setattr(CandidateFinder, "_one",
                        lambda self, p, *a: (breaks([p]), one(self, p, *a))[1])
    grade = pipeline.grade_papers
    monkeypatch.setattr(pipeline, "grade_papers", lambda ps, **kw: (breaks(ps), grade(ps, **kw))[1])
    with session(engine) as s:
        for n, title in enumerate(["Broken paper", "Chest radiographs read by AI", "Hip surgery"]):
            s.add(Publication(title=title, normalized_title=title.lower(), abstract="Methods.",
                              content_hash=str(n), source="test"))
        s.commit()
    report = process_store(engine, get_settings(data_dir=tmp_path / "data"),
                           steps=("link", "grade"))
    assert report.steps["link"]["failed"] == 1 and report.steps["grade"]["failed"] == 1
    assert report.steps["grade"]["graded"] == 2
    with session(engine) as s:
        titles = dict(s.exec(select(Publication.id, Publication.title)).all())
        linked = {titles[i] for i in s.exec(select(LinkState.publication_id)).all()}
        graded = {titles[i] for i in s.exec(select(EvidenceGrade.publication_id)).all()}
    assert linked == graded == {"Chest radiographs read by AI", "Hip surgery"}


def test_a_paper_the_linker_or_grader_fails_on_costs_only_that_paper(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown bug on one paper (here injected) is reported with the paper's id; the other
    papers are linked and graded, and the output is written."""
    from tracker.grading import grader
    from tracker.linking.linker import Linker

    real_link, real_grade = Linker.link, grader.grade_papers

    def link(self, papers, **kw):  # type: ignore[no-untyped-def]
        if any(p.id == "PMID:7" for p in papers):
            raise RuntimeError("linker bug")
        return real_link(self, papers, **kw)

    def grade(papers, **kw):  # type: ignore[no-untyped-def]
        if any(p.id == "PMID:8" for p in papers):
            raise RuntimeError("grader bug")
        return real_grade(papers, **kw)

    monkeypatch.setattr(Linker, "link", link)
    monkeypatch.setattr(grader, "grade_papers", grade)
    papers = _file(tmp_path / "p.jsonl", [_paper(7), _line(LINKED), _paper(8)])
    products = _file(tmp_path / "products.jsonl", [_line(LUNIT)])
    links = tmp_path / "links.jsonl"
    result = CliRunner().invoke(app, ["link-file", "--products", str(products), "--papers",
                                      str(papers), "--out", str(links), "--no-embeddings"])
    assert result.exit_code == 3 and "paper PMID:7: RuntimeError: linker bug" in result.output
    assert {json.loads(line)["paper_id"] for line in links.read_text().splitlines()} == {"PMID:2"}
    grades = tmp_path / "grades.jsonl"
    result = CliRunner().invoke(app, ["classify-file", "--papers", str(papers), "--out", str(grades)])
    assert result.exit_code == 3 and "paper PMID:8: RuntimeError: grader bug" in result.output
    assert [json.loads(line)["paper_id"] for line in grades.read_text().splitlines()] == [
        "PMID:7", "PMID:2"]
