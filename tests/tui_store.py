"""A small fixed store for the TUI and view tests: real company names and market events of
docs/domain.md, composed registrations, papers, links and grades (no clock-dependent values)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from tracker.db.engine import session
from tracker.db.models import (
    Company,
    CompanyEvent,
    CrawlRun,
    EvidenceGrade,
    NewsItem,
    PaperProductLink,
    Product,
    Publication,
    Registration,
    SourceRun,
)

FIXED = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
MARKUP_TITLE = "[bold]Deep[/] learning for [red]lung[/red] nodules: a [link=x]test[/link]"

COMPANIES = ["RadNet", "DeepHealth", "Aidence", "Quantib", "Lunit", "Volpara Health",
             "Gleamer", "Pixyl", "iSchemaView", "Behold.ai"]
PRODUCTS = [  # slug, name, company, modality, subspecialty
    ("veye-lung-nodules", "Veye Lung Nodules", "Aidence", "CT", "Chest"),
    ("quantib-prostate", "Quantib Prostate", "Quantib", "MR", "Abdomen"),
    ("lunit-insight-cxr", "Lunit INSIGHT CXR", "Lunit", "X-ray", "Chest"),
    ("lunit-insight-mmg", "Lunit INSIGHT MMG", "Lunit", "Mammography", "Breast"),
    ("volpara-density", "Volpara Density", "Volpara Health", "Mammography", "Breast"),
    ("gleamer-boneview", "BoneView", "Gleamer", "X-ray", "MSK"),
    ("pixyl-neuro", "Pixyl.Neuro", "Pixyl", "MR", "Neuro"),
    ("rapid-lvo", "Rapid LVO", "iSchemaView", "CT", "Neuro"),
    ("red-dot", "red dot", "Behold.ai", "X-ray", "Chest"),
]
REGISTRATIONS = [  # regulator, kind, number, product slug, date, ce class
    ("FDA", "510(k)", "K200001", "lunit-insight-cxr", date(2020, 3, 2), None),
    ("FDA", "510(k)", "K210002", "lunit-insight-mmg", date(2021, 11, 17), None),
    ("FDA", "De Novo", "DEN180005", "rapid-lvo", date(2018, 2, 13), None),
    ("FDA", "510(k)", "K190003", "volpara-density", date(2019, 6, 1), None),
    ("FDA", "510(k)", "K220004", "gleamer-boneview", date(2022, 3, 1), None),
    ("EU", "EUDAMED certificate", "CE-AID-1", "veye-lung-nodules", date(2018, 9, 1), "IIb"),
    ("EU", "EUDAMED certificate", "CE-QNT-1", "quantib-prostate", date(2019, 5, 1), "IIa"),
    ("EU", "EUDAMED certificate", "CE-LUN-1", "lunit-insight-cxr", date(2019, 10, 1), "IIb"),
    ("EU", "EUDAMED certificate", "CE-PIX-1", "pixyl-neuro", date(2020, 1, 10), "IIa"),
    ("EU", "EUDAMED certificate", "CE-BHL-1", "red-dot", date(2020, 7, 1), "IIa"),
    ("EU", "EUDAMED certificate", "CE-GLM-1", "gleamer-boneview", date(2020, 2, 1), "IIa"),
]
EVENTS = [  # type, acquirer (counterparty), target (company), date, url
    ("acquisition", "RadNet", "DeepHealth", date(2020, 3, 1), "https://theimagingwire.com/"),
    ("acquisition", "DeepHealth", "Aidence", date(2022, 1, 24), "https://www.auntminnie.com/"),
    ("acquisition", "DeepHealth", "Quantib", date(2022, 1, 24), "https://www.auntminnie.com/"),
    ("acquisition", "Lunit", "Volpara Health", date(2024, 5, 1), "https://example.org/lunit"),
    ("acquisition", "Gleamer", "Pixyl", date(2025, 1, 10), "https://example.org/gleamer"),
    ("closure", "Behold.ai", None, date(2025, 1, 5), "https://example.org/behold"),
]
PAPERS = [  # title, year, journal, level, vi, prospective, product slugs, link score, confidence
    ("Veye Lung Nodules in lung cancer screening: a reader study", 2021, "Eur Radiol",
     "3", True, True, ["veye-lung-nodules"], 0.95, 0.9),
    ("Volumetry agreement of Veye Lung Nodules", 2020, "Radiology", "1c", False, False,
     ["veye-lung-nodules"], 0.91, 0.85),
    (MARKUP_TITLE, 2022, "Insights Imaging", "2", True, False, ["veye-lung-nodules"], 0.45, 0.4),
    ("Lunit INSIGHT CXR standalone accuracy on chest radiographs", 2020, "Radiology", "2",
     False, False, ["lunit-insight-cxr"], 0.97, 0.92),
    ("Lunit INSIGHT MMG in breast screening: a prospective study", 2023, "Lancet Digit Health",
     "4", True, True, ["lunit-insight-mmg"], 0.93, 0.88),
    ("Head-to-head comparison of CXR AI products", 2022, "Eur Radiol", "2", True, False,
     ["lunit-insight-cxr", "red-dot"], 0.8, 0.5),
    ("Cost-effectiveness of AI triage for large vessel occlusion", 2023, "Stroke", "6", True,
     False, ["rapid-lvo"], 0.9, 0.7),
    ("BoneView fracture detection: multicentre reader study", 2021, "Radiology", "3", True,
     True, ["gleamer-boneview"], 0.96, 0.95),
    ("Reproducibility of Pixyl.Neuro lesion segmentation", 2021, "Neuroradiology", "1t", False,
     False, ["pixyl-neuro"], 0.55, 0.45),
    ("Artificial intelligence in radiology: a review", 2022, "Eur J Radiol", None, None, None,
     ["veye-lung-nodules"], 0.3, 0.9),
]


def build_store(engine: Engine) -> dict[str, Any]:
    """Fill an empty store; returns ids by name/slug/title for the tests."""
    ids: dict[str, Any] = {}
    with session(engine) as s:
        for name in COMPANIES:
            c = Company(name=name, normalized_name=name.lower(), source="test", created_at=FIXED)
            s.add(c)
            s.flush()
            ids[name] = c.id
        for slug, name, company, modality, sub in PRODUCTS:
            p = Product(slug=slug, company_id=ids[company], name=name, normalized_name=name.lower(),
                        modality=modality, subspecialty=sub, source="test",
                        source_url=f"https://example.org/products/{slug}", created_at=FIXED)
            s.add(p)
            s.flush()
            ids[slug] = p.id
        for reg, kind, number, slug, when, ce in REGISTRATIONS:
            s.add(Registration(source="test", fetched_at=FIXED, regulator=reg, kind=kind,
                               number=number, device_name=slug, applicant="x",
                               product_id=ids[slug], company_id=None, decision_date=when,
                               ce_class=ce, source_url=f"https://example.org/reg/{number}"))
        for n, (kind, acquirer, target, when, url) in enumerate(EVENTS):
            # market convention: ``company`` is the target, ``counterparty`` the acquirer
            s.add(CompanyEvent(event_type=kind, company_id=ids[target or acquirer],
                               counterparty_id=ids[acquirer] if target else None, event_date=when,
                               status="completed", origin="seed", natural_key=f"seed-{n}",
                               source="seed", source_url=url, fetched_at=FIXED))
        for n, (title, year, journal, level, vi, pro, slugs, score, conf) in enumerate(PAPERS):
            pub = Publication(pmid=str(30000000 + n), title=title, normalized_title=title.lower(),
                              abstract=f"Abstract of paper {n} about {' and '.join(slugs)}.",
                              year=year, journal=journal, source="test", fetched_at=FIXED,
                              created_at=FIXED, updated_at=FIXED,
                              authors=[{"name": f"Author {n}"}])
            s.add(pub)
            s.flush()
            ids[title] = pub.id
            for slug in slugs:
                s.add(PaperProductLink(publication_id=pub.id, product_id=ids[slug], score=score,
                                       method="mention+embedding", created_at=FIXED,
                                       evidence=f"We evaluated {slug} in {year}."))
            s.add(EvidenceGrade(publication_id=pub.id, level=level, confidence=conf,
                                prospective=pro, vendor_independent=vi, multicentre=pro,
                                cues=["AUC"] if level == "2" else [], created_at=FIXED))
        s.add(NewsItem(source="test", fetched_at=FIXED, url="https://www.auntminnie.com/radnet",
                       title="RadNet acquires Aidence and Quantib", publisher="AuntMinnie",
                       published=datetime(2022, 1, 24, tzinfo=UTC)))
        run = CrawlRun(kind="nightly", status="partial", started_at=FIXED,
                       finished_at=datetime(2025, 1, 15, 3, 12, 30, tzinfo=UTC))
        s.add(run)
        s.flush()
        ids["run"] = run.id
        s.add(SourceRun(run_id=run.id, source="fda_list", status="ok", requests=3, items_new=12,
                        started_at=FIXED, finished_at=FIXED))
        s.add(SourceRun(run_id=run.id, source="pubmed", status="failed", requests=40, items_new=5,
                        errors=2, error_text="HTTP 429 [Too Many Requests] after 4 retries",
                        started_at=FIXED, finished_at=FIXED))
        s.commit()
    return ids
