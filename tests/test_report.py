"""The narrative report draft (issue 15): the demo district's appendix written
up the way the reports quote it, read back through LibreOffice and pdftotext;
a template whose tag Word split; the chart and targets sheets."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

import cchc_xlsx as cx
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.cli import main
from cchc_xlsx.demo import _fill_returns
from cchc_xlsx.layout.a1 import col_letter
from cchc_xlsx.layout.form import ROW_HEAD1, build_layout
from cchc_xlsx.layout.summary import (
    CHARTS_SHEET,
    FIRST_UNIT_COL,
    SUMMARY_SHEET,
    TARGETS_SHEET,
    row_index,
)
from cchc_xlsx.outputs.report.draft import statement
from cchc_xlsx.outputs.report.word import default_template
from cchc_xlsx.semantics.numbers import format_parts, format_percent, format_vn
from cchc_xlsx.semantics.targets import grade, grade_targets

try:  # tests/ as a package or as a rootdir-less folder
    from tests.libreoffice import require_soffice, to_pdf
except ImportError:  # pragma: no cover
    from libreoffice import require_soffice, to_pdf

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2024-Q1"


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[cx.Consolidation, Path]:
    """The demo's district appendix: huyện Chợ Đồn, 19 of its 20 communes."""
    tmp = tmp_path_factory.mktemp("report")
    catalog = cx.load_catalog()
    units = cx.load_units(cx.example_path("units_cho_don.csv"), catalog)
    _fill_returns(catalog, units, cx.parse_period(PERIOD), tmp / "returns")
    out = tmp / "huyen_H01.xlsx"
    res = cx.consolidate(
        tmp / "returns" / "H01", catalog, out, level="xa", period=PERIOD, units=units, unit="H01"
    )
    return res, out


def expected_quotes(res: cx.Consolidation) -> list[str]:
    """What the draft must quote: each ratio with its parts, each non-zero count."""
    catalog: Catalog = res.catalog
    out = []
    parts = {c for r in catalog.rows if r.type == "ratio" for c in (r.numerator, r.denominator)}
    for row in catalog.rows_for_level("xa"):
        if row.type == "ratio" and row.numerator and row.denominator:
            num, den = res.totals.get(row.numerator), res.totals.get(row.denominator)
            if isinstance(num, (int, float)) and isinstance(den, (int, float)) and den:
                unit = catalog.row(row.denominator).unit
                out.append(f"đạt {format_percent(100 * num / den)} ({format_parts(num, den, unit)})")
        elif row.type == "count" and row.code not in parts:
            v = res.totals.get(row.code)
            if isinstance(v, (int, float)) and v:
                out.append(f": {format_vn(v)}")
    return out


def test_the_draft_quotes_every_figure_of_the_appendix_the_vietnamese_way(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    res, book = district
    result = cx.report(book, tmp_path / "bao_cao.md")
    text = result.out.read_text("utf-8")
    quotes = expected_quotes(res)
    assert len(quotes) > 20
    missing = [q for q in quotes if q not in text]
    assert not missing, missing
    # the ratios with their parts, the thousands and decimals the Vietnamese way
    assert "19/20 xã đã gửi báo cáo" in text and "Xã Đồng Lạc" in text
    assert re.search(r"đạt \d+,\d\d% \(\d\.\d{3}/\d\.\d{3} hồ sơ\)", text)
    assert "ngày 15 tháng 12 năm 2023 đến ngày 14 tháng 3 năm 2024" in text
    assert text.count("[Cần bổ sung") == result.placeholders > 5
    # a total that includes values in error is quoted, and marked to be checked
    assert text.count("[Cần kiểm tra") == result.to_check > 0
    assert re.search(r"3\.394/4\.621 hồ sơ\)\. \*\*\[Cần kiểm tra: tổng gồm giá trị có lỗi của Xã Bản Thi", text)
    # the targets graded as in the workbook's targets sheet; one whose total
    # includes a value in error (xã Bản Thi's 3.3.1.a typed as text) is not graded
    grades = grade_targets(res.catalog, res.totals, year=2024, level="xa", doubts=_doubts(res))
    assert next(g for g in grades if g.target.code == "3.3.1").status == "kiem_tra"
    for g in grades:
        assert f"{g.target.text}: đạt {g.achieved} — {g.status_text.lower()}" in text


def test_the_word_draft_opens_in_libreoffice_and_its_pdf_has_the_figures(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    require_soffice()
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: install poppler-utils (make test does as root)")
    res, book = district
    result = cx.report(book, tmp_path / "bao_cao.docx", report_date="2024-03-06")
    assert result.charts >= 2 and result.targets == 4
    with zipfile.ZipFile(result.out) as z:
        assert sum(n.startswith("word/media/") for n in z.namelist()) == result.charts
    (pdf,) = to_pdf([result.out], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for quote in expected_quotes(res):
        assert re.sub(r"\s+", "", quote) in flat, quote
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Chợ Đồn, ngày 06 tháng 3 năm 2024",
        "19/20 xã đã gửi báo cáo",
        "Nơi nhận:",
    ):
        assert re.sub(r"\s+", "", words) in flat, words


def _template_with(tmp_path: Path, old: str, new: str) -> Path:
    """The bundled template with ``old`` replaced by ``new`` in its document part."""
    src = default_template()
    out = tmp_path / "mau_sua.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                assert old in xml
                data = xml.replace(old, new, 1).encode("utf-8")
            zout.writestr(item, data)
    return out


# the run boundaries Word writes when a person edits the middle of a word
_RUN_BREAK = '</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">'
_PARAGRAPH_BREAK = '</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">'


def test_a_tag_split_over_runs_by_word_still_renders(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    _res, book = district
    template = _template_with(tmp_path, "{{ subtitle }}", "{{ sub" + _RUN_BREAK + "title }}")
    result = cx.report(book, tmp_path / "bc.docx", template=template)
    with zipfile.ZipFile(result.out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "Kết quả thực hiện công tác cải cách hành chính Quý I năm 2024" in xml
    assert "{{" not in xml


def test_a_tag_split_over_two_paragraphs_is_named_and_nothing_is_written(
    district: tuple[cx.Consolidation, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _res, book = district
    template = _template_with(tmp_path, "{{ place_date }}", "{{ place_" + _PARAGRAPH_BREAK + "date }}")
    with pytest.raises(cx.TemplateError, match=r"thẻ bị tách.*\{\{ place_"):
        cx.report(book, tmp_path / "bc.docx", template=template)
    assert not (tmp_path / "bc.docx").exists()
    code = main(["report", str(book), "--out", str(tmp_path / "bc.docx"), "--template", str(template)])
    err = capsys.readouterr().err
    assert code == 2 and "{{ place_" in err and "Traceback" not in err
    assert not (tmp_path / "bc.docx").exists()


def test_an_unknown_tag_is_named(district: tuple[cx.Consolidation, Path], tmp_path: Path) -> None:
    _res, book = district
    template = _template_with(tmp_path, "{{ subtitle }}", "{{ tieu_de_phu }}")
    with pytest.raises(cx.TemplateError, match=r"\{\{ tieu_de_phu \}\}"):
        cx.report(book, tmp_path / "bc.docx", template=template)


def test_outputs_are_never_overwritten_and_never_an_input(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    _res, book = district
    out = tmp_path / "bc.md"
    out.write_text("cũ", "utf-8")
    with pytest.raises(cx.OutputExistsError):
        cx.report(book, out)
    assert out.read_text("utf-8") == "cũ"
    cx.report(book, out, force=True)
    assert out.read_text("utf-8") != "cũ"
    with pytest.raises(cx.UsageError) as info:
        cx.report(book, tmp_path / "bc.pdf")
    assert info.value.option == "out"
    with pytest.raises(cx.UsageError) as info:
        cx.report(tmp_path / "khong_co.xlsx", tmp_path / "x.md")
    assert info.value.option == "appendix"
    with pytest.raises(cx.UsageError):
        cx.report(out, tmp_path / "x2.md")  # not a workbook


def test_the_comparison_with_the_same_period_last_year(default_catalog: Catalog) -> None:
    row = default_catalog.row("3.3.1.a")
    assert statement(default_catalog, row, {"3.3.1.a": 1594}, {"3.3.1.a": 1417}) == (
        "Tổng số hồ sơ TTHC đã giải quyết xong: 1.594 hồ sơ, tăng 12,49% so với cùng kỳ năm trước (1.417)."
    )
    ratio = default_catalog.row("1.2")
    assert statement(default_catalog, ratio, {"1.2.1": 32, "1.2.2": 6}, {"1.2.1": 30, "1.2.2": 3}) == (
        "Tỷ lệ hoàn thành Kế hoạch CCHC năm: đạt 18,75% (6/32 nhiệm vụ), tăng 8,75 điểm phần trăm"
        " so với cùng kỳ năm trước (10%)."
    )


def _doubts(res: cx.Consolidation) -> dict[str, str]:
    """The totals that include values in error, as the workbook and the draft say it."""
    return {code: f"tổng gồm giá trị có lỗi của {len(u)} đơn vị (ô đỏ)" for code, u in res.flagged_totals.items()}


def test_the_targets_sheet_grades_each_target(district: tuple[cx.Consolidation, Path]) -> None:
    res, book = district
    ws = openpyxl.load_workbook(book)[TARGETS_SHEET]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    grades = grade_targets(res.catalog, res.totals, year=2024, level="xa", doubts=_doubts(res))
    assert [(r[1], r[4], r[5]) for r in rows] == [
        (g.target.text, f"{g.achieved} (cần kiểm tra: {g.doubt})" if g.doubt else g.achieved, g.status_text)
        for g in grades
    ]


def test_the_chart_sheet_opens_in_libreoffice_and_its_series_point_at_the_appendix(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    res, book = district
    layout = build_layout(res.catalog, "xa")
    at = row_index(layout)
    n = len(res.columns)
    first, last = col_letter(FIRST_UNIT_COL), col_letter(FIRST_UNIT_COL + n - 1)
    header = f"'{SUMMARY_SHEET}'!${first}${ROW_HEAD1 + 1}:${last}${ROW_HEAD1 + 1}"
    with zipfile.ZipFile(book) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        refs = [re.findall(r"<c:f>([^<]*)</c:f>", z.read(c).decode("utf-8")) for c in charts]
    # the submission status, from the chart sheet's own table
    assert refs[0] == [f"'{CHARTS_SHEET}'!$A$4:$A$5", f"'{CHARTS_SHEET}'!$B$4:$B$5"]
    ratios = [g for g in grade_targets(res.catalog, res.totals, year=2024, level="xa")]
    assert len(refs) == 1 + len(ratios)
    for k, (g, chart) in enumerate(zip(ratios, refs[1:])):
        r = at[g.target.code] + 1
        target_row = 8 + k  # below the submission table and the line's caption
        assert chart == [
            header,
            f"'{SUMMARY_SHEET}'!${first}${r}:${last}${r}",
            header,
            f"'{CHARTS_SHEET}'!$B${target_row}:${col_letter(n)}${target_row}",
        ]
    wb = openpyxl.load_workbook(book)
    ws = wb[CHARTS_SHEET]
    assert [ws.cell(4, 1).value, ws.cell(4, 2).value] == ["đã nộp", 19]
    assert ws.cell(8, 2).value == ratios[0].target.threshold
    require_soffice()
    (pdf,) = to_pdf([book], tmp_path / "pdf")
    assert pdf.stat().st_size > 10_000


def test_the_template_ships_with_the_package() -> None:
    data = default_template().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "{{ issuer_name }}" in xml and "{%p for p in body %}" in xml


def test_with_the_store_the_draft_compares_with_the_same_period_last_year(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    res, book = district
    catalog = res.catalog
    units = cx.load_units(cx.example_path("units_cho_don.csv"), catalog)
    store = tmp_path / "kho.sqlite"
    # last year's returns: the same communes, the same example figures
    _fill_returns(catalog, units, cx.parse_period("2023-Q1"), tmp_path / "nam_truoc")
    cx.check(tmp_path / "nam_truoc" / "H01", catalog, level="xa", period="2023-Q1", units=units, store=store)
    result = cx.report(book, tmp_path / "bc.md", store=store)
    assert result.compared_with == "2023-Q1"
    text = result.out.read_text("utf-8")
    v = res.totals["1.4.1"]
    assert f"Tổng số nhiệm vụ được giao: {format_vn(v)} nhiệm vụ, bằng cùng kỳ năm trước ({format_vn(v)})." in text
    ratio = format_percent(res.totals["1.2"])
    assert f"({format_parts(res.totals['1.2.2'], res.totals['1.2.1'], 'Nhiệm vụ')}), bằng cùng kỳ năm trước ({ratio})" in text
    # without the store: nothing is compared
    result = cx.report(book, tmp_path / "bc2.md")
    assert result.compared_with == "" and "cùng kỳ năm trước" not in result.out.read_text("utf-8")


def test_a_communes_own_return_is_written_up_as_seed_000_should_have_been(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    """Seed 000 printed "đạt 19% kế hoạch (6/32 nhiệm vụ)"; its own figures give 18,75%."""
    _res, book = district
    (tan_lap,) = (book.parent / "returns" / "H01").glob("*_X0114_*.xlsx")
    text = cx.report(tan_lap, tmp_path / "tan_lap.md").out.read_text("utf-8")
    assert "Tỷ lệ hoàn thành Kế hoạch CCHC năm: đạt 18,75% (6/32 nhiệm vụ)." in text
    assert "UBND xã Tân Lập báo cáo" in text and "đã gửi báo cáo" not in text


def test_the_same_appendix_gives_the_same_bytes(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    _res, book = district
    first = cx.report(book, tmp_path / "a.docx").out.read_bytes()
    assert cx.report(book, tmp_path / "b.docx").out.read_bytes() == first


def test_a_template_that_is_not_word_or_is_the_output_is_refused(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    _res, book = district
    fake = tmp_path / "mau.docx"
    fake.write_text("không phải Word", "utf-8")
    with pytest.raises(cx.TemplateError, match="không phải tệp Word"):
        cx.report(book, tmp_path / "bc.docx", template=fake)
    assert not (tmp_path / "bc.docx").exists()
    with pytest.raises(cx.UsageError, match="tệp đầu vào"):
        cx.report(book, fake, template=fake, force=True)
    assert fake.read_text("utf-8") == "không phải Word"


def test_a_catalogue_of_several_forms_gets_one_part_per_form(tmp_path: Path) -> None:
    """The department form (Biểu mẫu 1–7, one sheet each): each sheet's title is a part of II."""
    from cchc_xlsx.testing import fill_template

    catalog = cx.load_catalog(cx.example_path("catalogs/so_bieu_mau_1_7.yaml"))
    units = cx.load_units(cx.example_path("units_cho_don.csv"), catalog)
    files = cx.generate(catalog, "so", PERIOD, tmp_path / "bm", units)
    layout = build_layout(catalog, "so")
    values = {r.code: 3 for r in catalog.rows_for_level("so") if r.type == "count"}
    for f in files:
        Path(f.path).write_bytes(fill_template(Path(f.path).read_bytes(), layout, values))
    cx.consolidate(tmp_path / "bm", catalog, tmp_path / "th.xlsx", level="so", period=PERIOD, units=units)
    text = cx.report(tmp_path / "th.xlsx", tmp_path / "bc.md", catalog).out.read_text("utf-8")
    assert "3/3 sở, ngành đã gửi báo cáo" in text
    for k, sheet in enumerate(catalog.sheets[1:], start=1):
        assert f"### {k}. {sheet.title}" in text
    assert "đạt 100% (9/9 nhiệm vụ)" in text


def test_last_quarters_finished_draft_given_as_the_template_is_refused(
    district: tuple[cx.Consolidation, Path], tmp_path: Path
) -> None:
    """An office edits last quarter's report and gives it as the template: it has
    no tags, and rendered it would come out with last quarter's figures."""
    _res, book = district
    old = cx.report(book, tmp_path / "quy_truoc.docx")
    with pytest.raises(cx.TemplateError, match=r"không có thẻ \{%p for p in body %\}.*bản báo cáo đã viết"):
        cx.report(book, tmp_path / "bc.docx", template=old.out)
    assert not (tmp_path / "bc.docx").exists()
    no_body = _template_with(tmp_path, "{%p for p in body %}", "{%p for p in body_end %}")
    with pytest.raises(cx.TemplateError, match=r"không có thẻ \{%p for p in body %\}"):
        cx.report(book, tmp_path / "bc.docx", template=no_body)


def test_the_date_line_as_an_office_types_it(district: tuple[cx.Consolidation, Path], tmp_path: Path) -> None:
    _res, book = district
    text = cx.report(book, tmp_path / "bc.md", report_date="06/03/2024").out.read_text("utf-8")
    assert "ngày 06 tháng 3 năm 2024" in text
    with pytest.raises(cx.UsageError, match="06/03/2024"):
        cx.report(book, tmp_path / "bc2.md", report_date="31/02/2024")


def test_a_figure_just_below_the_threshold_does_not_print_as_the_threshold(default_catalog: Catalog) -> None:
    target = next(t for t in default_catalog.targets if t.code == "7.2.3")
    row = default_catalog.row("7.2.3")
    g = grade(default_catalog, target, {row.numerator: 159_999, row.denominator: 200_000})
    assert g.status == "khong_dat" and g.achieved.startswith("79,99") and not g.achieved.startswith("80%")


def test_the_annual_draft_names_the_units_short_of_a_quarter(tmp_path: Path) -> None:
    """The demo's year: xã Đồng Lạc never sent quarter III; the draft must not say 'đầy đủ'."""
    from cchc_xlsx.demo import run_demo

    out = tmp_path / "demo"
    assert run_demo(out, stream=io.StringIO()) == 0
    year = out / "7_ca_nam_va_5_nam" / "2024_huyen_H01_ca_nam.xlsx"
    text = cx.report(year, tmp_path / "nam.md").out.read_text("utf-8")
    assert "20/20 xã đã gửi báo cáo; số liệu chưa đủ kỳ: Xã Đồng Lạc (thiếu 2024-Q3)." in text
    assert "đầy đủ." not in text.split("Tình hình gửi báo cáo")[1].split("\n")[0]
