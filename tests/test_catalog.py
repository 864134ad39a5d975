"""The catalogue loader: the bundled catalogues, seed 000's facts, and every problem kind.

A broken catalogue raises one :class:`CatalogError` whose ``problems`` list every
problem with its line and row code, so a user fixes the whole file in one pass.
"""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from cchc_xlsx.catalog.load import load_catalog, parse_catalog
from cchc_xlsx.catalog.model import Catalog, Rule
from cchc_xlsx.errors import CatalogError, Problem

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "indicator_catalog.yaml"
THANH_HOA_CATALOG = ROOT / "examples" / "catalogs" / "thanh_hoa_phu_luc_01b.yaml"
SO_CATALOG = ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml"

HEADER = """\
catalog:
  id: thu-nghiem
  version: "1"
  title: "Biểu thử"
  levels: [xa, huyen]
"""


def catalog(body: str) -> str:
    """A small catalogue (levels xa, huyen): the header above ``body`` (rows, rules)."""
    return HEADER + textwrap.dedent(body).lstrip("\n")


def all_problems(path: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    for problem in info.value.problems:
        assert problem.path == str(path)
    return info.value.problems


def only_problem(path: Path) -> Problem:
    """The single problem of a catalogue that has exactly one."""
    problems = all_problems(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def find_rule(cat: Catalog, left: tuple[str, ...], op: str, right: tuple[str, ...]) -> Rule:
    for rule in cat.rules:
        if (rule.check.left.refs(), rule.check.op, rule.check.right.refs()) == (left, op, right):
            return rule
    raise AssertionError(f"no rule {' + '.join(left)} {op} {' + '.join(right)}")


# --------------------------------------------------------------------------- the real catalogues


@pytest.mark.parametrize(
    ("path", "cat_id", "levels", "sheet_count"),
    [
        (DEFAULT_CATALOG, "cchc-phu-luc-i", ("xa", "huyen", "tinh"), 1),
        (THANH_HOA_CATALOG, "thanh-hoa-phu-luc-01b", ("xa", "huyen", "tinh"), 1),
        (SO_CATALOG, "so-bieu-mau-1-7", ("so", "tinh"), 7),
    ],
    ids=["default", "thanh_hoa", "so"],
)
def test_bundled_catalogue_loads(path, cat_id, levels, sheet_count):
    cat = load_catalog(path)
    assert (cat.id, cat.levels, len(cat.sheets)) == (cat_id, levels, sheet_count)
    assert cat.rows and cat.rules
    for rule in cat.rules:
        assert all(cat.has_row(code) for code in rule.refs), rule.id


def test_catalogue_hash_is_the_sha256_of_its_bytes(tmp_path, default_catalog):
    raw = DEFAULT_CATALOG.read_bytes()
    assert default_catalog.content_hash == hashlib.sha256(raw).hexdigest()
    changed = tmp_path / "changed.yaml"
    changed.write_bytes(raw + "# sửa một dòng chú thích\n".encode())
    assert load_catalog(changed).content_hash != default_catalog.content_hash


# --------------------------------------------------------------------------- seed 000's Phụ lục I

# Every STT printed in seed 000's appendix, in printed order. The seed prints
# "4.6" twice: the heading keeps 4.6, the second one is 4.6.a.
SEED_000_CODES = """
    1 1.1 1.2 1.2.1 1.2.2 1.4 1.4.1 1.4.2 1.4.3 1.4.4 1.5 1.5.1 1.5.2 1.6
    2 2.1 2.2 2.2.1 2.3 2.3.1 2.3.2
    3 3.1 3.1.1 3.1.2 3.1.3 3.1.4 3.2 3.2.1 3.2.2 3.2.3 3.3 3.3.1 3.3.2 3.4 3.4.1 3.4.2
    4 4.1 4.2 4.3 4.4 4.5 4.5.1 4.5.2 4.5.3 4.5.4 4.5.5 4.6 4.6.a 4.6.1 4.6.2 4.6.3
    5 5.1 5.1.1 5.1.2 5.2 5.2.1 5.2.2 5.3 5.3.1 5.3.2 5.3.3 5.3.4 5.3.5 5.3.6 5.4 5.4.1 5.4.2 5.4.3
    6 6.1 6.1.1 6.1.2 6.2 6.2.1 6.2.2 6.2.3 6.2.4 6.2.5
    7 7.1 7.2 7.2.1 7.2.2 7.2.3 7.2.4 7.2.5
""".split()  # noqa: SIM905 - laid out like the printed form


def test_every_numbered_row_of_seed_000_is_in_the_default_catalogue_in_printed_order(default_catalog):
    missing = [code for code in SEED_000_CODES if not default_catalog.has_row(code)]
    assert missing == []
    printed = set(SEED_000_CODES)
    assert [r.code for r in default_catalog.rows if r.code in printed] == SEED_000_CODES


# (code, label, hint, unit) as printed in seed 000; hint = the trailing parenthetical.
SEED_000_ROWS = [
    ("1", "Công tác chỉ đạo điều hành CCHC", "", ""),
    ("1.1", "Số văn bản chỉ đạo CCHC đã ban hành", "kết luận, chỉ thị, công văn chỉ đạo, quán triệt", "Văn bản"),
    ("1.2", "Tỷ lệ hoàn thành Kế hoạch CCHC năm", "lũy kế đến thời điểm báo cáo", "%"),
    ("1.2.1", "Số nhiệm vụ đề ra trong kế hoạch", "", "Nhiệm vụ"),
    ("1.5.2", "Hình thức khảo sát", "", "Trực tuyến; Phát phiếu; Kết hợp"),
    ("1.6", "Tổ chức đối thoại của lãnh đạo với người dân, cộng đồng doanh nghiệp", "", "Có/không"),
    ("2.2.1.a", "Tổng số VBQPPL cần phải xử lý sau kiểm tra", "", "Văn bản"),
    ("3.1.4", "Tổng số TTHC thuộc thẩm quyền giải quyết tại cơ quan, đơn vị", "", "Thủ tục"),
    ("3.1.4.a", "Số TTHC cấp huyện", "", "Thủ tục"),
    ("3.1.4.b", "Số TTHC cấp xã", "", "Thủ tục"),
    ("3.2.3", "Số TTHC đã thực hiện tiếp nhận và giải quyết hồ sơ không phụ thuộc vào địa giới hành chính.", "", "Thủ tục"),
    ("3.3.1", "Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hạn", "", "%"),
    ("3.3.1.a", "Tổng số hồ sơ TTHC đã giải quyết xong", "", "Hồ sơ"),
    ("3.3.1.b", "Số hồ sơ TTHC giải quyết đúng hạn", "", "Hồ sơ"),
    ("3.4", "Tỷ lệ giải quyết phản ánh, kiến nghị (PAKN) về quy định TTHC", "", "%"),
    ("3.4.1", "Tổng số PAKN đã tiếp nhận", "trực tiếp hoặc do cơ quan có thẩm quyền chuyển đến", "PAKN"),
    ("4.1", "Số phòng chuyên môn", "", "Phòng, tương đương"),
    ("4.6", "Số người làm việc hưởng lương từ NSNN tại các đơn vị sự nghiệp công lập", "", ""),
    ("4.6.a", "Tổng số người làm việc được giao", "", "Người"),
    ("4.6.3", "Tỷ lệ % đã tinh giản so với năm 2015", "", "%"),
    ("5.2.1", "Số viên chức được tuyển dụng mới (qua thi tuyển)", "", "Người"),
    ("5.3", "Số lượng lãnh đạo quản lý được tuyển chọn, bổ nhiệm thông qua thi tuyển", "lũy kế từ đầu năm", ""),
    ("5.3.4", "Số lãnh đạo đơn vị được bổ nhiệm lai", "", "Người"),
    ("6.1", "Tỷ lệ thực hiện kế hoạch giải ngân vốn đầu tư công", "", "%"),
    ("6.1.1", "Kế hoạch được giao", "", "Triệu đồng"),
    ("6.2.3.c", "Số ĐVSN tự bảo đảm từ 10% - dưới 30% chi thường xuyên", "", "Đơn vị"),
    ("7.1.a", "Tỷ lệ văn bản được gửi hoàn toàn dưới dạng điện tử", "sử dụng chữ ký số, chứng thư số và gửi trên môi trường điện tử", "%"),
    ("7.2.4", "Tỷ lệ hồ sơ TTHC được tiếp nhận trực tuyến", "chỉ thống kê đối với các TTHC trực tuyến có phát sinh hồ sơ", "%"),
    ("7.2.5", "Tỷ lệ TTHC được tích hợp, triển khai thanh toán trực tuyến", "", "%"),
    ("7.2.5.b", "Số TTHC đã được tích hợp, triển khai thanh toán trực tuyến trên Cổng DVC quốc gia hoặc trên Cổng DVC của tỉnh.", "", "Thủ tục"),
]


@pytest.mark.parametrize(("code", "label", "hint", "unit"), SEED_000_ROWS, ids=[r[0] for r in SEED_000_ROWS])
def test_seed_000_row_has_its_printed_label_hint_and_unit(default_catalog, code, label, hint, unit):
    row = default_catalog.row(code)
    assert (row.label, row.hint, row.unit) == (label, hint, unit)


@pytest.mark.parametrize(
    ("code", "row_type"),
    [("1", "heading"), ("1.1", "count"), ("1.2", "ratio"), ("1.5.2", "choice"), ("1.6", "boolean"),
     ("4.4", "percent"), ("6.1.1", "decimal"), ("5.2", "sum"), ("4.6", "heading"), ("4.6.a", "count")],
)
def test_seed_000_row_has_the_type_of_what_is_typed_into_it(default_catalog, code, row_type):
    assert default_catalog.row(code).type == row_type


def test_survey_form_is_a_choice_coded_as_in_the_reports(default_catalog):
    options = [(o.value, o.label) for o in default_catalog.row("1.5.2").options]
    assert options == [(0, "Trực tuyến"), (1, "Phát phiếu"), (2, "Kết hợp")]


@pytest.mark.parametrize("code", ["6.1", "6.1.1", "6.1.2"])
def test_public_investment_rows_are_for_districts_only(default_catalog, code):
    assert default_catalog.row(code).levels == ("huyen",)
    assert code not in {r.code for r in default_catalog.rows_for_level("xa")}
    assert code not in {r.code for r in default_catalog.rows_for_level("tinh")}
    assert code in {r.code for r in default_catalog.rows_for_level("huyen")}


RATIOS = [
    ("1.2", "1.2.2", "1.2.1"),
    ("2.2.1", "2.2.1.b", "2.2.1.a"),
    ("2.3.2", "2.3.2.b", "2.3.2.a"),
    ("3.3.1", "3.3.1.b", "3.3.1.a"),
    ("3.3.2", "3.3.2.b", "3.3.2.a"),
    ("3.4", "3.4.2", "3.4.1"),
    ("6.1", "6.1.2", "6.1.1"),
    ("7.2.1", "7.2.1.b", "7.2.1.a"),
    ("7.2.2", "7.2.2.b", "7.2.2.a"),
    ("7.2.3", "7.2.3.b", "7.2.3.a"),
    ("7.2.4", "7.2.4.b", "7.2.4.a"),
    ("7.2.5", "7.2.5.b", "7.2.5.a"),
]


@pytest.mark.parametrize(("code", "numerator", "denominator"), RATIOS, ids=[r[0] for r in RATIOS])
def test_ratio_row_is_numerator_over_denominator(default_catalog, code, numerator, denominator):
    row = default_catalog.row(code)
    assert (row.type, row.numerator, row.denominator) == ("ratio", numerator, denominator)
    assert row.is_formula and not row.is_input


@pytest.mark.parametrize(("code", "numerator", "denominator"), RATIOS, ids=[r[0] for r in RATIOS])
def test_ratio_gets_the_automatic_rule_numerator_at_most_denominator(default_catalog, code, numerator, denominator):
    rule = find_rule(default_catalog, (numerator,), "<=", (denominator,))
    assert (rule.severity, rule.origin) == ("error", "ratio")


@pytest.mark.parametrize("part", ["3.2.1", "3.2.2", "3.2.3"])
def test_one_stop_procedures_cannot_exceed_all_procedures(default_catalog, part):
    rule = find_rule(default_catalog, (part,), "<=", ("3.1.4",))
    assert (rule.severity, rule.origin) == ("error", "catalog")


def test_staff_present_above_allotment_is_only_a_warning(default_catalog):
    # seed 004 reports 18 present for 17 allotted
    assert find_rule(default_catalog, ("4.5.2",), "<=", ("4.5.1",)).severity == "warning"


def test_part_of_rows_get_the_automatic_rule_part_at_most_whole(default_catalog):
    rule = find_rule(default_catalog, ("3.1.4.b",), "<=", ("3.1.4",))
    assert (rule.severity, rule.origin) == ("error", "part")


def test_commune_rules_leave_out_rows_the_commune_does_not_have(default_catalog):
    commune = {rule.id for rule in default_catalog.rules_for_level("xa")}
    district = {rule.id for rule in default_catalog.rules_for_level("huyen")}
    assert "auto-ratio-6.1" in district and "auto-ratio-6.1" not in commune
    assert "auto-part-3.1.4.a" in district and "auto-part-3.1.4.a" not in commune


def test_no_row_of_the_default_catalogue_is_required(default_catalog):
    assert [r.code for r in default_catalog.rows if r.required] == []


# --------------------------------------------------------------------------- a small valid catalogue


def test_small_catalogue_loads_with_defaults(tmp_path, write_catalog):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1"
            label: "Tỷ lệ"
            unit: "%"
            type: ratio
            numerator: "1.b"
            denominator: "1.a"
          - code: "1.a"
            label: "Tổng số"
            type: count
          - code: "1.b"
            label: "Trong đó đúng hạn"
            type: count
        rules:
          - id: it-nhat-mot
            check: "{1.a} >= 1"
            severity: warning
            message: "Tổng số ({1.a}) bằng 0"
        """))
    cat = load_catalog(path)
    assert [r.code for r in cat.rows] == ["1", "1.a", "1.b"]
    assert cat.row("1.a").levels == ("xa", "huyen")
    assert (cat.row("1.a").agg, cat.row("1.a").period_agg) == ("sum", "flow")
    assert (cat.row("1").agg, cat.row("1").period_agg) == ("ratio", "stock")
    assert [r.id for r in cat.rules] == ["auto-ratio-1", "it-nhat-mot"]


def test_parse_catalog_reads_text_with_a_bom():
    cat = parse_catalog("\ufeff" + catalog("""
        rows:
          - code: "1"
            label: "Số văn bản"
            type: count
        """))
    assert cat.row("1").label == "Số văn bản"


# --------------------------------------------------------------------------- one test per problem kind


def test_unknown_key_is_reported_with_line_and_suggestion(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
            label: "Số văn bản"
            type: count
            unti: "Văn bản"
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, "unti:"), "1.1")
    assert "khóa không hợp lệ “unti”" in problem.message
    assert "có phải “unit”?" in problem.message


def test_duplicate_code_names_both_lines(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
            label: "Số văn bản"
            type: count
          - code: "1.1"
            label: "Số văn bản khác"
            type: count
        """))
    problem = only_problem(path)
    first, second = line_of(path, 'code: "1.1"'), line_of(path, 'code: "1.1"', occurrence=2)
    assert (problem.line, problem.code) == (second, "1.1")
    assert f"mã “1.1” trùng với dòng {first}" in problem.message


def test_ratio_with_a_missing_numerator_row_is_reported(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1"
            label: "Tỷ lệ"
            type: ratio
            numerator: "1.9"
            denominator: "1.a"
          - code: "1.a"
            label: "Tổng số"
            type: count
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, 'code: "1"'), "1")
    assert "tử số “1.9” không có trong danh mục" in problem.message


def test_ratio_numerator_must_be_a_number_row(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1"
            label: "Tỷ lệ"
            type: ratio
            numerator: "1.b"
            denominator: "1.a"
          - code: "1.a"
            label: "Tổng số"
            type: count
          - code: "1.b"
            label: "Ghi chú"
            type: text
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, 'code: "1"'), "1")
    assert "tử số “1.b” là dòng kiểu text, phải là dòng số" in problem.message


def test_ratio_cannot_appear_at_a_level_where_its_parts_do_not(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1"
            label: "Tỷ lệ"
            type: ratio
            numerator: "1.b"
            denominator: "1.a"
          - code: "1.a"
            label: "Tổng số"
            type: count
          - code: "1.b"
            label: "Đã thực hiện"
            type: count
            levels: [huyen]
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, 'code: "1"'), "1")
    assert "tử số “1.b” không có ở cấp xa" in problem.message


def test_choice_without_options_is_reported(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.5.2"
            label: "Hình thức khảo sát"
            type: choice
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, 'code: "1.5.2"'), "1.5.2")
    assert "phải có “options”" in problem.message


def test_sum_rows_that_refer_to_each_other_are_a_cycle_reported_once(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "5.2"
            label: "Tuyển dụng"
            type: sum
            terms: ["5.3"]
          - code: "5.3"
            label: "Bổ nhiệm"
            type: sum
            terms: ["5.2"]
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, 'code: "5.2"'), "5.2")
    assert "vòng lặp giữa các dòng tính toán: 5.2 → 5.3 → 5.2" in problem.message


def test_drop_down_list_longer_than_255_characters_is_reported(tmp_path, write_catalog, line_of):
    options = ", ".join(f'{{value: {i}, label: "Hình thức khảo sát số {i} rất dài dòng"}}' for i in range(10))
    path = write_catalog(tmp_path, catalog(f"""
        rows:
          - code: "1.5.2"
            label: "Hình thức khảo sát"
            type: choice
            options: [{options}]
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, 'code: "1.5.2"'), "1.5.2")
    assert "danh sách lựa chọn dài" in problem.message and "tối đa 255" in problem.message


def test_rule_message_longer_than_255_characters_is_reported(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog(f"""
        rows:
          - code: "1"
            label: "Tổng số"
            type: count
          - code: "2"
            label: "Trong đó"
            type: count
        rules:
          - id: qua-dai
            check: "{{2}} <= {{1}}"
            message: "{'Số liệu vượt quá tổng số. ' * 10}"
        """))
    problem = only_problem(path)
    assert problem.line == line_of(path, "message:")
    assert problem.code is None
    assert "quy tắc “qua-dai”: thông báo dài" in problem.message and "tối đa 255" in problem.message


def test_rule_naming_a_missing_row_is_reported_with_that_code(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.4.1"
            label: "Tổng số nhiệm vụ"
            type: count
        rules:
          - id: nhiem-vu
            check: "{1.4.2} <= {1.4.1}"
            message: "Vượt tổng số nhiệm vụ"
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, "check:"), "1.4.2")
    assert "quy tắc “nhiem-vu” nhắc đến dòng “1.4.2” không có trong danh mục" in problem.message


def test_rule_with_bad_syntax_is_reported_with_the_expression(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.4.1"
            label: "Tổng số nhiệm vụ"
            type: count
        rules:
          - id: cu-phap
            check: "{1.4.1} =< 3"
            message: "Sai"
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, "check:"), None)
    assert "quy tắc “cu-phap”: biểu thức “{1.4.1} =< 3” sai" in problem.message


def test_unquoted_code_read_as_a_float_is_reported(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: 1.10
            label: "Dòng mười"
            type: count
        """))
    problem = only_problem(path)
    assert problem.line == line_of(path, "code: 1.10")
    assert "bị YAML đọc thành số" in problem.message and "dấu ngoặc kép" in problem.message


def test_unquoted_code_read_as_a_float_is_quoted_as_written(tmp_path, write_catalog):
    # YAML reads 1.10 as 1.1: the message and the row code must say 1.10, the
    # text the user typed, not 1.1 (which may well be another row's code).
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
            label: "Dòng một"
            type: count
          - code: 1.10
            label: "Dòng mười"
            type: count
        """))
    problem = only_problem(path)
    assert problem.code == "1.10"
    assert "code: 1.10" in problem.message


def test_duplicate_yaml_key_is_reported_at_the_second_key(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
            label: "Số văn bản"
            label: "Số văn bản chỉ đạo"
            type: count
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, "label:", occurrence=2), "1.1")
    assert "khóa “label” lặp lại" in problem.message


def test_unknown_type_is_reported_with_a_suggestion(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
            label: "Số văn bản"
            type: cout
        """))
    problem = only_problem(path)
    assert (problem.line, problem.code) == (line_of(path, "type: cout"), "1.1")
    assert "kiểu “cout” không hợp lệ" in problem.message and "có phải “count”?" in problem.message


def test_invalid_yaml_is_reported_with_its_line(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
             label: "Thụt lề sai"
            type: count
        """))
    problem = only_problem(path)
    assert problem.line == line_of(path, "Thụt lề sai")
    assert "YAML không hợp lệ" in problem.message


def test_every_problem_of_a_file_is_reported_at_once(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1"
            label: "Số văn bản"
            type: count
            unti: "Văn bản"
          - code: "1"
            label: "Số văn bản khác"
            type: count
          - code: "2"
            label: "Tỷ lệ"
            type: ratio
            numerator: "9"
            denominator: "1"
          - code: "3"
            label: "Hình thức"
            type: choice
        rules:
          - id: thieu-dong
            check: "{1} <= {8}"
            message: "Sai"
          - id: cu-phap
            check: "{1} <="
            message: "Sai"
        """))
    expected = [  # (line, row code, message) in file order
        (line_of(path, "unti:"), "1", "khóa không hợp lệ “unti”"),
        (line_of(path, 'code: "1"', occurrence=2), "1", "mã “1” trùng"),
        (line_of(path, 'code: "2"'), "2", "tử số “9” không có"),
        (line_of(path, 'code: "3"'), "3", "phải có “options”"),
        (line_of(path, 'check: "{1} <= {8}"'), "8", "nhắc đến dòng “8”"),
        (line_of(path, 'check: "{1} <="'), None, "quy tắc “cu-phap”: biểu thức"),
    ]
    found = sorted(all_problems(path), key=lambda p: p.line or 0)
    assert [(p.line, p.code) for p in found] == [(line, code) for line, code, _ in expected]
    for problem, (_, _, text) in zip(found, expected, strict=True):
        assert text in problem.message


def test_catalog_error_reads_as_a_list_of_file_line_and_code(tmp_path, write_catalog, line_of):
    path = write_catalog(tmp_path, catalog("""
        rows:
          - code: "1.1"
            label: "Số văn bản"
            type: cout
        """))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert isinstance(info.value, ValueError)
    text = str(info.value)
    assert text.startswith("Danh mục chỉ tiêu có lỗi (1 lỗi):")
    assert f"{path}, dòng {line_of(path, 'type: cout')} (mã 1.1): kiểu “cout”" in text


def test_missing_catalogue_file_is_a_catalog_error(tmp_path):
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path / "khong_co.yaml")
    assert "không đọc được tệp" in info.value.problems[0].message


@pytest.mark.parametrize("text", ["", "- mot\n- hai\n", "chỉ là chữ\n"], ids=["empty", "list", "scalar"])
def test_a_file_that_is_not_a_mapping_is_reported(tmp_path, write_catalog, text):
    problem = only_problem(write_catalog(tmp_path, text))
    assert "tệp phải là một bảng YAML" in problem.message
