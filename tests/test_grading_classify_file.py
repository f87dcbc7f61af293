"""``tracker classify-file`` follows docs/interfaces.md: bad lines reported and skipped, exit 3,
every valid result written atomically; and ``tracker train grading`` writes a usable model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DEV = Path(__file__).parent / "data" / "dev"
REQUIRED = {"paper_id", "level", "confidence", "prospective", "multicentre", "multinational",
            "vendor_independent", "reader_study", "rct", "cues", "bucket"}


def _tracker(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from tracker.cli import main; sys.argv = ['tracker', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def _dev_lines(n: int) -> list[str]:
    return (DEV / "papers_b.jsonl").read_text(encoding="utf-8").splitlines()[:n]


def test_bad_lines_are_reported_skipped_and_valid_ones_written(tmp_path: Path) -> None:
    good = _dev_lines(3)
    lines = [good[0], "{not json", good[1], json.dumps({"id": "x", "abstract": "no title"}), "",
             good[2]]
    papers = tmp_path / "papers.jsonl"
    papers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "grades.jsonl"
    out.parent.mkdir()
    out.write_text("stale content that must be replaced\n")
    result = _tracker("classify-file", "--papers", str(papers), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert f"{papers}:2:" in result.stderr and f"{papers}:4:" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["paper_id"] for r in rows] == [json.loads(g)["id"] for g in good]
    for row in rows:
        assert set(row) >= REQUIRED
        assert row["level"] in (None, "1t", "1c", "2", "3", "4", "5", "6")
        assert 0.0 <= row["confidence"] <= 1.0
    assert sorted(p.name for p in out.parent.iterdir()) == ["grades.jsonl"]  # no temp left


def test_clean_file_exits_zero_and_products_name_the_vendor(tmp_path: Path) -> None:
    paper = {"id": "PMID:1", "title": "Standalone accuracy of Acme ChestScan on radiographs",
             "abstract": "Retrospective single-centre study of 1 234 chest radiographs. "
                         "Sensitivity was 91% and specificity 88%.",
             "affiliations": ["Department of Radiology, City Hospital, Utrecht, the Netherlands",
                              "Acme Imaging, Utrecht, the Netherlands"]}
    product = {"id": "acme-chestscan", "name": "ChestScan", "company": "Acme Imaging B.V.",
               "company_aliases": ["Acme Imaging"]}
    (tmp_path / "p.jsonl").write_text(json.dumps(paper) + "\n")
    (tmp_path / "products.jsonl").write_text(json.dumps(product) + "\n")
    out = tmp_path / "e.jsonl"
    result = _tracker("classify-file", "--papers", "p.jsonl", "--out", str(out), "--products",
                      "products.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    row = json.loads(out.read_text())
    assert row["level"] == "2" and row["bucket"] == "technical"
    assert row["vendor_independent"] is False
    assert row["prospective"] is False and row["multicentre"] is False
    assert row["sample_size"] == 1234


@pytest.mark.slow  # trains a grading model end to end
def test_train_grading_writes_a_model_that_classify_file_uses(tmp_path: Path) -> None:
    examples = tmp_path / "labelled.jsonl"
    examples.write_text("\n".join(_dev_lines(40)) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    env_args = ("--examples", str(examples), "--no-store")
    code = ("import os, sys; os.environ['TRACKER_DATA_DIR'] = sys.argv[1]; "
            "from tracker.cli import main; sys.argv = ['tracker', *sys.argv[2:]]; main()")
    result = subprocess.run([sys.executable, "-c", code, str(data), "train", "grading", *env_args],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    model_file = data / "models" / "grading_model.json"
    model = json.loads(model_file.read_text())
    assert model["cv"]["papers"] == 40 and "out-of-fold" in model["cv"]["method"]
    assert len(model["params"]["training_ids"]) == 40
    assert "out-of-fold accuracy" in result.stdout
    (tmp_path / "p.jsonl").write_text(_dev_lines(1)[0] + "\n")
    result = subprocess.run([sys.executable, "-c", code, str(data), "classify-file", "--papers",
                             "p.jsonl", "--out", "e.jsonl"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "e.jsonl").read_text())["model_version"].startswith(
        model["version"] + "+")
