import pytest

from tracker.names import fold, normalize_company, slugify


@pytest.mark.parametrize(("a", "b"), [
    ("iSchemaView, Inc.", "iSchemaView Inc."),
    ("Quantib BV", "Quantib B.V."),
    ("Lunit Inc.", "LUNIT INC"),
    ("Siemens Healthcare GmbH", "Siemens Healthcare"),
    ("Aidoc Medical, Ltd.", "Aidoc Medical Ltd"),
    ("Gleamer SAS", "GLEAMER"),
    ("Ligence, UAB", "Ligence"),
    ("Brainomix Limited", "Brainomix Ltd."),
])
def test_spellings_of_one_company_share_a_key(a: str, b: str) -> None:
    assert normalize_company(a) == normalize_company(b)


def test_different_companies_stay_apart() -> None:
    assert normalize_company("GE Medical Systems, LLC") != normalize_company("GE Healthcare Japan Corporation")
    assert normalize_company("Co") == "co"  # a name made only of a suffix is kept


def test_fold_removes_trademarks_and_accents() -> None:
    assert fold("Transpara™ 1.7") == "transpara 1 7"
    assert fold("Médecine®") == "medecine"
    assert slugify("Lunit INSIGHT CXR") == "lunit-insight-cxr"
