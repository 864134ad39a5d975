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
