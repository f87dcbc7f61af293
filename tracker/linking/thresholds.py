"""The link threshold learnt from people's decisions (``tracker train linking``).

Data: every automatic link (``PaperProductLink``, with its score) on which a person decided,
accepted (``True``) or rejected (``False``) in review. Hand-made links have no score and
are not used.

Criterion: **maximum F1** over the decided links, a link being kept when
``score >= threshold``. Among cuts with the same F1 the one with the higher precision wins,
then the lower threshold. The threshold is placed half-way between the lowest kept score
and the highest score below it, so a new link scoring between two decided ones goes to the
nearer side; when the best cut keeps every decided link the threshold is the lowest decided
score (the decisions say nothing about scores below it).

The store holds only links that passed the linker's threshold at the time, so the decisions
can raise the threshold (reject more) but cannot show that a lower one would be better.

At least ``MIN_DECISIONS`` decisions, some accepted and some rejected, are needed; fewer
raise ``ValueError`` saying why. The fitted threshold is saved with its counts, figures and
date (its provenance) to ``DATA_DIR/models/link_threshold.json``; ``load_link_threshold``
reads it back (``None`` when nothing was fitted).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MIN_DECISIONS = 20
"""Decided links needed before a threshold is fitted."""

CRITERION = ("maximum F1 over decided automatic links (kept when score >= threshold); "
             "ties: higher precision, then lower threshold")


def link_threshold_path(data_dir: Path) -> Path:
    """Where the fitted threshold lives: ``DATA_DIR/models/link_threshold.json``."""
    return Path(data_dir) / "models" / "link_threshold.json"


def _figures(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def fit_link_threshold(pairs: list[tuple[float, bool]], *,
                       min_decisions: int = MIN_DECISIONS) -> dict[str, Any]:
    """The threshold that maximises F1 over ``(score, accepted)`` pairs (see the module
    docstring), with the counts, figures and date; ``ValueError`` when there are too few
    decisions or only one kind."""
    decided = [(float(score), bool(ok)) for score, ok in pairs]
    accepted = sum(1 for _, ok in decided if ok)
    rejected = len(decided) - accepted
    if len(decided) < min_decisions:
        raise ValueError(f"only {len(decided)} decided automatic links ({accepted} accepted, "
                         f"{rejected} rejected): at least {min_decisions} are needed to fit "
                         "a link threshold; decide more links in review first")
    if not accepted or not rejected:
        kind = "rejected" if not rejected else "accepted"
        raise ValueError(f"no {kind} links among the {len(decided)} decisions: a threshold "
                         "needs both accepted and rejected links to be placed between them")
    per_score: dict[float, list[int]] = {}  # score -> [accepted, rejected] at that score
    for score, ok in decided:
        per_score.setdefault(score, [0, 0])[0 if ok else 1] += 1
    scores = sorted(per_score)
    best: tuple[float, float, float, float, int, int, int] | None = None
    tp, fp = accepted, rejected  # the lowest cut keeps every decided link
    for index, cut in enumerate(scores):
        precision, recall, f1 = _figures(tp, fp, accepted - tp)
        threshold = cut if index == 0 else (cut + scores[index - 1]) / 2
        key = (round(f1, 9), round(precision, 9), -threshold, recall, tp, fp, accepted - tp)
        if best is None or key[:3] > best[:3]:
            best = key
        tp, fp = tp - per_score[cut][0], fp - per_score[cut][1]  # the next cut drops this score
    assert best is not None
    f1, precision, neg_threshold, recall, tp, fp, fn = best
    _, _, keep_all_f1 = _figures(accepted, rejected, 0)
    return {
        "threshold": -neg_threshold,
        "criterion": CRITERION,
        "decisions": len(decided),
        "accepted": accepted,
        "rejected": rejected,
        "kept": tp + fp,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "keep_all_f1": round(keep_all_f1, 4),
        "lowest_score": scores[0],
        "highest_score": scores[-1],
        "min_decisions": min_decisions,
        "fitted_at": datetime.now(UTC).date().isoformat(),
    }


def save_link_threshold(data_dir: Path, fitted: dict[str, Any]) -> Path:
    """Write a fitted threshold (``fit_link_threshold``'s dict) atomically; returns the path."""
    from tracker.contract import atomic_writer

    if not isinstance(fitted.get("threshold"), int | float):
        raise ValueError("a fitted link threshold needs a numeric 'threshold'")
    path = link_threshold_path(data_dir)
    with atomic_writer(path) as handle:
        handle.write(json.dumps(fitted, indent=2, ensure_ascii=False) + "\n")
    return path


def load_link_threshold(data_dir: Path) -> float | None:
    """The fitted threshold, or ``None`` when none was saved; ``ValueError`` naming the file
    when it exists but cannot be read (refit it or delete it)."""
    path = link_threshold_path(data_dir)
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))["threshold"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a fitted link threshold ({exc}); run "
                         "`tracker train linking` again or delete the file") from exc
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{path}: threshold {value!r} is not a number between 0 and 1; run "
                         "`tracker train linking` again or delete the file")
    return float(value)


def decided_link_pairs(session: Session) -> list[tuple[float, bool]]:
    """``(score, accepted)`` of every automatic link on which a person's latest decision
    accepts or rejects the pair (what ``fit_link_threshold`` learns from)."""
    from sqlalchemy import select

    from tracker.db.models import PaperProductLink
    from tracker.evidence.overrides import load_decisions

    decisions = load_decisions(session)
    decided = dict.fromkeys(decisions.rejected_links(), False)
    decided.update(dict.fromkeys(decisions.accepted_links(), True))
    if not decided:
        return []
    rows = session.execute(select(PaperProductLink.publication_id,  # type: ignore[call-overload]
                                  PaperProductLink.product_id, PaperProductLink.score))
    return [(float(score), decided[(pub, prod)]) for pub, prod, score in rows
            if (pub, prod) in decided]


def active_link_threshold(data_dir: Path) -> float:
    """The fitted threshold when there is one, else the linker's built-in ``LINK_THRESHOLD``."""
    fitted = load_link_threshold(data_dir)
    if fitted is not None:
        return fitted
    from tracker.linking.linker import LINK_THRESHOLD

    return LINK_THRESHOLD
