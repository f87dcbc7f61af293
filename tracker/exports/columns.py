"""The columns of every export kind: name, JSON type, description. Fields may be added,
never renamed or removed (analysts' spreadsheets depend on them)."""

from __future__ import annotations

from typing import Any

S, I, N, B = "string", "integer", "number", "boolean"  # noqa: E741

Column = tuple[str, str, bool, str]  # name, type, nullable, description

KINDS: dict[str, list[Column]] = {
    "products": [
        ("product_id", S, False, "stable product slug"),
        ("product", S, False, "product name as registered or entered"),
        ("company", S, False, "the brand (company) the product belongs to"),
        ("owner", S, False, "ultimate parent of the company today (from market events)"),
        ("modality", S, True, "imaging modalities the product works on, ';'-separated"),
        ("subspecialty", S, True, "subspecialty, where known"),
        ("fda_numbers", S, False, "FDA submission numbers, ';'-separated"),
        ("ce_marked", B, False, "an EUDAMED record exists"),
        ("first_registration", S, True, "earliest decision date (ISO 8601)"),
        ("last_registration", S, True, "latest decision date (ISO 8601)"),
        ("registrations", I, False, "number of regulatory records"),
        ("papers", I, False, "papers linked to the product (overrides applied)"),
        ("highest_level", S, True, "highest efficacy level among linked papers"),
        ("source", S, False, "record that put the product in the store"),
        ("source_url", S, False, "URL of that record"),
        ("aliases", S, False, "other names of the product, ';'-separated"),
        ("description", S, True, "intended use, where known"),
        ("display_name", S, False, "the name shown in lists, unique over the store"),
        ("kind", S, False, "software (standalone AI software) or imaging-system (a scanner or "
                           "other imaging device whose AI is a feature of the device)"),
        ("kind_reason", S, False, "the rule that decided the kind"),
        ("product_type", S, True, "triage/notification, detection, diagnosis/characterisation, "
                                  "quantification, segmentation/contouring/planning, "
                                  "reconstruction/enhancement, workflow/reporting, comprehensive or platform"),
        ("findings_count", I, True, "number of findings its sources state it covers"),
        ("findings", S, False, "the findings its sources state, ';'-separated"),
        ("tasks", S, False, "its clinical tasks (tracker.products.tasks vocabulary), ';'-separated"),
        ("task_sources", S, False, "why each task: 'task: rule field 'words'' (K1 own name, "
                                   "K2 a registration's device name, K3 a stated finding), ';'-separated"),
        ("family", S, True, "the vendor's product line it belongs to"),
        ("platforms", S, False, "platforms and marketplaces that carry it, ';'-separated"),
        ("composed", B, False, "every record behind it was composed for the recorded snapshot, "
                               "none recorded from a real source"),
        ("taxonomy_sources", S, False, "why each value: 'field: rule (source)', ';'-separated"),
    ],
    "companies": [
        ("company_id", I, False, "database id"),
        ("company", S, False, "company name"),
        ("aliases", S, False, "other spellings, legal and brand names, ';'-separated"),
        ("owner", S, True, "direct owner today, if acquired"),
        ("ultimate_parent", S, False, "ultimate parent today (itself when independent)"),
        ("products", I, False, "number of products"),
        ("source", S, False, "first source that named the company"),
        ("source_url", S, False, "URL of that record"),
        ("software_products", I, False, "number of its products that are AI software"),
        ("kind", S, True, "ai-vendor, imaging-oem, provider-network, platform, teleradiology, "
                          "pharma or other, where recorded"),
        ("composed", B, False, "known only from records composed for the recorded snapshot"),
    ],
    "registrations": [
        ("regulator", S, False, "FDA or EU"),
        ("kind", S, False, "510(k), De Novo, PMA, EUDAMED device or certificate"),
        ("number", S, False, "submission number, UDI-DI or certificate number"),
        ("device_name", S, False, "device name as registered"),
        ("applicant", S, False, "applicant as registered"),
        ("company", S, True, "resolved company"),
        ("product_id", S, True, "resolved product slug"),
        ("decision_date", S, True, "decision date (ISO 8601)"),
        ("panel", S, True, "FDA lead panel"),
        ("product_code", S, True, "FDA product code"),
        ("device_class", S, True, "FDA device class"),
        ("regulation_number", S, True, "21 CFR regulation number"),
        ("ce_class", S, True, "CE class (I, IIa, IIb, III)"),
        ("legislation", S, True, "MDD or MDR"),
        ("status", S, True, "certificate or device status"),
        ("summary_url", S, True, "FDA summary/statement or database page"),
        ("source", S, False, "spider or import that fetched the record"),
        ("source_url", S, False, "URL the record was fetched from"),
        ("fetched_at", S, False, "when it was fetched (ISO 8601)"),
        ("composed", B, False, "composed for the recorded snapshot, not recorded from the source"),
    ],
    "papers": [
        ("publication_id", I, False, "database id"),
        ("pmid", S, True, "PubMed id"),
        ("doi", S, True, "DOI (lower-case)"),
        ("pmcid", S, True, "PubMed Central id"),
        ("title", S, False, "title"),
        ("year", I, True, "publication year"),
        ("journal", S, True, "journal"),
        ("publication_types", S, False, "';'-separated"),
        ("is_preprint", B, False, "a preprint with no published version yet"),
        ("is_retracted", B, False, "retracted"),
        ("sources", S, False, "sources that found the paper, ';'-separated"),
        ("products", S, False, "linked product slugs, ';'-separated (overrides applied)"),
        ("level", S, True, "efficacy level (overrides applied)"),
        ("source_url", S, False, "PubMed, DOI or source URL"),
        ("abstract", S, True, "abstract, where the source gives one"),
        ("relevance", S, True, "product-evaluation, ai-imaging or off-topic (the grader's "
                               "call; null when not judged yet)"),
        ("relevance_reason", S, False, "why the paper got that relevance (empty when not judged)"),
        ("composed", B, False, "composed for the recorded snapshot: every source record of it was "
                               "composed, none recorded"),
    ],
    "links": [
        ("publication_id", I, False, "database id of the paper"),
        ("pmid", S, True, "PubMed id"),
        ("doi", S, True, "DOI"),
        ("title", S, False, "paper title"),
        ("product_id", S, False, "product slug"),
        ("product", S, False, "product name"),
        ("company", S, False, "product's company"),
        ("score", N, True, "linker score (null for a human decision)"),
        ("method", S, False, "how the link was made (mention, mention+embedding, override)"),
        ("evidence", S, False, "sentence supporting the link"),
        ("model_version", S, False, "linker version, or who decided"),
        ("origin", S, False, "auto or override"),
        ("source_url", S, False, "URL of the paper"),
    ],
    "mentions": [
        ("publication_id", I, False, "database id of the paper"),
        ("pmid", S, True, "PubMed id"),
        ("doi", S, True, "DOI"),
        ("title", S, False, "paper title"),
        ("product_id", S, False, "product slug"),
        ("product", S, False, "product name"),
        ("company", S, False, "product's company"),
        ("role", S, False, "how the paper names the product without evaluating it: used-as-tool, "
                           "listed, cited, reference-standard or unresolved (not evidence)"),
        ("evidence", S, False, "sentence that names the product"),
        ("model_version", S, False, "linker version that recorded the mention"),
        ("origin", S, False, "auto (recorded by the linker)"),
        ("created_at", S, False, "when the mention was recorded (ISO 8601)"),
        ("source_url", S, False, "URL of the paper"),
    ],
    "grades": [
        ("publication_id", I, False, "database id of the paper"),
        ("pmid", S, True, "PubMed id"),
        ("doi", S, True, "DOI"),
        ("title", S, False, "paper title"),
        ("level", S, True, "efficacy level 1t, 1c, 2-6, or empty when not a primary evaluation"),
        ("bucket", S, True, "technical (1t-2), clinical (3-5), societal (6)"),
        ("confidence", N, True, "grader confidence (null for a human decision)"),
        ("prospective", B, True, "prospective design"),
        ("multicentre", B, True, "data from more than one centre"),
        ("multinational", B, True, "data from more than one country"),
        ("reader_study", B, True, "reader study (MRMC)"),
        ("rct", B, True, "randomised controlled trial"),
        ("sample_size", I, True, "sample size as stated"),
        ("vendor_independent", B, True, "no vendor authorship or funding"),
        ("cues", S, False, "cues behind the call, ';'-separated"),
        ("needs_review", B, False, "low confidence: in the review queue"),
        ("origin", S, False, "auto, or override when a person changed any field"),
        ("source_url", S, False, "URL of the paper"),
    ],
    "events": [
        ("event_id", I, False, "database id"),
        ("date", S, True, "event date (ISO 8601)"),
        ("event_type", S, False, "acquisition, merger, closure, rebrand, ce_mark, fda_clearance, funding, partnership"),
        ("company", S, False, "subject company (target of an acquisition)"),
        ("counterparty", S, True, "acquirer, partner or new name"),
        ("status", S, True, "announced or completed"),
        ("stake", N, True, "share acquired (1.0 = full)"),
        ("origin", S, False, "seed, extracted or manual"),
        ("confidence", N, False, "extraction confidence"),
        ("confirmed", B, False, "confirmed by a person"),
        ("sentence", S, True, "sentence the event was extracted from"),
        ("source_url", S, False, "news item or source of the event"),
    ],
    "gaps": [
        ("product_id", S, False, "product slug"),
        ("product", S, False, "product name"),
        ("company", S, False, "company"),
        ("papers", I, False, "linked papers"),
        ("level_1t", I, False, "papers at level 1t"),
        ("level_1c", I, False, "papers at level 1c"),
        ("level_2", I, False, "papers at level 2"),
        ("level_3", I, False, "papers at level 3"),
        ("level_4", I, False, "papers at level 4"),
        ("level_5", I, False, "papers at level 5"),
        ("level_6", I, False, "papers at level 6"),
        ("highest_level", S, True, "highest level with a paper"),
        ("no_peer_reviewed_evidence", B, False, "no linked, graded, non-preprint paper"),
        ("only_technical_evidence", B, False, "papers exist, none above level 2"),
        ("no_vendor_independent_study", B, False, "no linked paper graded vendor-independent"),
        ("no_prospective_study", B, False, "no linked paper graded prospective"),
        ("source_url", S, False, "the product's source record"),
    ],
    "platforms": [
        ("platform", S, False, "platform or marketplace (its slug)"),
        ("platform_kind", S, False, "independent, pacs-vendor, oem-marketplace or ai-vendor-reseller"),
        ("product_id", S, False, "product slug"),
        ("product", S, False, "product name"),
        ("company", S, False, "the product's company"),
        ("since", S, True, "carried from (ISO 8601; at the precision in since_precision)"),
        ("since_precision", S, True, "day, month or year"),
        ("until", S, True, "carried until (ISO 8601), when known"),
        ("origin", S, False, "seed, extracted (from news), manual or import"),
        ("source_url", S, False, "press release, platform page or news item that says so"),
    ],
}


def column_names(kind: str) -> list[str]:
    return [c[0] for c in KINDS[kind]]


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of one exported row."""
    props: dict[str, Any] = {}
    for name, typ, nullable, description in KINDS[kind]:
        props[name] = {"type": [typ, "null"] if nullable else typ, "description": description}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://radai-tracker.example/schemas/{kind}.schema.json",
        "title": f"tracker export: {kind}",
        "type": "object",
        "properties": props,
        "required": [c[0] for c in KINDS[kind]],
        "additionalProperties": False,
    }
