"""Usage mistakes at the command line: each stops with exit 2, a Vietnamese
message that says what to do, no traceback, and no output file left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cchc_xlsx import generate, load_catalog, load_units
from cchc_xlsx.cli import main

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "examples" / "units_cho_don.csv"
PERIOD = "2024-Q1"


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Blank templates of the example register's 24 communes, standing in for returns."""
    out = tmp_path_factory.mktemp("usage") / "nop_ve"
    catalog = load_catalog()
    generate(catalog, "xa", PERIOD, out, load_units(UNITS, catalog), generated_at="2024-04-01T00:00:00+00:00")
    return out


@pytest.fixture(scope="module")
def h02(returns: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four returns of huyện Bạch Thông (H02) alone."""
    out = tmp_path_factory.mktemp("h02") / "nop_ve"
    out.mkdir()
    for p in returns.glob("*_X02*.xlsx"):
        shutil.copy(p, out / p.name)
    assert len(list(out.iterdir())) == 4
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_an_input_path_that_does_not_exist(capsys, tmp_path: Path, returns: Path):
    code, out, err = run(capsys, "consolidate", str(tmp_path / "nop_vee"), "--out", str(tmp_path / "t.xlsx"), "--level", "xa", "--units", str(UNITS), "--unit", "H01")
    assert code == 2
    assert "Không tìm thấy" in err and "nop_vee" in err and "(tham số PATH)" in err
    assert files_in(tmp_path) == []


def test_check_of_a_path_that_does_not_exist(capsys, tmp_path: Path):
    code, _out, err = run(capsys, "check", str(tmp_path / "khong_co"))
    assert code == 2 and "Không tìm thấy" in err


@pytest.mark.parametrize("command", ["check", "consolidate"])
def test_an_empty_folder(capsys, tmp_path: Path, command: str):
    empty = tmp_path / "trong"
    empty.mkdir()
    (empty / "~$bieu.xlsx").write_bytes(b"\x00" * 165)  # only an Excel lock file
    extra = ["--out", str(tmp_path / "t.xlsx")] if command == "consolidate" else []
    code, _out, err = run(capsys, command, str(empty), *extra)
    assert code == 2
    assert "Không tìm thấy biểu nào để đọc" in err and "tệp tạm, tệp khóa" in err
    assert files_in(tmp_path) == ["~$bieu.xlsx"]


def test_a_unit_that_is_not_above_the_level(capsys, tmp_path: Path, returns: Path):
    code, _out, err = run(capsys, "consolidate", str(returns), "--out", str(tmp_path / "t.xlsx"), "--level", "xa", "--units", str(UNITS), "--unit", "X0114")
    assert code == 2
    assert "Xã Tân Lập (X0114, cấp xã) không có đơn vị cấp xã nào trực thuộc" in err
    assert "H01 (Huyện Chợ Đồn)" in err and "(tham số --unit)" in err
    assert files_in(tmp_path) == []


def test_several_top_units_and_no_unit(capsys, tmp_path: Path, returns: Path):
    two_districts = tmp_path / "hai_huyen.csv"
    lines = [ln for ln in UNITS.read_text(encoding="utf-8").splitlines() if not ln.startswith(("T11,", "S0"))]
    two_districts.write_text("\n".join(ln.replace(",huyen,T11", ",huyen,") for ln in lines) + "\n", encoding="utf-8")
    code, _out, err = run(capsys, "consolidate", str(returns), "--out", str(tmp_path / "t.xlsx"), "--level", "xa", "--units", str(two_districts))
    assert code == 2
    assert "thuộc 2 đơn vị cấp cao nhất khác nhau" in err and "H01 (Huyện Chợ Đồn), H02 (Huyện Bạch Thông)" in err
    assert not (tmp_path / "t.xlsx").exists()


@pytest.mark.parametrize(("name", "message"), [("tong_hop", "phải có đuôi .xlsx"), ("tong_hop.csv", "phải có đuôi .xlsx")])
def test_out_without_xlsx(capsys, tmp_path: Path, returns: Path, name: str, message: str):
    code, _out, err = run(capsys, "consolidate", str(returns), "--out", str(tmp_path / name), "--level", "xa")
    assert code == 2 and message in err and "(tham số --out)" in err
    assert files_in(tmp_path) == []


def test_out_that_is_a_folder(capsys, tmp_path: Path, returns: Path):
    folder = tmp_path / "ket_qua.xlsx"
    folder.mkdir()
    code, _out, err = run(capsys, "consolidate", str(returns), "--out", str(folder), "--level", "xa")
    assert code == 2 and "là một thư mục" in err
    assert files_in(tmp_path) == []


def test_an_existing_output_is_not_overwritten_without_force(capsys, tmp_path: Path, h02: Path):
    out = tmp_path / "t.xlsx"
    args = ["consolidate", str(h02), "--out", str(out), "--level", "xa", "--units", str(UNITS), "--unit", "H02"]
    code, _o, _e = run(capsys, *args)
    assert code == 0
    first = out.read_bytes()
    code, _o, err = run(capsys, *args)
    assert code == 2 and "đã có, không ghi đè" in err and "--force" in err
    assert out.read_bytes() == first
    code, _o, _e = run(capsys, *args, "--force")
    assert code == 0


def test_the_tools_own_outputs_in_the_input_folder_are_skipped(capsys, tmp_path: Path, h02: Path):
    folder = tmp_path / "nop_ve"
    shutil.copytree(h02, folder)
    args = ["consolidate", str(folder), "--out", str(folder / "tong_hop.xlsx"), "--json", str(folder / "tong_hop.json"),
            "--level", "xa", "--units", str(UNITS), "--unit", "H02"]
    assert run(capsys, *args)[0] == 0
    code, out, _e = run(capsys, *args, "--force", "--verbose")
    assert code == 0
    assert "Tệp kết quả của chính lần chạy này" in out
    assert "Bỏ qua: 2" in out


def test_when_an_output_cannot_be_written_nothing_is_written(capsys, tmp_path: Path, returns: Path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code, _out, err = run(capsys, "consolidate", str(returns), "--out", str(tmp_path / "t.xlsx"), "--json", str(blocker / "t.json"), "--level", "xa")
    assert code == 2
    assert "Không ghi được" in err and "không phải thư mục" in err
    assert files_in(tmp_path) == ["a_file"]


def test_a_units_file_that_is_a_folder_is_explained_in_vietnamese(capsys, tmp_path: Path, returns: Path):
    code, _out, err = run(capsys, "check", str(returns), "--units", str(tmp_path))
    assert code == 2
    assert "không đọc được tệp: đây là một thư mục, không phải tệp [Is a directory]" in err


def test_a_units_file_saved_by_excel_with_semicolons_is_read(capsys, tmp_path: Path, returns: Path):
    semi = tmp_path / "don_vi.csv"
    semi.write_bytes(b"\xef\xbb\xbf" + UNITS.read_text(encoding="utf-8").replace(",", ";").encode("utf-8").replace(b"\n", b"\r\n"))
    code, out, _e = run(capsys, "check", str(returns), "--units", str(semi), "--level", "xa", "--unit", "H02")
    assert code == 1  # the 20 returns of huyện Chợ Đồn are not huyện Bạch Thông's
    assert "Chấp nhận: 4   Từ chối: 20" in out


def test_a_units_file_that_is_not_utf8_says_how_to_save_it(capsys, tmp_path: Path, returns: Path):
    legacy = tmp_path / "don_vi.csv"
    legacy.write_bytes(b"code,name,level,parent\nX01,X\xe3 T\xe2n,xa,\n")
    code, _out, err = run(capsys, "check", str(returns), "--units", str(legacy))
    assert code == 2 and "CSV UTF-8" in err


def test_a_control_character_in_a_unit_name_is_refused_with_its_line(capsys, tmp_path: Path, returns: Path):
    bad = tmp_path / "don_vi.csv"
    bad.write_text("code,name,level,parent\nH01,Huyện Chợ Đồn,huyen,\nX01,Xã Tân\x01Lập,xa,H01\n", encoding="utf-8")
    code, _out, err = run(capsys, "generate", "--level", "xa", "--period", PERIOD, "--units", str(bad), "--out", str(tmp_path / "b"))
    assert code == 2
    assert "dòng 3 (mã X01): tên đơn vị có ký tự ẩn hoặc ký tự điều khiển (U+0001)" in err
    assert not (tmp_path / "b").exists()


def test_a_broken_catalogue_is_explained_in_vietnamese(capsys, tmp_path: Path, returns: Path):
    broken = tmp_path / "danh_muc.yaml"
    broken.write_text("catalog:\n  id: x\n  title: a: b\n", encoding="utf-8")
    code, _out, err = run(capsys, "catalog", "--catalog", str(broken))
    assert code == 2
    assert "dòng 3: YAML không hợp lệ: dấu “:” không đúng chỗ" in err and "[mapping values are not allowed here]" in err


def test_check_prints_a_summary_by_default_and_everything_with_verbose(capsys, tmp_path: Path, returns: Path):
    folder = tmp_path / "nhieu"
    shutil.copytree(returns, folder)
    for i in range(15):  # fifteen files that are not returns
        (folder / f"ghi_chu_{i:02}.txt").write_text(f"không phải biểu {i}", encoding="utf-8")
    code, quiet, _e = run(capsys, "check", str(folder), "--level", "xa")
    assert code == 1
    assert quiet.count("[TỪ CHỐI]") == 10 and "… và 29 tệp khác" in quiet  # 5 more rejected, 24 empty forms
    assert "15 lỗi  không phải tệp Excel (not-xlsx)" in quiet and "--verbose" in quiet
    code, loud, _e = run(capsys, "check", str(folder), "--level", "xa", "--verbose")
    assert loud.count("[TỪ CHỐI]") == 15 and loud.count("[CHẤP NHẬN]") == 24
