"""Write the narrative report's Word template, ``templates/bao_cao_cchc.docx``.

The template is an ordinary Word document with docxtpl (Jinja2) tags; an office
may edit it in Word (wording, fonts, its own header) as long as the tags stay
whole. This script is how the bundled one was made; run it again after changing
it here: ``.venv/bin/python scripts/make_report_template.py``.

Layout per Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, margins top and bottom
20 mm, left 30 mm, right 15 mm; Times New Roman 14 (13 in the tables); the
issuing body and the national motto side by side, số/ký hiệu and the place
and date beneath; page numbers centred at the top from the second page; "Nơi
nhận" and the signature block side by side at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

OUT = Path(__file__).resolve().parent.parent / "templates" / "bao_cao_cchc.docx"
FONT = "Times New Roman"


def _font(style, size: float) -> None:
    style.font.name = FONT
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _para(cell_or_doc, text: str = "", *, bold=False, italic=False, size=None, align=None, space_after=0):
    p = cell_or_doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.first_line_indent = Cm(0)
    return p


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def _widths(table, widths) -> None:
    """Column widths that Word and LibreOffice both keep (the grid and every cell)."""
    table.autofit = False
    for col, width in zip(table.columns, widths):
        col.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _page_number(paragraph) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _first_cell(cell):
    """A cell's first paragraph, emptied (python-docx gives each cell one)."""
    return cell.paragraphs[0]


def build() -> Document:
    doc = Document()
    _font(doc.styles["Normal"], 14)
    normal = doc.styles["Normal"].paragraph_format
    normal.space_after = Pt(6)
    normal.line_spacing = 1.15
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    # page numbers from the second page (ND 30/2020: centred in the top margin)
    section.different_first_page_header_footer = True
    header_p = section.header.paragraphs[0]
    header_p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(header_p)

    # the issuing body beside the national motto
    top = doc.add_table(rows=1, cols=2)
    _no_borders(top)
    top.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(top, (Cm(6), Cm(10)))
    left, right = top.rows[0].cells
    p = _first_cell(left)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("{{ issuer_top }}")
    r.font.size = Pt(13)
    p = _para(left, "{{ issuer_name }}", bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(left, "———", size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(left, "{{ number }}", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    p = _first_cell(right)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    r = p.add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    r.bold = True
    r.font.size = Pt(12)
    _para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(right, "———————————", size=10, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(right, "{{ place_date }}", italic=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)

    _para(doc, "", space_after=6)
    _para(doc, "{{ title }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ subtitle }}", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "———", size=10, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)

    # the body: one paragraph per statement, heading or placeholder
    _para(doc, "{%p for p in body %}")
    p = doc.add_paragraph("{{r p }}")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Cm(1)
    p.paragraph_format.space_after = Pt(6)
    _para(doc, "{%p endfor %}")

    # the targets graded (seed 003's Phụ lục 8)
    _para(doc, "{%p if grades %}")
    _para(doc, "Bảng: Đánh giá mức độ thực hiện các mục tiêu", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    heads = ("STT", "Các mục tiêu", "Ngưỡng", "Kết quả đạt được", "Đánh giá")
    for cell, text in zip(table.rows[0].cells, heads):
        cp = _first_cell(cell)
        cp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = cp.add_run(text)
        run.bold = True
        run.font.size = Pt(13)
    _first_cell(table.rows[1].cells[0]).add_run("{%tr for g in grades %}")
    for cell, text in zip(
        table.rows[2].cells,
        ("{{ g.number }}", "{{ g.target }}", "{{ g.threshold }}", "{{ g.achieved }}", "{{ g.grade }}"),
    ):
        cp = _first_cell(cell)
        run = cp.add_run(text)
        run.font.size = Pt(13)
    _first_cell(table.rows[3].cells[0]).add_run("{%tr endfor %}")
    _widths(table, (Cm(1.2), Cm(6.8), Cm(2.6), Cm(3.4), Cm(2.5)))
    _para(doc, "{%p endif %}")

    # the charts, as pictures
    _para(doc, "{%p for c in charts %}")
    _para(doc, "{{ c.image }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ c.caption }}", italic=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    _para(doc, "{%p endfor %}")

    # the rest of the body: đánh giá chung, phương hướng, kiến nghị
    _para(doc, "{%p for p in body_end %}")
    p = doc.add_paragraph("{{r p }}")
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.paragraph_format.first_line_indent = Cm(1)
    p.paragraph_format.space_after = Pt(6)
    _para(doc, "{%p endfor %}")

    # "Nơi nhận" beside the signature block
    end = doc.add_table(rows=1, cols=2)
    _no_borders(end)
    _widths(end, (Cm(8), Cm(8)))
    left, right = end.rows[0].cells
    p = _first_cell(left)
    r = p.add_run("Nơi nhận:")
    r.bold, r.italic = True, True
    r.font.size = Pt(12)
    _para(left, "{{r recipients }}", size=11)
    p = _first_cell(right)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(right, "{{r signer }}", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    return doc


def main() -> int:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = build()
    core = doc.core_properties
    core.author, core.title = "cchc-xlsx", "Báo cáo công tác cải cách hành chính (mẫu)"
    import datetime as dt

    core.created = core.modified = dt.datetime(2000, 1, 1)
    core.last_modified_by = "cchc-xlsx"
    core.revision = 1
    doc.save(str(OUT))
    print(f"Đã ghi mẫu báo cáo: {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
