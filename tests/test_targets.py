"""Targets of the catalogue (``targets:``) and their grading: Đạt at and above
the threshold, Không đạt just below, "Chưa đủ số liệu" when a part is missing."""

from __future__ import annotations

import textwrap

import pytest

from cchc_xlsx.catalog.load import parse_catalog
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import CatalogError
from cchc_xlsx.semantics.targets import grade, grade_targets, meets

SMALL = """\
catalog:
  id: thu-nghiem
  version: "1"
  title: "Biểu thử"
  levels: [xa, huyen]
rows:
  - {code: "1", label: "Hồ sơ", type: heading}
  - {code: "1.1", label: "Tỷ lệ hồ sơ trực tuyến", unit: "%", type: ratio, numerator: "1.1.b", denominator: "1.1.a"}
  - {code: "1.1.a", label: "Tổng số hồ sơ", unit: "Hồ sơ", type: count}
  - {code: "1.1.b", label: "Số hồ sơ trực tuyến", unit: "Hồ sơ", type: count}
  - {code: "1.2", label: "Số phiếu khảo sát", unit: "Phiếu", type: count}
  - {code: "1.3", label: "Ghi chú", type: text}
"""


def small(targets: str) -> Catalog:
    return parse_catalog(SMALL + textwrap.dedent(targets))


RATIO = small(
    """\
    targets:
      - {id: truc-tuyen, code: "1.1", threshold: 50, text: "Tối thiểu 50% hồ sơ trực tuyến", from_year: 2021, to_year: 2025}
      - {id: phieu, code: "1.2", compare: "<", threshold: 100, text: "Dưới 100 phiếu", levels: [huyen]}
    """
)


@pytest.mark.parametrize(
    ("num", "den", "status", "achieved"),
    [
        (50, 100, "dat", "50% (50/100 hồ sơ)"),  # at the threshold
        (501, 1000, "dat", "50,1% (501/1.000 hồ sơ)"),  # just above
        (4999, 10000, "khong_dat", "49,99% (4.999/10.000 hồ sơ)"),  # just below
        (1, 3, "khong_dat", "33,33% (1/3 hồ sơ)"),
    ],
)
def test_a_ratio_target_is_graded_at_above_and_below_its_threshold(
    num: int, den: int, status: str, achieved: str
) -> None:
    g = grade(RATIO, RATIO.targets[0], {"1.1.a": den, "1.1.b": num, "1.1": 100 * num / den})
    assert (g.status, g.achieved) == (status, achieved)
    assert g.status_text == {"dat": "Đạt", "khong_dat": "Không đạt"}[status]


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({"1.1.a": 100}, "1.1.b"),
        ({"1.1.b": 5}, "1.1.a"),
        ({}, "1.1.b, 1.1.a"),
        ({"1.1.a": 0, "1.1.b": 0}, "bằng 0"),
    ],
)
def test_a_missing_part_is_not_enough_data(values: dict[str, float], missing: str) -> None:
    g = grade(RATIO, RATIO.targets[0], values)
    assert g.status == "thieu" and g.status_text == "Chưa đủ số liệu"
    assert missing in g.achieved and g.value is None


def test_the_comparisons_allow_for_floating_point_only() -> None:
    assert meets(100 * 4 / 5, ">=", 80) and meets(80.0, ">=", 80)
    assert not meets(79.99, ">=", 80)
    assert not meets(80, ">", 80) and meets(80.01, ">", 80)
    assert meets(100, "<=", 100) and not meets(100.01, "<=", 100)
    assert not meets(100, "<", 100) and meets(99.99, "<", 100)
    assert meets(0.1 + 0.2, "==", 0.3)


def test_a_count_target_and_the_period_and_level_it_applies_to() -> None:
    phieu = RATIO.targets[1]
    assert grade(RATIO, phieu, {"1.2": 99}).achieved == "99 phiếu"
    assert grade(RATIO, phieu, {"1.2": 100}).status == "khong_dat"
    assert [g.target.id for g in grade_targets(RATIO, {}, year=2024, level="xa")] == ["truc-tuyen"]
    assert [g.target.id for g in grade_targets(RATIO, {}, year=2026, level="huyen")] == ["phieu"]
    assert len(grade_targets(RATIO, {}, year=2025, level="huyen")) == 2


def test_a_broken_target_is_a_catalogue_problem_with_its_line() -> None:
    with pytest.raises(CatalogError) as info:
        small(
            """\
            targets:
              - {id: a, code: "9.9", threshold: 50, text: "x"}
              - {id: b, code: "1.3", threshold: 50, text: "x"}
              - {id: c, code: "1.1", compare: "=>", threshold: 50, text: "x"}
              - {id: d, code: "1.1", text: "x"}
              - {id: e, code: "1.1", threshold: 5, text: "x", from_year: 2025, to_year: 2021}
              - {id: e, code: "1.1", threshold: 5, text: "x", levels: [so]}
              - {id: f, code: "1.1", threshold: 5, text: "x", colour: red}
            """
        )
    messages = [p.message for p in info.value.problems]
    assert any("“9.9” không có trong danh mục" in m for m in messages)
    assert any("kiểu text, không phải dòng số" in m for m in messages)
    assert any("“compare” phải là một trong" in m for m in messages)
    assert any("thiếu “threshold”" in m for m in messages)
    assert any("“from_year” sau “to_year”" in m for m in messages)
    assert any("cấp “so” không có trong danh mục" in m for m in messages)
    assert any("khóa không hợp lệ “colour”" in m for m in messages)
    assert all(p.line is not None and p.line > 6 for p in info.value.problems)


def test_the_default_catalogue_grades_seed_003s_computable_targets(
    default_catalog: Catalog,
) -> None:
    codes = {t.code for t in default_catalog.targets}
    assert {"7.2.5", "7.2.3", "7.2.4", "3.3.1"} <= codes
    online = next(t for t in default_catalog.targets if t.code == "7.2.5")
    assert online.threshold == 80 and online.compare == ">=" and online.to_year == 2025


def test_each_default_target_at_just_above_and_just_below_its_threshold(
    default_catalog: Catalog,
) -> None:
    for target in default_catalog.targets:
        row = default_catalog.row(target.code)
        assert row.type == "ratio" and row.numerator and row.denominator
        den = 10_000
        at = round(target.threshold * den / 100)
        for num, status in ((at, "dat"), (at + 1, "dat"), (at - 1, "khong_dat")):
            g = grade(default_catalog, target, {row.numerator: num, row.denominator: den})
            assert g.status == status, (target.id, num, g.achieved)
        g = grade(default_catalog, target, {row.numerator: at})
        assert g.status == "thieu" and row.denominator in g.achieved


def test_a_total_that_includes_values_in_error_is_not_graded() -> None:
    (target, _) = RATIO.targets
    ok = grade(RATIO, target, {"1.1.b": 60, "1.1.a": 100})
    assert ok.status == "dat"
    doubted = grade(RATIO, target, {"1.1.b": 60, "1.1.a": 100}, {"1.1.a": "tổng gồm giá trị có lỗi của 1 đơn vị (ô đỏ)"})
    assert doubted.status == "kiem_tra" and doubted.status_text == "Cần kiểm tra số liệu"
    assert doubted.achieved == "60% (60/100 hồ sơ)" and doubted.doubt.startswith("tổng gồm giá trị có lỗi")
    assert not doubted.graded and ok.graded


def test_a_numerator_without_its_denominator_is_an_error_and_the_target_is_not_graded(tmp_path) -> None:
    """Xã Cẩm Giàng typed 238 dossiers on time and left the total blank: the
    district's ratio was 950/750 = 126,67 % and graded Đạt, with no issue."""
    import cchc_xlsx as cx
    from cchc_xlsx.layout.form import build_layout
    from cchc_xlsx.testing import fill_template

    (tmp_path / "units.csv").write_text("code,name,level,parent\nH01,Huyện Một,huyen,\nX01,Xã Một,xa,H01\nX02,Xã Hai,xa,H01\n", "utf-8")
    catalog = cx.load_catalog()
    units = cx.load_units(tmp_path / "units.csv", catalog)
    layout = build_layout(catalog, "xa")
    files = {f.unit.code: f.path for f in cx.generate(catalog, "xa", "2024-Q1", tmp_path / "mau", units) if f.unit}
    nop = tmp_path / "nop"
    nop.mkdir()
    (nop / "x01.xlsx").write_bytes(fill_template(files["X01"].read_bytes(), layout, {"3.3.1.a": 750, "3.3.1.b": 712}))
    (nop / "x02.xlsx").write_bytes(fill_template(files["X02"].read_bytes(), layout, {"3.3.1.b": 238}))
    res = cx.consolidate(nop, catalog, tmp_path / "h01.xlsx", level="xa", period="2024-Q1", units=units, unit="H01")
    x02 = next(f for f in res.batch.files if f.unit == "X02")
    found = [i for i in x02.issues if i.code == cx.IssueCode.RATIO_PART_MISSING]
    assert len(found) == 1 and found[0].indicator == "3.3.1.a" and found[0].severity == "error"
    assert "3.3.1.b" in found[0].message and "238" in found[0].message
    assert "3.3.1" in res.flagged_totals and res.exit_code == 1
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "h01.xlsx")["Mục tiêu"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    graded = next(r for r in rows if any(isinstance(v, str) and "3.3.1" in v for v in r))
    assert "Cần kiểm tra số liệu" in graded, graded
    # a zero numerator needs no denominator; a denominator alone adds up as a numerator of 0
    (nop / "x02.xlsx").write_bytes(fill_template(files["X02"].read_bytes(), layout, {"3.3.1.b": 0, "7.2.3.a": 5}))
    again = cx.check(nop / "x02.xlsx", catalog, level="xa", period="2024-Q1", units=units)
    assert not [i for f in again.files for i in f.issues if i.code == cx.IssueCode.RATIO_PART_MISSING]
