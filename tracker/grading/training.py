"""Train the level classifier on labelled papers, with out-of-fold figures and calibration.

A labelled paper is a papers.jsonl line (docs/interfaces.md) with ``gold_level`` ("1t".."6" or
null) and optionally ``gold_features``. Confidence is calibrated by isotonic regression of
"was the call right" on the top class probability, both taken from out-of-fold predictions,
so the shipped figures never come from papers the model was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from tracker.contract import PaperRecord, read_numbered
from tracker.evidence.vocabulary import CLASSES, from_class, normalize_level, to_class
from tracker.grading.analysis import analyse
from tracker.grading.classifier import GradingModel
from tracker.grading.rules import RULE_FEATURES, hard_none, rule_features, rule_level

DEFAULT_PARAMS: dict[str, Any] = {"C": 0.5, "embed_scale": 2.0, "folds": 5, "seed": 13,
                                  "class_weight": None}


@dataclass
class Example:
    paper: PaperRecord
    level: str | None
    features: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    relevance: str | None = None  # gold relevance where labelled (tracker.nlp.relevance)


class LabelledPaper(PaperRecord):
    """A papers.jsonl line with its gold level (required; null: not a primary evaluation)
    and optionally its gold study features."""

    gold_level: str | None
    gold_features: dict[str, Any] | None = Field(default=None)
    gold_relevance: str | None = None

    @field_validator("gold_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> str | None:
        return normalize_level(value)


def read_labelled(paths: list[Path]) -> tuple[list[Example], list[str]]:
    """Labelled papers from JSONL files (read as every batch file is, ``tracker.contract``),
    and the problems of the lines that were skipped; a repeated paper id keeps the first."""
    examples: list[Example] = []
    problems: list[str] = []
    seen: set[str] = set()
    for path in paths:
        items, bad = read_numbered(path, LabelledPaper)
        problems += bad
        for number, item in items:
            if item.id in seen:
                problems.append(f"{path}:{number}: duplicate paper {item.id} (first kept)")
                continue
            seen.add(item.id)
            examples.append(Example(item, item.gold_level, item.gold_features or {},
                                    f"{Path(path).name}:{number}", item.gold_relevance))
    return examples, problems


def design(papers: list[PaperRecord], *, model_name: str, device: str = "auto",
           embeddings: Any = None) -> tuple[Any, list[list[float]]]:
    """Embeddings and rule-feature rows for papers."""
    rows = []
    for p in papers:
        pc = analyse(p)
        rows.append(rule_features(p, rule_level(p, pc), pc))
    if embeddings is None:
        from tracker.embeddings import Embedder

        embeddings = Embedder(model_name, device=device).embed([p.text for p in papers])
    return embeddings, rows


def _fit(X: Any, y: list[str], params: dict[str, Any]) -> tuple[list[str], Any, Any]:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=params["C"], max_iter=5000, class_weight=params["class_weight"])
    clf.fit(X, y)
    return list(clf.classes_), clf.coef_, clf.intercept_


def _proba(classes: list[str], coef: Any, intercept: Any, X: Any, order: list[str]) -> Any:
    import numpy as np

    if len(classes) == 2:  # scikit-learn's binary case keeps one row of coefficients
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    logits = X @ coef.T + intercept
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    out = np.zeros((X.shape[0], len(order)))
    for j, name in enumerate(classes):
        out[:, order.index(name)] = p[:, j]
    return out


def out_of_fold(X: Any, y: list[str], params: dict[str, Any]) -> tuple[Any, list[str]]:
    """Probabilities for every example from a model that never saw it (stratified folds)."""
    from collections import Counter

    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    order = [c for c in CLASSES if c in set(y)]
    folds = max(2, min(params["folds"], max(Counter(y).values())))
    probs = np.zeros((len(y), len(order)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=params["seed"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes smaller than the number of folds
        for train_idx, test_idx in splitter.split(X, y):
            classes, coef, intercept = _fit(X[train_idx], [y[i] for i in train_idx], params)
            probs[test_idx] = _proba(classes, coef, intercept, X[test_idx], order)
    return probs, order


def calibration_points(top: Any, correct: Any) -> dict[str, list[float]]:
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.05, y_max=0.99, out_of_bounds="clip")
    iso.fit(top, correct.astype(float))
    xs = [round(float(x), 4) for x in iso.X_thresholds_]
    ys = [round(float(v), 4) for v in iso.y_thresholds_]
    return {"x": xs, "y": ys}


def oof_levels(examples: list[Example], X: Any, params: dict[str, Any],
               rows: list[list[float]] | None = None) -> tuple[list[str | None], list[float]]:
    """Out-of-fold level calls and top probabilities; papers that are reviews or editorials
    by type or title (``hard_none`` on their ``rows``) are ``None`` as in grading."""
    import numpy as np

    y = [to_class(e.level) for e in examples]
    probs, order = out_of_fold(X, y, params)
    best = probs.argmax(axis=1)
    levels = [from_class(order[i]) for i in best]
    if rows is not None:
        levels = [None if hard_none(r) else lev for r, lev in zip(rows, levels, strict=True)]
    return levels, list(np.max(probs, axis=1))


def train(examples: list[Example], *, model_name: str = "all-MiniLM-L6-v2",
          device: str = "auto", params: dict[str, Any] | None = None,
          embeddings: Any = None, sources: list[dict[str, Any]] | None = None
          ) -> GradingModel:
    """Fit on every example; calibrate and report on out-of-fold predictions."""
    import numpy as np

    from tracker.grading.metrics import grading_figures

    params = {**DEFAULT_PARAMS, **(params or {})}
    papers = [e.paper for e in examples]
    emb, rows = design(papers, model_name=model_name, device=device, embeddings=embeddings)
    dim = int(np.asarray(emb).shape[1]) if len(papers) else 0
    shell = GradingModel(classes=[], coef=[], intercept=[], embedding_model=model_name,
                         embedding_dim=dim, rule_features=list(RULE_FEATURES),
                         embed_scale=params["embed_scale"])
    X = shell.design_matrix(emb, rows)
    y = [to_class(e.level) for e in examples]
    pred, top = oof_levels(examples, X, params, rows)
    correct = np.array([to_class(p) == g for p, g in zip(pred, y, strict=True)])
    figures = grading_figures([e.level for e in examples], pred)
    classes, coef, intercept = _fit(X, y, params)
    if len(classes) == 2:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    shell.classes = classes
    shell.coef = [[round(float(v), 5) for v in row] for row in coef]
    shell.intercept = [round(float(v), 5) for v in intercept]
    shell.calibration = calibration_points(np.array(top), correct)
    shell.cv = {"method": f"{params['folds']}-fold stratified cross-validation (out-of-fold)",
                "papers": len(examples), "accuracy": figures["accuracy"],
                "macro_f1": figures["macro_f1"], "bucket_accuracy": figures["bucket_accuracy"],
                "per_class": {c: y.count(c) for c in classes}}
    shell.trained_on = sources or []
    shell.params = {**params, "training_ids": sorted(p.id for p in papers)}
    shell.trained_at = datetime.now(UTC).isoformat(timespec="seconds")
    shell.version = f"grading-{shell.fingerprint()}"
    return shell


def default_example_files(data_dir: Path) -> list[Path]:
    """The project's labelled development set (when this is a source checkout) and the
    user's own files in ``DATA_DIR/labelled/*.jsonl``."""
    repo = Path(__file__).resolve().parents[2] / "tests" / "data" / "dev"
    files = sorted(repo.glob("papers_*.jsonl")) if repo.is_dir() else []
    return files + sorted((Path(data_dir) / "labelled").glob("*.jsonl"))


def example_keys(paper_id: str) -> set[str]:
    """The keys a paper id is matched on: ``PMID:n`` and ``DOI:x`` (case-insensitive) name the
    same paper in a labelled file and in the store; any other id only matches itself."""
    text = paper_id.strip().lower()
    return {text}


@dataclass
class LevelDecision:
    """A paper whose level a person set in review, as a training example."""

    example: Example
    publication_id: int
    keys: set[str]


def level_decisions(database_url: str) -> list[LevelDecision]:
    """Every paper whose level a person set (``tracker review grade``, the review queue, ``not
    relevant``: the latest decision per paper; a confirmation counts), with the keys it is
    matched on (``PMID:n``, ``DOI:x``, ``store:...``). An absent SQLite file has none."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and (not url.database or
                                               not Path(url.database).is_file()):
        return []
    from sqlalchemy import select

    from tracker.contract import paper_from_row
    from tracker.db.engine import open_store, session
    from tracker.db.models import Publication
    from tracker.evidence.overrides import load_decisions

    engine = open_store(database_url)
    out: list[LevelDecision] = []
    try:
        with session(engine) as s:
            decisions = load_decisions(s)
            decided = sorted(decisions.papers_decided("level"))
            for start in range(0, len(decided), 500):
                rows = s.execute(select(Publication).where(  # type: ignore[call-overload]
                    Publication.id.in_(decided[start:start + 500]))).scalars()  # type: ignore[union-attr]
                for row in rows:
                    found = decisions.latest[("grade", row.id, None, "level")]
                    paper = paper_from_row(row)
                    paper.id = f"store:{row.pmid or row.doi or row.id}"
                    keys = example_keys(paper.id)
                    if row.pmid:
                        keys.add(f"pmid:{row.pmid}".lower())
                    if row.doi:
                        keys.add(f"doi:{row.doi}".lower())
                    source = (f"override {found.override_id} of publication {row.id} "
                              f"by {found.author}")
                    out.append(LevelDecision(Example(paper, found.value, {}, source), row.id, keys))
    finally:
        engine.dispose()
    out.sort(key=lambda d: d.publication_id)
    return out


def examples_from_store(database_url: str, *, known: set[str]) -> list[Example]:
    """Papers whose level a person set in review, as examples, leaving out those already
    among the ``known`` example ids (matched as ``example_keys`` says)."""
    known_keys = {key for paper_id in known for key in example_keys(paper_id)}
    return [d.example for d in level_decisions(database_url) if not d.keys & known_keys]


def with_level_decisions(examples: list[Example], decisions: list[LevelDecision]
                         ) -> tuple[list[Example], dict[str, int]]:
    """The labelled examples with people's level decisions applied: an example whose paper a
    person decided takes that person's level (the paper's text stays the file's); a decided
    paper in no file is added. Returns the examples and the counts ``relabelled`` (the level
    changed), ``confirmed`` (the file already had it) and ``added``."""
    by_key: dict[str, LevelDecision] = {}
    for decision in decisions:
        for key in decision.keys:
            by_key.setdefault(key, decision)
    used: set[int] = set()
    out: list[Example] = []
    counts = {"relabelled": 0, "confirmed": 0, "added": 0}
    for example in examples:
        match = next((by_key[k] for k in sorted(example_keys(example.paper.id)) if k in by_key),
                     None)
        if match is None or match.publication_id in used:
            out.append(example)
            continue
        used.add(match.publication_id)
        level = match.example.level
        if level == example.level:
            counts["confirmed"] += 1
            out.append(example)
            continue
        counts["relabelled"] += 1
        out.append(Example(example.paper, level, example.features,
                           f"{example.source} relabelled {example.level or 'none'} -> "
                           f"{level or 'none'} by {match.example.source}"))
    for decision in decisions:
        if decision.publication_id not in used:
            used.add(decision.publication_id)
            counts["added"] += 1
            out.append(decision.example)
    return out, counts
