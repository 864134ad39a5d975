"""`cchc-xlsx generate` from the command line: files, messages, exit codes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from cchc_xlsx.cli import main

ROOT = Path(__file__).resolve().parent.parent
UNITS = str(ROOT / "examples" / "units_cho_don.csv")


def test_generate_writes_one_template_per_commune_and_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--level", "xa", "--period", "2024-Q1", "--units", UNITS, "--out", str(tmp_path)]) == 0
    assert len(list(tmp_path.glob("2024-Q1_xa_*.xlsx"))) == 24
    assert "Đã tạo 24 biểu Quý I năm 2024" in capsys.readouterr().out


def test_existing_files_stop_generation_with_exit_2_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--level", "xa", "--period", "2024-Q1", "--units", UNITS, "--out", str(tmp_path)]) == 0
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    assert main(["generate", "--level", "xa", "--period", "2024-Q1", "--units", UNITS, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "không ghi đè" in err and "--force" in err and "Traceback" not in err
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_generic_template_with_units_offers_the_level_units_in_a_drop_down(tmp_path: Path) -> None:
    assert main(["generate", "--level", "xa", "--period", "2024-Q1", "--units", UNITS, "--generic", "--out", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("*.xlsx")
    assert path.name == "2024-Q1_xa_mau_chung.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    (dv,) = [d for d in ws.data_validations.dataValidation if str(d.sqref) == "B1"]
    assert dv.type == "list" and dv.formula1 == "'_cchc_lists'!$A$1:$A$24"
    names = [wb["_cchc_lists"].cell(i, 1).value for i in range(1, 25)]
    assert names[0] == "Thị trấn Bằng Lũng" and "Xã Tân Lập" in names
    assert wb["_cchc_lists"].sheet_state == "hidden"
    assert ws["B1"].protection.locked is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--level", "xx", "--period", "2024-Q1"], "không có trong danh mục"),
        (["--level", "xa", "--period", "2024Q1"], "2024-Q1 … 2024-Q4"),
        (["--level", "xa", "--period", "2024-Q1", "--units", "/nonexistent/units.csv"], "không đọc được tệp"),
    ],
)
def test_user_mistakes_exit_2_with_a_vietnamese_message(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(["generate", *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
