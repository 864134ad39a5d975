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


# --------------------------------------------------------------------------- found by a fresh-eyes review of the wheel


def test_demo_never_deletes_what_it_did_not_write(capsys, tmp_path: Path):
    mine = tmp_path / "1_bieu_mau_xa"
    mine.mkdir()
    (mine / "ghi_chu_cua_toi.txt").write_text("quan trọng", encoding="utf-8")
    code, _out, err = run(capsys, "demo", "--out", str(tmp_path))
    assert code == 2 and "đã có các tệp khác" in err
    assert (mine / "ghi_chu_cua_toi.txt").read_text(encoding="utf-8") == "quan trọng"


def test_an_output_that_is_an_input_is_refused_even_with_force(capsys, tmp_path: Path, h02: Path):
    folder = tmp_path / "nop_ve"
    shutil.copytree(h02, folder)
    a_return = sorted(folder.iterdir())[0]
    before = a_return.read_bytes()
    code, _out, err = run(capsys, "consolidate", str(folder), "--out", str(a_return), "--level", "xa", "--units", str(UNITS), "--unit", "H02", "--force")
    assert code == 2 and "là một tệp đầu vào" in err
    assert a_return.read_bytes() == before
    units_copy = tmp_path / "don_vi.csv"
    shutil.copy(UNITS, units_copy)
    code, _out, err = run(capsys, "consolidate", str(folder), "--out", str(tmp_path / "t.xlsx"), "--json", str(units_copy), "--level", "xa", "--units", str(units_copy), "--unit", "H02", "--force")
    assert code == 2 and "là một tệp đầu vào" in err
    assert units_copy.read_bytes() == UNITS.read_bytes()


def test_outputs_are_replaced_all_or_none(tmp_path: Path, h02: Path, monkeypatch: pytest.MonkeyPatch):
    """When one existing output cannot be replaced (an immutable file, say), the others are not either."""
    import os as _os

    import cchc_xlsx as cx
    import cchc_xlsx.atomic as _atomic

    out = tmp_path / "out"
    out.mkdir()
    old = {name: f"cũ {name}".encode() for name in ("t.xlsx", "t.json", "t.csv")}
    for name, data in old.items():
        (out / name).write_bytes(data)
    real = _os.replace

    def refuse_csv(src: object, dst: object) -> None:
        if str(dst).endswith("t.csv") and ".cchc-tmp-" in str(src) and "old" not in str(src):
            raise PermissionError(1, "Operation not permitted", str(dst))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(_atomic.os, "replace", refuse_csv)
    with pytest.raises(cx.OutputError, match="không tệp kết quả nào bị thay đổi"):
        cx.consolidate(h02, None, out / "t.xlsx", level="xa", units=UNITS, unit="H02", json_path=out / "t.json", csv_path=out / "t.csv", force=True, workers=0)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == old


def test_generate_writes_all_templates_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import cchc_xlsx as cx
    import cchc_xlsx.write.generate as template

    catalog = cx.load_catalog()
    units = cx.load_units(UNITS, catalog)
    blocked = tmp_path / "b1"
    (blocked / "2024-Q1_xa_X0110_xa_nghia_ta.xlsx").mkdir(parents=True)  # a folder where a file must go
    with pytest.raises(cx.UsageError, match="là một thư mục"):
        cx.generate(catalog, "xa", PERIOD, blocked, units)
    assert [p.name for p in blocked.iterdir()] == ["2024-Q1_xa_X0110_xa_nghia_ta.xlsx"]
    calls = {"n": 0}
    real = template.Stamper.stamp

    def disk_full(self: object, unit: object) -> bytes:
        calls["n"] += 1
        if calls["n"] == 10:
            raise OSError(28, "No space left on device")
        return real(self, unit)  # type: ignore[arg-type]

    monkeypatch.setattr(template.Stamper, "stamp", disk_full)
    with pytest.raises(OSError):
        cx.generate(catalog, "xa", PERIOD, tmp_path / "b2", units)
    assert list((tmp_path / "b2").iterdir()) == []


def test_a_blank_template_sent_back_is_a_warning(capsys, tmp_path: Path, h02: Path):
    code, out, _err = run(capsys, "check", str(h02), "--level", "xa", "--units", str(UNITS), "--unit", "H02")
    assert code == 0  # a warning
    assert "4 cảnh báo  biểu không có số liệu nào (empty-form)" in out


def test_the_same_junk_under_several_names_is_rejected_each_time(capsys, tmp_path: Path):
    folder = tmp_path / "rac"
    folder.mkdir()
    for i in range(3):
        (folder / f"2024-Q1_xa_X010{i}.xlsx").write_bytes(b"garbage")
    code, out, _err = run(capsys, "check", str(folder))
    assert code == 1 and "Từ chối: 3   Bỏ qua: 0" in out


def test_returns_of_several_periods_need_a_period(capsys, tmp_path: Path, h02: Path):
    import cchc_xlsx as cx

    folder = tmp_path / "hai_ky"
    shutil.copytree(h02, folder)
    catalog = cx.load_catalog()
    files = cx.generate(catalog, "xa", "2023-Q4", tmp_path / "cu", cx.load_units(UNITS, catalog))
    for f in files:
        if f.unit is not None and f.unit.parent == "H02":
            shutil.copy(f.path, folder / f.path.name)
    code, _out, err = run(capsys, "consolidate", str(folder), "--out", str(tmp_path / "t.xlsx"), "--level", "xa", "--units", str(UNITS), "--unit", "H02")
    assert code == 2 and "thuộc nhiều kỳ báo cáo khác nhau" in err and "Quý IV năm 2023: 4 tệp" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_a_terminal_that_cannot_print_vietnamese_does_not_crash(tmp_path: Path, h02: Path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "cp1258"}
    proc = subprocess.run(
        [sys.executable, "-m", "cchc_xlsx.cli", "check", str(h02), "--level", "xa"],
        capture_output=True, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr


def test_units_files_as_excel_and_people_write_them(tmp_path: Path):
    import cchc_xlsx as cx

    trailing = tmp_path / "thua_cot.csv"
    trailing.write_text("code;name;level;parent;;\nH01;Huyện Chợ Đồn;huyen;;;\nX01;Xã Tân Lập;xa;H01;;\n", encoding="utf-8")
    assert [u.code for u in cx.load_units(trailing)] == ["H01", "X01"]
    vt = tmp_path / "ky_tu_la.csv"
    vt.write_text("code,name,level,parent\nH01,Huyện A,huyen,\nX01,Xã\x0bTân Lập,xa,H01\nX02,Xã B,xa,H01\n", encoding="utf-8")
    with pytest.raises(cx.UnitsError) as info:
        cx.load_units(vt)
    assert [(p.line, p.code) for p in info.value.problems] == [(3, "X01")]  # the right line, nothing split
    assert cx.load_units(UNITS, str(ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml")).get("S01") is not None


def test_library_arguments_that_cannot_work(tmp_path: Path, h02: Path):
    import cchc_xlsx as cx

    with pytest.raises(cx.UsageError) as info:
        cx.consolidate(h02, None, tmp_path / "t.xlsx", prefer="oldest")
    assert info.value.option == "prefer"
    for bad in (None, 5):
        with pytest.raises(cx.UsageError):
            cx.check(bad)  # type: ignore[arg-type]
