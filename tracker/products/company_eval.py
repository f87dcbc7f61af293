"""The company batch files (docs/interfaces.md): names to resolve, and labelled names to
measure the resolver on (``tracker resolve-companies``, ``tracker eval companies``).

Lines are read by the batch contract (``tracker.contract``): a bad line is reported as
``<file>:<line>: <why>`` and skipped. Scores are over pairs of distinct names: a pair is a
gold pair when both names carry the same ``gold_company`` label, a predicted pair when both
get the same ``company_key``; a false merge is a predicted pair that is not a gold pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from tracker.contract import Record, RequiredText, read_numbered
from tracker.products.company_keys import Resolution, resolve_companies


def _optional_id(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and not value.strip():
        return None
    return value


class CompanyNameRecord(Record):
    """A line of names.jsonl: ``name`` required, ``id`` optional (echoed back)."""

    id: Annotated[str | None, BeforeValidator(_optional_id)] = None
    name: RequiredText = Field(validation_alias="name")


class GoldCompanyRecord(Record):
    """A labelled line: ``name`` and ``gold_company`` (a cluster label) required."""

    name: RequiredText
    gold_company: RequiredText


def read_names(path: Path) -> tuple[list[CompanyNameRecord], list[str]]:
    items, problems = read_numbered(path, CompanyNameRecord)
    return [item for _, item in items], problems


def resolve_rows(items: Sequence[CompanyNameRecord]) -> list[dict[str, Any]]:
    """One output row per input line, in input order."""
    resolved = resolve_companies(item.name for item in items)
    return [{"id": item.id, "name": item.name, "company_key": resolved[item.name].company_key,
             "company": resolved[item.name].company} for item in items]


def _pairs(groups: Iterable[list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for names in groups:
        out.update(combinations(sorted(set(names)), 2))
    return out


def read_gold(paths: Sequence[Path]) -> tuple[dict[str, str], list[str]]:
    """name -> gold label over one or more files; a name labelled twice differently is a
    problem (its later line is skipped)."""
    gold: dict[str, str] = {}
    problems: list[str] = []
    for path in paths:
        items, bad = read_numbered(path, GoldCompanyRecord)
        problems += bad
        for number, item in items:
            if gold.setdefault(item.name, item.gold_company) != item.gold_company:
                problems.append(f"{path}:{number}: {item.name!r} is already labelled "
                                f"{gold[item.name]!r}")
    return gold, problems


def evaluate_companies(gold: dict[str, str]) -> dict[str, Any]:
    """Pair precision, recall and F1 of ``resolve_companies`` on labelled names, with the
    false merges (predicted pairs of different gold companies) and the missed pairs."""
    resolved = resolve_companies(gold)
    by_gold: dict[str, list[str]] = defaultdict(list)
    by_key: dict[str, list[str]] = defaultdict(list)
    for name, label in gold.items():
        by_gold[label].append(name)
        by_key[resolved[name].company_key].append(name)
    gold_pairs, predicted = _pairs(by_gold.values()), _pairs(by_key.values())
    hits = len(gold_pairs & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(gold_pairs) if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def pair(a: str, b: str) -> dict[str, Any]:
        ra, rb = resolved[a], resolved[b]
        return {"a": a, "b": b, "gold_a": gold[a], "gold_b": gold[b], "company_a": ra.company,
                "company_b": rb.company, "rules": sorted(set(ra.rules) | set(rb.rules))}

    return {
        "names": len(gold), "gold_companies": len(by_gold), "predicted_companies": len(by_key),
        "gold_pairs": len(gold_pairs), "predicted_pairs": len(predicted),
        "precision": precision, "recall": recall, "f1": f1,
        "false_merges": [pair(a, b) for a, b in sorted(predicted - gold_pairs)],
        "missed": [pair(a, b) for a, b in sorted(gold_pairs - predicted)],
    }


__all__ = ["CompanyNameRecord", "GoldCompanyRecord", "Resolution", "evaluate_companies",
           "read_gold", "read_names", "resolve_rows"]
