"""Clinical tasks: what a product is for ("large vessel occlusion", "lung nodules"), read from
what its sources name it and its registrations.

The stored ``Product.findings`` hold what device names state in parentheses or after a colon
(rule F1 of ``tracker.products.taxonomy``), which is often a version or a code ("VA41",
"CON-001"). Analysts compare products by task ("every LVO product"), so the task is its own
rule: a fixed vocabulary of the tasks radiology AI products are cleared for, each with the
words and abbreviations that name it. A product has a task when one of its texts (its name,
its display name, its description, the device names of its registrations, its stated
findings) contains one of the task's patterns as whole words. Each match keeps the text and
field it was found in (the provenance of the task).

Rule ids: ``K1`` a pattern in the product's own name or description; ``K2`` in a
registration's device name; ``K3`` in a stated finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Product, Registration
from tracker.store.universe import counted


@dataclass(frozen=True)
class Task:
    label: str
    patterns: tuple[str, ...]
    """Regular expressions, matched case-insensitively as whole words."""
    case_sensitive: tuple[str, ...] = ()
    """Abbreviations that only count in capitals ("PE", "ICH", "LVO")."""


TASKS: tuple[Task, ...] = (
    Task("Large vessel occlusion (LVO)", (r"large[- ]vessel occlusions?", r"vessel occlusions?"),
         (r"LVO",)),
    Task("Intracranial haemorrhage (ICH)",
         (r"intra-?cranial h(a)?emorrhages?", r"brain h(a)?emorrhages?", r"brain bleeds?",
          r"intracranial bleeds?", r"subdural h(a)?ematomas?"), (r"ICH",)),
    Task("Ischaemic stroke and perfusion",
         (r"ischa?emic stroke", r"stroke", r"perfusion", r"ASPECTS", r"(cerebral|brain) infarct\w*",
          r"core volume", r"penumbra"), (r"CTP",)),
    Task("Brain volumetry and neurodegeneration",
         (r"brain volum\w*", r"atrophy", r"neuro ?quant\w*", r"multiple sclerosis",
          r"white matter", r"dementia", r"alzheimer\w*", r"amyloid", r"hippocamp\w*"),
         (r"MS lesions?",)),
    Task("Intracranial aneurysm", (r"(intra-?cranial |cerebral )aneurysms?",)),
    Task("Pulmonary embolism (PE)", (r"pulmonary embol\w*",), (r"i?PE", r"CTPA")),
    Task("Aortic disease (dissection, aneurysm)",
         (r"aortic dissections?", r"aortic aneurysms?", r"acute aortic syndromes?",
          r"abdominal aortic", r"aorta"), (r"AAA", r"AAS")),
    Task("Lung nodules and lung cancer",
         (r"(lung|pulmonary) nodules?", r"lung cancer", r"lung screening",
          r"low[- ]dose CT"), (r"LCS", r"LDCT")),
    Task("Chest X-ray findings",
         (r"chest x-?rays?", r"chest radiograph\w*", r"CXR", r"pneumonia", r"consolidation"),),
    Task("Pneumothorax", (r"pneumothora(x|ces)",), (r"PTX",)),
    Task("Pleural effusion", (r"pleural effusions?",)),
    Task("Pneumoperitoneum (free air)", (r"pneumoperitoneum", r"free air")),
    Task("Lines and tubes", (r"endotracheal tubes?", r"nasogastric tubes?", r"enteric tubes?",
                             r"central (venous )?(line|catheter)s?", r"tube position\w*"), (r"ETT",)),
    Task("Tuberculosis", (r"tuberculosis",), (r"TB",)),
    Task("COVID-19", (r"covid(-?19)?", r"sars-cov-2")),
    Task("Fractures",
         (r"fractures?", r"rib ?fx", r"fracture ?detect\w*"), (r"Fx", r"FX")),
    Task("Vertebral compression fractures", (r"vertebral compression fractures?",),
         (r"VCF",)),
    Task("Cervical spine fracture", (r"c-spine", r"cervical spine fractures?")),
    Task("Spine and scoliosis", (r"spine", r"spinal", r"scoliosis", r"lumbar", r"vertebra\w*")),
    Task("Bone age and bone density",
         (r"bone age", r"bone (mineral )?density", r"osteoporo\w*", r"bone health"), (r"BMD",)),
    Task("Knee, hip and joints",
         (r"osteoarthritis", r"knee", r"hip", r"shoulder", r"joint", r"cartilage", r"arthroplast\w*")),
    Task("Breast cancer (mammography, tomosynthesis)",
         (r"breast", r"mammo\w*", r"tomosynthesis"), (r"DBT", r"MMG")),
    Task("Breast density", (r"breast density", r"mammographic density", r"breast composition"),),
    Task("Prostate", (r"prostat\w*",), (r"PI-RADS",)),
    Task("Liver", (r"liver", r"hepat\w*", r"steatosis")),
    Task("Kidney", (r"kidney", r"renal")),
    Task("Coronary artery disease",
         (r"coronary", r"calcium scor\w*", r"plaque", r"fractional flow reserve"),
         (r"CAC", r"FFR", r"FFRct", r"CCTA")),
    Task("Cardiac function and structure",
         (r"cardiac", r"heart", r"ventric\w*", r"ejection fraction", r"echocardiograph\w*",
          r"myocard\w*", r"cardiothoracic ratio"), (r"LVEF", r"CMR", r"TAVR", r"iCTR")),
    Task("Thyroid", (r"thyroid",)),
    Task("Colon and colorectal", (r"colon\w*", r"colorectal", r"polyps?")),
    Task("Dental and maxillofacial",
         (r"dental", r"caries", r"periapical", r"tooth", r"teeth", r"cephalometr\w*",
          r"panoramic", r"maxillofacial")),
    Task("Fetal and obstetric ultrasound", (r"fetal", r"fetus", r"obstetric\w*", r"prenatal")),
    Task("Radiotherapy contouring and planning",
         (r"contour\w*", r"organs? at risk", r"radiotherapy", r"radiation therapy",
          r"treatment planning", r"auto-?segment\w*"), (r"OAR", r"RT")),
    Task("Image reconstruction and denoising",
         (r"reconstruct\w*", r"denois\w*", r"noise reduction", r"super[- ]resolution",
          r"image enhancement", r"deep learning image"), (r"DLIR", r"DLR")),
    Task("Oncology response (lesion tracking)",
         (r"lesion tracking", r"tumou?r (burden|response|volume)", r"metasta\w*", r"oncolog\w*"),
         (r"RECIST",)),
    Task("Head CT findings (multi-finding triage)", (r"head ct", r"non-?contrast ct of the head"),
         (r"NCCT", r"CTB")),
)
"""The vocabulary, in display order. Broad tasks (spine, joints, cardiac) come after the
specific ones they contain, so a catalogue lists "Vertebral compression fractures" as well
as "Fractures" for CINA-VCF."""


@dataclass(frozen=True)
class TaskMatch:
    label: str
    rule: str
    """K1 (own name or description), K2 (a registration's device name), K3 (stated finding)."""
    field: str
    text: str
    """The words that matched."""


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[Task, re.Pattern[str], re.Pattern[str] | None], ...]:
    out = []
    for task in TASKS:
        folded = re.compile(r"(?<![\w])(?:" + "|".join(task.patterns) + r")(?![\w])",
                            re.IGNORECASE)
        exact = (re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(task.case_sensitive)
                            + r")(?![A-Za-z0-9])") if task.case_sensitive else None)
        out.append((task, folded, exact))
    return tuple(out)


FIELD_RULES = {"name": "K1", "display_name": "K1", "description": "K1",
               "device_name": "K2", "finding": "K3"}


def match_tasks(texts: Iterable[tuple[str, str]]) -> list[TaskMatch]:
    """Tasks named in ``(field, text)`` pairs, one match per task (the first field that names
    it, in the order given), in vocabulary order. ``field`` is one of ``FIELD_RULES``."""
    found: dict[str, TaskMatch] = {}
    items = [(f, " ".join(t.split())) for f, t in texts if t and t.strip()]
    for task, folded, exact in _compiled():
        for field_name, text in items:
            hit = folded.search(text) or (exact.search(text) if exact else None)
            if hit:
                found[task.label] = TaskMatch(task.label, FIELD_RULES.get(field_name, "K1"),
                                              field_name, hit.group(0))
                break
    order = {task.label: i for i, task in enumerate(TASKS)}
    return sorted(found.values(), key=lambda m: order[m.label])


def task_labels(texts: Iterable[tuple[str, str]]) -> list[str]:
    return [m.label for m in match_tasks(texts)]


# ---- a store's products ------------------------------------------------------------------

def findings_list(value: Any) -> list[str]:
    """A stored ``Product.findings`` value as a list of non-empty strings (a JSON column of
    scraped text: anything else in it is dropped)."""
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def device_names_by_product(session: Session) -> dict[int, list[str]]:
    """Per product: the distinct device names of its registrations, sorted (what its tasks
    are read from besides its own names)."""
    names: dict[int, list[str]] = {}
    rows = session.execute(select(Registration.product_id, Registration.device_name)  # type: ignore[call-overload]
                           .where(Registration.product_id.is_not(None))  # type: ignore[union-attr]
                           .distinct())
    for product_id, device_name in rows:
        if device_name:
            names.setdefault(product_id, []).append(device_name)
    return {pid: sorted(found) for pid, found in names.items()}


def tasks_of(name: str, display: str, device_names: list[str], findings: list[str]) -> list[TaskMatch]:
    """One product's tasks from its name, display name, device names and stated findings."""
    return match_tasks([("name", name), ("display_name", display),
                        *(("device_name", d) for d in device_names),
                        *(("finding", f) for f in findings)])


def product_tasks(session: Session, *, include_systems: bool = False) -> dict[int, list[TaskMatch]]:
    """Each counted product's clinical tasks with why (imaging systems too with
    ``include_systems``)."""
    device_names = device_names_by_product(session)
    query = select(Product.id, Product.name, Product.display_name, Product.findings  # type: ignore[call-overload]
                   ).where(counted(include_systems))
    return {pid: tasks_of(name, display or "", device_names.get(pid, []), findings_list(findings))
            for pid, name, display, findings in session.execute(query)}


def describe_matches(matches: Iterable[TaskMatch]) -> str:
    """``task: rule field 'words'`` for each match, ';'-separated (the export's provenance)."""
    return "; ".join(f"{m.label}: {m.rule} {m.field} '{m.text}'" for m in matches)
