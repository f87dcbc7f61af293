"""``tracker import-products``: CSV (BOM, quoted commas, a CR in a cell), JSON and JSON Lines;
resolution to stored companies and products; all or nothing; idempotent; exit codes."""

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db.engine import session
from tracker.db.models import Company, CompanyAlias, Product, ProductAlias, Registration
from tracker.products.importer import (
    DEFAULT_COLUMNS,
    ImportUsageError,
    import_file,
    parse_mapping,
)
from tracker.store.companies import get_or_create_company

runner = CliRunner()


@pytest.fixture
def store(engine):  # type: ignore[no-untyped-def]
    with session(engine) as s:
        lunit = get_or_create_company(s, name="Lunit Inc.", source="fda_ai_list")
        s.add(Product(slug="lunit-lunit-insight-mmg", company_id=lunit.id, name="Lunit INSIGHT MMG",
                      normalized_name="lunit insight mmg", source="fda_ai_list", source_url="https://www.fda.gov/x"))
        screenpoint = get_or_create_company(s, name="ScreenPoint Medical B.V.", source="fda_ai_list")
        s.add(Product(slug="screenpoint-transpara", company_id=screenpoint.id, name="Transpara",
                      normalized_name="transpara", source="fda_ai_list", source_url="https://www.fda.gov/y"))
        s.commit()
    return engine


def _counts(engine) -> tuple[int, int, int, int, int]:  # type: ignore[no-untyped-def]
    with session(engine) as s:
        return (len(s.exec(select(Company)).all()), len(s.exec(select(Product)).all()),
                len(s.exec(select(ProductAlias)).all()), len(s.exec(select(Registration)).all()),
                len(s.exec(select(CompanyAlias)).all()))


CSV = ('\ufeffProduct,Manufacturer,Modality,CE class,CE date,Subspecialty,URL,Basic UDI,Aliases\r\n'
       'INSIGHT MMG,Lunit,Mammography,IIb,2021-03,breast,https://www.lunit.io/en/products/mmg,,Lunit INSIGHT MMG v1\r\n'
       '"Veye Lung Nodules","Aidence B.V.","CT","IIb","2019","chest","https://www.aidence.com","08720",""\r\n'
       '"ChestEye, CXR","Oxipit","X-ray","IIb","2022-03-29","chest","","","ChestEye Quality\rChestLink"\r\n')


def test_csv_with_bom_quoted_commas_and_a_cr_in_a_cell(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ce.csv"
    path.write_bytes(CSV.encode("utf-8"))
    with session(store) as s:
        result = import_file(s, path, source="analyst-ce-list")
    assert result.ok, result.errors
    assert result.rows == 3
    assert (result.counts["matched"], result.counts["created"]) == (1, 2)
    with session(store) as s:
        # "INSIGHT MMG" by "Lunit" is the stored "Lunit INSIGHT MMG" of "Lunit Inc." (vendor-prefixed name)
        mmg = s.exec(select(Product).where(Product.slug == "lunit-lunit-insight-mmg")).one()
        assert mmg.modality == "Mammography" and mmg.subspecialty == "breast"
        assert mmg.taxonomy["modality"]["source"] == "https://www.lunit.io/en/products/mmg"
        assert {a.alias for a in s.exec(select(ProductAlias).where(ProductAlias.product_id == mmg.id))} == {
            "INSIGHT MMG", "Lunit INSIGHT MMG v1"}
        chesteye = s.exec(select(Product).where(Product.name == "ChestEye, CXR")).one()  # the quoted comma stays
        assert chesteye.source == "analyst-ce-list" and chesteye.source_url == ""
        # a CR inside a quoted cell is whitespace inside that one cell
        aliases = {a.alias for a in s.exec(select(ProductAlias).where(ProductAlias.product_id == chesteye.id))}
        assert aliases == {"ChestEye Quality ChestLink"}
        veye = s.exec(select(Product).where(Product.name == "Veye Lung Nodules")).one()
        assert veye.source_url == "https://www.aidence.com"
        reg = s.exec(select(Registration).where(Registration.number == "08720")).one()
        assert (reg.regulator, reg.ce_class, reg.product_id, str(reg.decision_date)) == ("EU", "IIb", veye.id, "2019-01-01")
        # no UDI: no registration (no invented identifier)
        assert s.exec(select(Registration).where(Registration.product_id == chesteye.id)).all() == []


def test_a_second_import_changes_nothing(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ce.csv"
    path.write_bytes(CSV.encode("utf-8"))
    with session(store) as s:
        import_file(s, path, source="analyst-ce-list")
    before = _counts(store)
    with session(store) as s:
        again = import_file(s, path, source="analyst-ce-list")
    assert _counts(store) == before
    assert (again.counts["matched"], again.counts["created"], again.counts["aliases_added"]) == (3, 0, 0)
    assert again.counts["registrations_added"] == 0 and again.counts["fields_filled"] == 0


def test_json_array_and_jsonl_with_a_mapping(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [{"Trade name": "Transpara", "Maker": "ScreenPoint Medical", "modality": ["Mammography", "DBT"]},
            {"Trade name": "BoneView", "Maker": "Gleamer", "url": "https://www.gleamer.ai", "aliases": ["BoneView Trauma"]}]
    path = tmp_path / "list.json"
    path.write_text(json.dumps(rows, indent=2), "utf-8")
    with session(store) as s:
        result = import_file(s, path, mapping="Trade name=name, Maker=company", source="sheet")
    assert result.ok, result.errors
    assert (result.counts["matched"], result.counts["created"], result.counts["companies_created"]) == (1, 1, 1)
    with session(store) as s:
        transpara = s.exec(select(Product).where(Product.name == "Transpara")).one()
        assert transpara.modality == "Mammography;DBT"
    lines = tmp_path / "list.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in rows) + "\n", "utf-8")
    with session(store) as s:
        again = import_file(s, lines, mapping="Trade name=name,Maker=company", source="sheet")
    assert again.ok and (again.counts["matched"], again.counts["created"]) == (2, 0)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text('name,company,ce_class,ce_date,url\n'
                    'Good One,Good Co,IIa,2020-01-02,https://good.example\n'
                    '"Multi\nline",,IV,02/03/2020,ftp://x\n'
                    'Good One,Good Co.,,,\n', "utf-8")
    before = _counts(store)
    with session(store) as s:
        result = import_file(s, path)
    assert not result.ok
    assert result.errors[0].startswith(f"{path}:3: ")
    assert "no company" in result.errors[0] and "CE class 'IV'" in result.errors[0]
    assert "CE date '02/03/2020'" in result.errors[0] and "not an http(s) URL" in result.errors[0]
    assert result.errors[1] == f"{path}:5: the same product as line 2"  # the quoted line break counts as a line
    assert _counts(store) == before


def test_json_bad_row_line_numbers(tmp_path: Path, store) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"name": "A", "company": "B"},\n  {"name": "C"},\n  "oops"\n]\n', "utf-8")
    with session(store) as s:
        result = import_file(s, path)
    assert result.errors == [f"{path}:3: no company (column company/manufacturer)",
                             f"{path}:4: a row must be an object with named columns"]


def test_mapping_and_format_errors() -> None:
    assert parse_mapping("Trade name=name,Maker=company") == {"trade name": "name", "maker": "company"}
    with pytest.raises(ImportUsageError, match="field must be one of"):
        parse_mapping("Trade name=title")
    with pytest.raises(ImportUsageError, match="COLUMN=FIELD"):
        parse_mapping("name")
    assert set(DEFAULT_COLUMNS) == {"name", "company", "modality", "ce_class", "ce_date", "subspecialty", "url",
                                    "udi", "aliases"}


def test_cli_exit_codes_counts_and_dry_run(store, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "ce.csv"
    good.write_bytes(CSV.encode("utf-8"))
    before = _counts(store)
    dry = runner.invoke(app, ["import-products", str(good), "--dry-run", "--database-url", db_url])
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing stored" in dry.output and ", created 2," in dry.output
    assert _counts(store) == before
    done = runner.invoke(app, ["import-products", str(good), "--source", "ce-2025", "--database-url", db_url])
    assert done.exit_code == 0 and "matched 1" in done.output and ", created 2," in done.output
    assert "aliases added" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_text("name,company\nX,\n", "utf-8")
    out = runner.invoke(app, ["import-products", str(bad), "--database-url", db_url])
    assert out.exit_code == 3
    assert f"{bad}:2: no company" in out.output and "nothing imported" in out.output
    assert runner.invoke(app, ["import-products", str(good), "--mapping", "x=nope", "--database-url", db_url]).exit_code == 2
    helptext = runner.invoke(app, ["import-products", "--help"]).output
    assert "manufacturer" in helptext and "basic udi" in helptext


def test_imported_values_survive_classification_and_beat_automatic_ones(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tracker.products.classify import classify_products

    path = tmp_path / "ce.csv"
    path.write_bytes(CSV.encode("utf-8"))
    with session(store) as s:
        classify_products(s)  # the automatic taxonomy first
        mmg = s.exec(select(Product).where(Product.slug == "lunit-lunit-insight-mmg")).one()
        assert mmg.modality and mmg.taxonomy["modality"]["rule"] != "import"
        import_file(s, path, source="analyst-ce-list")
    with session(store) as s:
        classify_products(s)  # a later nightly
        mmg = s.exec(select(Product).where(Product.slug == "lunit-lunit-insight-mmg")).one()
        veye = s.exec(select(Product).where(Product.name == "Veye Lung Nodules")).one()
        assert (mmg.modality, mmg.subspecialty, veye.modality) == ("Mammography", "breast", "CT")
        assert mmg.taxonomy["modality"] == {"value": "Mammography", "rule": "import",
                                            "source": "https://www.lunit.io/en/products/mmg"}
        assert veye.taxonomy["subspecialty"]["rule"] == "import"
