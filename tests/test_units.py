"""The units file ``code,name,level,parent`` and the unit tree.

Files come from Excel ("CSV UTF-8" adds a BOM and CRLF) and carry provenance
comments above the header; every problem is reported at once with its line.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from cchc_xlsx.errors import UnitsError
from cchc_xlsx.units import Units, fold, load_units, parse_units, slugify

EXAMPLE_UNITS = Path(__file__).resolve().parent.parent / "examples" / "units_cho_don.csv"
CATALOG_LEVELS = ("xa", "huyen", "tinh")

SMALL = """
    # Đơn vị ví dụ (mã minh họa)
    # nguồn: Phòng Nội vụ
    code,name,level,parent
    T11,Tỉnh Bắc Kạn,tinh,
    H01,Huyện Chợ Đồn,huyen,T11
    00123,Xã Tân Lập,xa,H01
    00124,Xã Đồng Lạc,xa,H01
    H02,Huyện Bạch Thông,huyen,T11
    00201,Xã Quân Hà,xa,H02
    00125,Thị trấn Bằng Lũng,xa,H01
"""


def unit_problems(path: Path, levels=CATALOG_LEVELS) -> set[tuple[int | None, str | None, str]]:
    with pytest.raises(UnitsError) as info:
        load_units(path, levels)
    for problem in info.value.problems:
        assert problem.path == str(path)
    return {(p.line, p.code, p.message) for p in info.value.problems}


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("bom", "newline"), [(False, "\n"), (True, "\n"), (True, "\r\n"), (False, "\r\n")],
    ids=["plain", "bom", "bom-crlf", "crlf"],
)
def test_units_file_is_read_with_or_without_bom_and_crlf(tmp_path, write_units, bom, newline):
    units = load_units(write_units(tmp_path, SMALL, bom=bom, newline=newline), CATALOG_LEVELS)
    assert [u.code for u in units] == ["T11", "H01", "00123", "00124", "H02", "00201", "00125"]
    assert units["00123"].name == "Xã Tân Lập"
    assert (units["00123"].level, units["00123"].parent) == ("xa", "H01")


def test_top_unit_has_no_parent(tmp_path, write_units):
    units = load_units(write_units(tmp_path, SMALL), CATALOG_LEVELS)
    assert units["T11"].parent is None


def test_codes_keep_their_leading_zeros(tmp_path, write_units):
    units = load_units(write_units(tmp_path, SMALL, bom=True), CATALOG_LEVELS)
    assert "00123" in units and "123" not in units
    assert units.get("00123").code == "00123"


def test_each_unit_remembers_its_line_in_the_file(tmp_path, write_units, line_of):
    path = write_units(tmp_path, SMALL, bom=True, newline="\r\n")
    units = load_units(path, CATALOG_LEVELS)
    assert units["00123"].line == line_of(path, "00123,")
    assert units["T11"].line == 4  # after two comment lines and the header


def test_blank_lines_and_comments_after_the_header_are_ignored(tmp_path, write_units):
    path = write_units(tmp_path, """
        code,name,level,parent
        T11,Tỉnh Bắc Kạn,tinh,

        # các huyện
        H01,Huyện Chợ Đồn,huyen,T11
        """)
    assert [u.code for u in load_units(path)] == ["T11", "H01"]


def test_quoted_name_may_contain_a_comma(tmp_path, write_units):
    path = write_units(tmp_path, """
        code,name,level,parent
        P01,"Phường 1, Quận 3",xa,
        """)
    assert load_units(path)["P01"].name == "Phường 1, Quận 3"


def test_example_units_file_loads_with_the_default_levels():
    units = load_units(EXAMPLE_UNITS, CATALOG_LEVELS)
    assert units["X0114"].name == "Xã Tân Lập"
    assert [u.code for u in units.at_level("huyen")] == ["H01", "H02"]


# --------------------------------------------------------------------------- problems


PROBLEM_CASES = [
    ("duplicate-code", "H01,Huyện Chợ Đồn 2,huyen,T11", "H01", "mã đơn vị trùng với dòng 3"),
    ("unknown-parent", "X01,Xã Tân Lập,xa,H99", "X01", "đơn vị cấp trên “H99” không có trong tệp"),
    ("unknown-level", "P01,Phường Sông Cầu,phuong,T11", "P01", "cấp “phuong” không hợp lệ"),
    ("empty-name", "X01,,xa,H01", "X01", "thiếu tên đơn vị"),
    ("own-parent", "X01,Xã Tân Lập,xa,X01", "X01", "đơn vị là cấp trên của chính nó"),
    ("empty-code", ",Xã Tân Lập,xa,H01", None, "thiếu mã đơn vị"),
    ("three-columns", "X01,Xã Tân Lập,xa", None, "cần 4 cột"),
]


@pytest.mark.parametrize(("line", "code", "message"), [c[1:] for c in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES])
def test_bad_unit_is_reported_with_line_and_code(tmp_path, write_units, line, code, message):
    path = write_units(tmp_path, "code,name,level,parent\nT11,Tỉnh Bắc Kạn,tinh,\nH01,Huyện Chợ Đồn,huyen,T11\n" + line + "\n")
    problems = unit_problems(path)
    assert len(problems) == 1, problems
    (found_line, found_code, found_message), = problems
    assert (found_line, found_code) == (4, code)
    assert message in found_message


def test_parent_cycle_is_reported(tmp_path, write_units, line_of):
    path = write_units(tmp_path, """
        code,name,level,parent
        H01,Huyện Chợ Đồn,huyen,X01
        X01,Xã Tân Lập,xa,H01
        """)
    problems = unit_problems(path)
    assert problems  # one problem per unit of the cycle is fine
    assert all("vòng lặp cấp trên" in message for _, _, message in problems)
    assert (line_of(path, "H01,"), "H01") in {(line, code) for line, code, _ in problems}


def test_every_problem_of_a_units_file_is_reported_at_once(tmp_path, write_units, line_of):
    path = write_units(tmp_path, """
        # mã minh họa
        code,name,level,parent
        T11,Tỉnh Bắc Kạn,tinh,
        H01,Huyện Chợ Đồn,huyen,T11
        H01,Huyện Bạch Thông,huyen,T11
        X01,Xã Tân Lập,xa,H99
        P01,Phường Sông Cầu,phuong,T11
        X02,,xa,H01
        A1,Xã A,xa,B1
        B1,Xã B,xa,A1
        """)
    found = {(line, code) for line, code, _ in unit_problems(path)}
    assert found == {
        (line_of(path, "Bạch Thông"), "H01"),  # duplicate code
        (line_of(path, "H99"), "X01"),  # unknown parent
        (line_of(path, "P01,"), "P01"),  # a level no form knows
        (line_of(path, "X02,"), "X02"),  # empty name
        (line_of(path, "A1,Xã A"), "A1"),  # cycle A1 → B1 → A1 ...
        (line_of(path, "B1,Xã B"), "B1"),  # ... seen from B1 too
    }


@pytest.mark.parametrize(
    "header", ["ma,ten,cap,cha", "code,name,level", "code;name;level", "name,code,level,parent", "ma;ten;cap;cha"]
)
def test_wrong_header_is_reported_on_its_line(tmp_path, write_units, header):
    path = write_units(tmp_path, f"# chú thích\n{header}\nT11,Tỉnh Bắc Kạn,tinh,\n")
    problems = unit_problems(path)
    assert len(problems) == 1
    (line, code, message), = problems
    assert (line, code) == (2, None)
    assert "dòng tiêu đề phải là “code,name,level,parent”" in message


def test_header_is_case_and_space_insensitive(tmp_path, write_units):
    path = write_units(tmp_path, "Code, Name, Level, Parent\nT11,Tỉnh Bắc Kạn,tinh,\n")
    assert [u.code for u in load_units(path)] == ["T11"]


def test_file_with_only_comments_is_reported_as_empty(tmp_path, write_units):
    path = write_units(tmp_path, "# chỉ có chú thích\n\n")
    (_, _, message), = unit_problems(path)
    assert "tệp trống" in message


def test_file_that_is_not_utf8_is_reported(tmp_path):
    path = tmp_path / "units.csv"
    # Excel's plain "CSV" on a Vietnamese Windows is Windows-1258: "Xã Tân" is X\xe3 T\xe2n
    path.write_bytes(b"code,name,level,parent\nX01,X\xe3 T\xe2n,xa,\n")
    (_, _, message), = unit_problems(path)
    assert "không phải UTF-8" in message


def test_units_error_names_file_and_line(tmp_path, write_units):
    path = write_units(tmp_path, "code,name,level,parent\nX01,,xa,\n")
    with pytest.raises(UnitsError) as info:
        load_units(path)
    assert isinstance(info.value, ValueError)
    assert f"{path}, dòng 2 (mã X01): thiếu tên đơn vị" in str(info.value)


def test_without_catalogue_levels_every_known_level_is_accepted():
    units = parse_units("code,name,level,parent\nT1,Tỉnh,tinh,\nS1,Sở Nội vụ,so,T1\n".encode())
    assert [u.level for u in units] == ["tinh", "so"]


# --------------------------------------------------------------------------- the tree


@pytest.fixture
def small_units(tmp_path, write_units) -> Units:
    return load_units(write_units(tmp_path, SMALL), CATALOG_LEVELS)


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("H01", "xa", ["00123", "00124", "00125"]),
        ("T11", "xa", ["00123", "00124", "00201", "00125"]),
        ("T11", "huyen", ["H01", "H02"]),
        ("T11", None, ["H01", "00123", "00124", "H02", "00201", "00125"]),
        ("H02", "huyen", []),
        ("00123", None, []),
        ("KHONG_CO", None, []),
    ],
)
def test_descendants_are_in_file_order(small_units, code, level, expected):
    assert [u.code for u in small_units.descendants(code, level)] == expected


def test_descendants_of_the_example_district_are_its_twenty_communes():
    units = load_units(EXAMPLE_UNITS, CATALOG_LEVELS)
    assert [u.code for u in units.descendants("H01", "xa")] == [f"X01{i:02d}" for i in range(1, 21)]


def test_ancestors_go_up_to_the_top(small_units):
    assert [u.code for u in small_units.ancestors("00123")] == ["H01", "T11"]


# --------------------------------------------------------------------------- finding a unit by name


@pytest.mark.parametrize(
    "text",
    ["Xã Tân Lập", "xã tân lập", "XA TAN LAP", "tan lap", "Tân  Lập", "UBND xã Tân Lập", "00123", " 00123 "],
)
def test_match_name_ignores_diacritics_case_and_prefix(small_units, text):
    unit, candidates = small_units.match_name(text)
    assert (unit.code if unit else None, candidates) == ("00123", [])


def test_match_name_finds_a_unit_whose_name_has_d_stroke(small_units):
    unit, _ = small_units.match_name("dong lac")
    assert unit is not None and unit.code == "00124"


def test_ambiguous_name_returns_every_candidate(tmp_path, write_units):
    units = load_units(write_units(tmp_path, """
        code,name,level,parent
        H01,Huyện Chợ Đồn,huyen,
        H02,Huyện Bạch Thông,huyen,
        X01,Xã Tân Lập,xa,H01
        X02,Xã Tân Lập,xa,H02
        """), CATALOG_LEVELS)
    unit, candidates = units.match_name("tan lap")
    assert unit is None
    assert [u.code for u in candidates] == ["X01", "X02"]


def test_match_name_restricted_to_a_level(small_units):
    unit, _ = small_units.match_name("Chợ Đồn", level="huyen")
    assert unit is not None and unit.code == "H01"
    unit, _ = small_units.match_name("Chợ Đồn", level="xa")
    assert unit is None


def test_unknown_name_returns_the_closest_candidates(small_units):
    unit, candidates = small_units.match_name("Xã Tân Lạc")
    assert unit is None
    assert "00123" in [u.code for u in candidates]


@pytest.mark.parametrize("text", ["zzzz qqqq", "", "   "])
def test_name_like_nothing_returns_no_candidates(small_units, text):
    assert small_units.match_name(text) == (None, [])


# --------------------------------------------------------------------------- slugs


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Xã Tân Lập", "xa_tan_lap"),
        ("Đồng", "dong"),
        ("Xã Đồng Lạc", "xa_dong_lac"),
        ("Thị trấn Bằng Lũng", "thi_tran_bang_lung"),
        ("Huyện Chợ Đồn", "huyen_cho_don"),
        ("Phường 1, Quận 3", "phuong_1_quan_3"),
        ("Xã Ea H'Leo", "xa_ea_h_leo"),
        ("  Xã   Yên   Mỹ  ", "xa_yen_my"),
        ("", "don_vi"),
        ("!!!", "don_vi"),
    ],
)
def test_slugify_gives_an_ascii_file_name_part(name, slug):
    assert slugify(name) == slug


def test_unit_slug_is_the_slug_of_its_name(small_units):
    assert small_units["00123"].slug == "xa_tan_lap"


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Đồng", "dong"), ("đường", "duong"), ("XÃ  TÂN LẬP", "xa tan lap"), ("Nghĩa Tá", "nghia ta")],
)
def test_fold_removes_diacritics_case_and_extra_spaces(text, folded):
    assert fold(text) == folded


def test_fold_handles_decomposed_unicode():
    # macOS and some web forms send "ã" as "a" + combining tilde
    assert fold(unicodedata.normalize("NFD", "Xã Tân Lập")) == "xa tan lap"


def test_an_optional_contact_column_is_kept(tmp_path, write_units):
    path = write_units(tmp_path, """
        code;name;level;parent;contact
        T11;Tỉnh Bắc Kạn;tinh;
        H01;Huyện Chợ Đồn;huyen;T11;Anh Minh 0209 387 1234
        """)
    units = load_units(path)
    assert [(u.code, u.contact) for u in units] == [("T11", ""), ("H01", "Anh Minh 0209 387 1234")]


def test_a_row_with_too_many_columns_names_the_header(tmp_path, write_units):
    path = write_units(tmp_path, """
        code,name,level,parent,contact
        T11,Tỉnh Bắc Kạn,tinh,,a,b
        """)
    (line, code, message), = unit_problems(path)
    assert line == 2 and "cần 5 cột code,name,level,parent,contact (gặp 6)" in message
