"""The report's text, written from the figures of a consolidated workbook.

Every statement the appendix supports is written from its figures, quoted the
way the reports quote them: a count with its unit (``1.594 hồ sơ``), a ratio
with its parts (``đạt 18,75% (6/32 nhiệm vụ)``), the submission status
(``19/20 xã đã gửi báo cáo``), the targets graded, and, when the history store
has the same period of the previous year from the same units, the change
(``tăng 12,5% so với cùng kỳ năm trước``). What only the office can write (an
assessment, the causes, the tasks ahead) is a marked placeholder. Numbers and
dates go through :mod:`cchc_xlsx.semantics.numbers`, one formatter for all.

The body follows the standard CCHC report: I. chỉ đạo, điều hành (the
catalogue's first section); II. kết quả, one part per other section of the
catalogue; III. the targets; IV. đánh giá chung (ưu điểm, tồn tại, nguyên
nhân); V. phương hướng; VI. đề xuất, kiến nghị.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from cchc_xlsx.catalog.model import Catalog, Row
from cchc_xlsx.periods import Period, parse_period
from cchc_xlsx.read.appendix import Appendix
from cchc_xlsx.semantics.exact import number_or_none
from cchc_xlsx.semantics.numbers import (
    format_date_vn,
    format_parts,
    format_percent,
    format_vn,
    unit_word,
)
from cchc_xlsx.semantics.targets import Grade, grade_targets, is_percent, threshold_text

ParaKind = Literal["heading1", "heading2", "text"]
#: how a placeholder starts, in every format (the officer searches for it)
PLACEHOLDER = "[Cần bổ sung"
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
# what a unit of each level is called in "19/20 xã đã gửi báo cáo"
_UNIT_WORD = {"xa": "xã", "huyen": "huyện", "so": "sở, ngành", "tinh": "tỉnh"}
# a unit's name that makes its issuing body the People's Committee (Ủy ban nhân dân …)
_LOCAL = ("Xã ", "Phường ", "Thị trấn ", "Huyện ", "Quận ", "Thị xã ", "Thành phố ", "Tỉnh ")


@dataclass(frozen=True)
class Span:
    """A piece of a paragraph: plain, bold, or a placeholder for the officer."""

    text: str
    bold: bool = False
    placeholder: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph: a heading of the body (level 1 or 2) or text."""

    kind: ParaKind
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True)
class GradeLine:
    """One row of the targets table (seed 003's Phụ lục 8)."""

    number: int
    target: str
    indicator: str
    threshold: str
    achieved: str
    grade: str


@dataclass
class Draft:
    """The report as data, before any file format.

    ``issuer`` is the issuing body's block (lines, upper case, ND 30/2020);
    ``number`` the số/ký hiệu line, ``place_date`` the "…, ngày … tháng …
    năm …" line; ``paragraphs`` the body; ``grades`` the targets table;
    ``charts`` the chart titles (their pictures are drawn by
    :mod:`cchc_xlsx.outputs.report.pictures`); ``recipients`` the "Nơi nhận"
    lines; ``signer`` the signature block's lines."""

    issuer: list[str]
    number: str
    place_date: str
    title: str
    subtitle: str
    paragraphs: list[Para]
    grades: list[GradeLine]
    recipients: list[str]
    signer: list[str]
    appendix: Appendix
    period: Period | None
    grade_values: list[Grade] = field(default_factory=list)
    compared_with: str = ""
    split: int = 0  # the body before the targets table and charts, and after

    @property
    def body_before(self) -> list[Para]:
        """The paragraphs before the targets table and the charts (up to part III)."""
        return self.paragraphs[: self.split]

    @property
    def body_after(self) -> list[Para]:
        """The paragraphs after the targets table and the charts (đánh giá chung …)."""
        return self.paragraphs[self.split :]


#: how a figure to verify is marked (a total that includes values in error)
TO_CHECK = "[Cần kiểm tra"
_SENDERS = re.compile(r"đơn vị cấp dưới \(([^)]*)\)")


def placeholder(what: str) -> Span:
    """A marked place for the officer to write ``what``."""
    return Span(f"{PLACEHOLDER}: {what}]", placeholder=True)


def doubts(appendix: Appendix) -> dict[str, str]:
    """Per catalogue code, why its figure must be checked before it is quoted:
    the appendix's total includes values in error (red cells), or the unit's
    own value is in error."""
    names = {u.code: u.name for u in appendix.units}
    out: dict[str, str] = {}
    for i in appendix.issues:
        if i.severity != "error" or not i.indicator or i.indicator in out:
            continue
        m = _SENDERS.search(i.message)
        if m:
            who = ", ".join(names.get(c.strip(), c.strip()) for c in m.group(1).split(","))
            out[i.indicator] = f"tổng gồm giá trị có lỗi của {who} (ô đỏ trong biểu tổng hợp)"
        else:
            out[i.indicator] = i.message.rstrip(". ")
    return out


def _text(*spans: Span | str) -> Para:
    return Para("text", tuple(Span(s) if isinstance(s, str) else s for s in spans))


def _heading(kind: ParaKind, text: str) -> Para:
    return Para(kind, (Span(text, bold=True),))


def _unit_word(row: Row) -> str:
    unit = row.unit.strip()
    return "" if unit in ("%", "Có/không", "Số lượng") else unit_word(unit)


def _change(now: float, before: float | None, ratio: bool) -> str:
    """``, tăng 12,5% so với cùng kỳ năm trước (1.417)`` or nothing."""
    if before is None:
        return ""
    if ratio:
        # NOTE: the difference of the two figures as printed (two decimals), so
        # that the officer who checks 58,97 − 56,67 by hand gets the 2,30 quoted
        diff = round(now, 2) - round(before, 2)
        if abs(diff) < 0.005:
            return f", bằng cùng kỳ năm trước ({format_percent(before)})"
        word = "tăng" if diff > 0 else "giảm"
        return f", {word} {format_vn(abs(diff))} điểm phần trăm so với cùng kỳ năm trước ({format_percent(before)})"
    if before == 0:
        return "" if now == 0 else f", cùng kỳ năm trước không có ({format_vn(before)})"
    diff = (now - before) / before * 100
    if abs(diff) < 0.005:
        return f", bằng cùng kỳ năm trước ({format_vn(before)})"
    word = "tăng" if diff > 0 else "giảm"
    return f", {word} {format_percent(abs(diff))} so với cùng kỳ năm trước ({format_vn(before)})"


def statement(
    catalog: Catalog,
    row: Row,
    values: Mapping[str, object],
    previous: Mapping[str, object] | None = None,
    submitted: int | None = None,
) -> str | None:
    """The sentence for one row, from its figure (None when it has none):
    ``Tỷ lệ hoàn thành Kế hoạch CCHC năm: đạt 18,75% (6/32 nhiệm vụ).``"""
    prev = previous or {}
    label = row.label.rstrip(". ")
    if row.type == "ratio" and row.numerator and row.denominator:
        num, den = (
            number_or_none(values.get(row.numerator)),
            number_or_none(values.get(row.denominator)),
        )
        if num is None or den is None:
            return None
        unit = _unit_word(catalog.row(row.denominator))
        if den == 0:
            return f"{label}: chưa phát sinh ({format_parts(num, den, unit)})."
        value = 100 * num / den
        pn, pd = number_or_none(prev.get(row.numerator)), number_or_none(prev.get(row.denominator))
        before = 100 * pn / pd if pn is not None and pd else None
        return f"{label}: đạt {format_percent(value)} ({format_parts(num, den, unit)}){_change(value, before, True)}."
    v = number_or_none(values.get(row.code))
    if v is None:
        return None
    if row.type == "boolean":
        if submitted:
            return f"{label}: {format_vn(v)}/{submitted} đơn vị có thực hiện."
        return f"{label}: {'có' if v else 'không'}."
    if is_percent(row):
        if row.agg in ("mean", "weighted_mean"):
            how = "bình quân có trọng số" if row.agg == "weighted_mean" else "bình quân"
            return f"{label}: {format_percent(v)} ({how} của các đơn vị)."
        return f"{label}: {format_percent(v)}."
    if row.type in ("count", "decimal", "sum"):
        if v == 0:
            return f"{label}: không có."
        unit = _unit_word(row)
        shown = f"{format_vn(v)} {unit}".strip()
        return f"{label}: {shown}{_change(v, number_or_none(prev.get(row.code)), False)}."
    return None


def _parts_of_ratios(catalog: Catalog) -> set[str]:
    out: set[str] = set()
    for r in catalog.rows:
        if r.type == "ratio":
            out.update(c for c in (r.numerator, r.denominator) if c)
    return out


def _section_paras(
    appendix: Appendix, rows: list[Row], previous: Mapping[str, object] | None
) -> list[Para]:
    """The statements of one section of the catalogue, sub-headings as lead-ins."""
    catalog = appendix.catalog
    parts = _parts_of_ratios(catalog)
    doubt = doubts(appendix)
    out: list[Para] = []
    lead: str | None = None
    for row in rows:
        if row.type == "heading":
            lead = row.label
            continue
        if row.code in parts:
            continue
        text = statement(catalog, row, appendix.totals, previous, appendix.submitted)
        if text is None:
            continue
        if lead is not None:
            out.append(_text(f"- {lead}:"))
            lead = None
        indent = "+ " if row.depth > 2 else "- "
        why = next(
            (doubt[c] for c in (row.code, row.numerator, row.denominator) if c and c in doubt),
            None,
        )
        if why is None:
            out.append(_text(indent + text))
        else:
            out.append(_text(indent + text + " ", Span(f"{TO_CHECK}: {why}]", placeholder=True)))
    return out


def _sections(catalog: Catalog, level: str) -> list[tuple[str, list[Row]]]:
    """The catalogue's sections, (title, rows): one per sheet of a catalogue
    made of several forms (Biểu mẫu 1–7: the sheet's title), else one per
    top-level heading (seed 000's 1 … 7) and the rows under it."""
    wanted = set(catalog.rows_for_level(level)) if level else set(catalog.rows)
    if len(catalog.sheets) > 1:
        return [
            (sheet.title or sheet.name, [r for r in sheet.rows if r in wanted])
            for sheet in catalog.sheets
            if any(r in wanted for r in sheet.rows)
        ]
    out: list[tuple[str, list[Row]]] = []
    for row in catalog.rows:
        if row not in wanted:
            continue
        if row.type == "heading" and row.depth == 1:
            out.append((row.label, []))
        elif out:
            out[-1][1].append(row)
    return out


def issuer_lines(unit_name: str) -> list[str]:
    """The issuing body's block: ``ỦY BAN NHÂN DÂN`` / ``HUYỆN CHỢ ĐỒN`` for a
    local government, the name in capitals otherwise."""
    if unit_name.startswith(_LOCAL):
        return ["ỦY BAN NHÂN DÂN", unit_name.upper()]
    return [unit_name.upper()] if unit_name else ["[TÊN CƠ QUAN]"]


def body_name(unit_name: str) -> str:
    """The issuing body as a sentence names it: ``UBND huyện Chợ Đồn``."""
    if unit_name.startswith(_LOCAL):
        return "UBND " + unit_name[0].lower() + unit_name[1:]
    return unit_name


def _place(unit_name: str) -> str:
    for prefix in _LOCAL:
        if unit_name.startswith(prefix):
            return unit_name[len(prefix) :]
    return "……"


def _submission(appendix: Appendix) -> Para:
    word = _UNIT_WORD.get(appendix.units_level, "đơn vị")
    spans: list[Span | str] = [
        f"- Tình hình gửi báo cáo: {appendix.submitted}/{appendix.expected} {word} đã gửi báo cáo"
    ]
    missing = appendix.missing
    short = [u for u in appendix.units if u.status == "submitted" and u.short]
    if missing:
        names = ", ".join(u.name for u in missing[:10]) + ("…" if len(missing) > 10 else "")
        spans.append(f"; chưa gửi hoặc chưa dùng được: {names}")
    if short:
        # NOTE: an appendix rolled up across periods: a unit there may still lack a quarter
        names = ", ".join(f"{u.name} (thiếu {u.short})" for u in short[:10]) + (
            "…" if len(short) > 10 else ""
        )
        spans.append(f"; số liệu chưa đủ kỳ: {names}")
    spans.append("." if missing or short else ", đầy đủ.")
    return _text(*spans)


def build_draft(
    appendix: Appendix,
    *,
    previous: Mapping[str, object] | None = None,
    compared_with: str = "",
    comparison_note: str = "",
    report_date: dt.date | None = None,
) -> Draft:
    """The draft report of ``appendix`` (:func:`~cchc_xlsx.read.appendix.read_appendix`).

    ``previous``: the same period of the previous year, by catalogue code (from
    the history store; None: no comparison), named ``compared_with``
    (``2023-Q1``); ``comparison_note``: why there is no comparison, printed as
    a note when the store could not give one. ``report_date``: the date line
    (None: left for the officer, "ngày … tháng … năm …")."""
    catalog = appendix.catalog
    period = parse_period(appendix.period) if appendix.period else None
    label = period.label if period else "[kỳ báo cáo]"
    name = appendix.unit_name or "[Tên đơn vị]"
    body = body_name(name)
    period_text = label[0].lower() + label[1:] if period else label
    place = _place(name)
    year = period.year if period else ""
    date_text = format_date_vn(report_date) if report_date else f"ngày … tháng … năm {year}"
    paras: list[Para] = []
    if period is not None:
        window = f"từ {format_date_vn(period.start)} đến {format_date_vn(period.end)}"
    else:
        window = "[thời gian lấy số liệu]"
    paras.append(
        _text(
            placeholder("căn cứ (văn bản yêu cầu báo cáo của cấp trên, số, ngày)"),
            f" {body} báo cáo kết quả thực hiện công tác cải cách hành chính (CCHC) {period_text} "
            f"(số liệu {window}) như sau:",
        )
    )
    if comparison_note:
        paras.append(_text(Span(comparison_note)))
    sections = _sections(catalog, appendix.level)
    first = sections[0] if sections else None
    grades = grade_targets(
        catalog,
        appendix.totals,
        year=period.year if period else None,
        level=appendix.level,
        doubts=doubts(appendix),
    )

    paras.append(_heading("heading1", "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC"))
    if appendix.expected:
        paras.append(_submission(appendix))
    if first is not None:
        paras += _section_paras(appendix, first[1], previous)
    paras.append(
        _text(
            "- ",
            placeholder(
                "đánh giá các hoạt động chỉ đạo, điều hành nổi bật; thông tin, tuyên truyền; mô hình, sáng kiến mới"
            ),
        )
    )

    paras.append(_heading("heading1", "II. KẾT QUẢ THỰC HIỆN CÔNG TÁC CCHC"))
    for k, (head, rows) in enumerate(sections[1:], start=1):
        paras.append(_heading("heading2", f"{k}. {head}"))
        paras += _section_paras(appendix, rows, previous)
        paras.append(
            _text("- ", placeholder(f"kết quả khác, đánh giá về {head[0].lower() + head[1:]}"))
        )

    grade_lines: list[GradeLine] = []
    doubt = doubts(appendix)
    n = len(_ROMAN)
    part = 3
    if grades:
        paras.append(_heading("heading1", f"{_ROMAN[part - 1]}. KẾT QUẢ THỰC HIỆN CÁC MỤC TIÊU"))
        met = [g for g in grades if g.status == "dat"]
        judged = [g for g in grades if g.graded]
        unjudged = len(grades) - len(judged)
        paras.append(
            _text(
                f"- Đạt {len(met)}/{len(judged)} mục tiêu có số liệu đánh giá"
                + (f"; {unjudged} mục tiêu chưa đánh giá được" if unjudged else "")
                + " (chi tiết tại bảng dưới đây):"
            )
        )
        for i, g in enumerate(grades, start=1):
            row = catalog.row(g.target.code)
            percent = is_percent(row)
            grade_lines.append(
                GradeLine(
                    i,
                    g.target.text,
                    f"{row.code} {row.label}",
                    threshold_text(g.target, percent),
                    g.achieved,
                    g.status_text,
                )
            )
            what = f"đạt {g.achieved}" if g.value is not None else g.achieved
            line = f"+ {g.target.text}: {what} — {g.status_text.lower()}."
            why = next(
                (doubt[c] for c in (row.code, row.numerator, row.denominator) if c and c in doubt),
                None,
            )
            if why is None:
                paras.append(_text(line))
            else:
                paras.append(_text(line + " ", Span(f"{TO_CHECK}: {why}]", placeholder=True)))
        part += 1
    split = len(paras)
    paras.append(_heading("heading1", f"{_ROMAN[part - 1]}. ĐÁNH GIÁ CHUNG"))
    paras.append(_heading("heading2", "1. Ưu điểm"))
    paras.append(_text("- ", placeholder("những kết quả nổi bật")))
    paras.append(_heading("heading2", "2. Tồn tại, hạn chế"))
    missed = [g for g in grades if g.status == "khong_dat"]
    for g in missed:
        paras.append(_text(f"- Chưa đạt mục tiêu “{g.target.text}” (đạt {g.achieved})."))
    if appendix.expected and appendix.missing:
        word = _UNIT_WORD.get(appendix.units_level, "đơn vị")
        paras.append(
            _text(
                f"- Còn {len(appendix.missing)}/{appendix.expected} {word} chưa gửi báo cáo hoặc báo cáo chưa dùng được."
            )
        )
    paras.append(_text("- ", placeholder("tồn tại, hạn chế khác")))
    paras.append(_heading("heading2", "3. Nguyên nhân"))
    paras.append(_text("- ", placeholder("nguyên nhân khách quan, chủ quan")))
    part += 1
    paras.append(_heading("heading1", f"{_ROMAN[min(part, n) - 1]}. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI"))
    paras.append(_text("- ", placeholder("nhiệm vụ trọng tâm kỳ tới")))
    part += 1
    paras.append(_heading("heading1", f"{_ROMAN[min(part, n) - 1]}. ĐỀ XUẤT, KIẾN NGHỊ"))
    paras.append(_text("- ", placeholder("đề xuất, kiến nghị với cấp trên")))
    paras.append(
        _text(
            f"Trên đây là báo cáo kết quả thực hiện công tác cải cách hành chính {period_text} của {body}./."
        )
    )

    return Draft(
        issuer=issuer_lines(appendix.unit_name),
        number="Số:        /BC-UBND"
        if appendix.unit_name.startswith(_LOCAL)
        else "Số:        /BC-…",
        place_date=f"{place}, {date_text}",
        title="BÁO CÁO",
        subtitle=f"Kết quả thực hiện công tác cải cách hành chính {label}",
        paragraphs=paras,
        grades=grade_lines,
        recipients=["- [Cơ quan nhận báo cáo];", "- Lưu: VT."],
        signer=[
            "TM. ỦY BAN NHÂN DÂN"
            if appendix.unit_name.startswith(_LOCAL)
            else "THỦ TRƯỞNG CƠ QUAN",
            "CHỦ TỊCH" if appendix.unit_name.startswith(_LOCAL) else "",
            "",
            "",
            "",
            "[Họ và tên]",
        ],
        appendix=appendix,
        period=period,
        grade_values=grades,
        compared_with=compared_with,
        split=split,
    )
