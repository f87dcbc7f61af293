import pytest

from tracker.names import (
    fold,
    is_legal_form,
    legal_form_in_text,
    normalize_company,
    slugify,
    strip_legal_form,
)


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


@pytest.mark.parametrize(("name", "display"), [
    ("Viz.ai, Inc.", "Viz.ai"),
    ("Siemens Healthcare GmbH", "Siemens Healthcare"),
    ("Aidence B.V.", "Aidence"),
    ("Gleamer S.A.S.", "Gleamer"),
    ("Beijing Infervision Technology Co., Ltd.", "Beijing Infervision Technology"),
    ("Qure.ai Technologies Private Limited", "Qure.ai Technologies"),
    ("Inc.", "Inc"),  # a name made only of a legal form is kept
])
def test_strip_legal_form_keeps_the_name_as_written(name: str, display: str) -> None:
    assert strip_legal_form(name) == display


def test_one_legal_form_list() -> None:
    assert all(is_legal_form(w) for w in ("Inc.", "GmbH", "B.V.", "S.A.S.", "A/S", "Co.,", "Oyj"))
    assert not is_legal_form("Private") and is_legal_form("Private", qualifiers=True)
    # the company key keeps "private": stored keys do not change
    assert normalize_company("Qure.ai Technologies Private Limited") == "qure ai technologies private"
    # in running text a two-letter form needs a capital or a dot
    assert legal_form_in_text("AS") and legal_form_in_text("co.") and legal_form_in_text("plc")
    assert not legal_form_in_text("as") and not legal_form_in_text("se")
