"""Writing the draft report of a consolidated workbook: read it, compare with
the same period of the previous year when the history store has it, write
the text, draw the charts, render Word or Markdown, write the file atomically."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cchc_xlsx.atomic import atomic_write_bytes
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.rollup import same_period_last_year
from cchc_xlsx.history.store import existing_store
from cchc_xlsx.outputs.report.draft import PLACEHOLDER, TO_CHECK, Draft, build_draft
from cchc_xlsx.read.appendix import Appendix, read_appendix
from cchc_xlsx.units import Unit, Units

ReportFormat = Literal["docx", "md"]


@dataclass(frozen=True)
class ReportResult:
    """What :func:`~cchc_xlsx.report` wrote: ``out`` (the draft), its ``format``,
    how many ``placeholders`` are left for the officer, the ``figures`` quoted
    (statements written from the appendix), the figures marked ``to_check``
    (a total that includes values in error), the targets (``targets``; of
    them ``targets_graded`` had the figures to be graded, ``targets_met``
    met), ``charts`` drawn, and the period of the previous year it was
    compared with (``compared_with``; "" when none). ``draft`` is left out of
    the printed form (it holds every paragraph)."""

    out: Path
    format: ReportFormat
    placeholders: int
    to_check: int
    figures: int
    targets: int
    targets_met: int
    charts: int
    compared_with: str
    draft: Draft = field(repr=False)
    targets_graded: int = 0


def previous_year(
    store_path: str | Path | None, appendix: Appendix
) -> tuple[dict[str, object] | None, str, str]:
    """The same period of the previous year from the history store: (its
    totals, consolidated from the store as the appendix's ``Cùng kỳ năm
    trước`` columns are — :func:`~cchc_xlsx.consolidation.rollup.same_period_last_year`,
    a cumulative period rolled up from its quarters —, that period's code, a
    note when there is nothing fair to compare with). Compared only when last
    year's totals add up the same units as the appendix's, none short of a period."""
    if store_path is None or not appendix.period:
        return None, "", ""
    units = Units(
        [Unit(u.code, u.name, appendix.units_level, appendix.unit) for u in appendix.units],
        "<biểu tổng hợp>",
    )
    with existing_store(store_path) as store:
        last = same_period_last_year(
            store,
            appendix.catalog,
            appendix.period,
            appendix.level,
            units=units,  # exactly the appendix's units (the register holds no parent)
        )
    if last is None:
        return None, "", ""
    sent = {u.code for u in appendix.units if u.status == "submitted"}
    if set(last.units) != sent or last.short:
        return (
            None,
            "",
            f"(Kho lưu có số liệu cùng kỳ năm trước ({last.period}) của {last.submitted}/{last.expected} đơn vị"
            + (f", {last.short} đơn vị thiếu kỳ" if last.short else "")
            + f", còn kỳ này {len(sent)} đơn vị đã gửi: không cùng các đơn vị, nên không so sánh với cùng kỳ.)",
        )
    return dict(last.totals), last.period, ""


def write_report(
    appendix_path: str | Path,
    catalog: Catalog,
    out: Path,
    *,
    template: Path | None = None,
    store: str | Path | None = None,
    format: ReportFormat = "docx",
    report_date: dt.date | None = None,
) -> ReportResult:
    """Read, write and render; the arguments are checked by the caller."""
    appendix = read_appendix(appendix_path, catalog)
    previous, before, note = previous_year(store, appendix)
    draft = build_draft(
        appendix,
        previous=previous,
        compared_with=before,
        comparison_note=note,
        report_date=report_date,
    )
    charts = 0
    if format == "md":
        from cchc_xlsx.outputs.report.markdown import render_markdown

        data = render_markdown(draft).encode("utf-8")
    else:
        from cchc_xlsx.outputs.report.pictures import draw_pictures
        from cchc_xlsx.outputs.report.word import render_docx

        pictures = draw_pictures(draft)
        charts = len(pictures)
        data = render_docx(draft, pictures, template)
    atomic_write_bytes(out, data)
    spans = [s for p in draft.paragraphs for s in p.spans]
    return ReportResult(
        out=out,
        format=format,
        placeholders=sum(1 for s in spans if s.placeholder and s.text.startswith(PLACEHOLDER)),
        to_check=sum(1 for s in spans if s.placeholder and s.text.startswith(TO_CHECK)),
        figures=sum(
            1
            for p in draft.paragraphs
            if p.kind == "text"
            and any(ch.isdigit() for ch in p.text)
            and not p.spans[0].placeholder
        ),
        targets=len(draft.grade_values),
        targets_met=sum(1 for g in draft.grade_values if g.status == "dat"),
        targets_graded=sum(1 for g in draft.grade_values if g.graded),
        charts=charts,
        compared_with=before,
        draft=draft,
    )
